package dev.layerfuse.exec.java;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.graph.ConvOp;
import dev.layerfuse.graph.ConvTransposeOp;
import dev.layerfuse.graph.Node;
import dev.layerfuse.graph.PoolOp;
import dev.layerfuse.tensor.Difference;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The Java conv, conv-transpose and pooling kernels against definitional references (1e-5). */
class JavaConvPoolTest {
  static Tensor rand(SplittableRandom r, long... dims) {
    Shape s = Shape.of(dims);
    float[] v = new float[(int) s.numel()];
    for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
    return Tensor.wrap(s, v);
  }

  static Tensor run(dev.layerfuse.graph.Op op, Tensor... in) {
    List<String> names = new ArrayList<>();
    List<Shape> shapes = new ArrayList<>();
    for (int i = 0; i < in.length; i++) {
      names.add("x" + i);
      shapes.add(in[i].shape());
    }
    Node node = new Node("op", op, names, "y");
    return JavaInterpreter.execute(node, in, op.inferShape("op", shapes));
  }

  // n, cin, h, w, cout, k, stride, pad, dilation, groups, bias, padValues
  static Stream<Arguments> convCases() {
    return Stream.of(
        Arguments.of(1, 3, 7, 7, 4, 3, 1, 0, 1, 1, true, false),
        Arguments.of(2, 3, 9, 8, 5, 3, 2, 1, 1, 1, false, false),
        Arguments.of(1, 4, 10, 9, 6, 3, 1, 2, 2, 2, true, false),
        Arguments.of(2, 6, 7, 7, 6, 3, 2, 1, 1, 6, true, false),
        Arguments.of(1, 5, 6, 6, 3, 1, 1, 0, 1, 1, true, false),
        Arguments.of(1, 3, 11, 13, 4, 5, 3, 2, 1, 1, true, true),
        Arguments.of(2, 4, 6, 5, 4, 3, 1, 1, 1, 4, false, true));
  }

  @ParameterizedTest(name = "n={0} cin={1} {2}x{3} cout={4} k={5} s={6} p={7} d={8} g={9} bias={10} padValues={11}")
  @MethodSource("convCases")
  void convMatchesReference(int n, int cin, int h, int w, int cout, int k, int s, int p, int d, int g, boolean bias,
                            boolean padValues) {
    SplittableRandom r = new SplittableRandom(cin * 31 + k);
    Tensor x = rand(r, n, cin, h, w), wt = rand(r, cout, cin / g, k, k), b = bias ? rand(r, cout) : null;
    float[] pv = padValues ? rand(r, cin).toArray() : null;
    for (boolean residual : new boolean[] {false, true}) {
      ConvOp op = new ConvOp(wt, b, new int[] {s, s}, new int[] {p, p, p, p}, new int[] {d, d}, g, pv,
          Activation.leakyRelu(0.1f), residual);
      Shape out = ConvOp.of(wt, b, new int[] {s, s}, new int[] {p, p, p, p}, new int[] {d, d}, g)
          .inferShape("op", List.of(x.shape()));
      Tensor res = residual ? rand(r, out.dims()) : null;
      Tensor y = residual ? run(op, x, res) : run(op, x);
      double[] ref = ReferenceOps.conv(x.toArray(), n, cin, h, w, wt.toArray(), cout, k, k, b == null ? null : b.toArray(),
          new int[] {s, s}, new int[] {p, p, p, p}, new int[] {d, d}, g, pv, (int) out.dim(2), (int) out.dim(3));
      for (int i = 0; i < ref.length; i++) {
        double v = ref[i] + (residual ? res.get(i) : 0);
        ref[i] = v < 0 ? v * 0.1f : v;
      }
      Difference diff = Difference.of(ref, y.toArray());
      assertTrue(diff.within(1e-5), diff.toString());
    }
  }

  // n, cin, h, w, cout, k, stride, pad, outPad, dilation, groups
  static Stream<Arguments> convTransposeCases() {
    return Stream.of(
        Arguments.of(1, 1, 3, 3, 2, 3, 1, 0, 0, 1, 1),
        Arguments.of(2, 4, 4, 5, 6, 3, 2, 1, 1, 1, 2),
        Arguments.of(1, 3, 3, 3, 3, 2, 3, 0, 2, 1, 1),
        Arguments.of(1, 2, 4, 4, 2, 3, 2, 1, 0, 2, 2));
  }

  @ParameterizedTest(name = "n={0} cin={1} {2}x{3} cout={4} k={5} s={6} p={7} op={8} d={9} g={10}")
  @MethodSource("convTransposeCases")
  void convTransposeMatchesReference(int n, int cin, int h, int w, int cout, int k, int s, int p, int op, int d, int g) {
    SplittableRandom r = new SplittableRandom(cin * 7 + k);
    Tensor x = rand(r, n, cin, h, w), wt = rand(r, cin, cout / g, k, k), b = rand(r, cout);
    ConvTransposeOp ct = new ConvTransposeOp(wt, b, new int[] {s, s}, new int[] {p, p, p, p}, new int[] {op, op},
        new int[] {d, d}, g, Activation.none());
    Tensor y = run(ct, x);
    double[] ref = ReferenceOps.convTranspose(x.toArray(), n, cin, h, w, wt.toArray(), cout, k, k, b.toArray(),
        new int[] {s, s}, new int[] {p, p}, new int[] {d, d}, g, (int) y.shape().dim(2), (int) y.shape().dim(3));
    Difference diff = Difference.of(ref, y.toArray());
    assertTrue(diff.within(1e-5), diff.toString());
  }

  // max, k, stride, pad, dilation, ceil, countIncludePad, h, w
  static Stream<Arguments> poolCases() {
    List<Arguments> out = new ArrayList<>();
    for (boolean max : new boolean[] {true, false}) {
      out.add(Arguments.of(max, 3, 2, 0, 1, false, true, 13, 13));
      out.add(Arguments.of(max, 3, 2, 1, 1, true, true, 8, 7));
      out.add(Arguments.of(max, 3, 2, 1, 1, true, false, 8, 7));
      out.add(Arguments.of(max, 2, 2, 0, 1, true, false, 5, 5));
      out.add(Arguments.of(max, 3, 3, 1, 1, true, true, 2, 2));
      out.add(Arguments.of(max, 2, 1, 0, 2, false, false, 6, 5));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "max={0} k={1} s={2} p={3} d={4} ceil={5} countPad={6} {7}x{8}")
  @MethodSource("poolCases")
  void poolMatchesReference(boolean max, int k, int s, int p, int d, boolean ceil, boolean countPad, int h, int w) {
    SplittableRandom r = new SplittableRandom(k * 13 + h);
    Tensor x = rand(r, 2, 3, h, w);
    PoolOp op = new PoolOp(max ? PoolOp.Type.MAX : PoolOp.Type.AVG, new int[] {k, k}, new int[] {s, s},
        new int[] {p, p, p, p}, new int[] {d, d}, ceil, countPad);
    Tensor y = run(op, x);
    double[] ref = ReferenceOps.pool(max, x.toArray(), 6, h, w, (int) y.shape().dim(2), (int) y.shape().dim(3),
        new int[] {k, k}, new int[] {s, s}, new int[] {p, p, p, p}, new int[] {d, d}, countPad);
    Difference diff = Difference.of(ref, y.toArray());
    assertTrue(diff.within(1e-6), diff.toString());
  }
}
