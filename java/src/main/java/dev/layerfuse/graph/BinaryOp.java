package dev.layerfuse.graph;

import dev.layerfuse.exec.Kernels.BinaryKind;
import dev.layerfuse.exec.Strided;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** Elementwise Add/Sub/Mul/Div/Max/Min of two values with NumPy broadcasting (ONNX semantics). */
public record BinaryOp(BinaryKind type) implements Op {
  public BinaryOp {
    if (type == null) throw new IllegalArgumentException("binary op type is null");
  }

  @Override
  public String kind() {
    switch (type) {
      case ADD: return "Add";
      case SUB: return "Sub";
      case MUL: return "Mul";
      case DIV: return "Div";
      case MAX: return "Max";
      default: return "Min";
    }
  }

  @Override
  public int arity() {
    return 2;
  }

  /** The broadcast shape of a and b, or a {@link ShapeException} naming both. */
  public static Shape broadcast(String node, Shape a, Shape b) {
    int r = Math.max(a.rank(), b.rank());
    long[] out = new long[r];
    for (int i = 0; i < r; i++) {
      long x = i - (r - a.rank()) >= 0 ? a.dim(i - (r - a.rank())) : 1;
      long y = i - (r - b.rank()) >= 0 ? b.dim(i - (r - b.rank())) : 1;
      if (x != y && x != 1 && y != 1) {
        throw new ShapeException(node, "shapes " + a + " and " + b + " do not broadcast (axis " + i + ": " + x + " vs " + y + ")");
      }
      out[i] = x == 1 ? y : x;
    }
    return Shape.of(out);
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape out = broadcast(node, in.get(0), in.get(1));
    if (out.rank() > Strided.MAX_RANK) throw new ShapeException(node, "rank " + out.rank() + " exceeds " + Strided.MAX_RANK);
    return out;
  }

  /** The kernel's strided view of {@code a op b -> out}. */
  public static Strided strided(Shape a, Shape b, Shape out) {
    return Strided.of(out.dims(), Strided.broadcastStrides(a.dims(), out.dims()), Strided.broadcastStrides(b.dims(), out.dims()));
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return kind() + " (broadcasting)";
  }
}
