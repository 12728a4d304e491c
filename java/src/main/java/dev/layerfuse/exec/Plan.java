package dev.layerfuse.exec;

import dev.layerfuse.graph.ActivationOp;
import dev.layerfuse.graph.AddOp;
import dev.layerfuse.graph.BatchNormOp;
import dev.layerfuse.graph.ChannelConstantOp;
import dev.layerfuse.graph.ConvOp;
import dev.layerfuse.graph.ConvTransposeOp;
import dev.layerfuse.graph.FlattenOp;
import dev.layerfuse.graph.GlobalAvgPoolOp;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.LinearOp;
import dev.layerfuse.graph.Node;
import dev.layerfuse.graph.PassThroughOp;
import dev.layerfuse.graph.PoolOp;
import dev.layerfuse.graph.ScaleShiftOp;
import dev.layerfuse.tensor.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A graph compiled for one set of input shapes: every shape inferred, one kernel chosen per node,
 * and every intermediate value placed in one arena by liveness (values whose lifetimes do not
 * overlap share memory; Flatten, Identity and Dropout are views). Immutable and thread-safe:
 * each concurrent run binds it to its own workspace.
 */
public final class Plan {
  private static final int ALIGN = 16;

  private final Map<String, Shape> shapes;
  private final Map<String, Long> offsets;
  private final List<Step> steps;
  private final long arenaFloats;
  private final long scratchFloats;
  private final List<String> inputs, outputs;

  private Plan(Map<String, Shape> shapes, Map<String, Long> offsets, List<Step> steps, long arenaFloats,
               long scratchFloats, List<String> inputs, List<String> outputs) {
    this.shapes = shapes;
    this.offsets = offsets;
    this.steps = steps;
    this.arenaFloats = arenaFloats;
    this.scratchFloats = scratchFloats;
    this.inputs = inputs;
    this.outputs = outputs;
  }

  /** One kernel call, resolved to arena and parameter offsets. */
  abstract static class Step {
    final Node node;
    final String kernel;

    Step(Node node, String kernel) {
      this.node = node;
      this.kernel = kernel;
    }

    /** The call with its slices built once, for one workspace. */
    abstract Runnable bind(Kernels k, FloatBuf arena, FloatBuf params, FloatBuf scratch);
  }

  public Map<String, Shape> shapes() { return shapes; }
  public long arenaFloats() { return arenaFloats; }
  public long scratchFloats() { return scratchFloats; }
  public int stepCount() { return steps.size(); }
  List<Step> steps() { return steps; }
  long offset(String value) { return offsets.get(value); }
  List<String> inputs() { return inputs; }
  List<String> outputs() { return outputs; }

