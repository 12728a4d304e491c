package dev.layerfuse.exec.java;

/** Definitional double-precision loops: the independent reference the Java kernels are tested against. */
final class ReferenceOps {
  private ReferenceOps() {}

  /** Direct convolution; padded positions read {@code padValues[c]} (or 0). */
  static double[] conv(float[] x, int n, int cin, int h, int w, float[] wt, int cout, int kh, int kw, float[] bias,
                       int[] s, int[] p, int[] d, int groups, float[] padValues, int oh, int ow) {
    double[] y = new double[n * cout * oh * ow];
    int cinG = cin / groups, coutG = cout / groups;
    for (int b = 0; b < n; b++)
      for (int o = 0; o < cout; o++)
        for (int oy = 0; oy < oh; oy++)
          for (int ox = 0; ox < ow; ox++) {
            double acc = bias == null ? 0 : bias[o];
            int g = o / coutG;
            for (int c = 0; c < cinG; c++)
              for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++) {
                  int iy = oy * s[0] - p[0] + i * d[0], ix = ox * s[1] - p[1] + j * d[1];
                  int ch = g * cinG + c;
                  double v = iy < 0 || iy >= h || ix < 0 || ix >= w ? (padValues == null ? 0 : padValues[ch])
                      : x[((b * cin + ch) * h + iy) * w + ix];
                  acc += v * wt[((o * cinG + c) * kh + i) * kw + j];
                }
            y[((b * cout + o) * oh + oy) * ow + ox] = acc;
          }
    return y;
  }

  /** Transposed convolution as the gradient of conv: out[o][y][x] = Σ in[c][iy][ix]·w[c][o][i][j] where y = iy·s - p + i·d. */
  static double[] convTranspose(float[] x, int n, int cin, int h, int w, float[] wt, int cout, int kh, int kw, float[] bias,
                                int[] s, int[] p, int[] d, int groups, int oh, int ow) {
    double[] y = new double[n * cout * oh * ow];
    int cinG = cin / groups, coutG = cout / groups;
    for (int b = 0; b < n; b++)
      for (int o = 0; o < cout; o++)
        for (int oy = 0; oy < oh; oy++)
          for (int ox = 0; ox < ow; ox++) {
            double acc = bias == null ? 0 : bias[o];
            int g = o / coutG, oc = o % coutG;
            for (int c = g * cinG; c < (g + 1) * cinG; c++)
              for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++) {
                  int ny = oy + p[0] - i * d[0], nx = ox + p[1] - j * d[1];
                  if (ny < 0 || nx < 0 || ny % s[0] != 0 || nx % s[1] != 0) continue;
                  int iy = ny / s[0], ix = nx / s[1];
                  if (iy >= h || ix >= w) continue;
                  acc += (double) x[((b * cin + c) * h + iy) * w + ix] * wt[((c * coutG + oc) * kh + i) * kw + j];
                }
            y[((b * cout + o) * oh + oy) * ow + ox] = acc;
          }
    return y;
  }

  /** Pooling straight from the definitions (PyTorch semantics). */
  static double[] pool(boolean max, float[] x, int planes, int h, int w, int oh, int ow, int[] k, int[] s, int[] p,
                       int[] d, boolean countIncludePad) {
    double[] y = new double[planes * oh * ow];
    for (int q = 0; q < planes; q++)
      for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++) {
          double best = Double.NEGATIVE_INFINITY, sum = 0;
          int count = 0;
          int hs = oy * s[0] - p[0], ws = ox * s[1] - p[1];
          int he = Math.min(hs + (k[0] - 1) * d[0] + 1, h + p[2]), we = Math.min(ws + (k[1] - 1) * d[1] + 1, w + p[3]);
          int padCount = 0;
          for (int i = 0; i < k[0]; i++)
            for (int j = 0; j < k[1]; j++) {
              int iy = hs + i * d[0], ix = ws + j * d[1];
              if (iy < he && ix < we) padCount++;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              double v = x[(q * h + iy) * w + ix];
              best = Math.max(best, v);
              sum += v;
              count++;
            }
          y[(q * oh + oy) * ow + ox] = max ? best : sum / (countIncludePad ? padCount : count);
        }
    return y;
  }
}
