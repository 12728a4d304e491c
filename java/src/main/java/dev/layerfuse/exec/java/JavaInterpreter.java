package dev.layerfuse.exec.java;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.BiasMode;
import dev.layerfuse.exec.ConvGeometry;
import dev.layerfuse.exec.Kernels;
import dev.layerfuse.exec.Gemm;
import dev.layerfuse.exec.Strided;
import dev.layerfuse.graph.ActivationOp;
import dev.layerfuse.graph.BinaryOp;
import dev.layerfuse.graph.ConcatOp;
import dev.layerfuse.graph.GlobalMaxPoolOp;
import dev.layerfuse.graph.MatMulOp;
import dev.layerfuse.graph.PadOp;
import dev.layerfuse.graph.ReshapeOp;
import dev.layerfuse.graph.SoftmaxOp;
import dev.layerfuse.graph.TransposeOp;
import dev.layerfuse.graph.AddOp;
import dev.layerfuse.graph.BatchNormOp;
import dev.layerfuse.graph.ChannelConstantOp;
import dev.layerfuse.graph.ConvOp;
import dev.layerfuse.graph.ConvTransposeOp;
import dev.layerfuse.graph.FlattenOp;
import dev.layerfuse.graph.GlobalAvgPoolOp;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.LinearOp;
import dev.layerfuse.graph.Node;
import dev.layerfuse.graph.Op;
import dev.layerfuse.graph.PassThroughOp;
import dev.layerfuse.graph.PoolOp;
import dev.layerfuse.graph.ScaleShiftOp;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Runs a {@link Graph} node by node on the pure-Java kernels, allocating every intermediate.
 * It is the reference executor the {@code Verifier} and tests use: simple and exact, not fast
 * (the compiled plans of the execution engine are the fast path).
 */
public final class JavaInterpreter {
  private JavaInterpreter() {}

  /** Runs {@code graph}; {@code inputs} must name every graph input. Returns outputs by name. */
  public static Map<String, Tensor> run(Graph graph, Map<String, Tensor> inputs) {
    Map<String, Shape> inShapes = new HashMap<>();
    for (String name : graph.inputs().keySet()) {
      Tensor t = inputs.get(name);
      if (t == null) {
        throw new IllegalArgumentException("missing graph input '" + name + "', expected one of " + graph.inputs().keySet());
      }
      inShapes.put(name, t.shape());
    }
    for (String name : inputs.keySet()) {
      if (!graph.inputs().containsKey(name)) {
        throw new IllegalArgumentException("unknown input name '" + name + "', expected one of " + graph.inputs().keySet());
      }
    }
    Map<String, Shape> shapes = graph.inferShapes(inShapes);
    Map<String, float[]> values = new HashMap<>();
    inputs.forEach((k, v) -> values.put(k, v.toArray()));
    for (Node node : graph.nodes()) {
      float[][] in = new float[node.inputs().size()][];
      for (int i = 0; i < in.length; i++) in[i] = values.get(node.inputs().get(i));
      Shape[] inShapesArr = new Shape[in.length];
      for (int i = 0; i < in.length; i++) inShapesArr[i] = shapes.get(node.inputs().get(i));
      values.put(node.output(), execute(node, in, inShapesArr, shapes.get(node.output())));
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String o : graph.outputs()) out.put(o, Tensor.of(shapes.get(o), values.get(o)));
    return out;
  }

  /** Runs one node on tensors (for kernel tests). */
  static Tensor execute(Node node, Tensor[] in, Shape outShape) {
    float[][] arrays = new float[in.length][];
    for (int i = 0; i < in.length; i++) arrays[i] = in[i].toArray();
    Shape[] inShapes = new Shape[in.length];
    for (int i = 0; i < in.length; i++) inShapes[i] = in[i].shape();
    return Tensor.of(outShape, execute(node, arrays, inShapes, outShape));
  }

