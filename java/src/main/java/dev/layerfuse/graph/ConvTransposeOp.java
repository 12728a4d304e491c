package dev.layerfuse.graph;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * 2-D transposed convolution over NCHW input with an activation epilogue. {@code weight} is
 * [Cin, Cout/groups, kh, kw] (output channels on axis 1, per group). Output size per axis:
 * {@code (in-1)·stride - padBefore - padAfter + dilation·(k-1) + outputPadding + 1}.
 */
public record ConvTransposeOp(Tensor weight, Tensor bias, int[] stride, int[] pads, int[] outputPadding,
                              int[] dilation, int groups, Activation activation) implements Op {

  public ConvTransposeOp {
    if (weight == null || weight.shape().rank() != 4) {
      throw new IllegalArgumentException("conv_transpose weight must be [Cin, Cout/groups, kh, kw], got "
          + (weight == null ? "null" : weight.shape()));
    }
    stride = ConvOp.check("stride", stride, 2, 1);
    pads = ConvOp.check("pads", pads, 4, 0);
    outputPadding = ConvOp.check("output_padding", outputPadding, 2, 0);
    dilation = ConvOp.check("dilation", dilation, 2, 1);
    long cin = weight.shape().dim(0);
    if (groups < 1 || cin % groups != 0) {
      throw new IllegalArgumentException("conv_transpose: groups " + groups + " must be >= 1 and divide Cin " + cin);
    }
    for (int i = 0; i < 2; i++) {
      if (outputPadding[i] >= Math.max(stride[i], dilation[i])) {
        throw new IllegalArgumentException("conv_transpose: output_padding " + Arrays.toString(outputPadding)
            + " must be smaller than stride or dilation");
      }
    }
    long cout = weight.shape().dim(1) * groups;
    if (bias != null && !bias.shape().equals(Shape.of(cout))) {
      throw new IllegalArgumentException("conv_transpose: bias shape " + bias.shape() + ", expected [" + cout + "]");
    }
    if (activation == null) activation = Activation.none();
  }

  @Override public int[] stride() { return stride.clone(); }
  @Override public int[] pads() { return pads.clone(); }
  @Override public int[] outputPadding() { return outputPadding.clone(); }
  @Override public int[] dilation() { return dilation.clone(); }

  public int inChannels() { return (int) weight.shape().dim(0); }
  public int outChannels() { return (int) weight.shape().dim(1) * groups; }
  public int kernelH() { return (int) weight.shape().dim(2); }
  public int kernelW() { return (int) weight.shape().dim(3); }

  public ConvTransposeOp withWeights(Tensor w, Tensor b) {
    return new ConvTransposeOp(w, b, stride, pads, outputPadding, dilation, groups, activation);
  }

  public ConvTransposeOp withActivation(Activation a) {
    return new ConvTransposeOp(weight, bias, stride, pads, outputPadding, dilation, groups, a);
  }

  @Override
  public String kind() {
    return "ConvTranspose";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    if (x.rank() != 4) throw new ShapeException(node, "ConvTranspose input must be NCHW (rank 4), got " + x);
    if (x.dim(1) != inChannels()) {
      throw new ShapeException(node, "input has " + x.dim(1) + " channels, weight " + weight.shape() + " expects " + inChannels());
    }
    long oh = (x.dim(2) - 1) * stride[0] - pads[0] - pads[2] + (long) dilation[0] * (kernelH() - 1) + outputPadding[0] + 1;
    long ow = (x.dim(3) - 1) * stride[1] - pads[1] - pads[3] + (long) dilation[1] * (kernelW() - 1) + outputPadding[1] + 1;
    if (oh < 1 || ow < 1) throw new ShapeException(node, "padding " + Arrays.toString(pads) + " leaves no output for input " + x);
    return Shape.of(x.dim(0), outChannels(), oh, ow);
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Op.weightAndBias(weight, bias);
  }

  @Override
  public String describe() {
    return "ConvTranspose " + inChannels() + "->" + outChannels() + " k" + kernelH() + "x" + kernelW()
        + " s" + Arrays.toString(stride) + " p" + Arrays.toString(pads)
        + (groups != 1 ? " g" + groups : "") + (bias == null ? " no-bias" : "")
        + (activation.kind() != Activation.Kind.NONE ? " +" + activation : "");
  }
}
