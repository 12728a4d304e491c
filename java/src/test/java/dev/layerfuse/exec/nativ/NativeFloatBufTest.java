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
