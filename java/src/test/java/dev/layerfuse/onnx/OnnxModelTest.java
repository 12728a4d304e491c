package dev.layerfuse.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.layerfuse.exec.Backend;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.tensor.DType;
import dev.layerfuse.tensor.TypedArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link OnnxModel}: typed inputs, bound (compile-time) inputs, errors naming what is wrong. */
class OnnxModelTest {
  private static Path test(String name) {
    Path p = OnnxConformanceTest.nodeTests().resolve(name);
    if ("true".equalsIgnoreCase(System.getenv("CI"))) assertTrue(Files.isDirectory(p), "missing " + p);
    assumeTrue(Files.isDirectory(p), "ONNX node tests not found at " + p);
    return p;
  }

  private static Map<String, TypedArray> feed(Path t, OnnxModel m) throws Exception {
    Map<String, TypedArray> f = new LinkedHashMap<>();
    for (int i = 0; i < m.inputs().size(); i++) {
      f.put(m.inputs().get(i).name(), OnnxConformanceTest.pb(t.resolve("test_data_set_0/input_" + i + ".pb")));
    }
    return f;
  }

  @Test
  void runFloatsMatchesRunAndRejectsBadArraysBeforeWritingAnything() throws Exception {
    Path file = OnnxProtoTest.shared("fixtures/tinynet").resolve("tinynet.onnx");
    for (Backend b : new Backend[] {Backend.JAVA, Backend.NATIVE}) {
      try (OnnxModel m = OnnxModel.load(file, b, true)) {
        assertTrue(m.runsOnFloats());
        OnnxModel.Input in = m.inputs().get(0);
        long[] dims = {2, 3, 16, 16};
        double[] xd = new double[2 * 3 * 16 * 16];
        float[] x = new float[xd.length];
        for (int i = 0; i < x.length; i++) xd[i] = x[i] = (float) Math.sin(0.37 * i);
        TypedArray want = m.run(Map.of(in.name(), TypedArray.ofReals(DType.FLOAT32, dims, xd))).get(m.outputs().get(0));
        float[] y = new float[want.numel()];
        Map<String, long[]> d = Map.of(in.name(), dims);
        m.runFloats(d, Map.of(in.name(), x), Map.of(m.outputs().get(0), y));
        double[] w = want.toDoubles();
        for (int i = 0; i < y.length; i++) assertEquals((float) w[i], y[i], 0f, b + " element " + i);

        float[] untouched = new float[y.length];
        java.util.Arrays.fill(untouched, Float.NaN);
        Map<String, float[]> out = Map.of(m.outputs().get(0), untouched);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> m.runFloats(d, Map.of(in.name(), new float[x.length - 1]), out));
        assertTrue(e.getMessage().contains("'" + in.name() + "'") && e.getMessage().contains("need " + x.length + " floats, got "
            + (x.length - 1)), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> m.runFloats(Map.of(in.name(), new long[] {2, 4, 16, 16}), Map.of(in.name(), x), out));
        assertTrue(e.getMessage().contains("expected shape"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> m.runFloats(d, Map.of(in.name(), x), Map.of(m.outputs().get(0), new float[y.length + 1])));
        assertTrue(e.getMessage().contains("'" + m.outputs().get(0) + "'") && e.getMessage().contains(y.length + " floats"),
            e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.runFloats(d, Map.of("nope", x), out));
        assertTrue(e.getMessage().contains("unknown input 'nope'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.runFloats(Map.of(), Map.of(in.name(), x), out));
        assertTrue(e.getMessage().contains("missing dims of input '" + in.name() + "'"), e.getMessage());
        for (float v : untouched) assertTrue(Float.isNaN(v), "a rejected call wrote an output");
      }
    }
    Path t = test("test_conv_with_strides_no_padding");
    try (OnnxModel m = OnnxModel.load(t.resolve("model.onnx"), Backend.JAVA, true)) {
      assertFalse(m.runsOnFloats(), "the weight is an input, bound at compile time");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> m.runFloats(Map.of(), Map.of(), Map.of()));
      assertTrue(e.getMessage().contains("is compiled into the model"), e.getMessage());
    }
  }

  @Test
  void integerArithmeticWrapsLikeTheElementType() throws Exception {
    Path t = test("test_add_uint8");
    try (OnnxModel m = OnnxModel.load(t.resolve("model.onnx"), Backend.JAVA, true)) {
      assertTrue(m.inputs().get(0).bound(), "uint8 inputs are evaluated on the host");
      long[] dims = {2};
      Map<String, TypedArray> f = Map.of(m.inputs().get(0).name(), TypedArray.ofInts(DType.UINT8, dims, new long[] {250, 3}),
          m.inputs().get(1).name(), TypedArray.ofInts(DType.UINT8, dims, new long[] {10, 4}));
      assertThrows(IllegalArgumentException.class, () -> m.run(f), "declared shape [3, 4, 5] is enforced");
      Map<String, TypedArray> g = feed(t, m);
      TypedArray y = m.run(g).values().iterator().next();
      assertEquals(DType.UINT8, y.type());
      TypedArray a = g.values().iterator().next(), b = g.values().stream().skip(1).findFirst().orElseThrow();
      for (int i = 0; i < y.numel(); i++) assertEquals((a.integer(i) + b.integer(i)) & 0xff, y.integer(i));
    }
  }

  @Test
  void weightsFedAsInputsAreBoundAndCompiledOncePerValue() throws Exception {
    Path t = test("test_conv_with_strides_no_padding");
    try (OnnxModel m = OnnxModel.load(t.resolve("model.onnx"), Backend.JAVA, true)) {
      assertTrue(!m.inputs().get(0).bound() && m.inputs().get(1).bound(), m.toString());
      Map<String, TypedArray> f = feed(t, m);
      Graph g1 = m.graph(f), g2 = m.graph(f);
      assertSame(g1, g2, "same weights reuse the compiled graph");
      assertEquals(1, g1.kindCounts().get("Conv"));
      TypedArray want = OnnxConformanceTest.pb(t.resolve("test_data_set_0/output_0.pb"));
      assertEquals(null, OnnxConformanceTest.compare(want, m.run(f).values().iterator().next()));
    }
  }

  /**
   * More threads than one binding each, over twice as many bindings as the cache holds: every run
   * evicts, and an evicted compiled form must stay open for the runs that still hold it (before,
   * a run could get "Session is closed" from a session another thread's binding had evicted).
   */
  @Test
  void concurrentRunsOverMoreBindingsThanTheCacheHoldsAllSucceed() throws Exception {
    Path t = test("test_conv_with_strides_no_padding");
    for (Backend b : new Backend[] {Backend.JAVA, Backend.NATIVE}) {
      try (OnnxModel m = OnnxModel.load(t.resolve("model.onnx"), b, true)) {
        Map<String, TypedArray> f = feed(t, m);
        String x = m.inputs().get(0).name(), w = m.inputs().get(1).name();
        double[] want = m.run(f).values().iterator().next().toDoubles();
        double[] w1 = f.get(w).toDoubles();
        int bindings = 2 * OnnxModel.CACHE + 1;
        java.util.List<Map<String, TypedArray>> feeds = new java.util.ArrayList<>();
        for (int k = 1; k <= bindings; k++) {
          double[] wk = new double[w1.length];
          for (int i = 0; i < wk.length; i++) wk[i] = k * w1[i]; // no bias: the output scales by k
          feeds.add(Map.of(x, f.get(x), w, TypedArray.ofReals(DType.FLOAT32, f.get(w).dims(), wk)));
        }
        int threads = 4, runs = 60;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
          java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
          for (int th = 0; th < threads; th++) {
            int first = th;
            done.add(pool.submit(() -> {
              for (int r = 0; r < runs; r++) {
                int k = (first + 3 * r) % bindings;
                double[] got = m.run(feeds.get(k)).values().iterator().next().toDoubles();
                for (int i = 0; i < got.length; i++) {
                  assertEquals((k + 1) * want[i], got[i], 1e-5 * (k + 1) * (1 + Math.abs(want[i])), b + " binding " + k + " element " + i);
                }
              }
              return null;
            }));
          }
          for (java.util.concurrent.Future<?> d : done) d.get(); // rethrows a run's failure
        } finally {
          pool.shutdownNow();
        }
      }
    }
  }

