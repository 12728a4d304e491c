package dev.layerfuse.graph;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * A fully connected layer (ONNX Gemm with transB): [N, in] → act([N, in] · weightᵀ + bias),
 * {@code weight} [out, in], as PyTorch's Linear. With {@code residual} a second [N, out] input
 * is added before the activation.
 */
public record LinearOp(Tensor weight, Tensor bias, Activation activation, boolean residual) implements Op {

  public LinearOp {
    if (weight == null || weight.shape().rank() != 2) {
      throw new IllegalArgumentException("linear weight must be [out, in], got " + (weight == null ? "null" : weight.shape()));
    }
    if (bias != null && !bias.shape().equals(Shape.of(weight.shape().dim(0)))) {
      throw new IllegalArgumentException("linear: bias shape " + bias.shape() + ", expected [" + weight.shape().dim(0) + "]");
    }
    if (activation == null) activation = Activation.none();
  }

  public static LinearOp of(Tensor weight, Tensor bias) {
    return new LinearOp(weight, bias, Activation.none(), false);
  }

  public int inFeatures() { return (int) weight.shape().dim(1); }
  public int outFeatures() { return (int) weight.shape().dim(0); }

  public LinearOp withWeights(Tensor w, Tensor b) {
    return new LinearOp(w, b, activation, residual);
  }

  public LinearOp withActivation(Activation a) {
    return new LinearOp(weight, bias, a, residual);
  }

  public LinearOp withResidual() {
    return new LinearOp(weight, bias, activation, true);
  }

  @Override
  public String kind() {
    return "Gemm";
  }

  @Override
  public int arity() {
    return residual ? 2 : 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    if (x.rank() != 2) throw new ShapeException(node, "Linear input must be [N, features], got " + x);
    if (x.dim(1) != inFeatures()) {
      throw new ShapeException(node, "input has " + x.dim(1) + " features, weight " + weight.shape() + " expects " + inFeatures());
    }
    Shape out = Shape.of(x.dim(0), outFeatures());
    if (residual && !in.get(1).equals(out)) {
      throw new ShapeException(node, "residual input is " + in.get(1) + ", expected " + out);
    }
    return out;
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Op.weightAndBias(weight, bias);
  }

  @Override
  public String describe() {
    return "Gemm " + inFeatures() + "->" + outFeatures() + (bias == null ? " no-bias" : "")
        + (residual ? " +residual" : "") + (activation.kind() != Activation.Kind.NONE ? " +" + activation : "");
  }
}
