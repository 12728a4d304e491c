package dev.layerfuse.exec;

/**
 * The kernel set both backends implement. Public methods validate every size and buffer range
 * in Java and only then call the backend's unchecked implementation, so native code never sees
 * an out-of-range index.
 *
 * <p>Instances are stateless and thread-safe; buffers passed to one call must not be written by
 * another thread during that call. Buffers must come from this instance's backend
 * ({@link #allocate}).
 */
public abstract class Kernels {

  /** {@link Backend#NATIVE} or {@link Backend#JAVA}. */
  public abstract Backend backend();

  /** The native ISA variant these kernels run, or {@code null} for the Java backend. */
  public abstract Isa isa();

  /** One line naming the backend and variant, e.g. {@code native/avx512}. */
  public String describe() {
    return isa() == null ? "java" : "native/" + isa().label();
  }

  /** A zero-filled buffer of {@code floats} elements owned by this backend. */
  public abstract FloatBuf allocate(long floats);

  /**
   * {@code C = act(A · op(B) + bias + residual)} as described by {@code g}. {@code bias} and
   * {@code residual} may be {@code null} when {@code g} has none. Inputs are read, {@code c} is
   * overwritten; none of the buffers is retained.
   */
  public final void gemm(Gemm g, FloatBuf a, long aOffset, FloatBuf b, long bOffset,
                         FloatBuf bias, long biasOffset, FloatBuf residual, long residualOffset,
                         FloatBuf c, long cOffset) {
    checkGemm(g, a, aOffset, b, bOffset, bias, biasOffset, residual, residualOffset, c, cOffset);
    gemmUnchecked(g, a, aOffset, b, bOffset, bias, biasOffset, residual, residualOffset, c, cOffset);
  }

  /**
   * As {@link #gemm} for a Linear ({@code op(B) = W^T}, W [n x k]) with W also given prepacked for
   * the native direct kernel ({@code packed}: {@link #packLinearWeights}, for products where
   * {@link #linearPackedApplies} holds) and a scratch of {@link #linearPackedScratch} floats.
   * Backends without that kernel use {@code b}.
   */
  public final void gemmPacked(Gemm g, FloatBuf a, long aOffset, FloatBuf b, long bOffset, Slice packed,
                               FloatBuf bias, long biasOffset, FloatBuf residual, long residualOffset,
                               FloatBuf c, long cOffset, Slice scratch) {
    checkGemm(g, a, aOffset, b, bOffset, bias, biasOffset, residual, residualOffset, c, cOffset);
    if (!linearPackedApplies(g)) throw new IllegalArgumentException("gemm " + g + ": not eligible for packed weights");
    need("gemm", g, "packed weight", packed, linearPackedFloats(g.n(), g.k()));
    need("gemm", g, "scratch", scratch, linearPackedScratch(g, 1));
    gemmPackedUnchecked(g, a, aOffset, b, bOffset, packed, bias, biasOffset, residual, residualOffset, c, cOffset, scratch);
  }

  /** The operand checks {@link #gemm} and {@link #gemmPacked} share. */
  private void checkGemm(Gemm g, FloatBuf a, long aOffset, FloatBuf b, long bOffset, FloatBuf bias, long biasOffset,
                         FloatBuf residual, long residualOffset, FloatBuf c, long cOffset) {
    if (g == null) throw new IllegalArgumentException("gemm: description is null");
    check(g, "A", a, aOffset, g.aSize());
    check(g, "B", b, bOffset, g.bSize());
    check(g, "C", c, cOffset, g.cSize());
    checkOptional(g, "bias", bias, biasOffset, g.biasMode() != BiasMode.NONE, g.biasSize());
    checkOptional(g, "residual", residual, residualOffset, g.hasResidual(), g.residualSize());
  }

  /** The packed-weight Linear; by default the plain GEMM. */
  protected void gemmPackedUnchecked(Gemm g, FloatBuf a, long aOffset, FloatBuf b, long bOffset, Slice packed,
                                     FloatBuf bias, long biasOffset, FloatBuf residual, long residualOffset,
                                     FloatBuf c, long cOffset, Slice scratch) {
    gemmUnchecked(g, a, aOffset, b, bOffset, bias, biasOffset, residual, residualOffset, c, cOffset);
  }

  /** Linears the native packed kernel runs: B transposed (W [n x k]), k and lda multiples of 16, no per-row bias. */
  public static boolean linearPackedApplies(Gemm g) {
    return g.transB() && g.k() >= 16 && g.k() % 16 == 0 && g.lda() % 16 == 0 && g.biasMode() != BiasMode.PER_ROW;
  }

