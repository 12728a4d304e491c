package dev.layerfuse.exec.java;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.BiasMode;
import dev.layerfuse.exec.ConvGeometry;
import dev.layerfuse.exec.Gemm;
import dev.layerfuse.exec.Kernels;

/**
 * Pure-Java convolutions over NCHW float arrays at offsets, mirroring the native kernels:
 * im2col tiled over output pixels into the caller's scratch, then {@link JavaGemm} with the
 * bias/residual/activation epilogue; 1x1 stride-1 convs use the input directly; depthwise convs
 * are direct; transposed convs scatter then apply the epilogue.
 */
final class JavaConv {
  private JavaConv() {}

  /**
   * The GEMMs of one conv call for a given epilogue and scratch size: the full pixel tile and the
   * last, shorter one. Kept on the geometry, so steady-state calls allocate nothing.
   */
  private record Tiles(Activation act, boolean bias, boolean res, long scratchLen, int tile, Gemm full, Gemm last) {
    boolean fits(Activation a, boolean b, boolean r, long s) {
      return act.equals(a) && bias == b && res == r && scratchLen == s;
    }
  }

  /** Holder of the latest {@link Tiles} of one geometry. */
  private static final class TileSlot {
    volatile Tiles tiles;
  }

  private static Tiles tiles(ConvGeometry g, Activation act, boolean bias, boolean res, long scratchLen) {
    TileSlot slot = g.cached(unused -> new TileSlot());
    Tiles t = slot.tiles;
    if (t != null && t.fits(act, bias, res, scratchLen)) return t;
    int groups = g.groups(), cinG = (int) (g.inC() / groups), coutG = (int) (g.outC() / groups);
    int k = (int) g.im2colRows(), ohw = (int) (g.outH() * g.outW());
    BiasMode bm = bias ? BiasMode.PER_ROW : BiasMode.NONE;
    if (g.pointwise()) {
      Gemm full = Gemm.of(coutG, ohw, cinG).ldb(ohw).ldc(ohw).ldr(ohw).bias(bm).residual(res).activation(act).build();
      t = new Tiles(act, bias, res, scratchLen, ohw, full, null);
    } else {
      int tile = (int) Math.min(ohw, scratchLen / k);
      if (tile > 16) tile -= tile % 16;
      Gemm full = Gemm.of(coutG, tile, k).ldc(ohw).ldr(ohw).bias(bm).residual(res).activation(act).build();
      int rest = ohw % tile;
      Gemm last = rest == 0 ? null : Gemm.of(coutG, rest, k).ldc(ohw).ldr(ohw).bias(bm).residual(res).activation(act).build();
      t = new Tiles(act, bias, res, scratchLen, tile, full, last);
    }
    slot.tiles = t;
    return t;
  }

