package dev.layerfuse.onnx;

import static dev.layerfuse.onnx.OnnxExporter.floatAttr;
import static dev.layerfuse.onnx.OnnxExporter.intAttr;
import static dev.layerfuse.onnx.OnnxExporter.ints;
import static dev.layerfuse.onnx.OnnxExporter.stringAttr;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.layerfuse.exec.Backend;
import dev.layerfuse.tensor.DType;
import dev.layerfuse.tensor.Difference;
import dev.layerfuse.tensor.TypedArray;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ops common in real CNN exports beyond the node tests, each in a small model run by
 * layerfuse (both backends, fused) and by ONNX Runtime (the oracle): 1e-5 relative.
 */
class OnnxOpsTest {
  @TempDir
  Path tmp;

  private static OnnxBuilder unary(String op, long[] dims, ProtoWriter... attrs) {
    return new OnnxBuilder(13).input("x", dims).output("y").node(op, List.of("x"), List.of("y"), attrs);
  }

  static Stream<Arguments> models() {
    long[] img = {2, 3, 6, 8};
    List<Arguments> m = new ArrayList<>();
    m.add(Arguments.of("Elu", unary("Elu", img, floatAttr("alpha", 0.5f))));
    m.add(Arguments.of("Selu", unary("Selu", img)));
    m.add(Arguments.of("Softplus", unary("Softplus", img)));
    m.add(Arguments.of("Exp", unary("Exp", img)));
    m.add(Arguments.of("Abs", unary("Abs", img)));
    m.add(Arguments.of("Neg", unary("Neg", img)));
    m.add(Arguments.of("Reciprocal", unary("Reciprocal", img)));
    m.add(Arguments.of("Sqrt+Log of Abs", new OnnxBuilder(13).input("x", img).output("y")
        .node("Abs", List.of("x"), List.of("a")).node("Sqrt", List.of("a"), List.of("s")).node("Log", List.of("s"), List.of("y"))));
    m.add(Arguments.of("Pow 3", new OnnxBuilder(13).input("x", img).output("y").initFloats("e", new long[0], 3)
        .node("Pow", List.of("x", "e"), List.of("y"))));
    m.add(Arguments.of("PRelu per channel", new OnnxBuilder(13).input("x", img).output("y")
        .initFloats("slope", new long[] {3, 1, 1}, 0.1, -0.2, 0.3).node("PRelu", List.of("x", "slope"), List.of("y"))));
    m.add(Arguments.of("Slice steps", new OnnxBuilder(13).input("x", img).output("y").initLongs("st", 1, -7, 0)
        .initLongs("en", 3, 100, 5).initLongs("ax", 1, 3, 2).initLongs("sp", 1, 2, 2)
        .node("Slice", List.of("x", "st", "en", "ax", "sp"), List.of("y"))));
    m.add(Arguments.of("Split", new OnnxBuilder(13).input("x", img).output("a").output("b").initLongs("sizes", 2, 4)
        .node("Split", List.of("x", "sizes"), List.of("a", "b"), intAttr("axis", 2))));
    m.add(Arguments.of("Gather", new OnnxBuilder(13).input("x", img).output("y").initLongs("idx", 2, -3, 0)
        .node("Gather", List.of("x", "idx"), List.of("y"), intAttr("axis", 1))));
    m.add(Arguments.of("Expand", new OnnxBuilder(13).input("x", 3, 1).output("y").initLongs("shape", 2, 3, 4)
        .node("Expand", List.of("x", "shape"), List.of("y"))));
    m.add(Arguments.of("ReduceMean", unary("ReduceMean", img, ints("axes", 1), intAttr("keepdims", 0))));
    m.add(Arguments.of("ReduceMax", unary("ReduceMax", img, ints("axes", 2, 3))));
    m.add(Arguments.of("ReduceSum", new OnnxBuilder(13).input("x", img).output("y").initLongs("axes", 0, -2)
        .node("ReduceSum", List.of("x", "axes"), List.of("y"))));
    m.add(Arguments.of("LRN", unary("LRN", new long[] {1, 5, 4, 4}, intAttr("size", 3), floatAttr("alpha", 0.02f),
        floatAttr("beta", 0.75f), floatAttr("bias", 1.5f))));
    m.add(Arguments.of("Resize nearest", new OnnxBuilder(13).input("x", img).output("y").initFloats("roi", new long[] {0})
        .initFloats("scales", new long[] {4}, 1, 1, 2, 3).node("Resize", List.of("x", "roi", "scales"), List.of("y"),
            stringAttr("mode", "nearest"), stringAttr("coordinate_transformation_mode", "asymmetric"),
            stringAttr("nearest_mode", "floor"))));
    m.add(Arguments.of("Resize half_pixel", new OnnxBuilder(13).input("x", img).output("y").initFloats("roi", new long[] {0})
        .initFloats("scales", new long[] {4}, 1, 1, 2, 2).node("Resize", List.of("x", "roi", "scales"), List.of("y"),
            stringAttr("mode", "nearest"))));
    m.add(Arguments.of("Resize linear half_pixel x2", new OnnxBuilder(13).input("x", img).output("y")
        .initFloats("roi", new long[] {0}).initFloats("scales", new long[] {4}, 1, 1, 2, 2)
        .node("Resize", List.of("x", "roi", "scales"), List.of("y"), stringAttr("mode", "linear"))));
    m.add(Arguments.of("Resize linear align_corners sizes", new OnnxBuilder(13).input("x", img).output("y")
        .initFloats("roi", new long[] {0}).initFloats("scales", new long[] {0}).initLongs("sizes", 2, 3, 9, 5)
        .node("Resize", List.of("x", "roi", "scales", "sizes"), List.of("y"), stringAttr("mode", "linear"),
            stringAttr("coordinate_transformation_mode", "align_corners"))));
    m.add(Arguments.of("Resize nearest x1.5", new OnnxBuilder(13).input("x", img).output("y")
        .initFloats("roi", new long[] {0}).initFloats("scales", new long[] {4}, 1, 1, 1.5, 1.5)
        .node("Resize", List.of("x", "roi", "scales"), List.of("y"), stringAttr("mode", "nearest"))));
    m.add(Arguments.of("Upsample linear (opset 9)", new OnnxBuilder(9).input("x", img).output("y")
        .initFloats("scales", new long[] {4}, 1, 1, 2, 2)
        .node("Upsample", List.of("x", "scales"), List.of("y"), stringAttr("mode", "linear"))));
    m.add(Arguments.of("Shape chain", new OnnxBuilder(13).input("x", img).output("y").initLongs("zero", 0)
        .initLongs("minus1", -1).node("Shape", List.of("x"), List.of("s")).node("Gather", List.of("s", "zero"), List.of("n"))
        .node("Concat", List.of("n", "minus1"), List.of("t"), intAttr("axis", 0)).node("Relu", List.of("x"), List.of("r"))
        .node("Reshape", List.of("r", "t"), List.of("y"))));
    m.add(Arguments.of("Sum Max Min Mean", new OnnxBuilder(13).input("x", img).input("z", 8).output("y")
        .node("Sum", List.of("x", "z", "x"), List.of("a")).node("Max", List.of("a", "z"), List.of("b"))
        .node("Min", List.of("b", "x"), List.of("c")).node("Mean", List.of("c", "a"), List.of("y"))));
    m.add(Arguments.of("Conv 3-D", new OnnxBuilder(13).input("x", 2, 4, 7, 6, 5).output("y")
        .initFloats("w", new long[] {6, 2, 3, 2, 3}, rand(6 * 2 * 3 * 2 * 3, 1)).initFloats("b", new long[] {6}, rand(6, 2))
        .node("Conv", List.of("x", "w", "b"), List.of("y"), ints("strides", 2, 1, 2), ints("pads", 1, 0, 1, 2, 1, 0),
            ints("dilations", 1, 2, 1), intAttr("group", 2))));
    m.add(Arguments.of("ConvTranspose 3-D", new OnnxBuilder(13).input("x", 1, 4, 3, 4, 5).output("y")
        .initFloats("w", new long[] {4, 3, 3, 2, 3}, rand(4 * 3 * 3 * 2 * 3, 3)).initFloats("b", new long[] {6}, rand(6, 4))
        .node("ConvTranspose", List.of("x", "w", "b"), List.of("y"), ints("strides", 2, 1, 2), ints("pads", 1, 0, 0, 0, 1, 1),
            ints("output_padding", 1, 0, 1), ints("dilations", 1, 2, 1), intAttr("group", 2))));
    return m.stream();
  }