  @Test
  void badFeedsNameTheInputAndTheExpectation() throws Exception {
    Path t = test("test_conv_with_strides_no_padding");
    OnnxModel m = OnnxModel.load(t.resolve("model.onnx"), Backend.JAVA, true);
    Map<String, TypedArray> f = feed(t, m);
    String x = m.inputs().get(0).name(), w = m.inputs().get(1).name();
    Map<String, TypedArray> missing = new LinkedHashMap<>(f);
    missing.remove(w);
    assertTrue(assertThrows(IllegalArgumentException.class, () -> m.run(missing)).getMessage().contains("missing input '" + w + "'"));
    Map<String, TypedArray> unknown = new LinkedHashMap<>(f);
    unknown.put("nope", f.get(x));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> m.run(unknown)).getMessage().contains("unknown input 'nope'"));
    Map<String, TypedArray> wrongType = new LinkedHashMap<>(f);
    wrongType.put(x, f.get(x).cast(DType.FLOAT64));
    String msg = assertThrows(IllegalArgumentException.class, () -> m.run(wrongType)).getMessage();
    assertTrue(msg.contains("'" + x + "'") && msg.contains("float32") && msg.contains("float64"), msg);
    Map<String, TypedArray> wrongShape = new LinkedHashMap<>(f);
    wrongShape.put(x, TypedArray.zeros(DType.FLOAT32, new long[] {1, 1, 3, 3}));
    msg = assertThrows(IllegalArgumentException.class, () -> m.run(wrongShape)).getMessage();
    assertTrue(msg.contains("expected shape [1, 1, 7, 5]") && msg.contains("[1, 1, 3, 3]"), msg);
    m.close();
    m.close();
    assertThrows(IllegalStateException.class, () -> m.run(f));
  }

  @Test
  void maxPoolIndicesAndDropoutMaskAreTyped() throws Exception {
    Path t = test("test_maxpool_with_argmax_2d_precomputed_pads");
    try (OnnxModel m = OnnxModel.load(t.resolve("model.onnx"), Backend.JAVA, true)) {
      Map<String, TypedArray> out = m.run(feed(t, m));
      assertEquals(DType.INT64, out.values().stream().skip(1).findFirst().orElseThrow().type());
    }
    Path d = test("test_dropout_default_mask");
    try (OnnxModel m = OnnxModel.load(d.resolve("model.onnx"), Backend.JAVA, true)) {
      Map<String, TypedArray> f = feed(d, m);
      Map<String, TypedArray> out = m.run(f);
      TypedArray mask = out.values().stream().skip(1).findFirst().orElseThrow();
      assertEquals(DType.BOOL, mask.type());
      assertArrayEquals(f.values().iterator().next().dims(), mask.dims());
      for (int i = 0; i < mask.numel(); i++) assertEquals(1, mask.integer(i));
    }
  }

  @Test
  void typedArraysRoundTripAndCast() {
    TypedArray a = TypedArray.ofInts(DType.INT8, new long[] {3}, new long[] {127, 128, -129});
    assertArrayEquals(new long[] {127, -128, 127}, a.toLongs(), "wraps like C");
    assertArrayEquals(new long[] {1, 1, 1}, a.cast(DType.BOOL).toLongs());
    assertArrayEquals(new long[] {0, 1}, TypedArray.ofReals(DType.FLOAT32, new long[] {2}, new double[] {0, -0.5}).cast(DType.BOOL).toLongs());
    TypedArray u = TypedArray.ofInts(DType.UINT64, new long[] {1}, new long[] {-1L});
    assertEquals(0x1p64, u.real(0), 1e3);
    TypedArray f = TypedArray.ofReals(DType.FLOAT32, new long[] {2}, new double[] {0.1, -2.7});
    assertEquals((float) 0.1, f.real(0), 0);
    assertArrayEquals(new long[] {0, -2}, f.cast(DType.INT32).toLongs(), "Cast truncates toward zero");
    TypedArray h = TypedArray.ofReals(DType.FLOAT16, new long[] {3}, new double[] {1.0 / 3, 65520, 1e-8});
    assertEquals(0.333251953125, h.real(0), 0);
    assertEquals(Double.POSITIVE_INFINITY, h.real(1), "float16 overflow rounds to infinity");
    assertEquals(0, h.real(2), 0);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) h.byteSize()).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    h.encode(b);
    b.flip();
    assertEquals(h, TypedArray.decode(DType.FLOAT16, new long[] {3}, b));
    assertThrows(IllegalArgumentException.class, () -> TypedArray.zeros(DType.FLOAT32, new long[] {1 << 20, 1 << 20}));
  }
}
