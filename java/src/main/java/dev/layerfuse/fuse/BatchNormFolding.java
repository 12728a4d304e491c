package dev.layerfuse.fuse;

import dev.layerfuse.graph.BatchNormOp;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;

/**
 * The parameter-folding math behind the fusion rules, apart from any graph: each function maps
 * weights (and a BatchNorm, or a second layer) to new weights. Sums run in double and are
 * rounded to float once.
 *
 * <p>A BatchNorm in eval mode is {@code y = x·s + t} per channel with
 * {@code s = gamma / sqrt(var + eps)} and {@code t = beta - mean·s} (gamma = 1, beta = 0 when
 * {@code affine=false}).
 */
public final class BatchNormFolding {
  private BatchNormFolding() {}

  /** Folded weight and bias (bias never null after a fold). */
  public record Folded(Tensor weight, Tensor bias) {}

  /** s[c] = gamma / sqrt(var + eps). */
  public static double[] scale(BatchNormOp bn) {
    requireFoldable(bn);
    int c = bn.channels();
    double[] s = new double[c];
    for (int i = 0; i < c; i++) {
      double gamma = bn.affine() ? bn.gamma().get(i) : 1.0;
      s[i] = gamma / Math.sqrt((double) bn.runningVar().get(i) + bn.eps());
    }
    return s;
  }

  /** t[c] = beta - mean · s. */
  public static double[] shift(BatchNormOp bn) {
    double[] s = scale(bn);
    double[] t = new double[s.length];
    for (int i = 0; i < s.length; i++) {
      double beta = bn.affine() ? bn.beta().get(i) : 0.0;
      t[i] = beta - bn.runningMean().get(i) * s[i];
    }
    return t;
  }

  private static void requireFoldable(BatchNormOp bn) {
    String why = bn.whyNotFoldable();
    if (why != null) throw new IllegalArgumentException("cannot fold: " + why);
  }

  /**
   * BN after a layer whose output channels are axis 0 of its weight (Conv [Cout, ...],
   * Linear [out, in]): {@code w'[o] = w[o]·s[o]}, {@code b' = b·s + t}.
   */
  public static Folded foldAfter(Tensor weight, Tensor bias, BatchNormOp bn) {
    int cout = (int) weight.shape().dim(0);
    checkChannels("output", cout, bn);
    double[] s = scale(bn), t = shift(bn);
    float[] w = weight.toArray();
    int per = w.length / cout;
    for (int o = 0; o < cout; o++) for (int i = o * per; i < (o + 1) * per; i++) w[i] = (float) (w[i] * s[o]);
    float[] b = new float[cout];
    for (int o = 0; o < cout; o++) b[o] = (float) ((bias == null ? 0.0 : bias.get(o)) * s[o] + t[o]);
    return new Folded(Tensor.wrap(weight.shape(), w), Tensor.wrap(Shape.of(cout), b));
  }

  /**
   * BN after a ConvTranspose, weight [Cin, Cout/groups, kh, kw]: output channel
   * {@code (ci / (Cin/groups))·(Cout/groups) + j} lives on axis 1 within each group.
   */
  public static Folded foldAfterTransposed(Tensor weight, Tensor bias, BatchNormOp bn, int groups) {
    Shape ws = weight.shape();
    int cin = (int) ws.dim(0), coutG = (int) ws.dim(1), k = (int) (ws.dim(2) * ws.dim(3));
    int cout = coutG * groups, cinG = cin / groups;
    checkChannels("output", cout, bn);
    double[] s = scale(bn), t = shift(bn);
    float[] w = weight.toArray();
    for (int ci = 0; ci < cin; ci++) {
      int g = ci / cinG;
      for (int j = 0; j < coutG; j++) {
        double sc = s[g * coutG + j];
        int base = (ci * coutG + j) * k;
        for (int i = base; i < base + k; i++) w[i] = (float) (w[i] * sc);
      }
    }
    float[] b = new float[cout];
    for (int o = 0; o < cout; o++) b[o] = (float) ((bias == null ? 0.0 : bias.get(o)) * s[o] + t[o]);
    return new Folded(Tensor.wrap(ws, w), Tensor.wrap(Shape.of(cout), b));
  }

