package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * An operation with its attributes and parameters (weights). Ops are immutable values: a
 * rewrite makes a new op. Parameters are {@link Tensor}s, themselves immutable.
 */
public interface Op {
  /** The op's kind, as used in fusion patterns and reports: {@code Conv}, {@code BatchNorm}, ... */
  String kind();

  /** How many value inputs the node takes. */
  int arity();

  /**
   * The output shape for the given input shapes.
   *
   * @throws ShapeException naming {@code node} and the expected vs actual shape
   */
  Shape inferShape(String node, List<Shape> inputs);

  /** Named parameters (PyTorch-style local names: weight, bias, running_mean ...). */
  Map<String, Tensor> parameters();

  /** Total parameter elements. */
  default long parameterCount() {
    long n = 0;
    for (Tensor t : parameters().values()) n += t.numel();
    return n;
  }

  /** The {@code weight} / optional {@code bias} parameter map that layers with weights share. */
  static Map<String, Tensor> weightAndBias(Tensor weight, Tensor bias) {
    Map<String, Tensor> m = new java.util.LinkedHashMap<>();
    m.put("weight", weight);
    if (bias != null) m.put("bias", bias);
    return m;
  }

  /** A short description of the attributes, for plans and reports. */
  String describe();
}
