package dev.layerfuse.cli;

import dev.layerfuse.exec.Backends;
import java.io.PrintStream;

/** {@code layerfuse info}: what would run here. */
final class Info {
  private Info() {}

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length > 0 && args[0].equals("--help")) {
      out.println("Usage: layerfuse info");
      out.println("Prints the backend AUTO resolves to, the native ISA variants, OpenBLAS and its threads.");
      return Main.OK;
    }
    if (args.length > 0) throw new Main.UsageException("takes no arguments, got '" + args[0] + "'");
    out.println(Backends.describe());
    return Main.OK;
  }
}
