package dev.layerfuse.exec.java;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.ConvGeometry;
import dev.layerfuse.exec.FloatBuf;
import dev.layerfuse.exec.KernelVariants;
import dev.layerfuse.exec.Kernels;
import dev.layerfuse.exec.Slice;
import dev.layerfuse.tensor.Difference;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The conv, pooling and elementwise kernels through the {@link Kernels} API on every variant
 * (Java and each native ISA) against the double-precision reference, 1e-5 relative.
 */
class KernelConvPoolTest {
  private final List<FloatBuf> bufs = new ArrayList<>();

  private Slice put(Kernels k, float[] v) {
    FloatBuf b = k.allocate(v.length + 5);
    bufs.add(b);
    b.put(3, v);
    return new Slice(b, 3, v.length);
  }

  private Slice empty(Kernels k, long n) {
    FloatBuf b = k.allocate(n);
    bufs.add(b);
    return Slice.of(b);
  }

  private static float[] get(Slice s) {
    float[] v = new float[(int) s.length()];
    s.buf().get(s.offset(), v);
    return v;
  }

  private void closeAll() {
    bufs.forEach(FloatBuf::close);
    bufs.clear();
  }

  static float[] rand(SplittableRandom r, long n) {
    float[] v = new float[(int) n];
    for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
    return v;
  }

