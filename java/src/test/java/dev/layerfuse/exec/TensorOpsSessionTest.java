package dev.layerfuse.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.exec.Kernels.BinaryKind;
import dev.layerfuse.exec.Kernels.PadMode;
import dev.layerfuse.exec.java.JavaInterpreter;
import dev.layerfuse.graph.BinaryOp;
import dev.layerfuse.graph.ConcatOp;
import dev.layerfuse.graph.GlobalMaxPoolOp;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.MatMulOp;
import dev.layerfuse.graph.Node;
import dev.layerfuse.graph.Op;
import dev.layerfuse.graph.PadOp;
import dev.layerfuse.graph.ReshapeOp;
import dev.layerfuse.graph.ShapeException;
import dev.layerfuse.graph.SoftmaxOp;
import dev.layerfuse.graph.TransposeOp;
import dev.layerfuse.tensor.Difference;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Layout and elementwise ops (broadcasting binary ops, Softmax, Concat, Transpose, Pad, Reshape,
 * MatMul, GlobalMaxPool) through sessions on every kernel variant and through the interpreter,
 * against references written out here in double precision.
 */
class TensorOpsSessionTest {
  static Tensor rand(long seed, long... dims) {
    Shape s = Shape.of(dims);
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[(int) s.numel()];
    for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 4 - 2);
    return Tensor.wrap(s, v);
  }

  /** Runs a one-node graph on the variant and on the interpreter; both must match ref (1e-5). */
  static void check(String variant, Op op, double[] ref, Tensor... inputs) {
    Map<String, Shape> in = new LinkedHashMap<>();
    Map<String, Tensor> feed = new LinkedHashMap<>();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < inputs.length; i++) {
      in.put("x" + i, inputs[i].shape());
      feed.put("x" + i, inputs[i]);
      names.add("x" + i);
    }
    Graph g = new Graph(in, List.of(new Node("op", op, names, "y")), List.of("y"));
    float[] interp = JavaInterpreter.run(g, feed).get("y").toArray();
    assertTrue(Difference.of(ref, interp).within(1e-5), "interpreter " + op.describe() + ": " + Difference.of(ref, interp));
    Kernels k = KernelVariants.get(variant);
    try (Session s = Session.of(g, k)) {
      float[] got = s.run(feed).get("y").toArray();
      Difference d = Difference.of(ref, got);
      assertTrue(d.within(1e-5), variant + " " + op.describe() + ": " + d);
    }
  }

  static double[] broadcastRef(BinaryKind kind, Tensor a, Tensor b, Shape out) {
    double[] r = new double[(int) out.numel()];
    long[] sa = Strided.broadcastStrides(a.shape().dims(), out.dims()), sb = Strided.broadcastStrides(b.shape().dims(), out.dims());
    long[] os = Strided.contiguous(out.dims());
    for (int i = 0; i < r.length; i++) {
      long ia = 0, ib = 0, rem = i;
      for (int d = 0; d < out.rank(); d++) {
        long c = rem / os[d];
        rem %= os[d];
        ia += c * sa[d];
        ib += c * sb[d];
      }
      double x = a.get(ia), y = b.get(ib);
      r[i] = kind == BinaryKind.ADD ? x + y : kind == BinaryKind.SUB ? x - y : kind == BinaryKind.MUL ? x * y
          : kind == BinaryKind.DIV ? x / y : kind == BinaryKind.MAX ? Math.max(x, y) : Math.min(x, y);
    }
    return r;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.layerfuse.exec.KernelVariants#names")
  void broadcastingBinaryOps(String variant) {
    Tensor a = rand(1, 2, 3, 4);
    Tensor[] bs = {rand(2, 3, 1), rand(3, 4), rand(4, 1), rand(5, 2, 3, 4), rand(6, 1, 1, 1, 1)};
    for (BinaryKind kind : BinaryKind.values()) {
      for (Tensor b : bs) {
        Shape out = BinaryOp.broadcast("t", a.shape(), b.shape());
        check(variant, new BinaryOp(kind), broadcastRef(kind, a, b, out), a, b);
        check(variant, new BinaryOp(kind), broadcastRef(kind, b, a, out), b, a);
      }
    }
    assertThrows(ShapeException.class, () -> BinaryOp.broadcast("t", Shape.of(2, 3), Shape.of(4)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.layerfuse.exec.KernelVariants#names")
  void softmaxAndLogSoftmax(String variant) {
    Tensor x = rand(3, 2, 3, 4);
    for (int axis : new int[] {0, 1, 2, -1}) {
      for (boolean log : new boolean[] {false, true}) {
        SoftmaxOp op = new SoftmaxOp(axis, log);
        long[] d = op.split(x.shape());
        double[] ref = new double[(int) x.numel()];
        for (int o = 0; o < d[0]; o++) {
          for (int in = 0; in < d[2]; in++) {
            double sum = 0;
            for (int i = 0; i < d[1]; i++) sum += Math.exp(x.get((o * d[1] + i) * d[2] + in));
            for (int i = 0; i < d[1]; i++) {
              long idx = (o * d[1] + i) * d[2] + in;
              ref[(int) idx] = log ? x.get(idx) - Math.log(sum) : Math.exp(x.get(idx)) / sum;
            }
          }
        }
        check(variant, op, ref, x);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.layerfuse.exec.KernelVariants#names")
  void concatTransposeReshapeGlobalMax(String variant) {
    Tensor a = rand(4, 2, 2, 3), b = rand(5, 2, 3, 3);
    double[] cat = new double[2 * 5 * 3];
    for (int n = 0; n < 2; n++) {
      for (int c = 0; c < 5; c++) {
        for (int w = 0; w < 3; w++) cat[(n * 5 + c) * 3 + w] = c < 2 ? a.at(n, c, w) : b.at(n, c - 2, w);
      }
    }
    check(variant, new ConcatOp(1, 2), cat, a, b);
    check(variant, new ConcatOp(-1, 2), concatLast(a, rand(6, 2, 2, 4)), a, rand(6, 2, 2, 4));
    Tensor x = rand(7, 2, 3, 4);
    double[] tr = new double[24];
    for (int i = 0; i < 4; i++) for (int j = 0; j < 2; j++) for (int k = 0; k < 3; k++) tr[(i * 2 + j) * 3 + k] = x.at(j, k, i);
    check(variant, new TransposeOp(new int[] {2, 0, 1}), tr, x);
    double[] flat = new double[24];
    for (int i = 0; i < 24; i++) flat[i] = x.get(i);
    check(variant, new ReshapeOp(new long[] {0, -1}), flat, x);
    assertEquals(Shape.of(2, 12), new ReshapeOp(new long[] {0, -1}).inferShape("r", List.of(x.shape())));
    Tensor img = rand(8, 2, 3, 4, 5);
    double[] gm = new double[6];
    for (int p = 0; p < 6; p++) {
      gm[p] = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < 20; i++) gm[p] = Math.max(gm[p], img.get(p * 20L + i));
    }
    check(variant, new GlobalMaxPoolOp(), gm, img);
  }

  static double[] concatLast(Tensor a, Tensor b) {
    double[] r = new double[2 * 2 * 7];
    for (int i = 0; i < 4; i++) {
      for (int w = 0; w < 7; w++) r[i * 7 + w] = w < 3 ? a.get(i * 3L + w) : b.get(i * 4L + w - 3);
    }
    return r;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.layerfuse.exec.KernelVariants#names")
  void padModes(String variant) {
    Tensor x = rand(9, 1, 2, 3, 4);
    long[] before = {0, 1, 1, 2}, after = {0, 0, 2, 1};
    for (PadMode mode : PadMode.values()) {
      PadOp op = new PadOp(before, after, mode, 0.5f);
      Shape out = op.inferShape("p", List.of(x.shape()));
      double[] ref = new double[(int) out.numel()];
      long[] os = Strided.contiguous(out.dims());
      for (int i = 0; i < ref.length; i++) {
        long rem = i, off = 0;
        boolean outside = false;
        long[] xs = Strided.contiguous(x.shape().dims());
        for (int d = 0; d < 4; d++) {
          long c = rem / os[d] - before[d];
          rem %= os[d];
          long n = x.shape().dim(d);
          long src = c >= 0 && c < n ? c : mode == PadMode.EDGE ? (c < 0 ? 0 : n - 1)
              : mode == PadMode.REFLECT ? (c < 0 ? -c : 2 * (n - 1) - c) : mode == PadMode.WRAP ? ((c % n) + n) % n : -1;
          if (src < 0) outside = true;
          else off += src * xs[d];
        }
        ref[i] = outside ? 0.5 : x.get(off);
      }
      check(variant, op, ref, x);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.layerfuse.exec.KernelVariants#names")
  void matMulWithBatchBroadcastingAndVectors(String variant) {
    Tensor a = rand(10, 2, 1, 3, 4), b = rand(11, 3, 4, 2);
    double[] ref = new double[2 * 3 * 3 * 2];
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++)
        for (int m = 0; m < 3; m++)
          for (int n = 0; n < 2; n++) {
            double s = 0;
            for (int k = 0; k < 4; k++) s += (double) a.at(i, 0, m, k) * b.at(j, k, n);
            ref[((i * 3 + j) * 3 + m) * 2 + n] = s;
          }
    check(variant, new MatMulOp(null), ref, a, b);
    Tensor w = rand(12, 4, 5), x = rand(13, 2, 3, 4);
    double[] lin = new double[2 * 3 * 5];
    for (int r = 0; r < 6; r++)
      for (int n = 0; n < 5; n++) {
        double s = 0;
        for (int k = 0; k < 4; k++) s += (double) x.get(r * 4L + k) * w.get(k * 5L + n);
        lin[r * 5 + n] = s;
      }
    check(variant, new MatMulOp(w), lin, x);
    Tensor v = rand(14, 4);
    double[] mv = new double[6];
    for (int r = 0; r < 6; r++) for (int k = 0; k < 4; k++) mv[r] += (double) x.get(r * 4L + k) * v.get(k);
    check(variant, new MatMulOp(null), mv, x, v);
    assertEquals(Shape.of(2, 3), new MatMulOp(null).inferShape("m", List.of(x.shape(), v.shape())));
    assertThrows(ShapeException.class, () -> new MatMulOp(null).inferShape("m", List.of(Shape.of(2, 3), Shape.of(4, 2))));
  }
}
