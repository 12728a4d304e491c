package dev.layerfuse.onnx;

import dev.layerfuse.exec.Strided;
import dev.layerfuse.graph.BinaryOp;
import dev.layerfuse.graph.ReshapeOp;
import dev.layerfuse.tensor.DType;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.TypedArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;
import java.util.function.LongBinaryOperator;

/**
 * The host evaluator: ONNX reference semantics on {@link TypedArray}s of any element type. The
 * importer uses it to fold nodes whose inputs are all known when the model is compiled (shape
 * chains, constant weights, integer arithmetic on bound inputs, masks); float32 compute on
 * run-time tensors goes to the fused graph instead. Each op checks its inputs and fails with an
 * {@link OnnxFormatException} naming the node.
 */
final class HostOps {
  private static final Set<String> OPS = Set.of("Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean",
      "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Where",
      "Neg", "Abs", "Relu", "Sqrt", "Exp", "Log", "Floor", "Ceil", "Sigmoid", "Tanh", "Reciprocal",
      "Clip", "Cast", "Shape", "Size", "Identity", "Dropout", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Concat",
      "Transpose", "Gather", "ConstantOfShape", "Expand", "Slice", "Range", "MaxPool", "Pad");

  /** The largest result folded (elements): beyond it the node stays in the graph, so hostile dims cannot exhaust the heap. */
  static final long FOLD_LIMIT = 1L << 22;

  private HostOps() {}

