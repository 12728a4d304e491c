package dev.layerfuse.exec.nativ;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.Backends;
import dev.layerfuse.exec.FloatBuf;
import dev.layerfuse.exec.KernelVariants;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

class NativeFloatBufTest {
  @Test
  void alignedZeroedCopiesAndFreesAtClose() {
    KernelVariants.requireNative();
    long before = Pointer.totalBytes();
    NativeFloatBuf buf = (NativeFloatBuf) Backends.kernels(Backend.NATIVE).allocate(1000);
    assertEquals(0, buf.address() % 64, "64-byte alignment");
    assertTrue(Pointer.totalBytes() >= before + 4000, "allocation is tracked by JavaCPP");
    float[] out = new float[1000];
    buf.get(0, out);
    for (float v : out) assertEquals(0f, v);
    buf.put(10, new float[] {1, 2, 3});
    float[] three = new float[3];
    buf.get(10, three);
    assertArrayEquals(new float[] {1, 2, 3}, three);
    assertThrows(IndexOutOfBoundsException.class, () -> buf.put(998, new float[3]));
    assertThrows(IndexOutOfBoundsException.class, () -> buf.get(0, new float[3], 2, 2));
    buf.close();
    assertEquals(before, Pointer.totalBytes(), "close() frees at once");
    buf.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> buf.get(0, three));
    assertTrue(e.getMessage().contains("NativeFloatBuf[1000] is closed"), e.getMessage());
  }

  @Test
  void largeBuffersWithAndWithoutHugePageAdviceAreZeroedAndFreed() {
    KernelVariants.requireNative();
    String saved = System.getProperty(NativeFloatBuf.HUGE_PAGES_PROPERTY);
    try {
      for (String advice : new String[] {"true", "false"}) {
        System.setProperty(NativeFloatBuf.HUGE_PAGES_PROPERTY, advice);
        long before = Pointer.totalBytes();
        int n = (int) (NativeFloatBuf.HUGE_PAGES_MIN_BYTES / Float.BYTES) * 3;  // 12 MB
        try (NativeFloatBuf buf = (NativeFloatBuf) Backends.kernels(Backend.NATIVE).allocate(n)) {
          assertEquals(0, buf.address() % 64, "64-byte alignment");
          float[] all = new float[n];
          buf.get(0, all);
          for (int i = 0; i < n; i += 1021) assertEquals(0f, all[i], "zeroed at " + i);
          assertEquals(0f, all[n - 1]);
          buf.put(n - 3, new float[] {4, 5, 6});
          float[] tail = new float[3];
          buf.get(n - 3, tail);
          assertArrayEquals(new float[] {4, 5, 6}, tail, advice);
        }
        assertEquals(before, Pointer.totalBytes(), "freed with advice " + advice);
      }
    } finally {
      if (saved == null) System.clearProperty(NativeFloatBuf.HUGE_PAGES_PROPERTY);
      else System.setProperty(NativeFloatBuf.HUGE_PAGES_PROPERTY, saved);
    }
  }

  @Test
  void emptyBuffersAllocateAndCopyNothing() {
    KernelVariants.requireNative();
    long before = Pointer.totalBytes();
    // Many times: the allocation's alignment (and so the view's offset) varies between calls.
    for (int i = 0; i < 200; i++) {
      try (FloatBuf buf = Backends.kernels(Backend.NATIVE).allocate(0)) {
        assertEquals(0, buf.size());
        buf.put(0, new float[0]);
        buf.get(0, new float[0]);
        assertThrows(IndexOutOfBoundsException.class, () -> buf.put(0, new float[1]));
      }
    }
    assertEquals(before, Pointer.totalBytes(), "empty buffers freed");
  }

  @Test
  void manyAllocationsDoNotLeak() {
    KernelVariants.requireNative();
    long before = Pointer.totalBytes();
    for (int i = 0; i < 2000; i++) {
      try (FloatBuf b = Backends.kernels(Backend.NATIVE).allocate(4096)) {
        b.put(0, new float[] {i});
      }
    }
    assertEquals(before, Pointer.totalBytes());
  }
}
