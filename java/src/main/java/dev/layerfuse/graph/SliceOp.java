package dev.layerfuse.graph;

import dev.layerfuse.exec.Strided;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A strided box of the input: on every axis {@code size[i]} elements starting at
 * {@code begin[i]}, {@code step[i]} apart (step >= 1). ONNX Slice, Split and constant-index
 * Gather become this once the input shape is known. A strided copy.
 */
public record SliceOp(long[] begin, long[] size, long[] step) implements Op {
  public SliceOp {
    if (begin == null || size == null || step == null || begin.length != size.length || step.length != size.length) {
      throw new IllegalArgumentException("slice: begin, size and step must have one entry per axis");
    }
    begin = begin.clone();
    size = size.clone();
    step = step.clone();
    for (int i = 0; i < size.length; i++) {
      if (begin[i] < 0 || size[i] < 0 || step[i] < 1) {
        throw new IllegalArgumentException("slice axis " + i + ": begin " + begin[i] + ", size " + size[i] + ", step "
            + step[i] + " (expected begin >= 0, size >= 0, step >= 1)");
      }
    }
  }

  @Override
  public long[] begin() {
    return begin.clone();
  }

  @Override
  public long[] size() {
    return size.clone();
  }

  @Override
  public long[] step() {
    return step.clone();
  }

  @Override
  public String kind() {
    return "Slice";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    if (x.rank() != size.length) throw new ShapeException(node, "slice of rank " + size.length + " on input " + x);
    if (x.rank() > Strided.MAX_RANK) throw new ShapeException(node, "rank " + x.rank() + " exceeds " + Strided.MAX_RANK);
    for (int i = 0; i < size.length; i++) {
      if (size[i] > 0 && begin[i] + (size[i] - 1) * step[i] >= x.dim(i)) {
        throw new ShapeException(node, "axis " + i + ": elements " + begin[i] + " + " + (size[i] - 1) + " x " + step[i]
            + " exceed dim " + x.dim(i) + " of " + x);
      }
    }
    return Shape.of(size);
  }

  /** Flat offset of the first element read. */
  public long offset(Shape x) {
    long[] s = Strided.contiguous(x.dims());
    long off = 0;
    for (int i = 0; i < s.length; i++) off += begin[i] * s[i];
    return off;
  }

  /** The strided read of x (from {@link #offset}) into a contiguous output. */
  public Strided strided(Shape x) {
    long[] s = Strided.contiguous(x.dims()), r = new long[s.length];
    for (int i = 0; i < s.length; i++) r[i] = s[i] * step[i];
    return Strided.copy(size, r, null);
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return "Slice begin=" + Arrays.toString(begin) + " size=" + Arrays.toString(size) + " step=" + Arrays.toString(step);
  }
}
