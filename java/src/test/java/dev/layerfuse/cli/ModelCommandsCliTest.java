package dev.layerfuse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.layerfuse.io.Json;
import dev.layerfuse.io.Npy;
import dev.layerfuse.onnx.OnnxProtoTest;
import dev.layerfuse.tensor.DType;
import dev.layerfuse.tensor.Difference;
import dev.layerfuse.tensor.TypedArray;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code run}, {@code bench}, {@code bench-compare} and {@code export-weights}: outputs and exit statuses. */
class ModelCommandsCliTest {
  record Out(int status, String out, String err) {}

  static Out cli(String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
    int s = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
    return new Out(s, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }

  private static Path tinynet() {
    return OnnxProtoTest.shared("fixtures/tinynet");
  }

  private static Path nodeTests() {
    Path root = Path.of(System.getProperty("layerfuse.project.root", "..")).toAbsolutePath().normalize()
        .resolve("../shared/onnx-node-tests").normalize();
    if ("true".equalsIgnoreCase(System.getenv("CI"))) assertTrue(Files.isDirectory(root), "missing " + root);
    assumeTrue(Files.isDirectory(root), "ONNX node tests not found at " + root);
    return root;
  }

  @Test
  void runWritesTypedOutputsForEveryNodeTest(@TempDir Path tmp) throws Exception {
    List<String> failures = new ArrayList<>();
    int passed = 0, total = 0;
    List<Path> tests;
    try (Stream<Path> s = Files.list(nodeTests())) {
      tests = s.filter(p -> Files.isRegularFile(p.resolve("model.onnx"))).sorted().toList();
    }
    for (Path t : tests) {
      total++;
      Path data = t.resolve("test_data_set_0");
      dev.layerfuse.onnx.OnnxProto.Model m = dev.layerfuse.onnx.OnnxImporter.read(t.resolve("model.onnx"));
      java.util.Set<String> inits = new java.util.HashSet<>();
      m.graph().initializers().forEach(x -> inits.add(x.name()));
      List<String> args = new ArrayList<>(List.of("run", t.resolve("model.onnx").toString()));
      int k = 0;
      for (var vi : m.graph().inputs()) {
        if (inits.contains(vi.name())) continue;
        args.add("--input");
        args.add(vi.name() + "=" + data.resolve("input_" + k++ + ".pb"));
      }
      Path outDir = tmp.resolve(t.getFileName().toString()).resolve("deep/out");
      args.add("--output-dir");
      args.add(outDir.toString());
      Out r = cli(args.toArray(String[]::new));
      if (r.status() != 0) {
        failures.add(t.getFileName() + ": exit " + r.status() + " " + r.err().trim());
        continue;
      }
      boolean ok = true;
      int o = 0;
      for (var vi : m.graph().outputs()) {
        TypedArray want = dev.layerfuse.onnx.OnnxConformanceTest.pb(data.resolve("output_" + o++ + ".pb"));
        TypedArray got = Npy.readTyped(outDir.resolve(Runner.fileName(vi.name()) + ".npy"));
        String why = dev.layerfuse.onnx.OnnxConformanceTest.compare(want, got);
        if (why != null) {
          ok = false;
          failures.add(t.getFileName() + " output " + vi.name() + ": " + why);
        }
      }
      if (ok) passed++;
    }
    System.out.println("layerfuse run over the ONNX node tests: " + passed + " / " + total + " pass");
    failures.forEach(f -> System.out.println("  " + f));
    assertTrue(passed >= Math.ceil(0.95 * total), passed + " / " + total + ":\n" + String.join("\n", failures));
  }

  @Test
  void runFeedsAnUnnamedInputAndRejectsBadInput(@TempDir Path tmp) throws Exception {
    String model = tinynet().resolve("tinynet.onnx").toString();
    Path out = tmp.resolve("o");
    Out ok = cli("run", model, "--input", tinynet().resolve("input.npy").toString(), "--output-dir", out.toString(), "--backend", "java");
    assertEquals(0, ok.status(), ok.err());
    try (var files = Files.list(out)) {
      Path y = files.findFirst().orElseThrow();
      TypedArray got = Npy.readTyped(y);
      assertEquals(DType.FLOAT32, got.type());
      Difference d = Difference.of(Npy.read(tinynet().resolve("logits.npy")).toArray(), got.toTensor().toArray());
      assertTrue(d.within(1e-4), d.toString());
    }
    Out unknown = cli("run", model, "--input", "nope=" + tinynet().resolve("input.npy"), "--output-dir", out.toString());
    assertEquals(2, unknown.status());
    assertTrue(unknown.err().contains("no input 'nope'"), unknown.err());
    Out missing = cli("run", model, "--output-dir", out.toString());
    assertEquals(2, missing.status());
    assertTrue(missing.err().contains("missing --input"), missing.err());
    Path wrong = tmp.resolve("wrong.npy");
    Npy.write(wrong, TypedArray.zeros(DType.FLOAT32, new long[] {1, 3, 5, 5}));
    Out shape = cli("run", model, "--input", wrong.toString(), "--output-dir", out.toString());
    assertEquals(2, shape.status());
    assertTrue(shape.err().contains("expected shape") && !shape.err().contains("Exception"), shape.err());
    Path junk = tmp.resolve("junk.onnx");
    Files.writeString(junk, "not a model");
    Out bad = cli("run", junk.toString(), "--output-dir", out.toString());
    assertEquals(2, bad.status());
    assertTrue(bad.err().contains("not a valid ONNX model"), bad.err());
    assertEquals(2, cli("run", model, "--input", tmp.resolve("absent.npy").toString(), "--output-dir", out.toString()).status());
    assertEquals(0, cli("run", "--help").status());
    assertEquals("a_b.c-d_e_", Runner.fileName("a/b.c-d e:"));
  }

  @Test
  void benchAgainstTheOtherBackendTimesBothFusedAndWritesTheirRatio(@TempDir Path tmp) throws Exception {
    String model = tinynet().resolve("tinynet.onnx").toString();
    Path json = tmp.resolve("against.json");
    Out r = cli("bench", model, "--backend", "java", "--against", "native", "--warmup-ms", "50", "--json", json.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("java/native") && r.out().contains("against native/"), r.out());
    @SuppressWarnings("unchecked")
    Map<String, Object> j = (Map<String, Object>) Json.parse(Files.readString(json));
    assertEquals("java", j.get("backend"));
    assertEquals("native", j.get("against"));
    double[] med = new double[2];
    String[] keys = {"fused", "against_fused"};
    for (int i = 0; i < 2; i++) {
      @SuppressWarnings("unchecked")
      Map<String, Object> st = (Map<String, Object>) j.get(keys[i]);
      assertTrue(((Number) st.get("runs")).intValue() >= 30, st.toString());
      med[i] = ((Number) st.get("median_ms")).doubleValue();
      assertTrue(med[i] > 0 && ((Number) st.get("p90_ms")).doubleValue() >= med[i], st.toString());
    }
    assertEquals(med[0] / med[1], ((Number) j.get("ratio")).doubleValue(), 1e-3 * med[0] / med[1]);
    assertTrue(((Number) j.get("relative_error")).doubleValue() < 1e-5, j.toString());
    Out same = cli("bench", model, "--backend", "native", "--against", "native");
    assertEquals(2, same.status());
    assertTrue(same.err().contains("--against must name the other backend") && same.err().contains("native"), same.err());
    Out auto = cli("bench", model, "--backend", "java", "--against", "auto");
    assertEquals(2, auto.status());
    assertTrue(auto.err().contains("--against expects native or java"), auto.err());
    assertEquals(2, cli("bench", model, "--against", "gpu").status());
  }

  @Test
  void benchAgainstAnotherThreadCountTimesBothOnOneBackend(@TempDir Path tmp) throws Exception {
    String model = tinynet().resolve("tinynet.onnx").toString();
    Path json = tmp.resolve("threads.json");
    Out r = cli("bench", model, "--backend", "java", "--threads", "2", "--against-threads", "1", "--warmup-ms", "50",
        "--json", json.toString());
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("java t2/java t1") && r.out().contains("threads 2 against 1"), r.out());
    @SuppressWarnings("unchecked")
    Map<String, Object> j = (Map<String, Object>) Json.parse(Files.readString(json));
    assertEquals("java", j.get("backend"));
    assertEquals("java", j.get("against"));
    assertEquals(2, ((Number) j.get("threads")).intValue());
    assertEquals(1, ((Number) j.get("against_threads")).intValue());
    // Two thread counts compute the same thing: equal within float rounding.
    assertTrue(((Number) j.get("relative_error")).doubleValue() < 1e-5, j.toString());
    Out same = cli("bench", model, "--backend", "java", "--threads", "2", "--against-threads", "2");
    assertEquals(2, same.status());
    assertTrue(same.err().contains("--against-threads must differ from --threads") && same.err().contains("2"), same.err());
    // --against with --against-threads may name the same backend.
    Out both = cli("bench", model, "--backend", "java", "--against", "java", "--against-threads", "2", "--warmup-ms", "50");
    assertEquals(0, both.status(), both.err());
    assertTrue(both.out().contains("java t1/java t2"), both.out());
    assertEquals(2, cli("bench", model, "--against-threads", "0").status());
  }

