package dev.layerfuse.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.Node;
import dev.layerfuse.nn.BatchNorm1d;
import dev.layerfuse.nn.BatchNorm2d;
import dev.layerfuse.nn.Conv2d;
import dev.layerfuse.nn.ConvTranspose2d;
import dev.layerfuse.nn.Linear;
import dev.layerfuse.nn.Module;
import dev.layerfuse.nn.ReLU;
import dev.layerfuse.nn.Sequential;
import dev.layerfuse.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rule fires where it should, is exact (1e-5 relative), and is needed. */
class FusionRulesTest {

  static Fuser.Result fuseExact(Graph g) {
    Fuser.Result r = Fuser.withDefaults().fuse(g);
    Verifier.Verification v = Verifier.verify(g, r.graph(), 7);
    assertTrue(v.within(1e-5), r.report() + "\n" + v);
    assertTrue(v.outputs().values().stream().allMatch(d -> d.maxReference() > 0), "trivial output: " + v);
    return r;
  }

  static Stream<Arguments> rules() {
    return Scenarios.byRule().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void ruleFiresExactlyAndIsNeeded(String id, Supplier<Graph> scenario) {
    Graph g = scenario.get();
    int before = g.nodes().size();
    Fuser.Result r = fuseExact(g);
    assertTrue(r.report().rulesApplied().contains(id), id + " did not fire:\n" + r.report());
    assertEquals(before, g.nodes().size(), "fusion must not modify its input graph");
    // With the rule switched off, the result is different (more nodes): the rule is needed.
    Fuser.Result without = new Fuser(FusionRegistry.defaults().disable(id)).fuse(g);
    assertFalse(without.report().rulesApplied().contains(id));
    assertTrue(without.graph().nodes().size() > r.graph().nodes().size()
            || !without.graph().kindCounts().equals(r.graph().kindCounts()),
        id + " disabled gives the same graph:\n" + without.report());
  }

  @Test
  void everyDefaultRuleHasAScenario() {
    assertEquals(FusionRegistry.defaults().ids(), new ArrayList<>(Scenarios.byRule().keySet()));
  }

  static Stream<Arguments> convBnVariants() {
    List<Arguments> out = new ArrayList<>();
    float[] epss = {1e-5f, 1e-4f, 1e-3f};
    for (float eps : epss) {
      out.add(Arguments.of("plain eps=" + eps, Conv2d.builder(3, 8, 3).padding(1).build(), new BatchNorm2d(8, eps)));
    }
    out.add(Arguments.of("no bias", Conv2d.builder(3, 8, 3).bias(false).build(), new BatchNorm2d(8)));
    out.add(Arguments.of("affine=false", Conv2d.builder(3, 8, 3).build(), new BatchNorm2d(8, 1e-5f, false, true)));
    out.add(Arguments.of("groups=2 stride 2", Conv2d.builder(4, 8, 3).groups(2).stride(2).padding(1).build(), new BatchNorm2d(8)));
    out.add(Arguments.of("depthwise", Conv2d.builder(6, 6, 3).groups(6).padding(1).build(), new BatchNorm2d(6, 1e-3f)));
    out.add(Arguments.of("dilation 2", Conv2d.builder(3, 5, 3).dilation(2).padding(2).build(), new BatchNorm2d(5)));
    return out.stream();
  }

  @ParameterizedTest(name = "conv-bn {0}")
  @MethodSource("convBnVariants")
  void convBnIsExactForEveryVariant(String name, Module conv, Module bn) {
    Graph g = Scenarios.graph(new Sequential(conv, bn), Shape.of(2, conv instanceof Conv2d c ? c.inChannels() : 3, 9, 8));
    Fuser.Result r = fuseExact(g);
    assertEquals(1, r.graph().nodes().size(), r.report().toString());
    assertEquals("Conv", r.graph().nodes().get(0).kind());
  }

  @Test
  void bnBeforePaddedConvUsesPerChannelPadValues() {
    for (int groups : new int[] {1, 2}) {
      Graph g = Scenarios.graph(new Sequential(new BatchNorm2d(4, 1e-3f),
          Conv2d.builder(4, 6, 3).padding(1).groups(groups).stride(2).build()), Shape.of(2, 4, 7, 6));
      Fuser.Result r = fuseExact(g);
      assertEquals(1, r.graph().nodes().size());
      assertTrue(r.graph().nodes().get(0).op().describe().contains("pad-values"), r.graph().describe());
    }
    // Without padding no pad values are needed.
    Fuser.Result plain = fuseExact(Scenarios.graph(new Sequential(new BatchNorm2d(4), Conv2d.builder(4, 6, 3).build()),
        Shape.of(1, 4, 6, 6)));
    assertFalse(plain.graph().nodes().get(0).op().describe().contains("pad-values"));
  }

  @Test
  void convTransposeBnWithAndWithoutGroups() {
    for (int groups : new int[] {1, 2}) {
      Graph g = Scenarios.graph(new Sequential(ConvTranspose2d.builder(4, 6, 3).stride(2).groups(groups).bias(false).build(),
          new BatchNorm2d(6)), Shape.of(2, 4, 5, 5));
      assertEquals(1, fuseExact(g).graph().nodes().size());
    }
  }

  @Test
  void everyActivationFusesIntoConvAndLinear() {
    for (Supplier<Module> act : Scenarios.activations()) {
      Graph conv = Scenarios.graph(new Sequential(Conv2d.builder(3, 4, 3).build(), new BatchNorm2d(4), act.get()),
          Shape.of(1, 3, 6, 6));
      assertEquals(1, fuseExact(conv).graph().nodes().size());
      Graph lin = Scenarios.graph(new Sequential(new Linear(5, 4), new BatchNorm1d(4), act.get()), Shape.of(2, 5));
      assertEquals(1, fuseExact(lin).graph().nodes().size());
    }
  }

  @Test
  void scalarAndPerChannelConstantsFold() {
    for (boolean conv : new boolean[] {true, false}) {
      for (boolean perChannel : new boolean[] {true, false}) {
        for (dev.layerfuse.graph.ChannelConstantOp.Type t : dev.layerfuse.graph.ChannelConstantOp.Type.values()) {
          Fuser.Result r = fuseExact(Scenarios.constantAfter(conv, t, perChannel));
          assertEquals(1, r.graph().nodes().size(), r.report().toString());
        }
      }
    }
  }

  @Test
  void batchNormPlusReluBecomesOneScaleShiftNode() {
    Fuser.Result r = fuseExact(Scenarios.byRule().get("scale-shift-act").get());
    List<Node> nodes = r.graph().nodes();
    assertEquals(List.of("MaxPool", "ScaleShift"), nodes.stream().map(Node::kind).toList());
    assertTrue(nodes.get(1).op().describe().contains("relu"), nodes.get(1).op().describe());
  }

  @Test
  void reportNamesGroupsRulesAndCounts() {
    Graph g = Scenarios.graph(Sequential.named("conv1", Conv2d.builder(3, 4, 3).build(), "bn1", new BatchNorm2d(4),
        "relu1", new ReLU()), Shape.of(1, 3, 5, 5));
    FusionReport rep = fuseExact(g).report();
    assertEquals(1, rep.fused().size());
    assertEquals(List.of("conv1", "bn1", "relu1"), rep.fused().get(0).nodes());
    assertEquals(List.of("conv-bn", "conv-act"), rep.fused().get(0).rules());
    assertEquals("conv1", rep.fused().get(0).result());
    assertEquals(3, rep.nodesBefore());
    assertEquals(1, rep.nodesAfter());
    assertEquals(4 * 3 * 9 + 4 + 4 * 4, rep.parametersBefore());
    assertEquals(4 * 3 * 9 + 4, rep.parametersAfter());
    assertTrue(rep.toJson().contains("\"rules\":[\"conv-bn\",\"conv-act\"]"), rep.toJson());
    assertTrue(rep.toString().contains("conv1 + bn1 + relu1 -> conv1"), rep.toString());
    assertEquals(Map.of("Conv", 1), fuseExact(g).graph().kindCounts());
  }
}
