package dev.layerfuse.exec;

/**
 * A float buffer owned by one backend's kernels: heap memory for the Java backend, 64-byte
 * aligned off-heap memory for the native backend. Allocate with {@link Kernels#allocate(long)};
 * {@link #put} and {@link #get} copy between Java arrays and the buffer.
 *
 * <p>Closing frees the memory (for native buffers at once, not when the garbage collector
 * runs); {@code close()} is idempotent and any later use throws {@link IllegalStateException}.
 * A buffer is not safe for concurrent {@code close()} and use.
 */
public abstract class FloatBuf implements AutoCloseable {
  private final long size;
  private volatile boolean closed;
  private volatile boolean frozen;

  protected FloatBuf(long size) {
    if (size < 0) throw new IllegalArgumentException("buffer size must be >= 0, got " + size);
    this.size = size;
  }

  /** Capacity in floats. */
  public final long size() {
    return size;
  }

  /**
   * Makes this buffer read-only: every later {@code put} throws. A session freezes its parameter
   * buffer after uploading the weights, which lets a backend keep repacked copies of them (the
   * Java kernels do) without ever serving a stale copy. Irreversible.
   */
  public final void freeze() {
    ensureOpen();
    frozen = true;
  }

  private void checkWritable() {
    if (frozen) throw new IllegalStateException("put: the buffer is read-only (frozen: it holds a session's parameters)");
  }

  /** Whether {@link #freeze()} was called. */
  public final boolean isFrozen() {
    return frozen;
  }

  public final boolean isClosed() {
    return closed;
  }

  /** Copies {@code length} floats from {@code src[srcOffset..]} into this buffer at {@code offset}. */
  public final void put(long offset, float[] src, int srcOffset, int length) {
    checkWritable();
    checkArray("put", offset, src, srcOffset, length);
    doPut(offset, src, srcOffset, length);
  }

  /** Copies all of {@code src} into this buffer at {@code offset}. */
  public final void put(long offset, float[] src) {
    put(offset, src, 0, src.length);
  }

  /**
   * Copies {@code src}'s remaining floats (heap or direct; its position is not changed) into this
   * buffer at {@code offset}.
   */
  public final void put(long offset, java.nio.FloatBuffer src) {
    checkWritable();
    if (src == null) throw new IllegalArgumentException("put: buffer is null");
    checkRange("put", offset, src.remaining());
    doPut(offset, src);
  }

  /** Copies floats at {@code offset} into {@code dst}'s remaining space (its position is not changed). */
  public final void get(long offset, java.nio.FloatBuffer dst) {
    if (dst == null) throw new IllegalArgumentException("get: buffer is null");
    if (dst.isReadOnly()) throw new IllegalArgumentException("get: the destination buffer is read-only");
    checkRange("get", offset, dst.remaining());
    doGet(offset, dst);
  }

  protected abstract void doPut(long offset, java.nio.FloatBuffer src);

  protected abstract void doGet(long offset, java.nio.FloatBuffer dst);

  /** Copies {@code length} floats at {@code offset} into {@code dst[dstOffset..]}. */
  public final void get(long offset, float[] dst, int dstOffset, int length) {
    checkArray("get", offset, dst, dstOffset, length);
    doGet(offset, dst, dstOffset, length);
  }

  /** Copies {@code dst.length} floats at {@code offset} into {@code dst}. */
  public final void get(long offset, float[] dst) {
    get(offset, dst, 0, dst.length);
  }

  /** Throws unless {@code [offset, offset + length)} lies inside this open buffer. */
  public final void checkRange(String what, long offset, long length) {
    checkRange(what, null, offset, length);
  }

  /**
   * As {@link #checkRange(String, long, long)}, naming the operand {@code context + ": " + what};
   * the message is only built on failure, so a passing check allocates nothing.
   */
  public final void checkRange(String what, Object context, long offset, long length) {
    ensureOpen();
    if (offset < 0 || length < 0 || offset > size - length) {
      throw new IndexOutOfBoundsException((context == null ? "" : context + ": ") + what + ": range [" + offset + ", "
          + (offset + length) + ") is outside the buffer of " + size + " floats");
    }
  }

  public final void ensureOpen() {
    if (closed) throw new IllegalStateException(this + " is closed");
  }

  private void checkArray(String op, long offset, float[] array, int arrayOffset, int length) {
    if (array == null) throw new IllegalArgumentException(op + ": array is null");
    if (arrayOffset < 0 || length < 0 || arrayOffset > array.length - length) {
      throw new IndexOutOfBoundsException(
          op + ": array range [" + arrayOffset + ", " + ((long) arrayOffset + length) + ") is outside an array of " + array.length);
    }
    checkRange(op, offset, length);
  }

  protected abstract void doPut(long offset, float[] src, int srcOffset, int length);

  protected abstract void doGet(long offset, float[] dst, int dstOffset, int length);

  /** Frees the memory; called once. */
  protected abstract void free();

  @Override
  public final void close() {
    synchronized (this) {
      if (closed) return;
      closed = true;
    }
    free();
  }
}