  /**
   * The conv as GEMMs over im2col tiles (1x1 stride-1: over the input itself), or, for small
   * output maps with a constant weight, as the transposed product ({@link #transposed}).
   */
  static void conv2d(ConvGeometry g, Activation act, float[] x, int xo, float[] w, int wo, boolean constW, float[] bias,
                     int bo, float[] pad, int po, float[] res, int ro, float[] y, int yo, float[] scratch, int so,
                     long scratchLen) {
    if (constW && Kernels.transposedConvApplies(g) && scratchLen >= Kernels.transposedConvScratch(g)) {
      transposed(g, act, x, xo, w, wo, bias, bo, pad, po, res, ro, y, yo, scratch, so);
      return;
    }
    int threads = dev.layerfuse.exec.Parallel.threads();
    if (threads > 1 && !g.pointwise() && g.outH() * g.outW() >= 32L * threads
        && scratchLen / threads >= g.im2colRows() * 16) {
      pixelSplit(g, act, x, xo, w, wo, bias, bo, pad, po, res, ro, y, yo, scratch, so, scratchLen, threads);
      return;
    }
    Tiles t = tiles(g, act, bias != null, res != null, scratchLen);
    long[] a = g.abiArray();
    int groups = (int) a[15], cin = (int) a[1], cout = (int) a[4];
    int cinG = cin / groups, coutG = cout / groups;
    int k = (int) g.im2colRows(), hw = (int) (a[2] * a[3]), ohw = (int) (a[16] * a[17]);
    for (int n = 0; n < a[0]; n++) {
      for (int grp = 0; grp < groups; grp++) {
        int xg = xo + (n * cin + grp * cinG) * hw;
        int yoff = (n * cout + grp * coutG) * ohw;
        if (g.pointwise()) {
          JavaGemm.gemm(t.full(), w, wo + grp * coutG * k, x, xg, bias, bo + grp * coutG, res, ro + yoff, y, yo + yoff);
          continue;
        }
        for (int p0 = 0; p0 < ohw; p0 += t.tile()) {
          int cols = Math.min(t.tile(), ohw - p0);
          im2colTile(a, x, xg, cinG, pad, pad == null ? 0 : po + grp * cinG, p0, cols, scratch, so);
          JavaGemm.gemm(cols == t.tile() ? t.full() : t.last(), w, wo + grp * coutG * k, scratch, so, bias,
              bo + grp * coutG, res, ro + yoff + p0, y, yo + yoff + p0);
        }
      }
    }
  }

  private static final int TILES_PER_THREAD = 4, MIN_SPLIT_TILE = 64;

  /**
   * The im2col conv on {@code threads} threads: each claims the next unclaimed pixel tile (of
   * any image and group), im2cols it into its own share of the scratch and runs the GEMM on it
   * alone (one fork per conv instead of one per tile and step; the 56x56 convs of ResNet-18
   * scaled 1.1x on two threads when the tiles' im2col and GEMM were each split).
   */
  private static void pixelSplit(ConvGeometry g, Activation act, float[] x, int xo, float[] w, int wo, float[] bias,
                                 int bo, float[] pad, int po, float[] res, int ro, float[] y, int yo, float[] scratch,
                                 int so, long scratchLen, int threads) {
    long[] a = g.abiArray();
    int groups = (int) a[15], cin = (int) a[1], cout = (int) a[4];
    int cinG = cin / groups, coutG = cout / groups;
    int k = (int) g.im2colRows(), hw = (int) (a[2] * a[3]), ohw = (int) (a[16] * a[17]);
    long share = scratchLen / threads;
    // About four tiles per thread (at least 64 pixels wide), so a thread on a busier core takes
    // fewer and the others are not left waiting (ResNet-18 3x3 convs at 2 threads: one tile per
    // thread 1.3-1.55x, four 1.9-2.2x over one thread; eight were slower than four).
    int width = Math.max(MIN_SPLIT_TILE, (ohw + TILES_PER_THREAD * threads - 1) / (TILES_PER_THREAD * threads));
    Tiles t = tiles(g, act, bias != null, res != null, Math.min(share, (long) k * width));
    int tilesPerPlane = (ohw + t.tile() - 1) / t.tile(), planes = (int) a[0] * groups;
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    dev.layerfuse.exec.Parallel.forEach(threads, lane -> dev.layerfuse.exec.Parallel.withThreads(1, () -> {
      int sLane = so + (int) (lane * share);
      // Tiles claimed one at a time: a thread on a busier core takes fewer.
      for (int item = next.getAndIncrement(); item < planes * tilesPerPlane; item = next.getAndIncrement()) {
        int plane = item / tilesPerPlane, n = plane / groups, grp = plane % groups;
        int p0 = (item % tilesPerPlane) * t.tile(), cols = Math.min(t.tile(), ohw - p0);
        int xg = xo + (n * cin + grp * cinG) * hw, yoff = (n * cout + grp * coutG) * ohw;
        im2colChannels(a, x, xg, 0, cinG, pad, pad == null ? 0 : po + grp * cinG, p0, cols, scratch, sLane);
        JavaGemm.gemm(cols == t.tile() ? t.full() : t.last(), w, wo + grp * coutG * k, scratch, sLane, bias,
            bo + grp * coutG, res, ro + yoff + p0, y, yo + yoff + p0);
      }
    }));
  }