  /**
   * Whether a plan runs an eligible Linear on the packed kernel: 9 to 128 rows (batch). Below, the
   * product is memory-bound and the GEMV / few-row kernels stream W as stored; above, OpenBLAS's
   * repacking is amortised (4096 x 4096, one thread: batch 16 2.1-2.5x, 32 1.6-1.7x, 64 1.2-1.3x,
   * 128 1.0-1.15x faster than the sgemm path).
   */
  public static boolean linearPackedPreferred(Gemm g) {
    return linearPackedApplies(g) && g.m() >= 9 && g.m() <= 128;
  }

  /** Floats of a packed Linear weight: whole 16-column blocks of k floats each. */
  public static long linearPackedFloats(long n, long k) {
    return (n + 15) / 16 * 16 * k;
  }

  /**
   * Scratch floats of the packed Linear split into {@code parts} column ranges: each part copies A
   * (m x k) and holds its column blocks' results (m x 16 each, one extra block per part for rounding).
   */
  public static long linearPackedScratch(Gemm g, int parts) {
    return parts * g.m() * g.k() + g.m() * 16 * ((g.n() + 15) / 16 + parts - 1);
  }

  /** W [n][k] as [ceil(n/16)][k/16][16 k][16 n] (zeros past n), the layout {@link #gemmPacked} takes. */
  public static float[] packLinearWeights(dev.layerfuse.tensor.Tensor weight) {
    dev.layerfuse.tensor.Shape s = weight.shape();
    if (s.rank() != 2 || s.dim(1) % 16 != 0) {
      throw new IllegalArgumentException("packing needs an [n][k] weight with k a multiple of 16, got " + s);
    }
    int n = (int) s.dim(0), k = (int) s.dim(1), kb = k / 16;
    float[] w = weight.toArray(), p = new float[(int) linearPackedFloats(n, k)];
    for (int j = 0; j < n; j++)
      for (int i = 0; i < k; i++) p[((j / 16) * kb + i / 16) * 256 + (i % 16) * 16 + j % 16] = w[j * k + i];
    return p;
  }

  /**
   * The epilogue alone, in place: {@code C = act(C + bias + residual)} over the M x N output
   * that {@code g} describes (its A/B parts are ignored). This is the unfused baseline's separate
   * bias/activation/add pass.
   */
  public final void biasActivation(Gemm g, FloatBuf bias, long biasOffset, FloatBuf residual,
                                   long residualOffset, FloatBuf c, long cOffset) {
    if (g == null) throw new IllegalArgumentException("bias_act: description is null");
    check(g, "C", c, cOffset, g.cSize());
    checkOptional(g, "bias", bias, biasOffset, g.biasMode() != BiasMode.NONE, g.biasSize());
    checkOptional(g, "residual", residual, residualOffset, g.hasResidual(), g.residualSize());
    biasActivationUnchecked(g, bias, biasOffset, residual, residualOffset, c, cOffset);
  }

  /**
   * {@code y = act(conv2d(x, w) + bias + residual)}; {@code w} is [outC, inC/groups, kh, kw];
   * {@code padValues} (one per input channel) replaces zero padding; {@code bias},
   * {@code padValues} and {@code residual} may be null. {@code scratch} must hold at least
   * {@link #conv2dScratch} floats.
   */
  public final void conv2d(ConvGeometry g, Activation act, Slice x, Slice w, Slice bias, Slice padValues,
                           Slice residual, Slice y, Slice scratch) {
    String op = "conv2d";
    checkConv(g, x, w, bias, padValues, residual, y);
    if (!g.pointwise()) need(op, g, "scratch", scratch, minConv2dScratch(g));
    conv2dUnchecked(g, act, x, w, bias, padValues, residual, y, scratch);
  }

  /**
   * As {@link #conv2d}, with the weight also given prepacked for the native direct kernel
   * ({@code packed}: [outC/16][inC/16][kh][kw][16 in][16 out], for convs where
   * {@link #directConvApplies} holds). Backends without that kernel use {@code w}.
   */
  public final void conv2dPacked(ConvGeometry g, Activation act, Slice x, Slice w, Slice packed, Slice bias,
                                 Slice padValues, Slice residual, Slice y, Slice scratch) {
    String op = "conv2d";
    checkConv(g, x, w, bias, padValues, residual, y);
    if (!directConvApplies(g)) throw new IllegalArgumentException(op + " " + g + ": not eligible for packed weights");
    need(op, g, "packed weight", packed, packedWeightFloats(g));
    need(op, g, "scratch", scratch, minConv2dScratch(g));
    conv2dPackedUnchecked(g, act, x, w, packed, bias, padValues, residual, y, scratch);
  }

