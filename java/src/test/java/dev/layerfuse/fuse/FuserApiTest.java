package dev.layerfuse.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.fuse.FusionRule.Decline;
import dev.layerfuse.fuse.FusionRule.Replace;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.Node;
import dev.layerfuse.nn.BatchNorm1d;
import dev.layerfuse.nn.BatchNorm2d;
import dev.layerfuse.nn.Conv2d;
import dev.layerfuse.nn.Dropout;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.Linear;
import dev.layerfuse.nn.MaxPool2d;
import dev.layerfuse.nn.ReLU;
import dev.layerfuse.nn.Sequential;
import dev.layerfuse.tensor.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Explicit groups, the registry's immutability, overrides, additions and switches. */
class FuserApiTest {
  private static Graph net() {
    Sequential m = Sequential.named(
        "conv1", Conv2d.builder(3, 4, 3).padding(1).build(), "bn1", new BatchNorm2d(4), "relu1", new ReLU(),
        "pool", new MaxPool2d(2), "relu2", new ReLU(),
        "flat", new dev.layerfuse.nn.Flatten(),
        "fc3", Sequential.named("bn", new BatchNorm1d(16), "linear", new Linear(16, 5)));
    return Init.randomize(m, 11).toGraph(Shape.of(2, 3, 4, 4));
  }

  @Test
  void explicitGroupsFuseOnlyWhatIsNamed() {
    Graph g = net();
    Fuser.Result r = Fuser.withDefaults().fuse(g, List.of(List.of("conv1", "bn1", "relu1"), List.of("fc3.bn", "fc3.linear")));
    assertEquals(List.of("Conv", "MaxPool", "Activation", "Flatten", "Gemm"), r.graph().nodes().stream().map(Node::kind).toList());
    assertEquals(List.of("conv1", "pool", "relu2", "flat", "fc3.linear"), r.graph().nodes().stream().map(Node::name).toList());
    assertTrue(Verifier.verify(g, r.graph(), 3).within(1e-5));
    assertEquals(8, g.nodes().size(), "input graph unchanged");
  }

  @Test
  void explicitGroupNoRuleHandlesThrowsNamingGroupAndKinds() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Fuser.withDefaults().fuse(net(), List.of(List.of("pool", "relu2"))));
    assertTrue(e.getMessage().contains("[pool, relu2]") && e.getMessage().contains("MaxPool, Activation")
        && e.getMessage().contains("no enabled rule fuses MaxPool + Activation"), e.getMessage());
    IllegalArgumentException notChain = assertThrows(IllegalArgumentException.class,
        () -> Fuser.withDefaults().fuse(net(), List.of(List.of("conv1", "relu1"))));
    assertTrue(notChain.getMessage().contains("relu1 does not read the output of conv1"), notChain.getMessage());
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
        () -> Fuser.withDefaults().fuse(net(), List.of(List.of("conv9"))));
    assertTrue(unknown.getMessage().contains("no node named 'conv9'"), unknown.getMessage());
    IllegalArgumentException disabled = assertThrows(IllegalArgumentException.class,
        () -> new Fuser(FusionRegistry.defaults().disable("conv-bn")).fuse(net(), List.of(List.of("conv1", "bn1"))));
    assertTrue(disabled.getMessage().contains("Conv + BatchNorm"), disabled.getMessage());
  }

  @Test
  void registryIsImmutableAndValidatesIds() {
    FusionRegistry d = FusionRegistry.defaults();
    FusionRegistry less = d.disable("conv-bn");
    assertTrue(d.disabled().isEmpty());
    assertTrue(less.disabled().contains("conv-bn"));
    assertThrows(UnsupportedOperationException.class, () -> d.enabled().add(null));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.disable("conv-bnn"));
    assertTrue(e.getMessage().contains("unknown fusion rule 'conv-bnn'"), e.getMessage());
  }

  @Test
  void systemPropertyDisablesRules() {
    System.setProperty(FusionRegistry.DISABLE_PROPERTY, "conv-bn, conv-act");
    try {
      Fuser.Result r = Fuser.withDefaults().fuse(net());
      assertTrue(!r.report().rulesApplied().contains("conv-bn") && !r.report().rulesApplied().contains("conv-act"));
      assertTrue(r.graph().kindCounts().containsKey("ScaleShift"), r.report().toString());
      System.setProperty(FusionRegistry.DISABLE_PROPERTY, "nope");
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Fuser::withDefaults);
      assertTrue(e.getMessage().contains("-Dlayerfuse.fuse.disable=nope"), e.getMessage());
    } finally {
      System.clearProperty(FusionRegistry.DISABLE_PROPERTY);
    }
  }

  @Test
  void usersCanOverrideAndAddRules() {
    // Override: keep Dropout (a user who wants it visible in the graph).
    FusionRegistry keep = FusionRegistry.defaults().with(
        FusionRule.of("remove-dropout", List.of("Dropout"), "never", (g, c) -> new Decline("kept by user rule")));
    Graph g = Init.randomize(new Sequential(new Linear(4, 4), new Dropout(), new ReLU(), new ReLU()), 1).toGraph(Shape.of(1, 4));
    Fuser.Result r = new Fuser(keep).fuse(g);
    assertTrue(r.graph().kindCounts().containsKey("Dropout"));
    assertEquals(keep.ids(), FusionRegistry.defaults().ids(), "an override keeps the rule's place");
    // Addition: ReLU after ReLU is one ReLU.
    FusionRegistry more = FusionRegistry.defaults().with(FusionRule.of("relu-relu", List.of("Activation", "Activation"),
        "both ReLU", (gr, c) -> new Replace(c.get(0).withOutput(c.get(1).output()))));
    Graph g2 = Init.randomize(new Sequential(new MaxPool2d(2), new ReLU(), new ReLU()), 1).toGraph(Shape.of(1, 2, 4, 4));
    Fuser.Result r2 = new Fuser(more).fuse(g2);
    assertTrue(r2.report().rulesApplied().contains("relu-relu"), r2.report().toString());
    assertEquals(2, r2.graph().nodes().size());
    assertTrue(Verifier.verify(g2, r2.graph(), 1).within(1e-6));
  }
}
