package dev.layerfuse.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.TensorInfo;
import dev.layerfuse.onnx.OnnxExporter;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

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
    if (args.length < 1 || args.length > 4) {
      System.err.println("usage: OrtBench export DIR | OrtBench MODEL.onnx [THREADS] [RUNS] [BATCH]");
      System.exit(2);
    }
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 30;
    int batch = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    if (threads < 1 || runs < 1 || batch < 1) {
      System.err.println("THREADS, RUNS and BATCH must be >= 1, got " + threads + ", " + runs + ", " + batch);
      System.exit(2);
    }
    bench(Path.of(args[0]), threads, runs, batch);
  }

  static void bench(Path model, int threads, int runs, int batch) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
      o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      o.setIntraOpNumThreads(threads);
      o.setInterOpNumThreads(1);
      o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      try (OrtSession s = env.createSession(model.toString(), o)) {
        Map.Entry<String, NodeInfo> in = s.getInputInfo().entrySet().iterator().next();
        long[] dims = ((TensorInfo) in.getValue().getInfo()).getShape();
        for (int i = 0; i < dims.length; i++) if (dims[i] < 0) dims[i] = i == 0 && dims.length >= 2 ? batch : 1;
        float[] x = new float[(int) Arrays.stream(dims).reduce(1, (p, q) -> p * q)];
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
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

  private static void once(OrtEnvironment env, OrtSession s, String name, float[] x, long[] dims) throws OrtException {
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), dims);
         OrtSession.Result r = s.run(Map.of(name, t))) {
      ((OnnxTensor) r.get(0)).getFloatBuffer();
    }
  }
}
