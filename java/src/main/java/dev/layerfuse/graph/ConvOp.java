package dev.layerfuse.graph;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * 2-D convolution over NCHW input, with an epilogue: {@code act(conv(x) + bias + residual)}.
 *
 * <p>{@code weight} is [Cout, Cin/groups, kh, kw]. {@code pads} are (top, left, bottom, right).
 * {@code padValues}, when non-null, gives each input channel's padding value instead of 0 (what
 * makes BatchNorm → Conv folding exact with padding). With {@code residual}, the node takes a
 * second input of the output's shape, added before the activation.
 */
public record ConvOp(Tensor weight, Tensor bias, int[] stride, int[] pads, int[] dilation, int groups,
                     float[] padValues, Activation activation, boolean residual) implements Op {

  public ConvOp {
    if (weight == null || weight.shape().rank() != 4) {
      throw new IllegalArgumentException("conv weight must be [Cout, Cin/groups, kh, kw], got "
          + (weight == null ? "null" : weight.shape()));
    }
    stride = check("stride", stride, 2, 1);
    pads = check("pads", pads, 4, 0);
    dilation = check("dilation", dilation, 2, 1);
    long cout = weight.shape().dim(0);
    if (groups < 1 || cout % groups != 0) {
      throw new IllegalArgumentException("conv: groups " + groups + " must be >= 1 and divide Cout " + cout);
    }
    if (bias != null && !bias.shape().equals(Shape.of(cout))) {
      throw new IllegalArgumentException("conv: bias shape " + bias.shape() + ", expected [" + cout + "]");
    }
    if (padValues != null) {
      padValues = padValues.clone();
      if (padValues.length != weight.shape().dim(1) * groups) {
        throw new IllegalArgumentException("conv: " + padValues.length + " pad values, expected one per input channel ("
            + weight.shape().dim(1) * groups + ")");
      }
    }
    if (activation == null) activation = Activation.none();
  }

  static int[] check(String what, int[] v, int len, int min) {
    if (v == null || v.length != len) {
      throw new IllegalArgumentException(what + " must have " + len + " entries, got " + Arrays.toString(v));
    }
    for (int x : v) if (x < min) throw new IllegalArgumentException(what + " entries must be >= " + min + ", got " + Arrays.toString(v));
    return v.clone();
  }

  /** A plain convolution: no pad values, no activation, no residual. */
  public static ConvOp of(Tensor weight, Tensor bias, int[] stride, int[] pads, int[] dilation, int groups) {
    return new ConvOp(weight, bias, stride, pads, dilation, groups, null, Activation.none(), false);
  }

  @Override public int[] stride() { return stride.clone(); }
  @Override public int[] pads() { return pads.clone(); }
  @Override public int[] dilation() { return dilation.clone(); }
  @Override public float[] padValues() { return padValues == null ? null : padValues.clone(); }

  
  public int outChannels() { return (int) weight.shape().dim(0); }
  public int inChannels() { return (int) weight.shape().dim(1) * groups; }
  public int kernelH() { return (int) weight.shape().dim(2); }
  public int kernelW() { return (int) weight.shape().dim(3); }
  public boolean hasPadding() { return pads[0] + pads[1] + pads[2] + pads[3] > 0; }

  public ConvOp withWeights(Tensor w, Tensor b) {
    return new ConvOp(w, b, stride, pads, dilation, groups, padValues, activation, residual);
  }

  public ConvOp withPadValues(float[] values) {
    return new ConvOp(weight, bias, stride, pads, dilation, groups, values, activation, residual);
  }

  public ConvOp withActivation(Activation a) {
    return new ConvOp(weight, bias, stride, pads, dilation, groups, padValues, a, residual);
  }

  public ConvOp withResidual() {
    return new ConvOp(weight, bias, stride, pads, dilation, groups, padValues, activation, true);
  }

  @Override
  public String kind() {
    return "Conv";
  }

  @Override
  public int arity() {
    return residual ? 2 : 1;
  }

  /** Output size along one spatial axis, or a negative number when the window does not fit. */
  static long outSize(long in, int k, int s, int padBefore, int padAfter, int d) {
    long span = (long) d * (k - 1) + 1;
    long avail = in + padBefore + padAfter - span;
    return avail < 0 ? -1 : avail / s + 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    if (x.rank() != 4) throw new ShapeException(node, "Conv input must be NCHW (rank 4), got " + x);
    if (x.dim(1) != inChannels()) {
      throw new ShapeException(node, "input has " + x.dim(1) + " channels, weight " + weight.shape()
          + " with groups=" + groups + " expects " + inChannels());
    }
    long oh = outSize(x.dim(2), kernelH(), stride[0], pads[0], pads[2], dilation[0]);
    long ow = outSize(x.dim(3), kernelW(), stride[1], pads[1], pads[3], dilation[1]);
    if (oh < 1 || ow < 1) {
      throw new ShapeException(node, "input " + x + " is smaller than the dilated kernel " + kernelH() + "x" + kernelW()
          + " (dilation " + Arrays.toString(dilation) + ", pads " + Arrays.toString(pads) + ")");
    }
    Shape out = Shape.of(x.dim(0), outChannels(), oh, ow);
    if (residual && !in.get(1).equals(out)) {
      throw new ShapeException(node, "residual input is " + in.get(1) + ", expected the output shape " + out);
    }
    return out;
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Op.weightAndBias(weight, bias);
  }

  @Override
  public String describe() {
    StringBuilder sb = new StringBuilder("Conv ").append(inChannels()).append("->").append(outChannels())
        .append(" k").append(kernelH()).append('x').append(kernelW());
    if (stride[0] != 1 || stride[1] != 1) sb.append(" s").append(Arrays.toString(stride));
    if (hasPadding()) sb.append(" p").append(Arrays.toString(pads));
    if (dilation[0] != 1 || dilation[1] != 1) sb.append(" d").append(Arrays.toString(dilation));
    if (groups != 1) sb.append(" g").append(groups);
    if (bias == null) sb.append(" no-bias");
    if (padValues != null) sb.append(" pad-values");
    if (residual) sb.append(" +residual");
    if (activation.kind() != Activation.Kind.NONE) sb.append(" +").append(activation);
    return sb.toString();
  }
}
