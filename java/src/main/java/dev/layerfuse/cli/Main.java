package dev.layerfuse.cli;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code layerfuse} command. Exit status: 0 success, 1 a failed check, 2 bad usage or input.
 */
public final class Main {
  static final int OK = 0, CHECK_FAILED = 1, USAGE = 2;

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    boolean verbose = Arrays.asList(args).contains("--verbose");
    String[] rest = Arrays.stream(args).filter(a -> !a.equals("--verbose")).toArray(String[]::new);
    if (rest.length == 0 || rest[0].equals("--help") || rest[0].equals("-h") || rest[0].equals("help")) {
      usage(rest.length == 0 ? err : out);
      return rest.length == 0 ? USAGE : OK;
    }
    String[] cmdArgs = Arrays.copyOfRange(rest, 1, rest.length);
    try {
      switch (rest[0]) {
        case "demo":
          return Demo.run(cmdArgs, out, err);
        case "info":
          return Info.run(cmdArgs, out, err);
        case "inspect":
          return ModelCommands.inspect(cmdArgs, out);
        case "fuse":
          return ModelCommands.fuse(cmdArgs, out);
        case "verify":
          return ModelCommands.verify(cmdArgs, out);
        case "run":
          return RunCommand.run(cmdArgs, out);
        case "bench":
          return Bench.run(cmdArgs, out);
        case "bench-compare":
          return BenchCompare.run(cmdArgs, out);
        case "export-weights":
          return ExportWeights.run(cmdArgs, out);
        case "--version":
          out.println("layerfuse " + Main.class.getPackage().getImplementationVersion());
          return OK;
        default:
          err.println("layerfuse: unknown command '" + rest[0] + "'; run 'layerfuse --help' for the list");
          return USAGE;
      }
    } catch (UsageException e) {
      err.println("layerfuse " + rest[0] + ": " + e.getMessage());
      return USAGE;
    } catch (RuntimeException e) {
      err.println("layerfuse " + rest[0] + ": " + e.getMessage());
      if (verbose) e.printStackTrace(err);
      return USAGE;
    }
  }

  static void usage(PrintStream s) {
    s.println("Usage: layerfuse <command> [options]   (--help after a command for its options)");
    s.println();
    s.println("Commands:");
    s.println("  demo    ResNet-18 and MobileNetV2: build, fuse, report, verify, and time fused vs unfused on the");
    s.println("          native and Java backends (table of medians and speedups); GEMM+bias+ReLU native vs Java");
    s.println("  info    the active backend, ISA variants, OpenBLAS configuration and threads");
    s.println("  inspect MODEL.onnx                      ops, parameters, FLOPs, and what fusion would do");
    s.println("  fuse    MODEL.onnx -o OUT.onnx [--report R.json]   the fused model as standard ONNX");
    s.println("  verify  MODEL.onnx [--tolerance 1e-4]   fused vs unfused on seeded inputs (exit 1 if over)");
    s.println("  run     MODEL.onnx --input NAME=FILE ... --output-dir DIR [--backend B] [--no-fuse] [--threads N]");
    s.println("  bench   MODEL.onnx [--threads N] [--batch N] [--backend B] [--json FILE]   fused vs unfused latency");
    s.println("  bench-compare BASELINE.json CURRENT.json [--threshold 5%] [--out DIR]   JMH regression check");
    s.println("  export-weights MODEL.onnx --format npz -o WEIGHTS.npz   folded weights, one array per parameter");
    s.println();
    s.println("Options: --help, --version, --verbose (stack traces on errors)");
    s.println("System properties: -Dlayerfuse.backend=auto|native|java, -Dlayerfuse.isa=baseline|avx2|avx512,");
    s.println("  -Dlayerfuse.blas.threads=N, -Dlayerfuse.spin.micros=N, -Dlayerfuse.hugepages=false");
    s.println("  (via JAVA_OPTS for the ./layerfuse launcher)");
  }

  /** Bad command-line usage: reported in one line with exit status 2. */
  static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
      super(message);
    }
  }
}
