package dev.layerfuse.nn.models;

import dev.layerfuse.nn.AdaptiveAvgPool2d;
import dev.layerfuse.nn.BatchNorm2d;
import dev.layerfuse.nn.Conv2d;
import dev.layerfuse.nn.Flatten;
import dev.layerfuse.nn.Linear;
import dev.layerfuse.nn.MaxPool2d;
import dev.layerfuse.nn.Module;
import dev.layerfuse.nn.ReLU;
import dev.layerfuse.nn.Residual;
import dev.layerfuse.nn.Sequential;

/** ResNet-18 with torchvision's parameter names (conv1, bn1, layer1.0.conv1, ..., fc). Input 3x224x224. */
public final class ResNet {
  private ResNet() {}

  public static Sequential resnet18(int numClasses) {
    int[] widths = {64, 128, 256, 512};
    Object[] parts = new Object[2 * 11];
    int p = 0;
    parts[p++] = "conv1";
    parts[p++] = Conv2d.builder(3, 64, 7).stride(2).padding(3).bias(false).build();
    parts[p++] = "bn1";
    parts[p++] = new BatchNorm2d(64);
    parts[p++] = "relu";
    parts[p++] = new ReLU();
    parts[p++] = "maxpool";
    parts[p++] = new MaxPool2d(3, 2, 1, 1, false);
    int in = 64;
    for (int stage = 0; stage < 4; stage++) {
      int stride = stage == 0 ? 1 : 2;
      parts[p++] = "layer" + (stage + 1);
      parts[p++] = new Sequential(basicBlock(in, widths[stage], stride), basicBlock(widths[stage], widths[stage], 1));
      in = widths[stage];
    }
    parts[p++] = "avgpool";
    parts[p++] = new AdaptiveAvgPool2d(1);
    parts[p++] = "flatten";
    parts[p++] = new Flatten();
    parts[p++] = "fc";
    parts[p++] = new Linear(512, numClasses);
    return Sequential.named(parts);
  }

  /** torchvision's BasicBlock: conv1/bn1/relu/conv2/bn2, optional downsample, ReLU after the sum. */
  public static Module basicBlock(int in, int out, int stride) {
    Sequential main = Sequential.named(
        "conv1", Conv2d.builder(in, out, 3).stride(stride).padding(1).bias(false).build(),
        "bn1", new BatchNorm2d(out),
        "relu", new ReLU(),
        "conv2", Conv2d.builder(out, out, 3).padding(1).bias(false).build(),
        "bn2", new BatchNorm2d(out));
    Residual.Builder b = Residual.builder().mainInline(main).post("relu_out", new ReLU());
    if (stride != 1 || in != out) {
      b.shortcut("downsample", new Sequential(Conv2d.builder(in, out, 1).stride(stride).bias(false).build(), new BatchNorm2d(out)));
    }
    return b.build();
  }
}
