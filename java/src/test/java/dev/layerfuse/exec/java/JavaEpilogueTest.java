package dev.layerfuse.exec.java;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.layerfuse.exec.Activation;
import org.junit.jupiter.api.Test;

/** The in-place activation pass, on whole vectors (Vector API when present) and the scalar rest. */
class JavaEpilogueTest {
  @Test
  void clampMatchesTheScalarFormIncludingNaNAndTheTail() {
    for (Activation act : new Activation[] {Activation.relu(), Activation.relu6(), Activation.clamp(-0.5f, 0.25f)}) {
      for (int len : new int[] {1, 15, 16, 17, 40, 67}) {
        float[] c = new float[len + 5];
        for (int i = 0; i < c.length; i++) c[i] = (float) Math.sin(i * 1.7) * 9f;
        c[3] = Float.NaN;
        c[len] = Float.NaN;  // inside the activated range [2, 2 + len) whenever len >= 2
        float[] want = c.clone();
        for (int i = 2; i < 2 + len; i++) want[i] = act.apply(want[i]);
        JavaEpilogue.activate(act, c, 2, len);
        for (int i = 0; i < c.length; i++) {
          assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(c[i]),
              act + " len " + len + " at " + i + ": " + want[i] + " vs " + c[i] + " (vector " + JavaGemm.VECTOR + ")");
        }
      }
    }
  }
}
