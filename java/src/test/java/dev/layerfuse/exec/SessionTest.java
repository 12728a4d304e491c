package dev.layerfuse.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.graph.Graph;
import dev.layerfuse.nn.BatchNorm1d;
import dev.layerfuse.nn.BatchNorm2d;
import dev.layerfuse.nn.Conv2d;
import dev.layerfuse.nn.Flatten;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.Linear;
import dev.layerfuse.nn.MaxPool2d;
import dev.layerfuse.nn.ReLU;
import dev.layerfuse.nn.ReLU6;
import dev.layerfuse.nn.Residual;
import dev.layerfuse.nn.Sequential;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Sessions: concurrency, lifecycle, leaks and input validation. */
class SessionTest {
  static Graph smallCnn() {
    Sequential m = new Sequential(
        Conv2d.builder(3, 8, 3).padding(1).bias(false).build(), new BatchNorm2d(8), new ReLU(),
        Residual.builder().mainInline(Sequential.named("dw", Conv2d.builder(8, 8, 3).padding(1).groups(8).build(),
            "bn", new BatchNorm2d(8), "act", new ReLU6(), "pw", Conv2d.builder(8, 8, 1).build())).build(),
        new MaxPool2d(2), new Flatten(), new Linear(8 * 8 * 8, 16), new BatchNorm1d(16), new ReLU(), new Linear(16, 10));
    return Init.randomize(m, 5).toGraph(Shape.of(1, 3, 16, 16));
  }

  static Kernels kernels(String backend) {
    if (backend.equals("native")) KernelVariants.requireNative();
    return Backends.kernels(Backend.valueOf(backend.toUpperCase(java.util.Locale.ROOT)));
  }

