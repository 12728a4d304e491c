package dev.layerfuse.graph;

import dev.layerfuse.exec.Strided;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Permutes axes: output axis i is input axis {@code perm[i]} (null perm reverses them, as ONNX's default). */
public record TransposeOp(int[] perm) implements Op {
  public TransposeOp {
    perm = perm == null ? null : perm.clone();
  }

  @Override
  public int[] perm() {
    return perm == null ? null : perm.clone();
  }

  public int[] permFor(int rank) {
    if (perm != null) return perm.clone();
    int[] p = new int[rank];
    for (int i = 0; i < rank; i++) p[i] = rank - 1 - i;
    return p;
  }

  @Override
  public String kind() {
    return "Transpose";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    int[] p = permFor(x.rank());
    if (x.rank() > Strided.MAX_RANK) throw new ShapeException(node, "rank " + x.rank() + " exceeds " + Strided.MAX_RANK);
    if (p.length != x.rank()) throw new ShapeException(node, "perm " + Arrays.toString(p) + " does not fit rank " + x.rank());
    boolean[] seen = new boolean[p.length];
    long[] out = new long[p.length];
    for (int i = 0; i < p.length; i++) {
      if (p[i] < 0 || p[i] >= p.length || seen[p[i]]) throw new ShapeException(node, "perm " + Arrays.toString(p) + " is not a permutation");
      seen[p[i]] = true;
      out[i] = x.dim(p[i]);
    }
    return Shape.of(out);
  }

  /** The kernel's strided read of x for the permuted (contiguous) output. */
  public Strided strided(Shape x, Shape out) {
    int[] p = permFor(x.rank());
    long[] xs = Strided.contiguous(x.dims()), s = new long[p.length];
    for (int i = 0; i < p.length; i++) s[i] = xs[p[i]];
    return Strided.copy(out.dims(), s, null);
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return "Transpose perm=" + (perm == null ? "reverse" : Arrays.toString(perm));
  }
}
