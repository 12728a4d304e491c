package dev.layerfuse.nn;

import dev.layerfuse.exec.Activation;

/** {@code nn.Hardswish}. */
public final class HardSwish extends Act {
  public HardSwish() {
    super(Activation.hardSwish());
  }
}
