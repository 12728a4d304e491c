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
    return stats(ms, n);
  }

  /**
   * Two calls timed interleaved, A B B A A B B A ..., so that a machine that slows down or speeds
   * up part-way (a shared, noisy host) shifts both alike and their ratio stays meaningful; the
   * alternating order cancels what one call leaves in the caches for the next. Warms both up for
   * {@code warmupNanos} (at least 2 calls each), then times pairs until {@code minRuns} of each are
   * done and either {@code maxRuns} are done or {@code budgetNanos} has passed.
   */
  static Stats[] measurePair(Runnable a, Runnable b, int minRuns, int maxRuns, long warmupNanos, long budgetNanos,
                             Runnable onRun) {
    long warmEnd = System.nanoTime() + warmupNanos;
    int warm = 0;
    while (warm < 2 || System.nanoTime() < warmEnd) {
      a.run();
      b.run();
      warm++;
    }
    double[] ma = new double[maxRuns], mb = new double[maxRuns];
    int n = 0;
    long end = System.nanoTime() + budgetNanos;
    while (n < maxRuns && (n < minRuns || System.nanoTime() < end)) {
      boolean aFirst = n % 2 == 0;
      double first = time(aFirst ? a : b), second = time(aFirst ? b : a);
      ma[n] = aFirst ? first : second;
      mb[n] = aFirst ? second : first;
      n++;
      if (onRun != null) onRun.run();
    }
    return new Stats[] {stats(ma, n), stats(mb, n)};
  }

  private static double time(Runnable call) {
    long t0 = System.nanoTime();
    call.run();
    return (System.nanoTime() - t0) / 1e6;
  }

  /** Median and 90th percentile of the first {@code n} timings. */
  static Stats stats(double[] ms, int n) {
    double[] done = Arrays.copyOf(ms, n);
    Arrays.sort(done);
    return new Stats(done[(n - 1) / 2] / 2 + done[n / 2] / 2, done[Math.min(n - 1, (int) Math.ceil(0.9 * n) - 1)], n);
  }
}
