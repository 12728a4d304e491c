package dev.layerfuse.cli;

import java.util.Arrays;
import java.util.Locale;

/**
 * Wall-clock latency of one call: warm-up, then at least {@code minRuns} timed calls (more while
 * the time budget lasts), reported as median and 90th percentile.
 */
final class Timing {
  private Timing() {}

  record Stats(double medianMs, double p90Ms, int runs) {
    String json() {
      return String.format(Locale.ROOT, "{\"median_ms\": %.6f, \"p90_ms\": %.6f, \"runs\": %d}", medianMs, p90Ms, runs);
    }
  }

  /**
   * Warms up for {@code warmupNanos} (at least 2 calls), then times calls until {@code minRuns}
   * are done and either {@code maxRuns} are done or {@code budgetNanos} has passed.
   */
  static Stats measure(Runnable call, int minRuns, int maxRuns, long warmupNanos, long budgetNanos, Runnable onRun) {
    long warmEnd = System.nanoTime() + warmupNanos;
    int warm = 0;
    while (warm < 2 || System.nanoTime() < warmEnd) {
      call.run();
      warm++;
    }
    double[] ms = new double[maxRuns];
    int n = 0;
    long end = System.nanoTime() + budgetNanos;
    while (n < maxRuns && (n < minRuns || System.nanoTime() < end)) {
      long t0 = System.nanoTime();
      call.run();
      ms[n++] = (System.nanoTime() - t0) / 1e6;
      if (onRun != null) onRun.run();
    }
    double[] done = Arrays.copyOf(ms, n);
    Arrays.sort(done);
    return new Stats(done[(n - 1) / 2] / 2 + done[n / 2] / 2, done[Math.min(n - 1, (int) Math.ceil(0.9 * n) - 1)], n);
  }
}
