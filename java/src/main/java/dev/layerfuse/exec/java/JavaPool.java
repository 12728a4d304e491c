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
    for (int p = 0; p < planes; p++) {
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
    }
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
