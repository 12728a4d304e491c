package dev.layerfuse.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.graph.BatchNormOp;
import dev.layerfuse.graph.ConvOp;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.Node;
import dev.layerfuse.graph.PoolOp;
import dev.layerfuse.nn.BatchNorm1d;
import dev.layerfuse.nn.BatchNorm2d;
import dev.layerfuse.nn.Conv2d;
import dev.layerfuse.nn.Init;
import dev.layerfuse.nn.Linear;
import dev.layerfuse.nn.ReLU;
import dev.layerfuse.nn.Residual;
import dev.layerfuse.nn.Sequential;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each decline happens, is reported with its reason, and leaves the graph exact. */
class FusionDeclineTest {

  private static FusionReport.Declined declined(FusionReport r, String rule) {
    return r.declined().stream().filter(d -> d.rule().equals(rule)).findFirst()
        .orElseThrow(() -> new AssertionError("no decline by " + rule + " in\n" + r));
  }

  @Test
  void batchNormInTrainingModeIsNotFolded() {
    Sequential m = new Sequential(Conv2d.builder(3, 4, 3).build(), new BatchNorm2d(4));
    Graph g = Init.randomize(m, 1).train(true).toGraph(Shape.of(2, 3, 6, 6));
    Fuser.Result r = FusionRulesTest.fuseExact(g);
    assertTrue(declined(r.report(), "conv-bn").reason().contains("training mode"), r.report().toString());
    assertEquals(List.of("Conv", "BatchNorm"), r.graph().nodes().stream().map(Node::kind).toList());
  }

  @Test
  void batchNormWithoutRunningStatisticsIsNotFolded() {
    Sequential m = new Sequential(new Linear(6, 4), new BatchNorm1d(4, 1e-5f, true, false));
    Graph g = Init.randomize(m, 1).toGraph(Shape.of(5, 6));
    Fuser.Result r = FusionRulesTest.fuseExact(g);
    assertTrue(declined(r.report(), "linear-bn").reason().contains("track_running_stats=false"), r.report().toString());
    assertTrue(declined(r.report(), "bn-scale-shift").reason().contains("no running statistics"));
    assertEquals(2, r.graph().nodes().size());
  }

  @Test
  void intermediateWithTwoConsumersIsNotFolded() {
    // The conv output feeds the BN and, through the identity shortcut, the Add.
    Sequential m = Sequential.named("conv", Conv2d.builder(3, 4, 3).padding(1).build(),
        "block", Residual.builder().mainInline(Sequential.named("bn", new BatchNorm2d(4))).build());
    Graph g = Init.randomize(m, 2).toGraph(Shape.of(1, 3, 5, 5));
    Fuser.Result r = FusionRulesTest.fuseExact(g);
    assertTrue(declined(r.report(), "conv-bn").reason().contains("has 2 consumers"), r.report().toString());
    assertTrue(r.graph().hasNode("conv") && r.graph().kindCounts().containsKey("Conv"));
  }

  @Test
  void intermediateThatIsAGraphOutputIsNotFolded() {
    Graph src = Init.randomize(new Sequential(Conv2d.builder(3, 4, 3).build(), new BatchNorm2d(4)), 3)
        .toGraph(Shape.of(1, 3, 5, 5));
    Graph g = new Graph(src.inputs(), src.nodes(), List.of("0", "1"));
    Fuser.Result r = FusionRulesTest.fuseExact(g);
    assertTrue(declined(r.report(), "conv-bn").reason().contains("is a graph output"), r.report().toString());
    assertEquals(List.of("0", "1"), r.graph().outputs());
  }

  @Test
  void sharedWeightIsFoldedIntoACopy() {
    Conv2d shared = Conv2d.builder(4, 4, 3).padding(1).build();
    Sequential m = new Sequential(shared, new BatchNorm2d(4), new ReLU(), shared, new BatchNorm2d(4, 1e-3f));
    Graph g = Init.randomize(m, 5).toGraph(Shape.of(1, 4, 6, 6));
    assertTrue(g.node("0").op().parameters().get("weight") == g.node("3").op().parameters().get("weight"));
    Fuser.Result r = FusionRulesTest.fuseExact(g);
    assertEquals(2, r.graph().nodes().size(), r.report().toString());
    assertTrue(r.report().notes().stream().anyMatch(n -> n.contains("shared with") && n.contains("copy")), r.report().toString());
    assertTrue(g.node("0").op().parameters().get("weight") == shared.parameter("weight"), "the input graph is untouched");
  }

