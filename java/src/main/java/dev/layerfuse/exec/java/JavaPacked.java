package dev.layerfuse.exec.java;

import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Repacked copies of constant GEMM operands (a session's Linear weights, which live in a frozen
 * buffer): the operand as K rows per block of its output dimension, each row its own array
 * indexed from 0, the form the Java kernels vectorise, packed once per weight instead of on
 * every call (a transposed batch-1 weight was re-transposed per call before). Entries are
 * keyed by the parameter array's identity and dropped with it when its session is closed and
 * collected. The copy doubles the memory of the weights that take these paths.
 */
final class JavaPacked {
  /** Which part of the source array, and how it is laid out. */
  private record Key(int offset, int dim, int k, int ld, boolean dimMajor, int width) {}

  /**
   * {@code rows[blk][p][i]} is element (p, blk * width + i) of the K x dim operand; the last block
   * may be narrower.
   */
  record Blocks(int width, float[][][] rows) {
    int count() {
      return rows.length;
    }

    int start(int blk) {
      return blk * width;
    }

    int width(int blk, int dim) {
      return Math.min(width, dim - blk * width);
    }
  }

  private static final Map<float[], Map<Key, Blocks>> CACHE = new WeakHashMap<>();

  private JavaPacked() {}

  /**
   * The K x dim operand at {@code src[offset..]} in blocks of {@code width} columns: with
   * {@code dimMajor} element (p, i) is {@code src[offset + i * ld + p]} (a Linear weight used
   * transposed), otherwise
   * {@code src[offset + p * ld + i]}.
   */
  static Blocks of(float[] src, int offset, int dim, int k, int ld, boolean dimMajor, int width) {
    Key key = new Key(offset, dim, k, ld, dimMajor, width);
    synchronized (CACHE) {
      return CACHE.computeIfAbsent(src, unused -> new HashMap<>()).computeIfAbsent(key, unused -> pack(src, key));
    }
  }

  private static Blocks pack(float[] src, Key key) {
    int dim = key.dim(), k = key.k(), ld = key.ld(), width = key.width();
    int count = (dim + width - 1) / width;
    float[][][] rows = new float[count][][];
    for (int blk = 0; blk < count; blk++) {
      int i0 = blk * width, w = Math.min(width, dim - i0);
      float[][] r = new float[k][w];
      if (key.dimMajor()) {
        for (int i = 0; i < w; i++) {
          int s = key.offset() + (i0 + i) * ld;
          for (int p = 0; p < k; p++) r[p][i] = src[s + p];
        }
      } else {
        for (int p = 0; p < k; p++) System.arraycopy(src, key.offset() + p * ld + i0, r[p], 0, w);
      }
      rows[blk] = r;
    }
    return new Blocks(width, rows);
  }
}
