package dev.layerfuse.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.exec.nativ.LayerfuseNative;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.nn.BatchNorm2d;
import dev.layerfuse.nn.Conv2d;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.ReLU;
import dev.layerfuse.nn.Sequential;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Where plans choose the Winograd kernel, the Java and native halves of its contract (scratch
 * size, weight layout) agreeing, and its argument checks.
 */
class WinogradPlanTest {
  private static ConvGeometry conv3x3(long n, long cin, long h, long w, long cout, int pad) {
    return ConvGeometry.of(n, cin, h, w, cout, 3, 3, new int[] {1, 1}, new int[] {pad, pad, pad, pad}, new int[] {1, 1}, 1,
        h + 2L * pad - 2, w + 2L * pad - 2);
  }

  @Test
  void eligibilityAndPreference() {
    assertTrue(Kernels.winogradApplies(conv3x3(1, 64, 56, 56, 64, 1)));
    assertFalse(Kernels.winogradApplies(conv3x3(1, 3, 56, 56, 64, 1)), "input channels not a multiple of 16");
    assertFalse(Kernels.winogradApplies(conv3x3(1, 64, 56, 56, 40, 1)), "output channels not a multiple of 16");
    assertFalse(Kernels.winogradApplies(ConvGeometry.of(1, 64, 56, 56, 64, 3, 3, new int[] {2, 2}, new int[] {1, 1, 1, 1},
        new int[] {1, 1}, 1, 28, 28)), "stride 2");
    assertFalse(Kernels.winogradApplies(ConvGeometry.of(1, 64, 56, 56, 64, 3, 3, new int[] {1, 1}, new int[] {2, 2, 2, 2},
        new int[] {2, 2}, 1, 56, 56)), "dilation 2");
    // 9 tiles of 2x2 (5x5) at batch 1 stay direct; 16 (7x7) take Winograd; 8 images make 128 tiles.
    assertFalse(Kernels.winogradPreferred(conv3x3(1, 512, 5, 5, 512, 1)));
    assertTrue(Kernels.winogradPreferred(conv3x3(1, 512, 7, 7, 512, 1)));
    assertTrue(Kernels.winogradPreferred(conv3x3(8, 512, 7, 7, 512, 1)));
    assertTrue(Kernels.winogradPreferred(conv3x3(1, 256, 14, 14, 256, 1)));
  }

  @Test
  void javaScratchSizeIsTheNativeOne() {
    KernelVariants.requireNative();
    long[][] shapes = {{1, 64, 56, 56, 64}, {1, 128, 28, 28, 128}, {1, 256, 14, 14, 256}, {8, 512, 7, 7, 512},
        {3, 16, 7, 6, 32}, {2, 32, 9, 23, 112}, {1, 16, 1, 1, 16}, {5, 48, 33, 17, 16}, {1, 1024, 3, 3, 2048}};
    for (long[] s : shapes) {
      for (int pad = 0; pad <= 2; pad++) {
        if (s[2] + 2 * pad < 3 || s[3] + 2 * pad < 3) continue;
        long[] a = conv3x3(s[0], s[1], s[2], s[3], s[4], pad).abiArray();
        long nat = LayerfuseNative.lf_conv2d_winograd_scratch_v(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9],
            a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17]);
        assertEquals(nat, Kernels.winogradScratch(conv3x3(s[0], s[1], s[2], s[3], s[4], pad)),
            "scratch of " + conv3x3(s[0], s[1], s[2], s[3], s[4], pad));
      }
    }
  }

  private static Graph block(int cin, int cout, int size) {
    Sequential m = new Sequential(Conv2d.builder(cin, cout, 3).padding(1).bias(false).build(), new BatchNorm2d(cout), new ReLU());
    return Init.randomize(m, 5).toGraph(Shape.of(1, cin, size, size));
  }

  @Test
  void plansChooseWinogradOnlyWhereItPaysAndTheBackendHasIt() {
    Graph g = dev.layerfuse.fuse.Fuser.withDefaults().fuse(block(32, 32, 16)).graph();
    Map<String, Shape> shapes = Map.of("input", Shape.of(1, 32, 16, 16));
    assertTrue(Plan.compile(g, shapes, new ParamLayout(g, true)).describe().contains("conv2d/winograd-f2x2"));
    // Without blocked weights (the Java backend, native AVX2) the plan keeps im2col.
    String plain = Plan.compile(g, shapes, new ParamLayout(g, false)).describe();
    assertFalse(plain.contains("winograd") || plain.contains("direct-16c"), plain);
    // 3x3 tiles of a 5x5 map at batch 1: the direct kernel.
    Graph small = dev.layerfuse.fuse.Fuser.withDefaults().fuse(block(32, 32, 5)).graph();
    String direct = Plan.compile(small, Map.of("input", Shape.of(1, 32, 5, 5)), new ParamLayout(small, true)).describe();
    assertTrue(direct.contains("conv2d/direct-16c") && !direct.contains("winograd"), direct);
  }

  @Test
  void rejectsIneligibleGeometryAndShortOperands() {
    Kernels k = Backends.kernels(Backend.JAVA);
    ConvGeometry g = conv3x3(1, 16, 6, 6, 16, 1);
    ConvGeometry s2 = ConvGeometry.of(1, 16, 6, 6, 16, 3, 3, new int[] {2, 2}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1, 3, 3);
    try (FloatBuf x = k.allocate(g.inSize()); FloatBuf w = k.allocate(16 * 16 * 9); FloatBuf u = k.allocate(16 * 16 * 16);
         FloatBuf y = k.allocate(g.outSize()); FloatBuf scr = k.allocate(Kernels.conv2dScratch(g))) {
      RuntimeException e = assertThrows(IndexOutOfBoundsException.class, () -> k.conv2dWinograd(g, Activation.none(),
          Slice.of(x), Slice.of(w), new Slice(u, 0, 16 * 16 * 16 - 1), null, null, null, Slice.of(y), Slice.of(scr)));
      assertTrue(e.getMessage().contains("Winograd weight"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> k.conv2dWinograd(s2, Activation.none(), Slice.of(x), Slice.of(w),
          Slice.of(u), null, null, null, new Slice(y, 0, s2.outSize()), Slice.of(scr)));
      assertTrue(e.getMessage().contains("not eligible for Winograd"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Kernels.packWinogradWeights(Tensor.wrap(Shape.of(16, 3, 3, 3), new float[16 * 27])));
  }

  @Test
  void packedWeightsAreGwGt() {
    // One channel pair (indices 17 -> 5 of a 32x32 conv): U = G w G^T, at the documented position.
    SplittableRandom r = new SplittableRandom(9);
    float[] w = new float[32 * 32 * 9];
    for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextDouble() - 0.5);
    float[] u = Kernels.packWinogradWeights(Tensor.wrap(Shape.of(32, 32, 3, 3), w));
    double[][] gm = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
    int oc = 5, ic = 17;
    for (int a = 0; a < 4; a++) {
      for (int b = 0; b < 4; b++) {
        double v = 0;
        for (int i = 0; i < 3; i++)
          for (int j = 0; j < 3; j++) v += gm[a][i] * w[(oc * 32 + ic) * 9 + i * 3 + j] * gm[b][j];
        int at = (((a * 4 + b) * 2 + oc / 16) * 2 + ic / 16) * 256 + (ic % 16) * 16 + oc % 16;
        assertEquals(v, u[at], 1e-6, "U[" + a + "][" + b + "]");
      }
    }
  }
}
