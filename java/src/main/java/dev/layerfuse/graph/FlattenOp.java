package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** [d0, ..., dn] → [d0·...·d(axis-1), d(axis)·...·dn] (ONNX Flatten; PyTorch's Flatten at axis 1). */
public record FlattenOp(int axis) implements Op {
  @Override
  public String kind() {
    return "Flatten";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    int a = axis < 0 ? axis + x.rank() : axis;
    if (a < 0 || a > x.rank()) throw new ShapeException(node, "Flatten axis " + axis + " out of range for " + x);
    long outer = 1, inner = 1;
    for (int i = 0; i < x.rank(); i++) {
      if (i < a) outer *= x.dim(i);
      else inner *= x.dim(i);
    }
    return Shape.of(outer, inner);
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return "Flatten axis=" + axis;
  }
}
