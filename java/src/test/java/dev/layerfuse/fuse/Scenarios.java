package dev.layerfuse.fuse;

import dev.layerfuse.graph.ChannelConstantOp;
import dev.layerfuse.graph.ConvOp;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.LinearOp;
import dev.layerfuse.graph.Node;
import dev.layerfuse.nn.BatchNorm1d;
import dev.layerfuse.nn.BatchNorm2d;
import dev.layerfuse.nn.Conv2d;
import dev.layerfuse.nn.ConvTranspose2d;
import dev.layerfuse.nn.Dropout;
import dev.layerfuse.nn.HardSwish;
import dev.layerfuse.nn.Identity;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.LeakyReLU;
import dev.layerfuse.nn.Linear;
import dev.layerfuse.nn.MaxPool2d;
import dev.layerfuse.nn.Module;
import dev.layerfuse.nn.ReLU;
import dev.layerfuse.nn.ReLU6;
import dev.layerfuse.nn.Residual;
import dev.layerfuse.nn.Sequential;
import dev.layerfuse.nn.SiLU;
import dev.layerfuse.nn.Sigmoid;
import dev.layerfuse.nn.Tanh;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/** One small graph per rule id, in which that rule (and only it) can fire. */
final class Scenarios {
  private Scenarios() {}

  static Graph graph(Module m, Shape in) {
    return Init.randomize(m, 4242).toGraph(in);
  }

  static Tensor random(SplittableRandom rng, Shape s) {
    float[] v = new float[(int) s.numel()];
    for (int i = 0; i < v.length; i++) v[i] = (float) (rng.nextDouble() * 2 - 1);
    return Tensor.wrap(s, v);
  }

  /** Conv or Gemm followed by a constant Mul or Add, as ONNX exporters write it. */
  static Graph constantAfter(boolean conv, ChannelConstantOp.Type type, boolean perChannel) {
    SplittableRandom rng = new SplittableRandom(3);
    Node layer;
    Shape in;
    int channels;
    if (conv) {
      in = Shape.of(2, 3, 7, 6);
      channels = 5;
      layer = new Node("conv", ConvOp.of(random(rng, Shape.of(5, 3, 3, 3)), random(rng, Shape.of(5)),
          new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1), List.of("x"), "conv");
    } else {
      in = Shape.of(3, 9);
      channels = 4;
      layer = new Node("fc", LinearOp.of(random(rng, Shape.of(4, 9)), random(rng, Shape.of(4))), List.of("x"), "fc");
    }
    Tensor c = perChannel ? random(rng, Shape.of(channels)) : Tensor.of(Shape.of(1), new float[] {1.7f});
    Node k = new Node("k", new ChannelConstantOp(type, c), List.of(layer.output()), "y");
    return new Graph(Map.of("x", in), List.of(layer, k), List.of("y"));
  }

  static Map<String, Supplier<Graph>> byRule() {
    Map<String, Supplier<Graph>> m = new LinkedHashMap<>();
    m.put("remove-dropout", () -> graph(new Sequential(new Linear(8, 6), new Dropout(0.3f), new ReLU()), Shape.of(2, 8)));
    m.put("remove-identity", () -> graph(new Sequential(Conv2d.builder(3, 4, 3).build(), new Identity(), new ReLU()),
        Shape.of(1, 3, 6, 6)));
    m.put("conv-bn", () -> graph(new Sequential(Conv2d.builder(3, 8, 3).padding(1).build(), new BatchNorm2d(8)),
        Shape.of(2, 3, 9, 7)));
    m.put("convtranspose-bn", () -> graph(new Sequential(
        ConvTranspose2d.builder(4, 6, 3).stride(2).padding(1).outputPadding(1).groups(2).build(), new BatchNorm2d(6)),
        Shape.of(2, 4, 5, 4)));
    m.put("linear-bn", () -> graph(new Sequential(new Linear(10, 7), new BatchNorm1d(7)), Shape.of(3, 10)));
    m.put("bn-linear", () -> graph(new Sequential(new BatchNorm1d(10), new Linear(10, 7)), Shape.of(3, 10)));
    m.put("bn-conv", () -> graph(new Sequential(new BatchNorm2d(4), Conv2d.builder(4, 6, 3).padding(1).build()),
        Shape.of(2, 4, 6, 5)));
    m.put("linear-linear", () -> graph(new Sequential(new Linear(16, 64), new Linear(64, 8)), Shape.of(3, 16)));
    m.put("conv-mul", () -> constantAfter(true, ChannelConstantOp.Type.MUL, true));
    m.put("conv-add-constant", () -> constantAfter(true, ChannelConstantOp.Type.ADD, true));
    m.put("gemm-mul", () -> constantAfter(false, ChannelConstantOp.Type.MUL, false));
    m.put("gemm-add-constant", () -> constantAfter(false, ChannelConstantOp.Type.ADD, true));
    m.put("conv-add", () -> graph(Residual.builder().mainInline(new Sequential(
        Conv2d.builder(4, 4, 3).padding(1).build())).build(), Shape.of(1, 4, 6, 6)));
    m.put("conv-act", () -> graph(new Sequential(Conv2d.builder(3, 4, 3).stride(2).build(), new HardSwish()),
        Shape.of(1, 3, 9, 9)));
    m.put("convtranspose-act", () -> graph(new Sequential(ConvTranspose2d.builder(3, 4, 2).stride(2).build(), new Tanh()),
        Shape.of(1, 3, 4, 4)));
    m.put("gemm-act", () -> graph(new Sequential(new Linear(6, 5), new SiLU()), Shape.of(2, 6)));
    m.put("bn-scale-shift", () -> graph(new Sequential(new MaxPool2d(2), new BatchNorm2d(3)), Shape.of(1, 3, 6, 6)));
    m.put("scale-shift-act", () -> graph(new Sequential(new MaxPool2d(2), new BatchNorm2d(3), new ReLU()),
        Shape.of(1, 3, 6, 6)));
    return m;
  }

  /** Activation modules for sweeps. */
  static List<Supplier<Module>> activations() {
    return List.of(ReLU::new, ReLU6::new, () -> new LeakyReLU(0.2f), Sigmoid::new, Tanh::new, HardSwish::new, SiLU::new);
  }
}
