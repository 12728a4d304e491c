package dev.layerfuse.exec;

import java.util.Arrays;

/**
 * Up to {@link #MAX_RANK} dimensions with the element strides of one or two operands, left-padded
 * to exactly {@code MAX_RANK} entries (dims 1, strides 0) as the native kernels take them.
 * A stride of 0 repeats an operand along that axis (broadcasting). Validated when made.
 */
public final class Strided {
  public static final int MAX_RANK = 6;

  private final long[] dims, a, b;

  private Strided(long[] dims, long[] a, long[] b) {
    this.dims = dims;
    this.a = a;
    this.b = b;
  }

  /** Output dims with the strides of operand a (and b, or null). */
  public static Strided of(long[] dims, long[] stridesA, long[] stridesB) {
    int r = dims.length;
    if (r > MAX_RANK) throw new IllegalArgumentException("rank " + r + " exceeds the supported " + MAX_RANK);
    if (stridesA.length != r || (stridesB != null && stridesB.length != r)) {
      throw new IllegalArgumentException("strides " + Arrays.toString(stridesA) + " do not match dims " + Arrays.toString(dims));
    }
    long[] d = new long[MAX_RANK], sa = new long[MAX_RANK], sb = new long[MAX_RANK];
    Arrays.fill(d, 1);
    long n = 1;
    for (int i = 0; i < r; i++) {
      if (dims[i] < 0 || stridesA[i] < 0 || (stridesB != null && stridesB[i] < 0)) {
        throw new IllegalArgumentException("negative dim or stride: " + Arrays.toString(dims));
      }
      d[MAX_RANK - r + i] = dims[i];
      sa[MAX_RANK - r + i] = stridesA[i];
      if (stridesB != null) sb[MAX_RANK - r + i] = stridesB[i];
      n = Math.multiplyExact(n, dims[i]);
    }
    if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("too many elements: " + Arrays.toString(dims));
    return new Strided(d, sa, sb);
  }

  /** A copy of {@code dims} elements: x read with {@code xStrides}, y written with {@code yStrides} (contiguous if null). */
  public static Strided copy(long[] dims, long[] xStrides, long[] yStrides) {
    return of(dims, xStrides, yStrides != null ? yStrides : contiguous(dims));
  }

  /** Row-major strides of a contiguous tensor of these dims. */
  public static long[] contiguous(long[] dims) {
    long[] s = new long[dims.length];
    long acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= dims[i];
    }
    return s;
  }

  /** Strides of {@code in} broadcast to {@code out} (numpy rules; right-aligned; size-1 axes get 0). */
  public static long[] broadcastStrides(long[] in, long[] out) {
    long[] cs = contiguous(in), s = new long[out.length];
    for (int i = 0; i < out.length; i++) {
      int j = i - (out.length - in.length);
      if (j < 0) continue;
      if (in[j] == out[i]) s[i] = in[j] == 1 ? 0 : cs[j];
      else if (in[j] == 1) s[i] = 0;
      else throw new IllegalArgumentException("cannot broadcast " + Arrays.toString(in) + " to " + Arrays.toString(out));
    }
    return s;
  }

  public long count() {
    long n = 1;
    for (long x : dims) n *= x;
    return n;
  }

  /** Floats operand a (0) or b (1) spans: 1 + Σ (dim - 1)·stride, or 0 when empty. */
  public long span(int operand) {
    if (count() == 0) return 0;
    long[] s = operand == 0 ? a : b;
    long n = 1;
    for (int i = 0; i < MAX_RANK; i++) n += (dims[i] - 1) * s[i];
    return n;
  }

  /** The padded arrays, shared: for the native binding only, never to be modified. */
  public long[] dimsArray() { return dims; }
  public long[] stridesA() { return a; }
  public long[] stridesB() { return b; }

  @Override
  public String toString() {
    return "strided" + Arrays.toString(dims);
  }
}
