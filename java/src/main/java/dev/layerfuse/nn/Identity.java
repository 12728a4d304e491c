package dev.layerfuse.nn;

import dev.layerfuse.graph.PassThroughOp;

/** {@code nn.Identity()}. */
public final class Identity extends Module {
  @Override
  protected String emit(GraphBuilder b, String path, String input) {
    return b.add(path, PassThroughOp.identity(), input);
  }
}
