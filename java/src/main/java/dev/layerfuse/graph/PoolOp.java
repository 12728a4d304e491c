package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * 2-D max or average pooling over NCHW input, with PyTorch/ONNX semantics: pads (top, left,
 * bottom, right), dilation, {@code ceilMode} (a last window that starts in the right padding is
 * dropped), and for average pooling {@code countIncludePad}.
 */
public record PoolOp(Type type, int[] kernel, int[] stride, int[] pads, int[] dilation, boolean ceilMode,
                     boolean countIncludePad) implements Op {

  public enum Type { MAX, AVG }

  public PoolOp {
    if (type == null) throw new IllegalArgumentException("pool type is null");
    kernel = ConvOp.check("kernel", kernel, 2, 1);
    stride = ConvOp.check("stride", stride, 2, 1);
    pads = ConvOp.check("pads", pads, 4, 0);
    dilation = ConvOp.check("dilation", dilation, 2, 1);
    for (int i = 0; i < 2; i++) {
      // Padding smaller than the (dilated) window, so no window lies wholly in the padding
      // (PyTorch is stricter, at most half the window; ONNX allows up to this).
      long span = (long) dilation[i] * (kernel[i] - 1) + 1;
      if (pads[i] >= span || pads[i + 2] >= span) {
        throw new IllegalArgumentException("pool: pads " + Arrays.toString(pads) + " must be smaller than the window "
            + Arrays.toString(kernel) + " (dilation " + Arrays.toString(dilation) + ")");
      }
    }
  }

  @Override public int[] kernel() { return kernel.clone(); }
  @Override public int[] stride() { return stride.clone(); }
  @Override public int[] pads() { return pads.clone(); }
  @Override public int[] dilation() { return dilation.clone(); }

  /** Output size along one axis (PyTorch's pooling_output_shape). */
  public static long outSize(long in, int k, int s, int padBefore, int padAfter, int d, boolean ceil) {
    long span = (long) d * (k - 1) + 1;
    long avail = in + padBefore + padAfter - span;
    if (avail < 0) return -1;
    long out = (ceil ? (avail + s - 1) / s : avail / s) + 1;
    // The last window must start inside the input or the left padding.
    if (ceil && (out - 1) * s >= in + padBefore) out--;
    return out;
  }

  @Override
  public String kind() {
    return type == Type.MAX ? "MaxPool" : "AveragePool";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    Shape x = in.get(0);
    if (x.rank() != 4) throw new ShapeException(node, kind() + " input must be NCHW (rank 4), got " + x);
    long oh = outSize(x.dim(2), kernel[0], stride[0], pads[0], pads[2], dilation[0], ceilMode);
    long ow = outSize(x.dim(3), kernel[1], stride[1], pads[1], pads[3], dilation[1], ceilMode);
    if (oh < 1 || ow < 1) {
      throw new ShapeException(node, "input " + x + " is smaller than the pooling window " + Arrays.toString(kernel));
    }
    return Shape.of(x.dim(0), x.dim(1), oh, ow);
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return kind() + " k" + Arrays.toString(kernel) + " s" + Arrays.toString(stride)
        + (pads[0] + pads[1] + pads[2] + pads[3] > 0 ? " p" + Arrays.toString(pads) : "")
        + (ceilMode ? " ceil" : "") + (type == Type.AVG && countIncludePad ? " count_include_pad" : "");
  }
}
