package dev.layerfuse.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphTest {
  private static Node relu(String name, String in, String out) {
    return new Node(name, new ActivationOp(Activation.relu()), List.of(in), out);
  }

  @Test
  void sortsNodesAndIndexesProducersAndConsumers() {
    Node b = relu("b", "a", "bv"), a = relu("a", "x", "a"), c = new Node("c", new AddOp(), List.of("a", "bv"), "c");
    Graph g = new Graph(Map.of("x", Shape.of(2, 3)), List.of(c, b, a), List.of("c"));
    assertEquals(List.of("a", "b", "c"), g.nodes().stream().map(Node::name).toList());
    assertEquals(2, g.consumers("a").size());
    assertEquals("b", g.producer("bv").name());
    assertEquals(Shape.of(2, 3), g.shape("c"));
    assertEquals(Shape.of(5, 3), g.inferShapes(Map.of("x", Shape.of(5, 3))).get("c"));
  }

  @Test
  void rejectsCyclesDuplicatesAndUndefinedValues() {
    IllegalArgumentException cycle = assertThrows(IllegalArgumentException.class, () -> new Graph(Map.of("x", Shape.of(1)),
        List.of(relu("a", "b", "a"), relu("b", "a", "b")), List.of("b")));
    assertTrue(cycle.getMessage().contains("cycle"), cycle.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Graph(Map.of("x", Shape.of(1)),
        List.of(relu("a", "x", "y"), relu("a", "y", "z")), List.of("z")));
    IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> new Graph(Map.of("x", Shape.of(1)),
        List.of(relu("a", "x", "y"), relu("b", "x", "y")), List.of("y")));
    assertTrue(twice.getMessage().contains("produced twice"), twice.getMessage());
    IllegalArgumentException undefined = assertThrows(IllegalArgumentException.class, () -> new Graph(Map.of("x", Shape.of(1)),
        List.of(relu("a", "q", "y")), List.of("y")));
    assertTrue(undefined.getMessage().contains("a: input 'q'"), undefined.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Graph(Map.of("x", Shape.of(1)), List.of(), List.of("nope")));
  }

  @Test
  void shapeErrorsNameTheNodeAndBothShapes() {
    Tensor w = Tensor.zeros(Shape.of(64, 64, 3, 3));
    ConvOp conv = ConvOp.of(w, null, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1}, 1);
    ShapeException e = assertThrows(ShapeException.class, () -> new Graph(Map.of("x", Shape.of(1, 3, 8, 8)),
        List.of(new Node("conv1", conv, List.of("x"), "y")), List.of("y")));
    assertTrue(e.getMessage().startsWith("conv1: input has 3 channels") && e.getMessage().contains("expects 64"), e.getMessage());
    ShapeException add = assertThrows(ShapeException.class, () -> new Graph(Map.of("x", Shape.of(1, 2), "z", Shape.of(1, 3)),
        List.of(new Node("sum", new AddOp(), List.of("x", "z"), "y")), List.of("y")));
    assertTrue(add.getMessage().contains("sum: Add inputs must have one shape, got [1, 2] and [1, 3]"), add.getMessage());
    LinearOp fc = LinearOp.of(Tensor.zeros(Shape.of(10, 512)), null);
    ShapeException lin = assertThrows(ShapeException.class, () -> new Graph(Map.of("x", Shape.of(2, 500)),
        List.of(new Node("fc", fc, List.of("x"), "y")), List.of("y")));
    assertTrue(lin.getMessage().contains("fc: input has 500 features") && lin.getMessage().contains("expects 512"), lin.getMessage());
    ShapeException small = assertThrows(ShapeException.class, () -> new Graph(Map.of("x", Shape.of(1, 64, 1, 1)),
        List.of(new Node("c", ConvOp.of(w, null, new int[] {1, 1}, new int[4], new int[] {1, 1}, 1), List.of("x"), "y")),
        List.of("y")));
    assertTrue(small.getMessage().contains("smaller than the dilated kernel"), small.getMessage());
  }

  @Test
  void opsValidateTheirAttributes() {
    Tensor w = Tensor.zeros(Shape.of(6, 2, 3, 3));
    assertThrows(IllegalArgumentException.class, () -> ConvOp.of(w, null, new int[] {0, 1}, new int[4], new int[] {1, 1}, 1));
    assertThrows(IllegalArgumentException.class, () -> ConvOp.of(w, null, new int[] {1, 1}, new int[4], new int[] {1, 1}, 4));
    assertThrows(IllegalArgumentException.class, () -> ConvOp.of(w, Tensor.zeros(Shape.of(5)), new int[] {1, 1}, new int[4], new int[] {1, 1}, 1));
    assertThrows(IllegalArgumentException.class, () -> new PoolOp(PoolOp.Type.MAX, new int[] {2, 2}, new int[] {2, 2},
        new int[] {2, 2, 2, 2}, new int[] {1, 1}, false, false));
    IllegalArgumentException var = assertThrows(IllegalArgumentException.class, () -> BatchNormOp.eval(null, null,
        Tensor.zeros(Shape.of(2)), Tensor.of(Shape.of(2), new float[] {1, Float.NaN}), 1e-5f));
    assertTrue(var.getMessage().contains("running_var[1] is NaN"), var.getMessage());
    int[] stride = {1, 1};
    ConvOp op = ConvOp.of(w, null, stride, new int[4], new int[] {1, 1}, 2);
    stride[0] = 7;
    op.stride()[1] = 9;
    assertEquals(1, op.stride()[0] + op.stride()[1] - 1, "ops copy their arrays in and out");
  }
}
