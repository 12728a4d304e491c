package dev.layerfuse.onnx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Run in a child JVM with a small heap by {@link ImportFuzzTest}: feeds mutated and truncated
 * copies of a valid model to the importer. Each must load or throw the library's own exception
 * (OnnxFormatException, or UnsupportedOperationException naming unsupported ops) within 1 s; anything else, or any Error, fails the run.
 */
public final class ImportFuzzProbe {
  private ImportFuzzProbe() {}

  public static void main(String[] args) throws Exception {
    byte[] good = Files.readAllBytes(Path.of(args[0]));
    int count = Integer.parseInt(args[1]);
    SplittableRandom r = new SplittableRandom(7);
    int loaded = 0, rejected = 0;
    long slowest = 0;
    for (int i = 0; i < count; i++) {
      byte[] m = mutate(good, r, i);
      long t0 = System.nanoTime();
      try {
        OnnxImporter.importModel(OnnxProto.parseModel(m, "mutant " + i), null);
        loaded++;
      } catch (OnnxFormatException | UnsupportedOperationException e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) throw new AssertionError("mutant " + i + ": no message", e);
        rejected++;
      } catch (Throwable t) {
        System.out.println("ESCAPED mutant " + i + ": " + t);
        t.printStackTrace(System.out);
        System.exit(3);
      }
      slowest = Math.max(slowest, System.nanoTime() - t0);
    }
    System.out.println("loaded=" + loaded + " rejected=" + rejected + " slowest_ms=" + slowest / 1_000_000);
  }

  static byte[] mutate(byte[] good, SplittableRandom r, int i) {
    switch (i % 4) {
      case 0:
        return java.util.Arrays.copyOf(good, r.nextInt(good.length));
      case 1: {
        byte[] m = good.clone();
        for (int k = 0; k < 1 + r.nextInt(8); k++) m[r.nextInt(m.length)] = (byte) r.nextInt(256);
        return m;
      }
      case 2: {
        // Varint-shaped damage: huge lengths and dims.
        byte[] m = good.clone();
        int at = r.nextInt(m.length - 6);
        for (int k = 0; k < 5; k++) m[at + k] = (byte) 0xff;
        m[at + 5] = 0x0f;
        return m;
      }
      default: {
        byte[] m = good.clone();
        int a = r.nextInt(m.length), b = r.nextInt(m.length);
        byte t = m[a];
        m[a] = m[b];
        m[b] = t;
        return m;
      }
    }
  }
}
