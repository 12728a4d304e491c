package dev.layerfuse.bench;

import ai.onnxruntime.OrtException;
import dev.layerfuse.graph.Graph;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One model on one engine, fused against unfused: the shared body of {@link PatternBenchmark}
 * and {@link NetworkBenchmark}, which declare the parameters and build the graph.
 */
public abstract class EngineBenchmark {
  private Engines e;

  /** The model of this trial. */
  abstract Graph graph();

  abstract Engines.Engine engine();

  abstract int threads();

  @Setup(Level.Trial)
  public void setUp() {
    e = new Engines(graph(), engine(), threads());
  }

  @TearDown(Level.Trial)
  public void tearDown() throws OrtException {
    e.close();
  }

  @Benchmark
  public Object fused() throws OrtException {
    return e.run(true);
  }

  @Benchmark
  public Object unfused() throws OrtException {
    return e.run(false);
  }
}
