package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reshape to {@code target}, where 0 copies the input dim (unless {@code allowZero}, ONNX's
 * {@code allowzero=1}, makes it a literal 0) and one -1 is inferred (ONNX Reshape). A view.
 */
public record ReshapeOp(long[] target, boolean allowZero) implements Op {
  public ReshapeOp {
    if (target == null) throw new IllegalArgumentException("reshape target is null");
    target = target.clone();
  }

  public ReshapeOp(long[] target) {
    this(target, false);
  }

  @Override
  public long[] target() {
    return target.clone();
  }

  @Override
  public String kind() {
    return "Reshape";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    long[] out = new long[target.length];
    int infer = -1;
    long known = 1;
    for (int i = 0; i < target.length; i++) {
      long t = target[i];
      if (t == -1) {
        if (infer >= 0) throw new ShapeException(node, "more than one -1 in " + Arrays.toString(target));
        infer = i;
        continue;
      }
      if (t == 0 && !allowZero) {
        if (i >= x.rank()) throw new ShapeException(node, "0 at axis " + i + " but the input " + x + " has rank " + x.rank());
        t = x.dim(i);
      }
      if (t < 0) throw new ShapeException(node, "bad target dimension " + t + " in " + Arrays.toString(target));
      out[i] = t;
      known = Math.multiplyExact(known, t);
    }
    if (infer >= 0) {
      if (known == 0 || x.numel() % known != 0) {
        throw new ShapeException(node, "cannot infer -1: " + x.numel() + " elements do not divide into " + Arrays.toString(target));
      }
      out[infer] = x.numel() / known;
    }
    Shape s = Shape.of(out);
    if (s.numel() != x.numel()) throw new ShapeException(node, "cannot reshape " + x + " to " + s);
    return s;
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return "Reshape " + Arrays.toString(target) + (allowZero ? " allowzero" : "");
  }
}