  /** The GEMM of {@link #transposed}: pixels x output channels, B the weight used transposed. */
  private static final class TransposedSlot {
    volatile Gemm gemm;
  }

  /**
   * The conv of a small output map (7x7, 14x14: rows too short for C2's vector loop, which then
   * runs mostly in its scalar pre- and post-loops) as {@code Y^T = col^T · W^T}: the vector
   * dimension becomes the output channels. The transposed im2col (one row of taps per output
   * pixel) and the pixels x channels product share the scratch; the weight is a session's
   * constant, used through {@link JavaGemm}'s cached repacked copy; the epilogue runs while
   * the product is transposed back into NCHW.
   */
  private static void transposed(ConvGeometry g, Activation act, float[] x, int xo, float[] w, int wo, float[] bias,
                                 int bo, float[] pad, int po, float[] res, int ro, float[] y, int yo, float[] scratch,
                                 int so) {
    long[] a = g.abiArray();
    int groups = (int) a[15], cin = (int) a[1], cout = (int) a[4];
    int cinG = cin / groups, coutG = cout / groups;
    int k = (int) g.im2colRows(), hw = (int) (a[2] * a[3]), ohw = (int) (a[16] * a[17]);
    TransposedSlot slot = g.cached(unused -> new TransposedSlot());
    Gemm gemm = slot.gemm;
    if (gemm == null) slot.gemm = gemm = Gemm.of(ohw, coutG, k).transB(true).build();
    int prod = so + ohw * k;
    // Parallel.threads() is the caller's: read it here, not in the parts (pool threads see 1).
    int parts = Math.min(ohw, 4 * dev.layerfuse.exec.Parallel.threads());
    for (int n = 0; n < a[0]; n++) {
      for (int grp = 0; grp < groups; grp++) {
        int xg = xo + (n * cin + grp * cinG) * hw, yoff = (n * cout + grp * coutG) * ohw;
        int padOff = pad == null ? 0 : po + grp * cinG;
        dev.layerfuse.exec.Parallel.forEach(parts, part -> {
          im2colRows(a, x, xg, cinG, pad, padOff, ohw * part / parts, ohw * (part + 1) / parts, scratch, so);
        });
        JavaGemm.gemm(gemm, scratch, so, w, wo + grp * coutG * k, null, 0, null, 0, scratch, prod, true);
        int bg = bo + grp * coutG;
        dev.layerfuse.exec.Parallel.forEach(coutG, co -> {
          int row = yo + yoff + co * ohw;
          float b = bias == null ? 0f : bias[bg + co];
          for (int p = 0; p < ohw; p++) y[row + p] = scratch[prod + p * coutG + co] + b;
          if (res != null) {
            int rr = ro + yoff + co * ohw;
            for (int p = 0; p < ohw; p++) y[row + p] += res[rr + p];
          }
          JavaEpilogue.activate(act, y, row, ohw);
        });
      }
    }
  }

