package dev.layerfuse.exec.java;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.BiasMode;
import dev.layerfuse.exec.Gemm;

/**
 * Pure-Java convolutions over NCHW float arrays. Conv2d is im2col + {@link JavaGemm} with the
 * bias/residual/activation epilogue, per image and group; the column buffer is the caller's.
 * ConvTranspose2d is a direct scatter loop followed by the epilogue.
 */
public final class JavaConv {
  private JavaConv() {}

  /** Geometry of one 2-D convolution (all sizes already validated by shape inference). */
  public record Geometry(int n, int cin, int h, int w, int cout, int kh, int kw, int[] stride, int[] pads,
                         int[] dilation, int groups, int oh, int ow) {
    public int colRows() {
      return cin / groups * kh * kw;
    }

    public int colSize() {
      return colRows() * oh * ow;
    }
  }

  /**
   * out = act(conv(x) + bias + residual). {@code padValues} (per input channel) replaces the zero
   * padding when non-null; {@code col} must hold {@link Geometry#colSize()} floats.
   */
  public static void conv2d(Geometry g, float[] x, float[] weight, float[] bias, float[] padValues,
                            float[] residual, Activation act, float[] out, float[] col) {
    int cinG = g.cin() / g.groups(), coutG = g.cout() / g.groups();
    int spatial = g.oh() * g.ow(), k = g.colRows();
    Gemm gemm = Gemm.of(coutG, spatial, k).bias(bias == null ? BiasMode.NONE : BiasMode.PER_ROW)
        .residual(residual != null).activation(act).build();
    for (int n = 0; n < g.n(); n++) {
      for (int grp = 0; grp < g.groups(); grp++) {
        im2col(g, x, (n * g.cin() + grp * cinG) * g.h() * g.w(), grp * cinG, padValues, col);
        int outOff = (n * g.cout() + grp * coutG) * spatial;
        JavaGemm.gemm(gemm, weight, grp * coutG * k, col, 0, bias, grp * coutG, residual, outOff, out, outOff);
      }
    }
  }

  /** col[(c·kh + i)·kw + j][oy·ow + ox] = x[c][oy·s - pt + i·d][ox·s - pl + j·d], or the pad value. */
  static void im2col(Geometry g, float[] x, int xOff, int c0, float[] padValues, float[] col) {
    int cinG = g.cin() / g.groups(), h = g.h(), w = g.w(), oh = g.oh(), ow = g.ow();
    int sh = g.stride()[0], sw = g.stride()[1], pt = g.pads()[0], pl = g.pads()[1];
    int dh = g.dilation()[0], dw = g.dilation()[1];
    int row = 0;
    for (int c = 0; c < cinG; c++) {
      float pad = padValues == null ? 0f : padValues[c0 + c];
      int plane = xOff + c * h * w;
      for (int i = 0; i < g.kh(); i++) {
        for (int j = 0; j < g.kw(); j++, row++) {
          int dst = row * oh * ow;
          for (int oy = 0; oy < oh; oy++) {
            int iy = oy * sh - pt + i * dh;
            if (iy < 0 || iy >= h) {
              java.util.Arrays.fill(col, dst, dst + ow, pad);
              dst += ow;
              continue;
            }
            int src = plane + iy * w;
            for (int ox = 0; ox < ow; ox++) {
              int ix = ox * sw - pl + j * dw;
              col[dst++] = ix < 0 || ix >= w ? pad : x[src + ix];
            }
          }
        }
      }
    }
  }

  /**
   * Transposed convolution: out = act(convT(x) + bias). {@code weight} is
   * [Cin, Cout/groups, kh, kw]; {@code g.cin/cout/oh/ow} describe the transposed direction
   * (input Cin x h x w, output Cout x oh x ow).
   */
  public static void convTranspose2d(Geometry g, float[] x, float[] weight, float[] bias, Activation act, float[] out) {
    int cinG = g.cin() / g.groups(), coutG = g.cout() / g.groups();
    int sh = g.stride()[0], sw = g.stride()[1], pt = g.pads()[0], pl = g.pads()[1];
    int dh = g.dilation()[0], dw = g.dilation()[1];
    int oh = g.oh(), ow = g.ow(), kh = g.kh(), kw = g.kw();
    java.util.Arrays.fill(out, 0, g.n() * g.cout() * oh * ow, 0f);
    for (int n = 0; n < g.n(); n++) {
      for (int ci = 0; ci < g.cin(); ci++) {
        int grp = ci / cinG;
        int xPlane = (n * g.cin() + ci) * g.h() * g.w();
        for (int col = 0; col < coutG; col++) {
          int co = grp * coutG + col;
          int oPlane = (n * g.cout() + co) * oh * ow;
          int wBase = (ci * coutG + col) * kh * kw;
          for (int iy = 0; iy < g.h(); iy++) {
            for (int ix = 0; ix < g.w(); ix++) {
              float v = x[xPlane + iy * g.w() + ix];
              for (int i = 0; i < kh; i++) {
                int oy = iy * sh - pt + i * dh;
                if (oy < 0 || oy >= oh) continue;
                for (int j = 0; j < kw; j++) {
                  int ox = ix * sw - pl + j * dw;
                  if (ox < 0 || ox >= ow) continue;
                  out[oPlane + oy * ow + ox] += v * weight[wBase + i * kw + j];
                }
              }
            }
          }
        }
      }
    }
    int spatial = oh * ow;
    for (int n = 0; n < g.n(); n++) {
      for (int co = 0; co < g.cout(); co++) {
        int off = (n * g.cout() + co) * spatial;
        if (bias != null) {
          float b = bias[co];
          for (int i = off; i < off + spatial; i++) out[i] += b;
        }
        JavaEpilogue.activate(act, out, off, spatial);
      }
    }
  }
}
