package dev.layerfuse.io;

import dev.layerfuse.tensor.Tensor;
import dev.layerfuse.tensor.TypedArray;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** NumPy {@code .npz} archives as {@code numpy.savez} writes them: a zip of {@code <key>.npy} members. */
public final class Npz {
  private Npz() {}

  /** Writes one float32 array per entry, in map order; parent directories are created. */
  public static void write(Path file, Map<String, Tensor> arrays) throws IOException {
    Path abs = file.toAbsolutePath();
    if (abs.getParent() != null) Files.createDirectories(abs.getParent());
    try (OutputStream os = Files.newOutputStream(abs); ZipOutputStream zip = new ZipOutputStream(os)) {
      for (Map.Entry<String, Tensor> e : arrays.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
        zip.write(Npy.bytes(TypedArray.of(e.getValue())));
        zip.closeEntry();
      }
    }
  }
}
