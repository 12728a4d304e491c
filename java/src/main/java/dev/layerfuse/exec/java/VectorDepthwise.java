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
    return threeTaps(x, base, base + 1, base + 2, w0, w1, w2, acc, 0, lo, hi);
  }

  /**
   * acc[ao + ox] += w0 * x[s0 + ox] + w1 * x[s1 + ox] + w2 * x[s2 + ox] for whole vectors of ox in
   * [lo, hi); returns where it stopped.
   */
  private static int threeTaps(float[] x, int s0, int s1, int s2, float w0, float w1, float w2, float[] acc, int ao,
                               int lo, int hi) {
    FloatVector a = FloatVector.broadcast(S, w0), b = FloatVector.broadcast(S, w1), c = FloatVector.broadcast(S, w2);
    int ox = lo;
    for (; ox + L <= hi; ox += L) {
      FloatVector v = FloatVector.fromArray(S, acc, ao + ox);
      v = a.fma(FloatVector.fromArray(S, x, s0 + ox), v);
      v = b.fma(FloatVector.fromArray(S, x, s1 + ox), v);
      v = c.fma(FloatVector.fromArray(S, x, s2 + ox), v);
      v.intoArray(acc, ao + ox);
    }
    return ox;
  }

  /**
   * A whole 3x3 stride-1 pad-1 depthwise plane as one flat row: with the plane copied between
   * {@code w + 1} pad values on each side, output pixel p's tap (i, j) is at flat offset {@code p + (i - 1) * w + (j - 1)}, so every tap is one
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

  /**
   * A whole 3x3 stride-2 dilation-1 depthwise plane ({@code h x w} in, {@code oh x ow} out, pads
   * {@code pt} top and {@code pl} left): the input is copied once, pad values filled in, into
   * padded rows split into their even and odd columns ({@code even[r][k]} is padded column 2k,
   * {@code odd[r][k]} column 2k + 1, {@code ew = ow + 1} columns each), so output column ox reads
   * even[ox], odd[ox] and even[ox + 1]: unit-stride vector loads with no edge columns.
   * {@code out[0..oh*ow)} gets bias + taps; {@code buf} holds at least {@link #stride2Scratch} floats.
   */
  static void stride2Plane3x3(float[] x, int xp, int h, int w, int oh, int ow, int pt, int pl, float[] wt, int wk,
                              float pv, float bv, float[] buf, float[] out) {
    int ew = ow + 1, rows = 2 * oh + 1, odd = rows * ew;
    for (int r = 0; r < rows; r++) {
      int iy = r - pt, e = r * ew;
      if (iy < 0 || iy >= h) {
        java.util.Arrays.fill(buf, e, e + ew, pv);
        java.util.Arrays.fill(buf, odd + e, odd + e + ew, pv);
        continue;
      }
      int xr = xp + iy * w;
      // Columns k whose two inputs 2k - pl and 2k + 1 - pl are both inside the row copy without checks.
      int kLo = Math.min(ew, (pl + 1) / 2), kHi = Math.max(kLo, Math.min(ew, (w + pl) / 2));
      for (int k = 0; k < kLo; k++) split(x, xr, w, 2 * k - pl, pv, buf, e + k, odd + e + k);
      for (int k = kLo, src = xr + 2 * kLo - pl; k < kHi; k++, src += 2) {
        buf[e + k] = x[src];
        buf[odd + e + k] = x[src + 1];
      }
      for (int k = kHi; k < ew; k++) split(x, xr, w, 2 * k - pl, pv, buf, e + k, odd + e + k);
    }
    for (int oy = 0; oy < oh; oy++) {
      int o = oy * ow;
      java.util.Arrays.fill(out, o, o + ow, bv);
      for (int i = 0; i < 3; i++) {
        int e = (2 * oy + i) * ew;
        float w0 = wt[wk + 3 * i], w1 = wt[wk + 3 * i + 1], w2 = wt[wk + 3 * i + 2];
        int ox = threeTaps(buf, e, odd + e, e + 1, w0, w1, w2, out, o, 0, ow);
        for (; ox < ow; ox++) {
          out[o + ox] = Math.fma(w2, buf[e + ox + 1], Math.fma(w1, buf[odd + e + ox], Math.fma(w0, buf[e + ox], out[o + ox])));
        }
      }
    }
  }

  /** Input columns ix and ix + 1 of the row at xr (pad value outside [0, w)) to buf[ev] and buf[od]. */
  private static void split(float[] x, int xr, int w, int ix, float pv, float[] buf, int ev, int od) {
    buf[ev] = ix >= 0 && ix < w ? x[xr + ix] : pv;
    buf[od] = ix + 1 >= 0 && ix + 1 < w ? x[xr + ix + 1] : pv;
  }

  /** Floats of scratch {@link #stride2Plane3x3} needs for an {@code oh x ow} output. */
  static int stride2Scratch(int oh, int ow) {
    return 2 * (2 * oh + 1) * (ow + 1);
  }

  /** c[off..off+len) clamped to [lo, hi] (NaN stays NaN), whole vectors; returns where it stopped. */
  static int clamp(float[] c, int off, int len, float lo, float hi) {
    FloatVector l = FloatVector.broadcast(S, lo), u = FloatVector.broadcast(S, hi);
    int j = 0;
    for (; j + L <= len; j += L) {
      FloatVector v = FloatVector.fromArray(S, c, off + j);
      // Compare-and-blend, not max/min: NaN fails both compares and is kept, as the scalar form keeps it.
      v = v.blend(l, v.lt(l));
      v.blend(u, v.compare(jdk.incubator.vector.VectorOperators.GT, u)).intoArray(c, off + j);
    }
    return j;
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