  // n, cin, h, w, cout, k, stride, pad, dilation, groups, bias, padValues, residual
  static Stream<Arguments> convCases() {
    int[][] cases = {
        {1, 3, 7, 7, 4, 3, 1, 0, 1, 1, 1, 0, 0}, {2, 3, 9, 8, 5, 3, 2, 1, 1, 1, 0, 1, 1}, {1, 4, 10, 9, 6, 3, 1, 2, 2, 2, 1, 0, 1},
        {2, 8, 5, 6, 4, 1, 1, 0, 1, 1, 1, 0, 1}, {2, 6, 7, 7, 6, 3, 2, 1, 1, 6, 1, 1, 0}, {1, 8, 9, 9, 8, 3, 1, 1, 1, 8, 0, 1, 1},
        {1, 5, 11, 7, 5, 5, 3, 2, 2, 5, 1, 0, 0}, {1, 3, 33, 31, 8, 3, 1, 1, 1, 1, 1, 0, 0}, {1, 16, 6, 6, 32, 1, 2, 0, 1, 1, 1, 0, 0},
        // channels in multiples of 16: the native AVX-512 direct NCHW16c kernel (every tile width, edges, pad values)
        {2, 32, 9, 10, 48, 3, 1, 1, 1, 1, 1, 1, 1}, {1, 16, 13, 11, 32, 3, 2, 1, 2, 1, 1, 0, 1},
        {1, 16, 8, 31, 16, 5, 1, 2, 1, 1, 0, 0, 0}, {1, 32, 7, 7, 16, 1, 2, 0, 1, 1, 1, 1, 0},
        // 3x3 stride 1 with channels in multiples of 16: the native Winograd kernel, whole and split over
        // two threads by tile rows (20 rows), by output channels (7x7 maps; 2 MB of transformed weights)
        // and in chunks that span images (batch 3)
        {1, 32, 20, 19, 32, 3, 1, 1, 1, 1, 1, 1, 1}, {2, 64, 7, 7, 64, 3, 1, 1, 1, 1, 1, 0, 1},
        {1, 256, 5, 5, 256, 3, 1, 1, 1, 1, 1, 1, 1}, {3, 16, 7, 6, 32, 3, 1, 1, 1, 1, 0, 1, 1},
        // fewer than 16 input channels, 16-multiple outputs (a first layer): direct with one partial input block
        {1, 3, 23, 21, 32, 7, 2, 3, 1, 1, 1, 1, 1}, {2, 5, 9, 9, 16, 3, 1, 1, 1, 1, 0, 0, 0},
        // depthwise rows wide enough for the Java Vector API taps (whole vectors, then the scalar rest)
        {1, 4, 6, 40, 4, 3, 1, 1, 1, 4, 1, 1, 1}, {1, 3, 5, 35, 3, 3, 1, 0, 1, 3, 0, 0, 1},
        // small 3x3 pad-1 depthwise planes: the Java Vector API flat-plane path (whole vectors, tail, edge columns)
        {1, 16, 14, 14, 16, 3, 1, 1, 1, 16, 1, 1, 1}, {2, 4, 7, 7, 4, 3, 1, 1, 1, 4, 1, 0, 0}, {1, 2, 3, 20, 2, 3, 1, 1, 1, 2, 0, 1, 0},
        // ... and wide ones (two vectors and a tail per row, edge columns of every row)
        {1, 3, 9, 50, 3, 3, 1, 1, 1, 3, 1, 1, 1},
        // 3x3 stride-2 depthwise: the Java Vector API even/odd split plane (pads 0, 1, 2; rows of whole
        // vectors and a tail, odd and even input widths)
        {1, 4, 9, 70, 4, 3, 2, 1, 1, 4, 1, 1, 1}, {2, 3, 8, 37, 3, 3, 2, 0, 1, 3, 0, 0, 1},
        {1, 2, 10, 33, 2, 3, 2, 2, 1, 2, 1, 1, 0}, {1, 5, 3, 4, 5, 3, 2, 1, 1, 5, 1, 1, 1},
        // depthwise rows of at most 32 outputs: the native 16-channel path in strips of rows, with a channel tail
        {1, 20, 20, 30, 20, 3, 1, 1, 1, 20, 1, 1, 1}, {2, 17, 41, 60, 17, 3, 2, 1, 1, 17, 1, 1, 1}};
    List<Arguments> out = new ArrayList<>();
    KernelVariants.names().forEach(v -> {
      for (int[] c : cases) out.add(Arguments.of(v, c));
    });
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("convCases")
  void conv2dAndDepthwiseMatchReference(String variant, int[] c) {
    Kernels k = KernelVariants.get(variant);
    int n = c[0], cin = c[1], h = c[2], w = c[3], cout = c[4], ks = c[5], s = c[6], p = c[7], d = c[8], g = c[9];
    long oh = (h + 2 * p - d * (ks - 1) - 1) / s + 1, ow = (w + 2 * p - d * (ks - 1) - 1) / s + 1;
    ConvGeometry geo = ConvGeometry.of(n, cin, h, w, cout, ks, ks, new int[] {s, s}, new int[] {p, p, p, p},
        new int[] {d, d}, g, oh, ow);
    SplittableRandom r = new SplittableRandom(cin * 31L + ks + g);
    float[] x = rand(r, geo.inSize()), wt = rand(r, cout * geo.im2colRows()), b = rand(r, cout), pv = rand(r, cin);
    float[] res = rand(r, geo.outSize());
    try {
      Slice sx = put(k, x), sw = put(k, wt), sb = c[10] == 1 ? put(k, b) : null, sp = c[11] == 1 ? put(k, pv) : null;
      Slice sr = c[12] == 1 ? put(k, res) : null, sy = empty(k, geo.outSize());
      Activation act = Activation.leakyRelu(0.1f);
      if (geo.depthwise()) {
        k.depthwiseConv2d(geo, act, sx, sw, sb, sp, sr, sy);
      } else {
        k.conv2d(geo, act, sx, sw, sb, sp, sr, sy, empty(k, Math.max(1, Kernels.conv2dScratch(geo))));
      }
      double[] ref = ReferenceOps.conv(x, n, cin, h, w, wt, cout, ks, ks, sb == null ? null : b, new int[] {s, s},
          new int[] {p, p, p, p}, new int[] {d, d}, g, sp == null ? null : pv, (int) oh, (int) ow);
      for (int i = 0; i < ref.length; i++) {
        double v = ref[i] + (sr == null ? 0 : res[i]);
        ref[i] = v < 0 ? v * 0.1f : v;
      }
      Difference diff = Difference.of(ref, get(sy));
      assertTrue(diff.within(1e-5), variant + " " + geo + ": " + diff);
      if (Kernels.directConvApplies(geo)) {
        // The prepacked-weight entry point, also split over two threads (output channels in chunks of 16).
        float[] packedW = Kernels.packDirectWeights(dev.layerfuse.tensor.Tensor.wrap(
            dev.layerfuse.tensor.Shape.of(cout, cin, ks, ks), wt));
        for (int threads : new int[] {1, 2}) {
          Slice spk = put(k, packedW), sy2 = empty(k, geo.outSize());
          Slice scratch = empty(k, Kernels.conv2dScratch(geo));
          dev.layerfuse.exec.Parallel.acquire(threads);
          try {
            dev.layerfuse.exec.Parallel.withThreads(threads, () -> k.conv2dPacked(geo, act, sx, sw, spk, sb, sp, sr, sy2, scratch));
          } finally {
            dev.layerfuse.exec.Parallel.release(threads);
          }
          Difference dp = Difference.of(ref, get(sy2));
          assertTrue(dp.within(1e-5), variant + " packed, " + threads + " threads, " + geo + ": " + dp);
        }
      }
      if (Kernels.winogradApplies(geo)) {
        // The Winograd entry point (native AVX-512; other variants run the plain conv), 1 and 2 threads.
        float[] u = Kernels.packWinogradWeights(dev.layerfuse.tensor.Tensor.wrap(
            dev.layerfuse.tensor.Shape.of(cout, cin, ks, ks), wt));
        for (int threads : new int[] {1, 2}) {
          Slice su = put(k, u), sy2 = empty(k, geo.outSize());
          Slice scratch = empty(k, Math.max(Kernels.conv2dScratch(geo), 2 * Kernels.winogradScratch(geo)));
          dev.layerfuse.exec.Parallel.acquire(threads);
          try {
            dev.layerfuse.exec.Parallel.withThreads(threads, () -> k.conv2dWinograd(geo, act, sx, sw, su, sb, sp, sr, sy2, scratch));
          } finally {
            dev.layerfuse.exec.Parallel.release(threads);
          }
          Difference dw = Difference.of(ref, get(sy2));
          assertTrue(dw.within(1e-5), variant + " Winograd, " + threads + " threads, " + geo + ": " + dw);
        }
      }
    } finally {
      closeAll();
    }
  }

  static Stream<Arguments> variants() {
    return KernelVariants.names().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void convTransposeMatchesReference(String variant) {
    Kernels k = KernelVariants.get(variant);
    int[][] cases = {{1, 1, 3, 3, 2, 3, 1, 0, 0, 1, 1}, {2, 4, 4, 5, 6, 3, 2, 1, 1, 1, 2}, {1, 3, 3, 3, 3, 2, 3, 0, 2, 1, 1},
        {1, 2, 4, 4, 2, 3, 2, 1, 0, 2, 2}};
    for (int[] c : cases) {
      int n = c[0], cin = c[1], h = c[2], w = c[3], cout = c[4], ks = c[5], s = c[6], p = c[7], op = c[8], d = c[9], g = c[10];
      long oh = (h - 1L) * s - 2L * p + (long) d * (ks - 1) + op + 1, ow = (w - 1L) * s - 2L * p + (long) d * (ks - 1) + op + 1;
      ConvGeometry geo = ConvGeometry.of(n, cin, h, w, cout, ks, ks, new int[] {s, s}, new int[] {p, p, p, p},
          new int[] {d, d}, g, oh, ow);
      SplittableRandom r = new SplittableRandom(cin * 7L + ks);
      float[] x = rand(r, geo.inSize()), wt = rand(r, (long) cin * (cout / g) * ks * ks), b = rand(r, cout);
      try {
        Slice sy = empty(k, geo.outSize());
        k.convTranspose2d(geo, Activation.none(), put(k, x), put(k, wt), put(k, b), sy,
            empty(k, Kernels.convTranspose2dScratch(geo)));
        double[] ref = ReferenceOps.convTranspose(x, n, cin, h, w, wt, cout, ks, ks, b, new int[] {s, s},
            new int[] {p, p}, new int[] {d, d}, g, (int) oh, (int) ow);
        Difference diff = Difference.of(ref, get(sy));
        assertTrue(diff.within(1e-5), variant + " " + geo + ": " + diff);
      } finally {
        closeAll();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void poolsMatchReference(String variant) {
    Kernels k = KernelVariants.get(variant);
    int[][] cases = {{3, 2, 0, 1, 0, 1, 13, 13}, {3, 2, 1, 1, 1, 1, 8, 7}, {3, 2, 1, 1, 1, 0, 8, 7}, {2, 2, 0, 1, 1, 0, 5, 5},
        {3, 3, 1, 1, 1, 1, 2, 2}, {2, 1, 0, 2, 0, 0, 6, 5}};
    for (boolean max : new boolean[] {true, false}) {
      for (int[] c : cases) {
        int ks = c[0], s = c[1], p = c[2], d = c[3], h = c[6], w = c[7];
        boolean ceil = c[4] == 1, countPad = c[5] == 1;
        long oh = dev.layerfuse.graph.PoolOp.outSize(h, ks, s, p, p, d, ceil);
        long ow = dev.layerfuse.graph.PoolOp.outSize(w, ks, s, p, p, d, ceil);
        ConvGeometry geo = ConvGeometry.of(2, 3, h, w, 3, ks, ks, new int[] {s, s}, new int[] {p, p, p, p},
            new int[] {d, d}, 1, oh, ow);
        float[] x = rand(new SplittableRandom(ks * 13L + h), geo.inSize());
        try {
          Slice sy = empty(k, geo.outSize());
          k.pool2d(geo, max, countPad, put(k, x), sy);
          double[] ref = ReferenceOps.pool(max, x, 6, h, w, (int) oh, (int) ow, new int[] {ks, ks}, new int[] {s, s},
              new int[] {p, p, p, p}, new int[] {d, d}, countPad);
          Difference diff = Difference.of(ref, get(sy));
          assertTrue(diff.within(1e-6), variant + " " + (max ? "max " : "avg ") + geo + ": " + diff);
        } finally {
          closeAll();
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("variants")
  void elementwiseKernelsMatchReference(String variant) {
    Kernels k = KernelVariants.get(variant);
    SplittableRandom r = new SplittableRandom(17);
    int n = 3, c = 5, inner = 37;
    float[] x = rand(r, n * c * inner), y2 = rand(r, n * c * inner), sc = rand(r, c), sh = rand(r, c);
    try {
      Slice sx = put(k, x), out = empty(k, x.length);
      k.scaleShift(n, c, inner, Activation.relu6(), sx, put(k, sc), put(k, sh), out);
      double[] ref = new double[x.length];
      for (int i = 0; i < x.length; i++) ref[i] = Math.min(Math.max(x[i] * (double) sc[(i / inner) % c] + sh[(i / inner) % c], 0), 6);
      assertTrue(Difference.of(ref, get(out)).within(1e-6), "scale_shift");
      k.add(x.length, Activation.hardSwish(), sx, put(k, y2), out);
      for (int i = 0; i < x.length; i++) {
        double v = (double) x[i] + y2[i];
        ref[i] = v * Math.min(Math.max(v + 3, 0), 6) / 6;
      }
      assertTrue(Difference.of(ref, get(out)).within(1e-6), "add");
      k.activation(x.length, Activation.sigmoid(), sx, sx);
      for (int i = 0; i < x.length; i++) ref[i] = 1 / (1 + Math.exp(-x[i]));
      assertTrue(Difference.of(ref, get(sx)).within(1e-6), "in-place activation");
      Slice planes = empty(k, n * c);
      k.globalAvgPool(n * c, inner, put(k, y2), planes);
      double[] gap = new double[n * c];
      for (int i = 0; i < y2.length; i++) gap[i / inner] += y2[i] / (double) inner;
      assertTrue(Difference.of(gap, get(planes)).within(1e-6), "global average");
    } finally {
      closeAll();
    }
  }
}
