package dev.layerfuse.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.fuse.Fuser;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.Node;
import dev.layerfuse.nn.BatchNorm2d;
import dev.layerfuse.nn.Conv2d;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.ReLU6;
import dev.layerfuse.nn.Sequential;
import dev.layerfuse.tensor.Difference;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The 1x1 + depthwise step of native AVX-512 plans: where plans choose it, that its results are the
 * Java backend's (at one and two threads, where the channels are split), that the 1x1 conv's input
 * is not overwritten by the depthwise output while the step still reads it, and its argument checks.
 */
class PointwiseDepthwisePlanTest {
  /** MobileNetV2's expansion + depthwise pair, folded: 1x1 cin -> c, BN, ReLU6, 3x3 depthwise, BN, ReLU6. */
  private static Graph pair(int cin, int c, int stride, long h, long w, long batch) {
    Sequential m = new Sequential(Conv2d.builder(cin, c, 1).bias(false).build(), new BatchNorm2d(c), new ReLU6(),
        Conv2d.builder(c, c, 3).stride(stride).padding(1).groups(c).bias(false).build(), new BatchNorm2d(c), new ReLU6());
    Graph g = Init.randomize(m, 11).toGraph(Shape.of(1, cin, h, w));
    Graph fused = Fuser.withDefaults().fuse(g).graph();
    assertEquals(2, fused.nodes().size(), "folded to two convs: " + fused.describe());
    return fused;
  }

  private static String plan(Graph g, Shape in, boolean blocked) {
    return Plan.compile(g, Map.of("input", in), new ParamLayout(g, blocked)).describe();
  }

  @Test
  void plansPairOnlyLargeExpansionsWhoseOutputOnlyTheDepthwiseConvReads() {
    Graph g = pair(16, 96, 2, 56, 56, 1);  // 96 x 56 x 56 expanded: 301056 floats
    Shape in = Shape.of(1, 16, 56, 56);
    String p = plan(g, in, true);
    assertTrue(p.contains("conv2d+dwconv2d/pw-dw-strips") && p.contains("+"), p);
    assertEquals(2, p.lines().count(), "one step and the arena line: " + p);
    assertFalse(plan(g, in, false).contains("pw-dw"), "the Java backend's layout keeps two steps");
    // A smaller expansion (96 x 28 x 28) stays in cache between two kernels.
    assertFalse(plan(g, Shape.of(1, 16, 28, 28), true).contains("pw-dw"));
    // The expansion also a graph output: it must be written, so two steps.
    String mid = g.nodes().get(0).output();
    List<String> outs = new ArrayList<>(g.outputs());
    outs.add(mid);
    Graph both = new Graph(g.inputs(), g.nodes(), outs);
    assertFalse(plan(both, in, true).contains("pw-dw"), "expansion is a graph output");
  }

  @Test
  void resultsEqualTheJavaBackendAtOneAndTwoThreads() {
    KernelVariants.requireNative();
    // Strides 1 and 2, odd sizes, two images; the input dead after the 1x1 conv (the depthwise
    // output may only reuse its memory after the step).
    long[][] cases = {{16, 96, 2, 57, 61, 1}, {24, 144, 1, 56, 56, 1}, {8, 48, 1, 75, 83, 2}, {16, 40, 2, 113, 100, 1}};
    for (long[] c : cases) {
      Graph g = pair((int) c[0], (int) c[1], (int) c[2], c[3], c[4], c[5]);
      Shape in = Shape.of(c[5], c[0], c[3], c[4]);
      try (Session s = Session.create(g, Backend.NATIVE, false)) {
        assertEquals(nativeAvx512(), s.plan(Map.of("input", in)).describe().contains("pw-dw-strips"), "native plan of " + in);
      }
      float[] x = new float[(int) in.numel()];
      SplittableRandom r = new SplittableRandom(c[1]);
      for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
      Map<String, Tensor> inputs = Map.of("input", Tensor.wrap(in, x));
      float[] want;
      try (Session s = Session.create(g, Backend.JAVA, false)) {
        want = s.run(inputs).values().iterator().next().toArray();
      }
      for (int threads : new int[] {1, 2}) {
        try (Session s = Session.create(g, Backend.NATIVE, false, threads)) {
          float[] got = s.run(inputs).values().iterator().next().toArray();
          Difference d = Difference.of(want, got);
          assertTrue(d.within(1e-5), in + " at " + threads + " threads: " + d);
          assertTrue(d.maxReference() > 1e-2, "trivial output");
        }
      }
    }
  }

