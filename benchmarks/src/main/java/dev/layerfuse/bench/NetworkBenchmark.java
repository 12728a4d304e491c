package dev.layerfuse.bench;

import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.Session;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.Module;
import dev.layerfuse.nn.models.AlexNetBn;
import dev.layerfuse.nn.models.MobileNetV2;
import dev.layerfuse.nn.models.ResNet;
import dev.layerfuse.tensor.Shape;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Whole networks through a {@link Session}, fused against unfused (the same kernels with separate
 * BatchNorm, activation and add passes), native and Java, one thread, batch 1. Uses the
 * caller-owned-output {@code run}, so {@code -prof gc} shows the steady-state allocation per call.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar NetworkBenchmark -p model=resnet18 -prof gc}.
 * The figures that matter: fused/unfused per backend, and native/Java, from one run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Dlayerfuse.blas.threads=1"})
@State(Scope.Benchmark)
public class NetworkBenchmark {
  @Param({"resnet18", "mobilenetv2", "alexnet-bn", "mlp-bn"})
  public String model;

  @Param({"NATIVE", "JAVA"})
  public Backend backend;

  private Session fused, unfused;
  private Map<String, Shape> shapes;
  private Map<String, float[]> inputs, outputs;

  @Setup(Level.Trial)
  public void setUp() {
    Module m;
    Shape in;
    switch (model) {
      case "resnet18": m = ResNet.resnet18(1000); in = Shape.of(1, 3, 224, 224); break;
      case "mobilenetv2": m = MobileNetV2.create(1000); in = Shape.of(1, 3, 224, 224); break;
      case "alexnet-bn": m = AlexNetBn.create(); in = Shape.of(1, 3, 227, 227); break;
      default: m = AlexNetBn.mlp(); in = Shape.of(1, 4096);
    }
    Graph g = Init.randomize(m, 1).toGraph(in);
    fused = Session.create(g, backend, true);
    unfused = Session.create(g, backend, false);
    float[] x = new float[(int) in.numel()];
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < x.length; i++) x[i] = (float) (r.nextDouble() * 2 - 1);
    shapes = Map.of("input", in);
    inputs = Map.of("input", x);
    String out = g.outputs().get(0);
    outputs = Map.of(out, new float[(int) g.shape(out).numel()]);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    fused.close();
    unfused.close();
  }

  @Benchmark
  public Map<String, float[]> fused() {
    fused.run(shapes, inputs, outputs);
    return outputs;
  }

  @Benchmark
  public Map<String, float[]> unfused() {
    unfused.run(shapes, inputs, outputs);
    return outputs;
  }
}
