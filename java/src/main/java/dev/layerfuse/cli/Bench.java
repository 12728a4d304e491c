package dev.layerfuse.cli;

import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.Backends;
import dev.layerfuse.onnx.OnnxModel;
import dev.layerfuse.tensor.Difference;
import dev.layerfuse.tensor.TypedArray;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code layerfuse bench}: fused vs unfused latency of one run each (the copies of the input in and
 * the outputs out included; float32 models run on float arrays, {@link Runner#timedCall}), median
 * and p90 of at least 30 timings of each after warm-up, the two timed in interleaved blocks
 * ({@link Timing#measurePair}).
 */
final class Bench {
  static final int MIN_RUNS = 30;
  static final long BUDGET_NANOS = 300_000_000_000L;

  private Bench() {}

  static int run(String[] argv, PrintStream out) {
    if (argv.length == 1 && argv[0].equals("--help")) {
      out.println("Usage: layerfuse bench MODEL.onnx [--threads N] [--batch N] [--backend native|java|auto] [--json FILE]");
      out.println("                       [--runs N] [--warmup-ms MS] [--profile] [--against native|java] [--against-threads N]");
      out.println("Fused vs unfused latency: after warm-up, the median (and p90) of at least 30 wall-clock timings of");
      out.println("one run each, fused and unfused in interleaved blocks (so a host changing speed part-way shifts both");
      out.println("alike; each block starts with an untimed run that refills the caches), at most 5 minutes per model.");
      out.println("--json writes {model, backend, threads, batch, fused, unfused, speedup}.");
      out.println("--threads N: the session's intra-op threads (the caller and N - 1 pool workers).");
      out.println("--profile: then the fused model's kernel calls with their median times (the 15 slowest, and the");
      out.println("total per kernel kind).");
      out.println("--against B: instead of unfused, the fused model on backend B (the other one), in interleaved blocks in");
      out.println("this process: the backends' ratio (e.g. java/native) that separate runs on a noisy host cannot give.");
      out.println("--json then writes {model, backend, against, threads, against_threads, batch, fused, against_fused, ratio}.");
      out.println("--against-threads N: the same with the other side at N threads (on the same backend unless --against");
      out.println("names the other): e.g. --threads 2 --against-threads 1 gives the 2-thread time over the 1-thread one.");
      return Main.OK;
    }
    Args a = Args.parse(argv, Set.of("--threads", "--batch", "--backend", "--json", "--runs", "--warmup-ms", "--against",
        "--against-threads"), Set.of("--profile"));
    String model = a.model("MODEL.onnx");
    Backend backend = Runner.backend(a.one("--backend", "auto"));
    int threads = a.positiveInt("--threads", 1), runs = Math.max(MIN_RUNS, a.positiveInt("--runs", MIN_RUNS));
    Integer batch = a.one("--batch", null) == null ? null : a.positiveInt("--batch", 1);
    long warmup = a.positiveInt("--warmup-ms", 1000) * 1_000_000L;
    String json = a.one("--json", null);
    Backend resolved = Backends.resolve(backend);
    boolean otherThreadCount = a.one("--against-threads", null) != null;
    if (a.one("--against", null) != null || otherThreadCount) {
      Backend other = resolved;
      if (a.one("--against", null) != null) {
        other = Runner.backend(a.one("--against", null));
        if (other == Backend.AUTO) throw new Main.UsageException("--against expects native or java, got 'auto'");
        if (other == resolved && !otherThreadCount) {
          throw new Main.UsageException("--against must name the other backend: --backend resolves to "
              + resolved.name().toLowerCase(Locale.ROOT) + " and --against is " + other.name().toLowerCase(Locale.ROOT));
        }
      }
      int otherThreads = a.positiveInt("--against-threads", threads);
      if (Backends.resolve(other) == resolved && otherThreads == threads) {
        throw new Main.UsageException("--against-threads must differ from --threads on the same backend, both are " + threads);
      }
      return against(model, resolved, Backends.resolve(other), threads, otherThreads, batch, runs, warmup, json,
          a.has("--profile"), out);
    }
    try (OnnxModel fused = Runner.open(model, resolved, true, threads);
         OnnxModel unfused = Runner.open(model, resolved, false, threads)) {
      Map<String, TypedArray> feed = Runner.seeded(fused, batch, 42);
      int b = batchOf(feed);
      out.println("bench " + model + ": backend " + Runner.describe(resolved) + ", threads " + threads + ", batch " + b);
      double worst = worstDifference(unfused.run(feed), fused.run(feed));
      Progress p = Progress.on(out, runs);
      // Interleaved, so a host that changes speed part-way cannot make one of the two look faster.
      Timing.Stats[] uf = Timing.measurePair(Runner.timedCall(unfused, feed), Runner.timedCall(fused, feed), runs, 10 * runs, warmup,
          BUDGET_NANOS, () -> p.step("unfused + fused"));
      Timing.Stats u = uf[0], f = uf[1];
      double speedup = u.medianMs() / f.medianMs();
      out.printf(Locale.ROOT, "%-10s %12s %12s %6s%n", "", "median ms", "p90 ms", "runs");
      out.printf(Locale.ROOT, "%-10s %12.3f %12.3f %6d%n", "unfused", u.medianMs(), u.p90Ms(), u.runs());
      out.printf(Locale.ROOT, "%-10s %12.3f %12.3f %6d%n", "fused", f.medianMs(), f.p90Ms(), f.runs());
      out.printf(Locale.ROOT, "speedup %.3fx (unfused/fused median); fused vs unfused max|d|/max|ref| %.2e%n", speedup, worst);
      if (a.has("--profile")) printProfile(fused.profile(feed, runs), out);
      if (json != null) {
        String j = String.format(Locale.ROOT, "{\"model\": %s, \"backend\": \"%s\", \"threads\": %d, \"batch\": %d, "
            + "\"fused\": %s, \"unfused\": %s, \"speedup\": %.6f, \"relative_error\": %.3e%s}%n",
            quote(model), resolved.name().toLowerCase(Locale.ROOT), threads, b, f.json(), u.json(), speedup, worst, "");
        write(json, j);
      }
    }
    return Main.OK;
  }

  /**
   * {@code --against} / {@code --against-threads}: the fused model on {@code backend} at
   * {@code threads} and on {@code other} at {@code otherThreads}, timed in interleaved blocks in
   * this process, and the ratio of their medians.
   */
  private static int against(String model, Backend backend, Backend other, int threads, int otherThreads, Integer batch,
                             int runs, long warmup, String json, boolean profile, PrintStream out) {
    try (OnnxModel mine = Runner.open(model, backend, true, threads);
         OnnxModel theirs = Runner.open(model, other, true, otherThreads)) {
      Map<String, TypedArray> feed = Runner.seeded(mine, batch, 42);
      int b = batchOf(feed);
      // With two thread counts the sides are told apart by them.
      String suffix = threads != otherThreads ? " t" + threads : "", otherSuffix = threads != otherThreads ? " t" + otherThreads : "";
      String name = backend.name().toLowerCase(Locale.ROOT) + suffix, otherName = other.name().toLowerCase(Locale.ROOT) + otherSuffix;
      out.println("bench " + model + ": backend " + Runner.describe(backend) + " against " + Runner.describe(other)
          + ", fused, threads " + threads + (threads != otherThreads ? " against " + otherThreads : "") + ", batch " + b);
      double worst = worstDifference(theirs.run(feed), mine.run(feed));
      Progress p = Progress.on(out, runs);
      Timing.Stats[] t = Timing.measurePair(Runner.timedCall(mine, feed), Runner.timedCall(theirs, feed), runs, 10 * runs, warmup,
          BUDGET_NANOS, () -> p.step(name + " + " + otherName));
      double ratio = t[0].medianMs() / t[1].medianMs();
      out.printf(Locale.ROOT, "%-10s %12s %12s %6s%n", "fused", "median ms", "p90 ms", "runs");
      out.printf(Locale.ROOT, "%-10s %12.3f %12.3f %6d%n", name, t[0].medianMs(), t[0].p90Ms(), t[0].runs());
      out.printf(Locale.ROOT, "%-10s %12.3f %12.3f %6d%n", otherName, t[1].medianMs(), t[1].p90Ms(), t[1].runs());
      out.printf(Locale.ROOT, "%s/%s %.3f (medians); %s vs %s max|d|/max|ref| %.2e%n", name, otherName, ratio, name, otherName,
          worst);
      if (profile) printProfile(mine.profile(feed, runs), out);
      if (json != null) {
        write(json, String.format(Locale.ROOT, "{\"model\": %s, \"backend\": \"%s\", \"against\": \"%s\", \"threads\": %d, "
            + "\"against_threads\": %d, \"batch\": %d, \"fused\": %s, \"against_fused\": %s, \"ratio\": %.6f, "
            + "\"relative_error\": %.3e}%n", quote(model), backend.name().toLowerCase(Locale.ROOT),
            other.name().toLowerCase(Locale.ROOT), threads, otherThreads, b, t[0].json(), t[1].json(), ratio, worst));
      }
    }
    return Main.OK;
  }

  /** The batch of a feed: its first input's leading dimension (1 for scalars or no inputs). */
  private static int batchOf(Map<String, TypedArray> feed) {
    if (feed.isEmpty()) return 1;
    TypedArray first = feed.values().iterator().next();
    return (int) Math.max(1, first.rank() > 0 ? first.dim(0) : 1);
  }

  /** The largest relative difference (max|d| / max|reference|) over the floating-point outputs. */
  private static double worstDifference(Map<String, TypedArray> reference, Map<String, TypedArray> other) {
    double worst = 0;
    for (String o : other.keySet()) {
      if (!other.get(o).type().isFloating()) continue;
      worst = Math.max(worst, Difference.of(reference.get(o).toTensor().toArray(), other.get(o).toTensor().toArray()).relative());
    }
    return worst;
  }

  private static void write(String json, String text) {
    try {
      Path jp = Path.of(json).toAbsolutePath();
      if (jp.getParent() != null) Files.createDirectories(jp.getParent());
      Files.writeString(jp, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new Main.UsageException("cannot write " + json + ": " + e.getMessage());
    }
  }

  /**
   * The slowest calls (with the threads each runs on), then the time per kernel kind (the kernel
   * name up to its first space), then how many calls the plan's tuning runs on one thread.
   */
  static void printProfile(java.util.List<dev.layerfuse.exec.Session.StepTime> steps, PrintStream out) {
    double total = steps.stream().mapToDouble(dev.layerfuse.exec.Session.StepTime::medianMs).sum();
    out.printf(Locale.ROOT, "profile (fused, median per call; sum %.3f ms):%n", total);
    steps.stream().sorted((x, y) -> Double.compare(y.medianMs(), x.medianMs())).limit(15).forEach(t ->
        out.printf(Locale.ROOT, "  %9.3f ms %5.1f%%  t%d  %-24s %s%n", t.medianMs(), 100 * t.medianMs() / total,
            t.threads(), t.node(), t.kernel()));
    Map<String, Double> kinds = new java.util.TreeMap<>();
    for (var t : steps) kinds.merge(t.kernel().split(" ", 2)[0], t.medianMs(), Double::sum);
    out.println("per kernel kind:");
    kinds.entrySet().stream().sorted((x, y) -> Double.compare(y.getValue(), x.getValue())).forEach(e ->
        out.printf(Locale.ROOT, "  %9.3f ms %5.1f%%  %s%n", e.getValue(), 100 * e.getValue() / total, e.getKey()));
    int most = steps.stream().mapToInt(dev.layerfuse.exec.Session.StepTime::threads).max().orElse(1);
    if (most > 1) {
      long alone = steps.stream().filter(t -> t.threads() == 1).count();
      out.printf(Locale.ROOT, "calls on one thread (plan tuning): %d of %d%n", alone, steps.size());
    }
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
