package dev.layerfuse.exec;

/**
 * A range {@code [offset, offset + length)} of a {@link FloatBuf}, checked against the buffer's
 * size when made. Plans build their slices once per workspace, so kernel calls allocate nothing.
 */
public record Slice(FloatBuf buf, long offset, long length) {
  public Slice {
    if (buf == null) throw new IllegalArgumentException("slice of a null buffer");
    if (offset < 0 || length < 0 || offset > buf.size() - length) {
      throw new IndexOutOfBoundsException("slice [" + offset + ", " + (offset + length) + ") is outside " + buf);
    }
  }

  /** The whole buffer. */
  public static Slice of(FloatBuf buf) {
    return new Slice(buf, 0, buf.size());
  }

  /** A sub-range, relative to this slice. */
  public Slice sub(long off, long len) {
    if (off < 0 || len < 0 || off > length - len) {
      throw new IndexOutOfBoundsException("sub-slice [" + off + ", " + (off + len) + ") is outside a slice of " + length);
    }
    return new Slice(buf, offset + off, len);
  }
}
