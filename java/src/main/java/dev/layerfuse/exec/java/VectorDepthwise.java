package dev.layerfuse.exec.java;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The depthwise conv's interior columns with the Vector API (stride 1, dilation 1): each output
 * vector takes its taps as unaligned loads from the input rows, which C2's auto-vectoriser does
 * not do (same array, different offsets). Used only when {@link JavaGemm#VECTOR} holds; returns
 * where it stopped, and the scalar loop finishes the row. The species stays one static final
 * constant: a second, 256-bit species passed as a parameter (for the rest of short rows) made
 * every Vector API call fall back to Java code, the whole network 10x slower.
 */
final class VectorDepthwise {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  private VectorDepthwise() {}

  /**
   * acc[ox] += the 3x3 taps for ox in [lo, end), end the last whole vector before hi; {@code base}
   * is the top-left input of column 0, rows {@code rs} apart. Returns end.
   */
  static int taps9(float[] x, int base, int rs, float[] w, int wk, float[] acc, int lo, int hi) {
    FloatVector w00 = FloatVector.broadcast(S, w[wk]), w01 = FloatVector.broadcast(S, w[wk + 1]);
    FloatVector w02 = FloatVector.broadcast(S, w[wk + 2]), w10 = FloatVector.broadcast(S, w[wk + 3]);
    FloatVector w11 = FloatVector.broadcast(S, w[wk + 4]), w12 = FloatVector.broadcast(S, w[wk + 5]);
    FloatVector w20 = FloatVector.broadcast(S, w[wk + 6]), w21 = FloatVector.broadcast(S, w[wk + 7]);
    FloatVector w22 = FloatVector.broadcast(S, w[wk + 8]);
    int ox = lo;
    for (; ox + L <= hi; ox += L) {
      int i0 = base + ox, i1 = i0 + rs, i2 = i1 + rs;
      FloatVector v0 = FloatVector.fromArray(S, acc, ox);
      v0 = w00.fma(FloatVector.fromArray(S, x, i0), v0);
      v0 = w01.fma(FloatVector.fromArray(S, x, i0 + 1), v0);
      v0 = w02.fma(FloatVector.fromArray(S, x, i0 + 2), v0);
      FloatVector v1 = w10.mul(FloatVector.fromArray(S, x, i1));
      v1 = w11.fma(FloatVector.fromArray(S, x, i1 + 1), v1);
      v1 = w12.fma(FloatVector.fromArray(S, x, i1 + 2), v1);
      FloatVector v2 = w20.mul(FloatVector.fromArray(S, x, i2));
      v2 = w21.fma(FloatVector.fromArray(S, x, i2 + 1), v2);
      v2 = w22.fma(FloatVector.fromArray(S, x, i2 + 2), v2);
      v0.add(v1.add(v2)).intoArray(acc, ox);
    }
    return ox;
  }

  /** acc[ox] += one kernel row's three taps for ox in [lo, end); returns end (as {@link #taps9}). */
  static int taps3(float[] x, int base, float w0, float w1, float w2, float[] acc, int lo, int hi) {
    FloatVector a = FloatVector.broadcast(S, w0), b = FloatVector.broadcast(S, w1), c = FloatVector.broadcast(S, w2);
    int ox = lo;
    for (; ox + L <= hi; ox += L) {
      int i0 = base + ox;
      FloatVector v = FloatVector.fromArray(S, acc, ox);
      v = a.fma(FloatVector.fromArray(S, x, i0), v);
      v = b.fma(FloatVector.fromArray(S, x, i0 + 1), v);
      v = c.fma(FloatVector.fromArray(S, x, i0 + 2), v);
      v.intoArray(acc, ox);
    }
    return ox;
  }

  /**
   * A whole 3x3 stride-1 pad-1 depthwise plane of a small map (rows too short for whole vectors)
   * as one flat row: with the plane copied between {@code w + 1} pad values on each side, output
   * pixel p's tap (i, j) is at flat offset {@code p + (i - 1) * w + (j - 1)}, so every tap is one
   * shifted vector load over the plane. That offset wraps to the neighbouring row in the first
   * and last columns, which are then recomputed with scalar taps. {@code out[0..h*w)} gets
   * bias + taps; {@code padded} holds at least {@code h * w + 2 * (w + 1)} floats.
   */
  static void flatPlane3x3(float[] x, int xp, int h, int w, float[] wt, int wk, float pv, float bv, float[] padded,
                           float[] out) {
    int n = h * w, base = w + 1;
    java.util.Arrays.fill(padded, 0, base, pv);
    System.arraycopy(x, xp, padded, base, n);
    java.util.Arrays.fill(padded, base + n, n + 2 * base, pv);
    // Rows w apart in the padded copy: the same nine-tap loop as a row of a large map.
    java.util.Arrays.fill(out, 0, n, bv);
    int p = taps9(padded, 0, w, wt, wk, out, 0, n);
    for (; p < n; p++) out[p] = flatTaps(padded, p, w, wt, wk, bv);
    for (int oy = 0; oy < h; oy++) {
      out[oy * w] = edgeTaps(x, xp, h, w, oy, 0, wt, wk, pv, bv);
      out[oy * w + w - 1] = edgeTaps(x, xp, h, w, oy, w - 1, wt, wk, pv, bv);
    }
  }

  /** Output pixel p of {@link #flatPlane3x3} from the padded plane (interior columns). */
  private static float flatTaps(float[] padded, int p, int w, float[] wt, int wk, float bv) {
    float v = bv;
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) v = Math.fma(wt[wk + i * 3 + j], padded[p + i * w + j], v);
    }
    return v;
  }

  /** Output pixel (oy, ox) with every tap checked against the plane (pad value outside). */
  private static float edgeTaps(float[] x, int xp, int h, int w, int oy, int ox, float[] wt, int wk, float pv,
                                float bv) {
    float v = bv;
    for (int i = 0; i < 3; i++) {
      int iy = oy + i - 1;
      for (int j = 0; j < 3; j++) {
        int ix = ox + j - 1;
        v = Math.fma(wt[wk + i * 3 + j], iy < 0 || iy >= h || ix < 0 || ix >= w ? pv : x[xp + iy * w + ix], v);
      }
    }
    return v;
  }
}
