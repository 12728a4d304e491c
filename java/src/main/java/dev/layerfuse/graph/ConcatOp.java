package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** Concatenation of {@code count} values along {@code axis}; all other dims must agree. */
public record ConcatOp(int axis, int count) implements Op {
  public ConcatOp {
    if (count < 1) throw new IllegalArgumentException("concat needs at least one input, got " + count);
  }

  @Override
  public String kind() {
    return "Concat";
  }

  @Override
  public int arity() {
    return count;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape first = in.get(0);
    int a;
    try {
      a = first.axis(axis);
    } catch (IllegalArgumentException e) {
      throw new ShapeException(node, e.getMessage());
    }
    long total = 0;
    for (int k = 0; k < in.size(); k++) {
      Shape s = in.get(k);
      if (s.rank() != first.rank()) throw new ShapeException(node, "input " + k + " has rank " + s.rank() + ", input 0 " + first.rank());
      for (int i = 0; i < s.rank(); i++) {
        if (i != a && s.dim(i) != first.dim(i)) {
          throw new ShapeException(node, "input " + k + " is " + s + ", expected " + first + " except on axis " + a);
        }
      }
      total += s.dim(a);
    }
    return first.withDim(a, total);
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return "Concat axis=" + axis + " x" + count;
  }
}
