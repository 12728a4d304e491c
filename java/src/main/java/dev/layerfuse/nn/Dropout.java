package dev.layerfuse.nn;

import dev.layerfuse.graph.PassThroughOp;

/** {@code nn.Dropout(p)}: the identity at inference; fusion removes it. */
public final class Dropout extends Module {
  private final float p;

  public Dropout() {
    this(0.5f);
  }

  public Dropout(float p) {
    if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
    this.p = p;
  }

  @Override
  protected String emit(GraphBuilder b, String path, String input) {
    return b.add(path, PassThroughOp.dropout(p), input);
  }
}
