package dev.layerfuse.exec.java;

import dev.layerfuse.exec.Gemm;

/**
 * A cache-blocked GEMM in plain Java. The inner kernel updates three output row segments from
 * three packed B rows with unit-stride fused multiply-adds, the form HotSpot's C2 vectorises
 * (see {@link #blocked}). B blocks of {@code KC x NC} are packed as separate rows (they stay in
 * L2). The epilogue runs on each output row segment right after its last K block, while it is
 * still in L1. Memory-bound shapes (one output row against B's rows, N = 1) take dot products.
 */
final class JavaGemm {
  private static final int KC = 256;
  private static final int NC = 512;

  private JavaGemm() {}

  /**
   * Whether the block update runs on {@link VectorGemm} (the Vector API): the
   * {@code jdk.incubator.vector} module is in the boot layer ({@code --add-modules
   * jdk.incubator.vector}), its preferred vectors hold at least 8 floats, and the system property
   * {@code layerfuse.java.vector} is not {@code false}. Otherwise the plain kernel runs, silently.
   */
  static final boolean VECTOR = vectorProbe();

  private static boolean vectorProbe() {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
    if ("false".equalsIgnoreCase(System.getProperty("layerfuse.java.vector"))) return false;
    try {
      return VectorGemm.lanes() >= 8;
    } catch (LinkageError | RuntimeException e) {
      return false;
    }
  }

  /**
   * As {@link #gemm(Gemm, float[], int, float[], int, float[], int, float[], int, float[], int)},
   * told whether B is constant (a session's frozen weight): a constant B is used through a cached
   * repacked copy ({@link JavaPacked}), which skips the per-call packing and turns the batch-1
   * product into a vectorised stream over the weight.
   */
  static void gemm(Gemm g, float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff,
                   float[] res, int resOff, float[] c, int cOff, boolean constB) {
    int m = (int) g.m(), n = (int) g.n(), k = (int) g.k();
    if (m == 0 || n == 0) return;
    // With the Vector API a batch-1..3 Linear takes vector dot products over the weight rows as
    // stored (one sequential stream per row) instead of the repacked copy.
    boolean vectorDots = VECTOR && g.transB() && m < 4;
    if (k > 0 && constB && (long) n * k >= 4096 && !vectorDots) {
      packedB(g, a, aOff, b, bOff, bias, biasOff, res, resOff, c, cOff);
    } else {
      gemm(g, a, aOff, b, bOff, bias, biasOff, res, resOff, c, cOff);
    }
  }

  /**
   * Block width of a packed operand's vector dimension, 64 to 512 wide: one block on one thread,
   * four per thread on more, claimed one at a time, so a thread on a busier (SMT-shared) core takes
   * fewer. With the panel form a narrow block costs nothing extra; ResNet-18's Java run at two
   * threads, against one block per thread: 22.7-24.5 vs 27.5-28.3 ms (two rounds in one session).
   */
  private static int widthFor(int dim) {
    int t = dev.layerfuse.exec.Parallel.threads();
    int parts = t == 1 ? 1 : 4 * t;
    int w = (dim + parts - 1) / parts;
    w = (w + 15) / 16 * 16;
    return Math.max(64, Math.min(NC, w));
  }