  /**
   * Runs one node; {@code in} arrays are read, never written (pass-through ops return their
   * input array itself, so values must be treated as immutable).
   */
  static float[] execute(Node node, float[][] in, Shape[] inShapes, Shape outShape) {
    Op op = node.op();
    if (op instanceof dev.layerfuse.graph.ConstantOp k) return arr(k.value());
    Shape xs = inShapes[0];
    float[] x = in[0];
    if (op instanceof FlattenOp || op instanceof PassThroughOp || op instanceof ReshapeOp) return x;
    float[] y = new float[(int) outShape.numel()];
    if (op instanceof ConvOp c) {
      ConvGeometry g = ConvGeometry.of(xs.dim(0), xs.dim(1), xs.dim(2), xs.dim(3), c.outChannels(), c.kernelH(),
          c.kernelW(), c.stride(), c.pads(), c.dilation(), c.groups(), outShape.dim(2), outShape.dim(3));
      float[] res = c.residual() ? in[1] : null;
      if (g.depthwise()) {
        JavaConv.depthwise(g, c.activation(), x, 0, arr(c.weight()), 0, arr(c.bias()), 0, c.padValues(), 0, res, 0, y, 0);
      } else {
        long scratch = Kernels.conv2dScratch(g);
        JavaConv.conv2d(g, c.activation(), x, 0, arr(c.weight()), 0, false, arr(c.bias()), 0, c.padValues(), 0, res, 0, y, 0,
            new float[(int) scratch], 0, scratch);
      }
    } else if (op instanceof ConvTransposeOp c) {
      ConvGeometry g = ConvGeometry.of(xs.dim(0), c.inChannels(), xs.dim(2), xs.dim(3), c.outChannels(), c.kernelH(),
          c.kernelW(), c.stride(), c.pads(), c.dilation(), c.groups(), outShape.dim(2), outShape.dim(3));
      JavaConv.convTranspose(g, c.activation(), x, 0, arr(c.weight()), 0, arr(c.bias()), 0, y, 0);
    } else if (op instanceof LinearOp l) {
      Gemm gemm = Gemm.of(xs.dim(0), l.outFeatures(), l.inFeatures()).transB(true)
          .bias(l.bias() == null ? BiasMode.NONE : BiasMode.PER_COL).residual(l.residual())
          .activation(l.activation()).build();
      JavaGemm.gemm(gemm, x, 0, arr(l.weight()), 0, arr(l.bias()), 0, l.residual() ? in[1] : null, 0, y, 0);
    } else if (op instanceof BatchNormOp bn) {
      batchNorm(bn, x, xs, y);
    } else if (op instanceof ScaleShiftOp s) {
      channelAffine(x, xs, arr(s.scale()), arr(s.shift()), s.activation(), y);
    } else if (op instanceof ActivationOp a) {
      System.arraycopy(x, 0, y, 0, x.length);
      JavaEpilogue.activate(a.activation(), y, 0, y.length);
    } else if (op instanceof PoolOp p) {
      JavaPool.pool2d(p.type() == PoolOp.Type.MAX, x, 0, (int) (xs.dim(0) * xs.dim(1)), (int) xs.dim(2),
          (int) xs.dim(3), y, 0, (int) outShape.dim(2), (int) outShape.dim(3), p.kernel(), p.stride(), p.pads(),
          p.dilation(), p.countIncludePad());
    } else if (op instanceof GlobalAvgPoolOp) {
      JavaPool.globalAverage(x, 0, (int) (xs.dim(0) * xs.dim(1)), (int) (xs.dim(2) * xs.dim(3)), y, 0);
    } else if (op instanceof AddOp) {
      float[] b = in[1];
      for (int i = 0; i < y.length; i++) y[i] = x[i] + b[i];
    } else if (op instanceof ChannelConstantOp k) {
      int channels = xs.rank() < 2 ? 1 : (int) xs.dim(1);
      int inner = channels == 0 ? 0 : (int) (xs.numel() / Math.max(1, xs.dim(0)) / channels);
      for (int i = 0; i < y.length; i++) {
        float c = k.at(inner == 0 ? 0 : (i / inner) % channels);
        y[i] = k.type() == ChannelConstantOp.Type.MUL ? x[i] * c : x[i] + c;
      }
    } else if (op instanceof BinaryOp b) {
      Shape bs = inShapes[1];
      JavaTensorOps.binary(b.type(), Activation.none(), BinaryOp.strided(xs, bs, outShape), x, 0, in[1], 0, y, 0);
    } else if (op instanceof SoftmaxOp sm) {
      long[] d = sm.split(xs);
      JavaTensorOps.softmax((int) d[0], (int) d[1], (int) d[2], sm.log(), x, 0, y, 0);
    } else if (op instanceof dev.layerfuse.graph.SliceOp so) {
      JavaTensorOps.stridedCopy(so.strided(xs), x, (int) so.offset(xs), y, 0);
    } else if (op instanceof TransposeOp t) {
      JavaTensorOps.stridedCopy(t.strided(xs, outShape), x, 0, y, 0);
    } else if (op instanceof PadOp pd) {
      long[][] pads = pd.kernelPads();
      JavaTensorOps.pad(Strided.copy(xs.dims(), Strided.contiguous(xs.dims()), null), pads[0], pads[1], pd.mode(),
          pd.value(), x, 0, y, 0);
    } else if (op instanceof GlobalMaxPoolOp) {
      int planes = (int) (xs.dim(0) * xs.dim(1));
      JavaTensorOps.globalMax(x, 0, planes, (int) (xs.numel() / Math.max(1, planes)), y, 0);
    } else if (op instanceof ConcatOp cc) {
      int axis = xs.axis(cc.axis());
      long outer = 1, inner = 1;
      for (int i = 0; i < axis; i++) outer *= outShape.dim(i);
      for (int i = axis + 1; i < outShape.rank(); i++) inner *= outShape.dim(i);
      long col = 0;
      for (int k = 0; k < in.length; k++) {
        long cols = inShapes[k].dim(axis) * inner;
        JavaTensorOps.stridedCopy(Strided.copy(new long[] {outer, cols}, new long[] {cols, 1},
            new long[] {outShape.dim(axis) * inner, 1}), in[k], 0, y, (int) col);
        col += cols;
      }
    } else if (op instanceof MatMulOp mm) {
      Shape bs = mm.weight() != null ? mm.weight().shape() : inShapes[1];
      float[] b = mm.weight() != null ? arr(mm.weight()) : in[1];
      MatMulOp.Dims d = MatMulOp.dims(node.name(), xs, bs);
      long[][] off = d.batchOffsets(xs, bs);
      Gemm g = Gemm.of(d.m(), d.n(), d.k()).build();
      for (int i = 0; i < off[0].length; i++) {
        JavaGemm.gemm(g, x, (int) off[0][i], b, (int) off[1][i], null, 0, null, 0, y, (int) (i * d.m() * d.n()));
      }
    } else {
      throw new UnsupportedOperationException(node.name() + ": the Java interpreter has no kernel for " + op.kind());
    }
    return y;
  }

