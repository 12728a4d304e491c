package dev.layerfuse.nn;

/** {@code nn.BatchNorm1d} over [N, C] input. */
public final class BatchNorm1d extends BatchNorm {
  public BatchNorm1d(int features) {
    this(features, 1e-5f, true, true);
  }

  public BatchNorm1d(int features, float eps) {
    this(features, eps, true, true);
  }

  public BatchNorm1d(int features, float eps, boolean affine, boolean trackRunningStats) {
    super(features, eps, affine, trackRunningStats);
  }
}
