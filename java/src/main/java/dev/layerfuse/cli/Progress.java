package dev.layerfuse.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on a terminal ({@code \r}-redrawn line); without one (output piped, CI) it
 * degrades to a plain line at each quarter, so logs stay readable.
 */
final class Progress {
  private final PrintStream out;
  private final boolean tty;
  private final int total;
  private String label = "";
  private int done, lastQuarter = -1;

  Progress(PrintStream out, int total, boolean tty) {
    this.out = out;
    this.total = Math.max(1, total);
    this.tty = tty;
  }

  /** A bar for {@code total} steps on {@code out}; drawn as a bar only if stdout is a terminal. */
  static Progress on(PrintStream out, int total) {
    return new Progress(out, total, out == System.out && System.console() != null);
  }

  void step(String what) {
    label = what;
    if (done == total) return;  // steps past the total (a timing loop that goes on) draw nothing more
    done++;
    int pct = 100 * done / total;
    if (tty) {
      int width = 30, filled = width * done / total;
      out.printf(Locale.ROOT, "\r[%s%s] %3d%% %-50.50s", "#".repeat(filled), " ".repeat(width - filled), pct, label);
      if (done == total) out.println();
      out.flush();
    } else if (pct / 25 != lastQuarter || done == total) {
      lastQuarter = pct / 25;
      out.printf(Locale.ROOT, "  progress %3d%% (%d/%d) %s%n", pct, done, total, label);
    }
  }
}