  /** Thrown when a result would exceed {@link #FOLD_LIMIT}; the importer then leaves the node to the graph. */
  static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge(String message) {
      super(message, null, false, false);
    }
  }

  private static int count(long[] dims) {
    long n = TypedArray.count(dims);
    if (n > FOLD_LIMIT) throw new TooLarge(Arrays.toString(dims) + " exceeds the folding limit of " + FOLD_LIMIT + " elements");
    return (int) n;
  }

  static boolean supports(String opType) {
    return OPS.contains(opType);
  }

  /**
   * Evaluates {@code n}; {@code in} holds one array per node input ({@code null} for an omitted
   * optional input). Returns one array per node output.
   */
  static List<TypedArray> eval(OnnxProto.Node n, List<TypedArray> in, long opset, String name) {
    try {
      return evalChecked(n, in, opset, name);
    } catch (IllegalArgumentException | ArithmeticException | IndexOutOfBoundsException e) {
      throw new OnnxFormatException("node " + name + " (" + n.opType() + "): " + e.getMessage(), e);
    } catch (NullPointerException e) {
      throw new OnnxFormatException("node " + name + " (" + n.opType() + "): a required input is missing", e);
    }
  }

  private static TypedArray arg(List<TypedArray> in, int k) {
    return k < in.size() ? in.get(k) : null;
  }

  private static List<TypedArray> evalChecked(OnnxProto.Node n, List<TypedArray> in, long opset, String name) {
    String op = n.opType();
    TypedArray x = arg(in, 0);
    switch (op) {
      case "Add": return List.of(arith(x, in.get(1), Double::sum, Long::sum, name));
      case "Sub": return List.of(arith(x, in.get(1), (a, b) -> a - b, (a, b) -> a - b, name));
      case "Mul": return List.of(arith(x, in.get(1), (a, b) -> a * b, (a, b) -> a * b, name));
      case "Div":
        return List.of(arith(x, in.get(1), (a, b) -> a / b, x.type() == DType.UINT64 ? Long::divideUnsigned : (a, b) -> {
          if (b == 0) throw new ArithmeticException("integer division by zero");
          return a / b;
        }, name));
      case "Pow": return List.of(pow(x, in.get(1)));
      case "Max": case "Min": case "Sum": case "Mean": return List.of(variadic(op, in, name));
      case "Equal": return List.of(compare(x, in.get(1), c -> c == 0));
      case "Less": return List.of(compare(x, in.get(1), c -> c < 0));
      case "Greater": return List.of(compare(x, in.get(1), c -> c > 0));
      case "LessOrEqual": return List.of(compare(x, in.get(1), c -> c <= 0));
      case "GreaterOrEqual": return List.of(compare(x, in.get(1), c -> c >= 0));
      case "And": return List.of(logic(x, in.get(1), (a, b) -> a & b));
      case "Or": return List.of(logic(x, in.get(1), (a, b) -> a | b));
      case "Not": return List.of(unaryInt(x, v -> v == 0 ? 1 : 0));
      case "Where": return List.of(where(x, in.get(1), in.get(2), name));
      case "Neg": return List.of(x.type().isFloating() ? unary(x, v -> -v) : unaryInt(x, v -> -v));
      case "Abs": return List.of(x.type().isFloating() ? unary(x, Math::abs) : unaryInt(x, Math::abs));
      case "Relu": return List.of(x.type().isFloating() ? unary(x, v -> v < 0 ? 0.0 : v)
          : unaryInt(x, v -> Math.max(v, 0)));
      case "Sqrt": return List.of(unary(x, Math::sqrt));
      case "Exp": return List.of(unary(x, Math::exp));
      case "Log": return List.of(unary(x, Math::log));
      case "Floor": return List.of(unary(x, Math::floor));
      case "Ceil": return List.of(unary(x, Math::ceil));
      case "Sigmoid": return List.of(unary(x, v -> 1 / (1 + Math.exp(-v))));
      case "Tanh": return List.of(unary(x, Math::tanh));
      case "Reciprocal": return List.of(unary(x, v -> 1 / v));
      case "Clip": return List.of(clip(n, in, opset));
      case "Cast": return List.of(x.cast(DType.fromOnnx((int) Attrs.i(n, "to", 1))));
      case "Shape": return List.of(shape(n, x));
      case "Size": return List.of(TypedArray.ofInts(DType.INT64, new long[0], new long[] {x.numel()}));
      case "Identity": return List.of(x);
      case "Dropout": {
        List<TypedArray> out = new ArrayList<>(List.of(x));
        if (n.outputs().size() > 1) out.add(ones(x.dims()));
        return out;
      }
      case "Reshape": {
        long[] target = opset < 5 ? Attrs.ints(n, "shape", new long[0]) : in.get(1).toLongs();
        return List.of(x.reshape(reshapeDims(x.dims(), target, Attrs.i(n, "allowzero", 0) != 0, name)));
      }
      case "Flatten": {
        int axis = axis((int) Attrs.i(n, "axis", 1), x.rank() + 1, name);
        long outer = 1, inner = 1;
        for (int k = 0; k < x.rank(); k++) {
          if (k < axis) outer *= x.dim(k);
          else inner *= x.dim(k);
        }
        return List.of(x.reshape(new long[] {outer, inner}));
      }
      case "Squeeze": case "Unsqueeze": {
        long[] axes = opset >= 13 ? (arg(in, 1) == null ? null : in.get(1).toLongs()) : Attrs.ints(n, "axes", null);
        return List.of(x.reshape(squeezeDims(x.dims(), axes, op.equals("Unsqueeze"), name)));
      }
      case "Concat": return List.of(concat(in, (int) Attrs.i(n, "axis", 0), name));
      case "Transpose": return List.of(transpose(x, Attrs.ints(n, "perm", null), name));
      case "Gather": return List.of(gather(x, in.get(1), (int) Attrs.i(n, "axis", 0), name));
      case "ConstantOfShape": {
        OnnxProto.Tensor v = Attrs.t(n, "value");
        TypedArray fill = v == null ? TypedArray.zeros(DType.FLOAT32, new long[0]) : OnnxTensors.typed(v, null);
        if (fill.numel() != 1) throw new IllegalArgumentException("value must hold one element, has " + fill.numel());
        return List.of(expand(fill.reshape(new long[0]), x.toLongs(), name));
      }
      case "Expand": return List.of(expand(x, in.get(1).toLongs(), name));
      case "Slice": return List.of(slice(n, in, opset, name));
      case "Range": return List.of(range(x, in.get(1), in.get(2)));
      case "MaxPool": return maxPool(n, x, name);
      case "Pad": return List.of(pad(n, in, opset, name));
      default: throw new UnsupportedOperationException(name + ": the host evaluator does not implement " + op);
    }
  }

  // ---- broadcasting ---------------------------------------------------------------------------

  /** NumPy broadcast of the given dims (the rule {@link BinaryOp#broadcast} implements). */
  static long[] broadcast(long[] a, long[] b) {
    return BinaryOp.broadcast("broadcast", Shape.of(a), Shape.of(b)).dims();
  }

  /** For each element of an array of {@code out} dims, the flat index of the element of {@code in} that broadcasts to it. */
  private static int[] broadcastIndex(long[] out, long[] in) {
    int n = count(out), r = out.length, off = r - in.length;
    long[] stride = new long[r];
    long s = 1;
    for (int k = in.length - 1; k >= 0; k--) {
      stride[k + off] = in[k] == 1 ? 0 : s;
      s *= in[k];
    }
    int[] idx = new int[n];
    int[] pos = new int[r];
    long cur = 0;
    for (int i = 0; i < n; i++) {
      idx[i] = (int) cur;
      for (int k = r - 1; k >= 0; k--) {
        if (++pos[k] < out[k]) {
          cur += stride[k];
          break;
        }
        cur -= stride[k] * (out[k] - 1);
        pos[k] = 0;
      }
    }
    return idx;
  }

  private static void sameType(TypedArray a, TypedArray b) {
    if (a.type() != b.type()) throw new IllegalArgumentException("element types differ: " + a.type() + " and " + b.type());
  }

  private static TypedArray arith(TypedArray a, TypedArray b, DoubleBinaryOperator fd, LongBinaryOperator fl, String name) {
    sameType(a, b);
    long[] dims = broadcast(a.dims(), b.dims());
    int[] ia = broadcastIndex(dims, a.dims()), ib = broadcastIndex(dims, b.dims());
    if (a.type().isFloating()) {
      double[] v = new double[ia.length];
      for (int i = 0; i < v.length; i++) v[i] = fd.applyAsDouble(a.real(ia[i]), b.real(ib[i]));
      return TypedArray.ofReals(a.type(), dims, v);
    }
    long[] v = new long[ia.length];
    for (int i = 0; i < v.length; i++) v[i] = fl.applyAsLong(a.integer(ia[i]), b.integer(ib[i]));
    return TypedArray.ofInts(a.type(), dims, v);
  }

  private static TypedArray pow(TypedArray a, TypedArray b) {
    long[] dims = broadcast(a.dims(), b.dims());
    int[] ia = broadcastIndex(dims, a.dims()), ib = broadcastIndex(dims, b.dims());
    if (a.type().isFloating()) {
      double[] v = new double[ia.length];
      for (int i = 0; i < v.length; i++) v[i] = Math.pow(a.real(ia[i]), b.real(ib[i]));
      return TypedArray.ofReals(a.type(), dims, v);
    }
    long[] v = new long[ia.length];
    for (int i = 0; i < v.length; i++) v[i] = (long) Math.pow(a.real(ia[i]), b.real(ib[i]));
    return TypedArray.ofInts(a.type(), dims, v);
  }

  private static int cmp(TypedArray a, int i, TypedArray b, int j) {
    if (a.type().isFloating() || b.type().isFloating()) return Double.compare(a.real(i), b.real(j));
    if (a.type() == DType.UINT64) return Long.compareUnsigned(a.integer(i), b.integer(j));
    return Long.compare(a.integer(i), b.integer(j));
  }

  private static TypedArray variadic(String op, List<TypedArray> in, String name) {
    TypedArray acc = in.get(0);
    for (int k = 1; k < in.size(); k++) {
      TypedArray b = in.get(k);
      switch (op) {
        case "Max": case "Min": {
          sameType(acc, b);
          long[] dims = broadcast(acc.dims(), b.dims());
          int[] ia = broadcastIndex(dims, acc.dims()), ib = broadcastIndex(dims, b.dims());
          boolean max = op.equals("Max");
          TypedArray a = acc;
          if (a.type().isFloating()) {
            double[] v = new double[ia.length];
            for (int i = 0; i < v.length; i++) {
              double x = a.real(ia[i]), y = b.real(ib[i]);
              v[i] = Double.isNaN(x) || Double.isNaN(y) ? Double.NaN : max ? Math.max(x, y) : Math.min(x, y);
            }
            acc = TypedArray.ofReals(a.type(), dims, v);
          } else {
            long[] v = new long[ia.length];
            for (int i = 0; i < v.length; i++) {
              int c = cmp(a, ia[i], b, ib[i]);
              v[i] = (max ? c >= 0 : c <= 0) ? a.integer(ia[i]) : b.integer(ib[i]);
            }
            acc = TypedArray.ofInts(a.type(), dims, v);
          }
          break;
        }
        default: acc = arith(acc, b, Double::sum, Long::sum, name);
      }
    }
    if (op.equals("Mean")) {
      double count = in.size();
      acc = unary(acc, v -> v / count);
    }
    return acc;
  }

  private interface IntPredicate {
    boolean test(int c);
  }

  private static TypedArray compare(TypedArray a, TypedArray b, IntPredicate p) {
    sameType(a, b);
    long[] dims = broadcast(a.dims(), b.dims());
    int[] ia = broadcastIndex(dims, a.dims()), ib = broadcastIndex(dims, b.dims());
    long[] v = new long[ia.length];
    for (int i = 0; i < v.length; i++) {
      boolean nan = a.type().isFloating() && (Double.isNaN(a.real(ia[i])) || Double.isNaN(b.real(ib[i])));
      v[i] = !nan && p.test(cmp(a, ia[i], b, ib[i])) ? 1 : 0;
    }
    return TypedArray.ofInts(DType.BOOL, dims, v);
  }

  private static TypedArray logic(TypedArray a, TypedArray b, LongBinaryOperator f) {
    long[] dims = broadcast(a.dims(), b.dims());
    int[] ia = broadcastIndex(dims, a.dims()), ib = broadcastIndex(dims, b.dims());
    long[] v = new long[ia.length];
    for (int i = 0; i < v.length; i++) v[i] = f.applyAsLong(a.integer(ia[i]) != 0 ? 1 : 0, b.integer(ib[i]) != 0 ? 1 : 0);
    return TypedArray.ofInts(DType.BOOL, dims, v);
  }

  private static TypedArray where(TypedArray c, TypedArray a, TypedArray b, String name) {
    sameType(a, b);
    long[] dims = broadcast(broadcast(c.dims(), a.dims()), b.dims());
    int[] ic = broadcastIndex(dims, c.dims()), ia = broadcastIndex(dims, a.dims()), ib = broadcastIndex(dims, b.dims());
    if (a.type().isFloating()) {
      double[] v = new double[ic.length];
      for (int i = 0; i < v.length; i++) v[i] = c.integer(ic[i]) != 0 ? a.real(ia[i]) : b.real(ib[i]);
      return TypedArray.ofReals(a.type(), dims, v);
    }
    long[] v = new long[ic.length];
    for (int i = 0; i < v.length; i++) v[i] = c.integer(ic[i]) != 0 ? a.integer(ia[i]) : b.integer(ib[i]);
    return TypedArray.ofInts(a.type(), dims, v);
  }

  private static TypedArray unary(TypedArray x, DoubleUnaryOperator f) {
    if (!x.type().isFloating()) throw new IllegalArgumentException("needs a floating input, got " + x.type());
    double[] v = x.toDoubles();
    for (int i = 0; i < v.length; i++) v[i] = f.applyAsDouble(v[i]);
    return TypedArray.ofReals(x.type(), x.dims(), v);
  }

  private static TypedArray unaryInt(TypedArray x, java.util.function.LongUnaryOperator f) {
    long[] v = x.toLongs();
    for (int i = 0; i < v.length; i++) v[i] = f.applyAsLong(v[i]);
    return TypedArray.ofInts(x.type(), x.dims(), v);
  }

  private static TypedArray ones(long[] dims) {
    long[] v = new long[count(dims)];
    Arrays.fill(v, 1);
    return TypedArray.ofInts(DType.BOOL, dims, v);
  }

  private static TypedArray clip(OnnxProto.Node n, List<TypedArray> in, long opset) {
    TypedArray x = in.get(0);
    TypedArray lo = arg(in, 1), hi = arg(in, 2);
    if (opset < 11) {
      lo = TypedArray.ofReals(DType.FLOAT64, new long[0], new double[] {Attrs.f(n, "min", Float.NEGATIVE_INFINITY)});
      hi = TypedArray.ofReals(DType.FLOAT64, new long[0], new double[] {Attrs.f(n, "max", Float.POSITIVE_INFINITY)});
    }
    for (TypedArray b : new TypedArray[] {lo, hi}) {
      if (b != null && b.numel() != 1) throw new IllegalArgumentException("Clip bounds must be scalars, got " + b);
    }
    if (x.type().isFloating()) {
      double l = lo == null ? Double.NEGATIVE_INFINITY : lo.real(0), h = hi == null ? Double.POSITIVE_INFINITY : hi.real(0);
      return unary(x, v -> l > h ? h : Math.min(Math.max(v, l), h));
    }
    long[] v = x.toLongs();
    for (int i = 0; i < v.length; i++) {
      if (lo != null && cmp(x, i, lo, 0) < 0) v[i] = lo.integer(0);
      if (hi != null && cmp(TypedArray.ofInts(x.type(), new long[0], new long[] {v[i]}), 0, hi, 0) > 0) v[i] = hi.integer(0);
    }
    return TypedArray.ofInts(x.type(), x.dims(), v);
  }

  // ---- shapes -----------------------------------------------------------------------------------

  private static int axis(int a, int rank, String name) {
    int r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank) throw new IllegalArgumentException("axis " + a + " out of range for rank " + (rank));
    return r;
  }

  private static TypedArray shape(OnnxProto.Node n, TypedArray x) {
    int r = x.rank();
    int start = (int) Attrs.i(n, "start", 0), end = (int) Attrs.i(n, "end", r);
    start = Math.max(0, Math.min(r, start < 0 ? start + r : start));
    end = Math.max(start, Math.min(r, end < 0 ? end + r : end));
    long[] d = Arrays.copyOfRange(x.dims(), start, end);
    return TypedArray.ofInts(DType.INT64, new long[] {d.length}, d);
  }

  /** ONNX Reshape's output dims (the rule {@link ReshapeOp} implements). */
  static long[] reshapeDims(long[] in, long[] target, boolean allowZero, String name) {
    return new ReshapeOp(target, allowZero).inferShape(name, List.of(Shape.of(in))).dims();
  }

  static long[] squeezeDims(long[] in, long[] axes, boolean unsqueeze, String name) {
    List<Long> dims = new ArrayList<>();
    for (long v : in) dims.add(v);
    if (unsqueeze) {
      if (axes == null) throw new IllegalArgumentException("Unsqueeze needs axes");
      int r = in.length + axes.length;
      long[] norm = new long[axes.length];
      for (int k = 0; k < axes.length; k++) norm[k] = axis((int) axes[k], r, name);
      Arrays.sort(norm);
      for (int k = 1; k < norm.length; k++) if (norm[k] == norm[k - 1]) throw new IllegalArgumentException("axis " + norm[k] + " repeated");
      for (long a : norm) dims.add((int) a, 1L);
    } else if (axes == null) {
      dims.removeIf(v -> v == 1);
    } else {
      long[] norm = new long[axes.length];
      for (int k = 0; k < axes.length; k++) norm[k] = axis((int) axes[k], in.length, name);
      Arrays.sort(norm);
      for (int k = norm.length - 1; k >= 0; k--) {
        if (in[(int) norm[k]] != 1) throw new IllegalArgumentException("cannot squeeze axis " + norm[k] + " of " + Arrays.toString(in));
        if (k + 1 < norm.length && norm[k] == norm[k + 1]) continue;
        dims.remove((int) norm[k]);
      }
    }
    return dims.stream().mapToLong(Long::longValue).toArray();
  }

  /** Builds an array of {@code dims} whose element i is {@code src} element {@code map[i]} (or {@code fill} where map is -1). */
  private static TypedArray gatherFlat(TypedArray src, long[] dims, int[] map, TypedArray fill) {
    if (src.type().isFloating()) {
      double[] v = new double[map.length];
      for (int i = 0; i < v.length; i++) v[i] = map[i] < 0 ? fill.real(0) : src.real(map[i]);
      return TypedArray.ofReals(src.type(), dims, v);
    }
    long[] v = new long[map.length];
    for (int i = 0; i < v.length; i++) v[i] = map[i] < 0 ? fill.integer(0) : src.integer(map[i]);
    return TypedArray.ofInts(src.type(), dims, v);
  }

  /** Calls {@code f} with each multi-index of {@code dims} in row-major order and its flat position. */
  private static void forEachIndex(long[] dims, java.util.function.ObjIntConsumer<long[]> f) {
    int n = count(dims);
    long[] pos = new long[dims.length];
    for (int i = 0; i < n; i++) {
      f.accept(pos, i);
      for (int k = dims.length - 1; k >= 0; k--) {
        if (++pos[k] < dims[k]) break;
        pos[k] = 0;
      }
    }
  }

  private static TypedArray concat(List<TypedArray> in, int axisAttr, String name) {
    TypedArray first = in.get(0);
    int r = first.rank(), axis = axis(axisAttr, r, name);
    long[] dims = first.dims();
    long total = 0;
    for (TypedArray t : in) {
      sameType(first, t);
      if (t.rank() != r) throw new IllegalArgumentException("inputs of rank " + t.rank() + " and " + r);
      for (int k = 0; k < r; k++) {
        if (k != axis && t.dim(k) != dims[k]) throw new IllegalArgumentException("dim " + k + " is " + t.dim(k) + ", expected " + dims[k]);
      }
      total += t.dim(axis);
    }
    dims[axis] = total;
    int[] which = new int[count(dims)], map = new int[which.length];
    long[] starts = new long[in.size()];
    for (int k = 1; k < in.size(); k++) starts[k] = starts[k - 1] + in.get(k - 1).dim(axis);
    forEachIndex(dims, (pos, i) -> {
      int t = 0;
      while (t + 1 < in.size() && pos[axis] >= starts[t + 1]) t++;
      long[] d = in.get(t).dims(), s = Strided.contiguous(d);
      long off = 0;
      for (int k = 0; k < r; k++) off += (k == axis ? pos[k] - starts[t] : pos[k]) * s[k];
      which[i] = t;
      map[i] = (int) off;
    });
    if (first.type().isFloating()) {
      double[] v = new double[map.length];
      for (int i = 0; i < v.length; i++) v[i] = in.get(which[i]).real(map[i]);
      return TypedArray.ofReals(first.type(), dims, v);
    }
    long[] v = new long[map.length];
    for (int i = 0; i < v.length; i++) v[i] = in.get(which[i]).integer(map[i]);
    return TypedArray.ofInts(first.type(), dims, v);
  }

  private static TypedArray transpose(TypedArray x, long[] permAttr, String name) {
    int r = x.rank();
    int[] perm = new int[r];
    for (int k = 0; k < r; k++) perm[k] = permAttr == null ? r - 1 - k : axis((int) permAttr[k], r, name);
    if (permAttr != null && permAttr.length != r) throw new IllegalArgumentException("perm of length " + permAttr.length + " for rank " + r);
    long[] in = x.dims(), s = Strided.contiguous(in), dims = new long[r];
    for (int k = 0; k < r; k++) dims[k] = in[perm[k]];
    int[] map = new int[x.numel()];
    forEachIndex(dims, (pos, i) -> {
      long off = 0;
      for (int k = 0; k < r; k++) off += pos[k] * s[perm[k]];
      map[i] = (int) off;
    });
    return gatherFlat(x, dims, map, null);
  }

  private static TypedArray gather(TypedArray x, TypedArray idx, int axisAttr, String name) {
    int r = x.rank(), axis = axis(axisAttr, r, name);
    long[] in = x.dims(), s = Strided.contiguous(in), id = idx.dims();
    long[] dims = new long[r - 1 + id.length];
    System.arraycopy(in, 0, dims, 0, axis);
    System.arraycopy(id, 0, dims, axis, id.length);
    System.arraycopy(in, axis + 1, dims, axis + id.length, r - axis - 1);
    long[] is = Strided.contiguous(id);
    int[] map = new int[count(dims)];
    forEachIndex(dims, (pos, i) -> {
      long flatIdx = 0;
      for (int k = 0; k < id.length; k++) flatIdx += pos[axis + k] * is[k];
      long j = idx.integer((int) flatIdx);
      if (j < -in[axis] || j >= in[axis]) throw new IndexOutOfBoundsException("index " + j + " out of range for dim " + in[axis]);
      if (j < 0) j += in[axis];
      long off = j * s[axis];
      for (int k = 0; k < axis; k++) off += pos[k] * s[k];
      for (int k = axis + 1; k < r; k++) off += pos[k - 1 + id.length] * s[k];
      map[i] = (int) off;
    });
    return gatherFlat(x, dims, map, null);
  }

  private static TypedArray expand(TypedArray x, long[] shape, String name) {
    long[] dims = broadcast(x.dims(), shape);
    return gatherFlat(x, dims, broadcastIndex(dims, x.dims()), null);
  }

  /** ONNX Slice's starts/ends/axes/steps (from inputs, or attributes before opset 10) as a box: begin, size, step per axis. */
  static long[][] sliceBox(OnnxProto.Node n, long[] dims, List<TypedArray> in, long opset, String name) {
    long[] starts, ends, axes, steps;
    if (opset < 10) {
      starts = Attrs.ints(n, "starts", null);
      ends = Attrs.ints(n, "ends", null);
      axes = Attrs.ints(n, "axes", null);
      steps = null;
    } else {
      starts = in.get(1).toLongs();
      ends = in.get(2).toLongs();
      axes = arg(in, 3) == null ? null : in.get(3).toLongs();
      steps = arg(in, 4) == null ? null : in.get(4).toLongs();
    }
    if (starts == null || ends == null || starts.length != ends.length
        || (axes != null && axes.length != starts.length) || (steps != null && steps.length != starts.length)) {
      throw new IllegalArgumentException("starts, ends, axes and steps must have equal lengths");
    }
    int r = dims.length;
    long[] st = new long[r], step = new long[r], size = dims.clone();
    Arrays.fill(step, 1);
    for (int k = 0; k < starts.length; k++) {
      int a = axis(axes == null ? k : (int) axes[k], r, name);
      long sp = steps == null ? 1 : steps[k];
      if (sp == 0) throw new IllegalArgumentException("step 0 on axis " + a);
      long d = dims[a];
      long b = starts[k] < 0 ? starts[k] + d : starts[k], e = ends[k] < 0 ? ends[k] + d : ends[k];
      if (sp > 0) {
        b = Math.max(0, Math.min(d, b));
        e = Math.max(0, Math.min(d, e));
        size[a] = Math.max(0, (e - b + sp - 1) / sp);
      } else {
        b = Math.max(-1, Math.min(d - 1, b));
        e = Math.max(-1, Math.min(d - 1, e));
        size[a] = Math.max(0, (b - e - sp - 1) / -sp);
      }
      st[a] = size[a] == 0 ? 0 : b;
      step[a] = sp;
    }
    return new long[][] {st, size, step};
  }

  private static TypedArray slice(OnnxProto.Node n, List<TypedArray> in, long opset, String name) {
    TypedArray x = in.get(0);
    long[] in0 = x.dims();
    long[][] box = sliceBox(n, in0, in, opset, name);
    long[] st = box[0], dims = box[1], step = box[2];
    int r = in0.length;
    long[] s = Strided.contiguous(in0);
    int[] map = new int[count(dims)];
    forEachIndex(dims, (pos, i) -> {
      long off = 0;
      for (int k = 0; k < r; k++) off += (st[k] + pos[k] * step[k]) * s[k];
      map[i] = (int) off;
    });
    return gatherFlat(x, dims, map, null);
  }

  private static TypedArray range(TypedArray start, TypedArray limit, TypedArray delta) {
    if (start.type().isFloating()) {
      double a = start.real(0), l = limit.real(0), d = delta.real(0);
      long count = Math.max(0, (long) Math.ceil((l - a) / d));
      double[] v = new double[count(new long[] {count})];
      for (int i = 0; i < v.length; i++) v[i] = a + i * d;
      return TypedArray.ofReals(start.type(), new long[] {count}, v);
    }
    long a = start.integer(0), l = limit.integer(0), d = delta.integer(0);
    if (d == 0) throw new IllegalArgumentException("Range delta 0");
    long count = Math.max(0, Math.floorDiv(l - a + d + (d > 0 ? -1 : 1), d));
    long[] v = new long[count(new long[] {count})];
    for (int i = 0; i < v.length; i++) v[i] = a + i * d;
    return TypedArray.ofInts(start.type(), new long[] {count}, v);
  }

  // ---- pooling and padding ------------------------------------------------------------------

  /** MaxPool in any spatial rank and element type, with the optional Indices output. */
  private static List<TypedArray> maxPool(OnnxProto.Node n, TypedArray x, String name) {
    int rank = x.rank() - 2;
    long[] ksAttr = Attrs.ints(n, "kernel_shape", null);
    if (rank < 1 || ksAttr == null || ksAttr.length != rank) {
      throw new IllegalArgumentException("kernel_shape " + Arrays.toString(ksAttr) + " does not fit input " + x);
    }
    int[] k = Attrs.toInt(ksAttr), s = Attrs.fill(Attrs.ints(n, "strides", null), rank, 1), d = Attrs.fill(Attrs.ints(n, "dilations", null), rank, 1);
    long[] xd = x.dims(), spatial = Arrays.copyOfRange(xd, 2, xd.length);
    int[] p = Attrs.spatialPads(n, spatial, k, s, d);
    boolean ceil = Attrs.i(n, "ceil_mode", 0) != 0, colMajor = Attrs.i(n, "storage_order", 0) != 0;
    long[] dims = xd.clone();
    for (int a = 0; a < rank; a++) dims[2 + a] = poolOut(spatial[a], k[a], s[a], d[a], p[a], p[a + rank], ceil, name);
    long[] xs = Strided.contiguous(xd);
    int outN = count(dims);
    int[] arg = new int[outN];
    forEachIndex(dims, (pos, i) -> {
      int best = -1;
      long[] win = new long[rank];
      long base = pos[0] * xs[0] + pos[1] * xs[1];
      int windows = 1;
      for (int a = 0; a < rank; a++) windows *= k[a];
      for (int w = 0; w < windows; w++) {
        int rem = w;
        boolean inside = true;
        long off = base;
        for (int a = rank - 1; a >= 0; a--) {
          win[a] = rem % k[a];
          rem /= k[a];
          long c = pos[2 + a] * s[a] - p[a] + win[a] * d[a];
          if (c < 0 || c >= spatial[a]) inside = false;
          off += c * xs[2 + a];
        }
        if (!inside) continue;
        boolean nan = x.type().isFloating() && Double.isNaN(x.real((int) off));
        if (best < 0 || (!nan && cmp(x, (int) off, x, best) > 0)) best = (int) off;
      }
      arg[i] = best;
    });
    TypedArray lowest = x.type().isFloating() ? TypedArray.ofReals(DType.FLOAT64, new long[0], new double[] {Double.NEGATIVE_INFINITY})
        : TypedArray.ofInts(DType.INT64, new long[0], new long[] {Long.MIN_VALUE});
    List<TypedArray> out = new ArrayList<>(List.of(gatherFlat(x, dims, arg, lowest)));
    if (n.outputs().size() > 1) {
      long[] idx = new long[outN];
      for (int i = 0; i < outN; i++) {
        long f = arg[i];
        if (colMajor && f >= 0) {
          long plane = 1;
          for (long v : spatial) plane *= v;
          long nc = f / plane, rem = f % plane, col = 0, mul = 1;
          for (int a = 0; a < rank; a++) {
            long sub = (rem / xs[2 + a]) % spatial[a];
            col += sub * mul;
            mul *= spatial[a];
          }
          f = nc * plane + col;
        }
        idx[i] = f;
      }
      out.add(TypedArray.ofInts(DType.INT64, dims, idx));
    }
    return out;
  }

  /** Output length of a pooling window sweep (ONNX: with ceil_mode the last window must start inside input or left padding). */
  static long poolOut(long in, int k, int s, int d, int pb, int pe, boolean ceil, String name) {
    long span = (long) (k - 1) * d + 1, room = in + pb + pe - span;
    if (room < 0) throw new IllegalArgumentException("window " + span + " larger than padded input " + (in + pb + pe));
    long out = (ceil ? Math.floorDiv(room + s - 1, s) : Math.floorDiv(room, s)) + 1;
    if (ceil && (out - 1) * s >= in + pb) out--;
    return out;
  }

  private static TypedArray pad(OnnxProto.Node n, List<TypedArray> in, long opset, String name) {
    TypedArray x = in.get(0);
    int r = x.rank();
    long[] pads;
    TypedArray value;
    if (opset < 11) {
      pads = Attrs.ints(n, "pads", new long[2 * r]);
      value = TypedArray.ofReals(DType.FLOAT64, new long[0], new double[] {Attrs.f(n, "value", 0f)});
    } else {
      pads = in.get(1).toLongs();
      value = arg(in, 2) == null ? TypedArray.zeros(x.type(), new long[0]) : in.get(2);
    }
    long[] axes = arg(in, 3) == null ? null : in.get(3).toLongs();
    long[] before = new long[r], after = new long[r];
    int na = axes == null ? r : axes.length;
    if (pads.length != 2 * na) throw new IllegalArgumentException(pads.length + " pads for " + na + " axes, expected " + 2 * na);
    for (int k = 0; k < na; k++) {
      int a = axes == null ? k : axis((int) axes[k], r, name);
      before[a] = pads[k];
      after[a] = pads[k + na];
    }
    String mode = Attrs.s(n, "mode", "constant");
    if (!Set.of("constant", "edge", "reflect", "wrap").contains(mode)) throw new IllegalArgumentException("unknown pad mode '" + mode + "'");
    long[] in0 = x.dims(), dims = new long[r], s = Strided.contiguous(in0);
    for (int k = 0; k < r; k++) {
      dims[k] = in0[k] + before[k] + after[k];
      if (dims[k] < 0) throw new IllegalArgumentException("pads make axis " + k + " negative");
      if (!mode.equals("constant") && in0[k] == 0 && dims[k] > 0) throw new IllegalArgumentException(mode + " padding of an empty axis " + k);
    }
    int[] map = new int[count(dims)];
    forEachIndex(dims, (pos, i) -> {
      long off = 0;
      for (int k = 0; k < r; k++) {
        long c = pos[k] - before[k], len = in0[k];
        if (c < 0 || c >= len) {
          switch (mode) {
            case "constant": off = -1; break;
            case "edge": c = c < 0 ? 0 : len - 1; break;
            case "reflect": {
              if (len == 1) {
                c = 0;
                break;
              }
              long period = 2 * (len - 1);
              c = Math.floorMod(c, period);
              if (c >= len) c = period - c;
              break;
            }
            default: c = Math.floorMod(c, len);
          }
        }
        if (off < 0) break;
        off += c * s[k];
      }
      map[i] = (int) off;
    });
    return gatherFlat(x, dims, map, value);
  }
}
