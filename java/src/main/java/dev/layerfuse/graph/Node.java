package dev.layerfuse.graph;

import java.util.List;
import java.util.Objects;

/**
 * One operation in a {@link Graph}: a unique name, its op, the values it reads and the value it
 * produces. Immutable.
 */
public record Node(String name, Op op, List<String> inputs, String output) {
  public Node {
    Objects.requireNonNull(name, "node name");
    Objects.requireNonNull(op, "op of node " + name);
    inputs = List.copyOf(inputs);
    Objects.requireNonNull(output, "output of node " + name);
    if (inputs.size() != op.arity()) {
      throw new IllegalArgumentException(
          name + ": " + op.kind() + " takes " + op.arity() + " input(s), got " + inputs.size() + " " + inputs);
    }
  }

  public String kind() {
    return op.kind();
  }

  /** The same node with another op (and the same inputs and output). */
  public Node withOp(Op newOp) {
    return new Node(name, newOp, inputs, output);
  }

  /** The same node writing another value. */
  public Node withOutput(String value) {
    return new Node(name, op, inputs, value);
  }

  @Override
  public String toString() {
    return name + " = " + op.kind() + "(" + String.join(", ", inputs) + ") -> " + output;
  }
}
