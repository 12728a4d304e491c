package dev.layerfuse.onnx;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.Kernels.BinaryKind;
import dev.layerfuse.exec.Kernels.PadMode;
import dev.layerfuse.graph.ActivationOp;
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
import dev.layerfuse.graph.Op;
import dev.layerfuse.graph.PadOp;
import dev.layerfuse.graph.PassThroughOp;
import dev.layerfuse.graph.PoolOp;
import dev.layerfuse.graph.ReshapeOp;
import dev.layerfuse.graph.SoftmaxOp;
import dev.layerfuse.graph.TransposeOp;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.DType;
import dev.layerfuse.tensor.Tensor;
import dev.layerfuse.tensor.TypedArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Imports an ONNX model (float32 compute) into a {@link Graph}. Initializers and Constant nodes
 * become parameters of the ops that use them; a model with ops the importer does not handle
 * fails before anything runs, with one error naming every unsupported op type and its first node.
 */
public final class OnnxImporter {
  private final OnnxProto.Model model;
  private final Path dir;
  private final long opset;
  private final Map<String, TypedArray> bound;
  private final Map<String, long[]> inputDims;
  private final boolean graphOnly;
  private final Map<String, OnnxProto.Tensor> constants = new HashMap<>();
  private final Map<String, TypedArray> decoded = new HashMap<>();
  private final Map<String, Shape> shapes = new HashMap<>();
  private final List<Node> nodes = new ArrayList<>();
  private int counter;

  private OnnxImporter(OnnxProto.Model model, Path dir, Map<String, TypedArray> bound, Map<String, long[]> inputDims,
                       boolean graphOnly) {
    this.model = model;
    this.dir = dir;
    this.bound = bound;
    this.inputDims = inputDims;
    this.graphOnly = graphOnly;
    Long v = model.opsets().get("");
    this.opset = v == null ? 1 : v;
  }

  /**
   * The result of importing with bindings: the float32 graph of the run-time computation (null
   * when every output is known at compile time) and the outputs that folded to constants, with
   * their ONNX element types.
   */
  public record Imported(Graph graph, Map<String, TypedArray> constantOutputs, List<String> outputs) {}

  /** Reads and imports {@code file}; external data is read relative to its directory. */
  public static Graph load(Path file) {
    return importModel(read(file), file.toAbsolutePath().getParent());
  }

