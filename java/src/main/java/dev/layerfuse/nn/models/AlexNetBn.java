package dev.layerfuse.nn.models;

import dev.layerfuse.nn.BatchNorm1d;
import dev.layerfuse.nn.BatchNorm2d;
import dev.layerfuse.nn.Conv2d;
import dev.layerfuse.nn.Flatten;
import dev.layerfuse.nn.Linear;
import dev.layerfuse.nn.MaxPool2d;
import dev.layerfuse.nn.ReLU;
import dev.layerfuse.nn.Sequential;

/**
 * AlexNet with BatchNorm (AlexNet-BN), input 1x3x227x227. Its last BatchNorm sits after a ReLU
 * and before a Linear, so only the BN → Linear rule can remove it.
 */
public final class AlexNetBn {
  private AlexNetBn() {}

  public static Sequential create() {
    Sequential features = new Sequential(
        Conv2d.builder(3, 96, 11).stride(4).build(), new BatchNorm2d(96, 1e-4f), new ReLU(), new MaxPool2d(3, 2),
        Conv2d.builder(96, 256, 5).padding(2).build(), new ReLU(), new MaxPool2d(3, 2),
        Conv2d.builder(256, 384, 3).padding(1).build(), new ReLU(),
        Conv2d.builder(384, 384, 3).padding(1).build(), new ReLU(),
        Conv2d.builder(384, 256, 3).padding(1).build(), new ReLU(), new MaxPool2d(3, 2));
    Sequential classifier = new Sequential(
        new Linear(9216, 4096), new ReLU(), new Linear(4096, 4096), new ReLU(),
        new BatchNorm1d(4096, 1e-3f), new Linear(4096, 1000));
    return Sequential.named("features", features, "flatten", new Flatten(), "classifier", classifier);
  }

  /** The MLP of the engine benchmarks: Linear 4096→4096 + BN + ReLU, Linear 4096→1000. */
  public static Sequential mlp() {
    return new Sequential(new Linear(4096, 4096), new BatchNorm1d(4096), new ReLU(), new Linear(4096, 1000));
  }
}
