package dev.layerfuse.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A frozen buffer refuses writes (what lets the Java kernels cache repacked weights) but still reads. */
class FloatBufFreezeTest {
  @ParameterizedTest
  @EnumSource(value = Backend.class, names = {"NATIVE", "JAVA"})
  void frozenBufferRejectsPutButReads(Backend backend) {
    Kernels k = Backends.kernels(backend);
    try (FloatBuf buf = k.allocate(4)) {
      buf.put(0, new float[] {1, 2, 3, 4});
      assertFalse(buf.isFrozen());
      buf.freeze();
      assertTrue(buf.isFrozen());
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> buf.put(0, new float[] {9}));
      assertTrue(e.getMessage().contains("read-only"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> buf.put(1, java.nio.FloatBuffer.wrap(new float[] {9})));
      float[] out = new float[4];
      buf.get(0, out);
      assertArrayEquals(new float[] {1, 2, 3, 4}, out);
    }
  }
}
