package dev.layerfuse.nn;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.graph.ConvTransposeOp;
import dev.layerfuse.tensor.Shape;

/**
 * {@code nn.ConvTranspose2d}: {@code weight} [in, out/groups, kh, kw], optional {@code bias}
 * [out]; stride, padding, output_padding, dilation and groups as in PyTorch.
 */
public final class ConvTranspose2d extends Module {
  private final int in, out, groups;
  private final int[] stride, padding, outputPadding, dilation;
  private final boolean bias;

  private ConvTranspose2d(Builder b) {
    if (b.groups < 1 || b.in % b.groups != 0 || b.out % b.groups != 0) {
      throw new IllegalArgumentException("ConvTranspose2d: groups=" + b.groups + " must divide in=" + b.in + " and out=" + b.out);
    }
    this.in = b.in;
    this.out = b.out;
    this.groups = b.groups;
    this.stride = b.stride;
    this.padding = b.padding;
    this.outputPadding = b.outputPadding;
    this.dilation = b.dilation;
    this.bias = b.bias;
    declare("weight", Shape.of(in, out / groups, b.kh, b.kw));
    if (bias) declare("bias", Shape.of(out));
  }

  public static Builder builder(int in, int out, int kernel) {
    return new Builder(in, out, kernel, kernel);
  }

  @Override
  protected String emit(GraphBuilder b, String path, String input) {
    return b.add(path, new ConvTransposeOp(parameter("weight"), bias ? parameter("bias") : null, stride,
        new int[] {padding[0], padding[1], padding[0], padding[1]}, outputPadding, dilation, groups, Activation.none()), input);
  }

  /** Options of {@link ConvTranspose2d}. */
  public static final class Builder {
    private final int in, out, kh, kw;
    private int groups = 1;
    private int[] stride = {1, 1}, padding = {0, 0}, outputPadding = {0, 0}, dilation = {1, 1};
    private boolean bias = true;

    private Builder(int in, int out, int kh, int kw) {
      if (in < 1 || out < 1 || kh < 1 || kw < 1) {
        throw new IllegalArgumentException("ConvTranspose2d: channels and kernel must be >= 1");
      }
      this.in = in;
      this.out = out;
      this.kh = kh;
      this.kw = kw;
    }

    public Builder stride(int s) { stride = Conv2d.Builder.positive("stride", s, s, 1); return this; }
    public Builder padding(int p) { padding = Conv2d.Builder.positive("padding", p, p, 0); return this; }
    public Builder outputPadding(int p) { outputPadding = Conv2d.Builder.positive("output_padding", p, p, 0); return this; }
    public Builder dilation(int d) { dilation = Conv2d.Builder.positive("dilation", d, d, 1); return this; }
    public Builder groups(int g) { groups = g; return this; }
    public Builder bias(boolean on) { bias = on; return this; }

    public ConvTranspose2d build() {
      return new ConvTranspose2d(this);
    }
  }
}
