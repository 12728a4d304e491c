package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Matrix product with NumPy semantics: 1-D operands are promoted (and the added axis removed),
 * leading batch axes broadcast. The operand B may be a constant ({@code weight} non-null, arity 1).
 */
public record MatMulOp(Tensor weight) implements Op {
  @Override
  public String kind() {
    return "MatMul";
  }

  @Override
  public int arity() {
    return weight == null ? 2 : 1;
  }

  /** Batch dims of the output, M, N, K, and whether A/B were 1-D. */
  public record Dims(long[] batch, long m, long n, long k, boolean aVector, boolean bVector) {}

  public static Dims dims(String node, Shape a, Shape b) {
    if (a.rank() == 0 || b.rank() == 0) throw new ShapeException(node, "MatMul operands must have rank >= 1, got " + a + " and " + b);
    boolean av = a.rank() == 1, bv = b.rank() == 1;
    Shape a2 = av ? Shape.of(1, a.dim(0)) : a, b2 = bv ? Shape.of(b.dim(0), 1) : b;
    long m = a2.dim(-2), k = a2.dim(-1), kb = b2.dim(-2), n = b2.dim(-1);
    if (k != kb) throw new ShapeException(node, "MatMul inner dimensions differ: " + a + " x " + b + " (" + k + " vs " + kb + ")");
    long[] ab = java.util.Arrays.copyOf(a2.dims(), a2.rank() - 2), bb = java.util.Arrays.copyOf(b2.dims(), b2.rank() - 2);
    Shape batch = BinaryOp.broadcast(node, Shape.of(ab), Shape.of(bb));
    return new Dims(batch.dims(), m, n, k, av, bv);
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Dims d = dims(node, in.get(0), weight != null ? weight.shape() : in.get(1));
    long[] out = java.util.Arrays.copyOf(d.batch(), d.batch().length + 2);
    out[out.length - 2] = d.m();
    out[out.length - 1] = d.n();
    Shape s = Shape.of(out);
    if (d.aVector() && d.bVector()) return Shape.scalar();
    if (d.aVector()) {
      long[] o = java.util.Arrays.copyOf(d.batch(), d.batch().length + 1);
      o[o.length - 1] = d.n();
      return Shape.of(o);
    }
    if (d.bVector()) {
      long[] o = java.util.Arrays.copyOf(d.batch(), d.batch().length + 1);
      o[o.length - 1] = d.m();
      return Shape.of(o);
    }
    return s;
  }

  @Override
  public Map<String, Tensor> parameters() {
    return weight == null ? Map.of() : Map.of("weight", weight);
  }

  @Override
  public String describe() {
    return "MatMul" + (weight == null ? "" : " weight" + weight.shape());
  }
}
