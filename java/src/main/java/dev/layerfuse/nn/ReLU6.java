package dev.layerfuse.nn;

import dev.layerfuse.exec.Activation;

/** {@code nn.ReLU6 (Clip 0..6)}. */
public final class ReLU6 extends Act {
  public ReLU6() {
    super(Activation.relu6());
  }
}