  @Test
  void reluBetweenLinearAndBatchNormBlocksTheFold() {
    Sequential m = new Sequential(new Linear(6, 5), new ReLU(), new BatchNorm1d(5));
    Fuser.Result r = FusionRulesTest.fuseExact(Init.randomize(m, 6).toGraph(Shape.of(3, 6)));
    assertTrue(declined(r.report(), "linear-bn").reason().contains("activation (relu) sits between"), r.report().toString());
    assertEquals(List.of("Gemm", "ScaleShift"), r.graph().nodes().stream().map(Node::kind).toList());
  }

  @Test
  void bnBeforePaddedConvWithADeadChannelIsDeclined() {
    // Channel 1 has gamma 0 and beta 1: BN outputs 1 there whatever the input, so no pad value maps to 0.
    Tensor c = Tensor.of(Shape.of(2), new float[] {1, 0});
    BatchNormOp bn = BatchNormOp.eval(c, Tensor.of(Shape.of(2), new float[] {0, 1}),
        Tensor.of(Shape.of(2), new float[] {0.1f, 0.2f}), Tensor.of(Shape.of(2), new float[] {1, 1}), 1e-5f);
    ConvOp conv = ConvOp.of(Scenarios.random(new java.util.SplittableRandom(1), Shape.of(3, 2, 3, 3)), null,
        new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1);
    Graph g = new Graph(Map.of("x", Shape.of(1, 2, 5, 5)),
        List.of(new Node("bn", bn, List.of("x"), "b"), new Node("conv", conv, List.of("b"), "y")), List.of("y"));
    Fuser.Result r = FusionRulesTest.fuseExact(g);
    assertTrue(declined(r.report(), "bn-conv").reason().contains("no pad value keeps the fold exact"), r.report().toString());
    assertEquals(List.of("ScaleShift", "Conv"), r.graph().nodes().stream().map(Node::kind).toList());
  }

  @Test
  void linearLinearMergeThatCostsMoreIsDeclined() {
    Sequential m = new Sequential(new Linear(64, 8), new Linear(8, 64));
    Fuser.Result r = FusionRulesTest.fuseExact(Init.randomize(m, 8).toGraph(Shape.of(2, 64)));
    assertTrue(declined(r.report(), "linear-linear").reason().contains("merging costs more"), r.report().toString());
    assertEquals(2, r.graph().nodes().size());
  }

  @Test
  void convWithActivationBeforeTheAddKeepsTheAdd() {
    // relu(conv(x)) + x: the epilogue adds before the activation, so this Add cannot be absorbed.
    Sequential main = Sequential.named("conv", Conv2d.builder(4, 4, 3).padding(1).build(), "relu", new ReLU());
    Graph g = Init.randomize(Residual.builder().mainInline(main).build(), 9).toGraph(Shape.of(1, 4, 5, 5));
    Fuser.Result r = FusionRulesTest.fuseExact(g);
    assertTrue(declined(r.report(), "conv-add").reason().contains("before the Add"), r.report().toString());
    assertEquals(List.of("Conv", "Add"), r.graph().nodes().stream().map(Node::kind).toList());
  }

  @Test
  void poolsAreNeverFused() {
    Graph g = new Graph(Map.of("x", Shape.of(1, 1, 4, 4)), List.of(new Node("p",
        new PoolOp(PoolOp.Type.MAX, new int[] {2, 2}, new int[] {2, 2}, new int[4], new int[] {1, 1}, false, false),
        List.of("x"), "y")), List.of("y"));
    Fuser.Result r = Fuser.withDefaults().fuse(g);
    assertEquals(1, r.graph().nodes().size());
    assertTrue(r.report().fused().isEmpty() && r.report().declined().isEmpty());
  }
}
