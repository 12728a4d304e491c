package dev.layerfuse.cli;

import dev.layerfuse.fuse.Fuser;
import dev.layerfuse.fuse.FusionReport;
import dev.layerfuse.fuse.Verifier;
import dev.layerfuse.graph.ConvOp;
import dev.layerfuse.graph.ConvTransposeOp;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.LinearOp;
import dev.layerfuse.graph.MatMulOp;
import dev.layerfuse.graph.Node;
import dev.layerfuse.onnx.OnnxExporter;
import dev.layerfuse.onnx.OnnxFormatException;
import dev.layerfuse.onnx.OnnxImporter;
import dev.layerfuse.tensor.Shape;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code inspect}, {@code fuse} and {@code verify}: the commands that work on an ONNX file. */
final class ModelCommands {
  private ModelCommands() {}

  static Graph load(String file) {
    Path p = Path.of(file);
    if (!Files.isRegularFile(p)) throw new Main.UsageException("no such file: " + file);
    try {
      return OnnxImporter.load(p);
    } catch (OnnxFormatException e) {
      throw new Main.UsageException(file + " is not a valid ONNX model: " + e.getMessage());
    } catch (UnsupportedOperationException e) {
      throw new Main.UsageException(file + ": " + e.getMessage());
    }
  }

  /** Multiply-adds ×2 of the layers that dominate cost, for the declared input shapes. */
  static double flops(Graph g) {
    double f = 0;
    for (Node n : g.nodes()) {
      Shape y = g.shape(n.output());
      if (n.op() instanceof ConvOp c) f += 2.0 * y.numel() * c.weight().numel() / c.outChannels();
      else if (n.op() instanceof ConvTransposeOp c) f += 2.0 * g.shape(n.inputs().get(0)).numel() * c.weight().numel() / c.inChannels();
      else if (n.op() instanceof LinearOp l) f += 2.0 * y.numel() * l.inFeatures();
      else if (n.op() instanceof MatMulOp m && m.weight() != null) f += 2.0 * y.numel() * m.weight().shape().dim(-2);
    }
    return f;
  }

  static int inspect(String[] args, PrintStream out) {
    if (args.length == 1 && args[0].equals("--help")) {
      out.println("Usage: layerfuse inspect MODEL.onnx");
      out.println("Prints the op counts, parameters and FLOPs of the model, and what fusion would do.");
      return Main.OK;
    }
    if (args.length != 1) throw new Main.UsageException("expects one MODEL.onnx argument");
    Graph g = load(args[0]);
    out.println(args[0] + ": " + g.nodes().size() + " nodes, " + g.parameterCount() + " parameters, "
        + String.format(Locale.ROOT, "%.4g", flops(g) / 1e9) + " GFLOP per run");
    g.inputs().forEach((k, v) -> out.println("  input  " + k + " " + v));
    for (String o : g.outputs()) out.println("  output " + o + " " + g.shape(o));
    g.kindCounts().forEach((k, v) -> out.println(String.format(Locale.ROOT, "  %-20s %d", k, v)));
    out.print(Fuser.withDefaults().fuse(g).report());
    return Main.OK;
  }

  static int fuse(String[] args, PrintStream out) {
    if (args.length == 1 && args[0].equals("--help")) {
      out.println("Usage: layerfuse fuse MODEL.onnx -o FUSED.onnx [--report REPORT.json]");
      out.println("Writes the fused model as standard ONNX (same input/output names, weights embedded).");
      return Main.OK;
    }
    String model = null, output = null, report = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "-o": case "--output": output = value(args, ++i, "-o"); break;
        case "--report": report = value(args, ++i, "--report"); break;
        default:
          if (args[i].startsWith("-")) throw new Main.UsageException("unknown option " + args[i]);
          if (model != null) throw new Main.UsageException("expects one MODEL.onnx, got " + model + " and " + args[i]);
          model = args[i];
      }
    }
    if (model == null || output == null) throw new Main.UsageException("expects MODEL.onnx -o FUSED.onnx");
    Graph g = load(model);
    Fuser.Result r = Fuser.withDefaults().fuse(g);
    try {
      Path outPath = Path.of(output).toAbsolutePath();
      if (outPath.getParent() != null) Files.createDirectories(outPath.getParent());
      OnnxExporter.write(r.graph(), outPath);
      if (report != null) Files.writeString(Path.of(report), r.report().toJson(), StandardCharsets.UTF_8);
    } catch (IOException | OnnxFormatException e) {
      throw new Main.UsageException("cannot write: " + e.getMessage());
    }
    FusionReport rep = r.report();
    out.println("fused " + model + ": " + rep.nodesBefore() + " -> " + rep.nodesAfter() + " nodes; wrote " + output
        + (report != null ? " and " + report : ""));
    return Main.OK;
  }

  static int verify(String[] args, PrintStream out) {
    if (args.length == 1 && args[0].equals("--help")) {
      out.println("Usage: layerfuse verify MODEL.onnx [--tolerance 1e-4]");
      out.println("Runs fused and unfused on seeded inputs; prints max abs error and max|d|/max|unfused| per output.");
      out.println("Exit status 1 if and only if one exceeds the tolerance.");
      return Main.OK;
    }
    String model = null;
    double tol = 1e-4;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--tolerance")) {
        String v = value(args, ++i, "--tolerance");
        try {
          tol = Double.parseDouble(v);
        } catch (NumberFormatException e) {
          throw new Main.UsageException("--tolerance " + v + " is not a number");
        }
        if (!(tol >= 0)) throw new Main.UsageException("--tolerance must be >= 0, got " + v);
      } else if (args[i].startsWith("-")) {
        throw new Main.UsageException("unknown option " + args[i]);
      } else {
        model = args[i];
      }
    }
    if (model == null) throw new Main.UsageException("expects MODEL.onnx");
    Graph g = load(model);
    Verifier.Verification v = Verifier.verify(g, Fuser.withDefaults().fuse(g).graph(), 42);
    List<String> bad = new ArrayList<>();
    for (Map.Entry<String, dev.layerfuse.tensor.Difference> e : v.outputs().entrySet()) {
      out.println(String.format(Locale.ROOT, "%s: max abs %.3g, relative %.3g", e.getKey(), e.getValue().maxAbs(),
          e.getValue().relative()));
      if (!e.getValue().within(tol)) bad.add(e.getKey());
    }
    if (!bad.isEmpty()) {
      out.println("FAILED: " + bad + " exceed the tolerance " + tol);
      return Main.CHECK_FAILED;
    }
    out.println("ok: every output within " + tol);
    return Main.OK;
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) throw new Main.UsageException(option + " needs a value");
    return args[i];
  }
}
