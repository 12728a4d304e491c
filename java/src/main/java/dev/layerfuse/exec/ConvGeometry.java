package dev.layerfuse.exec;

import java.util.Arrays;

/**
 * The geometry of one 2-D convolution or pooling over NCHW data, validated when made: sizes
 * positive, channels divisible by groups, output size consistent with the window. For a
 * transposed convolution, {@code in*} describe its input and {@code out*} its output. The
 * layout matches the C ABI's {@code LF_GEOM_*} array.
 */
public final class ConvGeometry {
  private final long[] g;
  /** Derived per-geometry data a backend computes once (e.g. GEMM tile descriptors); not part of the value. */
  private volatile Object backendCache;

  private ConvGeometry(long[] g) {
    this.g = g;
  }

  /**
   * The backend's derived data for this geometry, computed by {@code make} on first use. Lets a
   * kernel keep per-layer descriptors without allocating on every call; racing first calls may
   * both compute, which is harmless for pure functions.
   */
  @SuppressWarnings("unchecked")
  public <T> T cached(java.util.function.Function<ConvGeometry, T> make) {
    Object c = backendCache;
    if (c == null) {
      c = make.apply(this);
      backendCache = c;
    }
    return (T) c;
  }

  /**
   * @param pads top, left, bottom, right
   */
  public static ConvGeometry of(long n, long inC, long inH, long inW, long outC, int kh, int kw, int[] stride,
                                int[] pads, int[] dilation, int groups, long outH, long outW) {
    long[] v = {n, inC, inH, inW, outC, kh, kw, stride[0], stride[1], pads[0], pads[1], pads[2], pads[3],
        dilation[0], dilation[1], groups, outH, outW};
    for (long x : v) if (x < 0) throw new IllegalArgumentException("conv geometry has a negative entry: " + Arrays.toString(v));
    if (n < 1 || inC < 1 || inH < 1 || inW < 1 || outC < 1 || kh < 1 || kw < 1 || stride[0] < 1 || stride[1] < 1
        || dilation[0] < 1 || dilation[1] < 1 || groups < 1 || outH < 1 || outW < 1) {
      throw new IllegalArgumentException("conv geometry needs positive sizes: " + Arrays.toString(v));
    }
    if (inC % groups != 0 || outC % groups != 0) {
      throw new IllegalArgumentException("conv geometry: groups " + groups + " must divide " + inC + " and " + outC);
    }
    long total = Math.multiplyExact(Math.multiplyExact(n, Math.max(inC, outC)), Math.multiplyExact(Math.max(inH, outH), Math.max(inW, outW)));
    if (total > Integer.MAX_VALUE) throw new IllegalArgumentException("conv geometry too large: " + Arrays.toString(v));
    return new ConvGeometry(v);
  }

  public long n() { return g[0]; }
  public long inC() { return g[1]; }
  public long inH() { return g[2]; }
  public long inW() { return g[3]; }
  public long outC() { return g[4]; }
  public int kh() { return (int) g[5]; }
  public int kw() { return (int) g[6]; }
  public int[] stride() { return new int[] {(int) g[7], (int) g[8]}; }
  public int[] pads() { return new int[] {(int) g[9], (int) g[10], (int) g[11], (int) g[12]}; }
  public int[] dilation() { return new int[] {(int) g[13], (int) g[14]}; }
  public int groups() { return (int) g[15]; }
  public long outH() { return g[16]; }
  public long outW() { return g[17]; }

  public long inSize() { return g[0] * g[1] * g[2] * g[3]; }
  public long outSize() { return g[0] * g[4] * g[16] * g[17]; }

  /** Rows of the im2col matrix: (inC/groups)·kh·kw. */
  public long im2colRows() { return g[1] / g[15] * g[5] * g[6]; }

  /** True for a 1x1, stride-1, unpadded conv, which needs no im2col. */
  public boolean pointwise() {
    return g[5] == 1 && g[6] == 1 && g[7] == 1 && g[8] == 1 && g[9] + g[10] + g[11] + g[12] == 0;
  }

  /** True when every channel is its own group (a depthwise conv with multiplier 1). */
  public boolean depthwise() {
    return g[15] == g[1] && g[4] == g[1];
  }

  /** The C ABI array (a copy). */
  public long[] toArray() {
    return g.clone();
  }

  /** The C ABI array itself, shared: for the native binding only, never to be modified. */
  public long[] abiArray() {
    return g;
  }

  @Override
  public String toString() {
    return "conv[n=" + g[0] + " " + g[1] + "x" + g[2] + "x" + g[3] + " -> " + g[4] + "x" + g[16] + "x" + g[17]
        + " k" + g[5] + "x" + g[6] + " s" + g[7] + "," + g[8] + " p" + g[9] + "," + g[10] + "," + g[11] + "," + g[12]
        + " d" + g[13] + "," + g[14] + " g" + g[15] + "]";
  }
}
