package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * {@code x * c} or {@code x + c} with a constant {@code c} that is a scalar or one value per
 * channel (axis 1), as ONNX exporters emit after convolutions. {@code constant} has shape [],
 * [1] or [C].
 */
public record ChannelConstantOp(Type type, Tensor constant) implements Op {
  public enum Type { MUL, ADD }

  public ChannelConstantOp {
    if (type == null || constant == null || constant.shape().rank() > 1) {
      throw new IllegalArgumentException("channel constant must be a scalar or a [C] vector, got "
          + (constant == null ? "null" : constant.shape()));
    }
  }

  /** The constant's value for channel {@code c}. */
  public float at(int c) {
    return constant.numel() == 1 ? constant.get(0) : constant.get(c);
  }

  @Override
  public String kind() {
    return type == Type.MUL ? "Mul" : "Add";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    if (constant.numel() != 1 && (x.rank() < 2 || x.dim(1) != constant.numel())) {
      throw new ShapeException(node, "per-channel constant of " + constant.numel() + " values does not fit input " + x);
    }
    return x;
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of("constant", constant);
  }

  @Override
  public String describe() {
    return kind() + " constant" + constant.shape();
  }
}
