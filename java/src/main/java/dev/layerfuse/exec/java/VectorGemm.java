package dev.layerfuse.exec.java;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.BiasMode;
import dev.layerfuse.exec.Gemm;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Java GEMM's block update written with the Vector API ({@code jdk.incubator.vector}): a
 * register tile of eight output rows by two vectors (16 accumulators held across the whole K
 * block; per K step two vector loads of the packed B panel, eight broadcasts of A, 16 FMAs), the
 * epilogue applied on the tile before it is stored. Loaded only when the module is in the boot
 * layer ({@link JavaGemm#VECTOR}); without it this class is never touched and the plain kernel
 * runs. Columns past the last whole vector take a scalar loop.
 */
final class VectorGemm {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int L = S.length();

  private VectorGemm() {}

  /** Vector lanes of the preferred species (16 with AVX-512, 8 with AVX2). */
  static int lanes() {
    return L;
  }

  /**
   * As {@code JavaGemm.rowBlock}: C[:, j0..j0+nc) (+)= A[:, p0..p0+kc) · rows[r0..r0+kc), the
   * epilogue after the last block, applied to each block of {@link #MC} rows while it is in L2. The
   * kernels always accumulate into C (a first block zeroes its tile first) and take no epilogue:
   * C2 (JDK 17) keeps vectors in registers only when every operation on them is inlined and no
   * vector value merges from two branches; a called epilogue or a zero-or-load choice boxed them
   * (10x slower).
   */
  static void rowBlock(Gemm g, float[] a, int aOff, float[][] rows, int r0, int p0, int kc, int j0, int nc,
                       float[] bias, int biasOff, float[] res, int resOff, float[] c, int cOff) {
    int m = (int) g.m(), lda = (int) g.lda(), ldc = (int) g.ldc();
    boolean first = p0 == 0, last = p0 + kc == (int) g.k();
    int two = nc - nc % (2 * L), one = nc - nc % L;
    for (int ib = 0; ib < m; ib += MC) {
      int ie = Math.min(m, ib + MC), full = ib + (ie - ib) / MR * MR;
      if (first) for (int i = ib; i < ie; i++) java.util.Arrays.fill(c, cOff + i * ldc + j0, cOff + i * ldc + j0 + nc, 0f);
      // Column tile outer, row bands inner: the tile's kc x 2L slice of B stays in L1 across the bands.
      for (int j = 0; j < two; j += 2 * L) {
        if (full > ib) {
          float[] panel = panel(kc);
          for (int p = 0; p < kc; p++) System.arraycopy(rows[r0 + p], j, panel, p * 2 * L, 2 * L);
          for (int i0 = ib; i0 < full; i0 += MR) {
            tile8x2(a, aOff + i0 * lda + p0, lda, panel, kc, j, c, cOff + i0 * ldc + j0, ldc);
          }
        }
        for (int i = full; i < ie; i++) tile1x2(a, aOff + i * lda + p0, rows, r0, kc, j, c, cOff + i * ldc + j0);
      }
      // The columns past the last two-vector tile (nc not a multiple of 2L: 196-pixel maps leave 4) on
      // the same register tile, through a zero-padded panel and a copy of the C tile: one scalar FMA
      // chain per column, or one vector chain, was most of a 14x14 1x1 conv's time (576 -> 96: 0.38 ms).
      if (nc > two && full > ib) {
        int rest = nc - two;
        float[] panel = panel(kc);
        for (int p = 0; p < kc; p++) {
          System.arraycopy(rows[r0 + p], two, panel, p * 2 * L, rest);
          java.util.Arrays.fill(panel, p * 2 * L + rest, (p + 1) * 2 * L, 0f);
        }
        for (int i0 = ib; i0 < full; i0 += MR) {
          tile8x2Partial(a, aOff + i0 * lda + p0, lda, panel, 0, kc, rest, c, cOff + i0 * ldc + j0 + two, ldc);
        }
      }
      for (int i = ib; i < ie; i++) {
        int cr = cOff + i * ldc + j0, ar = aOff + i * lda + p0;
        boolean tiled = i < full;  // its last columns went through the padded tile
        if (one > two && !tiled) tile1x1(a, ar, rows, r0, kc, two, c, cr);
        for (int j = tiled ? nc : one; j < nc; j++) {
          float sum = c[cr + j];
          for (int p = 0; p < kc; p++) sum = Math.fma(a[ar + p], rows[r0 + p][j], sum);
          c[cr + j] = sum;
        }
        if (last) epilogue(g, c, cr, nc, i, j0, bias, biasOff, res, resOff);
      }
    }
  }

  /** Columns of the register tile (2 vectors): the panel tile width of {@link JavaPacked.Blocks#panels}. */
  static int tileWidth() {
    return 2 * L;
  }

  /**
   * As {@link #rowBlock} with B a constant operand's panels ({@link JavaPacked.Blocks#panels}: the
   * block's kc rows as consecutive kc x 2L tiles, the last one zero-padded): nothing is copied per
   * call but the C tiles of a last partial column tile.
   */
  static void rowBlockPanels(Gemm g, float[] a, int aOff, float[] panels, int p0, int kc, int j0, int nc, float[] bias,
                             int biasOff, float[] res, int resOff, float[] c, int cOff) {
    int m = (int) g.m(), lda = (int) g.lda(), ldc = (int) g.ldc(), w2 = 2 * L;
    boolean first = p0 == 0, last = p0 + kc == (int) g.k();
    int tiles = (nc + w2 - 1) / w2;
    for (int ib = 0; ib < m; ib += MC) {
      int ie = Math.min(m, ib + MC), full = ib + (ie - ib) / MR * MR;
      if (first) for (int i = ib; i < ie; i++) java.util.Arrays.fill(c, cOff + i * ldc + j0, cOff + i * ldc + j0 + nc, 0f);
      for (int tj = 0; tj < tiles; tj++) {
        int j = tj * w2, po = tj * kc * w2, cols = Math.min(w2, nc - j);
        for (int i0 = ib; i0 < full; i0 += MR) {
          if (cols == w2) {
            tile8x2(a, aOff + i0 * lda + p0, lda, panels, po, kc, j, c, cOff + i0 * ldc + j0, ldc);
            continue;
          }
          tile8x2Partial(a, aOff + i0 * lda + p0, lda, panels, po, kc, cols, c, cOff + i0 * ldc + j0 + j, ldc);
        }
        for (int i = full; i < ie; i++) {
          int ci = cOff + i * ldc + j0 + j;
          if (cols == w2) {
            tile1x2(a, aOff + i * lda + p0, panels, po, kc, c, ci);
            continue;
          }
          float[] t = TAIL.get();
          System.arraycopy(c, ci, t, 0, cols);
          tile1x2(a, aOff + i * lda + p0, panels, po, kc, t, 0);
          System.arraycopy(t, 0, c, ci, cols);
        }
      }
      if (last) for (int i = ib; i < ie; i++) epilogue(g, c, cOff + i * ldc + j0, nc, i, j0, bias, biasOff, res, resOff);
    }
  }

  /** Rows of the register tile: 8 x 2 vectors, 16 accumulators (conv output channels come in multiples of 8). */
  private static final int MR = 8;

  /** Rows of A per pass over the column tiles: their K block (MC x 256 floats) stays in L2. */
  private static final int MC = 96; // a multiple of MR

  private static final ThreadLocal<float[][]> PANEL = ThreadLocal.withInitial(() -> new float[1][0]);

  /** This thread's copy of a tile's last columns (MR x 2L; the lanes past them stay zero in the product). */
  private static final ThreadLocal<float[]> TAIL = ThreadLocal.withInitial(() -> new float[MR * 2 * L]);

  /** This thread's panel buffer for kc x 2L floats. */
  private static float[] panel(int kc) {
    float[][] holder = PANEL.get();
    if (holder[0].length < kc * 2 * L) holder[0] = new float[Math.max(kc, 256) * 2 * L];
    return holder[0];
  }

  /**
   * Eight output rows x two vectors from a panel: the column tile's kc x 2L slice of B copied
   * contiguously, so the loads are linear in p (their range checks hoisted out of the loop, which
   * the per-row arrays of the block kept inside it).
   */
  private static void tile8x2(float[] a, int ai, int lda, float[] panel, int kc, int j, float[] c, int ci, int ldc) {
    tile8x2(a, ai, lda, panel, 0, kc, j, c, ci, ldc);
  }

  /** As above with the panel at {@code panel[po..]}. */
  private static void tile8x2(float[] a, int ai, int lda, float[] panel, int po, int kc, int j, float[] c, int ci, int ldc) {
    int jl = j + L;
    FloatVector c00 = FloatVector.fromArray(S, c, ci + j), c01 = FloatVector.fromArray(S, c, ci + jl);
    FloatVector c10 = FloatVector.fromArray(S, c, ci + ldc + j), c11 = FloatVector.fromArray(S, c, ci + ldc + jl);
    FloatVector c20 = FloatVector.fromArray(S, c, ci + 2 * ldc + j), c21 = FloatVector.fromArray(S, c, ci + 2 * ldc + jl);
    FloatVector c30 = FloatVector.fromArray(S, c, ci + 3 * ldc + j), c31 = FloatVector.fromArray(S, c, ci + 3 * ldc + jl);
    FloatVector c40 = FloatVector.fromArray(S, c, ci + 4 * ldc + j), c41 = FloatVector.fromArray(S, c, ci + 4 * ldc + jl);
    FloatVector c50 = FloatVector.fromArray(S, c, ci + 5 * ldc + j), c51 = FloatVector.fromArray(S, c, ci + 5 * ldc + jl);
    FloatVector c60 = FloatVector.fromArray(S, c, ci + 6 * ldc + j), c61 = FloatVector.fromArray(S, c, ci + 6 * ldc + jl);
    FloatVector c70 = FloatVector.fromArray(S, c, ci + 7 * ldc + j), c71 = FloatVector.fromArray(S, c, ci + 7 * ldc + jl);
    int a0 = ai, a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda, a6 = a5 + lda, a7 = a6 + lda;
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(S, panel, po + p * 2 * L), b1 = FloatVector.fromArray(S, panel, po + p * 2 * L + L);
      FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
      c00 = x.fma(b0, c00);
      c01 = x.fma(b1, c01);
      x = FloatVector.broadcast(S, a[a1 + p]);
      c10 = x.fma(b0, c10);
      c11 = x.fma(b1, c11);
      x = FloatVector.broadcast(S, a[a2 + p]);
      c20 = x.fma(b0, c20);
      c21 = x.fma(b1, c21);
      x = FloatVector.broadcast(S, a[a3 + p]);
      c30 = x.fma(b0, c30);
      c31 = x.fma(b1, c31);
      x = FloatVector.broadcast(S, a[a4 + p]);
      c40 = x.fma(b0, c40);
      c41 = x.fma(b1, c41);
      x = FloatVector.broadcast(S, a[a5 + p]);
      c50 = x.fma(b0, c50);
      c51 = x.fma(b1, c51);
      x = FloatVector.broadcast(S, a[a6 + p]);
      c60 = x.fma(b0, c60);
      c61 = x.fma(b1, c61);
      x = FloatVector.broadcast(S, a[a7 + p]);
      c70 = x.fma(b0, c70);
      c71 = x.fma(b1, c71);
    }
    c00.intoArray(c, ci + j);
    c01.intoArray(c, ci + jl);
    c10.intoArray(c, ci + ldc + j);
    c11.intoArray(c, ci + ldc + jl);
    c20.intoArray(c, ci + 2 * ldc + j);
    c21.intoArray(c, ci + 2 * ldc + jl);
    c30.intoArray(c, ci + 3 * ldc + j);
    c31.intoArray(c, ci + 3 * ldc + jl);
    c40.intoArray(c, ci + 4 * ldc + j);
    c41.intoArray(c, ci + 4 * ldc + jl);
    c50.intoArray(c, ci + 5 * ldc + j);
    c51.intoArray(c, ci + 5 * ldc + jl);
    c60.intoArray(c, ci + 6 * ldc + j);
    c61.intoArray(c, ci + 6 * ldc + jl);
    c70.intoArray(c, ci + 7 * ldc + j);
    c71.intoArray(c, ci + 7 * ldc + jl);
  }

  /**
   * The 8x2 tile for only the first {@code cols} (< 2L) columns of C at {@code c[ci..]}: through
   * this thread's copy of the C tile, the panel's columns past {@code cols} being zero.
   */
  private static void tile8x2Partial(float[] a, int ai, int lda, float[] panel, int po, int kc, int cols, float[] c, int ci,
                                     int ldc) {
    float[] t = TAIL.get();
    for (int r = 0; r < MR; r++) System.arraycopy(c, ci + r * ldc, t, r * 2 * L, cols);
    tile8x2(a, ai, lda, panel, po, kc, 0, t, 0, 2 * L);
    for (int r = 0; r < MR; r++) System.arraycopy(t, r * 2 * L, c, ci + r * ldc, cols);
  }

  /** One output row x two vectors from a panel at {@code panel[po..]}. */
  private static void tile1x2(float[] a, int ai, float[] panel, int po, int kc, float[] c, int ci) {
    FloatVector c0 = FloatVector.fromArray(S, c, ci), c1 = FloatVector.fromArray(S, c, ci + L);
    for (int p = 0; p < kc; p++) {
      FloatVector x = FloatVector.broadcast(S, a[ai + p]);
      c0 = x.fma(FloatVector.fromArray(S, panel, po + p * 2 * L), c0);
      c1 = x.fma(FloatVector.fromArray(S, panel, po + p * 2 * L + L), c1);
    }
    c0.intoArray(c, ci);
    c1.intoArray(c, ci + L);
  }

  private static void tile1x2(float[] a, int ai, float[][] rows, int r0, int kc, int j, float[] c, int ci) {
    int jl = j + L;
    FloatVector c0 = FloatVector.fromArray(S, c, ci + j), c1 = FloatVector.fromArray(S, c, ci + jl);
    for (int p = 0; p < kc; p++) {
      float[] b = rows[r0 + p];
      FloatVector x = FloatVector.broadcast(S, a[ai + p]);
      c0 = x.fma(FloatVector.fromArray(S, b, j), c0);
      c1 = x.fma(FloatVector.fromArray(S, b, jl), c1);
    }
    c0.intoArray(c, ci + j);
    c1.intoArray(c, ci + jl);
  }

  private static void tile1x1(float[] a, int ai, float[][] rows, int r0, int kc, int j, float[] c, int ci) {
    FloatVector c0 = FloatVector.fromArray(S, c, ci + j);
    for (int p = 0; p < kc; p++) {
      c0 = FloatVector.broadcast(S, a[ai + p]).fma(FloatVector.fromArray(S, rows[r0 + p], j), c0);
    }
    c0.intoArray(c, ci + j);
  }

  /**
   * dot(x[xo..xo+k), y[yo..yo+k)) with four vector accumulators: the batch-1 Linear streams each
   * weight row once, at memory bandwidth (C2 does not vectorise the scalar reduction).
   */
  static float dot(float[] x, int xo, float[] y, int yo, int k) {
    FloatVector s0 = FloatVector.zero(S), s1 = FloatVector.zero(S), s2 = FloatVector.zero(S), s3 = FloatVector.zero(S);
    int p = 0;
    for (; p + 4 * L <= k; p += 4 * L) {
      s0 = FloatVector.fromArray(S, x, xo + p).fma(FloatVector.fromArray(S, y, yo + p), s0);
      s1 = FloatVector.fromArray(S, x, xo + p + L).fma(FloatVector.fromArray(S, y, yo + p + L), s1);
      s2 = FloatVector.fromArray(S, x, xo + p + 2 * L).fma(FloatVector.fromArray(S, y, yo + p + 2 * L), s2);
      s3 = FloatVector.fromArray(S, x, xo + p + 3 * L).fma(FloatVector.fromArray(S, y, yo + p + 3 * L), s3);
    }
    for (; p + L <= k; p += L) s0 = FloatVector.fromArray(S, x, xo + p).fma(FloatVector.fromArray(S, y, yo + p), s0);
    float sum = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
    for (; p < k; p++) sum = Math.fma(x[xo + p], y[yo + p], sum);
    return sum;
  }

  /**
   * The epilogue of output row {@code row}, columns [j0, j0 + n), stored at {@code c[ci..)}: bias,
   * residual, then a clamp (ReLU, ReLU6) or leaky ReLU in vectors; other activations, and the
   * columns past the last whole vector, through {@link JavaEpilogue}.
   */
  private static void epilogue(Gemm g, float[] c, int ci, int n, int row, int j0, float[] bias, int biasOff,
                               float[] res, int resOff) {
    BiasMode mode = g.biasMode();
    Activation act = g.activation();
    Activation.Kind kind = act.kind();
    boolean residual = g.hasResidual();
    if (mode == BiasMode.NONE && !residual && kind == Activation.Kind.NONE) return;
    boolean vectorAct = kind == Activation.Kind.NONE || kind == Activation.Kind.CLAMP || kind == Activation.Kind.LEAKY_RELU;
    float rowBias = mode == BiasMode.PER_ROW ? bias[biasOff + row] : 0f;
    int rr = residual ? resOff + row * (int) g.ldr() + j0 : 0, bc = biasOff + j0;
    float lo = act.lo(), hi = act.hi(), alpha = act.alpha();
    int one = n - n % L;
    for (int j = 0; j < one; j += L) {
      FloatVector v = FloatVector.fromArray(S, c, ci + j).add(rowBias);
      if (mode == BiasMode.PER_COL) v = v.add(FloatVector.fromArray(S, bias, bc + j));
      if (residual) v = v.add(FloatVector.fromArray(S, res, rr + j));
      if (kind == Activation.Kind.CLAMP) v = v.max(lo).min(hi);
      if (kind == Activation.Kind.LEAKY_RELU) v = v.blend(v.mul(alpha), v.compare(VectorOperators.LT, 0f));
      v.intoArray(c, ci + j);
    }
    for (int j = one; j < n; j++) {
      float v = c[ci + j] + rowBias;
      if (mode == BiasMode.PER_COL) v += bias[bc + j];
      if (residual) v += res[rr + j];
      c[ci + j] = vectorAct ? act.apply(v) : v;
    }
    if (!vectorAct) JavaEpilogue.activate(act, c, ci, n);
  }
}
