package dev.layerfuse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.exec.Backends;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MainTest {
  private record Out(int status, String out, String err) {}

  private static Out run(String... args) {
    ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
    int s = Main.run(args, new PrintStream(o, true, StandardCharsets.UTF_8), new PrintStream(e, true, StandardCharsets.UTF_8));
    return new Out(s, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }

  @Test
  void helpAndUsageErrors() {
    Out help = run("--help");
    assertEquals(0, help.status());
    assertTrue(help.out().contains("demo") && help.out().contains("info"), help.out());
    Out none = run();
    assertEquals(2, none.status());
    Out unknown = run("frobnicate");
    assertEquals(2, unknown.status());
    assertTrue(unknown.err().contains("unknown command 'frobnicate'"), unknown.err());
    Out extra = run("info", "x");
    assertEquals(2, extra.status());
    assertTrue(extra.err().contains("takes no arguments"), extra.err());
    assertEquals(0, run("demo", "--help").status());
  }

  @Test
  void inspectFuseAndVerifyAnOnnxModel(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    String model = dev.layerfuse.onnx.OnnxProtoTest.shared("fixtures/tinynet/tinynet.onnx").toString();
    Out inspect = run("inspect", model);
    assertEquals(0, inspect.status(), inspect.err());
    assertTrue(inspect.out().contains("BatchNorm") && inspect.out().contains("GFLOP") && inspect.out().contains("fusion:"),
        inspect.out());
    Path fused = dir.resolve("sub/fused.onnx"), report = dir.resolve("report.json");
    Out fuse = run("fuse", model, "-o", fused.toString(), "--report", report.toString());
    assertEquals(0, fuse.status(), fuse.err());
    assertTrue(Files.size(fused) > 0 && Files.readString(report).contains("\"nodes_after\""));
    dev.layerfuse.graph.Graph back = dev.layerfuse.onnx.OnnxImporter.load(fused);
    assertTrue(!back.kindCounts().containsKey("BatchNorm"), back.kindCounts().toString());
    Out verify = run("verify", model);
    assertEquals(0, verify.status(), verify.out() + verify.err());
    assertTrue(verify.out().contains("relative") && verify.out().contains("ok"), verify.out());
    // Folding BatchNorm changes float rounding, so a zero tolerance must fail the check.
    Out strict = run("verify", model, "--tolerance", "0");
    assertEquals(1, strict.status(), strict.out());
    assertTrue(strict.out().contains("FAILED"), strict.out());
    Out missing = run("inspect", dir.resolve("nope.onnx").toString());
    assertEquals(2, missing.status());
    assertTrue(missing.err().contains("no such file"), missing.err());
    Files.writeString(dir.resolve("bad.onnx"), "not a model");
    Out bad = run("inspect", dir.resolve("bad.onnx").toString());
    assertEquals(2, bad.status());
    assertTrue(bad.err().contains("not a valid ONNX model"), bad.err());
    assertEquals(2, run("fuse", model).status());
    assertEquals(0, run("fuse", "--help").status());
  }

  @Test
  void demoRunsBothBackendsAndReportsAgreement() {
    Out demo = run("demo");
    assertEquals(0, demo.status(), demo.err());
    assertTrue(demo.out().contains("java"), demo.out());
    if (Backends.nativeAvailable()) {
      assertTrue(demo.out().contains("native/"), demo.out());
      assertTrue(demo.out().contains("native and Java results agree"), demo.out());
    }
  }

  @Test
  void launcherRunsFromAnotherDirectoryAndReturnsTheToolsStatus() throws Exception {
    Path root = Path.of(System.getProperty("layerfuse.project.root", "..")).toAbsolutePath().normalize();
    Path launcher = root.resolve("layerfuse");
    Path cwd = Files.createTempDirectory("lf-launcher");
    Process ok = new ProcessBuilder(launcher.toString(), "--help").directory(cwd.toFile()).redirectErrorStream(true).start();
    assertTrue(ok.waitFor(120, TimeUnit.SECONDS));
    String okOut = new String(ok.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, ok.exitValue(), okOut);
    assertTrue(okOut.contains("Usage: layerfuse"), okOut);
    assertTrue(!okOut.contains("building"), "the launcher must not rebuild after the build ran:\n" + okOut);
    Process bad = new ProcessBuilder(launcher.toString(), "nope").directory(cwd.toFile()).redirectErrorStream(true).start();
    assertTrue(bad.waitFor(120, TimeUnit.SECONDS));
    assertEquals(2, bad.exitValue());
    Files.delete(cwd);
  }
}
