package dev.layerfuse.fuse;

import dev.layerfuse.exec.java.JavaInterpreter;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.tensor.Difference;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Checks that a fused graph computes what the original did: both run on the same seeded inputs
 * (uniform in [-1, 1], shapes as declared) and every output is compared by max absolute error
 * and by the project's relative error, max|Δ| / max|original|.
 */
public final class Verifier {
  private Verifier() {}

  /** Per-output differences between original and fused. */
  public record Verification(Map<String, Difference> outputs) {
    public double maxRelative() {
      double m = 0;
      for (Difference d : outputs.values()) m = Math.max(m, d.relative());
      return m;
    }

    public boolean within(double relativeTolerance) {
      return maxRelative() <= relativeTolerance;
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder();
      outputs.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "%s: max abs %.3g, relative %.3g%n", k, v.maxAbs(), v.relative())));
      return sb.toString();
    }
  }

  /** Runs both graphs on inputs drawn from {@code seed}. */
  public static Verification verify(Graph original, Graph fused, long seed) {
    return verify(original, fused, randomInputs(original, seed));
  }

  /** Runs both graphs on the given inputs. */
  public static Verification verify(Graph original, Graph fused, Map<String, Tensor> inputs) {
    if (!original.outputs().equals(fused.outputs())) {
      throw new IllegalArgumentException("graphs have different outputs: " + original.outputs() + " vs " + fused.outputs());
    }
    Map<String, Tensor> a = JavaInterpreter.run(original, inputs);
    Map<String, Tensor> b = JavaInterpreter.run(fused, inputs);
    Map<String, Difference> out = new LinkedHashMap<>();
    for (String o : original.outputs()) out.put(o, Difference.of(a.get(o).toArray(), b.get(o).toArray()));
    return new Verification(out);
  }

  /** Seeded uniform [-1, 1] inputs with the graph's declared shapes. */
  public static Map<String, Tensor> randomInputs(Graph g, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    Map<String, Tensor> in = new LinkedHashMap<>();
    for (Map.Entry<String, Shape> e : g.inputs().entrySet()) {
      float[] v = new float[(int) e.getValue().numel()];
      for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextDouble() * 2 - 1);
      in.put(e.getKey(), Tensor.wrap(e.getValue(), v));
    }
    return in;
  }
}
