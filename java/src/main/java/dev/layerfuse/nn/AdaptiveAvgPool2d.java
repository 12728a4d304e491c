package dev.layerfuse.nn;

import dev.layerfuse.graph.GlobalAvgPoolOp;

/** {@code nn.AdaptiveAvgPool2d(1)}: global average pooling (other output sizes are not supported). */
public final class AdaptiveAvgPool2d extends Module {
  public AdaptiveAvgPool2d(int outputSize) {
    if (outputSize != 1) {
      throw new IllegalArgumentException("AdaptiveAvgPool2d: output size " + outputSize + " is not supported, expected 1");
    }
  }

  @Override
  protected String emit(GraphBuilder b, String path, String input) {
    return b.add(path, new GlobalAvgPoolOp(), input);
  }
}
