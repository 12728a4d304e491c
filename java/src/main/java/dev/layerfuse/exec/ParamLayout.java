package dev.layerfuse.exec;

import dev.layerfuse.graph.BatchNormOp;
import dev.layerfuse.graph.ChannelConstantOp;
import dev.layerfuse.graph.ConvOp;
import dev.layerfuse.graph.ConvTransposeOp;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.LinearOp;
import dev.layerfuse.graph.Node;
import dev.layerfuse.graph.ScaleShiftOp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each parameter vector lives in a session's one parameter buffer: weights, biases, pad
 * values, and the scale/shift vectors derived from BatchNorms and per-channel constants. Shared
 * tensors are stored once. Independent of the batch size, so one upload serves every plan.
 */
final class ParamLayout {
  private static final int ALIGN = 16;

  private final IdentityHashMap<Object, Long> offsets = new IdentityHashMap<>();
  private final List<float[]> data = new ArrayList<>();
  private final List<Long> at = new ArrayList<>();
  private final Map<String, float[][]> derived = new HashMap<>();
  private final boolean blocked;
  private long size;

  /**
   * The layout of {@code graph}'s parameters; with {@code blocked} (a backend whose
   * {@link Kernels#usesBlockedWeights} holds) conv weights are also stored in the direct NCHW16c and
   * Winograd layouts where those kernels apply, and Linear weights in 16-column blocks.
   */
  ParamLayout(Graph graph, boolean blocked) {
    this.blocked = blocked;
    for (Node n : graph.nodes()) {
      if (n.op() instanceof ConvOp c) {
        add(c.weight());
        add(c.bias());
        if (c.padValues() != null) derived(n.name() + "#pad", c.padValues());
        if (blocked && packable(c)) derived(n.name() + "#packed16", Kernels.packDirectWeights(c.weight()));
        if (blocked && winogradEligible(c)) derived(n.name() + "#winograd", Kernels.packWinogradWeights(c.weight()));
      } else if (n.op() instanceof ConvTransposeOp c) {
        add(c.weight());
        add(c.bias());
      } else if (n.op() instanceof LinearOp l) {
        add(l.weight());
        add(l.bias());
        if (blocked && l.inFeatures() % 16 == 0) derived(n.name() + "#packed16", Kernels.packLinearWeights(l.weight()));
      } else if (n.op() instanceof dev.layerfuse.graph.ConstantOp k) {
        add(k.value());
      } else if (n.op() instanceof dev.layerfuse.graph.MatMulOp mm) {
        add(mm.weight());
      } else if (n.op() instanceof ScaleShiftOp s) {
        add(s.scale());
        add(s.shift());
      } else if (n.op() instanceof BatchNormOp bn && bn.foldable()) {
        float[] scale = new float[bn.channels()], shift = new float[bn.channels()];
        for (int c = 0; c < scale.length; c++) {
          double g = bn.affine() ? bn.gamma().get(c) : 1.0, b = bn.affine() ? bn.beta().get(c) : 0.0;
          double inv = 1.0 / Math.sqrt((double) bn.runningVar().get(c) + bn.eps());
          scale[c] = (float) (g * inv);
          shift[c] = (float) (b - bn.runningMean().get(c) * g * inv);
        }
        derived(n.name() + "#scale", scale);
        derived(n.name() + "#shift", shift);
      } else if (n.op() instanceof ChannelConstantOp k) {
        float[] v = k.constant().toArray();
        float[] unit = new float[v.length];
        java.util.Arrays.fill(unit, k.type() == ChannelConstantOp.Type.MUL ? 0f : 1f);
        derived(n.name() + "#scale", k.type() == ChannelConstantOp.Type.MUL ? v : unit);
        derived(n.name() + "#shift", k.type() == ChannelConstantOp.Type.MUL ? unit : v);
      }
    }
  }

  /** Convs the native direct kernel runs (see {@link Kernels#directConvApplies}): their weights are also stored packed. */
  static boolean packable(ConvOp c) {
    long kh = c.weight().shape().dim(2), kw = c.weight().shape().dim(3);
    boolean pointwise = kh == 1 && kw == 1 && c.stride()[0] == 1 && c.stride()[1] == 1
        && c.pads()[0] + c.pads()[1] + c.pads()[2] + c.pads()[3] == 0;
    long cin = c.inChannels();
    return c.groups() == 1 && (cin % 16 == 0 || cin < 16) && c.outChannels() % 16 == 0 && !pointwise;
  }

  /** Convs the native Winograd kernel can run (see {@link Kernels#winogradApplies}): their weights are also stored transformed. */
  static boolean winogradEligible(ConvOp c) {
    dev.layerfuse.tensor.Shape w = c.weight().shape();
    return w.dim(2) == 3 && w.dim(3) == 3 && c.stride()[0] == 1 && c.stride()[1] == 1 && c.dilation()[0] == 1
        && c.dilation()[1] == 1 && c.groups() == 1 && c.inChannels() % 16 == 0 && c.outChannels() % 16 == 0;
  }

  private void add(dev.layerfuse.tensor.Tensor t) {
    if (t == null || offsets.containsKey(t)) return;
    offsets.put(t, place(t.toArray()));
  }

  private void derived(String key, float[] v) {
    derived.put(key, new float[][] {v});
    offsets.put(derived.get(key), place(v));
  }

  private long place(float[] v) {
    long off = size;
    data.add(v);
    at.add(off);
    size += (v.length + ALIGN - 1) / ALIGN * ALIGN;
    return off;
  }

  long size() {
    return Math.max(size, 1);
  }

  /** Offset of a parameter tensor, or -1 for null. */
  long offset(dev.layerfuse.tensor.Tensor t) {
    if (t == null) return -1;
    Long o = offsets.get(t);
    if (o == null) throw new IllegalStateException("parameter not in the layout");
    return o;
  }

  /** Whether this layout is for a backend with the blocked (native AVX-512) kernels. */
  boolean blocked() {
    return blocked;
  }

  /** Offset of a derived vector ({@code node#scale}, {@code node#shift}, {@code node#pad}), or -1. */
  long derived(String key) {
    float[][] v = derived.get(key);
    return v == null ? -1 : offsets.get(v);
  }

  /** Length of the derived vector {@code key}. */
  int derivedLength(String key) {
    return derived.get(key)[0].length;
  }

  /** Copies every parameter into {@code buf}. */
  void upload(FloatBuf buf) {
    for (int i = 0; i < data.size(); i++) buf.put(at.get(i), data.get(i));
  }
}
