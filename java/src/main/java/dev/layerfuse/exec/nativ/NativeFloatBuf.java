package dev.layerfuse.exec.nativ;

import dev.layerfuse.exec.FloatBuf;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * A native-backend buffer: off-heap memory aligned to 64 bytes (one AVX-512 vector), allocated
 * through JavaCPP so that {@code Pointer.totalBytes()} accounts for it, and freed by
 * {@link #close()}. Buffers of {@link #HUGE_PAGES_MIN_BYTES} and more are advised to the kernel for
 * transparent huge pages before they are first touched (a batch-1 Linear streaming its 67 MB weight
 * from DRAM at one thread: 3.0-3.3 -> 2.8-3.1 ms in an interleaved C harness); system property
 * {@value #HUGE_PAGES_PROPERTY}{@code =false} turns that off.
 */
public final class NativeFloatBuf extends FloatBuf {
  private static final int ALIGN_FLOATS = 16;
  /** Buffers from this size (4 MB) are advised for huge pages. */
  public static final long HUGE_PAGES_MIN_BYTES = 4L << 20;
  /** System property: {@code false} allocates without the huge-page advice (read at each large allocation). */
  public static final String HUGE_PAGES_PROPERTY = "layerfuse.hugepages";

  private final FloatPointer memory;
  private final long address;
  private final FloatBuffer view;

  NativeFloatBuf(long size) {
    super(size);
    if (size > Integer.MAX_VALUE - ALIGN_FLOATS) {
      throw new IllegalArgumentException(
          "native backend: a buffer of " + size + " floats exceeds the supported " + (Integer.MAX_VALUE - ALIGN_FLOATS));
    }
    FloatPointer p = new FloatPointer(size + ALIGN_FLOATS);
    if (p.isNull()) {
      throw new OutOfMemoryError("native backend: could not allocate " + (size * 4) + " bytes off-heap");
    }
    long bytes = (size + ALIGN_FLOATS) * Float.BYTES;
    if (bytes >= HUGE_PAGES_MIN_BYTES && !"false".equals(System.getProperty(HUGE_PAGES_PROPERTY))) {
      LayerfuseNative.lf_advise_huge_pages(p.address(), bytes);  // a hint: its result changes nothing here
    }
    p.zero();
    long base = p.address();
    long aligned = (base + 63) & ~63L;
    this.memory = p;
    this.address = aligned;
    int skip = (int) ((aligned - base) / Float.BYTES);
    // An empty buffer gets an empty view: JavaCPP reads a limit equal to the position as "no limit"
    // (at skip 0 the view then covered the whole allocation, and the check below failed at random).
    this.view = size == 0 ? FloatBuffer.allocate(0) : p.position(skip).limit(skip + size).asBuffer();
    if (view.capacity() != size) {
      p.close();
      throw new IllegalStateException("native backend: buffer view has " + view.capacity() + " floats, expected " + size);
    }
  }

  /** The address of element 0, for the binding; valid until {@link #close()}. */
  long address() {
    ensureOpen();
    return address;
  }

  /** The address of element {@code offset}; the caller has range-checked it. */
  long address(long offset) {
    return address() + offset * Float.BYTES;
  }

  @Override
  protected void doPut(long offset, float[] src, int srcOffset, int length) {
    view.put((int) offset, src, srcOffset, length);
  }

  @Override
  protected void doGet(long offset, float[] dst, int dstOffset, int length) {
    view.get((int) offset, dst, dstOffset, length);
  }

  @Override
  protected void doPut(long offset, java.nio.FloatBuffer src) {
    view.put((int) offset, src, src.position(), src.remaining());
  }

  @Override
  protected void doGet(long offset, java.nio.FloatBuffer dst) {
    dst.put(dst.position(), view, (int) offset, dst.remaining());
  }

  @Override
  protected void free() {
    memory.close();
  }

  @Override
  public String toString() {
    return "NativeFloatBuf[" + size() + "]";
  }
}
