package dev.layerfuse.graph;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** An elementwise activation (ReLU, ReLU6/Clip, LeakyReLU, Sigmoid, Tanh, HardSwish, SiLU). */
public record ActivationOp(Activation activation) implements Op {
  public ActivationOp {
    if (activation == null || activation.kind() == Activation.Kind.NONE) {
      throw new IllegalArgumentException("activation node needs an activation other than none");
    }
  }

  @Override
  public String kind() {
    return "Activation";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    return in.get(0);
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return "Activation " + activation;
  }
}
