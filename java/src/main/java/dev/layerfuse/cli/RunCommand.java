package dev.layerfuse.cli;

import dev.layerfuse.exec.Backend;
import dev.layerfuse.io.Npy;
import dev.layerfuse.onnx.OnnxModel;
import dev.layerfuse.tensor.TypedArray;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code layerfuse run}: runs an ONNX model on input files and writes each output as {@code .npy}. */
final class RunCommand {
  private RunCommand() {}

  static int run(String[] argv, PrintStream out) {
    if (argv.length == 1 && argv[0].equals("--help")) {
      out.println("Usage: layerfuse run MODEL.onnx --input NAME=FILE ... --output-dir DIR");
      out.println("                     [--backend auto|native|java] [--no-fuse] [--threads N]");
      out.println("Inputs are .npy or ONNX TensorProto .pb files of any numeric or bool type; --input FILE without");
      out.println("a name feeds a model's single input. Each output is written as DIR/<output name>.npy with its");
      out.println("exact ONNX shape and type (characters outside A-Za-z0-9._- in the name become _).");
      out.println("--threads N: intra-op threads of the session (default 1).");
      return Main.OK;
    }
    Args a = Args.parse(argv, Set.of("--input", "--output-dir", "--backend", "--threads"), Set.of("--no-fuse"));
    String model = a.model("MODEL.onnx --input NAME=FILE ... --output-dir DIR");
    String dir = a.one("--output-dir", null);
    if (dir == null) throw new Main.UsageException("--output-dir DIR is required");
    Backend backend = Runner.backend(a.one("--backend", "auto"));
    int threads = a.positiveInt("--threads", 1);
    try (OnnxModel m = Runner.open(model, backend, !a.has("--no-fuse"), threads)) {
      Map<String, TypedArray> feed = new LinkedHashMap<>();
      for (String spec : a.all("--input")) {
        int eq = spec.indexOf('=');
        String name, file;
        if (eq < 0) {
          if (m.inputs().size() != 1) {
            throw new Main.UsageException("--input " + spec + " has no NAME= but the model has " + m.inputs().size()
                + " inputs " + Runner.names(m));
          }
          name = m.inputs().get(0).name();
          file = spec;
        } else {
          name = spec.substring(0, eq);
          file = spec.substring(eq + 1);
        }
        if (!Runner.names(m).contains(name)) {
          throw new Main.UsageException("--input " + spec + ": the model has no input '" + name + "'; its inputs are " + Runner.names(m));
        }
        if (feed.put(name, Runner.readInput(file)) != null) throw new Main.UsageException("input '" + name + "' given twice");
      }
      for (OnnxModel.Input i : m.inputs()) {
        if (!feed.containsKey(i.name())) {
          throw new Main.UsageException("missing --input " + i.name() + "=FILE (" + i.type() + " " + i.shape() + ")");
        }
      }
      Map<String, TypedArray> result;
      try {
        result = m.run(feed);
      } catch (IllegalArgumentException e) {
        throw new Main.UsageException(e.getMessage());
      }
      Path d = Path.of(dir);
      try {
        Files.createDirectories(d);
      } catch (IOException e) {
        throw new Main.UsageException("cannot create " + dir + ": " + e.getMessage());
      }
      for (Map.Entry<String, TypedArray> e : result.entrySet()) {
        Path f = d.resolve(Runner.fileName(e.getKey()) + ".npy");
        Npy.write(f, e.getValue());
        out.println(e.getKey() + ": " + e.getValue().type() + " " + Arrays.toString(e.getValue().dims()) + " -> " + f);
      }
    }
    return Main.OK;
  }
}
