package dev.layerfuse.graph;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Per-channel {@code act(x · scale[c] + shift[c])} over axis 1: what a lone eval BatchNorm becomes. */
public record ScaleShiftOp(Tensor scale, Tensor shift, Activation activation) implements Op {

  public ScaleShiftOp {
    if (scale == null || shift == null || scale.shape().rank() != 1 || !scale.shape().equals(shift.shape())) {
      throw new IllegalArgumentException("scale_shift: scale and shift must be [C] vectors of one length");
    }
    if (activation == null) activation = Activation.none();
  }

  public int channels() {
    return (int) scale.numel();
  }

  public ScaleShiftOp withActivation(Activation a) {
    return new ScaleShiftOp(scale, shift, a);
  }

  @Override
  public String kind() {
    return "ScaleShift";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    if (x.rank() < 2 || x.dim(1) != channels()) {
      throw new ShapeException(node, "input " + x + " must be [N, " + channels() + ", ...]");
    }
    return x;
  }

  @Override
  public Map<String, Tensor> parameters() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("scale", scale);
    m.put("shift", shift);
    return m;
  }

  @Override
  public String describe() {
    return "ScaleShift " + channels() + (activation.kind() != Activation.Kind.NONE ? " +" + activation : "");
  }
}
