package dev.layerfuse.cli;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.Backends;
import dev.layerfuse.exec.BiasMode;
import dev.layerfuse.exec.FloatBuf;
import dev.layerfuse.exec.Gemm;
import dev.layerfuse.exec.Kernels;
import dev.layerfuse.tensor.Difference;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * {@code layerfuse demo}: GEMM + bias + ReLU (the fused epilogue every layer will use) on the
 * native and Java backends, on a conv-shaped GEMM, a square one and a batch-1 Linear layer.
 * Checks that both agree within 1e-5 relative and reports median times.
 */
final class Demo {
  private static final double TOLERANCE = 1e-5;

  private Demo() {}

  private record Case(String name, Gemm gemm) {}

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length > 0 && args[0].equals("--help")) {
      out.println("Usage: layerfuse demo");
      out.println("Runs GEMM+bias+ReLU on the native and Java backends, checks they agree (1e-5 relative),");
      out.println("and prints median latencies. Exit status 1 if they disagree.");
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
