package dev.layerfuse.nn;

import dev.layerfuse.graph.PoolOp;

/** {@code nn.AvgPool2d(kernel, stride, padding, ceil_mode, count_include_pad)}. */
public final class AvgPool2d extends Module {
  private final PoolOp op;

  public AvgPool2d(int kernel) {
    this(kernel, kernel, 0, false, true);
  }

  public AvgPool2d(int kernel, int stride, int padding, boolean ceilMode, boolean countIncludePad) {
    op = new PoolOp(PoolOp.Type.AVG, new int[] {kernel, kernel}, new int[] {stride, stride},
        new int[] {padding, padding, padding, padding}, new int[] {1, 1}, ceilMode, countIncludePad);
  }

  @Override
  protected String emit(GraphBuilder b, String path, String input) {
    return b.add(path, op, input);
  }
}
