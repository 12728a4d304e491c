package dev.layerfuse.cli;

import java.util.Arrays;
import java.util.Locale;

/**
 * Wall-clock latency of one call: warm-up, then at least {@code minRuns} timed calls (more while
 * the time budget lasts), reported as median and 90th percentile.
 */
public final class Timing {
  private Timing() {}

  /** Median and 90th percentile of {@code runs} timed calls. */
  public record Stats(double medianMs, double p90Ms, int runs) {
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

  /** Timed calls of each in one block of {@link #measurePair}, after the block's untimed re-warm call. */
  static final int BLOCK = 3;

  /**
   * Two calls timed in interleaved blocks, A A A A B B B B, B B B B A A A A, ..., so that a machine
   * that slows down or speeds up part-way (a shared, noisy host) shifts both alike and their ratio
   * stays meaningful. The first call of each block is untimed: it refills the caches the other call
   * evicted, so each timing is of a call that follows a call of its own, as a server running one
   * model sees (and as a peer timed on its own is measured); the alternating order of the blocks
   * cancels what remains. Warms both up for {@code warmupNanos} (at least 2 calls each), then times
   * blocks of {@link #BLOCK} calls of each until {@code minRuns} of each are done and either
   * {@code maxRuns} are done or {@code budgetNanos} has passed; {@code onRun} runs after each
   * timed pair.
   */
  public static Stats[] measurePair(Runnable a, Runnable b, int minRuns, int maxRuns, long warmupNanos, long budgetNanos,
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
    for (int round = 0; n < maxRuns && (n < minRuns || System.nanoTime() < end); round++) {
      int count = Math.min(BLOCK, maxRuns - n);
      boolean aFirst = round % 2 == 0;
      block(aFirst ? a : b, aFirst ? ma : mb, n, count);
      block(aFirst ? b : a, aFirst ? mb : ma, n, count);
      for (int i = 0; i < count; i++) {
        if (onRun != null) onRun.run();
      }
      n += count;
    }
    return new Stats[] {stats(ma, n), stats(mb, n)};
  }

  /** One untimed call, then {@code count} timed ones into {@code ms[from..]}. */
  private static void block(Runnable call, double[] ms, int from, int count) {
    call.run();
    for (int i = 0; i < count; i++) ms[from + i] = time(call);
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
