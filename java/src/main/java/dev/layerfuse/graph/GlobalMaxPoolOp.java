package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** Max over all spatial axes: [N, C, ...] → [N, C, 1, ...]. */
public record GlobalMaxPoolOp() implements Op {
  @Override
  public String kind() {
    return "GlobalMaxPool";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    if (x.rank() < 3) throw new ShapeException(node, "GlobalMaxPool input must be [N, C, spatial...], got " + x);
    long[] d = x.dims();
    for (int i = 2; i < d.length; i++) d[i] = 1;
    return Shape.of(d);
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return "GlobalMaxPool";
  }
}