  /**
   * [cout][cin][kh][kw] as [cout/16][ceil(cin/16)][kh][kw][16 in][16 out], the layout
   * {@link #conv2dPacked} takes; input channels past cin (fewer than 16 of them) are zeros.
   */
  public static float[] packDirectWeights(dev.layerfuse.tensor.Tensor weight) {
    int cout = (int) weight.shape().dim(0), cin = (int) weight.shape().dim(1);
    if (cout % 16 != 0 || (cin % 16 != 0 && cin >= 16)) {
      throw new IllegalArgumentException("packing needs output channels in multiples of 16 and input channels too or fewer than 16, got " + weight.shape());
    }
    int kh = (int) weight.shape().dim(2), kw = (int) weight.shape().dim(3), cb = (cin + 15) / 16;
    float[] w = weight.toArray(), p = new float[cout * cb * 16 * kh * kw];
    for (int oc = 0; oc < cout; oc++)
      for (int ic = 0; ic < cin; ic++)
        for (int i = 0; i < kh; i++)
          for (int j = 0; j < kw; j++)
            p[(((((oc / 16) * cb + ic / 16) * kh + i) * kw + j) * 16 + ic % 16) * 16 + oc % 16] = w[((oc * cin + ic) * kh + i) * kw + j];
    return p;
  }

  /**
   * As {@link #conv2d}, with the weight also given transformed for the native Winograd F(2x2, 3x3)
   * kernel ({@code winograd}: {@link #packWinogradWeights}, for convs where {@link #winogradApplies}
   * holds). Backends without that kernel use {@code w}.
   */
  public final void conv2dWinograd(ConvGeometry g, Activation act, Slice x, Slice w, Slice winograd, Slice bias,
                                   Slice padValues, Slice residual, Slice y, Slice scratch) {
    String op = "conv2d";
    checkConv(g, x, w, bias, padValues, residual, y);
    if (!winogradApplies(g)) throw new IllegalArgumentException(op + " " + g + ": not eligible for Winograd weights");
    need(op, g, "Winograd weight", winograd, winogradWeightFloats(g));
    need(op, g, "scratch", scratch, minConv2dScratch(g));
    conv2dWinogradUnchecked(g, act, x, w, winograd, bias, padValues, residual, y, scratch);
  }

  /** The operands every conv2d entry point checks (x, weight, optional bias / pad values / residual, y). */
  private void checkConv(ConvGeometry g, Slice x, Slice w, Slice bias, Slice padValues, Slice residual, Slice y) {
    String op = "conv2d";
    need(op, g, "x", x, g.inSize());
    need(op, g, "weight", w, g.outC() * g.im2colRows());
    optional(op, g, "bias", bias, g.outC());
    optional(op, g, "pad values", padValues, g.inC());
    optional(op, g, "residual", residual, g.outSize());
    need(op, g, "y", y, g.outSize());
  }

  /** The Winograd conv; by default the plain one. */
  protected void conv2dWinogradUnchecked(ConvGeometry g, Activation act, Slice x, Slice w, Slice winograd, Slice bias,
                                         Slice padValues, Slice residual, Slice y, Slice scratch) {
    conv2dUnchecked(g, act, x, w, bias, padValues, residual, y, scratch);
  }

  /**
   * Whether the backend keeps blocked copies of conv weights (the direct NCHW16c and Winograd
   * layouts) beside the plain ones; sessions of other backends store only the plain weights.
   */
  public boolean usesBlockedWeights() {
    return false;
  }

  /** Convs the native Winograd F(2x2, 3x3) kernel runs: 3x3, stride 1, dilation 1, groups 1, channels in multiples of 16. */
  public static boolean winogradApplies(ConvGeometry g) {
    return g.kh() == 3 && g.kw() == 3 && g.stride()[0] == 1 && g.stride()[1] == 1 && g.dilation()[0] == 1
        && g.dilation()[1] == 1 && g.groups() == 1 && g.inC() % 16 == 0 && g.outC() % 16 == 0;
  }

  /**
   * Whether a plan runs an eligible conv by Winograd rather than directly: when the batch has at
   * least {@link #WINOGRAD_MIN_TILES} output tiles of 2x2 (below that, streaming the transformed
   * weights, 16/9 the size of the plain ones, costs more than the multiplications saved).
   * {@code -Dlayerfuse.winograd=false} turns it off (plans then take the direct kernel).
   */
  public static boolean winogradPreferred(ConvGeometry g) {
    return WINOGRAD && winogradApplies(g) && g.n() * ((g.outH() + 1) / 2) * ((g.outW() + 1) / 2) >= WINOGRAD_MIN_TILES;
  }

