package dev.layerfuse.nn;

import dev.layerfuse.exec.Activation;

/** {@code nn.Sigmoid}. */
public final class Sigmoid extends Act {
  public Sigmoid() {
    super(Activation.sigmoid());
  }
}
