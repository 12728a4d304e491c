package dev.layerfuse.onnx;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.Backends;
import dev.layerfuse.exec.Session;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.io.Npy;
import dev.layerfuse.tensor.Difference;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import dev.layerfuse.tensor.TypedArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The ONNX backend node tests in ../shared/onnx-node-tests, through import and fused execution
 * on both backends, against their stored outputs (rtol 1e-3, atol 1e-4 elementwise, as the ONNX
 * runner). Prints a table by op. Every test the importer accepts must pass; what it does not
 * accept yet is listed with the reason.
 */
public class OnnxConformanceTest {
  static Path nodeTests() {
    Path root = Path.of(System.getProperty("layerfuse.project.root", "..")).toAbsolutePath().normalize();
    return root.resolve("../shared/onnx-node-tests").normalize();
  }

  @Test
  void tinynetOnnxReproducesOnnxRuntimeLogits() {
    Path dir = OnnxProtoTest.shared("fixtures/tinynet");
    Graph g = OnnxImporter.load(dir.resolve("tinynet.onnx"));
    Tensor x = Npy.read(dir.resolve("input.npy")), want = Npy.read(dir.resolve("logits.npy"));
    String in = g.inputs().keySet().iterator().next();
    for (Backend b : nativeAndJava()) {
      for (boolean fuse : new boolean[] {true, false}) {
        try (Session s = Session.create(g, b, fuse)) {
          Tensor y = s.run(Map.of(in, x)).values().iterator().next();
          Difference d = Difference.of(want.toArray(), y.toArray());
          assertTrue(d.within(1e-4), b + (fuse ? " fused" : " unfused") + ": " + d);
          if (fuse) assertTrue(!s.graph().kindCounts().containsKey("BatchNorm"), s.graph().kindCounts().toString());
        }
      }
    }
  }

  static List<Backend> nativeAndJava() {
    List<Backend> out = new ArrayList<>(List.of(Backend.JAVA));
    if (Backends.nativeAvailable() || "true".equalsIgnoreCase(System.getenv("CI"))) out.add(0, Backend.NATIVE);
    return out;
  }

  @Test
  void nodeTestsPassWhereSupported() throws Exception {
    Path root = nodeTests();
    if ("true".equalsIgnoreCase(System.getenv("CI"))) assertTrue(Files.isDirectory(root), "missing " + root);
    assumeTrue(Files.isDirectory(root), "ONNX node tests not found at " + root);
    Map<String, int[]> byOp = new TreeMap<>();
    Map<String, String> unsupported = new LinkedHashMap<>();
    List<String> failures = new ArrayList<>();
    List<Path> tests;
    try (Stream<Path> s = Files.list(root)) {
      tests = s.filter(p -> Files.isRegularFile(p.resolve("model.onnx"))).sorted().toList();
    }
    for (Path t : tests) {
      String name = t.getFileName().toString();
      String op = opOf(t);
      int[] c = byOp.computeIfAbsent(op, k -> new int[3]);
      Map<String, TypedArray> feed = new LinkedHashMap<>();
      List<TypedArray> expected = new ArrayList<>();
      try (OnnxModel probe = OnnxModel.load(t.resolve("model.onnx"), Backend.JAVA, true)) {
        Path data = t.resolve("test_data_set_0");
        List<TypedArray> inputs = new ArrayList<>();
        for (int i = 0; Files.exists(data.resolve("input_" + i + ".pb")); i++) inputs.add(pb(data.resolve("input_" + i + ".pb")));
        for (int i = 0; Files.exists(data.resolve("output_" + i + ".pb")); i++) expected.add(pb(data.resolve("output_" + i + ".pb")));
        if (inputs.size() != probe.inputs().size() || expected.size() != probe.outputs().size()) {
          throw new UnsupportedOperationException("graph takes " + probe.inputs().size() + " inputs / " + probe.outputs().size()
              + " outputs, test data has " + inputs.size() + " / " + expected.size());
        }
        for (int k = 0; k < inputs.size(); k++) feed.put(probe.inputs().get(k).name(), inputs.get(k));
      } catch (UnsupportedOperationException | OnnxFormatException e) {
        c[2]++;
        unsupported.put(name, e.getMessage());
        continue;
      }
      boolean ok = true, notImported = false;
      for (Backend b : nativeAndJava()) {
        try (OnnxModel m = OnnxModel.load(t.resolve("model.onnx"), b, true)) {
          Map<String, TypedArray> got = m.run(feed);
          int o = 0;
          for (TypedArray y : got.values()) {
            String why = compare(expected.get(o++), y);
            if (why != null) {
              ok = false;
              failures.add(name + " [" + b + "]: " + why);
            }
          }
        } catch (UnsupportedOperationException | OnnxFormatException e) {
          notImported = true;
          unsupported.put(name, e.getMessage());
        } catch (RuntimeException e) {
          ok = false;
          failures.add(name + " [" + b + "]: " + e);
        }
      }
      c[notImported ? 2 : ok ? 0 : 1]++;
    }
    StringBuilder table = new StringBuilder("ONNX node tests by op (pass / fail / not imported):\n");
    int pass = 0, fail = 0, skip = 0;
    for (Map.Entry<String, int[]> e : byOp.entrySet()) {
      int[] c = e.getValue();
      pass += c[0];
      fail += c[1];
      skip += c[2];
      table.append(String.format("  %-22s %3d %3d %3d%n", e.getKey(), c[0], c[1], c[2]));
    }
    table.append(String.format("  %-22s %3d %3d %3d of %d%n", "total", pass, fail, skip, tests.size()));
    unsupported.forEach((n, why) -> table.append("  not imported: ").append(n).append(": ").append(why).append('\n'));
    System.out.println(table);
    assertTrue(failures.isEmpty(), "imported node tests that fail:\n" + String.join("\n", failures) + "\n" + table);
    assertTrue(pass > 0, table.toString());
  }

