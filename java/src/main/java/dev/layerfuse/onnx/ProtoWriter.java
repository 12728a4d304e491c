package dev.layerfuse.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes the protocol-buffers wire format: fields are appended, nested messages written as bytes. */
final class ProtoWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private void raw(long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  ProtoWriter varint(int field, long v) {
    raw((long) field << 3);
    raw(v);
    return this;
  }

  ProtoWriter fixed32(int field, float v) {
    raw((long) field << 3 | ProtoReader.FIXED32);
    int b = Float.floatToRawIntBits(v);
    for (int i = 0; i < 4; i++) out.write((b >>> (8 * i)) & 0xff);
    return this;
  }

  ProtoWriter bytes(int field, byte[] b) {
    raw((long) field << 3 | ProtoReader.LEN);
    raw(b.length);
    out.write(b, 0, b.length);
    return this;
  }

  ProtoWriter string(int field, String s) {
    return bytes(field, s.getBytes(StandardCharsets.UTF_8));
  }

  ProtoWriter message(int field, ProtoWriter m) {
    return bytes(field, m.toByteArray());
  }

  /** A packed repeated int64 field. */
  ProtoWriter packedInt64(int field, long[] v) {
    ProtoWriter p = new ProtoWriter();
    for (long x : v) p.raw(x);
    return bytes(field, p.toByteArray());
  }

  byte[] toByteArray() {
    return out.toByteArray();
  }
}
