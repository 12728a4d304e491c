package dev.layerfuse.exec;

/** How a bias vector is broadcast over a row-major M x N GEMM output. */
public enum BiasMode {
  NONE(0),
  /** bias[M]: one value per output row, e.g. a convolution's output channels. */
  PER_ROW(1),
  /** bias[N]: one value per output column, e.g. a Linear layer's output features. */
  PER_COL(2);

  private final int code;

  BiasMode(int code) {
    this.code = code;
  }

  /** The value of the C ABI's {@code LF_BIAS_*} constant. */
  public int code() {
    return code;
  }
}