  /** Parses {@code file} as an ONNX ModelProto. */
  public static OnnxProto.Model read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new OnnxFormatException(file + ": cannot read: " + e.getMessage(), e);
    }
    return OnnxProto.parseModel(bytes, file.getFileName().toString());
  }

  /** Imports a model whose graph inputs are all float32 tensors and whose outputs are float32. */
  public static Graph importModel(OnnxProto.Model model, Path modelDir) {
    return new OnnxImporter(model, modelDir, Map.of(), Map.of(), true).run().graph();
  }

  /**
   * Imports with {@code bound} graph inputs treated as constants (weights, shapes and non-float
   * inputs fed at run time are bound by {@link OnnxModel}) and {@code inputDims} overriding the
   * declared dims of run-time inputs (symbolic dims resolved).
   */
  public static Imported importModel(OnnxProto.Model model, Path modelDir, Map<String, TypedArray> bound,
                                     Map<String, long[]> inputDims) {
    return new OnnxImporter(model, modelDir, bound, inputDims, false).run();
  }

  private Imported run() {
    OnnxProto.Graph g = model.graph();
    for (OnnxProto.Tensor t : g.initializers()) constants.put(t.name(), t);
    Support.check(model);
    Map<String, Shape> inputs = new LinkedHashMap<>();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (OnnxProto.ValueInfo vi : g.inputs()) {
      if (!seen.add(vi.name())) throw new OnnxFormatException("graph input '" + vi.name() + "' is listed twice");
      if (constants.containsKey(vi.name())) continue;
      TypedArray b = bound.get(vi.name());
      if (b != null) {
        checkDeclared(vi, b.type().onnxCode(), b.dims());
        constants.put(vi.name(), OnnxProtoTensors.of(vi.name(), b));
        decoded.put(vi.name(), b);
        continue;
      }
      if (vi.elemType() != OnnxProto.FLOAT) {
        throw new UnsupportedOperationException("graph input '" + vi.name() + "' has element type " + typeName(vi.elemType())
            + "; only float32 inputs are compiled (OnnxModel binds inputs of other types when they are fed)");
      }
      long[] d = inputDims.containsKey(vi.name()) ? inputDims.get(vi.name()) : vi.dims().clone();
      if (inputDims.containsKey(vi.name())) checkDeclared(vi, OnnxProto.FLOAT, d);
      for (int i = 0; i < d.length; i++) {
        if (d[i] < 0) {
          if (i == 0) d[i] = 1;
          else throw new OnnxFormatException("graph input '" + vi.name() + "' has a symbolic dimension at axis " + i
              + " (feed the input through OnnxModel to resolve it)");
        }
      }
      Shape s;
      try {
        s = Shape.of(d);
      } catch (IllegalArgumentException e) {
        throw new OnnxFormatException("graph input '" + vi.name() + "': " + e.getMessage(), e);
      }
      inputs.put(vi.name(), s);
      shapes.put(vi.name(), s);
    }
    for (OnnxProto.Node n : g.nodes()) {
      try {
        if (foldable(n)) fold(n);
        else translate(n);
      } catch (UnsupportedOperationException | OnnxFormatException e) {
        throw e;
      } catch (IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException e) {
        throw new OnnxFormatException("node " + nodeName(n) + " (" + n.opType() + "): " + e.getMessage(), e);
      }
    }
    List<String> outputs = new ArrayList<>(), graphOutputs = new ArrayList<>();
    Map<String, TypedArray> constOutputs = new LinkedHashMap<>();
    for (OnnxProto.ValueInfo vi : g.outputs()) {
      outputs.add(vi.name());
      if (shapes.containsKey(vi.name())) {
        graphOutputs.add(vi.name());
      } else if (constants.containsKey(vi.name())) {
        TypedArray c = typedConst(vi.name());
        if (graphOnly && c.type() == DType.FLOAT32) {
          materialize(vi.name());
          graphOutputs.add(vi.name());
        } else if (graphOnly) {
          throw new UnsupportedOperationException("graph output '" + vi.name() + "' is a constant " + c.type()
              + " tensor; load the model with OnnxModel");
        } else {
          constOutputs.put(vi.name(), c);
        }
      } else {
        throw new OnnxFormatException("graph output '" + vi.name() + "' is not produced by any node");
      }
    }
    if (graphOutputs.isEmpty() && graphOnly) throw new OnnxFormatException("the graph has no outputs");
    Graph graph = null;
    if (!graphOutputs.isEmpty()) {
      try {
        graph = new Graph(inputs, nodes, graphOutputs);
      } catch (IllegalArgumentException e) {
        throw new OnnxFormatException("invalid graph: " + e.getMessage(), e);
      }
    }
    return new Imported(graph, constOutputs, outputs);
  }

  private static String typeName(int onnxType) {
    try {
      return DType.fromOnnx(onnxType).toString();
    } catch (IllegalArgumentException e) {
      return "code " + onnxType;
    }
  }

  /** A fed value against the graph input's declared type and (non-symbolic) dims. */
  private static void checkDeclared(OnnxProto.ValueInfo vi, int type, long[] dims) {
    if (vi.elemType() != 0 && vi.elemType() != type) {
      throw new IllegalArgumentException("input '" + vi.name() + "': expected element type " + typeName(vi.elemType())
          + ", got " + typeName(type));
    }
    long[] want = vi.dims();
    if (want.length == 0) return; // no shape declared (or a scalar): nothing to hold the value to
    if (want.length != dims.length) {
      throw new IllegalArgumentException("input '" + vi.name() + "': expected shape " + describeDims(vi) + ", got "
          + java.util.Arrays.toString(dims));
    }
    for (int k = 0; k < Math.min(want.length, dims.length); k++) {
      if (want[k] >= 0 && want[k] != dims[k]) {
        throw new IllegalArgumentException("input '" + vi.name() + "': expected shape " + describeDims(vi) + ", got "
            + java.util.Arrays.toString(dims));
      }
    }
  }

  static String describeDims(OnnxProto.ValueInfo vi) {
    StringBuilder b = new StringBuilder("[");
    for (int k = 0; k < vi.dims().length; k++) {
      if (k > 0) b.append(", ");
      String p = k < vi.dimParams().size() ? vi.dimParams().get(k) : "";
      b.append(vi.dims()[k] >= 0 ? Long.toString(vi.dims()[k]) : p.isEmpty() ? "?" : p);
    }
    return b.append(']').toString();
  }

  // ---- folding --------------------------------------------------------------------------------

  /** True when every input of {@code n} is known now and the host evaluator implements its op. */
  private boolean foldable(OnnxProto.Node n) {
    if (!HostOps.supports(n.opType()) || n.inputs().isEmpty()) return false;
    for (String v : n.inputs()) if (!v.isEmpty() && !isConst(v)) return false;
    return true;
  }

  private void fold(OnnxProto.Node n) {
    List<TypedArray> in = new ArrayList<>();
    for (String v : n.inputs()) in.add(v.isEmpty() ? null : typedConst(v));
    List<TypedArray> out;
    try {
      out = HostOps.eval(n, in, opset, nodeName(n));
    } catch (HostOps.TooLarge e) {
      translate(n); // too big to fold: compute it at run time if the graph can
      return;
    }
    for (int k = 0; k < n.outputs().size() && k < out.size(); k++) putConst(n.outputs().get(k), out.get(k));
  }

  private void putConst(String name, TypedArray v) {
    if (name.isEmpty()) return;
    constants.put(name, OnnxProtoTensors.of(name, v));
    decoded.put(name, v);
  }

  private TypedArray typedConst(String v) {
    TypedArray t = decoded.get(v);
    if (t == null) {
      OnnxProto.Tensor p = constants.get(v);
      if (p == null) throw new UnsupportedOperationException("'" + v + "' must be a constant");
      t = OnnxTensors.typed(p, dir);
      decoded.put(v, t);
    }
    return t;
  }

  // ---- helpers ------------------------------------------------------------------------------

  private String fresh(String base) {
    return base + "#" + (counter++);
  }

  private String add(String name, Op op, List<String> in, String out) {
    List<Shape> s = new ArrayList<>();
    for (String v : in) s.add(shapes.get(v));
    Shape y = op.inferShape(name, s);
    nodes.add(new Node(name, op, in, out));
    shapes.put(out, y);
    return out;
  }

  private boolean isConst(String v) {
    return constants.containsKey(v);
  }

  private Tensor constTensor(String v) {
    OnnxProto.Tensor t = constants.get(v);
    if (t == null) throw new UnsupportedOperationException("'" + v + "' must be a constant (initializer or Constant node)");
    return Tensor.wrap(Shape.of(t.dims()), OnnxTensors.floats(t, dir));
  }

  private long[] constLongs(String v) {
    OnnxProto.Tensor t = constants.get(v);
    if (t == null) throw new UnsupportedOperationException("'" + v + "' must be a constant");
    return OnnxTensors.longs(t, dir);
  }

  /** A value usable as a node input: constants become Constant nodes on first use. */
  private String value(String v) {
    if (shapes.containsKey(v)) return v;
    if (isConst(v)) return materialize(v);
    throw new OnnxFormatException("value '" + v + "' is used before it is produced");
  }

  private String materialize(String v) {
    return add("const:" + v, new ConstantOp(constTensor(v)), List.of(), v);
  }

  private String input(OnnxProto.Node n, int k) {
    return k < n.inputs().size() ? n.inputs().get(k) : "";
  }

  private String nodeName(OnnxProto.Node n) {
    return n.name().isEmpty() ? fresh(n.opType()) : n.name();
  }

  // ---- translation --------------------------------------------------------------------------

  private void translate(OnnxProto.Node n) {
    String name = nodeName(n), out = n.outputs().get(0);
    String op = n.opType();
    switch (op) {
      case "Constant": {
        OnnxProto.Attribute v = n.attributes().get("value");
        OnnxProto.Tensor t;
        if (v != null && v.t() != null) t = v.t();
        else if (n.attributes().containsKey("value_float")) t = scalar(out, n.attributes().get("value_float").f());
        else if (n.attributes().containsKey("value_floats")) t = vector(out, n.attributes().get("value_floats").floats());
        else if (n.attributes().containsKey("value_int")) t = ints(out, new long[] {n.attributes().get("value_int").i()}, true);
        else if (n.attributes().containsKey("value_ints")) t = ints(out, n.attributes().get("value_ints").ints(), false);
        else throw new UnsupportedOperationException(name + ": Constant without a supported value attribute");
        constants.put(out, t);
        return;
      }
      case "Conv": conv(n, name, out); return;
      case "ConvTranspose": convTranspose(n, name, out); return;
      case "Gemm": gemm(n, name, out); return;
      case "MatMul": {
        String b = input(n, 1);
        if (isConst(b)) add(name, new MatMulOp(constTensor(b)), List.of(value(input(n, 0))), out);
        else add(name, new MatMulOp(null), List.of(value(input(n, 0)), value(b)), out);
        return;
      }
      case "BatchNormalization": {
        if (Attrs.i(n, "training_mode", 0) != 0) throw new UnsupportedOperationException(name + ": BatchNormalization in training mode");
        Tensor scale = constTensor(input(n, 1)), bias = constTensor(input(n, 2));
        Tensor mean = constTensor(input(n, 3)), var = constTensor(input(n, 4));
        add(name, BatchNormOp.eval(flat(scale), flat(bias), flat(mean), flat(var), Attrs.f(n, "epsilon", 1e-5f)),
            List.of(value(input(n, 0))), out);
        return;
      }
      case "Relu": act(n, name, out, Activation.relu()); return;
      case "LeakyRelu": act(n, name, out, Activation.leakyRelu(Attrs.f(n, "alpha", 0.01f))); return;
      case "Sigmoid": act(n, name, out, Activation.sigmoid()); return;
      case "Tanh": act(n, name, out, Activation.tanh()); return;
      case "HardSwish": act(n, name, out, Activation.hardSwish()); return;
      case "HardSigmoid": {
        // max(0, min(1, alpha·x + beta)) as scale, shift and a clamp.
        float alpha = Attrs.f(n, "alpha", 0.2f), beta = Attrs.f(n, "beta", 0.5f);
        String x = value(input(n, 0));
        String ax = add(name + "#alpha", new ChannelConstantOp(ChannelConstantOp.Type.MUL,
            Tensor.of(Shape.of(1), new float[] {alpha})), List.of(x), fresh(name + "#ax"));
        String axb = add(name + "#beta", new ChannelConstantOp(ChannelConstantOp.Type.ADD,
            Tensor.of(Shape.of(1), new float[] {beta})), List.of(ax), fresh(name + "#axb"));
        add(name, new ActivationOp(Activation.clamp(0f, 1f)), List.of(axb), out);
        return;
      }
      case "Clip": {
        float lo, hi;
        if (opset < 11) {
          lo = Attrs.f(n, "min", Float.NEGATIVE_INFINITY);
          hi = Attrs.f(n, "max", Float.POSITIVE_INFINITY);
        } else {
          String mn = input(n, 1), mx = input(n, 2);
          if ((!mn.isEmpty() && !isConst(mn)) || (!mx.isEmpty() && !isConst(mx))) {
            // Bounds fed at run time: max(x, min) then min(., max), as broadcasting binary ops.
            String v = value(input(n, 0));
            if (!mn.isEmpty()) v = add(name + "#min", new BinaryOp(BinaryKind.MAX), List.of(v, value(mn)),
                mx.isEmpty() ? out : fresh(name + "#lo"));
            if (!mx.isEmpty()) add(name, new BinaryOp(BinaryKind.MIN), List.of(v, value(mx)), out);
            return;
          }
          lo = mn.isEmpty() ? Float.NEGATIVE_INFINITY : constTensor(mn).get(0);
          hi = mx.isEmpty() ? Float.POSITIVE_INFINITY : constTensor(mx).get(0);
        }
        if (lo > hi) {
          // ONNX: min > max clamps everything to max.
          add(name, new ChannelConstantOp(ChannelConstantOp.Type.MUL, Tensor.of(Shape.of(1), new float[] {0f})),
              List.of(value(input(n, 0))), out + "#zero");
          add(name + "#max", new ChannelConstantOp(ChannelConstantOp.Type.ADD, Tensor.of(Shape.of(1), new float[] {hi})),
              List.of(out + "#zero"), out);
          return;
        }
        act(n, name, out, Activation.clamp(lo, hi));
        return;
      }
      case "Add": case "Sub": case "Mul": case "Div": binary(n, name, out); return;
      case "MaxPool": case "AveragePool": pool(n, name, out); return;
      case "GlobalAveragePool": add(name, new GlobalAvgPoolOp(), List.of(value(input(n, 0))), out); return;
      case "GlobalMaxPool": add(name, new GlobalMaxPoolOp(), List.of(value(input(n, 0))), out); return;
      case "Flatten": add(name, new FlattenOp((int) Attrs.i(n, "axis", 1)), List.of(value(input(n, 0))), out); return;
      case "Reshape": {
        long[] target = opset < 5 ? Attrs.ints(n, "shape", new long[0]) : constLongs(input(n, 1));
        boolean allowZero = Attrs.i(n, "allowzero", 0) != 0;
        if (allowZero) {
          for (long t : target) {
            if (t == -1) {
              for (long u : target) if (u == 0) throw new OnnxFormatException(name + ": allowzero shape with both 0 and -1");
            }
          }
          add(name, new ReshapeOp(target, true), List.of(value(input(n, 0))), out);
          return;
        }
        add(name, new ReshapeOp(target), List.of(value(input(n, 0))), out);
        return;
      }
      case "Concat": {
        List<String> in = new ArrayList<>();
        for (String v : n.inputs()) in.add(value(v));
        add(name, new ConcatOp((int) Attrs.i(n, "axis", 0), in.size()), in, out);
        return;
      }
      case "Softmax": case "LogSoftmax": softmax(n, name, out, op.equals("LogSoftmax")); return;
      case "Transpose": {
        long[] perm = Attrs.ints(n, "perm", null);
        add(name, new TransposeOp(perm == null ? null : Attrs.toInt(perm)), List.of(value(input(n, 0))), out);
        return;
      }
      case "Identity": add(name, PassThroughOp.identity(), List.of(value(input(n, 0))), out); return;
      case "Dropout": {
        String x = value(input(n, 0));
        add(name, PassThroughOp.dropout(0f), List.of(x), out);
        if (n.outputs().size() > 1 && !n.outputs().get(1).isEmpty()) {
          // Inference: the mask keeps everything.
          long[] dims = shapes.get(x).dims();
          long[] ones = new long[TypedArray.count(dims)];
          java.util.Arrays.fill(ones, 1);
          putConst(n.outputs().get(1), TypedArray.ofInts(DType.BOOL, dims, ones));
        }
        return;
      }
      case "Shape": case "Size": {
        // Shapes are fixed when the graph is compiled, so these are constants.
        long[] dims = shapes.get(value(input(n, 0))).dims();
        TypedArray probe = TypedArray.zeros(DType.UINT8, dims);
        putConst(out, HostOps.eval(n, List.of(probe), opset, name).get(0));
        return;
      }
      case "Sum": case "Max": case "Min": case "Mean": variadic(n, name, out); return;
      case "Elu": act(n, name, out, Activation.elu(Attrs.f(n, "alpha", 1f))); return;
      case "Selu": act(n, name, out, Activation.selu(Attrs.f(n, "alpha", 1.67326319217681884765625f),
          Attrs.f(n, "gamma", 1.05070102214813232421875f))); return;
      case "Softplus": act(n, name, out, Activation.softplus()); return;
      case "Exp": act(n, name, out, Activation.of(Activation.Kind.EXP)); return;
      case "Log": act(n, name, out, Activation.of(Activation.Kind.LOG)); return;
      case "Sqrt": act(n, name, out, Activation.of(Activation.Kind.SQRT)); return;
      case "Abs": act(n, name, out, Activation.of(Activation.Kind.ABS)); return;
      case "Neg": act(n, name, out, Activation.of(Activation.Kind.NEG)); return;
      case "Reciprocal": act(n, name, out, Activation.of(Activation.Kind.RECIPROCAL)); return;
      case "Pow": {
        String e = input(n, 1);
        if (!isConst(e) || typedConst(e).numel() != 1) {
          throw new UnsupportedOperationException(name + ": Pow with a run-time or non-scalar exponent");
        }
        act(n, name, out, Activation.pow((float) typedConst(e).real(0)));
        return;
      }
      case "PRelu": prelu(n, name, out); return;
      case "Slice": {
        String x = value(input(n, 0));
        List<TypedArray> in = new ArrayList<>();
        in.add(null);
        for (int k = 1; k < n.inputs().size(); k++) in.add(input(n, k).isEmpty() ? null : typedConst(input(n, k)));
        long[][] box = HostOps.sliceBox(n, shapes.get(x).dims(), in, opset, name);
        slice(name, x, box[0], box[1], box[2], out);
        return;
      }
      case "Split": split(n, name); return;
      case "Gather": gather(n, name, out); return;
      case "Expand": {
        String x = value(input(n, 0));
        long[] target = constLongs(input(n, 1));
        long[] dims = HostOps.broadcast(shapes.get(x).dims(), target);
        if (java.util.Arrays.equals(dims, shapes.get(x).dims())) {
          add(name, PassThroughOp.identity(), List.of(x), out);
          return;
        }
        String zeros = add(name + "#zeros", new ConstantOp(Tensor.zeros(Shape.of(target))), List.of(), fresh(name + "#z"));
        add(name, new BinaryOp(BinaryKind.ADD), List.of(x, zeros), out);
        return;
      }
      case "ReduceMean": case "ReduceMax": case "ReduceSum": reduce(n, name, out); return;
      case "LRN": lrn(n, name, out); return;
      case "Upsample": case "Resize": resize(n, name, out); return;
      case "Cast": {
        DType to = DType.fromOnnx((int) Attrs.i(n, "to", 1));
        if (to != DType.FLOAT32) {
          throw new UnsupportedOperationException(name + ": Cast of a run-time float32 tensor to " + to);
        }
        add(name, PassThroughOp.identity(), List.of(value(input(n, 0))), out);
        return;
      }
      case "Squeeze": case "Unsqueeze": squeeze(n, name, out, op.equals("Unsqueeze")); return;
      case "Pad": pad(n, name, out); return;
      default: throw new UnsupportedOperationException(name + ": unsupported op " + op);
    }
  }

  /** A strided box of {@code x}; negative steps are not run-time copies (yet). */
  private String slice(String name, String x, long[] begin, long[] size, long[] step, String out) {
    for (int a = 0; a < step.length; a++) {
      if (step[a] < 0 && size[a] > 1) throw new UnsupportedOperationException(name + ": Slice with a negative step on a run-time tensor");
      if (step[a] < 0) step[a] = 1;
    }
    return add(name, new dev.layerfuse.graph.SliceOp(begin, size, step), List.of(x), out);
  }

  private void split(OnnxProto.Node n, String name) {
    String x = value(input(n, 0));
    long[] dims = shapes.get(x).dims();
    int axis = shapes.get(x).axis((int) Attrs.i(n, "axis", 0));
    int outs = n.outputs().size();
    long[] parts = opset >= 13 && !input(n, 1).isEmpty() ? constLongs(input(n, 1)) : Attrs.ints(n, "split", null);
    if (parts == null) {
      long chunk = n.attributes().containsKey("num_outputs") ? (dims[axis] + outs - 1) / outs : dims[axis] / outs;
      parts = new long[outs];
      long left = dims[axis];
      for (int k = 0; k < outs; k++) {
        parts[k] = Math.min(chunk, left);
        left -= parts[k];
      }
      if (left != 0) throw new OnnxFormatException(name + ": dim " + dims[axis] + " does not split into " + outs + " equal parts");
    }
    if (parts.length != outs) throw new OnnxFormatException(name + ": " + parts.length + " split sizes for " + outs + " outputs");
    long at = 0;
    for (int k = 0; k < outs; k++) {
      long[] begin = new long[dims.length], size = dims.clone(), step = new long[dims.length];
      java.util.Arrays.fill(step, 1);
      begin[axis] = at;
      size[axis] = parts[k];
      at += parts[k];
      if (!n.outputs().get(k).isEmpty()) slice(k == 0 ? name : name + "#" + k, x, begin, size, step, n.outputs().get(k));
    }
    if (at != dims[axis]) throw new OnnxFormatException(name + ": split sizes sum to " + at + ", dim " + axis + " is " + dims[axis]);
  }

  /** Gather with constant indices on a run-time tensor: one slice per index, concatenated, reshaped. */
  private void gather(OnnxProto.Node n, String name, String out) {
    String x = value(input(n, 0));
    if (!isConst(input(n, 1))) throw new UnsupportedOperationException(name + ": Gather with run-time indices");
    TypedArray idx = typedConst(input(n, 1));
    long[] dims = shapes.get(x).dims();
    int axis = shapes.get(x).axis((int) Attrs.i(n, "axis", 0));
    if (idx.numel() > 1024) throw new UnsupportedOperationException(name + ": Gather of " + idx.numel() + " indices from a run-time tensor");
    List<String> pieces = new ArrayList<>();
    for (int k = 0; k < idx.numel(); k++) {
      long j = idx.integer(k);
      if (j < -dims[axis] || j >= dims[axis]) throw new OnnxFormatException(name + ": index " + j + " out of range for dim " + dims[axis]);
      long[] begin = new long[dims.length], size = dims.clone(), step = new long[dims.length];
      java.util.Arrays.fill(step, 1);
      begin[axis] = j < 0 ? j + dims[axis] : j;
      size[axis] = 1;
      pieces.add(slice(name + "#" + k, x, begin, size, step, fresh(name + "#g")));
    }
    String joined = pieces.size() == 1 ? pieces.get(0)
        : add(name + "#concat", new ConcatOp(axis, pieces.size()), pieces, fresh(name + "#cat"));
    long[] id = idx.dims();
    long[] target = new long[dims.length - 1 + id.length];
    System.arraycopy(dims, 0, target, 0, axis);
    System.arraycopy(id, 0, target, axis, id.length);
    System.arraycopy(dims, axis + 1, target, axis + id.length, dims.length - axis - 1);
    add(name, new ReshapeOp(target, true), List.of(joined), out);
  }

  /** PRelu: max(x, 0) + slope · min(x, 0), with a per-channel constant slope as a channel multiply. */
  private void prelu(OnnxProto.Node n, String name, String out) {
    String x = value(input(n, 0)), slope = input(n, 1);
    Shape xs = shapes.get(x);
    String pos = add(name + "#pos", new ActivationOp(Activation.relu()), List.of(x), fresh(name + "#p"));
    String neg = add(name + "#neg", new ActivationOp(Activation.clamp(Float.NEGATIVE_INFINITY, 0f)), List.of(x), fresh(name + "#n"));
    String scaled;
    if (isConst(slope) && perChannel(constTensor(slope).shape(), xs, xs.rank() >= 2 ? xs.dim(1) : -1)
        && BinaryOp.broadcast(name, xs, constTensor(slope).shape()).equals(xs)) {
      scaled = add(name + "#slope", new ChannelConstantOp(ChannelConstantOp.Type.MUL, flat(constTensor(slope))), List.of(neg),
          fresh(name + "#s"));
    } else {
      scaled = add(name + "#slope", new BinaryOp(BinaryKind.MUL), List.of(neg, value(slope)), fresh(name + "#s"));
    }
    add(name, new BinaryOp(BinaryKind.ADD), List.of(pos, scaled), out);
  }

  /**
   * ReduceMean/Max/Sum: reduced axes moved last, the rest flattened, then a global pool over
   * them; Sum is the mean times the count.
   */
  private void reduce(OnnxProto.Node n, String name, String out) {
    String x = value(input(n, 0));
    long[] dims = shapes.get(x).dims();
    int r = dims.length;
    long[] axes = opset >= 18 || (n.opType().equals("ReduceSum") && opset >= 13)
        ? (input(n, 1).isEmpty() ? null : constLongs(input(n, 1))) : Attrs.ints(n, "axes", null);
    boolean keep = Attrs.i(n, "keepdims", 1) != 0;
    if ((axes == null || axes.length == 0) && Attrs.i(n, "noop_with_empty_axes", 0) != 0) {
      add(name, PassThroughOp.identity(), List.of(x), out);
      return;
    }
    boolean[] red = new boolean[r];
    if (axes == null || axes.length == 0) java.util.Arrays.fill(red, true);
    else for (long a : axes) red[shapes.get(x).axis((int) a)] = true;
    int[] perm = new int[r];
    int k = 0;
    long outer = 1, inner = 1;
    List<Long> outDims = new ArrayList<>();
    for (int a = 0; a < r; a++) {
      if (!red[a]) {
        perm[k++] = a;
        outer *= dims[a];
      }
      if (!red[a]) outDims.add(dims[a]);
      else if (keep) outDims.add(1L);
    }
    for (int a = 0; a < r; a++) if (red[a]) {
      perm[k++] = a;
      inner *= dims[a];
    }
    if (inner == 0) throw new UnsupportedOperationException(name + ": " + n.opType() + " over an empty axis");
    String v = x;
    boolean identityPerm = true;
    for (int a = 0; a < r; a++) identityPerm &= perm[a] == a;
    if (!identityPerm) v = add(name + "#perm", new TransposeOp(perm), List.of(v), fresh(name + "#t"));
    v = add(name + "#4d", new ReshapeOp(new long[] {1, outer, inner, 1}, true), List.of(v), fresh(name + "#r"));
    boolean max = n.opType().equals("ReduceMax");
    v = add(name, max ? new GlobalMaxPoolOp() : new GlobalAvgPoolOp(), List.of(v), fresh(name + "#pool"));
    if (n.opType().equals("ReduceSum")) {
      v = add(name + "#sum", new ChannelConstantOp(ChannelConstantOp.Type.MUL, Tensor.of(Shape.of(1), new float[] {inner})),
          List.of(v), fresh(name + "#s"));
    }
    add(name + "#out", new ReshapeOp(outDims.stream().mapToLong(Long::longValue).toArray(), true), List.of(v), out);
  }

  /** LRN across channels: x / (bias + alpha · mean of x² over the window)^beta, the mean as an average pool. */
  private void lrn(OnnxProto.Node n, String name, String out) {
    String x = value(input(n, 0));
    long[] dims = shapes.get(x).dims();
    if (dims.length < 3) throw new OnnxFormatException(name + ": LRN needs an input of rank >= 3, got " + shapes.get(x));
    int size = (int) Attrs.i(n, "size", 0);
    if (size < 1) throw new OnnxFormatException(name + ": LRN size " + size);
    float alpha = Attrs.f(n, "alpha", 1e-4f), beta = Attrs.f(n, "beta", 0.75f), bias = Attrs.f(n, "bias", 1f);
    long rest = 1;
    for (int a = 2; a < dims.length; a++) rest *= dims[a];
    String sq = add(name + "#sq", new BinaryOp(BinaryKind.MUL), List.of(x, x), fresh(name + "#sq"));
    String planes = add(name + "#planes", new ReshapeOp(new long[] {dims[0], 1, dims[1], rest}, true), List.of(sq), fresh(name + "#p"));
    int before = (size - 1) / 2, after = size - 1 - before;
    String mean = add(name + "#window", new PoolOp(PoolOp.Type.AVG, new int[] {size, 1}, new int[] {1, 1},
        new int[] {before, 0, after, 0}, new int[] {1, 1}, false, true), List.of(planes), fresh(name + "#m"));
    String back = add(name + "#back", new ReshapeOp(dims), List.of(mean), fresh(name + "#b"));
    String scaled = add(name + "#alpha", new ChannelConstantOp(ChannelConstantOp.Type.MUL, Tensor.of(Shape.of(1), new float[] {alpha})),
        List.of(back), fresh(name + "#a"));
    String shifted = add(name + "#bias", new ChannelConstantOp(ChannelConstantOp.Type.ADD, Tensor.of(Shape.of(1), new float[] {bias})),
        List.of(scaled), fresh(name + "#k"));
    String denom = add(name + "#pow", new ActivationOp(Activation.pow(-beta)), List.of(shifted), fresh(name + "#d"));
    add(name, new BinaryOp(BinaryKind.MUL), List.of(x, denom), out);
  }

  /**
   * Resize/Upsample in nearest mode where every output element takes input element
   * floor(o / scale) for an integer scale (as asymmetric+floor and half_pixel+round_prefer_*
   * do): a broadcast against zeros over interleaved unit axes, then a reshape.
   */
  private void resize(OnnxProto.Node n, String name, String out) {
    String x = value(input(n, 0));
    long[] dims = shapes.get(x).dims();
    int r = dims.length;
    String mode = Attrs.s(n, "mode", "nearest");
    if (!mode.equals("nearest") && !mode.equals("linear") && !mode.equals("bilinear")) {
      throw new UnsupportedOperationException(name + ": " + n.opType() + " mode '" + mode + "' (nearest and linear are supported)");
    }
    double[] scales = null;
    long[] sizes = null;
    if (n.opType().equals("Upsample") && opset < 9) {
      float[] f = n.attributes().containsKey("scales") ? n.attributes().get("scales").floats() : null;
      if (f != null) {
        scales = new double[f.length];
        for (int a = 0; a < f.length; a++) scales[a] = f[a];
      }
    } else {
      int si = n.opType().equals("Upsample") || opset < 11 ? 1 : 2;
      if (!input(n, si).isEmpty() && typedConst(input(n, si)).numel() > 0) scales = typedConst(input(n, si)).toDoubles();
      if (n.opType().equals("Resize") && opset >= 11 && !input(n, 3).isEmpty()) sizes = constLongs(input(n, 3));
    }
    long[] outDims = new long[r];
    for (int a = 0; a < r; a++) {
      if (sizes != null) outDims[a] = sizes[a];
      else if (scales != null && scales.length == r) outDims[a] = (long) Math.floor(dims[a] * scales[a]);
      else throw new OnnxFormatException(name + ": " + n.opType() + " needs scales or sizes of length " + r);
    }
    String coord = Attrs.s(n, "coordinate_transformation_mode", opset < 11 ? "asymmetric" : "half_pixel");
    String nearest = Attrs.s(n, "nearest_mode", opset < 11 ? "floor" : "round_prefer_floor");
    if (coord.equals("tf_crop_and_resize")) throw new UnsupportedOperationException(name + ": tf_crop_and_resize");
    double[] scale = new double[r];
    boolean repeat = mode.equals("nearest");
    for (int a = 0; a < r; a++) {
      if (dims[a] == 0 || outDims[a] <= 0) throw new OnnxFormatException(name + ": resize axis " + a + " from " + dims[a] + " to " + outDims[a]);
      scale[a] = scales != null && scales.length == r ? scales[a] : (double) outDims[a] / dims[a];
      long s = outDims[a] / dims[a];
      if (outDims[a] % dims[a] != 0) repeat = false;
      for (long o = 0; repeat && o < outDims[a]; o++) {
        repeat = sourceIndex(o, scale[a], dims[a], outDims[a], coord, nearest) == o / s;
      }
    }
    if (!repeat) {
      resizeByMatrices(name, x, dims, outDims, scale, mode.equals("nearest"), coord, nearest, out);
      return;
    }
    List<Long> inter = new ArrayList<>(), zeros = new ArrayList<>();
    int scaled = 0;
    for (int a = 0; a < r; a++) {
      long s = outDims[a] / dims[a];
      inter.add(dims[a]);
      zeros.add(1L);
      if (s > 1) {
        inter.add(1L);
        zeros.add(s);
        scaled++;
      }
    }
    if (scaled == 0) {
      add(name, PassThroughOp.identity(), List.of(x), out);
      return;
    }
    long[] interDims = inter.stream().mapToLong(Long::longValue).toArray();
    if (interDims.length > dev.layerfuse.exec.Strided.MAX_RANK) {
      resizeByMatrices(name, x, dims, outDims, scale, true, coord, nearest, out);
      return;
    }
    String v = add(name + "#split", new ReshapeOp(interDims, true), List.of(x), fresh(name + "#i"));
    String z = add(name + "#zeros", new ConstantOp(Tensor.zeros(Shape.of(zeros.stream().mapToLong(Long::longValue).toArray()))),
        List.of(), fresh(name + "#z"));
    v = add(name, new BinaryOp(BinaryKind.ADD), List.of(v, z), fresh(name + "#rep"));
    add(name + "#out", new ReshapeOp(outDims, true), List.of(v), out);
  }

  /**
   * Resize as one interpolation matrix per resized axis (two non-zeros a row for linear, one for
   * nearest): the axis is moved last, multiplied by the constant (in x out) matrix, moved back.
   * Exact ONNX semantics for any scale; the cost is a dense product along each axis.
   */
  private void resizeByMatrices(String name, String x, long[] dims, long[] outDims, double[] scale, boolean nearestMode,
                                String coord, String nearest, String out) {
    int r = dims.length;
    String v = x;
    long[] cur = dims.clone();
    List<Integer> axes = new ArrayList<>();
    for (int a = 0; a < r; a++) {
      boolean identity = dims[a] == outDims[a];
      for (long o = 0; identity && o < outDims[a]; o++) {
        identity = nearestMode ? sourceIndex(o, scale[a], dims[a], outDims[a], coord, nearest) == o
            : Math.abs(coordinate(o, scale[a], dims[a], outDims[a], coord) - o) < 1e-9;
      }
      if (!identity) axes.add(a);
    }
    if (axes.isEmpty()) {
      add(name, PassThroughOp.identity(), List.of(x), out);
      return;
    }
    for (int idx = 0; idx < axes.size(); idx++) {
      int a = axes.get(idx);
      long in = dims[a], o = outDims[a];
      if (in * o > 1L << 24) throw new UnsupportedOperationException(name + ": resize matrix " + in + " x " + o + " on axis " + a);
      float[] m = new float[(int) (in * o)];
      for (long j = 0; j < o; j++) {
        if (nearestMode) {
          m[(int) (sourceIndex(j, scale[a], in, o, coord, nearest) * o + j)] = 1f;
        } else {
          double c = Math.max(0, Math.min(in - 1, coordinate(j, scale[a], in, o, coord)));
          long i0 = (long) Math.floor(c), i1 = Math.min(in - 1, i0 + 1);
          double f = c - i0;
          m[(int) (i0 * o + j)] += (float) (1 - f);
          m[(int) (i1 * o + j)] += (float) f;
        }
      }
      int[] perm = new int[r];
      for (int k = 0; k < r; k++) perm[k] = k;
      perm[a] = r - 1;
      perm[r - 1] = a;
      String t = a == r - 1 ? v : add(name + "#to_last" + a, new TransposeOp(perm), List.of(v), fresh(name + "#t"));
      boolean lastStep = idx == axes.size() - 1;
      String y = add(name + "#axis" + a, new MatMulOp(Tensor.wrap(Shape.of(in, o), m)), List.of(t),
          lastStep && a == r - 1 ? out : fresh(name + "#m"));
      v = a == r - 1 ? y : add(name + "#back" + a, new TransposeOp(perm), List.of(y), lastStep ? out : fresh(name + "#b"));
      cur[a] = o;
    }
  }

  /** ONNX Resize's source coordinate (before rounding or clamping) for output index {@code o}. */
  private static double coordinate(long o, double scale, long in, long out, String coord) {
    switch (coord) {
      case "asymmetric": return o / scale;
      case "align_corners": return out == 1 ? 0 : o * (double) (in - 1) / (out - 1);
      case "pytorch_half_pixel": return out > 1 ? (o + 0.5) / scale - 0.5 : 0;
      case "tf_half_pixel_for_nn": return (o + 0.5) / scale;
      case "half_pixel_symmetric": {
        double adj = out / (scale * in), center = in / 2.0, offset = center * (1 - adj);
        return offset + (o + 0.5) / scale - 0.5;
      }
      default: return (o + 0.5) / scale - 0.5;
    }
  }

  /** ONNX Resize's source index for output index {@code o} in nearest mode. */
  private static long sourceIndex(long o, double scale, long in, long out, String coord, String nearest) {
    double x = coordinate(o, scale, in, out, coord);
    long i;
    switch (nearest) {
      case "floor": i = (long) Math.floor(x); break;
      case "ceil": i = (long) Math.ceil(x); break;
      case "round_prefer_ceil": i = (long) Math.floor(x + 0.5); break;
      default: i = (long) Math.ceil(x - 0.5);
    }
    return Math.max(0, Math.min(in - 1, i));
  }

  /** Sum/Max/Min/Mean of several tensors as a chain of broadcasting binary ops. */
  private void variadic(OnnxProto.Node n, String name, String out) {
    String op = n.opType();
    BinaryKind kind = op.equals("Max") ? BinaryKind.MAX : op.equals("Min") ? BinaryKind.MIN : BinaryKind.ADD;
    List<String> in = new ArrayList<>();
    for (String v : n.inputs()) in.add(value(v));
    if (in.isEmpty()) throw new OnnxFormatException(name + ": " + op + " without inputs");
    boolean mean = op.equals("Mean") && in.size() > 1;
    String acc = in.get(0);
    if (in.size() == 1) {
      add(name, PassThroughOp.identity(), List.of(acc), out);
      return;
    }
    for (int k = 1; k < in.size(); k++) {
      boolean last = k == in.size() - 1 && !mean;
      acc = add(k == in.size() - 1 && !mean ? name : name + "#" + k, new BinaryOp(kind), List.of(acc, in.get(k)),
          last ? out : fresh(name + "#acc"));
    }
    if (mean) {
      add(name, new ChannelConstantOp(ChannelConstantOp.Type.MUL, Tensor.of(Shape.of(1), new float[] {1f / in.size()})),
          List.of(acc), out);
    }
  }

  private static OnnxProto.Tensor scalar(String name, float v) {
    return vector(name, new float[] {v});
  }

  private static OnnxProto.Tensor vector(String name, float[] v) {
    return new OnnxProto.Tensor(name, OnnxProto.FLOAT, v.length == 1 ? new long[0] : new long[] {v.length}, null, v,
        new long[0], new long[0], new double[0], new long[0], List.of(), Map.of(), false);
  }

  private static OnnxProto.Tensor ints(String name, long[] v, boolean scalar) {
    return new OnnxProto.Tensor(name, OnnxProto.INT64, scalar ? new long[0] : new long[] {v.length}, null, new float[0], v,
        new long[0], new double[0], new long[0], List.of(), Map.of(), false);
  }

  private static Tensor flat(Tensor t) {
    return t.reshape(Shape.of(t.numel()));
  }

  private void act(OnnxProto.Node n, String name, String out, Activation a) {
    add(name, new ActivationOp(a), List.of(value(input(n, 0))), out);
  }

  private int[] spatialPads(OnnxProto.Node n, Shape x, int[] k, int[] s, int[] d) {
    long[] spatial = java.util.Arrays.copyOfRange(x.dims(), 2, x.rank());
    return Attrs.spatialPads(n, spatial, k, s, d);
  }

  private void conv(OnnxProto.Node n, String name, String out) {
    String x = value(input(n, 0));
    Tensor w = constTensor(input(n, 1));
    Tensor b = input(n, 2).isEmpty() ? null : flat(constTensor(input(n, 2)));
    int rank = w.shape().rank() - 2;
    if (rank == 3) {
      Shape xs3 = shapes.get(x);
      int[] k3 = {(int) w.shape().dim(2), (int) w.shape().dim(3), (int) w.shape().dim(4)};
      int[] s3 = Attrs.fill(Attrs.ints(n, "strides", null), 3, 1), d3 = Attrs.fill(Attrs.ints(n, "dilations", null), 3, 1);
      conv3d(name, x, w, b, s3, spatialPads(n, xs3, k3, s3, d3), d3, (int) Attrs.i(n, "group", 1), out);
      return;
    }
    if (rank != 1 && rank != 2) throw new UnsupportedOperationException(name + ": " + rank + "-D Conv is not supported");
    Shape xs = shapes.get(x);
    int[] k = rank == 1 ? new int[] {(int) w.shape().dim(2)} : new int[] {(int) w.shape().dim(2), (int) w.shape().dim(3)};
    int[] s = Attrs.fill(Attrs.ints(n, "strides", null), rank, 1), d = Attrs.fill(Attrs.ints(n, "dilations", null), rank, 1);
    int[] p = spatialPads(n, xs, k, s, d);
    int groups = (int) Attrs.i(n, "group", 1);
    if (rank == 2) {
      add(name, ConvOp.of(w, b, s, new int[] {p[0], p[1], p[2], p[3]}, d, groups), List.of(x), out);
      return;
    }
    // 1-D: run as 2-D with a height of 1.
    String x2 = add(name + "#to2d", new ReshapeOp(new long[] {0, 0, 1, -1}), List.of(x), fresh(name + "#x2d"));
    Tensor w2 = w.reshape(Shape.of(w.shape().dim(0), w.shape().dim(1), 1, w.shape().dim(2)));
    String y2 = add(name, ConvOp.of(w2, b, new int[] {1, s[0]}, new int[] {0, p[0], 0, p[1]}, new int[] {1, d[0]}, groups),
        List.of(x2), fresh(name + "#y2d"));
    add(name + "#to1d", new ReshapeOp(new long[] {0, 0, -1}), List.of(y2), out);
  }

  private void convTranspose(OnnxProto.Node n, String name, String out) {
    String x = value(input(n, 0));
    Tensor w = constTensor(input(n, 1));
    Tensor b = input(n, 2).isEmpty() ? null : flat(constTensor(input(n, 2)));
    int rank = w.shape().rank() - 2;
    if (rank < 1 || rank > 3) throw new UnsupportedOperationException(name + ": " + rank + "-D ConvTranspose is not supported");
    Shape xs = shapes.get(x);
    if (xs.rank() != rank + 2) throw new OnnxFormatException(name + ": input " + xs + " does not fit weight " + w.shape());
    int[] k = new int[rank];
    for (int a = 0; a < rank; a++) k[a] = (int) w.shape().dim(2 + a);
    int[] s = Attrs.fill(Attrs.ints(n, "strides", null), rank, 1), d = Attrs.fill(Attrs.ints(n, "dilations", null), rank, 1);
    int[] op = Attrs.fill(Attrs.ints(n, "output_padding", null), rank, 0);
    int groups = (int) Attrs.i(n, "group", 1);
    long[] outShape = Attrs.ints(n, "output_shape", null);
    String auto = Attrs.s(n, "auto_pad", "NOTSET");
    int[] p;
    if (outShape != null || auto.startsWith("SAME")) {
      p = new int[2 * rank];
      for (int a = 0; a < rank; a++) {
        long in = xs.dim(2 + a);
        long target = outShape != null ? outShape[outShape.length - rank + a] : in * s[a];
        long total = s[a] * (in - 1) + op[a] + ((long) (k[a] - 1) * d[a] + 1) - target;
        if (total < 0) {
          op[a] += (int) -total;
          total = 0;
        }
        long half = total / 2;
        boolean upper = auto.equals("SAME_UPPER");
        p[a] = (int) (upper ? half : total - half);
        p[a + rank] = (int) (upper ? total - half : half);
      }
    } else {
      p = spatialPads(n, xs, k, s, d);
    }
    if (rank == 2) {
      add(name, new ConvTransposeOp(w, b, s, p, op, d, groups, Activation.none()), List.of(x), out);
      return;
    }
    if (rank == 3) {
      convTranspose3d(name, x, w, b, s, p, op, d, groups, out);
      return;
    }
    // 1-D: run as 2-D with a height of 1.
    String x2 = add(name + "#to2d", new ReshapeOp(new long[] {0, 0, 1, -1}), List.of(x), fresh(name + "#x2d"));
    Tensor w2 = w.reshape(Shape.of(w.shape().dim(0), w.shape().dim(1), 1, w.shape().dim(2)));
    String y2 = add(name, new ConvTransposeOp(w2, b, new int[] {1, s[0]}, new int[] {0, p[0], 0, p[1]}, new int[] {0, op[0]},
        new int[] {1, d[0]}, groups, Activation.none()), List.of(x2), fresh(name + "#y2d"));
    add(name + "#to1d", new ReshapeOp(new long[] {0, 0, -1}), List.of(y2), out);
  }

  /** Weight {@code w} (A, B, KD, KH, KW) at depth tap {@code kd}: (A, B, KH, KW). */
  private static Tensor depthTap(Tensor w, int kd) {
    long a = w.shape().dim(0), b = w.shape().dim(1), kD = w.shape().dim(2), kh = w.shape().dim(3), kw = w.shape().dim(4);
    float[] v = w.toArray(), r = new float[(int) (a * b * kh * kw)];
    int plane = (int) (kh * kw);
    for (int i = 0; i < a * b; i++) System.arraycopy(v, (int) ((i * kD + kd) * plane), r, i * plane, plane);
    return Tensor.wrap(Shape.of(a, b, kh, kw), r);
  }

  /**
   * 3-D Conv on the 2-D kernels: the KD depth taps of every output depth are gathered by strided
   * slices and stacked as channels ([kd][c]), output depths folded into the batch, then one 2-D
   * conv with the weight permuted to (M, KD·C, KH, KW). Groups run one 2-D conv each.
   */
  private void conv3d(String name, String x, Tensor w, Tensor b, int[] s, int[] p, int[] d, int groups, String out) {
    Shape xs = shapes.get(x);
    if (xs.rank() != 5) throw new OnnxFormatException(name + ": 3-D Conv input " + xs + " is not 5-D");
    long nn = xs.dim(0), c = xs.dim(1), dd = xs.dim(2), h = xs.dim(3), wd = xs.dim(4);
    long m = w.shape().dim(0), cg = w.shape().dim(1), kD = w.shape().dim(2);
    if (cg * groups != c || m % groups != 0) {
      throw new OnnxFormatException(name + ": weight " + w.shape() + " with group " + groups + " does not fit input " + xs);
    }
    if (groups > 1) {
      List<String> parts = new ArrayList<>();
      long mg = m / groups;
      float[] wv = w.toArray(), bv = b == null ? null : b.toArray();
      int per = (int) (w.numel() / groups);
      for (int g = 0; g < groups; g++) {
        long[] begin = {0, g * cg, 0, 0, 0}, size = {nn, cg, dd, h, wd}, step = {1, 1, 1, 1, 1};
        String xg = slice(name + "#g" + g, x, begin, size, step, fresh(name + "#xg"));
        Tensor wg = Tensor.wrap(Shape.of(mg, cg, kD, w.shape().dim(3), w.shape().dim(4)),
            java.util.Arrays.copyOfRange(wv, g * per, (g + 1) * per));
        Tensor bg = bv == null ? null : Tensor.wrap(Shape.of(mg), java.util.Arrays.copyOfRange(bv, (int) (g * mg), (int) ((g + 1) * mg)));
        conv3d(name + "#conv" + g, xg, wg, bg, s, p, d, 1, fresh(name + "#yg"));
        parts.add(nodes.get(nodes.size() - 1).output());
      }
      add(name, new ConcatOp(1, groups), parts, out);
      return;
    }
    String padded = x;
    if (p[0] > 0 || p[3] > 0) {
      padded = add(name + "#dpad", new PadOp(new long[] {0, 0, p[0], 0, 0}, new long[] {0, 0, p[3], 0, 0}, PadMode.CONSTANT, 0f),
          List.of(x), fresh(name + "#xp"));
    }
    long pd = dd + p[0] + p[3], span = (kD - 1) * d[0] + 1;
    if (pd < span) throw new OnnxFormatException(name + ": depth window " + span + " exceeds padded depth " + pd);
    long od = (pd - span) / s[0] + 1;
    List<String> taps = new ArrayList<>();
    for (int k = 0; k < kD; k++) {
      long[] begin = {0, 0, (long) k * d[0], 0, 0}, size = {nn, c, od, h, wd}, step = {1, 1, s[0], 1, 1};
      taps.add(slice(name + "#tap" + k, padded, begin, size, step, fresh(name + "#t")));
    }
    String stacked = taps.size() == 1 ? taps.get(0) : add(name + "#stack", new ConcatOp(1, taps.size()), taps, fresh(name + "#st"));
    String moved = add(name + "#depth_to_batch", new TransposeOp(new int[] {0, 2, 1, 3, 4}), List.of(stacked), fresh(name + "#tb"));
    String x4 = add(name + "#x4d", new ReshapeOp(new long[] {nn * od, kD * c, h, wd}, true), List.of(moved), fresh(name + "#x4"));
    // (M, C, KD, KH, KW) -> (M, KD, C, KH, KW) -> (M, KD*C, KH, KW)
    long kh = w.shape().dim(3), kw = w.shape().dim(4);
    float[] wv = w.toArray(), w2 = new float[wv.length];
    for (long mi = 0; mi < m; mi++)
      for (long ci = 0; ci < c; ci++)
        for (long k = 0; k < kD; k++)
          System.arraycopy(wv, (int) ((((mi * c + ci) * kD) + k) * kh * kw), w2, (int) ((((mi * kD + k) * c) + ci) * kh * kw), (int) (kh * kw));
    String y4 = add(name, ConvOp.of(Tensor.wrap(Shape.of(m, kD * c, kh, kw), w2), b, new int[] {s[1], s[2]},
        new int[] {p[1], p[2], p[4], p[5]}, new int[] {d[1], d[2]}, 1), List.of(x4), fresh(name + "#y4"));
    Shape ys = shapes.get(y4);
    String y5 = add(name + "#y5d", new ReshapeOp(new long[] {nn, od, m, ys.dim(2), ys.dim(3)}, true), List.of(y4), fresh(name + "#y5"));
    add(name + "#batch_to_depth", new TransposeOp(new int[] {0, 2, 1, 3, 4}), List.of(y5), out);
  }

  /**
   * 3-D ConvTranspose on the 2-D kernel: input depths folded into the batch, one 2-D transposed
   * conv per depth tap, each tap's result spread to depth d·stride (zero-interleaved by a pad)
   * and shifted by kd·dilation − pad, then summed.
   */
  private void convTranspose3d(String name, String x, Tensor w, Tensor b, int[] s, int[] p, int[] op, int[] d, int groups,
                               String out) {
    Shape xs = shapes.get(x);
    long nn = xs.dim(0), c = xs.dim(1), dd = xs.dim(2), h = xs.dim(3), wd = xs.dim(4);
    long kD = w.shape().dim(2);
    long od = (long) s[0] * (dd - 1) + op[0] + (kD - 1) * d[0] + 1 - p[0] - p[3];
    if (od <= 0) throw new OnnxFormatException(name + ": output depth " + od);
    String moved = add(name + "#depth_to_batch", new TransposeOp(new int[] {0, 2, 1, 3, 4}), List.of(x), fresh(name + "#tb"));
    String x4 = add(name + "#x4d", new ReshapeOp(new long[] {nn * dd, c, h, wd}, true), List.of(moved), fresh(name + "#x4"));
    String sum = null;
    long f = -1, m = -1, oh = -1, ow = -1;
    for (int k = 0; k < kD; k++) {
      String t = add(name + "#tap" + k, new ConvTransposeOp(depthTap(w, k), null, new int[] {s[1], s[2]},
          new int[] {p[1], p[2], p[4], p[5]}, new int[] {op[1], op[2]}, new int[] {d[1], d[2]}, groups, Activation.none()),
          List.of(x4), fresh(name + "#t"));
      Shape ts = shapes.get(t);
      m = ts.dim(1);
      oh = ts.dim(2);
      ow = ts.dim(3);
      f = m * oh * ow;
      String v = add(name + "#tap" + k + "#r", new ReshapeOp(new long[] {nn, dd, 1, f}, true), List.of(t), fresh(name + "#r"));
      if (s[0] > 1) {
        v = add(name + "#tap" + k + "#spread", new PadOp(new long[] {0, 0, 0, 0}, new long[] {0, 0, s[0] - 1, 0},
            PadMode.CONSTANT, 0f), List.of(v), fresh(name + "#sp"));
      }
      v = add(name + "#tap" + k + "#flat", new ReshapeOp(new long[] {nn, dd * s[0], f}, true), List.of(v), fresh(name + "#fl"));
      long shift = (long) k * d[0] - p[0], len = dd * s[0];
      v = add(name + "#tap" + k + "#place", new PadOp(new long[] {0, shift, 0}, new long[] {0, od - len - shift, 0},
          PadMode.CONSTANT, 0f), List.of(v), fresh(name + "#pl"));
      sum = sum == null ? v : add(name + "#sum" + k, new BinaryOp(BinaryKind.ADD), List.of(sum, v), fresh(name + "#s"));
    }
    String y5 = add(name + "#y5d", new ReshapeOp(new long[] {nn, od, m, oh, ow}, true), List.of(sum), fresh(name + "#y5"));
    String y = add(name + "#batch_to_depth", new TransposeOp(new int[] {0, 2, 1, 3, 4}), List.of(y5),
        b == null ? out : fresh(name + "#y"));
    if (b != null) add(name, new ChannelConstantOp(ChannelConstantOp.Type.ADD, b), List.of(y), out);
  }

  private void gemm(OnnxProto.Node n, String name, String out) {
    float alpha = Attrs.f(n, "alpha", 1f), beta = Attrs.f(n, "beta", 1f);
    String bName = input(n, 1);
    if (Attrs.i(n, "transA", 0) != 0 || !isConst(bName)) {
      gemmGeneral(n, name, out, alpha, beta);
      return;
    }
    Tensor b = constTensor(bName);
    boolean transB = Attrs.i(n, "transB", 0) != 0;
    long kk = transB ? b.shape().dim(1) : b.shape().dim(0), nn = transB ? b.shape().dim(0) : b.shape().dim(1);
    float[] bv = b.toArray(), wv = new float[bv.length];
    for (int r = 0; r < nn; r++) {
      for (int c = 0; c < kk; c++) wv[(int) (r * kk + c)] = alpha * (transB ? bv[(int) (r * kk + c)] : bv[(int) (c * nn + r)]);
    }
    Tensor bias = null;
    String c = input(n, 2);
    String cValue = null;
    if (!c.isEmpty()) {
      if (isConst(c)) {
        Tensor ct = constTensor(c);
        if (ct.numel() == nn || ct.numel() == 1) {
          float[] bb = new float[(int) nn];
          for (int k = 0; k < nn; k++) bb[k] = beta * ct.get(ct.numel() == 1 ? 0 : k);
          bias = Tensor.wrap(Shape.of(nn), bb);
        } else {
          cValue = value(c);
        }
      } else {
        cValue = value(c);
      }
    }
    String x = value(input(n, 0));
    LinearOp lin = LinearOp.of(Tensor.wrap(Shape.of(nn, kk), wv), bias);
    if (cValue == null) {
      add(name, lin, List.of(x), out);
      return;
    }
    String prod = add(name, lin, List.of(x), fresh(name + "#ab"));
    String scaled = cValue;
    if (beta != 1f) {
      scaled = add(name + "#beta", new ChannelConstantOp(ChannelConstantOp.Type.MUL, Tensor.of(Shape.of(1), new float[] {beta})),
          List.of(cValue), fresh(name + "#c"));
    }
    add(name + "#addc", new BinaryOp(BinaryKind.ADD), List.of(prod, scaled), out);
  }

  /** Gemm with transA or a B fed at run time: Transpose, MatMul, scale, and a broadcasting add of C. */
  private void gemmGeneral(OnnxProto.Node n, String name, String out, float alpha, float beta) {
    String a = value(input(n, 0)), b = value(input(n, 1));
    if (Attrs.i(n, "transA", 0) != 0) a = add(name + "#ta", new TransposeOp(new int[] {1, 0}), List.of(a), fresh(name + "#at"));
    if (Attrs.i(n, "transB", 0) != 0) b = add(name + "#tb", new TransposeOp(new int[] {1, 0}), List.of(b), fresh(name + "#bt"));
    String c = input(n, 2);
    boolean hasC = !c.isEmpty() && beta != 0f;
    String y = add(name, new MatMulOp(null), List.of(a, b), alpha == 1f && !hasC ? out : fresh(name + "#ab"));
    if (alpha != 1f) {
      y = add(name + "#alpha", new ChannelConstantOp(ChannelConstantOp.Type.MUL, Tensor.of(Shape.of(1), new float[] {alpha})),
          List.of(y), hasC ? fresh(name + "#scaled") : out);
    }
    if (!hasC) return;
    String cv = value(c);
    if (beta != 1f) {
      cv = add(name + "#beta", new ChannelConstantOp(ChannelConstantOp.Type.MUL, Tensor.of(Shape.of(1), new float[] {beta})),
          List.of(cv), fresh(name + "#c"));
    }
    add(name + "#addc", new BinaryOp(BinaryKind.ADD), List.of(y, cv), out);
  }

  private void binary(OnnxProto.Node n, String name, String out) {
    BinaryKind kind = BinaryKind.valueOf(n.opType().toUpperCase(java.util.Locale.ROOT));
    String a = input(n, 0), b = input(n, 1);
    if (isConst(a) && isConst(b)) {
      // Constant folding of shape-like chains is the ONNX importer's later work; run it.
      add(name, new BinaryOp(kind), List.of(value(a), value(b)), out);
      return;
    }
    if (opset < 7 && Attrs.i(n, "broadcast", 0) != 0 && isConst(b)) {
      Tensor bt = constTensor(b);
      Shape as = shapes.get(value(a));
      long axis = Attrs.i(n, "axis", as.rank() - bt.shape().rank());
      long[] dims = new long[as.rank() - (int) axis];
      java.util.Arrays.fill(dims, 1);
      for (int k = 0; k < bt.shape().rank(); k++) dims[k] = bt.shape().dim(k);
      constants.put(b + "#bcast", OnnxProtoTensors.of(b + "#bcast", bt.reshape(Shape.of(dims))));
      b = b + "#bcast";
    }
    if ((kind == BinaryKind.ADD || kind == BinaryKind.MUL) && (isConst(a) || isConst(b))) {
      String v = isConst(b) ? a : b, c = isConst(b) ? b : a;
      Shape vs = shapes.get(value(v));
      Tensor ct = constTensor(c);
      long channels = vs.rank() >= 2 ? vs.dim(1) : -1;
      if (BinaryOp.broadcast(name, vs, ct.shape()).equals(vs) && perChannel(ct.shape(), vs, channels)) {
        ChannelConstantOp.Type t = kind == BinaryKind.ADD ? ChannelConstantOp.Type.ADD : ChannelConstantOp.Type.MUL;
        add(name, new ChannelConstantOp(t, flat(ct)), List.of(value(v)), out);
        return;
      }
    }
    if (kind == BinaryKind.ADD && !isConst(a) && !isConst(b) && shapes.get(value(a)).equals(shapes.get(value(b)))) {
      // Two activations of one shape: a residual connection, which the conv+add(+act) rules fuse.
      add(name, new dev.layerfuse.graph.AddOp(), List.of(value(a), value(b)), out);
      return;
    }
    add(name, new BinaryOp(kind), List.of(value(a), value(b)), out);
  }

  /** True when {@code c} broadcast to {@code x} varies only along axis 1 (or is a scalar). */
  private static boolean perChannel(Shape c, Shape x, long channels) {
    if (c.numel() == 1) return true;
    if (c.numel() != channels || x.rank() < 2) return false;
    int offset = x.rank() - c.rank();
    for (int k = 0; k < c.rank(); k++) {
      int axis = k + offset;
      if (c.dim(k) != 1 && axis != 1) return false;
    }
    return true;
  }

  private void pool(OnnxProto.Node n, String name, String out) {
    if (n.outputs().size() > 1 && !n.outputs().get(1).isEmpty()) {
      throw new UnsupportedOperationException(name + ": MaxPool's Indices output of a run-time tensor (OnnxModel evaluates it"
          + " on the host when the input is fed)");
    }
    String x = value(input(n, 0));
    Shape xs = shapes.get(x);
    long[] ks = Attrs.ints(n, "kernel_shape", null);
    if (ks == null || ks.length < 1 || ks.length > 3 || xs.rank() != ks.length + 2) {
      throw new UnsupportedOperationException(name + ": " + n.opType() + " kernel_shape "
          + java.util.Arrays.toString(ks) + " on input " + xs + " (1-D, 2-D and 3-D are supported)");
    }
    int rank = ks.length;
    int[] k = Attrs.toInt(ks), s = Attrs.fill(Attrs.ints(n, "strides", null), rank, 1), d = Attrs.fill(Attrs.ints(n, "dilations", null), rank, 1);
    int[] p = spatialPads(n, xs, k, s, d);
    PoolOp.Type type = n.opType().equals("MaxPool") ? PoolOp.Type.MAX : PoolOp.Type.AVG;
    boolean ceil = Attrs.i(n, "ceil_mode", 0) != 0, countPad = Attrs.i(n, "count_include_pad", 0) != 0;
    if (rank == 2) {
      add(name, new PoolOp(type, k, s, p, d, ceil, countPad), List.of(x), out);
      return;
    }
    if (rank == 1) {
      // 1-D: pool as 2-D with a height of 1.
      String x2 = add(name + "#to2d", new ReshapeOp(new long[] {0, 0, 1, -1}), List.of(x), fresh(name + "#x2d"));
      String y2 = add(name, new PoolOp(type, new int[] {1, k[0]}, new int[] {1, s[0]}, new int[] {0, p[0], 0, p[1]},
          new int[] {1, d[0]}, ceil, countPad), List.of(x2), fresh(name + "#y2d"));
      add(name + "#to1d", new ReshapeOp(new long[] {0, 0, -1}), List.of(y2), out);
      return;
    }
    // 3-D: the window is a box and so is the valid (or padded) region, so max and mean separate
    // exactly into a 2-D pool over (H, W) and a 1-D pool over D (its divisor is the product of
    // the per-axis counts).
    long nn = xs.dim(0), c = xs.dim(1), dd = xs.dim(2), h = xs.dim(3), w = xs.dim(4);
    String hw = add(name + "#hw_in", new ReshapeOp(new long[] {nn, c * dd, h, w}), List.of(x), fresh(name + "#x4d"));
    String y1 = add(name + "#hw", new PoolOp(type, new int[] {k[1], k[2]}, new int[] {s[1], s[2]},
        new int[] {p[1], p[2], p[4], p[5]}, new int[] {d[1], d[2]}, ceil, countPad), List.of(hw), fresh(name + "#yhw"));
    Shape ys = shapes.get(y1);
    long oh = ys.dim(2), ow = ys.dim(3);
    String dIn = add(name + "#d_in", new ReshapeOp(new long[] {nn, c, dd, oh * ow}), List.of(y1), fresh(name + "#xd"));
    String y2 = add(name, new PoolOp(type, new int[] {k[0], 1}, new int[] {s[0], 1}, new int[] {p[0], 0, p[3], 0},
        new int[] {d[0], 1}, ceil, countPad), List.of(dIn), fresh(name + "#yd"));
    long od = shapes.get(y2).dim(2);
    add(name + "#to3d", new ReshapeOp(new long[] {nn, c, od, oh, ow}), List.of(y2), out);
  }

  private void softmax(OnnxProto.Node n, String name, String out, boolean log) {
    String x = value(input(n, 0));
    Shape xs = shapes.get(x);
    if (opset >= 13) {
      add(name, new SoftmaxOp((int) Attrs.i(n, "axis", -1), log), List.of(x), out);
      return;
    }
    // Before opset 13 the input is flattened to 2-D at axis.
    int axis = xs.axis((int) Attrs.i(n, "axis", 1));
    long outer = 1;
    for (int k = 0; k < axis; k++) outer *= xs.dim(k);
    String flat = add(name + "#2d", new ReshapeOp(new long[] {outer, -1}), List.of(x), fresh(name + "#flat"));
    String sm = add(name, new SoftmaxOp(1, log), List.of(flat), fresh(name + "#sm"));
    add(name + "#back", new ReshapeOp(xs.dims()), List.of(sm), out);
  }

  private void squeeze(OnnxProto.Node n, String name, String out, boolean unsqueeze) {
    String x = value(input(n, 0));
    long[] axes = opset >= 13 && n.inputs().size() > 1 ? constLongs(input(n, 1)) : Attrs.ints(n, "axes", null);
    add(name, new ReshapeOp(HostOps.squeezeDims(shapes.get(x).dims(), axes, unsqueeze, name), true), List.of(x), out);
  }

  private void pad(OnnxProto.Node n, String name, String out) {
    String x = value(input(n, 0));
    Shape xs = shapes.get(x);
    long[] pads;
    float v = 0f;
    if (opset < 11) {
      pads = Attrs.ints(n, "pads", new long[2 * xs.rank()]);
      v = Attrs.f(n, "value", 0f);
    } else {
      pads = constLongs(input(n, 1));
      if (!input(n, 2).isEmpty()) v = constTensor(input(n, 2)).get(0);
    }
    long[] axes = input(n, 3).isEmpty() ? null : constLongs(input(n, 3));
    int r = xs.rank();
    long[] before = new long[r], after = new long[r];
    if (axes == null) {
      if (pads.length != 2 * r) throw new OnnxFormatException(name + ": " + pads.length + " pads for rank " + r);
      for (int k = 0; k < r; k++) {
        before[k] = pads[k];
        after[k] = pads[k + r];
      }
    } else {
      for (int k = 0; k < axes.length; k++) {
        int a = (int) (axes[k] < 0 ? axes[k] + r : axes[k]);
        before[a] = pads[k];
        after[a] = pads[k + axes.length];
      }
    }
    PadMode mode = PadMode.valueOf(Attrs.s(n, "mode", "constant").toUpperCase(java.util.Locale.ROOT));
    add(name, new PadOp(before, after, mode, v), List.of(x), out);
  }
}
