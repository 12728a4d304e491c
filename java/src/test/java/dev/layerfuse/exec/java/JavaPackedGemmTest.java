package dev.layerfuse.exec.java;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.Backends;
import dev.layerfuse.exec.BiasMode;
import dev.layerfuse.exec.FloatBuf;
import dev.layerfuse.exec.Gemm;
import dev.layerfuse.exec.Kernels;
import dev.layerfuse.exec.Parallel;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A frozen B (a session's Linear weight) goes through the cached repacked copy; its results must
 * equal the native backend's on the same operands, for batch 1 and larger, K beyond one K block,
 * N not a multiple of the block width or of the register tile, one and two threads, and a second
 * call served from the cache.
 */
class JavaPackedGemmTest {
  @ParameterizedTest
  @CsvSource({"1,1000,4096,true,1", "1,70,300,true,2", "5,130,257,true,1", "4,515,600,false,2", "33,64,65,true,2",
      // 8+ rows take the Vector API's panels: partial last tiles, rows past the last 8, several K blocks
      "49,520,600,false,1", "20,45,300,true,2", "96,100,513,true,1", "8,33,7,false,2"})
  void frozenWeightMatchesNative(int m, int n, int k, boolean transB, int threads) {
    Gemm g = Gemm.of(m, n, k).transB(transB).bias(BiasMode.PER_COL).activation(Activation.relu()).build();
    SplittableRandom rng = new SplittableRandom(m * 31L + n * 7L + k);
    float[] a = random(g.aSize(), rng), b = random(g.bSize(), rng), bias = random(g.biasSize(), rng);
    float[] want = run(Backends.kernels(Backend.NATIVE), g, a, b, bias, false, 1);
    Parallel.acquire(threads);
    try {
      for (int call = 0; call < 2; call++) {
        float[] got = run(JavaKernels.instance(), g, a, b, bias, true, threads);
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < want.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
          maxRef = Math.max(maxRef, Math.abs(want[i]));
        }
        assertTrue(maxDiff <= 1e-5 * maxRef, "call " + call + ": max|d| " + maxDiff + " vs max|ref| " + maxRef);
      }
    } finally {
      Parallel.release(threads);
    }
  }

  private static float[] run(Kernels k, Gemm g, float[] a, float[] b, float[] bias, boolean freezeB, int threads) {
    try (FloatBuf ab = k.allocate(a.length); FloatBuf bb = k.allocate(b.length); FloatBuf biasb = k.allocate(bias.length);
         FloatBuf cb = k.allocate(g.cSize())) {
      ab.put(0, a);
      bb.put(0, b);
      biasb.put(0, bias);
      if (freezeB) bb.freeze();
      Parallel.withThreads(threads, () -> k.gemm(g, ab, 0, bb, 0, biasb, 0, null, 0, cb, 0));
      float[] c = new float[(int) g.cSize()];
      cb.get(0, c);
      return c;
    }
  }

  private static float[] random(long n, SplittableRandom rng) {
    float[] v = new float[(int) n];
    for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextDouble() * 2 - 1);
    return v;
  }
}
