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
  public record Dims(long[] batch, long m, long n, long k, boolean aVector, boolean bVector) {
    /**
     * For each output batch entry (row-major), the element offsets of its A and B matrices,
     * with leading batch axes broadcast: {@code [0]} for A, {@code [1]} for B.
     */
    public long[][] batchOffsets(Shape a, Shape b) {
      long[] aBatch = aVector ? new long[0] : java.util.Arrays.copyOf(a.dims(), a.rank() - 2);
      long[] bBatch = bVector ? new long[0] : java.util.Arrays.copyOf(b.dims(), b.rank() - 2);
      long[] sa = broadcastStrides(aBatch, batch), sb = broadcastStrides(bBatch, batch);
      long count = 1;
      for (long v : batch) count *= v;
      long[][] out = new long[2][(int) count];
      int[] idx = new int[batch.length];
      for (int i = 0; i < count; i++) {
        long oa = 0, ob = 0;
        for (int j = 0; j < idx.length; j++) {
          oa += idx[j] * sa[j];
          ob += idx[j] * sb[j];
        }
        out[0][i] = oa * m * k;
        out[1][i] = ob * k * n;
        for (int j = idx.length - 1; j >= 0; j--) {
          if (++idx[j] < batch[j]) break;
          idx[j] = 0;
        }
      }
      return out;
    }

    /** Matrix-index strides of {@code in}'s batch axes broadcast to {@code out} (0 on broadcast axes). */
    private static long[] broadcastStrides(long[] in, long[] out) {
      long[] s = new long[out.length];
      long acc = 1;
      for (int i = in.length - 1; i >= 0; i--) {
        int o = i + (out.length - in.length);
        s[o] = in[i] == 1 ? 0 : acc;
        acc *= in[i];
      }
      return s;
    }
  }

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