  private static boolean nativeAvx512() {
    return Backends.kernels(Backend.NATIVE).usesBlockedWeights();
  }

  @Test
  void rejectsMismatchedGeometriesAndShortOperands() {
    Kernels k = Backends.kernels(Backend.JAVA);
    ConvGeometry pw = ConvGeometry.of(1, 8, 10, 10, 16, 1, 1, new int[] {1, 1}, new int[] {0, 0, 0, 0}, new int[] {1, 1}, 1, 10, 10);
    ConvGeometry dw = ConvGeometry.of(1, 16, 10, 10, 16, 3, 3, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 16, 10, 10);
    ConvGeometry dw12 = ConvGeometry.of(1, 12, 10, 10, 12, 3, 3, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 12, 10, 10);
    try (FloatBuf x = k.allocate(800); FloatBuf wp = k.allocate(128); FloatBuf wd = k.allocate(144);
         FloatBuf mid = k.allocate(1600); FloatBuf y = k.allocate(1600)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> k.pointwiseDepthwise(pw,
          Activation.none(), Slice.of(x), Slice.of(wp), null, dw12, Activation.none(), Slice.of(wd), null, null, Slice.of(mid),
          Slice.of(y), null));
      assertTrue(e.getMessage().contains("1x8x10x10") || e.getMessage().contains("1x16x10x10 is not"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> k.pointwiseDepthwise(dw, Activation.none(), Slice.of(x),
          Slice.of(wp), null, dw, Activation.none(), Slice.of(wd), null, null, Slice.of(mid), Slice.of(y), null));
      assertTrue(e.getMessage().contains("not a 1x1"), e.getMessage());
      RuntimeException short1 = assertThrows(IndexOutOfBoundsException.class, () -> k.pointwiseDepthwise(pw,
          Activation.none(), Slice.of(x), new Slice(wp, 0, 127), null, dw, Activation.none(), Slice.of(wd), null, null,
          Slice.of(mid), Slice.of(y), null));
      assertTrue(short1.getMessage().contains("1x1 weight has 127 floats, expected >= 128"), short1.getMessage());
      // The Java backend runs the pair through mid: the same as its two kernels.
      SplittableRandom r = new SplittableRandom(3);
      for (FloatBuf b : new FloatBuf[] {x, wp, wd}) {
        float[] v = new float[(int) b.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextDouble() - 0.5f;
        b.put(0, v);
      }
      k.pointwiseDepthwise(pw, Activation.relu(), Slice.of(x), Slice.of(wp), null, dw, Activation.none(), Slice.of(wd), null,
          null, Slice.of(mid), Slice.of(y), null);
      try (FloatBuf mid2 = k.allocate(1600); FloatBuf y2 = k.allocate(1600)) {
        k.conv2d(pw, Activation.relu(), Slice.of(x), Slice.of(wp), null, null, null, Slice.of(mid2), null);
        k.depthwiseConv2d(dw, Activation.none(), Slice.of(mid2), Slice.of(wd), null, null, null, Slice.of(y2));
        float[] a = new float[1600], b = new float[1600];
        y.get(0, a);
        y2.get(0, b);
        org.junit.jupiter.api.Assertions.assertArrayEquals(b, a);
      }
    }
  }
}
