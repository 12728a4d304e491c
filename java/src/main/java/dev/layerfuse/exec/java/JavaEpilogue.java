package dev.layerfuse.exec.java;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.BiasMode;
import dev.layerfuse.exec.Gemm;

/** The epilogue {@code c = act(c + bias + residual)} on a block of a GEMM output. */
final class JavaEpilogue {
  private JavaEpilogue() {}

  /** Applies {@code g}'s epilogue to rows {@code [row0, row0+rows)}, columns {@code [col0, col0+cols)}. */
  static void apply(Gemm g, float[] c, int cOff, int row0, int rows, int col0, int cols,
                    float[] bias, int biasOff, float[] res, int resOff) {
    BiasMode mode = g.biasMode();
    Activation act = g.activation();
    if (mode == BiasMode.NONE && !g.hasResidual() && act.kind() == Activation.Kind.NONE) return;
    int ldc = (int) g.ldc();
    int ldr = (int) g.ldr();
    for (int i = row0; i < row0 + rows; i++) {
      int ci = cOff + i * ldc + col0;
      float rowBias = mode == BiasMode.PER_ROW ? bias[biasOff + i] : 0f;
      if (rowBias != 0f) for (int j = 0; j < cols; j++) c[ci + j] += rowBias;
      if (mode == BiasMode.PER_COL) {
        int bi = biasOff + col0;
        for (int j = 0; j < cols; j++) c[ci + j] += bias[bi + j];
      }
      if (g.hasResidual()) {
        int ri = resOff + i * ldr + col0;
        for (int j = 0; j < cols; j++) c[ci + j] += res[ri + j];
      }
      activate(act, c, ci, cols);
    }
  }

  /**
   * The epilogue of output row {@code row}, columns {@code [col0, col0+n)}, applied to {@code acc},
   * a 0-based copy of that row segment (the GEMM's accumulator): the per-row bias and the activation
   * then run on loops C2 vectorises.
   */
  static void applyRow(Gemm g, float[] acc, int n, int row, int col0, float[] bias, int biasOff, float[] res, int resOff) {
    BiasMode mode = g.biasMode();
    Activation act = g.activation();
    if (mode == BiasMode.NONE && !g.hasResidual() && act.kind() == Activation.Kind.NONE) return;
    if (mode == BiasMode.PER_ROW) addConstant(acc, bias[biasOff + row], n);
    if (mode == BiasMode.PER_COL) addFrom(acc, bias, biasOff + col0, n);
    if (g.hasResidual()) addFrom(acc, res, resOff + row * (int) g.ldr() + col0, n);
    activate(act, acc, 0, n);
  }

  private static void addConstant(float[] acc, float v, int n) {
    for (int j = 0; j < n; j++) acc[j] += v;
  }

  private static void addFrom(float[] acc, float[] src, int from, int n) {
    for (int j = 0; j < n; j++) acc[j] += src[from + j];
  }

  /** Applies {@code act} in place to {@code c[off..off+len)}. */
  static void activate(Activation act, float[] c, int off, int len) {
    switch (act.kind()) {
      case NONE:
        return;
      case CLAMP: {
        float lo = act.lo(), hi = act.hi();
        int from = JavaGemm.VECTOR ? off + VectorDepthwise.clamp(c, off, len, lo, hi) : off;
        for (int j = from; j < off + len; j++) {
          float v = c[j];
          v = v < lo ? lo : v;
          c[j] = v > hi ? hi : v;
        }
        return;
      }
      case LEAKY_RELU: {
        float alpha = act.alpha();
        for (int j = off; j < off + len; j++) {
          float v = c[j];
          c[j] = v < 0f ? v * alpha : v;
        }
        return;
      }
      default:
        for (int j = off; j < off + len; j++) c[j] = act.apply(c[j]);
    }
  }
}