  /**
   * Output pixels [p0, p1) of one image and group's transposed im2col: row p holds pixel p's
   * taps in (channel, i, j) order, the pad value where a tap falls outside the input.
   */
  private static void im2colRows(long[] a, float[] x, int xo, int cinG, float[] pad, int po, int p0, int p1,
                                 float[] out, int oo) {
    int h = (int) a[2], w = (int) a[3], ow = (int) a[17], kh = (int) a[5], kw = (int) a[6];
    int sh = (int) a[7], sw = (int) a[8], pt = (int) a[9], pl = (int) a[10], dh = (int) a[13], dw = (int) a[14];
    int hw = h * w, k = cinG * kh * kw;
    for (int p = p0; p < p1; p++) {
      int y0 = (p / ow) * sh - pt, x0 = (p % ow) * sw - pl;
      int d = oo + p * k;
      boolean inside = y0 >= 0 && y0 + (kh - 1) * dh < h && x0 >= 0 && x0 + (kw - 1) * dw < w;
      for (int c = 0; c < cinG; c++) {
        int plane = xo + c * hw;
        if (inside) {
          for (int i = 0; i < kh; i++) {
            int src = plane + (y0 + i * dh) * w + x0;
            for (int j = 0; j < kw; j++) out[d++] = x[src + j * dw];
          }
          continue;
        }
        float pv = pad == null ? 0f : pad[po + c];
        for (int i = 0; i < kh; i++) {
          int iy = y0 + i * dh;
          for (int j = 0; j < kw; j++) {
            int ix = x0 + j * dw;
            out[d++] = iy < 0 || iy >= h || ix < 0 || ix >= w ? pv : x[plane + iy * w + ix];
          }
        }
      }
    }
  }

  /**
   * Rows (c, i, j) x output pixels [p0, p0 + cols) of one image and group's im2col matrix. The
   * channels are split over the session's intra-op threads; with stride 1 each output-row run is
   * one {@code System.arraycopy} plus pad-value fills at the edges.
   */
  static void im2colTile(long[] a, float[] x, int xo, int cinG, float[] pad, int po, int p0, int cols,
                         float[] out, int oo) {
    int perRow = (int) (a[5] * a[6]);
    int parts = (int) Math.min(cinG, Math.max(1, (long) cinG * perRow * cols / (1 << 15)));
    if (parts <= 1) {
      im2colChannels(a, x, xo, 0, cinG, pad, po, p0, cols, out, oo);
      return;
    }
    dev.layerfuse.exec.Parallel.forEach(parts, part -> {
      int c0 = (int) ((long) cinG * part / parts), c1 = (int) ((long) cinG * (part + 1) / parts);
      im2colChannels(a, x, xo, c0, c1, pad, po, p0, cols, out, oo);
    });
  }

  private static void im2colChannels(long[] a, float[] x, int xo, int c0, int c1, float[] pad, int po, int p0, int cols,
                                     float[] out, int oo) {
    int h = (int) a[2], w = (int) a[3], ow = (int) a[17], kh = (int) a[5], kw = (int) a[6];
    int sh = (int) a[7], sw = (int) a[8], pt = (int) a[9], pl = (int) a[10], dh = (int) a[13], dw = (int) a[14];
    int row = c0 * kh * kw;
    for (int c = c0; c < c1; c++) {
      float pv = pad == null ? 0f : pad[po + c];
      int plane = xo + c * h * w;
      for (int i = 0; i < kh; i++) {
        for (int j = 0; j < kw; j++, row++) {
          int dst = oo + row * cols;
          int oy = p0 / ow, ox = p0 % ow;
          for (int q = 0; q < cols; ) {
            int iy = oy * sh - pt + i * dh;
            int run = Math.min(ow - ox, cols - q);
            int d = dst + q;
            if (iy < 0 || iy >= h) {
              java.util.Arrays.fill(out, d, d + run, pv);
            } else if (sw == 1) {
              int ix0 = ox - pl + j * dw, src = plane + iy * w;
              int lo = Math.min(run, Math.max(0, -ix0)), hi = Math.max(lo, Math.min(run, w - ix0));
              if (lo > 0) java.util.Arrays.fill(out, d, d + lo, pv);
              if (hi > lo) System.arraycopy(x, src + ix0 + lo, out, d + lo, hi - lo);
              if (hi < run) java.util.Arrays.fill(out, d + hi, d + run, pv);
            } else {
              int src = plane + iy * w;
              for (int r = 0; r < run; r++) {
                int ix = (ox + r) * sw - pl + j * dw;
                out[d + r] = ix < 0 || ix >= w ? pv : x[src + ix];
              }
            }
            q += run;
            ox += run;
            if (ox == ow) {
              ox = 0;
              oy++;
            }
          }
        }
      }
    }
  }