  static float[] input(long seed, int batch) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[batch * 3 * 16 * 16];
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
    return x;
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "java"})
  void profileTimesEveryKernelCallAndKeepsTheRunCorrect(String backend) {
    Graph g = dev.layerfuse.fuse.Fuser.withDefaults().fuse(smallCnn()).graph();
    try (Session s = Session.of(g, kernels(backend))) {
      Map<String, Shape> shapes = Map.of("input", Shape.of(1, 3, 16, 16));
      List<Session.StepTime> steps = s.profile(shapes, Map.of("input", input(3, 1)), 5);
      Plan p = Plan.compile(g, shapes, new ParamLayout(g, s.kernels().usesBlockedWeights()));
      assertEquals(p.stepCount(), steps.size());
      for (Session.StepTime t : steps) {
        assertTrue(t.medianMs() >= 0 && g.hasNode(t.node()), t.toString());
        assertEquals(1, t.threads(), "a one-thread session runs every step on its caller: " + t);
      }
      // Plan order: the first call is the first conv, the last the classifier.
      assertTrue(steps.get(0).kernel().startsWith("conv2d"), steps.get(0).toString());
      assertEquals(g.outputs().get(0), g.node(steps.get(steps.size() - 1).node()).output());
      assertThrows(IllegalArgumentException.class, () -> s.profile(shapes, Map.of("input", input(3, 1)), 0));
      assertThrows(IllegalArgumentException.class, () -> s.profile(shapes, Map.of("input", new float[5]), 1));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "java"})
  void eightThreadsGetBitwiseTheSameResults(String backend) throws Exception {
    Graph g = smallCnn();
    try (Session s = Session.of(dev.layerfuse.fuse.Fuser.withDefaults().fuse(g).graph(), kernels(backend))) {
      Map<String, Shape> shapes = Map.of("input", Shape.of(1, 3, 16, 16));
      String out = s.graph().outputs().get(0);
      float[][] expected = new float[8][];
      for (int t = 0; t < 8; t++) {
        expected[t] = new float[10];
        s.run(shapes, Map.of("input", input(t, 1)), Map.of(out, expected[t]));
      }
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<Integer>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
          int id = t;
          fs.add(pool.submit(() -> {
            float[] x = input(id, 1), y = new float[10];
            Map<String, float[]> in = Map.of("input", x), o = Map.of(out, y);
            int same = 0;
            for (int i = 0; i < 200; i++) {
              s.run(shapes, in, o);
              if (java.util.Arrays.equals(y, expected[id])) same++;
            }
            return same;
          }));
        }
        for (Future<Integer> f : fs) assertEquals(200, f.get());
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "java"})
  void thousandSessionsLeakNothing(String backend) throws Exception {
    kernels(backend);
    Jvm.Result r = Jvm.run(true, java.util.List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch"), Map.of(),
        SessionLeakProbe.class, backend.toUpperCase(java.util.Locale.ROOT));
    assertEquals(0, r.exit(), r.out() + r.err());
    Map<String, Long> v = new HashMap<>();
    for (String kv : r.out().trim().split("\\s+")) v.put(kv.split("=")[0], Long.parseLong(kv.split("=")[1]));
    assertEquals(v.get("before"), v.get("after"), "native memory returns to its level before the loop: " + r.out());
    long growth = v.get("rss1000") - v.get("rss100");
    // RSS also moves with the JIT's code cache and malloc arenas (17 MB once in a full build on a
    // loaded host, 0-few MB alone); the exact native-byte count above is the leak check, this bound
    // catches a leak of more than ~35 KB per session that the counter would not see.
    assertTrue(growth < 32L << 20, "RSS grew " + (growth >> 20) + " MB between cycle 100 and 1000: " + r.out());
    assertEquals(0L, v.get("threads"), "no library thread survives the last close");
  }

  /** RSS after a full GC, so Java heap garbage is not counted as a native leak. */
  static long settledRss() throws Exception {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    // Free memory kept by malloc (JIT compiler arenas, freed buffers) is not a leak.
    dev.layerfuse.exec.nativ.NativeLibrary.trimNativeHeap();
    return rssBytes();
  }

  static long heapCommitted() {
    return java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
  }

  static long rssBytes() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
    }
    return 0;
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "java"})
  void validatesInputsAndRefusesUseAfterClose(String backend) {
    Session s = Session.of(smallCnn(), kernels(backend));
    IllegalArgumentException name = assertThrows(IllegalArgumentException.class,
        () -> s.run(Map.of("image", Tensor.zeros(Shape.of(1, 3, 16, 16)))));
    assertTrue(name.getMessage().contains("unknown input name 'image', expected one of [input]"), name.getMessage());
    IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
        () -> s.run(Map.of("input", Tensor.zeros(Shape.of(1, 4, 16, 16)))));
    assertTrue(shape.getMessage().contains("input 'input': expected shape [N, 3, 16, 16], got [1, 4, 16, 16]"),
        shape.getMessage());
    IllegalArgumentException out = assertThrows(IllegalArgumentException.class, () -> s.run(
        Map.of("input", Shape.of(1, 3, 16, 16)), Map.of("input", new float[768]), new HashMap<>()));
    assertTrue(out.getMessage().contains("expected a writable array or buffer of 10 floats"), out.getMessage());
    // Another batch size compiles another plan and gives each row what batch 1 gives it.
    float[] x = input(3, 4);
    Map<String, Tensor> four = s.run(Map.of("input", Tensor.wrap(Shape.of(4, 3, 16, 16), x)));
    float[] y4 = four.values().iterator().next().toArray();
    float[] row = new float[768];
    System.arraycopy(x, 768 * 2, row, 0, 768);
    float[] y1 = s.run(Map.of("input", Tensor.wrap(Shape.of(1, 3, 16, 16), row))).values().iterator().next().toArray();
    float[] y4row = new float[10];
    System.arraycopy(y4, 20, y4row, 0, 10);
    assertArrayEquals(y1, y4row, 1e-5f);
    s.close();
    s.close();
    IllegalStateException closed = assertThrows(IllegalStateException.class,
        () -> s.run(Map.of("input", Tensor.zeros(Shape.of(1, 3, 16, 16)))));
    assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());
    // Compiling a plan for a new shape runs kernels (a multi-thread session tunes it): refused too.
    assertThrows(IllegalStateException.class, () -> s.plan(Map.of("input", Shape.of(2, 3, 16, 16))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "java"})
  void directBuffersInAndOutMatchArrays(String backend) {
    try (Session s = Session.of(dev.layerfuse.fuse.Fuser.withDefaults().fuse(smallCnn()).graph(), kernels(backend))) {
      Map<String, Shape> shapes = Map.of("input", Shape.of(1, 3, 16, 16));
      String out = s.graph().outputs().get(0);
      float[] x = input(9, 1), want = new float[10];
      s.run(shapes, Map.of("input", x), Map.of(out, want));
      java.nio.FloatBuffer in = java.nio.ByteBuffer.allocateDirect(4 * (x.length + 8))
          .order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
      in.position(8);
      in.put(x);
      in.position(8);
      java.nio.FloatBuffer res = java.nio.ByteBuffer.allocateDirect(4 * 12).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
      res.position(2);
      s.runBuffers(shapes, Map.of("input", in), Map.of(out, res));
      assertEquals(8, in.position(), "positions are left alone");
      assertEquals(2, res.position());
      float[] got = new float[10];
      res.get(got);
      assertArrayEquals(want, got);
      java.nio.FloatBuffer heapOut = java.nio.FloatBuffer.allocate(10);
      s.runBuffers(shapes, Map.of("input", java.nio.FloatBuffer.wrap(x)), Map.of(out, heapOut));
      assertArrayEquals(want, heapOut.array());
      IllegalArgumentException ro = assertThrows(IllegalArgumentException.class, () -> s.runBuffers(shapes,
          Map.of("input", java.nio.FloatBuffer.wrap(x)), Map.of(out, java.nio.FloatBuffer.allocate(10).asReadOnlyBuffer())));
      assertTrue(ro.getMessage().contains("writable"), ro.getMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "java"})
  void planDescribesKernelsAndSharesMemoryByLiveness(String backend) {
    try (Session s = Session.of(dev.layerfuse.fuse.Fuser.withDefaults().fuse(smallCnn()).graph(), kernels(backend))) {
      Plan p = s.plan(Map.of("input", Shape.of(1, 3, 16, 16)));
      String d = p.describe();
      assertTrue(d.contains("conv2d/im2col-gemm") && d.contains("dwconv2d/direct") && d.contains("conv2d/pointwise-gemm")
          && d.contains("gemm/gemv") && d.contains("max_pool2d"), d);
      long sum = 0;
      for (Shape sh : p.shapes().values()) sum += sh.numel();
      assertTrue(p.arenaFloats() < sum, "liveness must let values share the arena: " + p.arenaFloats() + " vs " + sum);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"java"})
  void unsupportedGraphsFailBeforeRunningListingEveryKind(String backend) {
    Sequential m = new Sequential(new BatchNorm2d(3, 1e-5f, true, false), new Conv2d[0].length == 0 ? new ReLU() : null);
    Graph g = Init.randomize(m, 1).train(true).toGraph(Shape.of(1, 3, 4, 4));
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> Session.of(g, kernels(backend)));
    assertTrue(e.getMessage().contains("BatchNorm") && e.getMessage().contains("first at node 0"), e.getMessage());
  }
}
