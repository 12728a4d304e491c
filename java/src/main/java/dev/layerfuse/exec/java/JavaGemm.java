package dev.layerfuse.exec.java;

import dev.layerfuse.exec.Gemm;

/**
 * A cache-blocked GEMM in plain Java. The inner loop is a unit-stride fused multiply-add over
 * an output row segment held in its own array, the form HotSpot's C2 vectorises; K is consumed
 * four rows of B at a time so each pass over the segment does four multiply-adds per element.
 * B blocks of {@code KC x NC} are packed as separate rows (they stay in L2). The epilogue runs on
 * each output row segment right after its last K block, while it is still in L1.
 */
final class JavaGemm {
  private static final int KC = 256;
  private static final int NC = 512;

  private JavaGemm() {}

  static void gemm(Gemm g, float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff,
                   float[] res, int resOff, float[] c, int cOff) {
    int m = (int) g.m(), n = (int) g.n(), k = (int) g.k();
    if (m == 0 || n == 0) return;
    int threads = dev.layerfuse.exec.Parallel.threads();
    double flops = 2.0 * m * n * k;
    if (threads == 1 || flops < 1 << 20 || n < 2 * COL_GRAIN) {
      columns(g, a, aOff, b, bOff, bias, biasOff, res, resOff, c, cOff, 0, n);
      return;
    }
    // Split the output columns: each part packs its own B columns, nothing is shared but A.
    int grain = g.transB() && m < 4 ? COL_GRAIN : NC / 2;
    int parts = Math.max(1, Math.min(threads * 4, (n + grain - 1) / grain));
    int width = (n + parts - 1) / parts;
    width = (width + COL_GRAIN - 1) / COL_GRAIN * COL_GRAIN;
    int w = width, count = (n + w - 1) / w;
    dev.layerfuse.exec.Parallel.forEach(count, part -> {
      int j0 = part * w, j1 = Math.min(n, j0 + w);
      columns(g, a, aOff, b, bOff, bias, biasOff, res, resOff, c, cOff, j0, j1);
    });
  }

  private static final int COL_GRAIN = 64;

  /** Output columns [j0, j1) of the product, epilogue included. */
  private static void columns(Gemm g, float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff,
                              float[] res, int resOff, float[] c, int cOff, int j0, int j1) {
    int m = (int) g.m(), k = (int) g.k();
    int ldc = (int) g.ldc();
    if (k == 0) {
      for (int i = 0; i < m; i++) java.util.Arrays.fill(c, cOff + i * ldc + j0, cOff + i * ldc + j1, 0f);
    } else if (g.transB() && m < 4) {
      dotRows(g, a, aOff, b, bOff, c, cOff, 1, j0, j1);
    } else if (!g.transB() && g.n() == 1) {
      dotRows(g, a, aOff, b, bOff, c, cOff, (int) g.ldb(), j0, j1);
    } else {
      blocked(g, a, aOff, b, bOff, bias, biasOff, res, resOff, c, cOff, j0, j1);
      return;
    }
    JavaEpilogue.apply(g, c, cOff, 0, m, j0, j1 - j0, bias, biasOff, res, resOff);
  }

