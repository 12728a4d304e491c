package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** Softmax or LogSoftmax along one axis (ONNX opset 13+ semantics). */
public record SoftmaxOp(int axis, boolean log) implements Op {
  @Override
  public String kind() {
    return log ? "LogSoftmax" : "Softmax";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    if (x.rank() == 0) throw new ShapeException(node, kind() + " needs rank >= 1");
    try {
      x.axis(axis);
    } catch (IllegalArgumentException e) {
      throw new ShapeException(node, e.getMessage());
    }
    if (x.dim(axis) == 0) throw new ShapeException(node, kind() + " over an empty axis");
    return x;
  }

  /** [outer, n, inner] around the axis. */
  public long[] split(Shape x) {
    int a = x.axis(axis);
    long outer = 1, inner = 1;
    for (int i = 0; i < a; i++) outer *= x.dim(i);
    for (int i = a + 1; i < x.rank(); i++) inner *= x.dim(i);
    return new long[] {outer, x.dim(a), inner};
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return kind() + " axis=" + axis;
  }
}
