package dev.layerfuse.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.tensor.Difference;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** GEMM + epilogue on every kernel variant against a double-precision reference (1e-5 relative). */
class GemmKernelTest {
  private static final double TOL = 1e-5;

  static Stream<Arguments> shapes() {
    long[][] mnk = {
        {1, 1, 1}, {1, 4096, 64}, {4096, 1, 33}, {1, 1000, 4096}, {7, 13, 19}, {3, 2, 5000},
        {64, 3136 / 4, 576 / 4}, {33, 129, 65}, {8, 4096, 9}, {5, 3, 0}, {0, 4, 4}};
    List<Arguments> out = new ArrayList<>();
    KernelVariants.names().forEach(v -> {
      for (long[] s : mnk) for (boolean t : new boolean[] {false, true}) out.add(Arguments.of(v, s[0], s[1], s[2], t));
    });
    return out.stream();
  }

  static Stream<Arguments> activations() {
    Activation[] acts = {Activation.none(), Activation.relu(), Activation.relu6(), Activation.clamp(-0.5f, 0.25f),
        Activation.leakyRelu(0.1f), Activation.sigmoid(), Activation.tanh(), Activation.hardSwish(), Activation.silu(),
        Activation.elu(0.7f), Activation.selu(1.67f, 1.05f), Activation.softplus(), Activation.of(Activation.Kind.EXP),
        Activation.of(Activation.Kind.ABS), Activation.of(Activation.Kind.NEG), Activation.pow(2f)};
    List<Arguments> out = new ArrayList<>();
    KernelVariants.names().forEach(v -> {
      for (Activation a : acts) for (BiasMode b : BiasMode.values()) out.add(Arguments.of(v, a, b));
    });
    return out.stream();
  }

  @ParameterizedTest(name = "{0} m={1} n={2} k={3} transB={4}")
  @MethodSource("shapes")
  void matchesReferenceOnAwkwardShapes(String variant, long m, long n, long k, boolean transB) {
    Kernels kernels = KernelVariants.get(variant);
    Gemm g = Gemm.of(m, n, k).transB(transB).bias(BiasMode.PER_COL).activation(Activation.relu()).build();
    check(kernels, g, 11);
  }