  /**
   * C[i][j] = dot(A row i, B vector j) for the memory-bound shapes (batch-1 Linear, N = 1):
   * every weight is read once. With transB, vector j is B's row j (stride 1); otherwise B has
   * one column read with stride {@code bStride}.
   */
  private static void dotRows(Gemm g, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int bStride,
                              int j0, int j1) {
    int m = (int) g.m(), k = (int) g.k();
    int lda = (int) g.lda(), ldb = (int) g.ldb(), ldc = (int) g.ldc();
    for (int i = 0; i < m; i++) {
      int ai = aOff + i * lda;
      for (int j = j0; j < j1; j++) {
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

  /** Per-thread packing space: a B block as KC separate rows (each indexed from 0) and one output row accumulator. */
  private static final class Scratch {
    final float[][] rows = new float[KC][NC];
    final float[] acc = new float[NC];
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /**
   * The blocked product. C2 (JDK 17) vectorises a multiply-add loop only when every array in it
   * is indexed from 0 by the loop variable (an invariant offset such as {@code c[ci + j]} stops
   * it, measured at ~10x), so each KC x NC block of B is copied into KC separate row arrays and
   * each output row segment is accumulated in a separate array; the inner kernel then consumes
   * four B rows per pass with fused multiply-adds.
   */
  private static void blocked(Gemm g, float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff,
                              float[] res, int resOff, float[] c, int cOff, int js, int je) {
    int m = (int) g.m(), n = je, k = (int) g.k();
    int lda = (int) g.lda(), ldb = (int) g.ldb(), ldc = (int) g.ldc();
    Scratch s = SCRATCH.get();
    float[][] rows = s.rows;
    float[] acc = s.acc;
    for (int j0 = js; j0 < n; j0 += NC) {
      int nc = Math.min(NC, n - j0);
      for (int p0 = 0; p0 < k; p0 += KC) {
        int kc = Math.min(KC, k - p0);
        if (g.transB()) {
          packTransposed(b, bOff + j0 * ldb + p0, ldb, kc, nc, rows);
        } else {
          for (int p = 0; p < kc; p++) System.arraycopy(b, bOff + (p0 + p) * ldb + j0, rows[p], 0, nc);
        }
        boolean first = p0 == 0, last = p0 + kc == k;
        for (int i = 0; i < m; i++) {
          int ci = cOff + i * ldc + j0;
          if (first) java.util.Arrays.fill(acc, 0, nc, 0f);
          else System.arraycopy(c, ci, acc, 0, nc);
          rowUpdate(a, aOff + i * lda + p0, kc, rows, acc, nc);
          if (last) JavaEpilogue.applyRow(g, acc, nc, i, j0, bias, biasOff, res, resOff);
          System.arraycopy(acc, 0, c, ci, nc);
        }
      }
    }
  }

  /** acc[0..nc) += sum over p < kc of a[ai+p] * rows[p]; four rows per pass. */
  private static void rowUpdate(float[] a, int ai, int kc, float[][] rows, float[] acc, int nc) {
    int p = 0;
    for (; p + 8 <= kc; p += 8) {
      fma8(acc, a, ai + p, rows[p], rows[p + 1], rows[p + 2], rows[p + 3], rows[p + 4], rows[p + 5], rows[p + 6], rows[p + 7], nc);
    }
    for (; p + 6 <= kc; p += 6) {
      fma6(acc, a[ai + p], a[ai + p + 1], a[ai + p + 2], a[ai + p + 3], a[ai + p + 4], a[ai + p + 5], rows[p], rows[p + 1],
          rows[p + 2], rows[p + 3], rows[p + 4], rows[p + 5], nc);
    }
    for (; p + 4 <= kc; p += 4) {
      fma4(acc, a[ai + p], a[ai + p + 1], a[ai + p + 2], a[ai + p + 3], rows[p], rows[p + 1], rows[p + 2], rows[p + 3], nc);
    }
    for (; p < kc; p++) fma1(acc, a[ai + p], rows[p], nc);
  }

  // The kernels take their arrays as parameters and index them from 0: the shape C2 vectorises.
  private static void fma4(float[] c, float x0, float x1, float x2, float x3, float[] b0, float[] b1, float[] b2,
                           float[] b3, int n) {
    for (int j = 0; j < n; j++) c[j] = Math.fma(x3, b3[j], Math.fma(x2, b2[j], Math.fma(x1, b1[j], Math.fma(x0, b0[j], c[j]))));
  }

  private static void fma6(float[] c, float x0, float x1, float x2, float x3, float x4, float x5, float[] b0, float[] b1,
                           float[] b2, float[] b3, float[] b4, float[] b5, int n) {
    for (int j = 0; j < n; j++) {
      c[j] += (Math.fma(x1, b1[j], x0 * b0[j]) + Math.fma(x3, b3[j], x2 * b2[j])) + Math.fma(x5, b5[j], x4 * b4[j]);
    }
  }

  private static void fma8(float[] c, float[] a, int ao, float[] b0, float[] b1, float[] b2, float[] b3, float[] b4,
                           float[] b5, float[] b6, float[] b7, int n) {
    float x0 = a[ao], x1 = a[ao + 1], x2 = a[ao + 2], x3 = a[ao + 3], x4 = a[ao + 4], x5 = a[ao + 5], x6 = a[ao + 6], x7 = a[ao + 7];
    for (int j = 0; j < n; j++) {
      c[j] += (Math.fma(x1, b1[j], x0 * b0[j]) + Math.fma(x3, b3[j], x2 * b2[j]))
          + (Math.fma(x5, b5[j], x4 * b4[j]) + Math.fma(x7, b7[j], x6 * b6[j]));
    }
  }

  private static void fma1(float[] c, float x, float[] b, int n) {
    for (int j = 0; j < n; j++) c[j] = Math.fma(x, b[j], c[j]);
  }

  /** rows[p][j] = B[j][p] for the N x K block starting at {@code src}. */
  private static void packTransposed(float[] b, int src, int ldb, int kc, int nc, float[][] rows) {
    for (int j = 0; j < nc; j++) {
      int s = src + j * ldb;
      for (int p = 0; p < kc; p++) rows[p][j] = b[s + p];
    }
  }
}
