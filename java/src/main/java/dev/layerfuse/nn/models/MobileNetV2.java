package dev.layerfuse.nn.models;

import dev.layerfuse.nn.AdaptiveAvgPool2d;
import dev.layerfuse.nn.BatchNorm2d;
import dev.layerfuse.nn.Conv2d;
import dev.layerfuse.nn.Dropout;
import dev.layerfuse.nn.Flatten;
import dev.layerfuse.nn.Linear;
import dev.layerfuse.nn.Module;
import dev.layerfuse.nn.ReLU6;
import dev.layerfuse.nn.Residual;
import dev.layerfuse.nn.Sequential;
import java.util.ArrayList;
import java.util.List;

/**
 * MobileNetV2 (width 1.0) with torchvision's parameter names: {@code features.N...},
 * {@code classifier.1}. Input 3x224x224.
 */
public final class MobileNetV2 {
  private MobileNetV2() {}

  private static final int[][] SETTINGS = {
      {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};

  public static Sequential create(int numClasses) {
    List<Module> features = new ArrayList<>();
    features.add(convBnRelu6(3, 32, 3, 2, 1));
    int in = 32;
    for (int[] s : SETTINGS) {
      for (int i = 0; i < s[2]; i++) {
        features.add(invertedResidual(in, s[1], i == 0 ? s[3] : 1, s[0]));
        in = s[1];
      }
    }
    features.add(convBnRelu6(in, 1280, 1, 1, 1));
    return Sequential.named(
        "features", new Sequential(features.toArray(new Module[0])),
        "pool", new AdaptiveAvgPool2d(1),
        "flatten", new Flatten(),
        "classifier", new Sequential(new Dropout(0.2f), new Linear(1280, numClasses)));
  }

  /** torchvision's Conv2dNormActivation with ReLU6: conv (no bias), BN, ReLU6. */
  static Sequential convBnRelu6(int in, int out, int k, int stride, int groups) {
    return new Sequential(
        Conv2d.builder(in, out, k).stride(stride).padding((k - 1) / 2).groups(groups).bias(false).build(),
        new BatchNorm2d(out), new ReLU6());
  }

  /** Expand (1x1) unless t = 1, depthwise 3x3, project (1x1, linear); a residual when shapes allow. */
  static Module invertedResidual(int in, int out, int stride, int t) {
    int hidden = in * t;
    List<Module> layers = new ArrayList<>();
    if (t != 1) layers.add(convBnRelu6(in, hidden, 1, 1, 1));
    layers.add(convBnRelu6(hidden, hidden, 3, stride, hidden));
    layers.add(Conv2d.builder(hidden, out, 1).bias(false).build());
    layers.add(new BatchNorm2d(out));
    Sequential conv = new Sequential(layers.toArray(new Module[0]));
    if (stride == 1 && in == out) return Residual.builder().main("conv", conv).build();
    return Sequential.named("conv", conv);
  }
}