  /** Per-thread output-row (or small plane) accumulator and padded-plane copy for {@link #depthwise}. */
  private static final class DwRow {
    float[] acc = new float[0];
    float[] padded = new float[0];

    float[] ensure(int ow) {
      if (acc.length < ow) acc = new float[ow];
      return acc;
    }

    float[] ensurePadded(int n) {
      if (padded.length < n) padded = new float[n];
      return padded;
    }
  }

  private static final ThreadLocal<DwRow> DW_ROW = ThreadLocal.withInitial(DwRow::new);

  /**
   * Depthwise conv, one output row at a time, channels split over the session's intra-op
   * threads. The columns whose taps all fall inside the input row run without bounds checks (a
   * 3x3 kernel whose three input rows are all inside takes one pass with the nine taps in
   * registers); the edge columns and rows outside the input use the channel's pad value. These
   * loops stay scalar: the taps are the same array at different offsets, which C2 (JDK 17) does
   * not vectorise, and gathering them into separate arrays cost more than it saved.
   */
  static void depthwise(ConvGeometry g, Activation act, float[] x, int xo, float[] w, int wo, float[] bias, int bo,
                        float[] pad, int po, float[] res, int ro, float[] y, int yo) {
    int c = (int) g.inC();
    for (int n = 0; n < g.n(); n++) {
      final int img = n;
      dev.layerfuse.exec.Parallel.forEach(c, ch -> {
        int plane = (img * c + ch);
        float pv = pad == null ? 0f : pad[po + ch], bv = bias == null ? 0f : bias[bo + ch];
        depthwisePlane(g, act, x, xo + plane * (int) (g.inH() * g.inW()), w, wo + ch * g.kh() * g.kw(), pv, bv, res,
            res == null ? 0 : ro + plane * (int) (g.outH() * g.outW()), y, yo + plane * (int) (g.outH() * g.outW()));
      });
    }
  }

  /**
   * Whether a depthwise plane goes through {@link VectorDepthwise#flatPlane3x3}: 3x3, stride 1, pad 1.
   * Any width: the flat row leaves only the two edge columns scalar (a row-by-row pass leaves the
   * edges and each row's partial vector, 16 of 112 columns at 112x112).
   */
  private static boolean flatPlane(ConvGeometry g) {
    int[] s = g.stride(), p = g.pads(), d = g.dilation();
    return JavaGemm.VECTOR && g.kh() == 3 && g.kw() == 3 && s[0] == 1 && s[1] == 1 && d[0] == 1 && d[1] == 1
        && p[0] == 1 && p[1] == 1 && p[2] == 1 && p[3] == 1;
  }

  /** Whether a depthwise plane goes through {@link VectorDepthwise#stride2Plane3x3}: 3x3, stride 2, dilation 1. */
  private static boolean stride2Plane(ConvGeometry g) {
    int[] s = g.stride(), d = g.dilation();
    return JavaGemm.VECTOR && g.kh() == 3 && g.kw() == 3 && s[0] == 2 && s[1] == 2 && d[0] == 1 && d[1] == 1;
  }

