package dev.layerfuse.nn;

import dev.layerfuse.exec.Activation;

/** {@code nn.SiLU}. */
public final class SiLU extends Act {
  public SiLU() {
    super(Activation.silu());
  }
}
