package dev.layerfuse.exec.java;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.Kernels.BinaryKind;
import dev.layerfuse.exec.Kernels.PadMode;
import dev.layerfuse.exec.Strided;

/** Pure-Java layout and elementwise kernels over up to {@link Strided#MAX_RANK} dims, mirroring the native ones. */
final class JavaTensorOps {
  private static final int R = Strided.MAX_RANK;

  private JavaTensorOps() {}

  static void binary(BinaryKind kind, Activation act, Strided s, float[] a, int ao, float[] b, int bo, float[] y, int yo) {
    long[] d = s.dimsArray(), sa = s.stridesA(), sb = s.stridesB();
    int total = (int) s.count();
    if (total == 0) return;
    int inner = (int) d[R - 1], ia = (int) sa[R - 1], ib = (int) sb[R - 1];
    int[] idx = new int[R];
    for (int out = 0; out < total; out += inner) {
      long oa = ao, ob = bo;
      for (int i = 0; i < R - 1; i++) {
        oa += idx[i] * sa[i];
        ob += idx[i] * sb[i];
      }
      int pa = (int) oa, pb = (int) ob;
      for (int i = 0; i < inner; i++) {
        float x = a[pa + i * ia], z = b[pb + i * ib];
        float r;
        switch (kind) {
          case ADD: r = x + z; break;
          case SUB: r = x - z; break;
          case MUL: r = x * z; break;
          case DIV: r = x / z; break;
          case MAX: r = Float.isNaN(x) || Float.isNaN(z) ? Float.NaN : Math.max(x, z); break;
          default: r = Float.isNaN(x) || Float.isNaN(z) ? Float.NaN : Math.min(x, z);
        }
        y[yo + out + i] = r;
      }
      JavaEpilogue.activate(act, y, yo + out, inner);
      next(idx, d);
    }
  }

  static void stridedCopy(Strided s, float[] x, int xo, float[] y, int yo) {
    long[] d = s.dimsArray(), sx = s.stridesA(), sy = s.stridesB();
    int total = (int) s.count();
    if (total == 0) return;
    int inner = (int) d[R - 1], ix = (int) sx[R - 1], iy = (int) sy[R - 1];
    int[] idx = new int[R];
    for (int out = 0; out < total; out += inner) {
      long o = xo, q = yo;
      for (int i = 0; i < R - 1; i++) {
        o += idx[i] * sx[i];
        q += idx[i] * sy[i];
      }
      int p = (int) o, r = (int) q;
      if (ix == 1 && iy == 1) System.arraycopy(x, p, y, r, inner);
      else for (int i = 0; i < inner; i++) y[r + i * iy] = x[p + i * ix];
      next(idx, d);
    }
  }

  /** Advances a row-major index over all but the innermost axis. */
  private static void next(int[] idx, long[] d) {
    for (int i = R - 2; i >= 0; i--) {
      if (++idx[i] < d[i]) return;
      idx[i] = 0;
    }
  }

  static void softmax(int outer, int n, int inner, boolean log, float[] x, int xo, float[] y, int yo) {
    for (int o = 0; o < outer; o++) {
      for (int in = 0; in < inner; in++) {
        int base = o * n * inner + in;
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) m = Math.max(m, x[xo + base + i * inner]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp((double) x[xo + base + i * inner] - m);
        double lse = Math.log(sum);
        for (int i = 0; i < n; i++) {
          double v = (double) x[xo + base + i * inner] - m;
          y[yo + base + i * inner] = (float) (log ? v - lse : Math.exp(v - lse));
        }
      }
    }
  }

  static void pad(Strided s, long[] before, long[] after, PadMode mode, float value, float[] x, int xo, float[] y, int yo) {
    long[] d = s.dimsArray();
    long[] od = new long[R], xs = new long[R];
    long acc = 1, total = 1;
    for (int i = R - 1; i >= 0; i--) {
      od[i] = d[i] + before[i] + after[i];
      xs[i] = acc;
      acc *= d[i];
      total *= od[i];
    }
    int[] idx = new int[R];
    for (int out = 0; out < total; out++) {
      long off = 0;
      boolean outside = false;
      for (int i = 0; i < R && !outside; i++) {
        long src = padIndex(idx[i] - before[i], d[i], mode);
        if (src < 0) outside = true;
        else off += src * xs[i];
      }
      y[yo + out] = outside ? value : x[xo + (int) off];
      for (int i = R - 1; i >= 0; i--) {
        if (++idx[i] < od[i]) break;
        idx[i] = 0;
      }
    }
  }

  static long padIndex(long i, long n, PadMode mode) {
    if (i >= 0 && i < n) return i;
    switch (mode) {
      case EDGE: return i < 0 ? 0 : n - 1;
      case REFLECT: {
        if (n == 1) return 0;
        long period = 2 * (n - 1), m = ((i % period) + period) % period;
        return m < n ? m : period - m;
      }
      case WRAP: return ((i % n) + n) % n;
      default: return -1;
    }
  }

  static void globalMax(float[] x, int xo, int planes, int hw, float[] y, int yo) {
    for (int p = 0; p < planes; p++) {
      float m = Float.NEGATIVE_INFINITY;
      boolean nan = false;
      for (int i = xo + p * hw; i < xo + (p + 1) * hw; i++) {
        if (x[i] > m) m = x[i];
        if (Float.isNaN(x[i])) nan = true;
      }
      y[yo + p] = nan ? Float.NaN : m;
    }
  }
}
