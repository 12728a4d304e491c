package dev.layerfuse.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.io.SafeTensors;
import dev.layerfuse.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The protobuf reader on real files from other tools, and on truncated or mutated ones. */
public class OnnxProtoTest {
  @TempDir Path dir;

  public static Path shared(String rel) {
    Path root = Path.of(System.getProperty("layerfuse.project.root", "..")).toAbsolutePath().normalize();
    Path p = root.resolve("../shared").resolve(rel).normalize();
    assertTrue(Files.exists(p), "missing " + p);
    return p;
  }

  @Test
  void readsTheTinynetExport() throws Exception {
    OnnxProto.Model m = OnnxProto.parseModel(Files.readAllBytes(shared("fixtures/tinynet/tinynet.onnx")), "tinynet.onnx");
    assertEquals(13L, m.opsets().get(""));
    OnnxProto.Graph g = m.graph();
    assertEquals(1, g.inputs().size());
    assertArrayEquals(new long[] {2, 3, 16, 16}, g.inputs().get(0).dims());
    assertEquals(OnnxProto.FLOAT, g.inputs().get(0).elemType());
    List<String> ops = g.nodes().stream().map(OnnxProto.Node::opType).collect(Collectors.toList());
    assertTrue(ops.contains("Conv") && ops.contains("BatchNormalization") && ops.contains("MaxPool") && ops.contains("Gemm"), ops.toString());
    // Initializers hold the same numbers as the safetensors checkpoint written by another tool.
    Map<String, Tensor> st = SafeTensors.read(shared("fixtures/tinynet/tinynet.safetensors"));
    int matched = 0;
    for (OnnxProto.Tensor t : g.initializers()) {
      Tensor ref = st.get(t.name());
      if (ref == null) continue;
      assertArrayEquals(ref.shape().dims(), t.dims(), t.name());
      assertArrayEquals(ref.toArray(), OnnxTensors.floats(t, null), 0f, t.name());
      matched++;
    }
    assertTrue(matched >= 10, "initializers matched by name: " + matched);
  }

  @Test
  void readsNodeTestTensors() throws Exception {
    Path d = shared("onnx-node-tests/test_conv_with_strides_padding/test_data_set_0");
    OnnxProto.Tensor x = OnnxProto.parseTensor(Files.readAllBytes(d.resolve("input_0.pb")), "input_0.pb");
    assertArrayEquals(new long[] {1, 1, 7, 5}, x.dims());
    float[] v = OnnxTensors.floats(x, null);
    assertEquals(35, v.length);
    assertEquals(0f, v[0]);
    assertEquals(34f, v[34]);
  }

  @Test
  void typedFieldsAndSizeChecks() {
    OnnxProto.Tensor ints = new OnnxProto.Tensor("s", OnnxProto.INT64, new long[] {3}, null, new float[0],
        new long[] {4, -1, 7}, new long[0], new double[0], new long[0], List.of(), Map.of(), false);
    assertArrayEquals(new long[] {4, -1, 7}, OnnxTensors.longs(ints, null));
    OnnxProto.Tensor bad = new OnnxProto.Tensor("w", OnnxProto.FLOAT, new long[] {2, 2}, new byte[12], new float[0],
        new long[0], new long[0], new double[0], new long[0], List.of(), Map.of(), false);
    OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxTensors.floats(bad, null));
    assertTrue(e.getMessage().contains("12 data bytes") && e.getMessage().contains("need 16"), e.getMessage());
    OnnxProto.Tensor huge = new OnnxProto.Tensor("h", OnnxProto.FLOAT, new long[] {1L << 40, 1L << 40}, null, new float[0],
        new long[0], new long[0], new double[0], new long[0], List.of(), Map.of(), false);
    assertTrue(assertThrows(OnnxFormatException.class, () -> OnnxTensors.floats(huge, null)).getMessage().contains("overflow"));
  }

  @Test
  void externalDataStaysInsideTheModelDirectory() throws Exception {
    Path model = Files.createDirectories(dir.resolve("model"));
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f);
    Files.write(model.resolve("w.bin"), b.array());
    Files.write(dir.resolve("secret.bin"), b.array());
    assertArrayEquals(new float[] {1.5f, -2f}, OnnxTensors.floats(ext("w.bin"), model));
    for (String loc : new String[] {"../secret.bin", dir.resolve("secret.bin").toString(), "missing.bin"}) {
      assertThrows(OnnxFormatException.class, () -> OnnxTensors.floats(ext(loc), model), loc);
    }
    Files.createSymbolicLink(model.resolve("link.bin"), dir.resolve("secret.bin"));
    OnnxFormatException e = assertThrows(OnnxFormatException.class, () -> OnnxTensors.floats(ext("link.bin"), model));
    assertTrue(e.getMessage().contains("links out"), e.getMessage());
  }

  private static OnnxProto.Tensor ext(String location) {
    return new OnnxProto.Tensor("w", OnnxProto.FLOAT, new long[] {2}, null, new float[0], new long[0], new long[0],
        new double[0], new long[0], List.of(), Map.of("location", location), true);
  }

  @Test
  void truncatedAndMutatedModelsFailCleanly() throws Exception {
    byte[] good = Files.readAllBytes(shared("fixtures/tinynet/tinynet.onnx"));
    SplittableRandom r = new SplittableRandom(42);
    int parsed = 0, rejected = 0;
    for (int i = 0; i < 1000; i++) {
      byte[] m;
      if (i % 3 == 0) {
        m = java.util.Arrays.copyOf(good, r.nextInt(good.length));
      } else {
        m = good.clone();
        for (int k = 0; k < 1 + r.nextInt(8); k++) m[r.nextInt(m.length)] = (byte) r.nextInt(256);
      }
      try {
        OnnxProto.Model model = OnnxProto.parseModel(m, "mutant " + i);
        for (OnnxProto.Tensor t : model.graph().initializers()) OnnxTensors.floats(t, null);
        parsed++;
      } catch (OnnxFormatException e) {
        rejected++;
      }
    }
    assertEquals(1000, parsed + rejected);
    assertTrue(rejected > 100, "most mutants should be rejected, got " + rejected);
  }
}
