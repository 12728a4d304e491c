package dev.layerfuse.nn;

import dev.layerfuse.exec.Activation;

/** {@code nn.ReLU}. */
public final class ReLU extends Act {
  public ReLU() {
    super(Activation.relu());
  }
}
