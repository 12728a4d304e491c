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
    int kh = kernel[0], kw = kernel[1], sh = stride[0], sw = stride[1], pt = pads[0], pl = pads[1];
    int dh = dilation[0], dw = dilation[1];
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
              boolean inPadded = iy < h + pads[2] && ix < w + pads[3];
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