  /** One line per kernel call: node, kernel, output shape; then the arena and scratch sizes. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (Step s : steps) {
      sb.append(s.node.name()).append(": ").append(s.kernel).append(" -> ").append(shapes.get(s.node.output()))
          .append(" @").append(offsets.get(s.node.output())).append('\n');
    }
    sb.append("arena ").append(arenaFloats * 4 / 1024).append(" KiB, scratch ").append(scratchFloats * 4 / 1024)
        .append(" KiB, ").append(steps.size()).append(" kernel calls\n");
    return sb.toString();
  }

  /** Kernel kinds the engine has no kernel for, each with the first node that needs it. */
  static Map<String, String> unsupported(Graph g) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Node n : g.nodes()) {
      String why = null;
      if (n.op() instanceof BatchNormOp bn && !bn.foldable()) why = "BatchNorm (" + bn.whyNotFoldable() + ")";
      else if (!(n.op() instanceof ConvOp || n.op() instanceof ConvTransposeOp || n.op() instanceof LinearOp
          || n.op() instanceof BatchNormOp || n.op() instanceof ScaleShiftOp || n.op() instanceof ActivationOp
          || n.op() instanceof PoolOp || n.op() instanceof GlobalAvgPoolOp || n.op() instanceof AddOp
          || n.op() instanceof ChannelConstantOp || n.op() instanceof FlattenOp || n.op() instanceof PassThroughOp
          || n.op() instanceof dev.layerfuse.graph.BinaryOp || n.op() instanceof dev.layerfuse.graph.SoftmaxOp
          || n.op() instanceof dev.layerfuse.graph.ConcatOp || n.op() instanceof dev.layerfuse.graph.TransposeOp
          || n.op() instanceof dev.layerfuse.graph.PadOp || n.op() instanceof dev.layerfuse.graph.ReshapeOp
          || n.op() instanceof dev.layerfuse.graph.MatMulOp || n.op() instanceof dev.layerfuse.graph.GlobalMaxPoolOp
          || n.op() instanceof dev.layerfuse.graph.ConstantOp || n.op() instanceof dev.layerfuse.graph.SliceOp)) {
        why = n.kind();
      }
      if (why != null) out.putIfAbsent(why, n.name());
    }
    return out;
  }

  /** Throws one error listing every unsupported op kind and the first node of each. */
  static void requireSupported(Graph g) {
    Map<String, String> bad = unsupported(g);
    if (!bad.isEmpty()) {
      StringBuilder sb = new StringBuilder("the engine cannot run this graph; unsupported:");
      bad.forEach((k, n) -> sb.append(' ').append(k).append(" (first at node ").append(n).append(");"));
      throw new UnsupportedOperationException(sb.toString());
    }
  }

  /** Compiles {@code g} for the given input shapes against a parameter layout. */
  static Plan compile(Graph g, Map<String, Shape> inputShapes, ParamLayout params) {
    requireSupported(g);
    Map<String, Shape> shapes = g.inferShapes(inputShapes);
    // Views share their input's storage: map every value to the value that owns its memory.
    Map<String, String> root = new HashMap<>();
    for (String in : g.inputs().keySet()) root.put(in, in);
    for (Node n : g.nodes()) {
      boolean view = isView(n);
      root.put(n.output(), view ? root.get(n.inputs().get(0)) : n.output());
    }
    // Lifetimes of roots: [first write, last read]; inputs are written before step 0, outputs read after the end.
    Map<String, int[]> life = new LinkedHashMap<>();
    for (String in : g.inputs().keySet()) life.put(in, new int[] {-1, -1});
    List<Node> nodes = g.nodes();
    // With the blocked (native AVX-512) kernels, a 1x1 conv feeding only a depthwise conv is one
    // step, which reads the 1x1 conv's input while it writes the depthwise output: that input lives
    // until the depthwise node, so the two never share memory.
    boolean[] pairs = new boolean[nodes.size()];
    for (int i = 0; i + 1 < nodes.size(); i++) {
      pairs[i] = params.blocked() && (i == 0 || !pairs[i - 1])
          && Steps.pointwiseDepthwisePair(g, nodes.get(i), nodes.get(i + 1), shapes);
    }
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      for (String v : n.inputs()) life.get(root.get(v))[1] = pairs[i] ? i + 1 : i;
      life.computeIfAbsent(root.get(n.output()), k -> new int[] {Integer.MAX_VALUE, -1});
      int[] l = life.get(root.get(n.output()));
      l[0] = Math.min(l[0], i);
      l[1] = Math.max(l[1], i);
    }
    for (String o : g.outputs()) life.get(root.get(o))[1] = nodes.size();
    // Graph outputs must not be overwritten by a later node; inputs and outputs never share memory
    // with each other, as the caller reads outputs after the run.
    Map<String, Long> rootOffset = new HashMap<>();
    long arena = assign(life, shapes, rootOffset);
    Map<String, Long> offsets = new HashMap<>();
    root.forEach((v, r) -> offsets.put(v, rootOffset.get(r)));

    List<Step> steps = new ArrayList<>();
    long scratch = 1;
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      if (isView(n)) continue;
      if (pairs[i]) {
        Node dw = nodes.get(++i);
        steps.add(Steps.pointwiseDepthwise(n, dw, shapes, offsets, params));
        scratch = Math.max(scratch, Kernels.pointwiseDepthwiseScratch(
            Steps.convGeometry((ConvOp) dw.op(), shapes.get(n.output()), shapes.get(dw.output()))));
        continue;
      }
      Step s = Steps.of(n, shapes, offsets, params);
      steps.add(s);
      scratch = Math.max(scratch, Steps.scratch(n, shapes));
    }
    return new Plan(Collections.unmodifiableMap(shapes), Collections.unmodifiableMap(offsets), List.copyOf(steps),
        Math.max(arena, 1), scratch, List.copyOf(g.inputs().keySet()), g.outputs());
  }

  /** Flatten, Reshape, Identity and Dropout share their input's memory. */
  static boolean isView(Node n) {
    return n.op() instanceof FlattenOp || n.op() instanceof PassThroughOp || n.op() instanceof dev.layerfuse.graph.ReshapeOp;
  }

  /** First-fit placement of each value over the arena, reusing memory of values already dead. */
  private static long assign(Map<String, int[]> life, Map<String, Shape> shapes, Map<String, Long> out) {
    List<Map.Entry<String, int[]>> order = new ArrayList<>(life.entrySet());
    order.sort((a, b) -> Integer.compare(a.getValue()[0], b.getValue()[0]));
    // Live blocks: offset -> [size, end step, ...].
    TreeMap<Long, long[]> live = new TreeMap<>();
    long top = 0;
    for (Map.Entry<String, int[]> e : order) {
      int start = e.getValue()[0];
      live.values().removeIf(b -> b[1] < start);
      long size = (shapes.get(e.getKey()).numel() + ALIGN - 1) / ALIGN * ALIGN;
      long at = 0;
      for (Map.Entry<Long, long[]> b : live.entrySet()) {
        if (b.getKey() - at >= size) break;
        at = Math.max(at, b.getKey() + b.getValue()[0]);
      }
      live.put(at, new long[] {size, e.getValue()[1]});
      out.put(e.getKey(), at);
      top = Math.max(top, at + size);
    }
    return top;
  }
}
