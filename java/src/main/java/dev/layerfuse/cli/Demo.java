package dev.layerfuse.cli;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.Backends;
import dev.layerfuse.exec.BiasMode;
import dev.layerfuse.exec.FloatBuf;
import dev.layerfuse.exec.Gemm;
import dev.layerfuse.exec.Kernels;
import dev.layerfuse.exec.Session;
import dev.layerfuse.fuse.Fuser;
import dev.layerfuse.fuse.Verifier;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.Module;
import dev.layerfuse.nn.models.MobileNetV2;
import dev.layerfuse.nn.models.ResNet;
import dev.layerfuse.tensor.Difference;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.Map;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code layerfuse demo}: GEMM + bias + ReLU (the fused epilogue every layer uses) on the native
 * and Java backends, checking they agree within 1e-5 relative; then ResNet-18 and MobileNetV2
 * built with the layer API, fused, verified against the unfused graph, and timed fused vs
 * unfused.
 */
final class Demo {
  private static final double TOLERANCE = 1e-5;
  private static final int RUNS = 10;

  private Demo() {}

  private record Case(String name, Gemm gemm) {}

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length > 0 && args[0].equals("--help")) {
      out.println("Usage: layerfuse demo");
      out.println("Runs GEMM+bias+ReLU on the native and Java backends and checks they agree (1e-5 relative); then");
      out.println("builds ResNet-18 and MobileNetV2 with seeded weights, fuses them, prints the fusion report, verifies");
      out.println("fused vs unfused (1e-4) and times both on each backend, ending in a table of medians and speedups.");
      out.println("Exit status 1 if a check fails.");
      return Main.OK;
    }
    if (args.length > 0) throw new Main.UsageException("takes no arguments, got '" + args[0] + "'");

    out.println("layerfuse demo: " + Backends.describe());
    List<Kernels> backends = new ArrayList<>();
    if (Backends.nativeAvailable()) backends.add(Backends.kernels(Backend.NATIVE));
    backends.add(Backends.kernels(Backend.JAVA));

    List<Case> cases = List.of(
        new Case("conv 3x3 64->64 @56x56 as GEMM (M=64 N=3136 K=576)",
            Gemm.of(64, 3136, 576).bias(BiasMode.PER_ROW).activation(Activation.relu()).build()),
        new Case("square (M=N=K=512), Linear weight layout",
            Gemm.of(512, 512, 512).transB(true).bias(BiasMode.PER_COL).activation(Activation.relu()).build()),
        new Case("Linear 4096->1000, batch 1 (GEMV)",
            Gemm.of(1, 1000, 4096).transB(true).bias(BiasMode.PER_COL).activation(Activation.relu()).build()));

    boolean agree = true;
    out.printf(Locale.ROOT, "%-52s %-14s %10s %9s %12s%n", "case", "backend", "median ms", "GFLOP/s", "rel. error");
    for (Case c : cases) {
      float[][] inputs = inputs(c.gemm());
      float[] first = null;
      for (Kernels k : backends) {
        Result r = measure(k, c.gemm(), inputs);
        String rel = "(reference)";
        if (first == null) {
          first = r.output;
        } else {
          Difference d = Difference.of(first, r.output);
          rel = String.format(Locale.ROOT, "%.2e", d.relative());
          if (!d.within(TOLERANCE)) agree = false;
        }
        out.printf(Locale.ROOT, "%-52s %-14s %10.3f %9.1f %12s%n", c.name(), k.describe(), r.medianMs,
            c.gemm().flops() / (r.medianMs * 1e6), rel);
      }
    }
    List<Backend> sessionBackends = new ArrayList<>();
    if (Backends.nativeAvailable()) sessionBackends.add(Backend.NATIVE);
    sessionBackends.add(Backend.JAVA);
    if (!fusionDemo(out, sessionBackends)) return Main.CHECK_FAILED;
    if (backends.size() < 2) {
      out.println("native backend unavailable (" + Backends.nativeUnavailableReason() + "): only Java ran");
    } else if (agree) {
      out.println("native and Java results agree within " + TOLERANCE + " relative (max|d| / max|ref|)");
    } else {
      err.println("native and Java results DISAGREE beyond " + TOLERANCE + " relative");
      return Main.CHECK_FAILED;
    }
    return Main.OK;
  }

  /**
   * ResNet-18 and MobileNetV2 with seeded weights: fuse, print the report, verify fused against
   * unfused, and time both through sessions on every available backend, ending in a table of
   * median latencies and speedups.
   */
  private static boolean fusionDemo(PrintStream out, List<Backend> backends) {
    out.println();
    out.println("fusion: ResNet-18 and MobileNetV2 (seeded random weights, batch 1, 3x224x224)");
    boolean ok = true;
    Object[][] models = {{"ResNet-18", ResNet.resnet18(1000)}, {"MobileNetV2", MobileNetV2.create(1000)}};
    List<String> rows = new ArrayList<>();
    Progress progress = Progress.on(out, models.length * backends.size() * 2 * RUNS);
    for (Object[] m : models) {
      Graph g = Init.randomize((Module) m[1], 2024).toGraph(Shape.of(1, 3, 224, 224));
      Fuser.Result r = Fuser.withDefaults().fuse(g);
      out.println();
      out.println(m[0] + ": " + g.nodes().size() + " nodes -> " + r.graph().nodes().size() + " fused");
      out.print(r.report());
      Map<String, Tensor> in = Verifier.randomInputs(g, 7);
      Verifier.Verification v = Verifier.verify(g, r.graph(), in);
      out.printf(Locale.ROOT, "verify %s: fused vs unfused max|d|/max|unfused| = %.2e (limit 1e-4) %s%n", m[0], v.maxRelative(),
          v.within(1e-4) ? "ok" : "FAILED");
      if (!v.within(1e-4)) ok = false;
      for (Backend b : backends) {
        double[] med = new double[2];
        for (int fused = 0; fused < 2; fused++) {
          String label = m[0] + " " + b.name().toLowerCase(Locale.ROOT) + (fused == 1 ? " fused" : " unfused");
          try (Session s = Session.create(g, b, fused == 1)) {
            med[fused] = Timing.measure(() -> s.run(in), RUNS, RUNS, 300_000_000L, 0, () -> progress.step(label)).medianMs();
          }
        }
        rows.add(String.format(Locale.ROOT, "%-12s %-8s %12.2f %12.2f %8.2fx", m[0], b.name().toLowerCase(Locale.ROOT),
            med[0], med[1], med[0] / med[1]));
      }
    }
    out.println();
    out.printf(Locale.ROOT, "%-12s %-8s %12s %12s %9s%n", "model", "backend", "unfused ms", "fused ms", "speedup");
    rows.forEach(out::println);
    out.println("(median of " + RUNS + " runs of Session.run after warm-up, one thread; `layerfuse bench` and the JMH"
        + " harness measure with more runs)");
    return ok;
  }

  private static float[][] inputs(Gemm g) {
    SplittableRandom rng = new SplittableRandom(42);
    float[][] in = new float[3][];
    in[0] = random(rng, g.aSize());
    in[1] = random(rng, g.bSize());
    in[2] = random(rng, g.biasSize());
    return in;
  }

  private static float[] random(SplittableRandom rng, long n) {
    float[] v = new float[(int) n];
    for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextDouble() * 2 - 1);
    return v;
  }

  private record Result(double medianMs, float[] output) {}

  private static Result measure(Kernels k, Gemm g, float[][] in) {
    try (FloatBuf a = k.allocate(g.aSize()); FloatBuf b = k.allocate(g.bSize());
         FloatBuf bias = k.allocate(g.biasSize()); FloatBuf c = k.allocate(g.cSize())) {
      a.put(0, in[0]);
      b.put(0, in[1]);
      bias.put(0, in[2]);
      // Warm up (the Java kernels need C2) for at least 0.3 s, then time 15 runs.
      long warmEnd = System.nanoTime() + 300_000_000L;
      do {
        k.gemm(g, a, 0, b, 0, bias, 0, null, 0, c, 0);
      } while (System.nanoTime() < warmEnd);
      double[] ms = new double[15];
      for (int i = 0; i < ms.length; i++) {
        long t0 = System.nanoTime();
        k.gemm(g, a, 0, b, 0, bias, 0, null, 0, c, 0);
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
      Arrays.sort(ms);
      float[] result = new float[(int) g.cSize()];
      c.get(0, result);
      return new Result(ms[ms.length / 2], result);
    }
  }
}
