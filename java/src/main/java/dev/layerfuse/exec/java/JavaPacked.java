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
 * collected. Each form made (usually one: the Vector API's panels for convs) doubles the memory
 * of the weights that take these paths.
 */
final class JavaPacked {
  /** Which part of the source array, and how it is laid out. */
  private record Key(int offset, int dim, int k, int ld, boolean dimMajor, int width) {}

  /**
   * The operand in blocks of {@code width} columns (the last may be narrower), in either of two
   * forms, each made on first use: {@link #rows} for the plain kernel, {@link #panels} for the
   * Vector API's register tile.
   */
  static final class Blocks {
    private final float[] src;
    private final Key key;
    private final int count;
    private volatile float[][][] rows;
    private volatile float[][][] panels;
    /** The K block and tile width of {@link #panels}, set with it. */
    private int[] panelShape;

    private Blocks(float[] src, Key key) {
      this.src = src;
      this.key = key;
      this.count = (key.dim() + key.width() - 1) / key.width();
    }

    int count() {
      return count;
    }

    int start(int blk) {
      return blk * key.width();
    }

    int width(int blk, int dim) {
      return Math.min(key.width(), dim - blk * key.width());
    }

    /** {@code rows()[blk][p][i]} is element (p, blk * width + i) of the K x dim operand. */
    float[][][] rows() {
      float[][][] r = rows;
      if (r == null) {
        synchronized (this) {
          if (rows == null) rows = packRows();
          r = rows;
        }
      }
      return r;
    }

    /**
     * {@code panels()[blk][kb]}: block blk's rows {@code kb * kc .. kb * kc + kc - 1} (kc = min(kcMax,
     * K - kb * kc)) as consecutive tiles of {@code tile} columns, each kc x tile floats row after row,
     * the last tile's columns past the block's width zero: the register tile's loads then stream
     * one contiguous array (copying each tile out of the per-row arrays on every call, with few
     * rows of A to amortise it, was most of a 7x7 conv's time).
     */
    float[][][] panels(int kcMax, int tile) {
      float[][][] pn = panels;
      if (pn == null) {
        synchronized (this) {
          if (panels == null) {
            panelShape = new int[] {kcMax, tile};
            panels = packPanels(kcMax, tile);
          }
          pn = panels;
        }
      }
      if (panelShape[0] != kcMax || panelShape[1] != tile) {  // one form per operand: its first caller's
        throw new IllegalStateException("panels of " + panelShape[0] + " x " + panelShape[1] + " were made, asked for "
            + kcMax + " x " + tile);
      }
      return pn;
    }

    private float get(int p, int i) {
      return key.dimMajor() ? src[key.offset() + i * key.ld() + p] : src[key.offset() + p * key.ld() + i];
    }

    private float[][][] packRows() {
      int dim = key.dim(), k = key.k(), ld = key.ld(), width = key.width();
      float[][][] out = new float[count][][];
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
        out[blk] = r;
      }
      return out;
    }

    private float[][][] packPanels(int kcMax, int tile) {
      int dim = key.dim(), k = key.k(), width = key.width(), kbs = (k + kcMax - 1) / kcMax;
      float[][][] out = new float[count][kbs][];
      for (int blk = 0; blk < count; blk++) {
        int i0 = blk * width, w = Math.min(width, dim - i0), tiles = (w + tile - 1) / tile;
        for (int kb = 0; kb < kbs; kb++) {
          int p0 = kb * kcMax, kc = Math.min(kcMax, k - p0);
          float[] pn = new float[tiles * kc * tile];
          for (int t = 0; t < tiles; t++)
            for (int p = 0; p < kc; p++)
              for (int c = 0; c < tile && t * tile + c < w; c++) pn[(t * kc + p) * tile + c] = get(p0 + p, i0 + t * tile + c);
          out[blk][kb] = pn;
        }
      }
      return out;
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
      return CACHE.computeIfAbsent(src, unused -> new HashMap<>()).computeIfAbsent(key, unused -> new Blocks(src, key));
    }
  }
}
