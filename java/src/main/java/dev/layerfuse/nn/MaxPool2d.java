package dev.layerfuse.nn;

import dev.layerfuse.graph.PoolOp;

/** {@code nn.MaxPool2d(kernel, stride, padding, dilation, ceil_mode)}; stride defaults to the kernel. */
public final class MaxPool2d extends Module {
  private final PoolOp op;

  public MaxPool2d(int kernel) {
    this(kernel, kernel, 0, 1, false);
  }

  public MaxPool2d(int kernel, int stride) {
    this(kernel, stride, 0, 1, false);
  }

  public MaxPool2d(int kernel, int stride, int padding, int dilation, boolean ceilMode) {
    op = new PoolOp(PoolOp.Type.MAX, new int[] {kernel, kernel}, new int[] {stride, stride},
        new int[] {padding, padding, padding, padding}, new int[] {dilation, dilation}, ceilMode, false);
  }

  @Override
  protected String emit(GraphBuilder b, String path, String input) {
    return b.add(path, op, input);
  }
}
