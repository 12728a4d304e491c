package dev.layerfuse.exec.nativ;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.ConvGeometry;
import dev.layerfuse.exec.Slice;
import dev.layerfuse.exec.Strided;
import dev.layerfuse.exec.FloatBuf;
import dev.layerfuse.exec.Gemm;
import dev.layerfuse.exec.Parallel;
import dev.layerfuse.exec.BiasMode;
import dev.layerfuse.exec.Isa;
import dev.layerfuse.exec.Kernels;
import dev.layerfuse.exec.NativeException;
import java.util.EnumMap;
import java.util.Map;

/** The native kernels for one ISA variant; arguments were validated by {@link Kernels}. */
public final class NativeKernels extends Kernels {
  private static final Map<Isa, NativeKernels> INSTANCES = new EnumMap<>(Isa.class);

  private final Isa isa;

  private NativeKernels(Isa isa) {
    this.isa = isa;
  }

  /**
   * The kernels for {@code isa}.
   *
   * @throws IllegalStateException if the library is not loaded
   * @throws UnsupportedOperationException if this CPU cannot run {@code isa}
   */
  public static synchronized NativeKernels forIsa(Isa isa) {
    NativeLibrary.requireLoaded();
    if (!NativeLibrary.supportedIsas().contains(isa)) {
      throw new UnsupportedOperationException(
          "ISA variant '" + isa + "' is not supported by this CPU; supported: " + NativeLibrary.supportedIsas());
    }
    return INSTANCES.computeIfAbsent(isa, NativeKernels::new);
  }

  @Override
  public Backend backend() {
    return Backend.NATIVE;
  }

  @Override
  public Isa isa() {
    return isa;
  }

  @Override
  public FloatBuf allocate(long floats) {
    return new NativeFloatBuf(floats);
  }

  @Override
  public boolean usesBlockedWeights() {
    return isa == Isa.AVX512;
  }

  @Override
  protected boolean owns(FloatBuf buf) {
    return buf instanceof NativeFloatBuf;
  }

  private static long addr(FloatBuf buf, long offset) {
    return buf == null ? 0L : ((NativeFloatBuf) buf).address(offset);
  }

  @Override
  protected void gemmUnchecked(Gemm g, FloatBuf a, long aOffset, FloatBuf b, long bOffset,
                               FloatBuf bias, long biasOffset, FloatBuf residual, long residualOffset,
                               FloatBuf c, long cOffset) {
    int t = Parallel.threads();
    long n = g.n();
    // A batch-1..4 product is memory-bound: split it by the bytes of weight it streams, not its flops.
    boolean streaming = g.m() <= 4 && n * g.k() >= PARALLEL_MIN_STREAM;
    if (t > 1 && n >= 128 && (streaming || 2.0 * g.m() * n * g.k() >= PARALLEL_MIN_FLOPS)) {
      // Output columns split over the threads: for a batch-1 Linear each thread streams its own weight rows.
      long chunk = ((n + t - 1) / t + 15) / 16 * 16;
      int parts = (int) ((n + chunk - 1) / chunk);
      Parallel.forEach(parts, p -> {
        long j0 = p * chunk, cols = Math.min(n, j0 + chunk) - j0;
        gemmColumns(g, a, aOffset, b, bOffset + (g.transB() ? j0 * g.ldb() : j0), bias,
            biasOffset + (g.biasMode() == BiasMode.PER_COL ? j0 : 0), residual, residualOffset + j0, c, cOffset + j0, cols);
      });
      return;
    }
    gemmColumns(g, a, aOffset, b, bOffset, bias, biasOffset, residual, residualOffset, c, cOffset, n);
  }

