package dev.layerfuse.onnx;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.graph.ActivationOp;
import dev.layerfuse.graph.AddOp;
import dev.layerfuse.graph.BatchNormOp;
import dev.layerfuse.graph.BinaryOp;
import dev.layerfuse.graph.ChannelConstantOp;
import dev.layerfuse.graph.ConcatOp;
import dev.layerfuse.graph.ConstantOp;
import dev.layerfuse.graph.ConvOp;
import dev.layerfuse.graph.ConvTransposeOp;
import dev.layerfuse.graph.FlattenOp;
import dev.layerfuse.graph.GlobalAvgPoolOp;
import dev.layerfuse.graph.GlobalMaxPoolOp;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.LinearOp;
import dev.layerfuse.graph.MatMulOp;
import dev.layerfuse.graph.Node;
import dev.layerfuse.graph.PadOp;
import dev.layerfuse.graph.PassThroughOp;
import dev.layerfuse.graph.PoolOp;
import dev.layerfuse.graph.ReshapeOp;
import dev.layerfuse.graph.ScaleShiftOp;
import dev.layerfuse.graph.SoftmaxOp;
import dev.layerfuse.graph.TransposeOp;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Writes a graph (typically a fused one) as a standard ONNX model (opset 14, default domain only,
 * weights embedded): a fused conv becomes Conv followed by its Add and activation nodes, a
 * scale+shift becomes Mul and Add, so any ONNX runtime can run it. Graph input and output names
 * and order are kept; no initializer is listed as a graph input.
 */
public final class OnnxExporter {
  static final long OPSET = 14;

  private final ProtoWriter graph = new ProtoWriter();
  private final List<ProtoWriter> nodes = new ArrayList<>();
  private final List<ProtoWriter> inits = new ArrayList<>();
  private int counter;

  private OnnxExporter() {}

  public static void write(Graph g, Path file) {
    try {
      Files.write(file, toBytes(g));
    } catch (IOException e) {
      throw new OnnxFormatException(file + ": cannot write: " + e.getMessage(), e);
    }
  }

  public static byte[] toBytes(Graph g) {
    OnnxExporter e = new OnnxExporter();
    for (Node n : g.nodes()) e.node(n, g);
    ProtoWriter gw = e.graph.string(2, "layerfuse");
    for (ProtoWriter n : e.nodes) gw.message(1, n);
    for (ProtoWriter t : e.inits) gw.message(5, t);
    g.inputs().forEach((name, shape) -> gw.message(11, valueInfo(name, shape)));
    for (String o : g.outputs()) gw.message(12, valueInfo(o, g.shape(o)));
    ProtoWriter opset = new ProtoWriter().string(1, "").varint(2, OPSET);
    return new ProtoWriter().varint(1, 7).string(2, "layerfuse").message(7, gw).message(8, opset).toByteArray();
  }

  /** A float tensor value info; dim 0 of a rank >= 2 value is the symbolic batch {@code N}, so any batch runs. */
  private static ProtoWriter valueInfo(String name, Shape s) {
    ProtoWriter shape = new ProtoWriter();
    for (int i = 0; i < s.rank(); i++) {
      shape.message(1, i == 0 && s.rank() >= 2 ? new ProtoWriter().string(2, "N") : new ProtoWriter().varint(1, s.dim(i)));
    }
    ProtoWriter tensorType = new ProtoWriter().varint(1, OnnxProto.FLOAT).message(2, shape);
    return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
  }

  private String tmp(String base) {
    return base + "__lf" + (counter++);
  }

