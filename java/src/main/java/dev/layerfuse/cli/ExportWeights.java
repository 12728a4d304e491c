package dev.layerfuse.cli;

import dev.layerfuse.fuse.Fuser;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.Node;
import dev.layerfuse.tensor.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

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
      dev.layerfuse.io.Npz.write(Path.of(output), params);
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
}
