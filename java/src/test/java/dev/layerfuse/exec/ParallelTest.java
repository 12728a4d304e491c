package dev.layerfuse.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.graph.Graph;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.models.MobileNetV2;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shared intra-op pool: exact thread counts, every part once, failures surface, no thread outlives its users. */
class ParallelTest {
  private static long workers() {
    return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("layerfuse-worker")).count();
  }

  @Test
  void twoThreadsRunPartsConcurrentlyAndEachOnce() throws Exception {
    Parallel.acquire(2);
    try {
      AtomicIntegerArray hits = new AtomicIntegerArray(101);
      Set<String> names = ConcurrentHashMap.newKeySet();
      CountDownLatch both = new CountDownLatch(2);
      Parallel.withThreads(2, () -> Parallel.forEach(101, i -> {
        hits.incrementAndGet(i);
        names.add(Thread.currentThread().getName());
        if (i < 2) {
          both.countDown();
          try {
            // Parts 0 and 1 wait for each other: only two threads running at once finish this.
            assertTrue(both.await(10, TimeUnit.SECONDS), "parts 0 and 1 did not run concurrently");
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        }
      }));
      for (int i = 0; i < 101; i++) assertEquals(1, hits.get(i), "part " + i);
      assertEquals(2, names.size(), "exactly the caller and one worker: " + names);
      assertTrue(names.contains(Thread.currentThread().getName()));
      // One thread: everything on the caller.
      Set<String> one = ConcurrentHashMap.newKeySet();
      Parallel.withThreads(1, () -> Parallel.forEach(50, i -> one.add(Thread.currentThread().getName())));
      assertEquals(Set.of(Thread.currentThread().getName()), one);
      IllegalArgumentException boom = new IllegalArgumentException("boom");
      assertSame(boom, assertThrows(IllegalArgumentException.class,
          () -> Parallel.withThreads(2, () -> Parallel.forEach(8, i -> {
            if (i == 5) throw boom;
          }))));
    } finally {
      Parallel.release(2);
    }
    assertEquals(0, workers(), "workers end with the last user");
  }

  /**
   * Part 0 is the caller's every time (consecutive layers split alike then find their share in the
   * cache of the core that wrote it); before, a worker that was quicker took it about every other time.
   */
  @Test
  void theCallerAlwaysRunsPartZero() {
    Parallel.acquire(2);
    try {
      Thread caller = Thread.currentThread();
      Thread[] ran = new Thread[2];
      for (int round = 0; round < 2000; round++) {
        Parallel.withThreads(2, () -> Parallel.forEach(2, i -> {
          ran[i] = Thread.currentThread();
          double s = 0;
          for (int k = 0; k < 2000; k++) s += Math.sqrt(k); // a few microseconds: both lanes get a part
          if (s < 0) throw new AssertionError();
        }));
        assertSame(caller, ran[0], "round " + round + ": part 0 ran on " + ran[0].getName());
      }
    } finally {
      Parallel.release(2);
    }
  }

  @Test
  void concurrentCallersShareThePoolAndEveryPartRunsOnce() throws Exception {
    // The build runs this class twice: spinning workers (default) and parking at once (spin 0).
    String spin = System.getProperty("layerfuse.spin.micros");
    assertEquals(spin == null ? 200_000L : Long.parseLong(spin) * 1000, Parallel.SPIN_NANOS);
    Parallel.acquire(2);
    try {
      int callers = 4, rounds = 300, parts = 7;
      java.util.concurrent.atomic.AtomicLong hits = new java.util.concurrent.atomic.AtomicLong();
      AtomicIntegerArray perRound = new AtomicIntegerArray(callers * rounds);
      java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newFixedThreadPool(callers);
      java.util.List<java.util.concurrent.Future<?>> fs = new java.util.ArrayList<>();
      for (int c = 0; c < callers; c++) {
        int caller = c;
        fs.add(ex.submit(() -> Parallel.withThreads(2, () -> {
          for (int r = 0; r < rounds; r++) {
            int slot = caller * rounds + r;
            Parallel.forEach(parts, i -> {
              hits.incrementAndGet();
              perRound.incrementAndGet(slot);
            });
            // forEach returned: every part of this round has finished, none is still running.
            assertEquals(parts, perRound.get(slot), "caller " + caller + " round " + r);
          }
        })));
      }
      for (java.util.concurrent.Future<?> f : fs) f.get(60, TimeUnit.SECONDS);
      ex.shutdown();
      assertEquals((long) callers * rounds * parts, hits.get());
      // A part that throws an Error: the Error itself reaches the caller, and the other parts still end first.
      AssertionError err = new AssertionError("part failed");
      assertSame(err, assertThrows(AssertionError.class, () -> Parallel.withThreads(2, () -> Parallel.forEach(64, i -> {
        if (i == 3) throw err;
      }))));
    } finally {
      Parallel.release(2);
    }
    assertEquals(0, workers(), "workers end with the last user");
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "java"})
  void pointwiseAndThreeByThreeConvsSplitOverThreadsMatch(String backend) {
    Kernels k = KernelVariants.get(backend.equals("java") ? "java" : "native/" + Backends.defaultIsa().name().toLowerCase());
    // 16x16 maps: a 1x1 conv splits its output channels; 32x32: its output pixels.
    for (int size : new int[] {16, 32}) {
      for (int ks : new int[] {1, 3}) {
        dev.layerfuse.nn.Module m = new dev.layerfuse.nn.Sequential(
            dev.layerfuse.nn.Conv2d.builder(128, 64, ks).padding(ks / 2).build(), new dev.layerfuse.nn.ReLU());
        assertSplitMatches(k, m, Shape.of(2, 128, size, size), backend + " k" + ks + " @" + size);
      }
    }
    // A 7x7 output map: too few rows for an even row split, so the packed direct conv splits
    // 16-channel blocks of the output (batch 2: one image at a time), the second with a residual.
    dev.layerfuse.nn.Module small = dev.layerfuse.nn.Residual.builder()
        .mainInline(new dev.layerfuse.nn.Sequential(dev.layerfuse.nn.Conv2d.builder(64, 80, 3).padding(1).build(),
            new dev.layerfuse.nn.ReLU(), dev.layerfuse.nn.Conv2d.builder(80, 64, 3).padding(1).build()))
        .post("relu", new dev.layerfuse.nn.ReLU()).build();
    assertSplitMatches(k, small, Shape.of(2, 64, 7, 7), backend + " 7x7 residual");
    assertEquals(0, workers());
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "java"})
  void poolsAndABatchOneLinearSplitOverThreadsMatch(String backend) {
    Kernels k = KernelVariants.get(backend.equals("java") ? "java" : "native/" + Backends.defaultIsa().name().toLowerCase());
    assertSplitMatches(k, new dev.layerfuse.nn.Sequential(new dev.layerfuse.nn.MaxPool2d(3, 2, 1, 1, false),
        new dev.layerfuse.nn.AvgPool2d(3, 1, 1, false, false)), Shape.of(1, 37, 64, 64), backend + " pools");
    // 600 x 1000 weights: a memory-bound batch-1 product, split by the bytes it streams.
    assertSplitMatches(k, new dev.layerfuse.nn.Linear(600, 1000), Shape.of(1, 600), backend + " linear");
    assertEquals(0, workers());
  }

  @Test
  void tuningRunsAloneOnlyStepsClearlyFasterAloneAndKeepsThatOnlyIfRunsGain() {
    // Step 0 twice as fast alone; step 1 level; step 2 faster alone by 20% only (under the 25% asked);
    // step 3 on all threads slowed in bursts (its lower quartile is still 100): none but step 0 qualifies.
    long[][] atAll = {{100, 101, 99, 100, 102, 100, 100, 100}, {50, 51, 50, 49, 50, 50, 50, 50},
        {100, 100, 100, 100, 100, 100, 100, 100}, {100, 400, 100, 900, 100, 100, 500, 100}};
    long[][] atOne = {{50, 52, 49, 51, 50, 50, 50, 50}, {50, 50, 50, 50, 50, 50, 50, 50},
        {80, 80, 80, 80, 80, 80, 80, 80}, {90, 90, 90, 90, 90, 90, 90, 90}};
    assertArrayEquals(new int[] {1, 3, 3, 3}, Session.stepsAlone(atAll, atOne, 3));
    assertEquals(null, Session.stepsAlone(new long[][] {{10, 10, 10, 10}}, new long[][] {{9, 9, 9, 9}}, 2));
    assertTrue(Session.keepChoice(new long[] {95, 96, 200, 96}, new long[] {100, 100, 100, 101}));
    assertTrue(!Session.keepChoice(new long[] {98, 98, 98, 98}, new long[] {100, 100, 100, 100}), "2% is noise");
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "java"})
  void aTunedTwoThreadDepthwiseBlockMatchesAndReportsEachStepsThreads(String backend) {
    Kernels k = KernelVariants.get(backend.equals("java") ? "java" : "native/" + Backends.defaultIsa().name().toLowerCase());
    dev.layerfuse.nn.Module m = new dev.layerfuse.nn.Sequential(
        dev.layerfuse.nn.Conv2d.builder(32, 96, 1).bias(false).build(), new dev.layerfuse.nn.ReLU6(),
        dev.layerfuse.nn.Conv2d.builder(96, 96, 3).padding(1).groups(96).build(), new dev.layerfuse.nn.ReLU6(),
        dev.layerfuse.nn.Conv2d.builder(96, 32, 1).build());
    Shape shape = Shape.of(1, 32, 28, 28);
    assertSplitMatches(k, m, shape, backend + " depthwise block");
    Graph g = Init.randomize(m, 5).toGraph(shape);
    float[] x = new float[(int) shape.numel()];
    java.util.SplittableRandom r = new java.util.SplittableRandom(7);
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
    Map<String, Tensor> in = Map.of("input", Tensor.wrap(shape, x));
    float[] ref = dev.layerfuse.exec.java.JavaInterpreter.run(g, in).values().iterator().next().toArray();
    try (Session s2 = Session.of(g, k, 2)) {
      Map<String, Shape> shapes = Map.of("input", shape);
      java.util.List<Session.StepTime> steps = s2.profile(shapes, Map.of("input", x), 3);
      assertTrue(steps.size() >= 3, steps.toString());
      for (Session.StepTime t : steps) assertTrue(t.threads() == 1 || t.threads() == 2, t.toString());
      // The mixed path, forced both ways round: a step alone after or before a two-thread step.
      for (int first : new int[] {1, 2}) {
        int[] counts = new int[steps.size()];
        for (int i = 0; i < counts.length; i++) counts[i] = (i % 2 == 0) == (first == 1) ? 1 : 2;
        s2.setStepThreads(shapes, counts);
        java.util.List<Session.StepTime> forced = s2.profile(shapes, Map.of("input", x), 1);
        for (int i = 0; i < counts.length; i++) assertEquals(counts[i], forced.get(i).threads(), forced.get(i).toString());
        float[] got = s2.run(in).values().iterator().next().toArray();
        dev.layerfuse.tensor.Difference d = dev.layerfuse.tensor.Difference.of(ref, got);
        assertTrue(d.within(1e-5), backend + " steps alone from " + first + ": " + d);
      }
      IllegalArgumentException three = assertThrows(IllegalArgumentException.class,
          () -> s2.setStepThreads(shapes, new int[steps.size()]));
      assertTrue(three.getMessage().contains("step 0") && three.getMessage().contains("expected 1 or 2 threads, got 0"),
          three.getMessage());
      IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
          () -> s2.setStepThreads(shapes, new int[] {1}));
      assertTrue(length.getMessage().contains("expected " + steps.size() + " (one per step), got 1"), length.getMessage());
    }
    assertEquals(0, workers());
  }

  /** The module run by a 1-thread and a 2-thread session gives the same output within 1e-5. */
  private static void assertSplitMatches(Kernels k, dev.layerfuse.nn.Module m, Shape shape, String what) {
    Graph g = Init.randomize(m, 5).toGraph(shape);
    float[] x = new float[(int) shape.numel()];
    java.util.SplittableRandom r = new java.util.SplittableRandom(shape.numel());
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
    Map<String, Tensor> in = Map.of("input", Tensor.wrap(shape, x));
    try (Session s1 = Session.of(g, k, 1); Session s2 = Session.of(g, k, 2)) {
      float[] one = s1.run(in).values().iterator().next().toArray(), two = s2.run(in).values().iterator().next().toArray();
      dev.layerfuse.tensor.Difference d = dev.layerfuse.tensor.Difference.of(one, two);
      assertTrue(d.within(1e-5), what + ": " + d);
      // Against the reference interpreter too, so a part skipped or written twice cannot pass as "equal".
      float[] ref = dev.layerfuse.exec.java.JavaInterpreter.run(g, in).values().iterator().next().toArray();
      assertTrue(dev.layerfuse.tensor.Difference.of(ref, two).within(1e-5), what + " vs reference");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "java"})
  void twoThreadSessionsGiveTheSameResultsAndLeaveNoThreads(String backend) {
    Kernels k = KernelVariants.get(backend.equals("java") ? "java" : "native/" + Backends.defaultIsa().name().toLowerCase());
    Graph g = Init.randomize(MobileNetV2.create(10), 3).toGraph(Shape.of(2, 3, 64, 64));
    float[] x = new float[(int) Shape.of(2, 3, 64, 64).numel()];
    java.util.SplittableRandom r = new java.util.SplittableRandom(4);
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
    Map<String, Tensor> in = Map.of("input", Tensor.wrap(Shape.of(2, 3, 64, 64), x));
    float[] one, two;
    try (Session s1 = Session.of(g, k, 1); Session s2 = Session.of(g, k, 2)) {
      assertEquals(2, s2.threads());
      one = s1.run(in).values().iterator().next().toArray();
      two = s2.run(in).values().iterator().next().toArray();
    }
    if (backend.equals("java")) {
      assertArrayEquals(one, two, "splitting output columns over threads does not change any sum's order");
    } else {
      // Native conv tiles shrink with the per-thread scratch, so OpenBLAS may block K differently.
      dev.layerfuse.tensor.Difference d = dev.layerfuse.tensor.Difference.of(one, two);
      assertTrue(d.within(1e-5), d.toString());
    }
    assertEquals(0, workers());
    assertThrows(IllegalArgumentException.class, () -> Session.of(g, k, 0));
  }
}
