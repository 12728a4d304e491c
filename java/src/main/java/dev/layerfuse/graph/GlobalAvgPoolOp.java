package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** Mean over H and W: [N, C, H, W] → [N, C, 1, 1] (AdaptiveAvgPool2d(1)). */
public record GlobalAvgPoolOp() implements Op {
  @Override
  public String kind() {
    return "GlobalAveragePool";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    if (x.rank() != 4) throw new ShapeException(node, "GlobalAveragePool input must be NCHW (rank 4), got " + x);
    return Shape.of(x.dim(0), x.dim(1), 1, 1);
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return "GlobalAveragePool";
  }
}