  @Override
  protected void gemmPackedUnchecked(Gemm g, FloatBuf a, long aOffset, FloatBuf b, long bOffset, Slice packed,
                                     FloatBuf bias, long biasOffset, FloatBuf residual, long residualOffset,
                                     FloatBuf c, long cOffset, Slice scratch) {
    if (isa != Isa.AVX512) {
      gemmUnchecked(g, a, aOffset, b, bOffset, bias, biasOffset, residual, residualOffset, c, cOffset);
      return;
    }
    long m = g.m(), n = g.n(), k = g.k(), blocks = (n + 15) / 16;
    int t = Parallel.threads();
    int parts = 1;
    if (t > 1 && 2.0 * m * n * k >= PARALLEL_MIN_FLOPS) {
      parts = (int) Math.min(t, blocks);
      while (parts > 1 && scratch.length() < Kernels.linearPackedScratch(g, parts)) parts--;
    }
    // Column blocks split over the threads: each streams only its own share of the packed weight.
    long chunk = (blocks + parts - 1) / parts, share = m * k + m * 16 * chunk;
    Activation act = g.activation();
    Parallel.forEach((int) ((blocks + chunk - 1) / chunk), p -> {
      long n0 = p * chunk * 16, n1 = Math.min(n, (p + 1) * chunk * 16);
      check("lf_f32_linear_packed", g, LayerfuseNative.lf_f32_linear_packed(isa.code(), m, n, k, addr(a, aOffset),
          g.lda(), addr(packed), n0, n1, addr(bias, biasOffset), g.biasMode().code(), addr(residual, residualOffset),
          g.ldr(), addr(c, cOffset), g.ldc(), addr(scratch, p * share), share, act.kind().code(), act.alpha(), act.lo(),
          act.hi()));
    });
  }

  private void gemmColumns(Gemm g, FloatBuf a, long aOffset, FloatBuf b, long bOffset, FloatBuf bias, long biasOffset,
                           FloatBuf residual, long residualOffset, FloatBuf c, long cOffset, long n) {
    Activation act = g.activation();
    int status = LayerfuseNative.lf_f32_gemm_bias_act(
        isa.code(), g.transB() ? 1 : 0, g.m(), n, g.k(),
        addr(a, aOffset), g.lda(), addr(b, bOffset), g.ldb(), addr(c, cOffset), g.ldc(),
        addr(bias, biasOffset), g.biasMode().code(), addr(residual, residualOffset), g.ldr(),
        act.kind().code(), act.alpha(), act.lo(), act.hi());
    check("lf_f32_gemm_bias_act", g, status);
  }

  private static long addr(Slice s) {
    return s == null ? 0L : ((NativeFloatBuf) s.buf()).address(s.offset());
  }

  /** Throws for a non-zero status; the message is only built then, so calls allocate nothing. */
  private static void check(String op, Object what, int status) {
    if (status != 0) throw new NativeException(what == null ? op : op + " " + what, status);
  }

  /** {@code LAYERFUSE_NO_DIRECT_CONV} set: packed convs take the im2col path (for comparisons); read once. */
  private static final boolean NO_DIRECT_CONV = System.getenv("LAYERFUSE_NO_DIRECT_CONV") != null;

  /** Work below this many flops runs on the calling thread whatever the session's thread count. */
  private static final double PARALLEL_MIN_FLOPS = 1 << 22;

  /** A batch-1..4 GEMM streaming at least this many weights (1 MB) is split over the threads. */
  private static final long PARALLEL_MIN_STREAM = 1 << 18;

  private static long addr(Slice s, long floats) {
    return s == null ? 0L : ((NativeFloatBuf) s.buf()).address(s.offset() + floats);
  }