  /** Parameter arrays, copied out of their (immutable) tensors once and kept while the tensor lives. */
  private static final Map<Tensor, float[]> PARAMS = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

  private static float[] arr(Tensor t) {
    return t == null ? null : PARAMS.computeIfAbsent(t, Tensor::toArray);
  }

  /** y = act(x · scale[c] + shift[c]) over channel axis 1. */
  static void channelAffine(float[] x, Shape xs, float[] scale, float[] shift, Activation act, float[] y) {
    int n = (int) xs.dim(0), c = (int) xs.dim(1);
    int inner = (int) (xs.numel() / Math.max(1, (long) n * c));
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        int off = (b * c + ch) * inner;
        float s = scale[ch], t = shift[ch];
        for (int i = off; i < off + inner; i++) y[i] = x[i] * s + t;
        JavaEpilogue.activate(act, y, off, inner);
      }
    }
  }

  /** Eval BN with running statistics, else (training / no running stats) with batch statistics. */
  static void batchNorm(BatchNormOp bn, float[] x, Shape xs, float[] y) {
    int n = (int) xs.dim(0), c = (int) xs.dim(1);
    int inner = (int) (xs.numel() / Math.max(1, (long) n * c));
    float[] scale = new float[c], shift = new float[c];
    for (int ch = 0; ch < c; ch++) {
      double mean, var;
      if (bn.foldable()) {
        mean = bn.runningMean().get(ch);
        var = bn.runningVar().get(ch);
      } else {
        double s = 0, sq = 0;
        for (int b = 0; b < n; b++) {
          for (int i = (b * c + ch) * inner, e = i + inner; i < e; i++) {
            s += x[i];
            sq += (double) x[i] * x[i];
          }
        }
        long count = (long) n * inner;
        mean = s / count;
        var = Math.max(0, sq / count - mean * mean);
      }
      double inv = 1.0 / Math.sqrt(var + bn.eps());
      double gamma = bn.affine() ? bn.gamma().get(ch) : 1.0, beta = bn.affine() ? bn.beta().get(ch) : 0.0;
      scale[ch] = (float) (gamma * inv);
      shift[ch] = (float) (beta - mean * gamma * inv);
    }
    channelAffine(x, xs, scale, shift, Activation.none(), y);
  }

  /** The result as a list, for single-output graphs. */
  public static Tensor runSingle(Graph graph, Tensor input) {
    if (graph.inputs().size() != 1 || graph.outputs().size() != 1) {
      throw new IllegalArgumentException("runSingle needs one input and one output, graph has "
          + graph.inputs().keySet() + " -> " + graph.outputs());
    }
    String in = graph.inputs().keySet().iterator().next();
    return run(graph, Map.of(in, input)).get(graph.outputs().get(0));
  }
}