  /**
   * BN before a layer whose input channels are axis 1 of its weight (Conv [Cout, Cin/groups,
   * kh, kw], Linear [out, in] with groups 1): {@code W'[o, c] = W[o, c]·s[c]},
   * {@code b'[o] = b[o] + Σ W[o, c, ·]·t[c]}.
   */
  public static Folded foldBefore(Tensor weight, Tensor bias, BatchNormOp bn, int groups) {
    Shape ws = weight.shape();
    int cout = (int) ws.dim(0), cinG = (int) ws.dim(1);
    int k = (int) (weight.numel() / ((long) cout * cinG));
    checkChannels("input", cinG * groups, bn);
    double[] s = scale(bn), t = shift(bn);
    int coutG = cout / groups;
    float[] w = weight.toArray();
    float[] b = new float[cout];
    for (int o = 0; o < cout; o++) {
      int g = o / coutG;
      double acc = bias == null ? 0.0 : bias.get(o);
      for (int c = 0; c < cinG; c++) {
        int ch = g * cinG + c;
        int base = (o * cinG + c) * k;
        for (int i = base; i < base + k; i++) {
          acc += (double) w[i] * t[ch];
          w[i] = (float) (w[i] * s[ch]);
        }
      }
      b[o] = (float) acc;
    }
    return new Folded(Tensor.wrap(ws, w), Tensor.wrap(Shape.of(cout), b));
  }

  /**
   * The per-input-channel padding value {@code p = -t / s} that the BN maps to 0, so that a
   * folded BN → zero-padded Conv stays exact. Null when some channel's scale is 0 (then no
   * value maps to 0 unless its shift is also 0).
   */
  public static float[] zeroPreimage(BatchNormOp bn) {
    double[] s = scale(bn), t = shift(bn);
    float[] p = new float[s.length];
    for (int c = 0; c < s.length; c++) {
      if (s[c] == 0) {
        if (t[c] != 0) return null;
        p[c] = 0f;
        continue;
      }
      double v = -t[c] / s[c];
      if (!Double.isFinite(v) || Math.abs(v) > Float.MAX_VALUE) return null;
      p[c] = (float) v;
    }
    return p;
  }

  /**
   * Two Linear layers with nothing between: {@code W = W2·W1} [out, in], {@code b = W2·b1 + b2}.
   */
  public static Folded mergeLinear(Tensor w1, Tensor b1, Tensor w2, Tensor b2) {
    int hid = (int) w1.shape().dim(0), in = (int) w1.shape().dim(1), out = (int) w2.shape().dim(0);
    if (w2.shape().dim(1) != hid) {
      throw new IllegalArgumentException("cannot merge: first Linear has " + hid + " outputs, second expects " + w2.shape().dim(1));
    }
    float[] a = w1.toArray(), c = w2.toArray();
    float[] w = new float[out * in];
    double[] row = new double[in];
    float[] b = new float[out];
    for (int o = 0; o < out; o++) {
      java.util.Arrays.fill(row, 0);
      double acc = b2 == null ? 0 : b2.get(o);
      for (int h = 0; h < hid; h++) {
        double v = c[o * hid + h];
        if (v == 0) continue;
        int base = h * in;
        for (int i = 0; i < in; i++) row[i] += v * a[base + i];
        if (b1 != null) acc += v * b1.get(h);
      }
      for (int i = 0; i < in; i++) w[o * in + i] = (float) row[i];
      b[o] = (float) acc;
    }
    return new Folded(Tensor.wrap(Shape.of(out, in), w), Tensor.wrap(Shape.of(out), b));
  }

  /**
   * A per-output-channel affine {@code y·mul[o] + add[o]} after a layer with output channels on
   * axis 0 (either array may be null for 1 / 0).
   */
  public static Folded scaleOutput(Tensor weight, Tensor bias, float[] mul, float[] add) {
    int cout = (int) weight.shape().dim(0);
    float[] w = weight.toArray();
    int per = w.length / cout;
    float[] b = new float[cout];
    for (int o = 0; o < cout; o++) {
      double m = mul == null ? 1.0 : mul[o];
      for (int i = o * per; i < (o + 1) * per; i++) w[i] = (float) (w[i] * m);
      b[o] = (float) ((bias == null ? 0.0 : bias.get(o)) * m + (add == null ? 0.0 : add[o]));
    }
    return new Folded(Tensor.wrap(weight.shape(), w), Tensor.wrap(Shape.of(cout), b));
  }

  private static void checkChannels(String which, int channels, BatchNormOp bn) {
    if (bn.channels() != channels) {
      throw new IllegalArgumentException("cannot fold: layer has " + channels + " " + which + " channels, BatchNorm has " + bn.channels());
    }
  }
}