  /** Floats of the Winograd weight: 16 per weight pair (input channel, output channel). */
  public static long winogradWeightFloats(ConvGeometry g) {
    return 16 * g.inC() * g.outC();
  }

  /**
   * A [cout][cin][3][3] weight as U = G w G^T per channel pair, G = [[1,0,0],[1/2,1/2,1/2],
   * [1/2,-1/2,1/2],[0,0,1]], stored [16][cout/16][cin/16][16 in][16 out] (computed in double).
   */
  public static float[] packWinogradWeights(dev.layerfuse.tensor.Tensor weight) {
    dev.layerfuse.tensor.Shape s = weight.shape();
    if (s.rank() != 4 || s.dim(2) != 3 || s.dim(3) != 3 || s.dim(0) % 16 != 0 || s.dim(1) % 16 != 0) {
      throw new IllegalArgumentException("Winograd weights need a [cout][cin][3][3] weight with both channel counts in multiples of 16, got " + s);
    }
    int cout = (int) s.dim(0), cin = (int) s.dim(1), ob = cout / 16, cb = cin / 16;
    double[][] gm = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
    float[] w = weight.toArray(), u = new float[16 * cout * cin];
    double[][] gw = new double[4][3];
    for (int oc = 0; oc < cout; oc++) {
      for (int ic = 0; ic < cin; ic++) {
        int base = (oc * cin + ic) * 9;
        for (int a = 0; a < 4; a++)
          for (int j = 0; j < 3; j++) gw[a][j] = gm[a][0] * w[base + j] + gm[a][1] * w[base + 3 + j] + gm[a][2] * w[base + 6 + j];
        for (int a = 0; a < 4; a++) {
          for (int b = 0; b < 4; b++) {
            double v = gw[a][0] * gm[b][0] + gw[a][1] * gm[b][1] + gw[a][2] * gm[b][2];
            u[(((a * 4 + b) * ob + oc / 16) * cb + ic / 16) * 256 + (ic % 16) * 16 + oc % 16] = (float) v;
          }
        }
      }
    }
    return u;
  }

  /**
   * Tile rows (two output rows each, counted over the batch) per chunk of the Winograd kernel; the
   * native kernel (winograd_chunk_rows) computes the same.
   */
  static long winogradChunkRows(ConvGeometry g) {
    long cin = g.inC(), cout = g.outC(), tw = (g.outW() + 1) / 2, total = g.n() * ((g.outH() + 1) / 2);
    long most = Math.min(WINOGRAD_MAX_CHUNK_ROWS, 24576 / (cin + cout) / tw);
    if (16 * cin * cout > (1L << 19)) most = Math.max(most, (cin * cout / (cin + cout) + tw - 1) / tw);
    most = Math.max(1, most);
    long chunks = (total + most - 1) / most;
    return (total + chunks - 1) / chunks;
  }

  private static final long WINOGRAD_MAX_CHUNK_ROWS = 6;

  /** {@code -Dlayerfuse.winograd=false}: plans never choose the Winograd kernel (for comparisons); read once. */
  /**
   * Tiles from which Winograd beats the direct kernel. 16 takes in ResNet's 512x7x7 layers at batch
   * 1 (4x4 tiles): on Zen 5 that made the whole ResNet-18 0.93-0.95x the time at one thread and
   * 0.95-1.02x at two (A/B of two sessions in interleaved blocks). On the CPUs of earlier
   * sessions those layers were faster direct, and the threshold was 32.
   */
  static final int WINOGRAD_MIN_TILES = 16;
  private static final boolean WINOGRAD = !"false".equals(System.getProperty("layerfuse.winograd"));

  /** Scratch floats of one Winograd call (each thread's share): padded input rows, V, M and output rows of a chunk. */
  public static long winogradScratch(ConvGeometry g) {
    long rows = winogradChunkRows(g), tw = (g.outW() + 1) / 2, wp = 2 * tw + 2, tiles = rows * tw;
    return g.inC() * (2 * rows + 2) * wp + 256 * tiles * (g.inC() + g.outC()) / 16 + g.outC() * 2 * rows * g.outW();
  }

  /** The packed-weight conv; by default the plain one. */
  protected void conv2dPackedUnchecked(ConvGeometry g, Activation act, Slice x, Slice w, Slice packed, Slice bias,
                                       Slice padValues, Slice residual, Slice y, Slice scratch) {
    conv2dUnchecked(g, act, x, w, bias, padValues, residual, y, scratch);
  }

