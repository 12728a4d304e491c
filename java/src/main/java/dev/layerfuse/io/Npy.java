package dev.layerfuse.io;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format versions 1-3). Reading accepts C-order float32/float64/
 * float16 and integer/bool arrays and returns float32 tensors; writing produces float32
 * ({@code <f4}). Lengths are checked against the file before any allocation.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=]?)([a-z])(\\d+)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  public static Tensor read(Path file) {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
    }
    return read(all, file.toString());
  }

  static Tensor read(byte[] all, String name) {
    ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
    if (all.length < 10) throw bad(name, "file is " + all.length + " bytes");
    for (int i = 0; i < MAGIC.length; i++) if (all[i] != MAGIC[i]) throw bad(name, "missing the \\x93NUMPY magic");
    int major = all[6];
    long headerLen;
    int start;
    if (major == 1) {
      headerLen = b.getShort(8) & 0xffff;
      start = 10;
    } else if (major == 2 || major == 3) {
      if (all.length < 12) throw bad(name, "truncated header");
      headerLen = b.getInt(8) & 0xffffffffL;
      start = 12;
    } else {
      throw bad(name, "unsupported format version " + major);
    }
    if (headerLen > all.length - start) throw bad(name, "header length " + headerLen + " exceeds the file");
    String header = new String(all, start, (int) headerLen, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    Matcher d = DESCR.matcher(header), f = FORTRAN.matcher(header), s = SHAPE.matcher(header);
    if (!d.find() || !f.find() || !s.find()) throw bad(name, "header lacks descr, fortran_order or shape: " + header.trim());
    if (f.group(1).equals("True")) throw bad(name, "Fortran-order arrays are not supported");
    if (d.group(1).equals(">")) throw bad(name, "big-endian arrays are not supported");
    char kind = d.group(2).charAt(0);
    int size = Integer.parseInt(d.group(3));
    String type = "" + kind + size;
    if (!java.util.Set.of("f4", "f8", "f2", "i8", "i4", "i2", "i1", "u1", "u2", "u4", "u8", "b1").contains(type)) {
      throw bad(name, "unsupported dtype " + d.group(0));
    }
    String dims = s.group(1).trim();
    long[] shape = dims.isEmpty() ? new long[0]
        : java.util.Arrays.stream(dims.split(",")).map(String::trim).filter(x -> !x.isEmpty()).mapToLong(x -> {
          try {
            return Long.parseLong(x);
          } catch (NumberFormatException e) {
            throw bad(name, "bad dimension '" + x + "'");
          }
        }).toArray();
    Shape sh;
    try {
      sh = Shape.of(shape);
    } catch (IllegalArgumentException e) {
      throw bad(name, e.getMessage());
    }
    long dataStart = start + headerLen;
    if (sh.numel() > Integer.MAX_VALUE - 8 || sh.numel() * size != all.length - dataStart) {
      throw bad(name, "shape " + sh + " of " + type + " needs " + sh.numel() * size + " data bytes, file has " + (all.length - dataStart));
    }
    b.position((int) dataStart);
    float[] v = new float[(int) sh.numel()];
    for (int i = 0; i < v.length; i++) {
      switch (type) {
        case "f4": v[i] = b.getFloat(); break;
        case "f8": v[i] = (float) b.getDouble(); break;
        case "f2": v[i] = dev.layerfuse.tensor.Half.toFloat(b.getShort()); break;
        case "i8": case "u8": v[i] = b.getLong(); break;
        case "i4": v[i] = b.getInt(); break;
        case "u4": v[i] = b.getInt() & 0xffffffffL; break;
        case "i2": v[i] = b.getShort(); break;
        case "u2": v[i] = b.getShort() & 0xffff; break;
        case "i1": v[i] = b.get(); break;
        default: v[i] = b.get() & 0xff; break;
      }
    }
    return Tensor.wrap(sh, v);
  }

  /** Writes {@code t} as a float32 C-order {@code .npy} (version 1.0). */
  public static void write(Path file, Tensor t) {
    StringBuilder dims = new StringBuilder();
    for (int i = 0; i < t.shape().rank(); i++) dims.append(t.shape().dim(i)).append(t.shape().rank() == 1 ? "," : i + 1 < t.shape().rank() ? ", " : "");
    String h = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
    int total = 10 + h.length() + 1;
    int pad = (64 - total % 64) % 64;
    String header = h + " ".repeat(pad) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + 4 * (int) t.numel()).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    b.put(header.getBytes(StandardCharsets.ISO_8859_1));
    for (float v : t.toArray()) b.putFloat(v);
    try {
      Files.write(file, b.array());
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot write: " + e.getMessage(), e);
    }
  }

  private static IllegalArgumentException bad(String name, String what) {
    return new IllegalArgumentException(name + ": not a valid .npy file: " + what);
  }
}
