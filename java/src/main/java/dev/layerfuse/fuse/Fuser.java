package dev.layerfuse.fuse;

import dev.layerfuse.fuse.FusionRule.Decline;
import dev.layerfuse.fuse.FusionRule.Outcome;
import dev.layerfuse.fuse.FusionRule.Remove;
import dev.layerfuse.fuse.FusionRule.Replace;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.Node;
import dev.layerfuse.tensor.Tensor;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Rewrites a graph with the rules of a {@link FusionRegistry}: automatically over the whole
 * graph, or for an explicit list of named node groups. Never modifies its input: every call
 * returns a new graph with a {@link FusionReport}.
 *
 * <p>Automatic fusion applies rules by priority: it always fires the earliest rule (in registry
 * order) that matches anywhere, then starts over, until none matches. So every BatchNorm is
 * folded where possible before epilogues are fused, and a lone BatchNorm becomes scale+shift
 * only when no layer could absorb it.
 */
public final class Fuser {
  private final FusionRegistry registry;

  public Fuser(FusionRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** A fuser with the built-in rules less those disabled by {@code -Dlayerfuse.fuse.disable}. */
  public static Fuser withDefaults() {
    return new Fuser(FusionRegistry.fromSystemProperties());
  }

  public FusionRegistry registry() {
    return registry;
  }

  /** The fused graph and what was done. */
  public record Result(Graph graph, FusionReport report) {}

  /** Fuses everything the enabled rules can fuse exactly. */
  public Result fuse(Graph graph) {
    Work w = new Work(graph);
    List<FusionRule> rules = registry.enabled();
    int guard = graph.nodes().size() * Math.max(1, rules.size()) + 10;
    boolean changed = true;
    while (changed) {
      if (guard-- < 0) throw new IllegalStateException("fusion did not converge; a rule keeps rewriting its own output");
      changed = false;
      outer:
      for (FusionRule rule : rules) {
        for (Node start : w.graph.nodes()) {
          List<Node> chain = w.match(rule, start);
          if (chain == null) continue;
          if (w.apply(rule, chain)) {
            changed = true;
            break outer;
          }
        }
      }
    }
    return w.result(graph);
  }

  /**
   * Fuses the named groups, each a chain in dataflow order, e.g.
   * {@code [["conv1","bn1","relu1"], ["fc3.bn","fc3.linear"]]}.
   *
   * @throws IllegalArgumentException naming the group and its op kinds when a node is unknown,
   *     the nodes do not form a chain, or no enabled rule fuses the sequence exactly
   */
  public Result fuse(Graph graph, List<List<String>> groups) {
    Work w = new Work(graph);
    for (List<String> group : groups) {
      if (group == null || group.isEmpty()) throw new IllegalArgumentException("empty fusion group in " + groups);
      List<String> names = new ArrayList<>(group);
      for (String n : names) {
        if (!w.graph.hasNode(n)) {
          throw new IllegalArgumentException("group " + group + ": no node named '" + n + "'"
              + (graph.hasNode(n) ? " any more (an earlier group fused it)" : ""));
        }
      }
      String kinds = names.stream().map(n -> w.graph.node(n).kind()).collect(Collectors.joining(", "));
      for (int i = 0; i + 1 < names.size(); i++) {
        Node a = w.graph.node(names.get(i)), b = w.graph.node(names.get(i + 1));
        if (!b.inputs().contains(a.output())) {
          throw new IllegalArgumentException("group " + group + " (" + kinds + "): " + b.name() + " does not read the output of " + a.name());
        }
        String why = w.whyNotSingleUse(a);
        if (why != null) throw new IllegalArgumentException("group " + group + " (" + kinds + "): " + why);
      }
      List<String> reasons = new ArrayList<>();
      while (true) {
        boolean progressed = false;
        if (names.size() == 1) {
          Node only = w.graph.node(names.get(0));
          for (FusionRule rule : registry.enabled()) {
            if (rule.pattern().equals(List.of(only.kind())) && w.apply(rule, List.of(only), reasons)) {
              names.clear();
              break;
            }
          }
          if (!names.isEmpty() && group.size() == 1) {
            throw new IllegalArgumentException("group " + group + " (" + kinds + "): no rule handles a lone " + only.kind()
                + (reasons.isEmpty() ? "" : "; " + String.join("; ", reasons)));
          }
          break;
        }
        for (int i = 0; i + 1 < names.size() && !progressed; i++) {
          Node a = w.graph.node(names.get(i)), b = w.graph.node(names.get(i + 1));
          for (FusionRule rule : registry.enabled()) {
            if (!rule.pattern().equals(List.of(a.kind(), b.kind()))) continue;
            String result = w.applyNamed(rule, List.of(a, b), reasons);
            if (result != null) {
              names.set(i, result);
              names.remove(i + 1);
              progressed = true;
              break;
            }
          }
        }
        if (!progressed) {
          List<String> now = names.stream().map(n -> w.graph.node(n).kind()).collect(Collectors.toList());
          throw new IllegalArgumentException("group " + group + " (" + kinds + "): no enabled rule fuses "
              + String.join(" + ", now) + (reasons.isEmpty() ? "" : "; " + String.join("; ", reasons)));
        }
      }
    }
    return w.result(graph);
  }

  /** The mutable state of one fusion run; the input graph itself is never touched. */
  private static final class Work {
    Graph graph;
    final Map<String, FusionReport.Fused> fused = new LinkedHashMap<>();
    final Map<String, FusionReport.Declined> declined = new LinkedHashMap<>();
    final List<String> notes = new ArrayList<>();

    Work(Graph g) {
      this.graph = g;
    }

    String whyNotSingleUse(Node n) {
      if (graph.isOutput(n.output())) return "the output of " + n.name() + " is a graph output";
      int uses = graph.consumers(n.output()).size();
      if (uses != 1) return "the output of " + n.name() + " has " + uses + " consumers";
      return null;
    }

    /** The chain starting at {@code start} that matches the rule's pattern, or null. */
    List<Node> match(FusionRule rule, Node start) {
      List<String> p = rule.pattern();
      if (!start.kind().equals(p.get(0))) return null;
      if (p.size() == 1) return List.of(start);
      List<Node> next = graph.consumers(start.output());
      Node second = null;
      for (Node c : next) if (c.kind().equals(p.get(1))) second = c;
      if (second == null) return null;
      String why = whyNotSingleUse(start);
      if (why != null) {
        decline(rule, List.of(start, second), why);
        return null;
      }
      return List.of(start, second);
    }

    void decline(FusionRule rule, List<Node> chain, String reason) {
      List<String> names = chain.stream().map(Node::name).collect(Collectors.toList());
      declined.putIfAbsent(rule.id() + names, new FusionReport.Declined(rule.id(), names, reason));
    }

    boolean apply(FusionRule rule, List<Node> chain) {
      return applyNamed(rule, chain, null) != null;
    }

    boolean apply(FusionRule rule, List<Node> chain, List<String> reasons) {
      return applyNamed(rule, chain, reasons) != null;
    }

    /** Applies the rule; returns the surviving node's name ("" when removed), or null if not applied. */
    String applyNamed(FusionRule rule, List<Node> chain, List<String> reasons) {
      Outcome o = rule.rewrite(graph, chain);
      List<String> names = chain.stream().map(Node::name).collect(Collectors.toList());
      if (o instanceof Decline d) {
        decline(rule, chain, d.reason());
        if (reasons != null) reasons.add(rule.id() + " declined: " + d.reason());
        return null;
      }
      if (o instanceof Remove) {
        Node n = chain.get(0);
        if (graph.isOutput(n.output())) {
          String why = "its output '" + n.output() + "' is a graph output";
          decline(rule, chain, why);
          if (reasons != null) reasons.add(rule.id() + " declined: " + why);
          return null;
        }
        List<Node> nodes = new ArrayList<>();
        for (Node x : graph.nodes()) {
          if (x == n) continue;
          List<String> ins = new ArrayList<>(x.inputs());
          ins.replaceAll(v -> v.equals(n.output()) ? n.inputs().get(0) : v);
          nodes.add(ins.equals(x.inputs()) ? x : new Node(x.name(), x.op(), ins, x.output()));
        }
        record(rule, names, "");
        graph = new Graph(graph.inputs(), nodes, graph.outputs());
        return "";
      }
      if (!(o instanceof Replace r)) return null;
      Node repl = r.node();
      noteSharedWeights(chain);
      List<Node> nodes = new ArrayList<>();
      Node last = chain.get(chain.size() - 1);
      for (Node x : graph.nodes()) {
        if (x == last) nodes.add(repl);
        else if (!chain.contains(x)) nodes.add(x);
      }
      graph = new Graph(graph.inputs(), nodes, graph.outputs());
      record(rule, names, repl.name());
      return repl.name();
    }

    private void record(FusionRule rule, List<String> names, String result) {
      List<String> originals = new ArrayList<>();
      List<String> rules = new ArrayList<>();
      for (String n : names) {
        FusionReport.Fused prior = fused.remove(n);
        if (prior != null) {
          originals.addAll(prior.nodes());
          rules.addAll(prior.rules());
        } else {
          originals.add(n);
        }
      }
      rules.add(rule.id());
      fused.put(result.isEmpty() ? "removed:" + names.get(0) : result, new FusionReport.Fused(result, originals, rules));
    }

    private void noteSharedWeights(List<Node> chain) {
      Map<Tensor, String> owners = new IdentityHashMap<>();
      for (Node x : graph.nodes()) {
        if (chain.contains(x)) continue;
        for (Tensor t : x.op().parameters().values()) owners.putIfAbsent(t, x.name());
      }
      for (Node c : chain) {
        for (Map.Entry<String, Tensor> e : c.op().parameters().entrySet()) {
          String other = owners.get(e.getValue());
          if (other != null) {
            notes.add(c.name() + "." + e.getKey() + " is shared with " + other
                + ": folded into a copy (exact; " + other + " keeps the original, costing " + e.getValue().numel()
                + " more parameters)");
          }
        }
      }
    }

    Result result(Graph original) {
      List<FusionReport.Fused> f = new ArrayList<>(fused.values());
      List<FusionReport.Declined> d = new ArrayList<>();
      for (FusionReport.Declined x : declined.values()) {
        // A decline about nodes that a later rewrite removed is moot.
        if (x.nodes().stream().allMatch(graph::hasNode)) d.add(x);
      }
      return new Result(graph, new FusionReport(f, d, notes, original.nodes().size(), graph.nodes().size(),
          original.parameterCount(), graph.parameterCount()));
    }
  }
}
