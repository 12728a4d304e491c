package dev.layerfuse.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.Node;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.Module;
import dev.layerfuse.nn.models.AlexNetBn;
import dev.layerfuse.nn.models.MobileNetV2;
import dev.layerfuse.nn.models.ResNet;
import dev.layerfuse.tensor.Shape;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Whole networks declared with the layer API fuse completely and stay exact (1e-5 relative). */
class NetworkFusionTest {
  private static final Set<String> ALLOWED = Set.of("Conv", "Gemm", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten");

  private static Fuser.Result fuseAndVerify(Module model, Shape input, int expectedNodes) {
    Graph g = Init.randomize(model, 1234).toGraph(input);
    Fuser.Result r = Fuser.withDefaults().fuse(g);
    Graph f = r.graph();
    for (Node n : f.nodes()) assertTrue(ALLOWED.contains(n.kind()), "unfused node left: " + n + "\n" + r.report());
    assertEquals(expectedNodes, f.nodes().size(), r.report().toString());
    Verifier.Verification v = Verifier.verify(g, f, 99);
    assertTrue(v.within(1e-5), v.toString());
    assertTrue(v.outputs().values().stream().allMatch(d -> d.maxReference() > 1e-3 && d.nonFinite() == 0),
        "outputs must be non-trivial: " + v);
    System.out.println(model.getClass().getSimpleName() + " " + input + ": " + v.toString().trim()
        + ", " + r.report().nodesBefore() + " -> " + r.report().nodesAfter() + " nodes");
    assertEquals(g.nodes().size(), r.report().nodesBefore());
    assertEquals(expectedNodes, r.report().nodesAfter());
    return r;
  }

  @Test
  void resnet18FusesTo24Nodes() {
    Fuser.Result r = fuseAndVerify(ResNet.resnet18(1000), Shape.of(1, 3, 224, 224), 24);
    long residualConvs = r.graph().nodes().stream().filter(n -> n.inputs().size() == 2).count();
    assertEquals(8, residualConvs, "every BasicBlock's Add is absorbed into a conv epilogue");
  }

  @Test
  void mobileNetV2FusesTo55Nodes() {
    fuseAndVerify(MobileNetV2.create(1000), Shape.of(1, 3, 224, 224), 55);
  }

  @Test
  void alexNetBnFusesTo12Nodes() {
    Fuser.Result r = fuseAndVerify(AlexNetBn.create(), Shape.of(1, 3, 227, 227), 12);
    assertTrue(r.report().rulesApplied().contains("bn-linear"), r.report().toString());
  }
}
