package dev.layerfuse.exec.java;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.BiasMode;
import dev.layerfuse.exec.ConvGeometry;
import dev.layerfuse.exec.Gemm;

/**
 * Pure-Java convolutions over NCHW float arrays at offsets, mirroring the native kernels:
 * im2col tiled over output pixels into the caller's scratch, then {@link JavaGemm} with the
 * bias/residual/activation epilogue; 1x1 stride-1 convs use the input directly; depthwise convs
 * are direct; transposed convs scatter then apply the epilogue.
 */
final class JavaConv {
  private JavaConv() {}

  /**
   * The GEMMs of one conv call for a given epilogue and scratch size: the full pixel tile and the
   * last, shorter one. Kept on the geometry, so steady-state calls allocate nothing.
   */
  private record Tiles(Activation act, boolean bias, boolean res, long scratchLen, int tile, Gemm full, Gemm last) {
    boolean fits(Activation a, boolean b, boolean r, long s) {
      return act.equals(a) && bias == b && res == r && scratchLen == s;
    }
  }

  /** Holder of the latest {@link Tiles} of one geometry. */
  private static final class TileSlot {
    volatile Tiles tiles;
  }

  private static Tiles tiles(ConvGeometry g, Activation act, boolean bias, boolean res, long scratchLen) {
    TileSlot slot = g.cached(unused -> new TileSlot());
    Tiles t = slot.tiles;
    if (t != null && t.fits(act, bias, res, scratchLen)) return t;
    int groups = g.groups(), cinG = (int) (g.inC() / groups), coutG = (int) (g.outC() / groups);
    int k = (int) g.im2colRows(), ohw = (int) (g.outH() * g.outW());
    BiasMode bm = bias ? BiasMode.PER_ROW : BiasMode.NONE;
    if (g.pointwise()) {
      Gemm full = Gemm.of(coutG, ohw, cinG).ldb(ohw).ldc(ohw).ldr(ohw).bias(bm).residual(res).activation(act).build();
      t = new Tiles(act, bias, res, scratchLen, ohw, full, null);
    } else {
      int tile = (int) Math.min(ohw, scratchLen / k);
      if (tile > 16) tile -= tile % 16;
      Gemm full = Gemm.of(coutG, tile, k).ldc(ohw).ldr(ohw).bias(bm).residual(res).activation(act).build();
      int rest = ohw % tile;
      Gemm last = rest == 0 ? null : Gemm.of(coutG, rest, k).ldc(ohw).ldr(ohw).bias(bm).residual(res).activation(act).build();
      t = new Tiles(act, bias, res, scratchLen, tile, full, last);
    }
    slot.tiles = t;
    return t;
  }

  static void conv2d(ConvGeometry g, Activation act, float[] x, int xo, float[] w, int wo, float[] bias, int bo,
                     float[] pad, int po, float[] res, int ro, float[] y, int yo, float[] scratch, int so, long scratchLen) {
    Tiles t = tiles(g, act, bias != null, res != null, scratchLen);
    long[] a = g.abiArray();
    int groups = (int) a[15], cin = (int) a[1], cout = (int) a[4];
    int cinG = cin / groups, coutG = cout / groups;
    int k = (int) g.im2colRows(), hw = (int) (a[2] * a[3]), ohw = (int) (a[16] * a[17]);
    for (int n = 0; n < a[0]; n++) {
      for (int grp = 0; grp < groups; grp++) {
        int xg = xo + (n * cin + grp * cinG) * hw;
        int yoff = (n * cout + grp * coutG) * ohw;
        if (g.pointwise()) {
          JavaGemm.gemm(t.full(), w, wo + grp * coutG * k, x, xg, bias, bo + grp * coutG, res, ro + yoff, y, yo + yoff);
          continue;
        }
        for (int p0 = 0; p0 < ohw; p0 += t.tile()) {
          int cols = Math.min(t.tile(), ohw - p0);
          im2colTile(a, x, xg, cinG, pad, pad == null ? 0 : po + grp * cinG, p0, cols, scratch, so);
          JavaGemm.gemm(cols == t.tile() ? t.full() : t.last(), w, wo + grp * coutG * k, scratch, so, bias,
              bo + grp * coutG, res, ro + yoff + p0, y, yo + yoff + p0);
        }
      }
    }
  }

