package dev.layerfuse.onnx;

import dev.layerfuse.tensor.DType;
import dev.layerfuse.tensor.TypedArray;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Decodes a {@link OnnxProto.Tensor}'s data: from raw bytes, the typed fields, or external data
 * beside the model. Element counts are checked for overflow and against the bytes present before
 * any array is allocated; external locations that leave the model's directory are rejected.
 */
public final class OnnxTensors {
  /** The largest tensor decoded (elements); larger ones are refused rather than risking the heap. */
  public static final long MAX_ELEMENTS = 1L << 30;

  private OnnxTensors() {}

  /** Element count of {@code dims}, checked for overflow and against {@link #MAX_ELEMENTS}. */
  public static long numel(String name, long[] dims) {
    long n = 1;
    for (long d : dims) {
      if (d < 0) throw new OnnxFormatException("tensor '" + name + "': negative dimension " + d);
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw new OnnxFormatException("tensor '" + name + "': dims " + java.util.Arrays.toString(dims) + " overflow");
      }
    }
    if (n > MAX_ELEMENTS) {
      throw new OnnxFormatException("tensor '" + name + "': " + n + " elements exceed the supported " + MAX_ELEMENTS);
    }
    return n;
  }

  static int elemSize(int type) {
    switch (type) {
      case OnnxProto.FLOAT: case OnnxProto.INT32: case OnnxProto.UINT32: return 4;
      case OnnxProto.DOUBLE: case OnnxProto.INT64: case OnnxProto.UINT64: return 8;
      case OnnxProto.FLOAT16: case OnnxProto.BFLOAT16: case OnnxProto.INT16: case OnnxProto.UINT16: return 2;
      case OnnxProto.INT8: case OnnxProto.UINT8: case OnnxProto.BOOL: return 1;
      default: return -1;
    }
  }

  static boolean isFloating(int type) {
    return type == OnnxProto.FLOAT || type == OnnxProto.DOUBLE || type == OnnxProto.FLOAT16 || type == OnnxProto.BFLOAT16;
  }

  /** The raw little-endian bytes of the tensor's data (from raw_data or external data), or null if typed fields hold it. */
  static ByteBuffer rawBytes(OnnxProto.Tensor t, Path modelDir, long numel) {
    int es = elemSize(t.dataType());
    if (es < 0) throw new OnnxFormatException("tensor '" + t.name() + "': unsupported data type " + t.dataType());
    long want = numel * es;
    byte[] raw = t.raw();
    if (t.isExternal()) raw = external(t, modelDir, want);
    if (raw == null) return null;
    if (raw.length != want) {
      throw new OnnxFormatException("tensor '" + t.name() + "': " + raw.length + " data bytes, dims "
          + java.util.Arrays.toString(t.dims()) + " of type " + t.dataType() + " need " + want);
    }
    return ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static byte[] external(OnnxProto.Tensor t, Path modelDir, long want) {
    String loc = t.external().get("location");
    if (loc == null || loc.isEmpty()) throw new OnnxFormatException("tensor '" + t.name() + "': external data without a location");
    if (modelDir == null) throw new OnnxFormatException("tensor '" + t.name() + "': external data needs the model's directory");
    Path p = Path.of(loc);
    if (p.isAbsolute() || loc.contains("..")) {
      throw new OnnxFormatException("tensor '" + t.name() + "': external data location '" + loc + "' leaves the model directory");
    }
    try {
      Path dir = modelDir.toRealPath();
      Path file = dir.resolve(p).normalize();
      if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new OnnxFormatException("tensor '" + t.name() + "': external data file '" + loc + "' not found");
      }
      Path real = file.toRealPath();
      if (!real.startsWith(dir)) {
        throw new OnnxFormatException("tensor '" + t.name() + "': external data location '" + loc + "' links out of the model directory");
      }
      long offset = parse(t, "offset", 0), length = parse(t, "length", want);
      try (FileChannel ch = FileChannel.open(real, StandardOpenOption.READ)) {
        if (offset < 0 || length != want || offset > ch.size() - length) {
          throw new OnnxFormatException("tensor '" + t.name() + "': external range [" + offset + ", " + (offset + length)
              + ") does not fit '" + loc + "' of " + ch.size() + " bytes or the " + want + " bytes the dims need");
        }
        ByteBuffer b = ByteBuffer.allocate((int) length);
        while (b.hasRemaining()) {
          if (ch.read(b, offset + b.position()) < 0) throw new OnnxFormatException("tensor '" + t.name() + "': short external file");
        }
        return b.array();
      }
    } catch (IOException e) {
      throw new OnnxFormatException("tensor '" + t.name() + "': cannot read external data '" + loc + "': " + e.getMessage(), e);
    }
  }

  private static long parse(OnnxProto.Tensor t, String key, long dflt) {
    String v = t.external().get(key);
    if (v == null) return dflt;
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new OnnxFormatException("tensor '" + t.name() + "': external " + key + " '" + v + "' is not a number");
    }
  }

  /** The values as floats (any numeric or bool type converted). */
  public static float[] floats(OnnxProto.Tensor t, Path modelDir) {
    long n = numel(t.name(), t.dims());
    ByteBuffer raw = rawBytes(t, modelDir, n);
    float[] out = new float[(int) n];
    if (raw != null) {
      for (int i = 0; i < out.length; i++) out[i] = (float) read(raw, t.dataType());
      return out;
    }
    double[] typed = typed(t, n);
    for (int i = 0; i < out.length; i++) out[i] = (float) typed[i];
    return out;
  }

  /** The values with their exact element type. */
  public static TypedArray typed(OnnxProto.Tensor t, Path modelDir) {
    DType type;
    try {
      type = DType.fromOnnx(t.dataType());
    } catch (IllegalArgumentException e) {
      throw new OnnxFormatException("tensor '" + t.name() + "': unsupported data type " + t.dataType());
    }
    long n = numel(t.name(), t.dims());
    if (n > TypedArray.MAX_ELEMENTS) throw new OnnxFormatException("tensor '" + t.name() + "': " + n + " elements exceed " + TypedArray.MAX_ELEMENTS);
    ByteBuffer raw = rawBytes(t, modelDir, n);
    if (raw != null) return TypedArray.decode(type, t.dims(), raw);
    if (type.isFloating() && type != DType.FLOAT16) return TypedArray.ofReals(type, t.dims(), typed(t, n));
    long[] v;
    switch (type) {
      case INT64: v = check(t, t.int64Data(), n).clone(); break;
      case UINT64: case UINT32: v = check(t, t.uint64Data(), n).clone(); break;
      case FLOAT16: {
        double[] d = typed(t, n);
        return TypedArray.ofReals(type, t.dims(), d);
      }
      default: v = check(t, t.int32Data(), n).clone(); break;
    }
    return TypedArray.ofInts(type, t.dims(), v);
  }

  /** The values as longs (integer and bool types; floats truncated). */
  public static long[] longs(OnnxProto.Tensor t, Path modelDir) {
    long n = numel(t.name(), t.dims());
    ByteBuffer raw = rawBytes(t, modelDir, n);
    long[] out = new long[(int) n];
    if (raw != null) {
      for (int i = 0; i < out.length; i++) {
        out[i] = t.dataType() == OnnxProto.INT64 || t.dataType() == OnnxProto.UINT64 ? raw.getLong() : (long) read(raw, t.dataType());
      }
      return out;
    }
    if (t.dataType() == OnnxProto.INT64) return check(t, t.int64Data(), n);
    double[] typed = typed(t, n);
    for (int i = 0; i < out.length; i++) out[i] = (long) typed[i];
    return out;
  }

  private static long[] check(OnnxProto.Tensor t, long[] v, long n) {
    if (v.length != n) throw new OnnxFormatException("tensor '" + t.name() + "': " + v.length + " values, dims need " + n);
    return v;
  }

  private static double[] typed(OnnxProto.Tensor t, long n) {
    double[] out = new double[(int) n];
    int type = t.dataType();
    long have;
    switch (type) {
      case OnnxProto.FLOAT:
        have = t.floatData().length;
        if (have == n) for (int i = 0; i < n; i++) out[i] = t.floatData()[i];
        break;
      case OnnxProto.DOUBLE:
        have = t.doubleData().length;
        if (have == n) System.arraycopy(t.doubleData(), 0, out, 0, (int) n);
        break;
      case OnnxProto.INT64:
        have = t.int64Data().length;
        if (have == n) for (int i = 0; i < n; i++) out[i] = t.int64Data()[i];
        break;
      case OnnxProto.UINT64: case OnnxProto.UINT32:
        have = t.uint64Data().length;
        if (have == n) for (int i = 0; i < n; i++) out[i] = t.uint64Data()[i];
        break;
      case OnnxProto.FLOAT16: case OnnxProto.BFLOAT16:
        have = t.int32Data().length;
        if (have == n) {
          for (int i = 0; i < n; i++) {
            short bits = (short) t.int32Data()[i];
            out[i] = type == OnnxProto.FLOAT16 ? dev.layerfuse.tensor.Half.toFloat(bits) : dev.layerfuse.tensor.Half.bfloat16ToFloat(bits);
          }
        }
        break;
      default:
        if (elemSize(type) < 0) throw new OnnxFormatException("tensor '" + t.name() + "': unsupported data type " + type);
        have = t.int32Data().length;
        if (have == n) for (int i = 0; i < n; i++) out[i] = t.int32Data()[i];
    }
    if (have != n) throw new OnnxFormatException("tensor '" + t.name() + "': " + have + " values, dims need " + n);
    return out;
  }

  private static double read(ByteBuffer b, int type) {
    switch (type) {
      case OnnxProto.FLOAT: return b.getFloat();
      case OnnxProto.DOUBLE: return b.getDouble();
      case OnnxProto.FLOAT16: return dev.layerfuse.tensor.Half.toFloat(b.getShort());
      case OnnxProto.BFLOAT16: return dev.layerfuse.tensor.Half.bfloat16ToFloat(b.getShort());
      case OnnxProto.INT64: return b.getLong();
      case OnnxProto.UINT64: return b.getLong() & Long.MAX_VALUE;
      case OnnxProto.INT32: return b.getInt();
      case OnnxProto.UINT32: return b.getInt() & 0xffffffffL;
      case OnnxProto.INT16: return b.getShort();
      case OnnxProto.UINT16: return b.getShort() & 0xffff;
      case OnnxProto.INT8: return b.get();
      default: return b.get() & 0xff;
    }
  }

}