  private static String opOf(Path t) {
    try {
      OnnxProto.Model m = OnnxProto.parseModel(Files.readAllBytes(t.resolve("model.onnx")), t.toString());
      return m.graph().nodes().isEmpty() ? "?" : m.graph().nodes().get(m.graph().nodes().size() - 1).opType();
    } catch (Exception e) {
      return "?";
    }
  }

  public static TypedArray pb(Path file) throws java.io.IOException {
    return OnnxTensors.typed(OnnxProto.parseTensor(Files.readAllBytes(file), file.toString()), null);
  }

  /** Element type, dims and values: floating ones as the ONNX runner compares them, the others exactly. */
  public static String compare(TypedArray want, TypedArray got) {
    if (want.type() != got.type()) return "type " + got.type() + ", expected " + want.type();
    if (!java.util.Arrays.equals(want.dims(), got.dims())) {
      return "shape " + java.util.Arrays.toString(got.dims()) + ", expected " + java.util.Arrays.toString(want.dims());
    }
    if (want.type().isFloating()) {
      float[] w = want.toTensor().toArray(), g = got.toTensor().toArray();
      return compare(w, g);
    }
    for (int i = 0; i < want.numel(); i++) {
      if (want.integer(i) != got.integer(i)) return "element " + i + ": " + got.integer(i) + " vs " + want.integer(i);
    }
    return null;
  }

  /** ONNX runner semantics: |got - want| <= atol + rtol·|want| elementwise; NaNs must match. */
  static String compare(float[] want, float[] got) {
    if (want.length != got.length) return "length " + got.length + ", expected " + want.length;
    for (int i = 0; i < want.length; i++) {
      if (Float.isNaN(want[i]) || Float.isNaN(got[i])) {
        if (Float.isNaN(want[i]) != Float.isNaN(got[i])) return "element " + i + ": " + got[i] + " vs " + want[i];
        continue;
      }
      if (Math.abs(got[i] - want[i]) > 1e-4 + 1e-3 * Math.abs(want[i])) {
        return "element " + i + ": " + got[i] + " vs " + want[i];
      }
    }
    return null;
  }
}
