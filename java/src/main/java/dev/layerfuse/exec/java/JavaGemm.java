package dev.layerfuse.exec.java;

import dev.layerfuse.exec.Gemm;

/**
 * A cache-blocked GEMM in plain Java. The inner loop is a unit-stride multiply-add over an
 * output row segment, the form HotSpot's C2 vectorises; K is consumed four rows of B at a time
 * so each pass over the output segment does four multiply-adds per element. B blocks of
 * {@code KC x NC} stay in L2; a transposed B is packed into that layout first. The epilogue
 * runs on each output row segment right after its last K block, while it is still in L1.
 */
final class JavaGemm {
  private static final int KC = 256;
  private static final int NC = 512;
  private static final ThreadLocal<float[]> PACK = ThreadLocal.withInitial(() -> new float[KC * NC]);

  private JavaGemm() {}

  static void gemm(Gemm g, float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff,
                   float[] res, int resOff, float[] c, int cOff) {
    int m = (int) g.m(), n = (int) g.n(), k = (int) g.k();
    if (m == 0 || n == 0) return;
    int ldc = (int) g.ldc();
    if (k == 0) {
      for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
    } else if (g.transB() && m < 4) {
      dotRows(g, a, aOff, b, bOff, c, cOff, 1);
    } else if (!g.transB() && n == 1) {
      dotRows(g, a, aOff, b, bOff, c, cOff, (int) g.ldb());
    } else {
      blocked(g, a, aOff, b, bOff, bias, biasOff, res, resOff, c, cOff);
      return;
    }
    JavaEpilogue.apply(g, c, cOff, 0, m, 0, n, bias, biasOff, res, resOff);
  }

  /**
   * C[i][j] = dot(A row i, B vector j) for the memory-bound shapes (batch-1 Linear, N = 1):
   * every weight is read once. With transB, vector j is B's row j (stride 1); otherwise B has
   * one column read with stride {@code bStride}.
   */
  private static void dotRows(Gemm g, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int bStride) {
    int m = (int) g.m(), n = (int) g.n(), k = (int) g.k();
    int lda = (int) g.lda(), ldb = (int) g.ldb(), ldc = (int) g.ldc();
    for (int i = 0; i < m; i++) {
      int ai = aOff + i * lda;
      for (int j = 0; j < n; j++) {
        int bj = g.transB() ? bOff + j * ldb : bOff + j;
        c[cOff + i * ldc + j] = bStride == 1 ? dot(a, ai, b, bj, k) : dotStrided(a, ai, b, bj, bStride, k);
      }
    }
  }

  private static float dot(float[] x, int xo, float[] y, int yo, int k) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    int p = 0;
    for (; p + 8 <= k; p += 8) {
      s0 += x[xo + p] * y[yo + p];
      s1 += x[xo + p + 1] * y[yo + p + 1];
      s2 += x[xo + p + 2] * y[yo + p + 2];
      s3 += x[xo + p + 3] * y[yo + p + 3];
      s4 += x[xo + p + 4] * y[yo + p + 4];
      s5 += x[xo + p + 5] * y[yo + p + 5];
      s6 += x[xo + p + 6] * y[yo + p + 6];
      s7 += x[xo + p + 7] * y[yo + p + 7];
    }
    for (; p < k; p++) s0 += x[xo + p] * y[yo + p];
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  }

  private static float dotStrided(float[] x, int xo, float[] y, int yo, int yStride, int k) {
    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int p = 0;
    for (; p + 4 <= k; p += 4) {
      s0 += x[xo + p] * y[yo + p * yStride];
      s1 += x[xo + p + 1] * y[yo + (p + 1) * yStride];
      s2 += x[xo + p + 2] * y[yo + (p + 2) * yStride];
      s3 += x[xo + p + 3] * y[yo + (p + 3) * yStride];
    }
    for (; p < k; p++) s0 += x[xo + p] * y[yo + p * yStride];
    return (s0 + s1) + (s2 + s3);
  }

  private static void blocked(Gemm g, float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff,
                              float[] res, int resOff, float[] c, int cOff) {
    int m = (int) g.m(), n = (int) g.n(), k = (int) g.k();
    int lda = (int) g.lda(), ldb = (int) g.ldb(), ldc = (int) g.ldc();
    float[] pack = g.transB() ? PACK.get() : null;
    for (int j0 = 0; j0 < n; j0 += NC) {
      int nc = Math.min(NC, n - j0);
      for (int p0 = 0; p0 < k; p0 += KC) {
        int kc = Math.min(KC, k - p0);
        // The B block as rows of length nc: packed (transposed) or read in place.
        float[] bb;
        int bBase, bStride;
        if (pack != null) {
          packTransposed(b, bOff + j0 * ldb + p0, ldb, kc, nc, pack);
          bb = pack;
          bBase = 0;
          bStride = nc;
        } else {
          bb = b;
          bBase = bOff + p0 * ldb + j0;
          bStride = ldb;
        }
        boolean first = p0 == 0, last = p0 + kc == k;
        for (int i = 0; i < m; i++) {
          int ci = cOff + i * ldc + j0;
          if (first) java.util.Arrays.fill(c, ci, ci + nc, 0f);
          rowUpdate(a, aOff + i * lda + p0, kc, bb, bBase, bStride, c, ci, nc);
          if (last) JavaEpilogue.apply(g, c, cOff, i, 1, j0, nc, bias, biasOff, res, resOff);
        }
      }
    }
  }

  /** c[ci..ci+nc) += sum over p < kc of a[ai+p] * B row p; four B rows per pass. */
  private static void rowUpdate(float[] a, int ai, int kc, float[] b, int bBase, int bStride,
                                float[] c, int ci, int nc) {
    int p = 0;
    for (; p + 4 <= kc; p += 4) {
      float a0 = a[ai + p], a1 = a[ai + p + 1], a2 = a[ai + p + 2], a3 = a[ai + p + 3];
      int r0 = bBase + p * bStride, r1 = r0 + bStride, r2 = r1 + bStride, r3 = r2 + bStride;
      for (int j = 0; j < nc; j++) {
        c[ci + j] += a0 * b[r0 + j] + a1 * b[r1 + j] + a2 * b[r2 + j] + a3 * b[r3 + j];
      }
    }
    for (; p < kc; p++) {
      float av = a[ai + p];
      int r = bBase + p * bStride;
      for (int j = 0; j < nc; j++) c[ci + j] += av * b[r + j];
    }
  }

  /** pack[p * nc + j] = B[j][p] for the N x K block starting at {@code src}. */
  private static void packTransposed(float[] b, int src, int ldb, int kc, int nc, float[] pack) {
    for (int j = 0; j < nc; j++) {
      int s = src + j * ldb;
      for (int p = 0; p < kc; p++) pack[p * nc + j] = b[s + p];
    }
  }
}
