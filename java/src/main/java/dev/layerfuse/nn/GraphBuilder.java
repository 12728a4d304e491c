package dev.layerfuse.nn;

import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.Node;
import dev.layerfuse.graph.Op;
import dev.layerfuse.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Collects the nodes modules emit; node names are module paths and each node's value has its name. */
public final class GraphBuilder {
  private final List<Node> nodes = new ArrayList<>();

  /** Adds a node named {@code name} and returns its output value (also {@code name}). */
  public String add(String name, Op op, String... inputs) {
    String n = name.isEmpty() ? op.kind().toLowerCase(java.util.Locale.ROOT) : name;
    nodes.add(new Node(n, op, List.of(inputs), n));
    return n;
  }

  Graph build(Map<String, Shape> inputs, List<String> outputs) {
    return new Graph(inputs, nodes, outputs);
  }
}
