package dev.layerfuse.io;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a {@code .safetensors} file (an 8-byte little-endian header length, a JSON header of
 * name → dtype/shape/data_offsets, then the data) into float32 tensors. F32 is copied; F16, BF16
 * and F64 are converted; integer and BOOL tensors (such as BatchNorm's int64
 * {@code num_batches_tracked}) are converted to float too. Every length and offset is checked
 * against the file before anything is read, so a corrupt or hostile file gets a clear exception
 * and never a huge allocation.
 */
public final class SafeTensors {
  private static final long MAX_HEADER = 100L << 20;

  private SafeTensors() {}

  /** A tensor's header entry. */
  public record Entry(String name, String dtype, Shape shape, long begin, long end) {}

  public static Map<String, Tensor> read(Path file) {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < 8) throw bad(file, "file is " + size + " bytes, shorter than the 8-byte header length");
      ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, lenBuf, 0);
      long headerLen = lenBuf.flip().getLong();
      if (headerLen < 2 || headerLen > MAX_HEADER || headerLen > size - 8) {
        throw bad(file, "header length " + headerLen + " does not fit a file of " + size + " bytes");
      }
      ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
      readFully(ch, hb, 8);
      Object parsed;
      try {
        parsed = Json.parse(new String(hb.array(), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw bad(file, "header is not valid JSON: " + e.getMessage());
      }
      if (!(parsed instanceof Map<?, ?> header)) throw bad(file, "header is not a JSON object");
      long dataStart = 8 + headerLen, dataLen = size - dataStart;
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : header.entrySet()) {
        String name = (String) e.getKey();
        if (name.equals("__metadata__")) continue;
        Entry entry = entry(file, name, e.getValue(), dataLen);
        out.put(name, load(ch, entry, dataStart));
      }
      return out;
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static IllegalArgumentException bad(Path file, String what) {
    return new IllegalArgumentException(file + ": not a valid safetensors file: " + what);
  }

  static int dtypeSize(String dtype) {
    switch (dtype) {
      case "F64": case "I64": case "U64": return 8;
      case "F32": case "I32": case "U32": return 4;
      case "F16": case "BF16": case "I16": case "U16": return 2;
      case "I8": case "U8": case "BOOL": return 1;
      default: return -1;
    }
  }

  private static Entry entry(Path file, String name, Object v, long dataLen) {
    if (!(v instanceof Map<?, ?> m)) throw bad(file, "entry '" + name + "' is not an object");
    Object dt = m.get("dtype"), sh = m.get("shape"), off = m.get("data_offsets");
    if (!(dt instanceof String dtype)) throw bad(file, "entry '" + name + "' has no dtype");
    int es = dtypeSize(dtype);
    if (es < 0) throw bad(file, "entry '" + name + "' has unsupported dtype " + dtype);
    if (!(sh instanceof List<?> dims)) throw bad(file, "entry '" + name + "' has no shape");
    long[] d = new long[dims.size()];
    for (int i = 0; i < d.length; i++) {
      if (!(dims.get(i) instanceof Long x) || x < 0) throw bad(file, "entry '" + name + "' has a bad dimension " + dims.get(i));
      d[i] = x;
    }
    Shape shape;
    try {
      shape = Shape.of(d);
    } catch (IllegalArgumentException ex) {
      throw bad(file, "entry '" + name + "': " + ex.getMessage());
    }
    if (!(off instanceof List<?> o) || o.size() != 2 || !(o.get(0) instanceof Long b) || !(o.get(1) instanceof Long en)) {
      throw bad(file, "entry '" + name + "' has bad data_offsets " + off);
    }
    if (b < 0 || en < b || en > dataLen) {
      throw bad(file, "entry '" + name + "' data_offsets [" + b + ", " + en + "] fall outside the " + dataLen + " data bytes");
    }
    if (shape.numel() > Integer.MAX_VALUE - 8 || en - b != shape.numel() * es) {
      throw bad(file, "entry '" + name + "' has " + (en - b) + " bytes, shape " + shape + " of " + dtype + " needs "
          + (shape.numel() > (Long.MAX_VALUE / 8) ? "too many" : Long.toString(shape.numel() * es)));
    }
    return new Entry(name, dtype, shape, b, en);
  }

  private static Tensor load(FileChannel ch, Entry e, long dataStart) throws IOException {
    int n = (int) e.shape().numel();
    ByteBuffer buf = ByteBuffer.allocate((int) (e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, buf, dataStart + e.begin());
    buf.flip();
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      switch (e.dtype()) {
        case "F32": v[i] = buf.getFloat(); break;
        case "F64": v[i] = (float) buf.getDouble(); break;
        case "F16": v[i] = dev.layerfuse.tensor.Half.toFloat(buf.getShort()); break;
        case "BF16": v[i] = dev.layerfuse.tensor.Half.bfloat16ToFloat(buf.getShort()); break;
        case "I64": v[i] = buf.getLong(); break;
        case "U64": v[i] = buf.getLong() & Long.MAX_VALUE; break;
        case "I32": v[i] = buf.getInt(); break;
        case "U32": v[i] = buf.getInt() & 0xffffffffL; break;
        case "I16": v[i] = buf.getShort(); break;
        case "U16": v[i] = buf.getShort() & 0xffff; break;
        case "I8": v[i] = buf.get(); break;
        default: v[i] = buf.get() & 0xff; break;
      }
    }
    return Tensor.wrap(e.shape(), v);
  }


  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    while (buf.hasRemaining()) {
      int r = ch.read(buf, pos);
      if (r < 0) throw new IOException("unexpected end of file at byte " + pos);
      pos += r;
    }
  }
}