  /** Rows (c, i, j) x output pixels [p0, p0 + cols) of one image and group's im2col matrix. */
  static void im2colTile(long[] a, float[] x, int xo, int cinG, float[] pad, int po, int p0, int cols,
                         float[] out, int oo) {
    int h = (int) a[2], w = (int) a[3], ow = (int) a[17], kh = (int) a[5], kw = (int) a[6];
    int sh = (int) a[7], sw = (int) a[8], pt = (int) a[9], pl = (int) a[10], dh = (int) a[13], dw = (int) a[14];
    int row = 0;
    for (int c = 0; c < cinG; c++) {
      float pv = pad == null ? 0f : pad[po + c];
      int plane = xo + c * h * w;
      for (int i = 0; i < kh; i++) {
        for (int j = 0; j < kw; j++, row++) {
          int dst = oo + row * cols;
          int oy = p0 / ow, ox = p0 % ow;
          for (int q = 0; q < cols; ) {
            int iy = oy * sh - pt + i * dh;
            int run = Math.min(ow - ox, cols - q);
            if (iy < 0 || iy >= h) {
              java.util.Arrays.fill(out, dst + q, dst + q + run, pv);
            } else {
              int src = plane + iy * w;
              for (int r = 0; r < run; r++) {
                int ix = (ox + r) * sw - pl + j * dw;
                out[dst + q + r] = ix < 0 || ix >= w ? pv : x[src + ix];
              }
            }
            q += run;
            ox += run;
            if (ox == ow) {
              ox = 0;
              oy++;
            }
          }
        }
      }
    }
  }

  /** Depthwise conv, row by row: each tap adds {@code w · input row} (or {@code w · pad}) to the output row. */
  /** Per-thread rows for {@link #depthwise}: an output-row accumulator and one gathered input row per kernel column. */
  private static final class DwRows {
    float[] acc = new float[0];
    float[][] taps = new float[0][];

    void ensure(int ow, int kw) {
      if (acc.length < ow) acc = new float[ow];
      if (taps.length < kw || (kw > 0 && taps[0].length < ow)) {
        taps = new float[Math.max(kw, taps.length)][Math.max(ow, acc.length)];
      }
    }
  }

  private static final ThreadLocal<DwRows> DW_ROWS = ThreadLocal.withInitial(DwRows::new);

  /**
   * Depthwise conv, one output row at a time: for each kernel row the input row is gathered once
   * per kernel column into its own array (stride, dilation and pad values applied there), so the
   * multiply-adds run on arrays indexed from 0, the form C2 vectorises. Channels are split over
   * the session's intra-op threads.
   */
  static void depthwise(ConvGeometry g, Activation act, float[] x, int xo, float[] w, int wo, float[] bias, int bo,
                        float[] pad, int po, float[] res, int ro, float[] y, int yo) {
    int c = (int) g.inC(), h = (int) g.inH(), wd = (int) g.inW(), kh = g.kh(), kw = g.kw();
    int oh = (int) g.outH(), ow = (int) g.outW();
    int[] s = g.stride(), p = g.pads(), d = g.dilation();
    for (int n = 0; n < g.n(); n++) {
      final int img = n;
      dev.layerfuse.exec.Parallel.forEach(c, ch -> {
        DwRows r = DW_ROWS.get();
        r.ensure(ow, kw);
        float[] acc = r.acc;
        float[][] taps = r.taps;
        int xp = xo + (img * c + ch) * h * wd, yp = yo + (img * c + ch) * oh * ow, wk = wo + ch * kh * kw;
        float pv = pad == null ? 0f : pad[po + ch], bv = bias == null ? 0f : bias[bo + ch];
        for (int oy = 0; oy < oh; oy++) {
          java.util.Arrays.fill(acc, 0, ow, bv);
          for (int i = 0; i < kh; i++) {
            int iy = oy * s[0] - p[0] + i * d[0];
            if (iy < 0 || iy >= h) {
              if (pv != 0f) {
                float wsum = 0f;
                for (int j = 0; j < kw; j++) wsum += w[wk + i * kw + j];
                addConstant(acc, wsum * pv, ow);
              }
              continue;
            }
            int xr = xp + iy * wd;
            for (int j = 0; j < kw; j++) {
              int off = j * d[1] - p[1], st = s[1];
              float[] t = taps[j];
              for (int ox = 0; ox < ow; ox++) {
                int ix = ox * st + off;
                t[ox] = ix >= 0 && ix < wd ? x[xr + ix] : pv;
              }
            }
            if (kw == 3) {
              fma3(acc, w[wk + i * kw], w[wk + i * kw + 1], w[wk + i * kw + 2], taps[0], taps[1], taps[2], ow);
            } else {
              for (int j = 0; j < kw; j++) fma1(acc, w[wk + i * kw + j], taps[j], ow);
            }
          }
          int row = yp + oy * ow;
          if (res != null) {
            int rr = ro + yp - yo + oy * ow;
            for (int ox = 0; ox < ow; ox++) acc[ox] += res[rr + ox];
          }
          System.arraycopy(acc, 0, y, row, ow);
          JavaEpilogue.activate(act, y, row, ow);
        }
      });
    }
  }