  private static void depthwisePlane(ConvGeometry g, Activation act, float[] x, int xp, float[] w, int wk, float pv,
                                     float bv, float[] res, int rp, float[] y, int yp) {
    int h = (int) g.inH(), wd = (int) g.inW(), kh = g.kh(), kw = g.kw();
    boolean flat = flatPlane(g);
    if (flat || stride2Plane(g)) {
      int oh = (int) g.outH(), ow = (int) g.outW(), n = oh * ow;
      DwRow buf = DW_ROW.get();
      float[] out = buf.ensure(n);
      if (flat) {
        VectorDepthwise.flatPlane3x3(x, xp, h, wd, w, wk, pv, bv, buf.ensurePadded(n + 2 * (wd + 1)), out);
      } else {
        VectorDepthwise.stride2Plane3x3(x, xp, h, wd, oh, ow, g.pads()[0], g.pads()[1], w, wk, pv, bv,
            buf.ensurePadded(VectorDepthwise.stride2Scratch(oh, ow)), out);
      }
      if (res != null) for (int i = 0; i < n; i++) out[i] += res[rp + i];
      System.arraycopy(out, 0, y, yp, n);
      JavaEpilogue.activate(act, y, yp, n);
      return;
    }
    int oh = (int) g.outH(), ow = (int) g.outW();
    int[] s = g.stride(), p = g.pads(), d = g.dilation();
    int sx = s[1], px = p[1], dx = d[1];
    // Columns [lo, hi) read only inside the input row.
    int lo = Math.min(ow, (px + sx - 1) / sx);
    int last = wd - 1 - (kw - 1) * dx + px;
    int hi = last < 0 ? lo : Math.max(lo, Math.min(ow, last / sx + 1));
    float[] acc = DW_ROW.get().ensure(ow);
    boolean vector = JavaGemm.VECTOR && sx == 1 && dx == 1;
    for (int oy = 0; oy < oh; oy++) {
      int iy0 = oy * s[0] - p[0];
      boolean nineTaps = kh == 3 && kw == 3 && iy0 >= 0 && iy0 + 2 * d[0] < h;
      java.util.Arrays.fill(acc, 0, ow, bv);
      if (nineTaps) {
        int base = xp + iy0 * wd - px, from = vector ? VectorDepthwise.taps9(x, base, d[0] * wd, w, wk, acc, lo, hi) : lo;
        taps9(x, base, d[0] * wd, dx, sx, w, wk, acc, from, hi);
      }
      for (int i = 0; i < kh; i++) {
        int iy = iy0 + i * d[0];
        if (iy < 0 || iy >= h) {
          if (pv != 0f) {
            float wsum = 0f;
            for (int j = 0; j < kw; j++) wsum += w[wk + i * kw + j];
            for (int ox = 0; ox < ow; ox++) acc[ox] += wsum * pv;
          }
          continue;
        }
        int xr = xp + iy * wd;
        if (!nineTaps) {
          if (kw == 3) {
            float w0 = w[wk + i * 3], w1 = w[wk + i * 3 + 1], w2 = w[wk + i * 3 + 2];
            int from = vector ? VectorDepthwise.taps3(x, xr - px, w0, w1, w2, acc, lo, hi) : lo;
            taps3(x, xr - px, dx, sx, w0, w1, w2, acc, from, hi);
          } else {
            for (int ox = lo; ox < hi; ox++) {
              int ix = xr + ox * sx - px;
              float v = acc[ox];
              for (int j = 0; j < kw; j++) v = Math.fma(w[wk + i * kw + j], x[ix + j * dx], v);
              acc[ox] = v;
            }
          }
        }
        edgeColumns(x, xr, wd, w, wk + i * kw, kw, sx, px, dx, pv, acc, 0, lo);
        edgeColumns(x, xr, wd, w, wk + i * kw, kw, sx, px, dx, pv, acc, hi, ow);
      }
      int row = yp + oy * ow;
      if (res != null) {
        int rr = rp + oy * ow;
        for (int ox = 0; ox < ow; ox++) acc[ox] += res[rr + ox];
      }
      System.arraycopy(acc, 0, y, row, ow);
      JavaEpilogue.activate(act, y, row, ow);
    }
  }

