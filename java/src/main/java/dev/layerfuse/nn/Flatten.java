package dev.layerfuse.nn;

import dev.layerfuse.graph.FlattenOp;

/** {@code nn.Flatten()}: [N, ...] → [N, prod(...)]. */
public final class Flatten extends Module {
  @Override
  protected String emit(GraphBuilder b, String path, String input) {
    return b.add(path, new FlattenOp(1), input);
  }
}
