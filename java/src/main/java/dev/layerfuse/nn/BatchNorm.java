package dev.layerfuse.nn;

import dev.layerfuse.graph.BatchNormOp;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;

/**
 * {@code nn.BatchNorm1d} / {@code nn.BatchNorm2d} (the same op over channel axis 1):
 * {@code weight}, {@code bias} (when affine), {@code running_mean}, {@code running_var} and
 * {@code num_batches_tracked} (when tracking running statistics), as in a PyTorch state_dict.
 * New modules start with PyTorch's defaults: weight 1, bias 0, mean 0, var 1.
 */
public class BatchNorm extends Module {
  private final int features;
  private final float eps;
  private final boolean affine, trackRunningStats;

  protected BatchNorm(int features, float eps, boolean affine, boolean trackRunningStats) {
    if (features < 1) throw new IllegalArgumentException("BatchNorm: features must be >= 1, got " + features);
    if (!(eps > 0)) throw new IllegalArgumentException("BatchNorm: eps must be > 0, got " + eps);
    this.features = features;
    this.eps = eps;
    this.affine = affine;
    this.trackRunningStats = trackRunningStats;
    Shape c = Shape.of(features);
    float[] ones = new float[features];
    java.util.Arrays.fill(ones, 1f);
    if (affine) {
      declare("weight", c);
      declare("bias", c);
      load("weight", Tensor.of(c, ones));
    }
    if (trackRunningStats) {
      declare("running_mean", c);
      declare("running_var", c);
      declare("num_batches_tracked", Shape.scalar());
      load("running_var", Tensor.of(c, ones));
    }
  }

  public int features() { return features; }
  public float eps() { return eps; }
  public boolean affine() { return affine; }
  public boolean trackRunningStats() { return trackRunningStats; }

  @Override
  protected String emit(GraphBuilder b, String path, String input) {
    BatchNormOp op = new BatchNormOp(features,
        affine ? parameter("weight") : null, affine ? parameter("bias") : null,
        trackRunningStats ? parameter("running_mean") : null, trackRunningStats ? parameter("running_var") : null,
        eps, isTraining());
    return b.add(path, op, input);
  }
}
