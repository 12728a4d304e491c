package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** A constant value (an ONNX initializer or Constant node used as an operand). */
public record ConstantOp(Tensor value) implements Op {
  public ConstantOp {
    if (value == null) throw new IllegalArgumentException("constant value is null");
  }

  @Override
  public String kind() {
    return "Constant";
  }

  @Override
  public int arity() {
    return 0;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    return value.shape();
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of("value", value);
  }

  @Override
  public String describe() {
    return "Constant " + value.shape();
  }
}
