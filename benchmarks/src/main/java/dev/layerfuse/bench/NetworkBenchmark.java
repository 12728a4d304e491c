package dev.layerfuse.bench;

import dev.layerfuse.graph.Graph;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.Module;
import dev.layerfuse.nn.models.AlexNetBn;
import dev.layerfuse.nn.models.MobileNetV2;
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
 * Whole networks, fused against unfused, on layerfuse native, layerfuse Java and ONNX Runtime
 * (fused = all graph optimisations, unfused = none; intra-op = threads, inter-op 1) in one run.
 * ResNet-18 at batch 1 and 8, MobileNetV2, AlexNet-BN, and the MLP-BN at batch 1 and 32.
 * layerfuse uses caller-owned outputs, so {@code -prof gc} shows its steady-state allocation.
 * Threads: the session's intra-op count (the shared worker pool; OpenBLAS single-threaded inside).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar NetworkBenchmark -p model=resnet18 -rf json}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Dlayerfuse.blas.threads=1"})
@State(Scope.Benchmark)
public class NetworkBenchmark extends EngineBenchmark {
  @Param({"resnet18", "resnet18-b8", "mobilenetv2", "alexnet-bn", "mlp-bn", "mlp-bn-b32"})
  public String model;

  @Param({"NATIVE", "JAVA", "ORT"})
  public Engines.Engine engine;

  @Param({"1", "2"})
  public int threads;

  static Graph graph(String model) {
    Module m;
    Shape in;
    switch (model) {
      case "resnet18": m = ResNet.resnet18(1000); in = Shape.of(1, 3, 224, 224); break;
      case "resnet18-b8": m = ResNet.resnet18(1000); in = Shape.of(8, 3, 224, 224); break;
      case "mobilenetv2": m = MobileNetV2.create(1000); in = Shape.of(1, 3, 224, 224); break;
      case "alexnet-bn": m = AlexNetBn.create(); in = Shape.of(1, 3, 227, 227); break;
      case "mlp-bn": m = AlexNetBn.mlp(); in = Shape.of(1, 4096); break;
      case "mlp-bn-b32": m = AlexNetBn.mlp(); in = Shape.of(32, 4096); break;
      default: throw new IllegalArgumentException("unknown model " + model);
    }
    return Init.randomize(m, 1).toGraph(in);
  }

  @Override
  Graph graph() {
    return graph(model);
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
