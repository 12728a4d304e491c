package dev.layerfuse.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts a child JVM on the module's build output, with or without the native library. */
public final class Jvm {
  public record Result(int exit, String out, String err) {}

  private Jvm() {}

  public static Path target() {
    return Path.of(System.getProperty("user.dir"), "target");
  }

  public static String classpath(boolean withNative) throws IOException {
    Path t = target();
    String deps = Files.readString(t.resolve("launcher.classpath"), StandardCharsets.UTF_8).trim();
    StringBuilder cp = new StringBuilder()
        .append(t.resolve("test-classes")).append(':').append(t.resolve("classes"));
    if (withNative) cp.append(':').append(t.resolve("native"));
    return cp.append(':').append(deps).toString();
  }

  public static Result run(boolean withNative, List<String> jvmArgs, Map<String, String> env,
                           Class<?> main, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Dorg.bytedeco.javacpp.cachedir=" + target().resolve("javacpp-cache"));
    if (Runtime.version().feature() >= 22) cmd.add("--enable-native-access=ALL-UNNAMED");
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(classpath(withNative));
    cmd.add(main.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("LAYERFUSE_MAX_ISA");
    pb.environment().putAll(env);
    Path out = Files.createTempFile("lf-jvm", ".out"), err = Files.createTempFile("lf-jvm", ".err");
    try {
      pb.redirectOutput(out.toFile()).redirectError(err.toFile());
      Process p = pb.start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("child JVM did not finish in 120 s: " + cmd);
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
