package dev.layerfuse.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.exec.java.JavaInterpreter;
import dev.layerfuse.fuse.Fuser;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.io.Npy;
import dev.layerfuse.io.SafeTensors;
import dev.layerfuse.tensor.Difference;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * ../shared/fixtures/tinynet: a checkpoint written by the safetensors library and ONNX
 * Runtime's logits for it. The network declared with the layer API must load it by name and
 * reproduce the logits, fused and unfused.
 */
class TinyNetFixtureTest {
  static Path fixture(String name) {
    Path root = Path.of(System.getProperty("layerfuse.project.root", "..")).toAbsolutePath().normalize();
    Path p = root.resolve("../shared/fixtures/tinynet").resolve(name).normalize();
    assertTrue(Files.exists(p), "fixture missing: " + p);
    return p;
  }

  /** The fixture's network, in PyTorch terms (see its README). */
  static Sequential tinyNet() {
    Sequential features = new Sequential(
        Conv2d.builder(3, 8, 3).padding(1).bias(false).build(), new BatchNorm2d(8), new ReLU(),
        Conv2d.builder(8, 8, 3).padding(1).groups(8).build(), new BatchNorm2d(8, 1e-3f), new ReLU6(), new MaxPool2d(2));
    Sequential classifier = new Sequential(new Flatten(), new Linear(512, 32), new ReLU(), new BatchNorm1d(32), new Linear(32, 10));
    return Sequential.named("features", features, "classifier", classifier);
  }

  private static void check(String weights, double tolerance) {
    Sequential model = tinyNet();
    StateDict.LoadReport rep = StateDict.load(model, SafeTensors.read(fixture(weights)), true);
    assertTrue(rep.clean(), rep.toString());
    assertEquals(22, rep.loaded());
    Tensor input = Npy.read(fixture("input.npy"));
    Tensor expected = Npy.read(fixture("logits.npy"));
    Graph g = model.toGraph(Shape.of(2, 3, 16, 16));
    Tensor unfused = JavaInterpreter.runSingle(g, input);
    Fuser.Result fused = Fuser.withDefaults().fuse(g);
    Tensor fusedOut = JavaInterpreter.runSingle(fused.graph(), input);
    assertEquals(expected.shape(), unfused.shape());
    Difference du = Difference.of(expected.toArray(), unfused.toArray());
    Difference df = Difference.of(expected.toArray(), fusedOut.toArray());
    assertTrue(du.within(tolerance), "unfused vs ONNX Runtime: " + du);
    assertTrue(df.within(tolerance), "fused vs ONNX Runtime: " + df + "\n" + fused.report());
    assertTrue(fused.graph().nodes().size() < g.nodes().size());
  }

  @Test
  void float32CheckpointReproducesOnnxRuntimeLogits() {
    check("tinynet.safetensors", 1e-4);
  }

  @Test
  void float16CheckpointReproducesOnnxRuntimeLogits() {
    check("tinynet_fp16.safetensors", 1e-2);
  }

  @Test
  void missingKeyIsNamedAndNothingLoads() {
    Map<String, Tensor> sd = new LinkedHashMap<>(SafeTensors.read(fixture("tinynet.safetensors")));
    sd.remove("features.4.running_var");
    Sequential model = tinyNet();
    Tensor before = model.stateDict().get("features.0.weight");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateDict.load(model, sd, true));
    assertTrue(e.getMessage().contains("missing keys [features.4.running_var]"), e.getMessage());
    assertTrue(model.stateDict().get("features.0.weight") == before, "nothing may be loaded on failure");
    StateDict.LoadReport lenient = StateDict.load(tinyNet(), sd, false);
    assertEquals(java.util.List.of("features.4.running_var"), lenient.missing());
  }

  @Test
  void misShapedAndUnexpectedKeysAreNamedWithShapes() {
    Map<String, Tensor> sd = new LinkedHashMap<>(SafeTensors.read(fixture("tinynet.safetensors")));
    sd.put("classifier.1.weight", Tensor.zeros(Shape.of(32, 511)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateDict.load(tinyNet(), sd, false));
    assertTrue(e.getMessage().contains("classifier.1.weight: checkpoint has shape [32, 511], the model expects [32, 512]"),
        e.getMessage());
    Map<String, Tensor> extra = new LinkedHashMap<>(SafeTensors.read(fixture("tinynet.safetensors")));
    extra.put("features.9.weight", Tensor.zeros(Shape.of(1)));
    IllegalArgumentException u = assertThrows(IllegalArgumentException.class, () -> StateDict.load(tinyNet(), extra, true));
    assertTrue(u.getMessage().contains("unexpected keys [features.9.weight]"), u.getMessage());
  }
}