  /** acc[ox] += the 3x3 taps for ox in [lo, hi); {@code base} is the top-left input of column 0, rows {@code rs} apart. */
  private static void taps9(float[] x, int base, int rs, int dx, int sx, float[] w, int wk, float[] acc, int lo, int hi) {
    float w00 = w[wk], w01 = w[wk + 1], w02 = w[wk + 2], w10 = w[wk + 3], w11 = w[wk + 4], w12 = w[wk + 5];
    float w20 = w[wk + 6], w21 = w[wk + 7], w22 = w[wk + 8];
    int dx2 = 2 * dx;
    for (int ox = lo; ox < hi; ox++) {
      int i0 = base + ox * sx, i1 = i0 + rs, i2 = i1 + rs;
      float v0 = Math.fma(w02, x[i0 + dx2], Math.fma(w01, x[i0 + dx], Math.fma(w00, x[i0], acc[ox])));
      float v1 = Math.fma(w12, x[i1 + dx2], Math.fma(w11, x[i1 + dx], w10 * x[i1]));
      float v2 = Math.fma(w22, x[i2 + dx2], Math.fma(w21, x[i2 + dx], w20 * x[i2]));
      acc[ox] = v0 + (v1 + v2);
    }
  }

  /** acc[ox] += one kernel row's three taps for ox in [lo, hi). */
  private static void taps3(float[] x, int base, int dx, int sx, float w0, float w1, float w2, float[] acc, int lo,
                            int hi) {
    int dx2 = 2 * dx;
    for (int ox = lo; ox < hi; ox++) {
      int i0 = base + ox * sx;
      acc[ox] = Math.fma(w2, x[i0 + dx2], Math.fma(w1, x[i0 + dx], Math.fma(w0, x[i0], acc[ox])));
    }
  }

  /** acc[ox] += one kernel row's taps for the edge columns [from, to), pad value outside the row. */
  private static void edgeColumns(float[] x, int xr, int wd, float[] w, int wr, int kw, int sx, int px, int dx, float pv,
                                  float[] acc, int from, int to) {
    for (int ox = from; ox < to; ox++) {
      float v = acc[ox];
      for (int j = 0; j < kw; j++) {
        int ix = ox * sx - px + j * dx;
        v = Math.fma(w[wr + j], ix >= 0 && ix < wd ? x[xr + ix] : pv, v);
      }
      acc[ox] = v;
    }
  }

  static void convTranspose(ConvGeometry g, Activation act, float[] x, int xo, float[] w, int wo, float[] bias, int bo,
                            float[] y, int yo) {
    int cin = (int) g.inC(), cout = (int) g.outC(), groups = g.groups();
    int cinG = cin / groups, coutG = cout / groups, h = (int) g.inH(), wd = (int) g.inW();
    int oh = (int) g.outH(), ow = (int) g.outW(), kh = g.kh(), kw = g.kw();
    int[] s = g.stride(), p = g.pads(), d = g.dilation();
    int spatial = oh * ow;
    java.util.Arrays.fill(y, yo, yo + (int) g.outSize(), 0f);
    for (int n = 0; n < g.n(); n++) {
      for (int ci = 0; ci < cin; ci++) {
        int grp = ci / cinG, xPlane = xo + (n * cin + ci) * h * wd;
        for (int col = 0; col < coutG; col++) {
          int oPlane = yo + (n * cout + grp * coutG + col) * spatial, wBase = wo + (ci * coutG + col) * kh * kw;
          for (int iy = 0; iy < h; iy++) {
            for (int ix = 0; ix < wd; ix++) {
              float v = x[xPlane + iy * wd + ix];
              for (int i = 0; i < kh; i++) {
                int oy = iy * s[0] - p[0] + i * d[0];
                if (oy < 0 || oy >= oh) continue;
                for (int j = 0; j < kw; j++) {
                  int ox = ix * s[1] - p[1] + j * d[1];
                  if (ox >= 0 && ox < ow) y[oPlane + oy * ow + ox] += v * w[wBase + i * kw + j];
                }
              }
            }
          }
        }
      }
      for (int co = 0; co < cout; co++) {
        int off = yo + (n * cout + co) * spatial;
        if (bias != null) {
          float b = bias[bo + co];
          for (int i = off; i < off + spatial; i++) y[i] += b;
        }
        JavaEpilogue.activate(act, y, off, spatial);
      }
    }
  }
}
