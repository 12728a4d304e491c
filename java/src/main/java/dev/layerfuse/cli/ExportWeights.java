package dev.layerfuse.cli;

import dev.layerfuse.fuse.Fuser;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.Node;
import dev.layerfuse.io.Npy;
import dev.layerfuse.tensor.Tensor;
import dev.layerfuse.tensor.TypedArray;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** {@code layerfuse export-weights}: the fused (folded) parameters as NumPy {@code .npz}, one array per parameter. */
final class ExportWeights {
  private ExportWeights() {}

  static int run(String[] argv, PrintStream out) {
    if (argv.length == 1 && argv[0].equals("--help")) {
      out.println("Usage: layerfuse export-weights MODEL.onnx --format npz -o WEIGHTS.npz [--no-fuse]");
      out.println("Writes the folded weights of the fused model: one float32 array per parameter, named");
      out.println("<layer>.<parameter> (weight, bias, ...) as PyTorch state_dict keys are.");
      return Main.OK;
    }
    Args a = Args.parse(argv, Set.of("--format", "-o", "--output"), Set.of("--no-fuse"));
    String model = a.model("MODEL.onnx --format npz -o WEIGHTS.npz");
    String format = a.one("--format", "npz");
    if (!format.equals("npz")) throw new Main.UsageException("--format supports npz, got '" + format + "'");
    String output = a.one("-o", a.one("--output", null));
    if (output == null) throw new Main.UsageException("-o WEIGHTS.npz is required");
    Graph g = ModelCommands.load(model);
    if (!a.has("--no-fuse")) g = Fuser.withDefaults().fuse(g).graph();
    Map<String, Tensor> params = parameters(g);
    try {
      write(Path.of(output), params);
    } catch (IOException e) {
      throw new Main.UsageException("cannot write " + output + ": " + e.getMessage());
    }
    long n = params.values().stream().mapToLong(Tensor::numel).sum();
    out.println("wrote " + params.size() + " arrays (" + n + " parameters) to " + output);
    return Main.OK;
  }

  /** Every parameter of {@code g} as {@code <node>.<name>}, in node order. */
  static Map<String, Tensor> parameters(Graph g) {
    Map<String, Tensor> m = new LinkedHashMap<>();
    for (Node n : g.nodes()) n.op().parameters().forEach((k, v) -> m.put(n.name() + "." + k, v));
    return m;
  }

  /** A {@code .npz}: a zip of {@code <key>.npy} members, as {@code numpy.savez} writes. */
  static void write(Path file, Map<String, Tensor> arrays) throws IOException {
    Path abs = file.toAbsolutePath();
    if (abs.getParent() != null) Files.createDirectories(abs.getParent());
    try (OutputStream os = Files.newOutputStream(abs); ZipOutputStream zip = new ZipOutputStream(os)) {
      for (Map.Entry<String, Tensor> e : arrays.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
        zip.write(Npy.bytes(TypedArray.of(e.getValue())));
        zip.closeEntry();
      }
    }
  }
}
