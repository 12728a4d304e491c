package dev.layerfuse.nn;

import dev.layerfuse.exec.Activation;

/** {@code nn.Tanh}. */
public final class Tanh extends Act {
  public Tanh() {
    super(Activation.tanh());
  }
}
