package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** Elementwise sum of two values of the same shape (a residual connection). */
public record AddOp() implements Op {
  @Override
  public String kind() {
    return "Add";
  }

  @Override
  public int arity() {
    return 2;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    if (!in.get(0).equals(in.get(1))) {
      throw new ShapeException(node, "Add inputs must have one shape, got " + in.get(0) + " and " + in.get(1));
    }
    return in.get(0);
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return "Add";
  }
}
