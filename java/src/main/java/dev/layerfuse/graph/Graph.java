package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An immutable dataflow graph: named inputs with declared shapes, nodes in topological order,
 * and named outputs. Every value is produced exactly once (by an input or a node), every value
 * read is produced, and there are no cycles; the constructor checks all of it and sorts the
 * nodes if they were given out of order.
 *
 * <p>The declared input shapes fix everything but the batch dimension: {@link #inferShapes(Map)}
 * re-infers for other input shapes.
 */
public final class Graph {
  private final Map<String, Shape> inputs;
  private final List<Node> nodes;
  private final List<String> outputs;
  private final Map<String, Node> producers;
  private final Map<String, List<Node>> consumers;
  private final Map<String, Node> byName;
  private final Map<String, Shape> shapes;

  public Graph(Map<String, Shape> inputs, List<Node> nodes, List<String> outputs) {
    this.inputs = Collections.unmodifiableMap(new LinkedHashMap<>(inputs));
    this.outputs = List.copyOf(outputs);
    Map<String, Node> prod = new HashMap<>();
    Map<String, Node> names = new HashMap<>();
    for (Node n : nodes) {
      if (names.put(n.name(), n) != null) throw new IllegalArgumentException("duplicate node name '" + n.name() + "'");
      if (this.inputs.containsKey(n.output())) {
        throw new IllegalArgumentException(n.name() + ": output '" + n.output() + "' is also a graph input");
      }
      Node prev = prod.put(n.output(), n);
      if (prev != null) {
        throw new IllegalArgumentException(
            "value '" + n.output() + "' is produced twice, by " + prev.name() + " and " + n.name());
      }
    }
    this.nodes = List.copyOf(topologicalOrder(nodes, prod));
    this.producers = Collections.unmodifiableMap(prod);
    this.byName = Collections.unmodifiableMap(names);
    Map<String, List<Node>> cons = new HashMap<>();
    for (Node n : this.nodes) for (String in : n.inputs()) cons.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
    cons.replaceAll((k, v) -> List.copyOf(v));
    this.consumers = Collections.unmodifiableMap(cons);
    for (String out : this.outputs) {
      if (!this.inputs.containsKey(out) && !prod.containsKey(out)) {
        throw new IllegalArgumentException("graph output '" + out + "' is not produced by any node or input");
      }
    }
    this.shapes = inferShapes(this.inputs);
  }

  private List<Node> topologicalOrder(List<Node> given, Map<String, Node> prod) {
    int[] pending = new int[given.size()];
    Map<String, List<Integer>> waiting = new HashMap<>();
    // Kahn's algorithm, always taking the earliest ready node so that a valid order is kept.
    java.util.PriorityQueue<Integer> ready = new java.util.PriorityQueue<>();
    for (int i = 0; i < given.size(); i++) {
      Node n = given.get(i);
      for (String in : n.inputs()) {
        if (inputs.containsKey(in)) continue;
        if (!prod.containsKey(in)) {
          throw new IllegalArgumentException(n.name() + ": input '" + in + "' is not produced by any node or graph input");
        }
        pending[i]++;
        waiting.computeIfAbsent(in, k -> new ArrayList<>()).add(i);
      }
      if (pending[i] == 0) ready.add(i);
    }
    List<Node> order = new ArrayList<>(given.size());
    while (!ready.isEmpty()) {
      Node next = given.get(ready.poll());
      order.add(next);
      for (int w : waiting.getOrDefault(next.output(), List.of())) {
        if (--pending[w] == 0) ready.add(w);
      }
    }
    if (order.size() < given.size()) {
      Set<Node> done = new HashSet<>(order);
      List<String> stuck = new ArrayList<>();
      for (Node n : given) if (!done.contains(n) && stuck.size() < 10) stuck.add(n.name());
      throw new IllegalArgumentException("graph has a cycle through nodes " + stuck);
    }
    return order;
  }

  public Map<String, Shape> inputs() {
    return inputs;
  }

  public List<Node> nodes() {
    return nodes;
  }

  public List<String> outputs() {
    return outputs;
  }

  public Node node(String name) {
    Node n = byName.get(name);
    if (n == null) throw new IllegalArgumentException("no node named '" + name + "'");
    return n;
  }

  public boolean hasNode(String name) {
    return byName.containsKey(name);
  }

  /** The node producing {@code value}, or null for a graph input. */
  public Node producer(String value) {
    return producers.get(value);
  }

  /** The nodes reading {@code value}, in topological order. */
  public List<Node> consumers(String value) {
    return consumers.getOrDefault(value, List.of());
  }

  public boolean isOutput(String value) {
    return outputs.contains(value);
  }

  /** The shape of every value for the declared input shapes. */
  public Map<String, Shape> shapes() {
    return shapes;
  }

  public Shape shape(String value) {
    Shape s = shapes.get(value);
    if (s == null) throw new IllegalArgumentException("no value named '" + value + "'");
    return s;
  }

  /**
   * Infers every value's shape from the given input shapes.
   *
   * @throws ShapeException naming the first node whose inputs do not fit
   */
  public Map<String, Shape> inferShapes(Map<String, Shape> inputShapes) {
    Map<String, Shape> out = new HashMap<>();
    for (Map.Entry<String, Shape> in : inputs.entrySet()) {
      Shape s = inputShapes.get(in.getKey());
      if (s == null) throw new IllegalArgumentException("no shape given for graph input '" + in.getKey() + "'");
      out.put(in.getKey(), s);
    }
    for (Node n : nodes) {
      List<Shape> ins = new ArrayList<>(n.inputs().size());
      for (String v : n.inputs()) ins.add(out.get(v));
      out.put(n.output(), n.op().inferShape(n.name(), ins));
    }
    return Collections.unmodifiableMap(out);
  }

  public long parameterCount() {
    long n = 0;
    for (Node node : nodes) n += node.op().parameterCount();
    return n;
  }

  /** Node count per op kind, in first-seen order. */
  public Map<String, Integer> kindCounts() {
    Map<String, Integer> m = new LinkedHashMap<>();
    for (Node n : nodes) m.merge(n.kind(), 1, Integer::sum);
    return m;
  }

  /** A multi-line listing: one line per node with its output shape. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    inputs.forEach((k, v) -> sb.append("input ").append(k).append(' ').append(v).append('\n'));
    for (Node n : nodes) {
      sb.append(n.name()).append(": ").append(n.op().describe()).append(" (").append(String.join(", ", n.inputs()))
          .append(") -> ").append(shapes.get(n.output())).append('\n');
    }
    sb.append("outputs ").append(outputs).append('\n');
    return sb.toString();
  }

  @Override
  public String toString() {
    return "Graph[" + nodes.size() + " nodes, " + parameterCount() + " parameters]";
  }
}
