package dev.layerfuse.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.graph.BatchNormOp;
import dev.layerfuse.graph.ConvOp;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.PoolOp;
import dev.layerfuse.nn.models.MobileNetV2;
import dev.layerfuse.nn.models.ResNet;
import dev.layerfuse.tensor.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every option of the layer API reaches the graph; names follow PyTorch's state_dict. */
class LayerApiTest {
  @Test
  void conv2dOptionsReachTheOp() {
    Conv2d c = Conv2d.builder(4, 8, 3, 5).stride(2, 1).padding(1, 2).dilation(2, 1).groups(2).bias(false).build();
    assertEquals(Shape.of(8, 2, 3, 5), c.parameter("weight").shape());
    assertTrue(!c.localParameters().containsKey("bias"));
    ConvOp op = (ConvOp) c.toGraph(Shape.of(1, 4, 12, 12)).nodes().get(0).op();
    assertEquals(List.of(2, 1), List.of(op.stride()[0], op.stride()[1]));
    assertEquals(List.of(1, 2, 1, 2), List.of(op.pads()[0], op.pads()[1], op.pads()[2], op.pads()[3]));
    assertEquals(2, op.dilation()[0]);
    assertEquals(2, op.groups());
    assertEquals(Shape.of(1, 8, 5, 12), c.toGraph(Shape.of(1, 4, 12, 12)).shape("conv"));
    assertThrows(IllegalArgumentException.class, () -> Conv2d.builder(4, 6, 3).groups(4).build());
  }

  @Test
  void batchNormOptionsReachTheOp() {
    BatchNorm2d bn = new BatchNorm2d(3, 1e-3f, false, false);
    assertTrue(bn.localParameters().isEmpty());
    BatchNormOp op = (BatchNormOp) bn.toGraph(Shape.of(1, 3, 2, 2)).nodes().get(0).op();
    assertEquals(1e-3f, op.eps());
    assertTrue(!op.affine() && !op.foldable());
    BatchNorm1d full = new BatchNorm1d(5);
    assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
        List.copyOf(full.localParameters().keySet()));
    assertTrue(((BatchNormOp) full.train(true).toGraph(Shape.of(2, 5)).nodes().get(0).op()).training());
  }

  @Test
  void poolOptionsReachTheOp() {
    PoolOp avg = (PoolOp) new AvgPool2d(3, 2, 1, true, false).toGraph(Shape.of(1, 1, 8, 8)).nodes().get(0).op();
    assertTrue(avg.ceilMode() && !avg.countIncludePad());
    assertEquals(Shape.of(1, 1, 5, 5), new AvgPool2d(3, 2, 1, true, false).toGraph(Shape.of(1, 1, 8, 8)).shape("averagepool"));
    PoolOp max = (PoolOp) new MaxPool2d(3, 2, 1, 2, true).toGraph(Shape.of(1, 1, 9, 9)).nodes().get(0).op();
    assertEquals(2, max.dilation()[0]);
    assertThrows(IllegalArgumentException.class, () -> new AdaptiveAvgPool2d(2));
  }

  @Test
  void namesFollowTorchvision() {
    var rn = ResNet.resnet18(1000).stateDict();
    assertTrue(rn.containsKey("layer1.0.conv1.weight") && rn.containsKey("layer2.0.downsample.0.weight")
        && rn.containsKey("layer2.0.downsample.1.running_var") && rn.containsKey("fc.bias"), rn.keySet().toString());
    assertEquals(122, rn.size(), "torchvision resnet18 has 122 state_dict entries");
    var mb = MobileNetV2.create(1000).stateDict();
    assertTrue(mb.containsKey("features.0.0.weight") && mb.containsKey("features.1.conv.0.0.weight")
        && mb.containsKey("features.2.conv.3.running_mean") && mb.containsKey("classifier.1.weight"), mb.keySet().toString());
    assertEquals(314, mb.size(), "torchvision mobilenet_v2 has 314 state_dict entries");
  }

  @Test
  void nestedSequentialsAndResidualsBuildOneGraph() {
    Sequential m = new Sequential(new Sequential(Conv2d.builder(2, 2, 1).build(), new ReLU()),
        Residual.builder().main("body", new Sequential(Conv2d.builder(2, 2, 3).padding(1).build()))
            .shortcut("skip", new Identity()).post("act", new SiLU()).build());
    Graph g = m.toGraph(Shape.of(1, 2, 4, 4));
    assertEquals(List.of("0.0", "0.1", "1.body.0", "1.skip", "1.add", "1.act"), g.nodes().stream().map(n -> n.name()).toList());
    assertEquals(Shape.of(1, 2, 4, 4), g.shape(g.outputs().get(0)));
  }
}
