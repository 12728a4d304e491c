package dev.layerfuse.graph;

import dev.layerfuse.exec.Kernels.PadMode;
import dev.layerfuse.exec.Strided;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Pads every axis by {@code before[i]}/{@code after[i]} (negative values crop) with a constant,
 * the edge value, a reflection or wrap-around (ONNX Pad modes).
 */
public record PadOp(long[] before, long[] after, PadMode mode, float value) implements Op {
  public PadOp {
    if (before == null || after == null || before.length != after.length || mode == null) {
      throw new IllegalArgumentException("pad needs before/after of one length and a mode");
    }
    before = before.clone();
    after = after.clone();
  }

  @Override public long[] before() { return before.clone(); }
  @Override public long[] after() { return after.clone(); }

  @Override
  public String kind() {
    return "Pad";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    if (before.length != x.rank()) {
      throw new ShapeException(node, before.length + " pad entries per side for an input of rank " + x.rank() + " (" + x + ")");
    }
    if (x.rank() > Strided.MAX_RANK) throw new ShapeException(node, "rank " + x.rank() + " exceeds " + Strided.MAX_RANK);
    long[] out = new long[x.rank()];
    for (int i = 0; i < out.length; i++) {
      out[i] = x.dim(i) + before[i] + after[i];
      if (out[i] < 0) throw new ShapeException(node, "pads " + Arrays.toString(before) + "/" + Arrays.toString(after) + " crop axis " + i + " below 0");
      if (mode == PadMode.REFLECT && (before[i] >= x.dim(i) || after[i] >= x.dim(i)) && (before[i] > 0 || after[i] > 0)) {
        throw new ShapeException(node, "reflect padding of " + Math.max(before[i], after[i]) + " needs more than that many elements on axis " + i);
      }
      if (mode != PadMode.CONSTANT && x.dim(i) == 0 && out[i] > 0) throw new ShapeException(node, mode + " padding of an empty axis");
    }
    return Shape.of(out);
  }

  /** Pads left-padded to {@link Strided#MAX_RANK}, as the kernel takes them. */
  public long[][] kernelPads() {
    long[] b = new long[Strided.MAX_RANK], a = new long[Strided.MAX_RANK];
    int off = Strided.MAX_RANK - before.length;
    for (int i = 0; i < before.length; i++) {
      b[off + i] = before[i];
      a[off + i] = after[i];
    }
    return new long[][] {b, a};
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return "Pad " + mode + " " + Arrays.toString(before) + "/" + Arrays.toString(after) + (mode == PadMode.CONSTANT ? " value=" + value : "");
  }
}