  private static double[] rand(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) v[i] = r.nextDouble() * 2 - 1;
    return v;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void matchesOnnxRuntime(String name, OnnxBuilder b) throws Exception {
    Path file = tmp.resolve("m.onnx");
    Files.write(file, b.bytes());
    SplittableRandom r = new SplittableRandom(name.hashCode());
    Map<String, TypedArray> feed = new LinkedHashMap<>();
    List<String> outs;
    try (OnnxModel probe = OnnxModel.load(file, Backend.JAVA, true)) {
      for (OnnxModel.Input in : probe.inputs()) {
        double[] v = new double[TypedArray.count(in.dims())];
        for (int i = 0; i < v.length; i++) v[i] = r.nextDouble() * 2 - 1;
        feed.put(in.name(), TypedArray.ofReals(DType.FLOAT32, in.dims(), v));
      }
      outs = probe.outputs();
    }
    Map<String, float[]> want = ort(b.bytes(), feed);
    for (Backend be : OnnxConformanceTest.nativeAndJava()) {
      try (OnnxModel m = OnnxModel.load(file, be, true)) {
        Map<String, TypedArray> got = m.run(feed);
        for (String o : outs) {
          float[] g = got.get(o).toTensor().toArray(), w = want.get(o);
          assertEquals(w.length, g.length, name + " " + o + " element count");
          for (int i = 0; i < w.length; i++) {
            if (Float.isNaN(w[i]) || Float.isNaN(g[i])) {
              assertEquals(Float.isNaN(w[i]), Float.isNaN(g[i]), name + " " + o + " NaN at " + i);
              w[i] = 0;
              g[i] = 0;
            }
          }
          Difference d = Difference.of(w, g);
          assertTrue(d.within(1e-5), name + " [" + be + "] " + o + ": " + d);
        }
      }
    }
  }

  static Map<String, float[]> ort(byte[] model, Map<String, TypedArray> feed) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, OnnxTensor> in = new LinkedHashMap<>();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions(); OrtSession s = env.createSession(model, o)) {
      for (Map.Entry<String, TypedArray> e : feed.entrySet()) {
        in.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue().toTensor().toArray()), e.getValue().dims()));
      }
      Map<String, float[]> out = new LinkedHashMap<>();
      try (OrtSession.Result r = s.run(in)) {
        for (Map.Entry<String, OnnxValue> e : r) {
          FloatBuffer fb = ((OnnxTensor) e.getValue()).getFloatBuffer();
          float[] v = new float[fb.remaining()];
          fb.get(v);
          out.put(e.getKey(), v);
        }
      }
      return out;
    } finally {
      for (OnnxTensor t : in.values()) t.close();
    }
  }
}