  /** C = A · op(B) with op(B) packed once (a constant B); the column blocks are split over threads. */
  private static void packedB(Gemm g, float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff,
                              float[] res, int resOff, float[] c, int cOff) {
    int n = (int) g.n(), k = (int) g.k();
    JavaPacked.Blocks packed = JavaPacked.of(b, bOff, n, k, (int) g.ldb(), g.transB(), widthFor(n));
    if (VECTOR && g.m() >= 8) {  // the register tile, from the panel form
      float[][][] panels = packed.panels(KC, VectorGemm.tileWidth());
      dev.layerfuse.exec.Parallel.forEach(packed.count(), blk -> {
        int j0 = packed.start(blk);
        for (int p0 = 0, kb = 0; p0 < k; p0 += KC, kb++) {
          VectorGemm.rowBlockPanels(g, a, aOff, panels[blk][kb], p0, Math.min(KC, k - p0), j0, packed.width(blk, n), bias,
              biasOff, res, resOff, c, cOff);
        }
      });
      return;
    }
    float[][][] all = packed.rows();
    dev.layerfuse.exec.Parallel.forEach(packed.count(), blk -> {
      int j0 = packed.start(blk);
      float[][] rows = all[blk];
      for (int p0 = 0; p0 < k; p0 += KC) {
        rowBlock(g, a, aOff, rows, p0, p0, Math.min(KC, k - p0), j0, packed.width(blk, n), bias, biasOff, res, resOff, c,
            cOff);
      }
    });
  }

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
        c[cOff + i * ldc + j] = bStride != 1 ? dotStrided(a, ai, b, bj, bStride, k)
            : VECTOR ? VectorGemm.dot(a, ai, b, bj, k) : dot(a, ai, b, bj, k);
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

  /** Per-thread packing space: a B block as KC separate rows (each indexed from 0) and three output row accumulators. */
  private static final class Scratch {
    final float[][] rows = new float[KC][NC];
    final float[][] acc = new float[3][NC];
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /**
   * The blocked product. C2 (JDK 17) vectorises a loop only while every float array in it has
   * the same alignment relative to the loop variable (so: all indexed from 0; an invariant offset
   * such as {@code c[ci + j]} keeps it scalar, ~10x slower) and while the loop reads at most about
   * seven arrays (eight B rows and one output row stayed scalar). So each KC x NC block of B is
   * copied into KC separate row arrays, three output rows are accumulated in three row arrays, and
   * the kernel {@link #k3x3} updates those three rows from three B rows: nine multiply-adds per
   * six loads and three stores, which C2 turns into 512-bit FMAs (checked with PrintAssembly).
   * Per three rows of A the B block (KC x NC = 512 KB) streams from L2 once.
   */
  private static void blocked(Gemm g, float[] a, int aOff, float[] b, int bOff, float[] bias, int biasOff,
                              float[] res, int resOff, float[] c, int cOff, int js, int je) {
    int k = (int) g.k(), ldb = (int) g.ldb();
    float[][] rows = SCRATCH.get().rows;
    for (int j0 = js; j0 < je; j0 += NC) {
      int nc = Math.min(NC, je - j0);
      for (int p0 = 0; p0 < k; p0 += KC) {
        int kc = Math.min(KC, k - p0);
        if (g.transB()) {
          packTransposed(b, bOff + j0 * ldb + p0, ldb, kc, nc, rows);
        } else {
          for (int p = 0; p < kc; p++) System.arraycopy(b, bOff + (p0 + p) * ldb + j0, rows[p], 0, nc);
        }
        rowBlock(g, a, aOff, rows, 0, p0, kc, j0, nc, bias, biasOff, res, resOff, c, cOff);
      }
    }
  }

  /**
   * Adds the product of A's columns [p0, p0 + kc) and the packed B rows {@code rows[r0..r0 + kc)}
   * to output columns [j0, j0 + nc), three output rows at a time; starts from zero when p0 is 0
   * and applies the epilogue after the last K block.
   */
  private static void rowBlock(Gemm g, float[] a, int aOff, float[][] rows, int r0, int p0, int kc, int j0, int nc,
                               float[] bias, int biasOff, float[] res, int resOff, float[] c, int cOff) {
    // Fewer than eight rows (batch-1..7 Linears): the plain kernel streams each B row once, the
    // memory-bound order; the vector tiles would walk the rows 2L floats at a time (2x slower).
    if (VECTOR && g.m() >= 8) {
      VectorGemm.rowBlock(g, a, aOff, rows, r0, p0, kc, j0, nc, bias, biasOff, res, resOff, c, cOff);
      return;
    }
    int m = (int) g.m(), k = (int) g.k(), lda = (int) g.lda(), ldc = (int) g.ldc();
    float[][] acc = SCRATCH.get().acc;
    boolean first = p0 == 0, last = p0 + kc == k;
    for (int i0 = 0; i0 < m; i0 += 3) {
      int mr = Math.min(3, m - i0);
      for (int r = 0; r < mr; r++) {
        if (first) java.util.Arrays.fill(acc[r], 0, nc, 0f);
        else System.arraycopy(c, cOff + (i0 + r) * ldc + j0, acc[r], 0, nc);
      }
      int ai = aOff + i0 * lda + p0;
      if (mr == 3) rows3(a, ai, lda, kc, rows, r0, acc[0], acc[1], acc[2], nc);
      else for (int r = 0; r < mr; r++) rowUpdate(a, ai + r * lda, kc, rows, r0, acc[r], nc);
      for (int r = 0; r < mr; r++) {
        if (last) JavaEpilogue.applyRow(g, acc[r], nc, i0 + r, j0, bias, biasOff, res, resOff);
        System.arraycopy(acc[r], 0, c, cOff + (i0 + r) * ldc + j0, nc);
      }
    }
  }