  /**
   * Scratch floats conv2d works well with: im2col tiles of about 1 MB, at least 256 output pixels
   * wide (the Java GEMM vectorises along the tile's width, so narrow tiles run mostly scalar); for
   * convs the native direct or Winograd kernels may run, two calls' worth of theirs (a 2-thread split).
   */
  public static long conv2dScratch(ConvGeometry g) {
    long transposed = transposedConvApplies(g) ? transposedConvScratch(g) : 0;
    if (g.pointwise()) return transposed;
    long pixels = g.outH() * g.outW();
    long cols = Math.max(256, (262144 / g.im2colRows()) / 16 * 16);
    long im2col = g.im2colRows() * Math.min(pixels, cols);
    long direct = directConvApplies(g) ? 2 * directConvScratch(g) : 0;
    long winograd = winogradPreferred(g) ? 2 * winogradScratch(g) : 0;
    return Math.max(Math.max(transposed, im2col), Math.max(direct, winograd));
  }

  /**
   * Whether the Java backend runs this conv as the transposed product (pixels x output channels,
   * vectorised along the channels) when its weight is constant: output maps of at most 128 pixels
   * and at least 64 output channels per group, more than the pixels, and for a 1x1 kernel 16 times
   * as many (measured with the Vector API's padded tiles, per conv at one thread, direct vs
   * transposed: 512x7x7 3x3 2.86 vs 2.02 ms, 256x10x10 3x3 1.83 vs 1.18, 320 -> 1280 1x1 at 7x7 0.58
   * vs 0.37; but 256x14x14 3x3 2.16 vs 2.60, 96 -> 576 1x1 at 14x14 0.19 vs 0.27, 960 -> 320 at 7x7
   * 0.29 vs 0.35; AlexNet's 13x13 layers even).
   */
  public static boolean transposedConvApplies(ConvGeometry g) {
    long pixels = g.outH() * g.outW(), coutG = g.outC() / g.groups();
    boolean oneByOne = g.kh() == 1 && g.kw() == 1;
    return pixels <= 128 && coutG >= 64 && coutG > (oneByOne ? 16 * pixels : pixels);
  }

  /** Floats the transposed conv needs: the transposed im2col of one image and group, and the product. */
  public static long transposedConvScratch(ConvGeometry g) {
    return g.outH() * g.outW() * (g.im2colRows() + g.outC() / g.groups());
  }

  /**
   * Whether the native AVX-512 backend can run this conv directly in the NCHW16c layout (groups 1,
   * output channels in multiples of 16, input channels too or fewer than 16, not 1x1 stride 1); it
   * does when the scratch holds {@link #directConvScratch} floats (twice that is planned, so a
   * 2-thread split still fits).
   */
  public static boolean directConvApplies(ConvGeometry g) {
    return g.groups() == 1 && (g.inC() % 16 == 0 || g.inC() < 16) && g.outC() % 16 == 0 && !g.pointwise();
  }

  /** Input channels rounded up to whole 16-channel blocks, as the direct conv stores them. */
  static long blockedInC(ConvGeometry g) {
    return (g.inC() + 15) / 16 * 16;
  }

  /** Floats of the packed weight ({@link #packDirectWeights}). */
  public static long packedWeightFloats(ConvGeometry g) {
    return g.outC() * blockedInC(g) * g.kh() * g.kw();
  }

  /** Floats the direct conv needs: padded NCHW16c input, packed weights, NCHW16c output. */
  public static long directConvScratch(ConvGeometry g) {
    int[] p = g.pads();
    long hp = g.inH() + p[0] + p[2], wp = g.inW() + p[1] + p[3];
    return blockedInC(g) * hp * wp + packedWeightFloats(g) + g.outC() * g.outH() * g.outW();
  }

  private static long minConv2dScratch(ConvGeometry g) {
    return g.im2colRows() * Math.min(16, g.outH() * g.outW());
  }

  /** Depthwise conv (groups = inC = outC), direct; same operands as {@link #conv2d} without scratch. */
  public final void depthwiseConv2d(ConvGeometry g, Activation act, Slice x, Slice w, Slice bias, Slice padValues,
                                    Slice residual, Slice y) {
    String op = "depthwise conv2d";
    if (!g.depthwise()) throw new IllegalArgumentException(op + ": not depthwise (groups must equal in and out channels)");
    need(op, g, "x", x, g.inSize());
    need(op, g, "weight", w, g.outC() * g.kh() * g.kw());
    optional(op, g, "bias", bias, g.outC());
    optional(op, g, "pad values", padValues, g.inC());
    optional(op, g, "residual", residual, g.outSize());
    need(op, g, "y", y, g.outSize());
    depthwiseUnchecked(g, act, x, w, bias, padValues, residual, y);
  }

