package dev.layerfuse.exec.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.Backends;
import dev.layerfuse.exec.ConvGeometry;
import dev.layerfuse.exec.FloatBuf;
import dev.layerfuse.exec.Kernels;
import dev.layerfuse.exec.Parallel;
import dev.layerfuse.exec.Slice;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Java conv over a frozen weight on small output maps runs as the transposed product
 * (pixels x channels, the cached transposed weight); its results must equal the native
 * backend's within 1e-5 relative: 3x3 and 1x1, strides, padding with pad values, groups,
 * bias, residual, one and two threads, and a second call from the cache. Also the Java max
 * pool's two-pass path against native, with NaN inputs.
 */
class JavaTransposedConvTest {
  // n, cin, h, w, cout, k, stride, pad, groups, threads
  @ParameterizedTest
  @CsvSource({"1,32,7,7,64,3,1,1,1,1", "2,16,9,9,96,3,2,1,1,2", "1,40,5,5,448,1,1,0,1,1", "1,64,6,6,256,3,1,1,2,2",
      "1,24,10,10,224,3,1,1,1,2", "1,3,12,10,128,5,2,2,1,1"})
  void frozenWeightSmallMapMatchesNative(int n, int cin, int h, int w, int cout, int ks, int s, int p, int groups,
                                         int threads) {
    long oh = (h + 2 * p - ks) / s + 1, ow = (w + 2 * p - ks) / s + 1;
    ConvGeometry g = ConvGeometry.of(n, cin, h, w, cout, ks, ks, new int[] {s, s}, new int[] {p, p, p, p},
        new int[] {1, 1}, groups, oh, ow);
    assertTrue(Kernels.transposedConvApplies(g), "case must take the transposed path: " + g);
    SplittableRandom r = new SplittableRandom(cin * 131L + cout + ks);
    float[] x = rand(r, g.inSize()), wt = rand(r, g.outC() * g.im2colRows()), b = rand(r, cout), pv = rand(r, cin);
    float[] res = rand(r, g.outSize());
    Activation act = Activation.clamp(-0.5f, 0.75f);
    float[] want = conv(Backends.kernels(Backend.NATIVE), g, act, x, wt, b, pv, res, false, 1);
    Parallel.acquire(threads);
    try {
      for (int call = 0; call < 2; call++) {
        float[] got = conv(JavaKernels.instance(), g, act, x, wt, b, pv, res, true, threads);
        assertClose(want, got, "call " + call + " " + g);
      }
    } finally {
      Parallel.release(threads);
    }
  }

  /**
   * Small maps where the transposed product does not apply (14x14, 1x1s with few output channels
   * per pixel, a weight not frozen), at two threads: the direct product's pixel split, 1x1 convs
   * from the input itself, two images.
   */
  // n, cin, h, w, cout, k, stride, pad, frozen
  @ParameterizedTest
  @CsvSource({"1,256,14,14,96,3,1,1,true", "2,64,14,14,200,3,1,1,false", "1,96,14,14,576,1,1,0,true",
      "2,48,7,7,100,1,1,0,false", "1,32,16,15,72,3,1,1,false", "1,960,7,7,320,1,1,0,true"})
  void smallMapsOffTheTransposedPathMatchNative(int n, int cin, int h, int w, int cout, int ks, int s, int p,
                                                 boolean frozen) {
    long oh = (h + 2 * p - ks) / s + 1, ow = (w + 2 * p - ks) / s + 1;
    ConvGeometry g = ConvGeometry.of(n, cin, h, w, cout, ks, ks, new int[] {s, s}, new int[] {p, p, p, p},
        new int[] {1, 1}, 1, oh, ow);
    assertTrue(!frozen || !Kernels.transposedConvApplies(g), "case must not take the transposed path: " + g);
    SplittableRandom r = new SplittableRandom(cin * 7L + cout);
    float[] x = rand(r, g.inSize()), wt = rand(r, g.outC() * g.im2colRows()), b = rand(r, cout), pv = rand(r, cin);
    float[] res = rand(r, g.outSize());
    Activation act = Activation.leakyRelu(0.1f);  // a clamp would cap max|ref| below the sums' rounding
    float[] want = conv(Backends.kernels(Backend.NATIVE), g, act, x, wt, b, pv, res, false, 1);
    Parallel.acquire(2);
    try {
      for (int call = 0; call < 2; call++) assertClose(want, conv(JavaKernels.instance(), g, act, x, wt, b, pv, res, frozen, 2),
          "call " + call + " " + g);
    } finally {
      Parallel.release(2);
    }
  }

  @Test
  void maxPoolPropagatesNaNAndMatchesNative() {
    ConvGeometry g = ConvGeometry.of(1, 4, 11, 13, 4, 3, 3, new int[] {2, 2}, new int[] {1, 1, 1, 1},
        new int[] {1, 1}, 1, 6, 7);
    float[] x = rand(new SplittableRandom(5), g.inSize());
    x[2 * 11 * 13 + 4 * 13 + 6] = Float.NaN; // plane 2, input row 4, column 6
    float[] want = pool(Backends.kernels(Backend.NATIVE), g, x), got = pool(JavaKernels.instance(), g, x);
    int nan = 0;
    for (int i = 0; i < want.length; i++) {
      assertEquals(Float.isNaN(want[i]), Float.isNaN(got[i]), "NaN at output " + i);
      if (Float.isNaN(got[i])) nan++;
      else assertEquals(want[i], got[i], 0f, "output " + i);
    }
    // Input row 4 is in output rows 2 (rows 3..5) only; column 6 in output columns 3 (5..7) only.
    assertEquals(1, nan, "the NaN tap must reach exactly its one window");
  }

  private static float[] conv(Kernels k, ConvGeometry g, Activation act, float[] x, float[] wt, float[] b, float[] pv,
                              float[] res, boolean freeze, int threads) {
    try (FloatBuf xb = k.allocate(x.length); FloatBuf wb = k.allocate(wt.length); FloatBuf bb = k.allocate(b.length);
         FloatBuf pb = k.allocate(pv.length); FloatBuf rb = k.allocate(res.length); FloatBuf yb = k.allocate(g.outSize());
         FloatBuf sb = k.allocate(Kernels.conv2dScratch(g))) {
      xb.put(0, x);
      wb.put(0, wt);
      bb.put(0, b);
      pb.put(0, pv);
      rb.put(0, res);
      if (freeze) wb.freeze();
      Parallel.withThreads(threads, () -> k.conv2d(g, act, Slice.of(xb), Slice.of(wb), Slice.of(bb), Slice.of(pb),
          Slice.of(rb), Slice.of(yb), Slice.of(sb)));
      float[] y = new float[(int) g.outSize()];
      yb.get(0, y);
      return y;
    }
  }

  private static float[] pool(Kernels k, ConvGeometry g, float[] x) {
    try (FloatBuf xb = k.allocate(x.length); FloatBuf yb = k.allocate(g.outSize())) {
      xb.put(0, x);
      k.pool2d(g, true, false, Slice.of(xb), Slice.of(yb));
      float[] y = new float[(int) g.outSize()];
      yb.get(0, y);
      return y;
    }
  }

  private static void assertClose(float[] want, float[] got, String what) {
    double maxDiff = 0, maxRef = 0;
    for (int i = 0; i < want.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
      maxRef = Math.max(maxRef, Math.abs(want[i]));
    }
    assertTrue(maxDiff <= 1e-5 * maxRef, what + ": max|d| " + maxDiff + " vs max|ref| " + maxRef);
  }

  private static float[] rand(SplittableRandom r, long n) {
    float[] v = new float[(int) n];
    for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
    return v;
  }
}