  private static void addConstant(float[] acc, float v, int n) {
    for (int i = 0; i < n; i++) acc[i] += v;
  }

  private static void fma1(float[] acc, float w, float[] t, int n) {
    for (int i = 0; i < n; i++) acc[i] = Math.fma(w, t[i], acc[i]);
  }

  private static void fma3(float[] acc, float w0, float w1, float w2, float[] t0, float[] t1, float[] t2, int n) {
    for (int i = 0; i < n; i++) acc[i] += Math.fma(w2, t2[i], Math.fma(w1, t1[i], w0 * t0[i]));
  }

  static void convTranspose(ConvGeometry g, Activation act, float[] x, int xo, float[] w, int wo, float[] bias, int bo,
                            float[] y, int yo) {
    int cin = (int) g.inC(), cout = (int) g.outC(), groups = g.groups();
    int cinG = cin / groups, coutG = cout / groups, h = (int) g.inH(), wd = (int) g.inW();
    int oh = (int) g.outH(), ow = (int) g.outW(), kh = g.kh(), kw = g.kw();
    int[] s = g.stride(), p = g.pads(), d = g.dilation();
    int spatial = oh * ow;
    java.util.Arrays.fill(y, yo, yo + (int) g.outSize(), 0f);
    for (int n = 0; n < g.n(); n++) {
      for (int ci = 0; ci < cin; ci++) {
        int grp = ci / cinG, xPlane = xo + (n * cin + ci) * h * wd;
        for (int col = 0; col < coutG; col++) {
          int oPlane = yo + (n * cout + grp * coutG + col) * spatial, wBase = wo + (ci * coutG + col) * kh * kw;
          for (int iy = 0; iy < h; iy++) {
            for (int ix = 0; ix < wd; ix++) {
              float v = x[xPlane + iy * wd + ix];
              for (int i = 0; i < kh; i++) {
                int oy = iy * s[0] - p[0] + i * d[0];
                if (oy < 0 || oy >= oh) continue;
                for (int j = 0; j < kw; j++) {
                  int ox = ix * s[1] - p[1] + j * d[1];
                  if (ox >= 0 && ox < ow) y[oPlane + oy * ow + ox] += v * w[wBase + i * kw + j];
                }
              }
            }
          }
        }
      }
      for (int co = 0; co < cout; co++) {
        int off = yo + (n * cout + co) * spatial;
        if (bias != null) {
          float b = bias[bo + co];
          for (int i = off; i < off + spatial; i++) y[i] += b;
        }
        JavaEpilogue.activate(act, y, off, spatial);
      }
    }
  }
}