  @Test
  void benchWritesMediansAndSpeedupJson(@TempDir Path tmp) throws Exception {
    Path json = tmp.resolve("b/bench.json");
    Out r = cli("bench", tinynet().resolve("tinynet.onnx").toString(), "--backend", "java", "--batch", "2", "--json", json.toString(),
        "--warmup-ms", "50");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.out().contains("speedup") && r.out().contains("median ms"), r.out());
    @SuppressWarnings("unchecked")
    Map<String, Object> j = (Map<String, Object>) Json.parse(Files.readString(json));
    assertEquals("java", j.get("backend"));
    assertEquals(2L, j.get("batch"));
    assertEquals(1L, j.get("threads"));
    for (String k : new String[] {"fused", "unfused"}) {
      @SuppressWarnings("unchecked")
      Map<String, Object> s = (Map<String, Object>) j.get(k);
      assertTrue(((Number) s.get("runs")).intValue() >= 30, s.toString());
      double med = ((Number) s.get("median_ms")).doubleValue(), p90 = ((Number) s.get("p90_ms")).doubleValue();
      assertTrue(med > 0 && p90 >= med, s.toString());
    }
    @SuppressWarnings("unchecked")
    double speedup = ((Number) j.get("speedup")).doubleValue();
    @SuppressWarnings("unchecked")
    double ratio = ((Number) ((Map<String, Object>) j.get("unfused")).get("median_ms")).doubleValue()
        / ((Number) ((Map<String, Object>) j.get("fused")).get("median_ms")).doubleValue();
    assertEquals(ratio, speedup, 1e-3 * ratio);
    Out prof = cli("bench", tinynet().resolve("tinynet.onnx").toString(), "--backend", "java", "--warmup-ms", "50", "--profile");
    assertEquals(0, prof.status(), prof.err());
    assertTrue(prof.out().contains("profile (fused") && prof.out().contains("per kernel kind:")
        && prof.out().contains("conv2d"), prof.out());
    Out fixed = cli("bench", tinynet().resolve("tinynet.onnx").toString(), "--batch", "3");
    assertEquals(2, fixed.status());
    assertTrue(fixed.err().contains("fixed batch dimension 2"), fixed.err());
    assertEquals(2, cli("bench", tmp.resolve("none.onnx").toString()).status());
    assertEquals(2, cli("bench", tinynet().resolve("tinynet.onnx").toString(), "--threads", "0").status());
    assertEquals(2, cli("bench", tinynet().resolve("tinynet.onnx").toString(), "--backend", "gpu").status());
  }

  private static String entry(String name, double score, double lo, double hi) {
    return "{\"benchmark\":\"dev.layerfuse.bench.A." + name + "\",\"mode\":\"avgt\",\"params\":{\"fused\":\"true\",\"batch\":\"1\"},"
        + "\"primaryMetric\":{\"score\":" + score + ",\"scoreError\":1,\"scoreConfidence\":[" + lo + "," + hi + "],"
        + "\"scoreUnit\":\"ms/op\"}}";
  }

  /** A JMH result array of conv and gemm entries (score, low, high each). */
  private static String jmh(double... v) {
    return "[" + entry("conv", v[0], v[1], v[2]) + "," + entry("gemm", v[3], v[4], v[5]) + "]";
  }

  @Test
  void benchCompareFlagsARealSlowdownAndNotNoise(@TempDir Path tmp) throws Exception {
    Path base = tmp.resolve("base.json"), slow = tmp.resolve("slow.json"), noisy = tmp.resolve("noisy.json");
    Files.writeString(base, jmh(10.0, 9.8, 10.2, 5.0, 4.9, 5.1));
    // conv 20% slower with disjoint intervals; gemm unchanged.
    Files.writeString(slow, jmh(12.0, 11.8, 12.2, 5.0, 4.95, 5.05));
    Out r = cli("bench-compare", base.toString(), slow.toString(), "--out", tmp.resolve("report").toString());
    assertEquals(1, r.status(), r.out() + r.err());
    assertTrue(r.out().contains("A.conv") && r.out().contains("REGRESSION") && r.out().contains("+20.0%"), r.out());
    assertTrue(r.out().lines().filter(l -> l.contains("A.gemm")).noneMatch(l -> l.contains("REGRESSION")), r.out());
    assertTrue(Files.readString(tmp.resolve("report/bench-compare.md")).contains("REGRESSION"));
    assertTrue(Files.readString(tmp.resolve("report/bench-compare.svg")).contains("<svg"));
    // 20% slower but the intervals overlap (noisy run): not flagged; 3% slower with disjoint intervals: under the threshold.
    Files.writeString(noisy, jmh(12.0, 9.0, 15.0, 5.15, 5.12, 5.2));
    Out n = cli("bench-compare", base.toString(), noisy.toString());
    assertEquals(0, n.status(), n.out());
    assertTrue(Files.exists(tmp.resolve("bench-compare.md")), "defaults to beside CURRENT");
    // Entries are matched on benchmark + params in any order: the same slow run, reversed.
    Files.writeString(slow, "[" + entry("gemm", 5.0, 4.95, 5.05) + "," + entry("conv", 12.0, 11.8, 12.2) + "]");
    Out reversed = cli("bench-compare", base.toString(), slow.toString());
    assertEquals(1, reversed.status(), reversed.out() + reversed.err());
    assertTrue(reversed.out().lines().filter(l -> l.contains("A.conv")).allMatch(l -> l.contains("REGRESSION")), reversed.out());
    assertEquals(0, cli("bench-compare", base.toString(), slow.toString(), "--threshold", "25%").status(), "20% < 25%");
    Files.writeString(noisy, "{\"not\": \"an array\"}");
    assertEquals(2, cli("bench-compare", base.toString(), noisy.toString()).status());
    assertEquals(2, cli("bench-compare", base.toString()).status());
  }

  @Test
  void exportWeightsWritesFoldedArrays(@TempDir Path tmp) throws Exception {
    Path npz = tmp.resolve("w/weights.npz");
    Out r = cli("export-weights", tinynet().resolve("tinynet.onnx").toString(), "--format", "npz", "-o", npz.toString());
    assertEquals(0, r.status(), r.err());
    List<String> names = new ArrayList<>();
    long count = 0;
    try (ZipInputStream z = new ZipInputStream(Files.newInputStream(npz))) {
      for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
        names.add(e.getName());
        Path f = tmp.resolve("member.npy");
        Files.write(f, z.readAllBytes());
        TypedArray a = Npy.readTyped(f);
        assertEquals(DType.FLOAT32, a.type());
        count += a.numel();
      }
    }
    assertTrue(names.stream().allMatch(n -> n.endsWith(".weight.npy") || n.endsWith(".bias.npy")), names.toString());
    assertTrue(names.stream().noneMatch(n -> n.contains("running_mean")), "BatchNorm folded away: " + names);
    assertTrue(r.out().contains(count + " parameters"), r.out());
    assertEquals(2, cli("export-weights", tinynet().resolve("tinynet.onnx").toString(), "--format", "pt", "-o", npz.toString()).status());
    assertEquals(2, cli("export-weights", tinynet().resolve("tinynet.onnx").toString()).status());
  }
}
