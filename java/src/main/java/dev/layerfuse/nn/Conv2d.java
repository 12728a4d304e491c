package dev.layerfuse.nn;

import dev.layerfuse.graph.ConvOp;
import dev.layerfuse.tensor.Shape;

/**
 * {@code nn.Conv2d}: parameters {@code weight} [out, in/groups, kh, kw] and, unless
 * {@code bias(false)}, {@code bias} [out]. Build with
 * {@code Conv2d.builder(in, out, k).stride(2).padding(1).groups(in).build()}.
 */
public final class Conv2d extends Module {
  private final int in, out, kh, kw, groups;
  private final int[] stride, padding, dilation;
  private final boolean bias;

  private Conv2d(Builder b) {
    if (b.in < 1 || b.out < 1) throw new IllegalArgumentException("Conv2d: channels must be >= 1, got in=" + b.in + " out=" + b.out);
    if (b.groups < 1 || b.in % b.groups != 0 || b.out % b.groups != 0) {
      throw new IllegalArgumentException("Conv2d: groups=" + b.groups + " must divide in=" + b.in + " and out=" + b.out);
    }
    this.in = b.in;
    this.out = b.out;
    this.kh = b.kh;
    this.kw = b.kw;
    this.groups = b.groups;
    this.stride = b.stride.clone();
    this.padding = b.padding.clone();
    this.dilation = b.dilation.clone();
    this.bias = b.bias;
    declare("weight", Shape.of(out, in / groups, kh, kw));
    if (bias) declare("bias", Shape.of(out));
  }

  public static Builder builder(int in, int out, int kernel) {
    return new Builder(in, out, kernel, kernel);
  }

  public static Builder builder(int in, int out, int kh, int kw) {
    return new Builder(in, out, kh, kw);
  }

  public int inChannels() { return in; }
  public int outChannels() { return out; }
  public int groups() { return groups; }

  @Override
  protected String emit(GraphBuilder b, String path, String input) {
    ConvOp op = ConvOp.of(parameter("weight"), bias ? parameter("bias") : null, stride,
        new int[] {padding[0], padding[1], padding[0], padding[1]}, dilation, groups);
    return b.add(path, op, input);
  }

  /** Options of {@link Conv2d}; each validates its argument. */
  public static final class Builder {
    private final int in, out, kh, kw;
    private int groups = 1;
    private int[] stride = {1, 1}, padding = {0, 0}, dilation = {1, 1};
    private boolean bias = true;

    private Builder(int in, int out, int kh, int kw) {
      if (kh < 1 || kw < 1) throw new IllegalArgumentException("Conv2d: kernel must be >= 1, got " + kh + "x" + kw);
      this.in = in;
      this.out = out;
      this.kh = kh;
      this.kw = kw;
    }

    public Builder stride(int s) { return stride(s, s); }
    public Builder stride(int sh, int sw) { stride = positive("stride", sh, sw, 1); return this; }
    public Builder padding(int p) { return padding(p, p); }
    public Builder padding(int ph, int pw) { padding = positive("padding", ph, pw, 0); return this; }
    public Builder dilation(int d) { return dilation(d, d); }
    public Builder dilation(int dh, int dw) { dilation = positive("dilation", dh, dw, 1); return this; }
    public Builder groups(int g) { groups = g; return this; }
    public Builder bias(boolean on) { bias = on; return this; }

    static int[] positive(String what, int a, int b, int min) {
      if (a < min || b < min) throw new IllegalArgumentException("Conv2d: " + what + " must be >= " + min + ", got (" + a + ", " + b + ")");
      return new int[] {a, b};
    }

    public Conv2d build() {
      return new Conv2d(this);
    }
  }
}
