package dev.layerfuse.exec.java;

/** Pure-Java pooling over NCHW float arrays, with PyTorch/ONNX padding semantics. */
final class JavaPool {
  private JavaPool() {}

  /**
   * Max or average pooling of x [planes, h, w] into out [planes, oh, ow]. Padding never wins a
   * max. Averages divide by the window clipped to the padded input when {@code countIncludePad},
   * else by the number of real elements.
   */
  static void pool2d(boolean max, float[] x, int xo, int planes, int h, int w, float[] out, int oo, int oh, int ow,
                     int[] kernel, int[] stride, int[] pads, int[] dilation, boolean countIncludePad) {
    pool2d(max, x, xo, planes, h, w, out, oo, oh, ow, kernel[0], kernel[1], stride[0], stride[1], pads[0], pads[1],
        pads[2], pads[3], dilation[0], dilation[1], countIncludePad);
  }

  static void pool2d(boolean max, float[] x, int xo, int planes, int h, int w, float[] out, int oo, int oh, int ow,
                     int kh, int kw, int sh, int sw, int pt, int pl, int pb, int pr, int dh, int dw,
                     boolean countIncludePad) {
    if (max) {
      dev.layerfuse.exec.Parallel.forEach(planes, p -> maxPlane(x, xo + p * h * w, h, w, out, oo + p * oh * ow, oh, ow,
          kh, kw, sh, sw, pt, pl, dh, dw));
      return;
    }
    dev.layerfuse.exec.Parallel.forEach(planes, p -> {
      int xp = xo + p * h * w, op = oo + p * oh * ow;
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          int y0 = oy * sh - pt, x0 = ox * sw - pl;
          float best = Float.NEGATIVE_INFINITY;
          double sum = 0;
          int count = 0, padded = 0;
          boolean nan = false;
          for (int i = 0; i < kh; i++) {
            int iy = y0 + i * dh;
            for (int j = 0; j < kw; j++) {
              int ix = x0 + j * dw;
              boolean inPadded = iy < h + pb && ix < w + pr;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                if (inPadded && iy >= -pt && ix >= -pl) padded++;
                continue;
              }
              float v = x[xp + iy * w + ix];
              if (max) {
                if (v > best) best = v;
                if (Float.isNaN(v)) nan = true;
              } else {
                sum += v;
              }
              count++;
              padded++;
            }
          }
          float r;
          if (max) {
            r = nan ? Float.NaN : best;
          } else {
            int div = countIncludePad ? padded : count;
            r = div == 0 ? 0f : (float) (sum / div);
          }
          out[op + oy * ow + ox] = r;
        }
      }
    });
  }

  /** Per-thread rows of {@link #maxPlane}: the horizontal maxima of every input row, and one tap row. */
  private static final class MaxRows {
    float[][] rows = new float[0][0];
    float[] tap = new float[0];

    void ensure(int h, int ow) {
      if (rows.length < h || rows[0].length < ow) rows = new float[h][ow];
      if (tap.length < ow) tap = new float[ow];
    }
  }

  private static final ThreadLocal<MaxRows> MAX_ROWS = ThreadLocal.withInitial(MaxRows::new);

  /**
   * Max pooling of one plane in two passes: the horizontal maximum of every input row (each
   * kernel column's taps gathered into a 0-indexed row, -inf outside the input), then each
   * output row as the maximum of its kernel rows. The max loops run over 0-indexed rows, which
   * C2 vectorises; {@code Math.max} propagates NaN. (Per-output-pixel compare chains, even with
   * {@code Math.max}, ran at 3-6 ns per tap: 12 ms for ResNet-18's max pool.)
   */
  private static void maxPlane(float[] x, int xp, int h, int w, float[] out, int op, int oh, int ow, int kh, int kw,
                               int sh, int sw, int pt, int pl, int dh, int dw) {
    MaxRows m = MAX_ROWS.get();
    m.ensure(h, ow);
    float[] tap = m.tap;
    for (int iy = 0; iy < h; iy++) {
      float[] hr = m.rows[iy];
      int row = xp + iy * w;
      for (int j = 0; j < kw; j++) {
        float[] dst = j == 0 ? hr : tap;
        for (int ox = 0; ox < ow; ox++) {
          int ix = ox * sw - pl + j * dw;
          dst[ox] = ix >= 0 && ix < w ? x[row + ix] : Float.NEGATIVE_INFINITY;
        }
        if (j > 0) maxInto(hr, tap, ow);
      }
    }
    for (int oy = 0; oy < oh; oy++) {
      int o = op + oy * ow;
      boolean any = false;
      for (int i = 0; i < kh; i++) {
        int iy = oy * sh - pt + i * dh;
        if (iy < 0 || iy >= h) continue;
        if (!any) {
          System.arraycopy(m.rows[iy], 0, tap, 0, ow);
          any = true;
        } else {
          maxInto(tap, m.rows[iy], ow);
        }
      }
      if (any) System.arraycopy(tap, 0, out, o, ow);
      else java.util.Arrays.fill(out, o, o + ow, Float.NEGATIVE_INFINITY);
    }
  }

  private static void maxInto(float[] acc, float[] v, int n) {
    for (int i = 0; i < n; i++) acc[i] = Math.max(acc[i], v[i]);
  }

  /** Mean of each [h·w] plane. */
  static void globalAverage(float[] x, int xo, int planes, int hw, float[] out, int oo) {
    for (int p = 0; p < planes; p++) {
      double s = 0;
      for (int i = xo + p * hw; i < xo + (p + 1) * hw; i++) s += x[i];
      out[oo + p] = (float) (s / hw);
    }
  }
}