  /** Three output rows: acc_r[0..nc) += sum over p < kc of A[r][p] * rows[p], three B rows per pass. */
  private static void rows3(float[] a, int ai, int lda, int kc, float[][] rows, int r0, float[] c0, float[] c1,
                            float[] c2, int nc) {
    int a0 = ai, a1 = ai + lda, a2 = ai + 2 * lda;
    int p = 0;
    for (; p + 3 <= kc; p += 3) {
      int r = r0 + p;
      k3x3(c0, c1, c2, rows[r], rows[r + 1], rows[r + 2], a[a0 + p], a[a0 + p + 1], a[a0 + p + 2], a[a1 + p],
          a[a1 + p + 1], a[a1 + p + 2], a[a2 + p], a[a2 + p + 1], a[a2 + p + 2], nc);
    }
    for (; p < kc; p++) k3x1(c0, c1, c2, rows[r0 + p], a[a0 + p], a[a1 + p], a[a2 + p], nc);
  }

  /** One output row: acc[0..nc) += sum over p < kc of a[ai+p] * rows[p], three B rows per pass. */
  private static void rowUpdate(float[] a, int ai, int kc, float[][] rows, int r0, float[] acc, int nc) {
    int p = 0;
    for (; p + 3 <= kc; p += 3) {
      int r = r0 + p;
      k1x3(acc, a[ai + p], a[ai + p + 1], a[ai + p + 2], rows[r], rows[r + 1], rows[r + 2], nc);
    }
    for (; p < kc; p++) k1x1(acc, a[ai + p], rows[r0 + p], nc);
  }

  // The kernels take their arrays as parameters and index them from 0: the shape C2 vectorises.
  private static void k3x3(float[] c0, float[] c1, float[] c2, float[] b0, float[] b1, float[] b2, float a00, float a01,
                           float a02, float a10, float a11, float a12, float a20, float a21, float a22, int n) {
    for (int j = 0; j < n; j++) {
      float x0 = b0[j], x1 = b1[j], x2 = b2[j];
      c0[j] = Math.fma(a02, x2, Math.fma(a01, x1, Math.fma(a00, x0, c0[j])));
      c1[j] = Math.fma(a12, x2, Math.fma(a11, x1, Math.fma(a10, x0, c1[j])));
      c2[j] = Math.fma(a22, x2, Math.fma(a21, x1, Math.fma(a20, x0, c2[j])));
    }
  }

  private static void k3x1(float[] c0, float[] c1, float[] c2, float[] b0, float a0, float a1, float a2, int n) {
    for (int j = 0; j < n; j++) {
      float x0 = b0[j];
      c0[j] = Math.fma(a0, x0, c0[j]);
      c1[j] = Math.fma(a1, x0, c1[j]);
      c2[j] = Math.fma(a2, x0, c2[j]);
    }
  }

  private static void k1x3(float[] c, float x0, float x1, float x2, float[] b0, float[] b1, float[] b2, int n) {
    for (int j = 0; j < n; j++) c[j] = Math.fma(x2, b2[j], Math.fma(x1, b1[j], Math.fma(x0, b0[j], c[j])));
  }

  private static void k1x1(float[] c, float x, float[] b, int n) {
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
