package dev.layerfuse.fuse;

import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.Node;
import java.util.List;
import java.util.Objects;

/**
 * A fusion rule: a pattern (a chain of op kinds, each node the only consumer of the previous
 * one's output) and a rewrite of a matching chain into one node, or into nothing for a single
 * pass-through node. The rule states when it is exact; it checks that and declines otherwise.
 *
 * <p>The {@link Fuser} finds the chains and checks the generic conditions (single consumer, not
 * a graph output); {@link #rewrite} checks the rule's own.
 */
public interface FusionRule {
  /** A stable id, used by reports and by {@code -Dlayerfuse.fuse.disable=ID[,ID]}. */
  String id();

  /** The op kinds of the chain, in dataflow order, e.g. {@code [Conv, BatchNorm]}. */
  List<String> pattern();

  /** When the rewrite is exact (for reports and documentation). */
  String exactness();

  /**
   * Rewrites {@code chain} (which matches {@link #pattern()}). The replacement must produce the
   * chain's last output; it may read any value the chain read.
   */
  Outcome rewrite(Graph graph, List<Node> chain);

  /** What a rule made of a chain. */
  sealed interface Outcome permits Replace, Remove, Decline, Skip {}

  /** Replace the chain by one node (named after the chain's first node by convention). */
  record Replace(Node node) implements Outcome {
    public Replace {
      Objects.requireNonNull(node, "replacement node");
    }
  }

  /** Remove a single pass-through node: its consumers read its input instead. */
  record Remove() implements Outcome {}

  /** The kinds matched but the rule would not be exact: reported with the reason. */
  record Decline(String reason) implements Outcome {}

  /** Not this rule's business after all (e.g. an Add that is not a residual): not reported. */
  record Skip() implements Outcome {}

  /** A rule from its parts; {@code rewrite} gets the graph and the matched chain. */
  static FusionRule of(String id, List<String> pattern, String exactness,
                       java.util.function.BiFunction<Graph, List<Node>, Outcome> rewrite) {
    return new SimpleRule(id, List.copyOf(pattern), exactness, rewrite);
  }

  /** The record behind {@link #of}. */
  record SimpleRule(String id, List<String> pattern, String exactness,
                    java.util.function.BiFunction<Graph, List<Node>, Outcome> fn) implements FusionRule {
    public SimpleRule {
      if (id == null || id.isBlank()) throw new IllegalArgumentException("rule id is blank");
      if (pattern.isEmpty() || pattern.size() > 2) {
        throw new IllegalArgumentException("rule " + id + ": pattern must have 1 or 2 op kinds, got " + pattern);
      }
      Objects.requireNonNull(fn, "rewrite of rule " + id);
    }

    @Override
    public Outcome rewrite(Graph graph, List<Node> chain) {
      return fn.apply(graph, chain);
    }
  }
}
