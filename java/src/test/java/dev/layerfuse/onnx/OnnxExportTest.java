package dev.layerfuse.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.layerfuse.exec.java.JavaInterpreter;
import dev.layerfuse.fuse.Fuser;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.io.Npy;
import dev.layerfuse.io.SafeTensors;
import dev.layerfuse.nn.BatchNorm2d;
import dev.layerfuse.nn.Conv2d;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.Sequential;
import dev.layerfuse.nn.StateDict;
import dev.layerfuse.nn.models.MobileNetV2;
import dev.layerfuse.nn.models.ResNet;
import dev.layerfuse.tensor.Difference;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Fused graphs exported as standard ONNX run in ONNX Runtime (the oracle) and match layerfuse. */
class OnnxExportTest {
  static float[] ort(byte[] model, String input, Tensor x) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions o = new OrtSession.SessionOptions();
         OrtSession s = env.createSession(model, o);
         OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.toArray()), x.shape().dims());
         OrtSession.Result r = s.run(Map.of(input, t))) {
      FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
      float[] out = new float[fb.remaining()];
      fb.get(out);
      return out;
    }
  }

  static void checkExport(Graph original, Tensor x, double tol) throws Exception {
    Graph fused = Fuser.withDefaults().fuse(original).graph();
    byte[] bytes = OnnxExporter.toBytes(fused);
    OnnxProto.Model m = OnnxProto.parseModel(bytes, "export");
    List<String> ops = m.graph().nodes().stream().map(OnnxProto.Node::opType).collect(Collectors.toList());
    assertTrue(!ops.contains("BatchNormalization"), ops.toString());
    assertTrue(m.graph().nodes().stream().allMatch(n -> n.domain().isEmpty()), "default domain only");
    assertEquals(List.copyOf(original.inputs().keySet()),
        m.graph().inputs().stream().map(OnnxProto.ValueInfo::name).collect(Collectors.toList()), "no initializer listed as input");
    assertEquals(original.outputs(), m.graph().outputs().stream().map(OnnxProto.ValueInfo::name).collect(Collectors.toList()));
    String in = original.inputs().keySet().iterator().next();
    float[] ours = JavaInterpreter.runSingle(original, x).toArray();
    Difference byOrt = Difference.of(ours, ort(bytes, in, x));
    assertTrue(byOrt.within(tol), "ONNX Runtime on the exported fused model vs layerfuse: " + byOrt);
    float[] reimported = JavaInterpreter.runSingle(OnnxImporter.importModel(m, null), x).toArray();
    assertTrue(Difference.of(ours, reimported).within(tol), "re-imported: " + Difference.of(ours, reimported));
  }

  @Test
  void tinynetExportRunsInOnnxRuntimeAndMatchesItsLogits() throws Exception {
    Path dir = OnnxProtoTest.shared("fixtures/tinynet");
    Sequential model = dev.layerfuse.nn.TinyNetFixtureAccess.tinyNet();
    StateDict.load(model, SafeTensors.read(dir.resolve("tinynet.safetensors")), true);
    Graph g = model.toGraph(Shape.of(2, 3, 16, 16));
    Tensor x = Npy.read(dir.resolve("input.npy"));
    byte[] bytes = OnnxExporter.toBytes(Fuser.withDefaults().fuse(g).graph());
    Difference d = Difference.of(Npy.read(dir.resolve("logits.npy")).toArray(), ort(bytes, "input", x));
    assertTrue(d.within(1e-4), d.toString());
    checkExport(g, x, 1e-4);
  }

  @Test
  void fusedResNetAndMobileNetExportsMatch() throws Exception {
    Tensor x = Tensor.wrap(Shape.of(1, 3, 224, 224), rand(3 * 224 * 224));
    checkExport(Init.randomize(ResNet.resnet18(1000), 5).toGraph(Shape.of(1, 3, 224, 224)), x, 1e-4);
    checkExport(Init.randomize(MobileNetV2.create(1000), 6).toGraph(Shape.of(1, 3, 224, 224)), x, 1e-4);
  }

  /**
   * ONNX files of whole networks (written unfused, BatchNormalization nodes and all) import,
   * fuse to no BatchNorm, and match ONNX Runtime on the file on both backends; layerfuse's
   * exported fused model of the imported graph runs in ONNX Runtime and matches too.
   */
  @Test
  void importedNetworksMatchOnnxRuntime(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
    Map<String, Graph> nets = new java.util.LinkedHashMap<>();
    nets.put("resnet18", Init.randomize(ResNet.resnet18(1000), 5).toGraph(Shape.of(1, 3, 224, 224)));
    nets.put("mobilenetv2", Init.randomize(MobileNetV2.create(1000), 6).toGraph(Shape.of(1, 3, 224, 224)));
    for (Map.Entry<String, Graph> e : nets.entrySet()) {
      Path file = tmp.resolve(e.getKey() + ".onnx");
      java.nio.file.Files.write(file, OnnxExporter.toBytes(e.getValue()));
      byte[] bytes = java.nio.file.Files.readAllBytes(file);
      assertTrue(OnnxProto.parseModel(bytes, "file").graph().nodes().stream().anyMatch(n -> n.opType().equals("BatchNormalization")));
      String in = e.getValue().inputs().keySet().iterator().next();
      Tensor x = Tensor.wrap(e.getValue().inputs().get(in), rand((int) e.getValue().inputs().get(in).numel()));
      float[] want = ort(bytes, in, x);
      for (dev.layerfuse.exec.Backend b : OnnxConformanceTest.nativeAndJava()) {
        try (OnnxModel m = OnnxModel.load(file, b, true)) {
          Map<String, dev.layerfuse.tensor.TypedArray> feed = Map.of(in, dev.layerfuse.tensor.TypedArray.of(x));
          Graph fused = m.graph(feed);
          assertTrue(!fused.kindCounts().containsKey("BatchNorm"), e.getKey() + ": " + fused.kindCounts());
          // The imported graph fuses exactly as the one built in Java (residual Adds included).
          assertEquals(Fuser.withDefaults().fuse(e.getValue()).graph().nodes().size(), fused.nodes().size(),
              e.getKey() + ": " + fused.kindCounts());
          float[] got = m.run(feed).values().iterator().next().toTensor().toArray();
          Difference d = Difference.of(want, got);
          assertTrue(d.within(1e-4), e.getKey() + " [" + b + "] vs ONNX Runtime: " + d);
        }
      }
      checkExport(OnnxImporter.load(file), x, 1e-4);
    }
  }

  @Test
  void perChannelPadValuesExportExactly() throws Exception {
    // BatchNorm before a padded conv folds into pad values; the export rewrites them as Sub + Conv.
    Sequential m = new Sequential(new BatchNorm2d(4, 1e-3f), Conv2d.builder(4, 6, 3).padding(1).groups(2).build());
    Graph g = Init.randomize(m, 9).toGraph(Shape.of(1, 4, 7, 6));
    assertTrue(Fuser.withDefaults().fuse(g).graph().nodes().get(0).op().describe().contains("pad-values"));
    checkExport(g, Tensor.wrap(Shape.of(1, 4, 7, 6), rand(4 * 7 * 6)), 1e-5);
  }

  static float[] rand(int n) {
    java.util.SplittableRandom r = new java.util.SplittableRandom(n);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
    return v;
  }
}
