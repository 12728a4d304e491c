package dev.layerfuse.nn;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.graph.ActivationOp;

/** Base of the activation modules: one elementwise node. */
abstract class Act extends Module {
  private final Activation activation;

  Act(Activation activation) {
    this.activation = activation;
  }

  @Override
  protected String emit(GraphBuilder b, String path, String input) {
    return b.add(path, new ActivationOp(activation), input);
  }
}
