package dev.layerfuse.onnx;

import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked reader of the protocol-buffers wire format over a byte array. Every length
 * is checked against the bytes that remain before anything is allocated, varints are limited
 * to 10 bytes, and nesting depth is bounded by the caller, so truncated or hostile input ends
 * in an {@link OnnxFormatException} rather than an exhausted heap or stack.
 */
final class ProtoReader {
  static final int VARINT = 0, FIXED64 = 1, LEN = 2, FIXED32 = 5;

  private final byte[] buf;
  private int pos;
  private final int end;
  private final String what;

  ProtoReader(byte[] buf, String what) {
    this(buf, 0, buf.length, what);
  }

  private ProtoReader(byte[] buf, int pos, int end, String what) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
    this.what = what;
  }

  boolean more() {
    return pos < end;
  }

  int remaining() {
    return end - pos;
  }

  OnnxFormatException error(String message) {
    return new OnnxFormatException(what + ": " + message + " (at byte " + pos + ")");
  }

  /** The next field's tag: field number << 3 | wire type. */
  int tag() {
    long t = varint();
    if (t <= 0 || t > Integer.MAX_VALUE) throw error("invalid field tag " + t);
    int wt = (int) (t & 7);
    if (wt != VARINT && wt != FIXED64 && wt != LEN && wt != FIXED32) throw error("unsupported wire type " + wt);
    return (int) t;
  }

  long varint() {
    long v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos >= end) throw error("truncated varint");
      byte b = buf[pos++];
      v |= (long) (b & 0x7f) << shift;
      if (b >= 0) return v;
    }
    throw error("varint longer than 10 bytes");
  }

  int fixed32() {
    if (end - pos < 4) throw error("truncated fixed32");
    int v = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16 | (buf[pos + 3] & 0xff) << 24;
    pos += 4;
    return v;
  }

  long fixed64() {
    long lo = fixed32() & 0xffffffffL, hi = fixed32() & 0xffffffffL;
    return lo | hi << 32;
  }

  /** The length of the next length-delimited field, checked against what remains. */
  int length() {
    long n = varint();
    if (n < 0 || n > end - pos) throw error("field length " + n + " exceeds the " + (end - pos) + " bytes left");
    return (int) n;
  }

  /** A reader over the next length-delimited field (no copy). */
  ProtoReader message(String name) {
    int n = length();
    ProtoReader r = new ProtoReader(buf, pos, pos + n, what + " > " + name);
    pos += n;
    return r;
  }

  byte[] bytes() {
    int n = length();
    byte[] b = java.util.Arrays.copyOfRange(buf, pos, pos + n);
    pos += n;
    return b;
  }

  String string() {
    int n = length();
    String s = new String(buf, pos, n, StandardCharsets.UTF_8);
    pos += n;
    return s;
  }

  /** The backing array and the range of the next length-delimited field, consumed. */
  int[] range() {
    int n = length();
    int[] r = {pos, n};
    pos += n;
    return r;
  }

  byte[] array() {
    return buf;
  }

  void skip(int tag) {
    switch (tag & 7) {
      case VARINT: varint(); break;
      case FIXED64: if (end - pos < 8) throw error("truncated fixed64"); pos += 8; break;
      case FIXED32: if (end - pos < 4) throw error("truncated fixed32"); pos += 4; break;
      default: pos += length();
    }
  }

  /** Appends a repeated int64 field, packed or not, to {@code out}. */
  void int64s(int tag, LongList out) {
    if ((tag & 7) == LEN) {
      ProtoReader r = message("packed int64");
      while (r.more()) out.add(r.varint());
    } else {
      out.add(varint());
    }
  }

  /** Appends a repeated float field, packed or not, to {@code out}. */
  void floats(int tag, FloatList out) {
    if ((tag & 7) == LEN) {
      int n = length();
      if (n % 4 != 0) throw error("packed floats of " + n + " bytes");
      for (int i = 0; i < n / 4; i++) out.add(Float.intBitsToFloat(fixed32()));
    } else {
      out.add(Float.intBitsToFloat(fixed32()));
    }
  }

  /** Appends a repeated double field, packed or not. */
  void doubles(int tag, java.util.List<Double> out) {
    if ((tag & 7) == LEN) {
      int n = length();
      if (n % 8 != 0) throw error("packed doubles of " + n + " bytes");
      for (int i = 0; i < n / 8; i++) out.add(Double.longBitsToDouble(fixed64()));
    } else {
      out.add(Double.longBitsToDouble(fixed64()));
    }
  }

  /** A growable long array (no boxing). */
  static final class LongList {
    private long[] a = new long[8];
    private int n;

    void add(long v) {
      if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
      a[n++] = v;
    }

    long[] toArray() {
      return java.util.Arrays.copyOf(a, n);
    }

    int size() {
      return n;
    }
  }

  /** A growable float array (no boxing). */
  static final class FloatList {
    private float[] a = new float[8];
    private int n;

    void add(float v) {
      if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
      a[n++] = v;
    }

    float[] toArray() {
      return java.util.Arrays.copyOf(a, n);
    }

    int size() {
      return n;
    }
  }
}
