package dev.layerfuse.nn;

/** {@code nn.BatchNorm2d} over [N, C, H, W] input. */
public final class BatchNorm2d extends BatchNorm {
  public BatchNorm2d(int features) {
    this(features, 1e-5f, true, true);
  }

  public BatchNorm2d(int features, float eps) {
    this(features, eps, true, true);
  }

  public BatchNorm2d(int features, float eps, boolean affine, boolean trackRunningStats) {
    super(features, eps, affine, trackRunningStats);
  }
}
