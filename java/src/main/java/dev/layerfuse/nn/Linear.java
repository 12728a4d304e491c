package dev.layerfuse.nn;

import dev.layerfuse.graph.LinearOp;
import dev.layerfuse.tensor.Shape;

/** {@code nn.Linear(in, out, bias)}: {@code weight} [out, in], {@code bias} [out]. */
public final class Linear extends Module {
  private final boolean bias;

  public Linear(int in, int out) {
    this(in, out, true);
  }

  public Linear(int in, int out, boolean bias) {
    if (in < 1 || out < 1) throw new IllegalArgumentException("Linear: features must be >= 1, got in=" + in + " out=" + out);
    this.bias = bias;
    declare("weight", Shape.of(out, in));
    if (bias) declare("bias", Shape.of(out));
  }

  @Override
  protected String emit(GraphBuilder b, String path, String input) {
    return b.add(path, LinearOp.of(parameter("weight"), bias ? parameter("bias") : null), input);
  }
}
