package dev.layerfuse.bench;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.Backends;
import dev.layerfuse.exec.BiasMode;
import dev.layerfuse.exec.FloatBuf;
import dev.layerfuse.exec.Gemm;
import dev.layerfuse.exec.Kernels;
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
 * GEMM + bias + ReLU: fused epilogue against its unfused twin (the same GEMM, then a separate
 * bias+ReLU pass over the output), on the native and Java backends, one thread.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar GemmBenchmark -rf json}. The figure
 * that matters: GFLOP/s = 2·M·N·K / time, and the fused/unfused ratio within one run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dlayerfuse.blas.threads=1"})
@State(Scope.Benchmark)
public class GemmBenchmark {

  /** M x N x K; 64x3136x576 is a 3x3 64->64 conv at 56x56 as im2col GEMM. */
  @Param({"1024x1024x1024", "64x3136x576"})
  public String shape;

  @Param({"NATIVE", "JAVA"})
  public Backend backend;

  private Kernels kernels;
  private Gemm fused;
  private Gemm plain;
  private Gemm epilogueOnly;
  private FloatBuf a, b, bias, c;

  @Setup(Level.Trial)
  public void setUp() {
    String[] p = shape.split("x");
    long m = Long.parseLong(p[0]), n = Long.parseLong(p[1]), k = Long.parseLong(p[2]);
    kernels = Backends.kernels(backend);
    fused = Gemm.of(m, n, k).bias(BiasMode.PER_ROW).activation(Activation.relu()).build();
    plain = Gemm.of(m, n, k).build();
    epilogueOnly = fused;
    SplittableRandom rng = new SplittableRandom(7);
    a = filled(fused.aSize(), rng);
    b = filled(fused.bSize(), rng);
    bias = filled(fused.biasSize(), rng);
    c = kernels.allocate(fused.cSize());
  }

  private FloatBuf filled(long n, SplittableRandom rng) {
    float[] v = new float[(int) n];
    for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextDouble() * 2 - 1);
    FloatBuf buf = kernels.allocate(n);
    buf.put(0, v);
    return buf;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    a.close();
    b.close();
    bias.close();
    c.close();
  }

  @Benchmark
  public FloatBuf fusedGemmBiasRelu() {
    kernels.gemm(fused, a, 0, b, 0, bias, 0, null, 0, c, 0);
    return c;
  }

  @Benchmark
  public FloatBuf unfusedGemmThenBiasRelu() {
    kernels.gemm(plain, a, 0, b, 0, null, 0, null, 0, c, 0);
    kernels.biasActivation(epilogueOnly, bias, 0, null, 0, c, 0);
    return c;
  }
}
