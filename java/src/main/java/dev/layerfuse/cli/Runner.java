package dev.layerfuse.cli;

import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.Backends;
import dev.layerfuse.onnx.OnnxFormatException;
import dev.layerfuse.onnx.OnnxModel;
import dev.layerfuse.onnx.OnnxProto;
import dev.layerfuse.onnx.OnnxTensors;
import dev.layerfuse.io.Npy;
import dev.layerfuse.tensor.DType;
import dev.layerfuse.tensor.TypedArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/** What {@code run} and {@code bench} share: loading a model for a backend, reading inputs, threads. */
final class Runner {
  private Runner() {}

  static Backend backend(String v) {
    try {
      return Backend.valueOf(v.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new Main.UsageException("--backend expects auto, native or java, got '" + v + "'");
    }
  }

  /** Loads {@code file} for {@code backend}; a missing file or a bad model is bad input (exit 2). */
  static OnnxModel open(String file, Backend backend, boolean fuse, int threads) {
    Path p = Path.of(file);
    if (!Files.isRegularFile(p)) throw new Main.UsageException("no such file: " + file);
    try {
      return OnnxModel.load(p, backend, fuse, threads);
    } catch (OnnxFormatException e) {
      throw new Main.UsageException(file + " is not a valid ONNX model: " + e.getMessage());
    } catch (UnsupportedOperationException e) {
      throw new Main.UsageException(file + ": " + e.getMessage());
    }
  }

  /** Reads an input file: {@code .npy} (by its magic) or an ONNX TensorProto. */
  static TypedArray readInput(String file) {
    Path p = Path.of(file);
    if (!Files.isRegularFile(p)) throw new Main.UsageException("no such input file: " + file);
    byte[] b;
    try {
      b = Files.readAllBytes(p);
    } catch (IOException e) {
      throw new Main.UsageException("cannot read " + file + ": " + e.getMessage());
    }
    if (b.length >= 6 && (b[0] & 0xff) == 0x93 && b[1] == 'N' && b[2] == 'U') {
      try {
        return Npy.readTyped(p);
      } catch (IllegalArgumentException e) {
        throw new Main.UsageException(e.getMessage());
      }
    }
    try {
      return OnnxTensors.typed(OnnxProto.parseTensor(b, file), null);
    } catch (OnnxFormatException | IllegalArgumentException e) {
      throw new Main.UsageException(file + " is neither a .npy file nor an ONNX TensorProto: " + e.getMessage());
    }
  }

  /**
   * One timed call of {@code m} on {@code feed}: on float arrays ({@link OnnxModel#runFloats}, the
   * inputs converted and the outputs allocated once, here) where the model allows it, so a
   * benchmark times the request's copies in and out but not TypedArray's conversions; otherwise
   * {@link OnnxModel#run}.
   */
  static Runnable timedCall(OnnxModel m, Map<String, TypedArray> feed) {
    if (!m.runsOnFloats()) return () -> m.run(feed);
    Map<String, long[]> dims = new LinkedHashMap<>();
    Map<String, float[]> in = new LinkedHashMap<>();
    feed.forEach((k, v) -> {
      dims.put(k, v.dims());
      in.put(k, v.toTensor().toArray());
    });
    Map<String, float[]> out = new LinkedHashMap<>();
    m.run(feed).forEach((k, v) -> out.put(k, new float[v.numel()]));
    return () -> m.runFloats(dims, in, out);
  }

  /** Seeded inputs: uniform [-1, 1) floats, small non-negative integers; dim 0 = {@code batch} when given, other symbolic dims 1. */
  static Map<String, TypedArray> seeded(OnnxModel m, Integer batch, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Map<String, TypedArray> feed = new LinkedHashMap<>();
    for (OnnxModel.Input i : m.inputs()) {
      long[] d = i.dims();
      for (int k = 0; k < d.length; k++) {
        if (k == 0 && batch != null) {
          if (d[0] >= 0 && d[0] != batch && d.length >= 2) {
            throw new Main.UsageException("input '" + i.name() + "' has a fixed batch dimension " + d[0] + ", --batch " + batch);
          }
          if (d.length >= 2) d[0] = batch;
        }
        if (d[k] < 0) d[k] = 1;
      }
      int n = TypedArray.count(d);
      if (i.type().isFloating()) {
        double[] v = new double[n];
        for (int k = 0; k < n; k++) v[k] = r.nextDouble() * 2 - 1;
        feed.put(i.name(), TypedArray.ofReals(i.type(), d, v));
      } else {
        long[] v = new long[n];
        for (int k = 0; k < n; k++) v[k] = i.type() == DType.BOOL ? r.nextInt(2) : r.nextInt(4);
        feed.put(i.name(), TypedArray.ofInts(i.type(), d, v));
      }
    }
    return feed;
  }

  /** {@code name} with every character outside {@code A-Za-z0-9._-} replaced by {@code _}. */
  static String fileName(String name) {
    StringBuilder b = new StringBuilder(name.length());
    for (char c : name.toCharArray()) {
      b.append((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ? c : '_');
    }
    return b.toString();
  }

  static String describe(Backend b) {
    return Backends.kernels(b).describe();
  }

  static List<String> names(OnnxModel m) {
    return m.inputs().stream().map(OnnxModel.Input::name).toList();
  }
}
