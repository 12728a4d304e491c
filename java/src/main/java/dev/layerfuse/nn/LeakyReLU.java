package dev.layerfuse.nn;

import dev.layerfuse.exec.Activation;

/** {@code nn.LeakyReLU(negative_slope)}, default slope 0.01. */
public final class LeakyReLU extends Act {
  public LeakyReLU() {
    this(0.01f);
  }

  public LeakyReLU(float negativeSlope) {
    super(Activation.leakyRelu(negativeSlope));
  }
}