  /**
   * A 1x1 conv {@code pw} whose output feeds the depthwise conv {@code dw} and nothing else
   * (MobileNet's expansion and depthwise layers): {@code mid = actP(conv1x1(x, wp) + bp)}, then
   * {@code y = actD(dwconv(mid, wd) + bd)} with the depthwise pad values {@code padD}; {@code bp},
   * {@code bd} and {@code padD} may be null. Backends may make {@code mid} a strip at a time in
   * {@code scratch} and never write it (its contents are then unspecified afterwards); the result
   * equals the two kernels one after the other.
   */
  public final void pointwiseDepthwise(ConvGeometry pw, Activation actP, Slice x, Slice wp, Slice bp, ConvGeometry dw,
                                       Activation actD, Slice wd, Slice bd, Slice padD, Slice mid, Slice y,
                                       Slice scratch) {
    String op = "pointwise + depthwise conv2d";
    if (!pw.pointwise() || pw.groups() != 1) throw new IllegalArgumentException(op + ": " + pw + " is not a 1x1 stride-1 conv of one group");
    if (!dw.depthwise()) throw new IllegalArgumentException(op + ": " + dw + " is not depthwise");
    if (pw.n() != dw.n() || pw.outC() != dw.inC() || pw.outH() != dw.inH() || pw.outW() != dw.inW()) {
      throw new IllegalArgumentException(op + ": the 1x1 conv's output " + pw.n() + "x" + pw.outC() + "x" + pw.outH() + "x"
          + pw.outW() + " is not the depthwise conv's input " + dw.n() + "x" + dw.inC() + "x" + dw.inH() + "x" + dw.inW());
    }
    need(op, pw, "x", x, pw.inSize());
    need(op, pw, "1x1 weight", wp, pw.outC() * pw.inC());
    optional(op, pw, "1x1 bias", bp, pw.outC());
    need(op, dw, "depthwise weight", wd, dw.outC() * dw.kh() * dw.kw());
    optional(op, dw, "depthwise bias", bd, dw.outC());
    optional(op, dw, "pad values", padD, dw.inC());
    need(op, pw, "mid", mid, pw.outSize());
    need(op, dw, "y", y, dw.outSize());
    optional(op, dw, "scratch", scratch, 0);
    pointwiseDepthwiseUnchecked(pw, actP, x, wp, bp, dw, actD, wd, bd, padD, mid, y, scratch);
  }

  /** The pair through {@code mid}: the 1x1 conv, then the depthwise conv. */
  protected void pointwiseDepthwiseUnchecked(ConvGeometry pw, Activation actP, Slice x, Slice wp, Slice bp,
                                             ConvGeometry dw, Activation actD, Slice wd, Slice bd, Slice padD,
                                             Slice mid, Slice y, Slice scratch) {
    conv2dUnchecked(pw, actP, x, wp, bp, null, null, mid, null);
    depthwiseUnchecked(dw, actD, mid, wd, bd, padD, null, y);
  }

  /**
   * Scratch floats planned for {@link #pointwiseDepthwise} on {@code dw}: strips of about 256 KB
   * per thread (two threads' worth), and at least one output row's window of input rows for all
   * channels.
   */
  public static long pointwiseDepthwiseScratch(ConvGeometry dw) {
    long span = (dw.kh() - 1) * (long) dw.dilation()[0] + 1;
    return 2 * Math.max(PW_DW_STRIP_FLOATS, dw.inC() * dw.inW() * span);
  }

  /** Floats of one thread's strip of the expanded tensor in {@link #pointwiseDepthwise} (256 KB: L2-resident). */
  public static final long PW_DW_STRIP_FLOATS = 65536;

  /** Scratch floats a transposed conv needs: (outC/groups)·kh·kw·inH·inW. */
  public static long convTranspose2dScratch(ConvGeometry g) {
    return g.outC() / g.groups() * g.kh() * g.kw() * g.inH() * g.inW();
  }

  /** {@code y = act(convT(x, w) + bias)}, {@code w} [inC, outC/groups, kh, kw]. */
  public final void convTranspose2d(ConvGeometry g, Activation act, Slice x, Slice w, Slice bias, Slice y, Slice scratch) {
    String op = "conv_transpose2d";
    need(op, g, "x", x, g.inSize());
    need(op, g, "weight", w, g.inC() * (g.outC() / g.groups()) * g.kh() * g.kw());
    optional(op, g, "bias", bias, g.outC());
    need(op, g, "y", y, g.outSize());
    need(op, g, "scratch", scratch, convTranspose2dScratch(g));
    convTransposeUnchecked(g, act, x, w, bias, y, scratch);
  }