  @ParameterizedTest(name = "{0} act={1} bias={2}")
  @MethodSource("activations")
  void everyActivationAndBiasMode(String variant, Activation act, BiasMode bias) {
    Kernels kernels = KernelVariants.get(variant);
    for (boolean residual : new boolean[] {false, true}) {
      check(kernels, Gemm.of(9, 70, 31).transB(true).bias(bias).residual(residual).activation(act).build(), 3);
      check(kernels, Gemm.of(17, 300, 40).bias(bias).residual(residual).activation(act).build(), 4);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.layerfuse.exec.KernelVariants#names")
  void stridedOperandsAndOffsetsLeavePaddingAlone(String variant) {
    Kernels kernels = KernelVariants.get(variant);
    Gemm g = Gemm.of(6, 10, 7).lda(9).ldb(13).ldc(15).ldr(11).residual(true)
        .bias(BiasMode.PER_ROW).activation(Activation.leakyRelu(0.2f)).build();
    check(kernels, g, 5);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.layerfuse.exec.KernelVariants#names")
  void batchOfLinearRowsEqualsRowByRow(String variant) {
    // Batch > 1 must give each row what batch 1 gives it (the GEMV and GEMM paths agree).
    Kernels kernels = KernelVariants.get(variant);
    int batch = 5, in = 300, out = 70;
    Gemm whole = Gemm.of(batch, out, in).transB(true).bias(BiasMode.PER_COL).activation(Activation.relu()).build();
    Gemm one = Gemm.of(1, out, in).transB(true).bias(BiasMode.PER_COL).activation(Activation.relu()).build();
    SplittableRandom rng = new SplittableRandom(9);
    float[] x = random(rng, batch * in), w = random(rng, out * in), b = random(rng, out);
    try (FloatBuf xb = kernels.allocate(x.length); FloatBuf wb = kernels.allocate(w.length);
         FloatBuf bb = kernels.allocate(out); FloatBuf yb = kernels.allocate(batch * out);
         FloatBuf y1 = kernels.allocate(out)) {
      xb.put(0, x);
      wb.put(0, w);
      bb.put(0, b);
      kernels.gemm(whole, xb, 0, wb, 0, bb, 0, null, 0, yb, 0);
      float[] all = new float[batch * out];
      yb.get(0, all);
      for (int r = 0; r < batch; r++) {
        kernels.gemm(one, xb, (long) r * in, wb, 0, bb, 0, null, 0, y1, 0);
        float[] row = new float[out];
        y1.get(0, row);
        float[] fromBatch = new float[out];
        System.arraycopy(all, r * out, fromBatch, 0, out);
        assertTrue(Difference.of(row, fromBatch).within(TOL), "row " + r + ": " + Difference.of(row, fromBatch));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.layerfuse.exec.KernelVariants#names")
  void separateEpiloguePassEqualsFusedEpilogue(String variant) {
    Kernels kernels = KernelVariants.get(variant);
    Gemm fused = Gemm.of(12, 90, 33).bias(BiasMode.PER_ROW).residual(true).activation(Activation.relu6()).build();
    Gemm plain = Gemm.of(12, 90, 33).build();
    SplittableRandom rng = new SplittableRandom(5);
    float[] a = random(rng, (int) fused.aSize()), b = random(rng, (int) fused.bSize());
    float[] bias = random(rng, 12), res = random(rng, (int) fused.cSize());
    try (FloatBuf ab = kernels.allocate(a.length); FloatBuf bb = kernels.allocate(b.length);
         FloatBuf biasB = kernels.allocate(12); FloatBuf rb = kernels.allocate(res.length);
         FloatBuf c1 = kernels.allocate(fused.cSize()); FloatBuf c2 = kernels.allocate(fused.cSize())) {
      ab.put(0, a);
      bb.put(0, b);
      biasB.put(0, bias);
      rb.put(0, res);
      kernels.gemm(fused, ab, 0, bb, 0, biasB, 0, rb, 0, c1, 0);
      kernels.gemm(plain, ab, 0, bb, 0, null, 0, null, 0, c2, 0);
      kernels.biasActivation(fused, biasB, 0, rb, 0, c2, 0);
      float[] x = new float[(int) fused.cSize()], y = new float[x.length];
      c1.get(0, x);
      c2.get(0, y);
      assertArrayEquals(x, y, 1e-6f);
    }
  }

  /** Fills operands at non-zero offsets, runs the kernel, compares with the reference. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.layerfuse.exec.KernelVariants#names")
  void packedLinearMatchesReference(String variant) {
    // The prepacked-weight Linear (native AVX-512; other variants run the plain GEMM): column counts
    // with a partial last 16-block, row counts across tile widths, split over 2 threads by column blocks.
    Kernels kernels = KernelVariants.get(variant);
    long[][] mnk = {{9, 70, 32}, {32, 1000, 4096}, {13, 16, 16}, {128, 33, 48}, {20, 4096, 64}};
    for (long[] s : mnk) {
      for (int threads : new int[] {1, 2}) {
        Gemm g = Gemm.of(s[0], s[1], s[2]).transB(true).bias(BiasMode.PER_COL).residual(threads == 2)
            .activation(threads == 2 ? Activation.leakyRelu(0.1f) : Activation.relu()).build();
        check(kernels, g, 21, threads);
      }
    }
    Gemm odd = Gemm.of(9, 70, 33).transB(true).build();
    assertTrue(!Kernels.linearPackedApplies(odd) && !Kernels.linearPackedApplies(Gemm.of(9, 70, 32).build()));
    try (FloatBuf buf = kernels.allocate(1 << 16)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> kernels.gemmPacked(odd, buf, 0, buf, 0,
          Slice.of(buf), null, 0, null, 0, buf, 0, Slice.of(buf)));
      assertTrue(e.getMessage().contains("not eligible for packed weights"), e.getMessage());
      Gemm ok = Gemm.of(9, 70, 32).transB(true).build();
      assertThrows(IndexOutOfBoundsException.class, () -> kernels.gemmPacked(ok, buf, 0, buf, 0,
          new Slice(buf, 0, Kernels.linearPackedFloats(70, 32) - 1), null, 0, null, 0, buf, 0, Slice.of(buf)));
      assertThrows(IndexOutOfBoundsException.class, () -> kernels.gemmPacked(ok, buf, 0, buf, 0, Slice.of(buf), null, 0,
          null, 0, buf, 0, new Slice(buf, 0, Kernels.linearPackedScratch(ok, 1) - 1)));
    }
  }

  static void check(Kernels kernels, Gemm g, long seed) {
    check(kernels, g, seed, 0);
  }

  /** {@code packedThreads} > 0: through {@link Kernels#gemmPacked} on that many threads (B must be [n][k]). */
  static void check(Kernels kernels, Gemm g, long seed, int packedThreads) {
    SplittableRandom rng = new SplittableRandom(seed + g.m() * 31 + g.n() * 7 + g.k());
    int off = 3;
    float[] a = random(rng, (int) g.aSize()), b = random(rng, (int) g.bSize());
    float[] bias = random(rng, (int) g.biasSize()), res = random(rng, (int) g.residualSize());
    float sentinel = 1234.5f;
    try (FloatBuf ab = kernels.allocate(a.length + off); FloatBuf bb = kernels.allocate(b.length + off);
         FloatBuf biasB = kernels.allocate(bias.length + off); FloatBuf rb = kernels.allocate(res.length + off);
         FloatBuf cb = kernels.allocate(g.cSize() + off + 2)) {
      ab.put(off, a);
      bb.put(off, b);
      biasB.put(off, bias);
      rb.put(off, res);
      float[] before = new float[(int) cb.size()];
      java.util.Arrays.fill(before, sentinel);
      cb.put(0, before);
      if (packedThreads == 0) {
        kernels.gemm(g, ab, off, bb, off, g.biasMode() == BiasMode.NONE ? null : biasB, off,
            g.hasResidual() ? rb : null, off, cb, off);
      } else {
        float[] packed = Kernels.packLinearWeights(dev.layerfuse.tensor.Tensor.wrap(dev.layerfuse.tensor.Shape.of(g.n(), g.k()), b));
        try (FloatBuf pb = kernels.allocate(packed.length); FloatBuf sb = kernels.allocate(Kernels.linearPackedScratch(g, packedThreads))) {
          pb.put(0, packed);
          Parallel.acquire(packedThreads);
          try {
            Parallel.withThreads(packedThreads, () -> kernels.gemmPacked(g, ab, off, bb, off, Slice.of(pb),
                g.biasMode() == BiasMode.NONE ? null : biasB, off, g.hasResidual() ? rb : null, off, cb, off, Slice.of(sb)));
          } finally {
            Parallel.release(packedThreads);
          }
        }
      }
      float[] after = new float[(int) cb.size()];
      cb.get(0, after);

      double[] ref = new double[(int) (g.m() * g.n())];
      float[] got = new float[ref.length];
      for (long i = 0; i < g.m(); i++) {
        for (long j = 0; j < g.n(); j++) {
          double s = 0;
          for (long p = 0; p < g.k(); p++) {
            double bv = g.transB() ? b[(int) (j * g.ldb() + p)] : b[(int) (p * g.ldb() + j)];
            s += a[(int) (i * g.lda() + p)] * bv;
          }
          if (g.biasMode() == BiasMode.PER_ROW) s += bias[(int) i];
          if (g.biasMode() == BiasMode.PER_COL) s += bias[(int) j];
          if (g.hasResidual()) s += res[(int) (i * g.ldr() + j)];
          ref[(int) (i * g.n() + j)] = referenceActivation(g.activation(), s);
          got[(int) (i * g.n() + j)] = after[(int) (off + i * g.ldc() + j)];
        }
      }
      Difference d = Difference.of(ref, got);
      assertTrue(d.within(TOL), kernels.describe() + " " + g + ": " + d);
      // Nothing outside C's rows x columns is written: not before it, not in the ldc padding.
      for (int idx = 0; idx < after.length; idx++) {
        long rel = idx - off;
        boolean inside = rel >= 0 && rel < g.cSize() && rel % g.ldc() < g.n();
        if (!inside) assertEquals(sentinel, after[idx], "element " + idx + " outside C was written");
      }
    }
  }

  static double referenceActivation(Activation a, double v) {
    switch (a.kind()) {
      case CLAMP: return Math.min(Math.max(v, a.lo()), a.hi());
      case LEAKY_RELU: return v < 0 ? v * a.alpha() : v;
      case SIGMOID: return 1 / (1 + Math.exp(-v));
      case TANH: return Math.tanh(v);
      case HARDSWISH: return v * Math.min(Math.max(v + 3, 0), 6) / 6;
      case SILU: return v / (1 + Math.exp(-v));
      case ELU: return v < 0 ? a.alpha() * (Math.exp(v) - 1) : v;
      case SELU: return a.hi() * (v > 0 ? v : a.alpha() * (Math.exp(v) - 1));
      case SOFTPLUS: return Math.log(1 + Math.exp(v));
      case EXP: return Math.exp(v);
      case LOG: return Math.log(v);
      case SQRT: return Math.sqrt(v);
      case ABS: return Math.abs(v);
      case NEG: return -v;
      case RECIPROCAL: return 1 / v;
      case POW: return Math.pow(v, a.alpha());
      case NONE: return v;
      default: throw new AssertionError("no reference for " + a);
    }
  }

  static float[] random(SplittableRandom rng, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) (rng.nextDouble() * 2 - 1);
    return v;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.layerfuse.exec.KernelVariants#names")
  void rejectsBadBuffersBeforeCallingTheKernel(String variant) {
    Kernels kernels = KernelVariants.get(variant);
    Gemm g = Gemm.of(4, 5, 6).bias(BiasMode.PER_COL).build();
    try (FloatBuf a = kernels.allocate(24); FloatBuf b = kernels.allocate(30); FloatBuf bias = kernels.allocate(5);
         FloatBuf c = kernels.allocate(20); FloatBuf small = kernels.allocate(19)) {
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
          () -> kernels.gemm(g, a, 0, b, 0, bias, 0, null, 0, small, 0));
      assertTrue(e.getMessage().contains("C") && e.getMessage().contains("19"), e.getMessage());
      assertThrows(IndexOutOfBoundsException.class, () -> kernels.gemm(g, a, 1, b, 0, bias, 0, null, 0, c, 0));
      assertThrows(IndexOutOfBoundsException.class, () -> kernels.gemm(g, a, -1, b, 0, bias, 0, null, 0, c, 0));
      IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
          () -> kernels.gemm(g, a, 0, b, 0, null, 0, null, 0, c, 0));
      assertTrue(missing.getMessage().contains("bias is null"), missing.getMessage());
      IllegalArgumentException extra = assertThrows(IllegalArgumentException.class,
          () -> kernels.gemm(g, a, 0, b, 0, bias, 0, c, 0, c, 0));
      assertTrue(extra.getMessage().contains("no residual"), extra.getMessage());
      Kernels other = kernels.backend() == Backend.JAVA && Backends.nativeAvailable()
          ? Backends.kernels(Backend.NATIVE) : dev.layerfuse.exec.java.JavaKernels.instance();
      if (other.backend() != kernels.backend()) {
        try (FloatBuf foreign = other.allocate(20)) {
          IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
              () -> kernels.gemm(g, a, 0, b, 0, bias, 0, null, 0, foreign, 0));
          assertTrue(wrong.getMessage().contains("expected a buffer allocated by"), wrong.getMessage());
        }
      }
      c.close();
      IllegalStateException closed = assertThrows(IllegalStateException.class,
          () -> kernels.gemm(g, a, 0, b, 0, bias, 0, null, 0, c, 0));
      assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
      c.close(); // idempotent
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.layerfuse.exec.KernelVariants#names")
  void nanPropagatesThroughReluLikeFloatMath(String variant) {
    // A NaN input must not be silently clamped away: max(NaN, 0) stays NaN, as in PyTorch.
    Kernels kernels = KernelVariants.get(variant);
    Gemm g = Gemm.of(2, 3, 2).activation(Activation.relu()).build();
    try (FloatBuf a = kernels.allocate(4); FloatBuf b = kernels.allocate(6); FloatBuf c = kernels.allocate(6)) {
      a.put(0, new float[] {Float.NaN, 1, 1, 1});
      b.put(0, new float[] {1, 1, 1, 1, 1, 1});
      kernels.gemm(g, a, 0, b, 0, null, 0, null, 0, c, 0);
      float[] out = new float[6];
      c.get(0, out);
      assertTrue(Float.isNaN(out[0]) && Float.isNaN(out[1]) && Float.isNaN(out[2]), java.util.Arrays.toString(out));
      assertEquals(2f, out[3]);
    }
  }
}
