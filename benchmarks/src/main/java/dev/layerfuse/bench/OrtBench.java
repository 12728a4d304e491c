package dev.layerfuse.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.TensorInfo;
import dev.layerfuse.cli.Timing;
import dev.layerfuse.exec.Backend;
import dev.layerfuse.onnx.OnnxExporter;
import dev.layerfuse.onnx.OnnxModel;
import dev.layerfuse.tensor.DType;
import dev.layerfuse.tensor.TypedArray;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ONNX Runtime side of "the figure that counts": {@code layerfuse bench MODEL.onnx} against
 * ONNX Runtime on the same file, back to back.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.layerfuse.bench.OrtBench export DIR
 *     writes the benchmark networks (resnet18.onnx, resnet18-b8.onnx, mobilenetv2.onnx, alexnet-bn.onnx,
 *     mlp-bn.onnx, mlp-bn-b32.onnx: unfused, with BatchNormalization) for both tools to read
 * java -cp benchmarks/target/benchmarks.jar dev.layerfuse.bench.OrtBench MODEL.onnx [THREADS] [RUNS] [BATCH]
 *     ONNX Runtime, all graph optimisations, intra-op THREADS (1), inter-op 1, sequential: median
 *     and p90 of RUNS (30) timed runs after 1 s of warm-up, each copying a seeded input into a new
 *     tensor as a request would (the way layerfuse bench times its runs). The exported files have
 *     a symbolic batch dimension: BATCH (1) sets it, as {@code layerfuse bench --batch} does, so
 *     resnet18-b8.onnx is timed at batch 8 with {@code OrtBench DIR/resnet18-b8.onnx T 30 8}.
 * java -cp benchmarks/target/benchmarks.jar dev.layerfuse.bench.OrtBench vs MODEL.onnx [THREADS] [RUNS] [BATCH] [BACKEND]
 *     the same ONNX Runtime session and layerfuse's fused model of the same file (BACKEND native,
 *     or java) in one process, timed in interleaved blocks as {@code layerfuse bench} times fused
 *     against unfused: a host that changes speed part-way (this one swings by 30% over minutes)
 *     slows both alike, so the ratio printed is meaningful where two separate runs' medians are not.
 *     At one thread only. At THREADS > 1 the two engines' thread pools share the process's cores:
 *     ONNX Runtime's intra-op workers go on spinning after a run, into layerfuse's block (MLP-BN
 *     at 2 threads: layerfuse 1.8 ms on its own, 3.2-4.0 ms here). The caller sleeps
 *     {@code -Dlayerfuse.vs.gapMillis} (default 20 at THREADS > 1, 0 at one) before the first,
 *     untimed, call of each block, which lets the spinning end, and the header says the figures
 *     are indicative; {@code -Dlayerfuse.vs.noSpin=true} turns ONNX Runtime's spinning off (not its
 *     default configuration: a diagnostic). For 2-thread ratios, alternate {@code layerfuse bench}
 *     with {@code OrtBench MODEL.onnx} in separate processes.
 * java -cp benchmarks/target/benchmarks.jar dev.layerfuse.bench.OrtBench profile MODEL.onnx [THREADS] [RUNS] [BATCH]
 *     ONNX Runtime's own profiler on the same session: each node of the optimised graph (as ONNX
 *     Runtime rewrote it: fused and NCHWc nodes) with its median kernel time over RUNS (30) runs
 *     after 1 s of warm-up, in execution order, then their sum and the median run. Set beside
 *     {@code layerfuse bench MODEL.onnx --profile}, it says layer by layer where either engine
 *     spends its time (the profiler's timing makes runs slightly slower than unprofiled ones).
 * </pre>
 */
public final class OrtBench {
  private OrtBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("export")) {
      Path dir = Path.of(args[1]);
      Files.createDirectories(dir);
      for (String m : new String[] {"resnet18", "resnet18-b8", "mobilenetv2", "alexnet-bn", "mlp-bn", "mlp-bn-b32"}) {
        OnnxExporter.write(NetworkBenchmark.graph(m), dir.resolve(m + ".onnx"));
        System.out.println("wrote " + dir.resolve(m + ".onnx"));
      }
      return;
    }
    boolean vs = args.length >= 2 && args[0].equals("vs");
    boolean profile = args.length >= 2 && args[0].equals("profile");
    int at = vs || profile ? 1 : 0;
    if (args.length < at + 1 || args.length > at + (vs ? 5 : 4)) {
      System.err.println("usage: OrtBench export DIR | OrtBench MODEL.onnx [THREADS] [RUNS] [BATCH]");
      System.err.println("       OrtBench vs MODEL.onnx [THREADS] [RUNS] [BATCH] [native|java]");
      System.err.println("       OrtBench profile MODEL.onnx [THREADS] [RUNS] [BATCH]");
      System.exit(2);
    }
    int threads = args.length > at + 1 ? Integer.parseInt(args[at + 1]) : 1;
    int runs = args.length > at + 2 ? Integer.parseInt(args[at + 2]) : 30;
    int batch = args.length > at + 3 ? Integer.parseInt(args[at + 3]) : 1;
    String backend = args.length > at + 4 ? args[at + 4] : "native";
    if (threads < 1 || runs < 1 || batch < 1) {
      System.err.println("THREADS, RUNS and BATCH must be >= 1, got " + threads + ", " + runs + ", " + batch);
      System.exit(2);
    }
    if (!backend.equals("native") && !backend.equals("java")) {
      System.err.println("BACKEND must be native or java, got " + backend);
      System.exit(2);
    }
    if (vs) versus(Path.of(args[1]), threads, runs, batch, backend.equals("java") ? Backend.JAVA : Backend.NATIVE);
    else if (profile) profile(Path.of(args[1]), threads, runs, batch);
    else bench(Path.of(args[0]), threads, runs, batch);
  }

  /** ONNX Runtime and layerfuse's fused model of one file, timed in interleaved blocks in this process. */
  static void versus(Path model, int threads, int runs, int batch, Backend backend) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = options(threads);
         OrtSession s = createSession(env, model, o);
         OnnxModel lf = OnnxModel.load(model, backend, true, threads)) {
      Map.Entry<String, NodeInfo> in = s.getInputInfo().entrySet().iterator().next();
      long[] dims = dims(in.getValue(), batch);
      float[] x = seeded(dims);
      double[] xd = new double[x.length];
      for (int i = 0; i < x.length; i++) xd[i] = x[i];
      Map<String, TypedArray> feed = Map.of(in.getKey(), TypedArray.ofReals(DType.FLOAT32, dims, xd));
      long gap = Long.getLong("layerfuse.vs.gapMillis", threads > 1 ? 20 : 0);
      boolean[] lastOrt = {false};
      Runnable ort = () -> {
        if (!lastOrt[0]) pause(gap);
        lastOrt[0] = true;
        try {
          once(env, s, in.getKey(), x, dims);
        } catch (OrtException e) {
          throw new IllegalStateException("ONNX Runtime: " + e.getMessage(), e);
        }
      };
      // Both sides copy the request's floats in and the outputs out: ONNX Runtime into a new tensor,
      // layerfuse through runFloats (not TypedArray's double conversions, 0.7 ms of MobileNetV2's run).
      Map<String, float[]> outs = new java.util.LinkedHashMap<>();
      lf.run(feed).forEach((k, v) -> outs.put(k, new float[v.numel()]));
      Map<String, long[]> shape = Map.of(in.getKey(), dims);
      Map<String, float[]> values = Map.of(in.getKey(), x);
      Runnable ours = () -> {
        if (lastOrt[0]) pause(gap);
        lastOrt[0] = false;
        lf.runFloats(shape, values, outs);
      };
      Timing.Stats[] t = Timing.measurePair(ort, ours, runs, 10 * runs, 1_000_000_000L, 20_000_000_000L, null);
      System.out.printf(Locale.ROOT, "vs %s: threads %d, batch %d, interleaved blocks%s%n", model, threads,
          dims.length >= 2 ? dims[0] : 1, (gap > 0 ? ", " + gap + " ms pause before each block" : "")
              + (threads > 1 ? " (indicative: the two thread pools share the cores)" : ""));
      System.out.printf(Locale.ROOT, "  onnxruntime       median %8.3f ms  p90 %8.3f ms  runs %d%n", t[0].medianMs(), t[0].p90Ms(), t[0].runs());
      System.out.printf(Locale.ROOT, "  layerfuse %-7s median %8.3f ms  p90 %8.3f ms  runs %d%n", backend.name().toLowerCase(Locale.ROOT),
          t[1].medianMs(), t[1].p90Ms(), t[1].runs());
      System.out.printf(Locale.ROOT, "  layerfuse/onnxruntime %.3f (medians)%n", t[1].medianMs() / t[0].medianMs());
    }
  }

  /** The session of {@link #versus}, with ONNX Runtime's spinning off under {@code -Dlayerfuse.vs.noSpin=true}. */
  private static OrtSession createSession(OrtEnvironment env, Path model, OrtSession.SessionOptions o) throws OrtException {
    if (Boolean.getBoolean("layerfuse.vs.noSpin")) o.addConfigEntry("session.intra_op.allow_spinning", "0");
    return env.createSession(model.toString(), o);
  }

  private static void pause(long millis) {
    if (millis <= 0) return;
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static OrtSession.SessionOptions options(int threads) throws OrtException {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    o.setIntraOpNumThreads(threads);
    o.setInterOpNumThreads(1);
    o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
    return o;
  }

  /** The input's dimensions with a symbolic batch set to {@code batch} and other symbolic ones to 1. */
  private static long[] dims(NodeInfo input, int batch) throws OrtException {
    long[] dims = ((TensorInfo) input.getInfo()).getShape();
    for (int i = 0; i < dims.length; i++) if (dims[i] < 0) dims[i] = i == 0 && dims.length >= 2 ? batch : 1;
    return dims;
  }

  private static float[] seeded(long[] dims) {
    float[] x = new float[(int) Arrays.stream(dims).reduce(1, (p, q) -> p * q)];
    SplittableRandom r = new SplittableRandom(42);
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
    return x;
  }

  static void bench(Path model, int threads, int runs, int batch) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = options(threads)) {
      try (OrtSession s = env.createSession(model.toString(), o)) {
        Map.Entry<String, NodeInfo> in = s.getInputInfo().entrySet().iterator().next();
        long[] dims = dims(in.getValue(), batch);
        float[] x = seeded(dims);
        long warmEnd = System.nanoTime() + 1_000_000_000L;
        int warm = 0;
        while (warm < 2 || System.nanoTime() < warmEnd) {
          once(env, s, in.getKey(), x, dims);
          warm++;
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
          long t0 = System.nanoTime();
          once(env, s, in.getKey(), x, dims);
          ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        double median = runs % 2 == 1 ? ms[runs / 2] : (ms[runs / 2 - 1] + ms[runs / 2]) / 2;
        System.out.printf(Locale.ROOT, "onnxruntime %s: threads %d, batch %d, all optimisations, median %.3f ms, p90 %.3f ms, runs %d%n",
            model, threads, dims.length >= 2 ? dims[0] : 1, median, ms[Math.min(runs - 1, (int) Math.ceil(0.9 * runs) - 1)], runs);
      }
    }
  }

  /** One node's kernel time in ONNX Runtime's profile (start and duration in microseconds). */
  private record NodeEvent(String name, String op, long start, long micros) {}

  /** One event of ONNX Runtime's profile: its fields on the line that holds it (one per line). */
  private static final Pattern EVENT = Pattern.compile(
      "\\{\"cat\" : \"(\\w+)\".*?\"dur\" :(\\d+),\"ts\" :(\\d+),.*?\"name\" :\"([^\"]*)\"(?:.*?\"op_name\" : \"([^\"]*)\")?");

  /** ONNX Runtime's per-node kernel times over the timed runs (see the class comment). */
  static void profile(Path model, int threads, int runs, int batch) throws OrtException, java.io.IOException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Path dir = Files.createTempDirectory("layerfuse-ortprofile");
    try {
      profileIn(env, dir, model, threads, runs, batch);
    } finally {
      try (java.util.stream.Stream<Path> left = Files.list(dir)) {
        for (Path f : left.toList()) Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    }
  }

  private static void profileIn(OrtEnvironment env, Path dir, Path model, int threads, int runs, int batch)
      throws OrtException, java.io.IOException {
    Path file;
    int warm = 0;
    long[] dims;
    try (OrtSession.SessionOptions o = options(threads)) {
      o.enableProfiling(dir.resolve("ort").toString());
      try (OrtSession s = env.createSession(model.toString(), o)) {
        Map.Entry<String, NodeInfo> in = s.getInputInfo().entrySet().iterator().next();
        dims = dims(in.getValue(), batch);
        float[] x = seeded(dims);
        long warmEnd = System.nanoTime() + 1_000_000_000L;
        while (warm < 2 || System.nanoTime() < warmEnd) {
          once(env, s, in.getKey(), x, dims);
          warm++;
        }
        for (int i = 0; i < runs; i++) once(env, s, in.getKey(), x, dims);
        file = Path.of(s.endProfiling());
      }
    }
    java.util.List<long[]> runsAt = new java.util.ArrayList<>();  // {start, duration} of every run
    java.util.List<NodeEvent> nodes = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      Matcher m = EVENT.matcher(line);
      if (!m.find()) continue;
      long dur = Long.parseLong(m.group(2)), ts = Long.parseLong(m.group(3));
      String name = m.group(4);
      if (m.group(1).equals("Session") && name.equals("model_run")) runsAt.add(new long[] {ts, dur});
      else if (m.group(1).equals("Node") && name.endsWith("_kernel_time"))
        nodes.add(new NodeEvent(name.substring(0, name.length() - "_kernel_time".length()), m.group(5), ts, dur));
    }
    if (runsAt.size() != warm + runs)
      throw new IllegalStateException("ONNX Runtime's profile " + file + " holds " + runsAt.size() + " runs, expected "
          + (warm + runs));
    runsAt.sort((p, q) -> Long.compare(p[0], q[0]));
    long from = runsAt.get(warm)[0];  // the first timed run's start: warm-up nodes are earlier
    Map<String, java.util.List<Long>> times = new java.util.LinkedHashMap<>();
    Map<String, String> ops = new java.util.HashMap<>();
    for (NodeEvent n : nodes) {
      if (n.start() < from) continue;
      times.computeIfAbsent(n.name(), k -> new java.util.ArrayList<>()).add(n.micros());
      ops.put(n.name(), n.op() == null ? "?" : n.op());
    }
    System.out.printf(Locale.ROOT, "onnxruntime profile %s: threads %d, batch %d, all optimisations, %d runs after %d warm-up%n",
        model, threads, dims.length >= 2 ? dims[0] : 1, runs, warm);
    System.out.println("   median ms  op                    node");
    double sum = 0;
    for (Map.Entry<String, java.util.List<Long>> e : times.entrySet()) {
      double ms = medianMicros(e.getValue()) / 1000;
      sum += ms;
      System.out.printf(Locale.ROOT, "%12.3f  %-20s  %s%n", ms, ops.get(e.getKey()), e.getKey());
    }
    java.util.List<Long> total = new java.util.ArrayList<>();
    for (long[] r : runsAt.subList(warm, runsAt.size())) total.add(r[1]);
    System.out.printf(Locale.ROOT, "nodes %d, sum of node medians %.3f ms, median run %.3f ms%n", times.size(), sum,
        medianMicros(total) / 1000);
  }

  private static double medianMicros(java.util.List<Long> v) {
    long[] a = v.stream().mapToLong(Long::longValue).sorted().toArray();
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2.0;
  }

  private static void once(OrtEnvironment env, OrtSession s, String name, float[] x, long[] dims) throws OrtException {
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), dims);
         OrtSession.Result r = s.run(Map.of(name, t))) {
      ((OnnxTensor) r.get(0)).getFloatBuffer();
    }
  }
}
