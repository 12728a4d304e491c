package dev.layerfuse.io;

import dev.layerfuse.tensor.DType;
import dev.layerfuse.tensor.Tensor;
import dev.layerfuse.tensor.TypedArray;
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
 * float16 and integer/bool arrays, as float32 tensors or with their exact type; writing keeps the
 * type. Lengths are checked against the file before any allocation.
 */
public final class Npy {
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([<>|=]?)([a-z])(\\d+)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  private Npy() {}

  /** Reads a float-convertible {@code .npy} as a float32 tensor (integer and bool values converted). */
  public static Tensor read(Path file) {
    return readTyped(file).toTensor();
  }

  /** Reads a {@code .npy} with its exact element type. */
  public static TypedArray readTyped(Path file) {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage(), e);
    }
    return read(all, file.toString());
  }

  static TypedArray read(byte[] all, String name) {
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
    DType type;
    try {
      type = DType.fromNpy(d.group(2) + d.group(3));
    } catch (IllegalArgumentException e) {
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
    long n;
    try {
      n = TypedArray.count(shape);
    } catch (IllegalArgumentException | ArithmeticException e) {
      throw bad(name, e.getMessage());
    }
    long dataStart = start + headerLen;
    if (n * type.size() != all.length - dataStart) {
      throw bad(name, "shape " + java.util.Arrays.toString(shape) + " of " + type.npyCode() + " needs " + n * type.size()
          + " data bytes, file has " + (all.length - dataStart));
    }
    b.position((int) dataStart);
    return TypedArray.decode(type, shape, b);
  }

  /** Writes {@code t} as a float32 C-order {@code .npy} (version 1.0). */
  public static void write(Path file, Tensor t) {
    write(file, TypedArray.of(t));
  }

  /** Writes {@code t} with its element type as a C-order {@code .npy} (version 1.0). */
  public static void write(Path file, TypedArray t) {
    try {
      Files.write(file, bytes(t));
    } catch (IOException e) {
      throw new IllegalArgumentException(file + ": cannot write: " + e.getMessage(), e);
    }
  }

  /** The {@code .npy} encoding of {@code t} (also the member format of {@code .npz}). */
  public static byte[] bytes(TypedArray t) {
    StringBuilder dims = new StringBuilder();
    for (int i = 0; i < t.rank(); i++) dims.append(t.dim(i)).append(t.rank() == 1 ? "," : i + 1 < t.rank() ? ", " : "");
    String descr = (t.type().size() == 1 ? "|" : "<") + t.type().npyCode();
    String h = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
    int total = 10 + h.length() + 1;
    int pad = (64 - total % 64) % 64;
    String header = h + " ".repeat(pad) + "\n";
    if (header.length() > 0xffff) throw new IllegalArgumentException("npy header too long for " + t);
    ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(10 + header.length() + t.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    b.put(header.getBytes(StandardCharsets.ISO_8859_1));
    t.encode(b);
    return b.array();
  }

  private static IllegalArgumentException bad(String name, String what) {
    return new IllegalArgumentException(name + ": not a valid .npy file: " + what);
  }
}