  /** Max or average pooling ({@code g.inC == g.outC}). */
  public final void pool2d(ConvGeometry g, boolean max, boolean countIncludePad, Slice x, Slice y) {
    String op = max ? "max_pool2d" : "avg_pool2d";
    if (g.inC() != g.outC()) throw new IllegalArgumentException(op + ": pooling keeps the channel count");
    need(op, g, "x", x, g.inSize());
    need(op, g, "y", y, g.outSize());
    pool2dUnchecked(g, max, countIncludePad, x, y);
  }

  /** {@code y[p] = mean(x[p·hw .. (p+1)·hw))}. */
  public final void globalAvgPool(long planes, long hw, Slice x, Slice y) {
    if (planes < 0 || hw < 1) throw new IllegalArgumentException("global_avg_pool: planes " + planes + ", hw " + hw);
    need("global_avg_pool", null, "x", x, planes * hw);
    need("global_avg_pool", null, "y", y, planes);
    globalAvgPoolUnchecked(planes, hw, x, y);
  }

  /** {@code y = act(x · scale[c] + shift[c])} over [n, c, inner]. */
  public final void scaleShift(long n, long c, long inner, Activation act, Slice x, Slice scale, Slice shift, Slice y) {
    if (n < 0 || c < 0 || inner < 0) throw new IllegalArgumentException("scale_shift: negative size");
    String op = "scale_shift";
    need(op, null, "x", x, n * c * inner);
    need(op, null, "scale", scale, c);
    need(op, null, "shift", shift, c);
    need(op, null, "y", y, n * c * inner);
    scaleShiftUnchecked(n, c, inner, act, x, scale, shift, y);
  }

  /** {@code y = act(x)} elementwise ({@code y} may be {@code x}). */
  public final void activation(long count, Activation act, Slice x, Slice y) {
    need("activation", null, "x", x, count);
    need("activation", null, "y", y, count);
    activationUnchecked(count, act, x, y);
  }

  /** {@code y = act(a + b)} elementwise ({@code y} may be {@code a} or {@code b}). */
  public final void add(long count, Activation act, Slice a, Slice b, Slice y) {
    need("add", null, "a", a, count);
    need("add", null, "b", b, count);
    need("add", null, "y", y, count);
    addUnchecked(count, act, a, b, y);
  }

  /** Binary elementwise kinds; the value is the C ABI's {@code LF_BIN_*}. */
  public enum BinaryKind { ADD, SUB, MUL, DIV, MAX, MIN }

  /** Padding modes; the value is the C ABI's {@code LF_PAD_*}. */
  public enum PadMode { CONSTANT, EDGE, REFLECT, WRAP }

  /** {@code y = act(a op b)} over {@code s}'s dims; a and b read with their (broadcast) strides, y contiguous. */
  public final void binary(BinaryKind kind, Activation act, Strided s, Slice a, Slice b, Slice y) {
    need("binary", s, "a", a, s.span(0));
    need("binary", s, "b", b, s.span(1));
    need("binary", s, "y", y, s.count());
    binaryUnchecked(kind, act, s, a, b, y);
  }

  /** {@code y[i·sy] = x[i·sx]} ({@link Strided#copy}): transposes, broadcasts, concatenation. */
  public final void stridedCopy(Strided s, Slice x, Slice y) {
    need("strided_copy", s, "x", x, s.span(0));
    need("strided_copy", s, "y", y, s.span(1));
    stridedCopyUnchecked(s, x, y);
  }

  /** Softmax or log-softmax over the middle axis of [outer, n, inner]. */
  public final void softmax(long outer, long n, long inner, boolean log, Slice x, Slice y) {
    if (outer < 0 || n < 1 || inner < 0) throw new IllegalArgumentException("softmax: bad sizes " + outer + "x" + n + "x" + inner);
    need("softmax", null, "x", x, outer * n * inner);
    need("softmax", null, "y", y, outer * n * inner);
    softmaxUnchecked(outer, n, inner, log, x, y);
  }

  /**
   * Pads {@code x} of {@code s}'s dims (its a-strides unused) by {@code before}/{@code after}
   * (padded to MAX_RANK like the dims) into contiguous {@code y}.
   */
  public final void pad(Strided s, long[] before, long[] after, PadMode mode, float value, Slice x, Slice y) {
    long out = 1;
    for (int i = 0; i < Strided.MAX_RANK; i++) {
      long d = s.dimsArray()[i], o = d + before[i] + after[i];
      if (o < 0) throw new IllegalArgumentException("pad: axis " + i + " would have " + o + " elements");
      if (mode != PadMode.CONSTANT && d == 0 && o > 0) throw new IllegalArgumentException("pad: " + mode + " of an empty axis");
      out *= o;
    }
    need("pad", s, "x", x, s.count());
    need("pad", s, "y", y, out);
    padUnchecked(s, before, after, mode, value, x, y);
  }

