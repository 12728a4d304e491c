package dev.layerfuse.bench;

import dev.layerfuse.graph.Graph;
import dev.layerfuse.nn.BatchNorm1d;
import dev.layerfuse.nn.BatchNorm2d;
import dev.layerfuse.nn.Conv2d;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.Linear;
import dev.layerfuse.nn.Module;
import dev.layerfuse.nn.ReLU;
import dev.layerfuse.nn.Sequential;
import dev.layerfuse.nn.models.ResNet;
import dev.layerfuse.tensor.Shape;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The fusion patterns one at a time, fused and unfused in the same class, on layerfuse native,
 * layerfuse Java, and ONNX Runtime (fused = all graph optimisations, unfused = none) from one
 * run, so every ratio (fused/unfused, native/Java, layerfuse/ORT) comes from the same conditions.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar PatternBenchmark -rf json}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dlayerfuse.blas.threads=1"})
@State(Scope.Benchmark)
public class PatternBenchmark extends EngineBenchmark {
  @Param({"conv3x3-bn-relu", "dw3x3-bn-relu", "pw1x1-bn-relu", "conv-bn-add-relu", "gemm-relu-b1", "gemm-relu-b32",
      "linear-bn", "bn-linear", "linear-linear"})
  public String pattern;

  @Param({"NATIVE", "JAVA", "ORT"})
  public Engines.Engine engine;

  @Param({"1"})
  public int threads;

  /** The pattern as a layer-API model and its input shape. */
  static Graph graph(String pattern) {
    Module m;
    Shape in;
    switch (pattern) {
      case "conv3x3-bn-relu":
        m = new Sequential(Conv2d.builder(64, 64, 3).padding(1).bias(false).build(), new BatchNorm2d(64), new ReLU());
        in = Shape.of(1, 64, 56, 56);
        break;
      case "dw3x3-bn-relu":
        m = new Sequential(Conv2d.builder(64, 64, 3).padding(1).groups(64).bias(false).build(), new BatchNorm2d(64), new ReLU());
        in = Shape.of(1, 64, 128, 128);
        break;
      case "pw1x1-bn-relu":
        m = new Sequential(Conv2d.builder(256, 256, 1).bias(false).build(), new BatchNorm2d(256), new ReLU());
        in = Shape.of(1, 256, 28, 28);
        break;
      case "conv-bn-add-relu":
        m = ResNet.basicBlock(64, 64, 1);
        in = Shape.of(1, 64, 56, 56);
        break;
      case "gemm-relu-b1": case "gemm-relu-b32":
        m = new Sequential(new Linear(4096, 4096), new ReLU());
        in = Shape.of(pattern.endsWith("b1") ? 1 : 32, 4096);
        break;
      case "linear-bn":
        m = new Sequential(new Linear(1024, 1024), new BatchNorm1d(1024));
        in = Shape.of(32, 1024);
        break;
      case "bn-linear":
        m = new Sequential(new BatchNorm1d(1024), new Linear(1024, 1024));
        in = Shape.of(32, 1024);
        break;
      case "linear-linear":
        m = new Sequential(new Linear(1024, 1024), new Linear(1024, 1024));
        in = Shape.of(32, 1024);
        break;
      default: throw new IllegalArgumentException("unknown pattern " + pattern);
    }
    return Init.randomize(m, 1).toGraph(in);
  }

  @Override
  Graph graph() {
    return graph(pattern);
  }

  @Override
  Engines.Engine engine() {
    return engine;
  }

  @Override
  int threads() {
    return threads;
  }
}
