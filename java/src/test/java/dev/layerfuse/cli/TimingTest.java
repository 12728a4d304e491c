package dev.layerfuse.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench's timing: interleaved A/B blocks, each timing credited to its own call, median and p90. */
class TimingTest {
  @Test
  void pairsAreTimedInAlternatingOrderAndCreditedToTheirOwnCall() {
    List<Character> order = new ArrayList<>();
    int[] progress = {0};
    // A spins for 3 ms each call, B returns at once: A's every timing is >= 3 ms whatever the host does.
    Runnable a = () -> {
      order.add('A');
      long end = System.nanoTime() + 3_000_000L;
      while (System.nanoTime() < end) Thread.onSpinWait();
    };
    Runnable b = () -> order.add('B');
    Timing.Stats[] s = Timing.measurePair(a, b, 7, 7, 0, 0, () -> progress[0]++);
    assertEquals(7, s[0].runs());
    assertEquals(7, s[1].runs());
    assertEquals(7, progress[0], "one progress step per timed pair");
    // Two warm-up pairs (A B), then blocks of one re-warm call and BLOCK = 3 timed calls, the order
    // alternating; the last block is cut to the one run still wanted.
    assertEquals("ABAB" + "AAAABBBB" + "BBBBAAAA" + "AABB",
        order.stream().map(String::valueOf).reduce("", String::concat));
    assertTrue(s[0].medianMs() >= 3.0, "A's median " + s[0].medianMs());
    assertTrue(s[0].medianMs() > s[1].medianMs(), "B is the no-op: " + s[1].medianMs());
  }

  @Test
  void progressPastItsTotalDrawsNothingMore() {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    Progress p = new Progress(new java.io.PrintStream(bytes, true), 4, false);
    for (int i = 0; i < 40; i++) p.step("x");
    String[] lines = bytes.toString().strip().split("\n");
    assertEquals(4, lines.length, bytes.toString());  // 25%, 50%, 75%, 100%, once each
    assertTrue(lines[3].contains("100% (4/4)"), lines[3]);
  }

  @Test
  void medianAndP90() {
    Timing.Stats s = Timing.stats(new double[] {5, 1, 4, 2, 3, 10, 9, 8, 7, 6, 99}, 10);
    assertEquals(5.5, s.medianMs(), 1e-12);
    assertEquals(9.0, s.p90Ms(), 1e-12);
    assertEquals(10, s.runs());
    assertEquals(3.0, Timing.stats(new double[] {3, 1, 5}, 3).medianMs(), 1e-12);
  }
}
