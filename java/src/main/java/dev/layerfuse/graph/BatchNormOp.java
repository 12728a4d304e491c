package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batch normalisation over channel axis 1 of [N, C] or [N, C, H, W] input.
 *
 * <p>{@code gamma}/{@code beta} are null for {@code affine=false}. {@code runningMean}/
 * {@code runningVar} are null without running statistics ({@code track_running_stats=false});
 * such a BN, and one in {@code training} mode, normalises with the batch's own statistics, so
 * no rule folds it.
 */
public record BatchNormOp(int channels, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar, float eps,
                          boolean training) implements Op {

  public BatchNormOp {
    if (!(eps > 0) || !Float.isFinite(eps)) throw new IllegalArgumentException("batch_norm: eps must be > 0, got " + eps);
    if ((gamma == null) != (beta == null)) throw new IllegalArgumentException("batch_norm: gamma and beta go together");
    if ((runningMean == null) != (runningVar == null)) {
      throw new IllegalArgumentException("batch_norm: running_mean and running_var go together");
    }
    if (channels < 1) throw new IllegalArgumentException("batch_norm: channels must be >= 1, got " + channels);
    long c = channels;
    for (Tensor t : new Tensor[] {gamma, beta, runningMean, runningVar}) {
      if (t != null && !t.shape().equals(Shape.of(c))) {
        throw new IllegalArgumentException("batch_norm: parameter shape " + t.shape() + ", expected [" + c + "]");
      }
    }
    if (runningVar != null) {
      for (int i = 0; i < c; i++) {
        float v = runningVar.get(i);
        if (!(v >= 0)) throw new IllegalArgumentException("batch_norm: running_var[" + i + "] is " + v + ", expected >= 0");
      }
    }
  }

  /** An eval-mode BN with running statistics. */
  public static BatchNormOp eval(Tensor gamma, Tensor beta, Tensor mean, Tensor var, float eps) {
    Tensor any = gamma != null ? gamma : mean;
    if (any == null) throw new IllegalArgumentException("batch_norm: eval() needs running statistics");
    return new BatchNormOp((int) any.numel(), gamma, beta, mean, var, eps, false);
  }

  public boolean affine() {
    return gamma != null;
  }

  /** True when it normalises with fixed running statistics: the condition for every fold. */
  public boolean foldable() {
    return !training && runningMean != null;
  }

  /** Why it cannot be folded, or null. */
  public String whyNotFoldable() {
    if (training) return "BatchNorm is in training mode (batch statistics)";
    if (runningMean == null) return "BatchNorm has no running statistics (track_running_stats=false)";
    return null;
  }

  @Override
  public String kind() {
    return "BatchNorm";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    if (x.rank() < 2) throw new ShapeException(node, "BatchNorm input must be [N, C, ...], got " + x);
    if (x.dim(1) != channels()) throw new ShapeException(node, "input has " + x.dim(1) + " channels, BatchNorm has " + channels());
    return x;
  }

  @Override
  public Map<String, Tensor> parameters() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    if (gamma != null) {
      m.put("weight", gamma);
      m.put("bias", beta);
    }
    if (runningMean != null) {
      m.put("running_mean", runningMean);
      m.put("running_var", runningVar);
    }
    return m;
  }

  @Override
  public String describe() {
    return "BatchNorm " + channels() + " eps=" + eps + (affine() ? "" : " affine=false")
        + (runningMean == null ? " no-running-stats" : "") + (training ? " training" : "");
  }
}