  @Override
  protected void conv2dUnchecked(ConvGeometry g, Activation act, Slice x, Slice w, Slice bias, Slice pad, Slice res,
                                 Slice y, Slice scratch) {
    long[] a = g.abiArray();
    int t = Parallel.threads();
    long k = g.im2colRows(), ohw = a[16] * a[17], hw = a[2] * a[3], outC = a[4];
    long scratchPer = scratch == null ? 0 : scratch.length() / Math.max(1, t);
    long coutG = outC / a[15];
    // Pixels per thread below which a 1x1 splits its output channels rather than its pixels. The
    // AVX-512 NCHW 1x1 kernel packs nothing, so it splits channels up to 28 x 28 maps: the depthwise
    // layer after an expansion splits channels too and finds its share in its own core's cache (five
    // MobileNetV2 28 x 28 blocks at two threads: 1.12-1.33 -> 0.83-1.01 ms).
    long channelSplitBelow = isa == Isa.AVX512 ? 1024 : 256;
    if (t > 1 && g.pointwise() && ohw < channelSplitBelow * t && coutG >= 32L * t
        && 2.0 * a[0] * outC * ohw * k >= PARALLEL_MIN_FLOPS / 4) {
      // 1x1 on a small map (late layers: 28x28 to 7x7): a pixel split would leave each thread a
      // sliver of columns and (for the GEMM path) every thread packing all the weights, so split the
      // output channels instead (each thread streams only its own weight rows; the small input is read by all).
      long chunk = ((coutG + t - 1) / t + 15) / 16 * 16;
      Parallel.forEach((int) ((coutG + chunk - 1) / chunk), p -> {
        long m0 = p * chunk;
        pointwiseBlock(g, act, x, w, bias, res, y, m0, Math.min(coutG, m0 + chunk) - m0, 0, ohw);
      });
      return;
    }
    if (t > 1 && g.pointwise() && ohw >= 128 && 2.0 * a[0] * outC * ohw * k >= PARALLEL_MIN_FLOPS) {
      // 1x1 stride 1: one GEMM per image and group, split over output pixels (each thread packs only
      // its own columns of the input; splitting channels instead made every thread pack all of it).
      long chunk = ((ohw + t - 1) / t + 63) / 64 * 64;
      Parallel.forEach((int) ((ohw + chunk - 1) / chunk), p -> {
        long p0 = p * chunk;
        pointwiseBlock(g, act, x, w, bias, res, y, 0, coutG, p0, Math.min(ohw, p0 + chunk) - p0);
      });
      return;
    }
    if (t > 1 && a[15] == 1 && !g.pointwise() && outC >= 32 && 2.0 * a[0] * outC * ohw * k >= PARALLEL_MIN_FLOPS
        && (scratch == null || scratchPer >= k * Math.min(16, ohw))) {
      // Output channels split over the threads (each im2cols the image itself into its share of
      // the scratch: 1/outC of the conv's work), one image at a time.
      // Chunks of 16 channels keep each part eligible for the direct NCHW16c kernel.
      long chunk = ((outC + t - 1) / t + 15) / 16 * 16;
      int parts = (int) ((outC + chunk - 1) / chunk);
      Parallel.forEach(parts, p -> {
        long m0 = p * chunk, m = Math.min(outC, m0 + chunk) - m0;
        for (long img = 0; img < a[0]; img++) {
          long yo = img * outC * ohw + m0 * ohw;
          check("lf_f32_conv2d_bias_act", g, LayerfuseNative.lf_f32_conv2d_bias_act_v(isa.code(), 1, a[1], a[2], a[3], m,
              a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], 1, a[16], a[17], addr(x, img * a[1] * hw),
              addr(w, m0 * k), addr(bias, m0), addr(pad, 0), addr(res, yo), addr(y, yo),
              addr(scratch, p * scratchPer), scratchPer, act.kind().code(), act.alpha(), act.lo(), act.hi()));
        }
      });
      return;
    }
    check("lf_f32_conv2d_bias_act", g, LayerfuseNative.lf_f32_conv2d_bias_act_v(isa.code(), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], addr(x),
        addr(w), addr(bias), addr(pad), addr(res), addr(y), addr(scratch), scratch == null ? 0 : scratch.length(),
        act.kind().code(), act.alpha(), act.lo(), act.hi()));
  }

  /**
   * Output channels [m0, m0 + rows) x pixels [p0, p0 + cols) of a 1x1 stride-1 conv (per group),
   * for every image and group: one GEMM each, epilogue included.
   */
  private void pointwiseBlock(ConvGeometry g, Activation act, Slice x, Slice w, Slice bias, Slice res, Slice y, long m0,
                              long rows, long p0, long cols) {
    long[] a = g.abiArray();
    long ohw = a[16] * a[17], groups = a[15], cinG = a[1] / groups, coutG = a[4] / groups;
    int biasMode = bias == null ? BiasMode.NONE.code() : BiasMode.PER_ROW.code();
    for (long img = 0; img < a[0]; img++) {
      for (long grp = 0; grp < groups; grp++) {
        long c0 = grp * coutG + m0;
        long xo = (img * a[1] + grp * cinG) * ohw + p0, yo = (img * a[4] + c0) * ohw + p0;
        if (isa == Isa.AVX512) {
          // The NCHW 1x1 kernel: pixels along the lanes, weights and activations as stored.
          check("lf_f32_pointwise_conv", g, LayerfuseNative.lf_f32_pointwise_conv(isa.code(), rows, cols, cinG,
              addr(w, c0 * cinG), cinG, addr(x, xo), ohw, addr(y, yo), ohw, addr(bias, c0), biasMode, addr(res, yo), ohw,
              act.kind().code(), act.alpha(), act.lo(), act.hi()));
          continue;
        }
        check("lf_f32_gemm_bias_act", g, LayerfuseNative.lf_f32_gemm_bias_act(isa.code(), 0, rows, cols, cinG,
            addr(w, c0 * cinG), cinG, addr(x, xo), ohw, addr(y, yo), ohw, addr(bias, c0), biasMode, addr(res, yo), ohw,
            act.kind().code(), act.alpha(), act.lo(), act.hi()));
      }
    }
  }

  @Override
  protected void conv2dPackedUnchecked(ConvGeometry g, Activation act, Slice x, Slice w, Slice packed, Slice bias,
                                       Slice pad, Slice res, Slice y, Slice scratch) {
    long[] a = g.abiArray();
    int t = Parallel.threads();
    long outC = a[4], outH = a[16], ohw = a[16] * a[17], k = g.im2colRows();
    // Output rows split over the threads: each part reorders only the input rows its strip reads
    // (plus the kernel's halo) into its share of the scratch and writes only its rows, so no work
    // is repeated but the halo (splitting output channels made every part reorder the whole input).
    int parts = t > 1 && outH >= 2 * t && 2.0 * a[0] * outC * ohw * k >= PARALLEL_MIN_FLOPS ? t : 1;
    long scratchPer = scratch.length() / parts;
    if (isa != Isa.AVX512 || scratchPer < Kernels.directConvScratch(g) || NO_DIRECT_CONV) {
      conv2dUnchecked(g, act, x, w, bias, pad, res, y, scratch);
      return;
    }
    if (parts > 1 && outH < 4L * t && outC >= 32L * t) {
      // Few output rows (7x7 maps): a row split is uneven (4 + 3), so split whole 16-channel blocks
      // of the output instead, one image at a time; each part reorders the (small) input itself.
      long chunk = ((outC + t - 1) / t + 15) / 16 * 16, perChannel = Kernels.packedWeightFloats(g) / outC;
      int channelParts = (int) ((outC + chunk - 1) / chunk);
      long share = scratch.length() / channelParts, hw = a[2] * a[3];
      Parallel.forEach(channelParts, p -> {
        long m0 = p * chunk, m = Math.min(outC, m0 + chunk) - m0;
        for (long img = 0; img < a[0]; img++) {
          long yo = (img * outC + m0) * ohw;
          check("lf_f32_conv2d_packed", g, LayerfuseNative.lf_f32_conv2d_packed_v(isa.code(), 1, a[1], a[2], a[3], m,
              a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], 1, a[16], a[17], 0, outH,
              addr(x, img * a[1] * hw), addr(packed, m0 * perChannel), addr(bias, m0), addr(pad, 0), addr(res, yo),
              addr(y, yo), addr(scratch, p * share), share, act.kind().code(), act.alpha(), act.lo(), act.hi()));
        }
      });
      return;
    }
    if (parts == 1) {
      packedRows(g, a, 0, outH, act, x, packed, bias, pad, res, y, addr(scratch), scratch.length());
      return;
    }
    long rows = (outH + parts - 1) / parts;
    Parallel.forEach(parts, p -> {
      long oy0 = p * rows, oy1 = Math.min(outH, oy0 + rows);
      if (oy0 < oy1) packedRows(g, a, oy0, oy1, act, x, packed, bias, pad, res, y, addr(scratch, p * scratchPer), scratchPer);
    });
  }

  @Override
  protected void conv2dWinogradUnchecked(ConvGeometry g, Activation act, Slice x, Slice w, Slice winograd, Slice bias,
                                         Slice pad, Slice res, Slice y, Slice scratch) {
    long need = Kernels.winogradScratch(g);
    if (isa != Isa.AVX512 || scratch.length() < need) {
      conv2dUnchecked(g, act, x, w, bias, pad, res, y, scratch);
      return;
    }
    long[] a = g.abiArray();
    long outC = a[4], outH = a[16], tileRows = (outH + 1) / 2, ohw = a[16] * a[17];
    int t = Parallel.threads();
    int fit = (int) Math.min(t, scratch.length() / need);
    boolean worth = fit > 1 && 2.0 * a[0] * outC * ohw * g.im2colRows() >= PARALLEL_MIN_FLOPS;
    // Transformed weights beyond L2 (more than 2 MB): each thread streams only its own output
    // channels' share; otherwise rows of 2x2 tiles, when there are enough for an even split.
    boolean bigWeights = Kernels.winogradWeightFloats(g) > (1L << 19);
    boolean channels = worth && outC >= 32L * fit && (bigWeights || tileRows < 4L * fit);
    boolean rows = worth && !channels && tileRows >= 4L * fit;
    if (!channels && !rows) {
      winogradPart(g, a, act, 0, outH, 0, outC, x, winograd, bias, pad, res, y, addr(scratch), scratch.length());
      return;
    }
    long share = scratch.length() / fit;
    if (channels) {
      long chunk = ((outC + fit - 1) / fit + 15) / 16 * 16;
      Parallel.forEach((int) ((outC + chunk - 1) / chunk), p -> winogradPart(g, a, act, 0, outH, p * chunk,
          Math.min(outC, (p + 1) * chunk), x, winograd, bias, pad, res, y, addr(scratch, p * share), share));
      return;
    }
    long perPart = (tileRows + fit - 1) / fit;
    Parallel.forEach((int) ((tileRows + perPart - 1) / perPart), p -> winogradPart(g, a, act, 2 * p * perPart,
        Math.min(outH, 2 * (p + 1) * perPart), 0, outC, x, winograd, bias, pad, res, y, addr(scratch, p * share), share));
  }

  private void winogradPart(ConvGeometry g, long[] a, Activation act, long oy0, long oy1, long oc0, long oc1, Slice x,
                            Slice winograd, Slice bias, Slice pad, Slice res, Slice y, long scratch, long scratchFloats) {
    check("lf_f32_conv2d_winograd", g, LayerfuseNative.lf_f32_conv2d_winograd_v(isa.code(), a[0], a[1], a[2], a[3], a[4],
        a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], oy0, oy1, oc0, oc1,
        addr(x), addr(winograd), addr(bias), addr(pad), addr(res), addr(y), scratch, scratchFloats, act.kind().code(),
        act.alpha(), act.lo(), act.hi()));
  }

  private void packedRows(ConvGeometry g, long[] a, long oy0, long oy1, Activation act, Slice x, Slice packed, Slice bias,
                          Slice pad, Slice res, Slice y, long scratch, long scratchFloats) {
    check("lf_f32_conv2d_packed", g, LayerfuseNative.lf_f32_conv2d_packed_v(isa.code(), a[0], a[1], a[2], a[3], a[4],
        a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], 1, a[16], a[17], oy0, oy1, addr(x),
        addr(packed), addr(bias), addr(pad), addr(res), addr(y), scratch, scratchFloats, act.kind().code(), act.alpha(),
        act.lo(), act.hi()));
  }

  @Override
  protected void depthwiseUnchecked(ConvGeometry g, Activation act, Slice x, Slice w, Slice bias, Slice pad, Slice res,
                                    Slice y) {
    long[] a = g.abiArray();
    int t = Parallel.threads();
    long c = a[1], hw = a[2] * a[3], ohw = a[16] * a[17], kk = a[5] * a[6];
    if (t > 1 && c >= 16 && 2.0 * a[0] * c * ohw * kk >= PARALLEL_MIN_FLOPS / 16) {
      long chunk = ((c + t - 1) / t + 7) / 8 * 8;
      int parts = (int) ((c + chunk - 1) / chunk);
      Parallel.forEach(parts, p -> {
        long c0 = p * chunk, cn = Math.min(c, c0 + chunk) - c0;
        for (long img = 0; img < a[0]; img++) {
          long yo = img * c * ohw + c0 * ohw;
          check("lf_f32_dwconv2d_bias_act", g, LayerfuseNative.lf_f32_dwconv2d_bias_act_v(isa.code(), 1, cn, a[2], a[3], cn,
              a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], cn, a[16], a[17], addr(x, img * c * hw + c0 * hw),
              addr(w, c0 * kk), addr(bias, c0), addr(pad, c0), addr(res, yo), addr(y, yo), act.kind().code(), act.alpha(),
              act.lo(), act.hi()));
        }
      });
      return;
    }
    check("lf_f32_dwconv2d_bias_act", g, LayerfuseNative.lf_f32_dwconv2d_bias_act_v(isa.code(), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], addr(x),
        addr(w), addr(bias), addr(pad), addr(res), addr(y), act.kind().code(), act.alpha(), act.lo(), act.hi()));
  }

  @Override
  protected void pointwiseDepthwiseUnchecked(ConvGeometry pw, Activation actP, Slice x, Slice wp, Slice bp,
                                             ConvGeometry dw, Activation actD, Slice wd, Slice bd, Slice padD,
                                             Slice mid, Slice y, Slice scratch) {
    long[] a = dw.abiArray();
    long c = a[1], span = (a[5] - 1) * a[13] + 1, row = a[3] * span;  // one strip row's window, per channel
    long scratchFloats = scratch == null ? 0 : scratch.length();
    if (isa != Isa.AVX512 || NO_DIRECT_CONV || a[9] >= span || a[11] >= span || scratchFloats < c * row) {
      super.pointwiseDepthwiseUnchecked(pw, actP, x, wp, bp, dw, actD, wd, bd, padD, mid, y, scratch);
      return;
    }
    int t = Parallel.threads();
    double flops = 2.0 * a[0] * c * a[2] * a[3] * pw.inC() + 2.0 * a[0] * c * a[16] * a[17] * a[5] * a[6];
    // Channels split over the threads in 16-channel multiples, each part with its own share of the scratch.
    long chunk = t > 1 && c >= 32 && flops >= PARALLEL_MIN_FLOPS ? ((c + t - 1) / t + 15) / 16 * 16 : c;
    int parts = (int) ((c + chunk - 1) / chunk);
    if (parts > 1 && scratchFloats / parts < chunk * row) {
      chunk = c;
      parts = 1;
    }
    long share = scratchFloats / parts, partChunk = chunk;
    Parallel.forEach(parts, p -> {
      long c0 = p * partChunk, c1 = Math.min(c, c0 + partChunk);
      check("lf_f32_pw_dw", dw, LayerfuseNative.lf_f32_pw_dw_v(isa.code(), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
          a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], pw.inC(), c0, c1, addr(x, 0), addr(wp, 0),
          addr(bp, 0), actP.kind().code(), actP.alpha(), actP.lo(), actP.hi(), addr(wd, 0), addr(bd, 0), addr(padD, 0),
          addr(y, 0), addr(scratch, p * share), share, actD.kind().code(), actD.alpha(), actD.lo(), actD.hi()));
    });
  }

  @Override
  protected void convTransposeUnchecked(ConvGeometry g, Activation act, Slice x, Slice w, Slice bias, Slice y,
                                        Slice scratch) {
    long[] a = g.abiArray();
    check("lf_f32_conv_transpose2d_bias_act", g, LayerfuseNative.lf_f32_conv_transpose2d_bias_act_v(isa.code(),
        a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], addr(x), addr(w), addr(bias), addr(y), addr(scratch), scratch.length(), act.kind().code(),
        act.alpha(), act.lo(), act.hi()));
  }

  @Override
  protected void pool2dUnchecked(ConvGeometry g, boolean max, boolean countIncludePad, Slice x, Slice y) {
    long[] a = g.abiArray();
    int t = Parallel.threads();
    long planes = a[0] * a[1], hw = a[2] * a[3], ohw = a[16] * a[17], taps = a[5] * a[6];
    if (t > 1 && planes >= 2L * t && (double) planes * ohw * taps >= PARALLEL_MIN_FLOPS / 16) {
      // Planes (image x channel) split over the threads; each part is a one-image pool of its planes.
      long chunk = (planes + t - 1) / t;
      int parts = (int) ((planes + chunk - 1) / chunk);
      Parallel.forEach(parts, p -> {
        long p0 = p * chunk, cn = Math.min(planes, p0 + chunk) - p0;
        check("lf_f32_pool2d", g, LayerfuseNative.lf_f32_pool2d_v(isa.code(), 1, cn, a[2], a[3], cn, a[5], a[6], a[7],
            a[8], a[9], a[10], a[11], a[12], a[13], a[14], 1, a[16], a[17], max ? 1 : 0, countIncludePad ? 1 : 0,
            addr(x, p0 * hw), addr(y, p0 * ohw)));
      });
      return;
    }
    check("lf_f32_pool2d", g, LayerfuseNative.lf_f32_pool2d_v(isa.code(), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], max ? 1 : 0,
        countIncludePad ? 1 : 0, addr(x), addr(y)));
  }

  @Override
  protected void globalAvgPoolUnchecked(long planes, long hw, Slice x, Slice y) {
    check("lf_f32_global_avg_pool", null, LayerfuseNative.lf_f32_global_avg_pool(isa.code(), planes, hw, addr(x), addr(y)));
  }

  @Override
  protected void scaleShiftUnchecked(long n, long c, long inner, Activation act, Slice x, Slice scale, Slice shift,
                                     Slice y) {
    check("lf_f32_scale_shift_act", null, LayerfuseNative.lf_f32_scale_shift_act(isa.code(), n, c, inner, addr(x),
        addr(scale), addr(shift), addr(y), act.kind().code(), act.alpha(), act.lo(), act.hi()));
  }

  @Override
  protected void activationUnchecked(long count, Activation act, Slice x, Slice y) {
    check("lf_f32_act", null, LayerfuseNative.lf_f32_act(isa.code(), count, addr(x), addr(y), act.kind().code(), act.alpha(),
        act.lo(), act.hi()));
  }

  @Override
  protected void addUnchecked(long count, Activation act, Slice a, Slice b, Slice y) {
    check("lf_f32_add_act", null, LayerfuseNative.lf_f32_add_act(isa.code(), count, addr(a), addr(b), addr(y),
        act.kind().code(), act.alpha(), act.lo(), act.hi()));
  }

  @Override
  protected void binaryUnchecked(BinaryKind kind, Activation act, Strided s, Slice a, Slice b, Slice y) {
    long[] d = s.dimsArray(), p = s.stridesA(), q = s.stridesB();
    check("lf_f32_binary", s, LayerfuseNative.lf_f32_binary(isa.code(), kind.ordinal(), d[0], d[1], d[2], d[3], d[4], d[5],
        p[0], p[1], p[2], p[3], p[4], p[5], q[0], q[1], q[2], q[3], q[4], q[5], addr(a), addr(b), addr(y),
        act.kind().code(), act.alpha(), act.lo(), act.hi()));
  }

  @Override
  protected void stridedCopyUnchecked(Strided s, Slice x, Slice y) {
    long[] d = s.dimsArray(), p = s.stridesA(), q = s.stridesB();
    check("lf_f32_strided_copy", s, LayerfuseNative.lf_f32_strided_copy(d[0], d[1], d[2], d[3], d[4], d[5],
        p[0], p[1], p[2], p[3], p[4], p[5], q[0], q[1], q[2], q[3], q[4], q[5], addr(x), addr(y)));
  }

  @Override
  protected void softmaxUnchecked(long outer, long n, long inner, boolean log, Slice x, Slice y) {
    check("lf_f32_softmax", null, LayerfuseNative.lf_f32_softmax(isa.code(), outer, n, inner, log ? 1 : 0, addr(x), addr(y)));
  }

  @Override
  protected void padUnchecked(Strided s, long[] b, long[] a, PadMode mode, float value, Slice x, Slice y) {
    long[] d = s.dimsArray();
    check("lf_f32_pad", s, LayerfuseNative.lf_f32_pad(d[0], d[1], d[2], d[3], d[4], d[5], b[0], b[1], b[2], b[3], b[4],
        b[5], a[0], a[1], a[2], a[3], a[4], a[5], mode.ordinal(), value, addr(x), addr(y)));
  }

  @Override
  protected void globalMaxPoolUnchecked(long planes, long hw, Slice x, Slice y) {
    check("lf_f32_global_max_pool", null, LayerfuseNative.lf_f32_global_max_pool(isa.code(), planes, hw, addr(x), addr(y)));
  }

  @Override
  protected void biasActivationUnchecked(Gemm g, FloatBuf bias, long biasOffset, FloatBuf residual,
                                         long residualOffset, FloatBuf c, long cOffset) {
    Activation act = g.activation();
    int status = LayerfuseNative.lf_f32_bias_act(
        isa.code(), g.m(), g.n(), addr(c, cOffset), g.ldc(),
        addr(bias, biasOffset), g.biasMode().code(), addr(residual, residualOffset), g.ldr(),
        act.kind().code(), act.alpha(), act.lo(), act.hi());
    check("lf_f32_bias_act", g, status);
  }
}