  private String init(String name, Tensor t) {
    ByteBuffer b = ByteBuffer.allocate(4 * (int) t.numel()).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : t.toArray()) b.putFloat(v);
    inits.add(new ProtoWriter().packedInt64(1, t.shape().dims()).varint(2, OnnxProto.FLOAT).string(8, name).bytes(9, b.array()));
    return name;
  }

  private String initLongs(String name, long[] v) {
    ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    for (long x : v) b.putLong(x);
    inits.add(new ProtoWriter().packedInt64(1, new long[] {v.length}).varint(2, OnnxProto.INT64).string(8, name).bytes(9, b.array()));
    return name;
  }

  private ProtoWriter emit(String name, String op, List<String> in, String out) {
    ProtoWriter n = new ProtoWriter();
    for (String i : in) n.string(1, i);
    n.string(2, out).string(3, name).string(4, op);
    nodes.add(n);
    return n;
  }

  static ProtoWriter ints(String name, long... v) {
    ProtoWriter a = new ProtoWriter().string(1, name).varint(20, OnnxProto.Attribute.INTS);
    for (long x : v) a.varint(8, x);
    return a;
  }

  static ProtoWriter intAttr(String name, long v) {
    return new ProtoWriter().string(1, name).varint(20, OnnxProto.Attribute.INT).varint(3, v);
  }

  static ProtoWriter floatAttr(String name, float v) {
    return new ProtoWriter().string(1, name).varint(20, OnnxProto.Attribute.FLOAT).fixed32(2, v);
  }

  static ProtoWriter stringAttr(String name, String v) {
    return new ProtoWriter().string(1, name).varint(20, OnnxProto.Attribute.STRING).string(4, v);
  }

  private static long[] l(int[] v) {
    long[] r = new long[v.length];
    for (int i = 0; i < v.length; i++) r[i] = v[i];
    return r;
  }

  /** Emits {@code act} reading {@code x} into {@code out}. */
  private void activation(String name, Activation act, String x, String out) {
    switch (act.kind()) {
      case CLAMP:
        if (act.lo() == 0f && act.hi() == Float.POSITIVE_INFINITY) {
          emit(name, "Relu", List.of(x), out);
        } else {
          String lo = init(tmp(name + "_min"), Tensor.of(Shape.scalar(), new float[] {act.lo()}));
          String hi = init(tmp(name + "_max"), Tensor.of(Shape.scalar(), new float[] {act.hi()}));
          emit(name, "Clip", List.of(x, lo, hi), out);
        }
        return;
      case LEAKY_RELU: emit(name, "LeakyRelu", List.of(x), out).message(5, floatAttr("alpha", act.alpha())); return;
      case SIGMOID: emit(name, "Sigmoid", List.of(x), out); return;
      case TANH: emit(name, "Tanh", List.of(x), out); return;
      case HARDSWISH: emit(name, "HardSwish", List.of(x), out); return;
      case SILU: {
        String s = tmp(name + "_sigmoid");
        emit(name + "_sigmoid", "Sigmoid", List.of(x), s);
        emit(name, "Mul", List.of(x, s), out);
        return;
      }
      case ELU: emit(name, "Elu", List.of(x), out).message(5, floatAttr("alpha", act.alpha())); return;
      case SELU:
        emit(name, "Selu", List.of(x), out).message(5, floatAttr("alpha", act.alpha())).message(5, floatAttr("gamma", act.hi()));
        return;
      case SOFTPLUS: emit(name, "Softplus", List.of(x), out); return;
      case EXP: emit(name, "Exp", List.of(x), out); return;
      case LOG: emit(name, "Log", List.of(x), out); return;
      case SQRT: emit(name, "Sqrt", List.of(x), out); return;
      case ABS: emit(name, "Abs", List.of(x), out); return;
      case NEG: emit(name, "Neg", List.of(x), out); return;
      case RECIPROCAL: emit(name, "Reciprocal", List.of(x), out); return;
      case POW: {
        String e = init(tmp(name + "_exponent"), Tensor.of(Shape.scalar(), new float[] {act.alpha()}));
        emit(name, "Pow", List.of(x, e), out);
        return;
      }
      default: emit(name, "Identity", List.of(x), out);
    }
  }

  /** The epilogue after a layer's raw output {@code y}: optional residual Add, then the activation. */
  private void epilogue(Node n, String y, String residual, Activation act) {
    String v = y;
    boolean hasAct = act.kind() != Activation.Kind.NONE;
    if (residual != null) {
      String sum = hasAct ? tmp(n.name() + "_sum") : n.output();
      emit(n.name() + "_add", "Add", List.of(v, residual), sum);
      v = sum;
    }
    if (hasAct) activation(n.name() + "_act", act, v, n.output());
    else if (residual == null) emit(n.name() + "_id", "Identity", List.of(v), n.output());
  }

  private boolean needsEpilogue(Activation act, boolean residual) {
    return residual || act.kind() != Activation.Kind.NONE;
  }

  private void node(Node n, Graph g) {
    String x = n.inputs().isEmpty() ? null : n.inputs().get(0);
    String name = n.name();
    if (n.op() instanceof ConvOp c) {
      Tensor bias = c.bias();
      String in = x;
      if (c.padValues() != null) {
        // Padding with per-channel values p: conv(pad(x, p)) = conv(pad(x - p, 0)) + Σ W·p.
        float[] p = c.padValues();
        String shifted = tmp(name + "_shifted");
        emit(name + "_sub", "Sub", List.of(x, init(tmp(name + "_padvalues"), Tensor.of(Shape.of(p.length, 1, 1), p))), shifted);
        in = shifted;
        float[] w = c.weight().toArray();
        int cout = c.outChannels(), cinG = (int) c.weight().shape().dim(1), k = c.kernelH() * c.kernelW();
        float[] b = new float[cout];
        for (int o = 0; o < cout; o++) {
          double acc = bias == null ? 0 : bias.get(o);
          int g0 = o / (cout / c.groups()) * cinG;
          for (int ci = 0; ci < cinG; ci++) for (int j = 0; j < k; j++) acc += (double) w[(o * cinG + ci) * k + j] * p[g0 + ci];
          b[o] = (float) acc;
        }
        bias = Tensor.wrap(Shape.of(cout), b);
      }
      List<String> ins = new ArrayList<>(List.of(in, init(tmp(name + "_W"), c.weight())));
      if (bias != null) ins.add(init(tmp(name + "_B"), bias));
      boolean epi = needsEpilogue(c.activation(), c.residual());
      String y = epi ? tmp(name + "_conv") : n.output();
      emit(name, "Conv", ins, y).message(5, ints("kernel_shape", c.kernelH(), c.kernelW()))
          .message(5, ints("strides", l(c.stride()))).message(5, ints("pads", l(c.pads())))
          .message(5, ints("dilations", l(c.dilation()))).message(5, intAttr("group", c.groups()));
      if (epi) epilogue(n, y, c.residual() ? n.inputs().get(1) : null, c.activation());
    } else if (n.op() instanceof ConvTransposeOp c) {
      List<String> ins = new ArrayList<>(List.of(x, init(tmp(name + "_W"), c.weight())));
      if (c.bias() != null) ins.add(init(tmp(name + "_B"), c.bias()));
      boolean epi = needsEpilogue(c.activation(), false);
      String y = epi ? tmp(name + "_convT") : n.output();
      emit(name, "ConvTranspose", ins, y).message(5, ints("kernel_shape", c.kernelH(), c.kernelW()))
          .message(5, ints("strides", l(c.stride()))).message(5, ints("pads", l(c.pads())))
          .message(5, ints("output_padding", l(c.outputPadding()))).message(5, ints("dilations", l(c.dilation())))
          .message(5, intAttr("group", c.groups()));
      if (epi) epilogue(n, y, null, c.activation());
    } else if (n.op() instanceof LinearOp lin) {
      List<String> ins = new ArrayList<>(List.of(x, init(tmp(name + "_W"), lin.weight())));
      if (lin.bias() != null) ins.add(init(tmp(name + "_B"), lin.bias()));
      boolean epi = needsEpilogue(lin.activation(), lin.residual());
      String y = epi ? tmp(name + "_gemm") : n.output();
      emit(name, "Gemm", ins, y).message(5, intAttr("transB", 1));
      if (epi) epilogue(n, y, lin.residual() ? n.inputs().get(1) : null, lin.activation());
    } else if (n.op() instanceof BatchNormOp bn) {
      if (!bn.foldable()) throw new UnsupportedOperationException(name + ": cannot export " + bn.whyNotFoldable());
      int c = bn.channels();
      float[] ones = new float[c], zeros = new float[c];
      java.util.Arrays.fill(ones, 1f);
      Tensor gamma = bn.affine() ? bn.gamma() : Tensor.of(Shape.of(c), ones);
      Tensor beta = bn.affine() ? bn.beta() : Tensor.of(Shape.of(c), zeros);
      emit(name, "BatchNormalization", List.of(x, init(tmp(name + "_scale"), gamma), init(tmp(name + "_B"), beta),
          init(tmp(name + "_mean"), bn.runningMean()), init(tmp(name + "_var"), bn.runningVar())), n.output())
          .message(5, floatAttr("epsilon", bn.eps()));
    } else if (n.op() instanceof ScaleShiftOp ss) {
      Shape xs = g.shape(x);
      long[] dims = new long[Math.max(1, xs.rank() - 1)];
      java.util.Arrays.fill(dims, 1);
      dims[0] = ss.channels();
      String m = tmp(name + "_scaled"), added = needsEpilogue(ss.activation(), false) ? tmp(name + "_shifted") : n.output();
      emit(name + "_mul", "Mul", List.of(x, init(tmp(name + "_scale"), ss.scale().reshape(Shape.of(dims)))), m);
      emit(name, "Add", List.of(m, init(tmp(name + "_shift"), ss.shift().reshape(Shape.of(dims)))), added);
      if (needsEpilogue(ss.activation(), false)) activation(name + "_act", ss.activation(), added, n.output());
    } else if (n.op() instanceof ActivationOp a) {
      activation(name, a.activation(), x, n.output());
    } else if (n.op() instanceof PoolOp p) {
      ProtoWriter w = emit(name, p.type() == PoolOp.Type.MAX ? "MaxPool" : "AveragePool", List.of(x), n.output())
          .message(5, ints("kernel_shape", l(p.kernel()))).message(5, ints("strides", l(p.stride())))
          .message(5, ints("pads", l(p.pads()))).message(5, intAttr("ceil_mode", p.ceilMode() ? 1 : 0));
      if (p.type() == PoolOp.Type.MAX) w.message(5, ints("dilations", l(p.dilation())));
      else w.message(5, intAttr("count_include_pad", p.countIncludePad() ? 1 : 0));
    } else if (n.op() instanceof GlobalAvgPoolOp) {
      emit(name, "GlobalAveragePool", List.of(x), n.output());
    } else if (n.op() instanceof GlobalMaxPoolOp) {
      emit(name, "GlobalMaxPool", List.of(x), n.output());
    } else if (n.op() instanceof AddOp) {
      emit(name, "Add", n.inputs(), n.output());
    } else if (n.op() instanceof ChannelConstantOp k) {
      Shape xs = g.shape(x);
      Tensor c = k.constant();
      if (c.numel() > 1) {
        long[] dims = new long[Math.max(1, xs.rank() - 1)];
        java.util.Arrays.fill(dims, 1);
        dims[0] = c.numel();
        c = c.reshape(Shape.of(dims));
      }
      emit(name, k.type() == ChannelConstantOp.Type.MUL ? "Mul" : "Add", List.of(x, init(tmp(name + "_c"), c)), n.output());
    } else if (n.op() instanceof BinaryOp b) {
      emit(name, b.kind(), n.inputs(), n.output());
    } else if (n.op() instanceof FlattenOp f) {
      emit(name, "Flatten", List.of(x), n.output()).message(5, intAttr("axis", f.axis()));
    } else if (n.op() instanceof PassThroughOp) {
      emit(name, "Identity", List.of(x), n.output());
    } else if (n.op() instanceof SoftmaxOp s) {
      emit(name, s.kind(), List.of(x), n.output()).message(5, intAttr("axis", s.axis()));
    } else if (n.op() instanceof ConcatOp c) {
      emit(name, "Concat", n.inputs(), n.output()).message(5, intAttr("axis", c.axis()));
    } else if (n.op() instanceof TransposeOp t) {
      ProtoWriter w = emit(name, "Transpose", List.of(x), n.output());
      if (t.perm() != null) w.message(5, ints("perm", l(t.perm())));
    } else if (n.op() instanceof dev.layerfuse.graph.SliceOp so) {
      long[] b = so.begin(), sz = so.size(), st = so.step(), e = new long[b.length], axes = new long[b.length];
      for (int i = 0; i < b.length; i++) {
        e[i] = b[i] + (sz[i] - 1) * st[i] + 1;
        if (sz[i] == 0) e[i] = b[i];
        axes[i] = i;
      }
      emit(name, "Slice", List.of(x, initLongs(tmp(name + "_starts"), b), initLongs(tmp(name + "_ends"), e),
          initLongs(tmp(name + "_axes"), axes), initLongs(tmp(name + "_steps"), st)), n.output());
    } else if (n.op() instanceof ReshapeOp r) {
      ProtoWriter w = emit(name, "Reshape", List.of(x, initLongs(tmp(name + "_shape"), r.target())), n.output());
      if (r.allowZero()) w.message(5, intAttr("allowzero", 1));
    } else if (n.op() instanceof PadOp p) {
      long[] pads = new long[2 * p.before().length];
      for (int i = 0; i < p.before().length; i++) {
        pads[i] = p.before()[i];
        pads[i + p.before().length] = p.after()[i];
      }
      emit(name, "Pad", List.of(x, initLongs(tmp(name + "_pads"), pads),
          init(tmp(name + "_value"), Tensor.of(Shape.scalar(), new float[] {p.value()}))), n.output())
          .message(5, stringAttr("mode", p.mode().name().toLowerCase(Locale.ROOT)));
    } else if (n.op() instanceof MatMulOp m) {
      emit(name, "MatMul", m.weight() == null ? n.inputs() : List.of(x, init(tmp(name + "_B"), m.weight())), n.output());
    } else if (n.op() instanceof ConstantOp k) {
      init(n.output(), k.value());
    } else {
      throw new UnsupportedOperationException(name + ": cannot export " + n.kind());
    }
  }
}
