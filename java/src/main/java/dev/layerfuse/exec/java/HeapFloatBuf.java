package dev.layerfuse.exec.java;

import dev.layerfuse.exec.FloatBuf;

/** A Java-backend buffer: a heap {@code float[]}. */
public final class HeapFloatBuf extends FloatBuf {
  private float[] data;

  HeapFloatBuf(long size) {
    super(size);
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "java backend: a buffer of " + size + " floats exceeds the largest Java array (" + (Integer.MAX_VALUE - 8) + ")");
    }
    this.data = new float[(int) size];
  }

  /** The backing array, aliased; for the Java kernels. */
  float[] array() {
    ensureOpen();
    return data;
  }

  @Override
  protected void doPut(long offset, float[] src, int srcOffset, int length) {
    System.arraycopy(src, srcOffset, data, (int) offset, length);
  }

  @Override
  protected void doGet(long offset, float[] dst, int dstOffset, int length) {
    System.arraycopy(data, (int) offset, dst, dstOffset, length);
  }

  @Override
  protected void doPut(long offset, java.nio.FloatBuffer src) {
    src.get(src.position(), data, (int) offset, src.remaining());
  }

  @Override
  protected void doGet(long offset, java.nio.FloatBuffer dst) {
    dst.put(dst.position(), data, (int) offset, dst.remaining());
  }

  @Override
  protected void free() {
    data = null;
  }

  @Override
  public String toString() {
    return "HeapFloatBuf[" + size() + "]";
  }
}