  /** {@code y[p] = max(x[p·hw .. (p+1)·hw))}. */
  public final void globalMaxPool(long planes, long hw, Slice x, Slice y) {
    if (planes < 0 || hw < 1) throw new IllegalArgumentException("global_max_pool: planes " + planes + ", hw " + hw);
    need("global_max_pool", null, "x", x, planes * hw);
    need("global_max_pool", null, "y", y, planes);
    globalMaxPoolUnchecked(planes, hw, x, y);
  }

  protected abstract void binaryUnchecked(BinaryKind kind, Activation act, Strided s, Slice a, Slice b, Slice y);

  protected abstract void stridedCopyUnchecked(Strided s, Slice x, Slice y);

  protected abstract void softmaxUnchecked(long outer, long n, long inner, boolean log, Slice x, Slice y);

  protected abstract void padUnchecked(Strided s, long[] before, long[] after, PadMode mode, float value, Slice x, Slice y);

  protected abstract void globalMaxPoolUnchecked(long planes, long hw, Slice x, Slice y);

  /** Checks an operand; {@code op} and {@code ctx} only become text when the check fails. */
  private void need(String opName, Object ctx, String name, Slice s, long floats) {
    String op = opName;
    if (s == null || !owns(s.buf()) || s.length() < floats) op = ctx == null ? opName : opName + " " + ctx;
    if (s == null) throw new IllegalArgumentException(op + ": " + name + " is null, expected " + floats + " floats");
    if (!owns(s.buf())) {
      throw new IllegalArgumentException(op + ": " + name + " is in a " + s.buf().getClass().getSimpleName()
          + ", expected a buffer allocated by the " + describe() + " kernels");
    }
    s.buf().ensureOpen();
    if (s.length() < floats) {
      throw new IndexOutOfBoundsException(op + ": " + name + " has " + s.length() + " floats, expected >= " + floats);
    }
  }

  private void optional(String op, Object ctx, String name, Slice s, long floats) {
    if (s != null) need(op, ctx, name, s, floats);
  }

  protected abstract void conv2dUnchecked(ConvGeometry g, Activation act, Slice x, Slice w, Slice bias, Slice padValues,
                                          Slice residual, Slice y, Slice scratch);

  protected abstract void depthwiseUnchecked(ConvGeometry g, Activation act, Slice x, Slice w, Slice bias,
                                             Slice padValues, Slice residual, Slice y);

  protected abstract void convTransposeUnchecked(ConvGeometry g, Activation act, Slice x, Slice w, Slice bias, Slice y,
                                                 Slice scratch);

  protected abstract void pool2dUnchecked(ConvGeometry g, boolean max, boolean countIncludePad, Slice x, Slice y);

  protected abstract void globalAvgPoolUnchecked(long planes, long hw, Slice x, Slice y);

  protected abstract void scaleShiftUnchecked(long n, long c, long inner, Activation act, Slice x, Slice scale,
                                              Slice shift, Slice y);

  protected abstract void activationUnchecked(long count, Activation act, Slice x, Slice y);

  protected abstract void addUnchecked(long count, Activation act, Slice a, Slice b, Slice y);

  protected abstract void gemmUnchecked(Gemm g, FloatBuf a, long aOffset, FloatBuf b, long bOffset,
                                        FloatBuf bias, long biasOffset, FloatBuf residual,
                                        long residualOffset, FloatBuf c, long cOffset);

  protected abstract void biasActivationUnchecked(Gemm g, FloatBuf bias, long biasOffset,
                                                  FloatBuf residual, long residualOffset,
                                                  FloatBuf c, long cOffset);

  /** True when {@code buf} was allocated by this backend. */
  protected abstract boolean owns(FloatBuf buf);

  private void check(Gemm g, String name, FloatBuf buf, long offset, long floats) {
    if (buf == null) {
      if (floats == 0) return;
      throw new IllegalArgumentException(g + ": " + name + " is null, expected a buffer of >= " + floats + " floats");
    }
    if (!owns(buf)) {
      throw new IllegalArgumentException(
          g + ": " + name + " is a " + buf.getClass().getSimpleName() + ", expected a buffer allocated by the "
              + describe() + " kernels");
    }
    buf.checkRange(name, g, offset, floats);
  }

  private void checkOptional(Gemm g, String name, FloatBuf buf, long offset, boolean present, long floats) {
    if (!present) {
      if (buf != null) {
        throw new IllegalArgumentException(g + ": a " + name + " buffer was given but the description has no " + name);
      }
      return;
    }
    check(g, name, buf, offset, floats);
  }
}
