package dev.layerfuse.fuse;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.fuse.FusionRule.Decline;
import dev.layerfuse.fuse.FusionRule.Outcome;
import dev.layerfuse.fuse.FusionRule.Remove;
import dev.layerfuse.fuse.FusionRule.Replace;
import dev.layerfuse.fuse.FusionRule.Skip;
import dev.layerfuse.graph.ActivationOp;
import dev.layerfuse.graph.AddOp;
import dev.layerfuse.graph.BatchNormOp;
import dev.layerfuse.graph.ChannelConstantOp;
import dev.layerfuse.graph.ConvOp;
import dev.layerfuse.graph.ConvTransposeOp;
import dev.layerfuse.graph.Graph;
import dev.layerfuse.graph.LinearOp;
import dev.layerfuse.graph.Node;
import dev.layerfuse.graph.ScaleShiftOp;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;

/**
 * The built-in rules, in the order the {@link Fuser} applies them: parameter folds first, then
 * residual and activation epilogues, then what is left of BatchNorm becomes scale+shift.
 */
final class DefaultRules {
  private DefaultRules() {}

  static List<FusionRule> all() {
    return List.of(
        FusionRule.of("remove-dropout", List.of("Dropout"), "always: Dropout is the identity at inference",
            (g, c) -> new Remove()),
        FusionRule.of("remove-identity", List.of("Identity"), "always", (g, c) -> new Remove()),
        FusionRule.of("conv-bn", List.of("Conv", "BatchNorm"),
            "eval BN with running statistics; the conv has no activation or residual yet", DefaultRules::convBn),
        FusionRule.of("convtranspose-bn", List.of("ConvTranspose", "BatchNorm"),
            "eval BN with running statistics; no activation yet", DefaultRules::convTransposeBn),
        FusionRule.of("linear-bn", List.of("Gemm", "BatchNorm"),
            "eval BN with running statistics; no activation or residual yet", DefaultRules::linearBn),
        FusionRule.of("bn-linear", List.of("BatchNorm", "Gemm"), "eval BN with running statistics",
            DefaultRules::bnLinear),
        FusionRule.of("bn-conv", List.of("BatchNorm", "Conv"),
            "eval BN with running statistics; with padding, every channel needs an input the BN maps to 0,"
                + " used as that channel's pad value", DefaultRules::bnConv),
        FusionRule.of("linear-linear", List.of("Gemm", "Gemm"),
            "no activation between; only when the merged layer costs fewer FLOPs", DefaultRules::linearLinear),
        FusionRule.of("conv-mul", List.of("Conv", "Mul"), "a constant scalar or per-channel factor; no activation yet",
            (g, c) -> constant(c, ChannelConstantOp.Type.MUL)),
        FusionRule.of("conv-add-constant", List.of("Conv", "Add"), "a constant scalar or per-channel term; no activation yet",
            (g, c) -> constant(c, ChannelConstantOp.Type.ADD)),
        FusionRule.of("gemm-mul", List.of("Gemm", "Mul"), "a constant scalar or per-feature factor; no activation yet",
            (g, c) -> constant(c, ChannelConstantOp.Type.MUL)),
        FusionRule.of("gemm-add-constant", List.of("Gemm", "Add"), "a constant scalar or per-feature term; no activation yet",
            (g, c) -> constant(c, ChannelConstantOp.Type.ADD)),
        FusionRule.of("conv-add", List.of("Conv", "Add"),
            "the other Add input is computed independently of the conv; the conv has no activation yet",
            DefaultRules::convAdd),
        FusionRule.of("conv-act", List.of("Conv", "Activation"), "the conv has no activation yet",
            DefaultRules::activation),
        FusionRule.of("convtranspose-act", List.of("ConvTranspose", "Activation"), "no activation yet",
            DefaultRules::activation),
        FusionRule.of("gemm-act", List.of("Gemm", "Activation"), "no activation yet", DefaultRules::activation),
        FusionRule.of("bn-scale-shift", List.of("BatchNorm"),
            "eval BN with running statistics that no layer could absorb", DefaultRules::loneBn),
        FusionRule.of("scale-shift-act", List.of("ScaleShift", "Activation"), "no activation yet",
            DefaultRules::activation));
  }

  private static Outcome convBn(Graph g, List<Node> c) {
    ConvOp conv = (ConvOp) c.get(0).op();
    BatchNormOp bn = (BatchNormOp) c.get(1).op();
    String why = bn.whyNotFoldable();
    if (why != null) return new Decline(why);
    if (conv.activation().kind() != Activation.Kind.NONE) return new Decline("the conv already applies " + conv.activation());
    if (conv.residual()) return new Decline("the conv already adds a residual");
    BatchNormFolding.Folded f = BatchNormFolding.foldAfter(conv.weight(), conv.bias(), bn);
    return new Replace(c.get(0).withOp(conv.withWeights(f.weight(), f.bias())).withOutput(c.get(1).output()));
  }

  private static Outcome convTransposeBn(Graph g, List<Node> c) {
    ConvTransposeOp conv = (ConvTransposeOp) c.get(0).op();
    BatchNormOp bn = (BatchNormOp) c.get(1).op();
    String why = bn.whyNotFoldable();
    if (why != null) return new Decline(why);
    if (conv.activation().kind() != Activation.Kind.NONE) return new Decline("the conv already applies " + conv.activation());
    BatchNormFolding.Folded f = BatchNormFolding.foldAfterTransposed(conv.weight(), conv.bias(), bn, conv.groups());
    return new Replace(c.get(0).withOp(conv.withWeights(f.weight(), f.bias())).withOutput(c.get(1).output()));
  }

  private static Outcome linearBn(Graph g, List<Node> c) {
    LinearOp lin = (LinearOp) c.get(0).op();
    BatchNormOp bn = (BatchNormOp) c.get(1).op();
    String why = bn.whyNotFoldable();
    if (why != null) return new Decline(why);
    if (lin.activation().kind() != Activation.Kind.NONE) {
      return new Decline("an activation (" + lin.activation() + ") sits between the Linear and the BatchNorm");
    }
    if (lin.residual()) return new Decline("the Linear already adds a residual");
    BatchNormFolding.Folded f = BatchNormFolding.foldAfter(lin.weight(), lin.bias(), bn);
    return new Replace(c.get(0).withOp(lin.withWeights(f.weight(), f.bias())).withOutput(c.get(1).output()));
  }

  private static Outcome bnLinear(Graph g, List<Node> c) {
    BatchNormOp bn = (BatchNormOp) c.get(0).op();
    LinearOp lin = (LinearOp) c.get(1).op();
    String why = bn.whyNotFoldable();
    if (why != null) return new Decline(why);
    BatchNormFolding.Folded f = BatchNormFolding.foldBefore(lin.weight(), lin.bias(), bn, 1);
    return new Replace(new Node(c.get(1).name(), lin.withWeights(f.weight(), f.bias()),
        replaceFirst(c.get(1).inputs(), c.get(0).inputs().get(0)), c.get(1).output()));
  }

  private static Outcome bnConv(Graph g, List<Node> c) {
    BatchNormOp bn = (BatchNormOp) c.get(0).op();
    ConvOp conv = (ConvOp) c.get(1).op();
    String why = bn.whyNotFoldable();
    if (why != null) return new Decline(why);
    if (conv.padValues() != null) return new Decline("the conv already pads with per-channel values");
    ConvOp folded = conv;
    if (conv.hasPadding()) {
      float[] pad = BatchNormFolding.zeroPreimage(bn);
      if (pad == null) {
        return new Decline("the conv pads with zeros and some BN channel has scale 0 and shift != 0:"
            + " no input maps to 0, so no pad value keeps the fold exact");
      }
      folded = conv.withPadValues(pad);
    }
    BatchNormFolding.Folded f = BatchNormFolding.foldBefore(conv.weight(), conv.bias(), bn, conv.groups());
    return new Replace(new Node(c.get(1).name(), folded.withWeights(f.weight(), f.bias()),
        replaceFirst(c.get(1).inputs(), c.get(0).inputs().get(0)), c.get(1).output()));
  }

  private static Outcome linearLinear(Graph g, List<Node> c) {
    LinearOp a = (LinearOp) c.get(0).op(), b = (LinearOp) c.get(1).op();
    if (a.activation().kind() != Activation.Kind.NONE) return new Skip();
    if (a.residual()) return new Decline("the first Linear adds a residual");
    long in = a.inFeatures(), hid = a.outFeatures(), out = b.outFeatures();
    long separate = in * hid + hid * out, merged = in * out;
    if (merged >= separate) {
      return new Decline("merging costs more: " + in + "x" + out + " = " + merged + " multiply-adds per row vs "
          + separate + " for " + in + "->" + hid + "->" + out);
    }
    BatchNormFolding.Folded f = BatchNormFolding.mergeLinear(a.weight(), a.bias(), b.weight(), b.bias());
    return new Replace(new Node(c.get(0).name(), b.withWeights(f.weight(), f.bias()),
        replaceFirst(c.get(1).inputs(), c.get(0).inputs().get(0)), c.get(1).output()));
  }

  private static Outcome constant(List<Node> c, ChannelConstantOp.Type type) {
    if (!(c.get(1).op() instanceof ChannelConstantOp k) || k.type() != type) return new Skip();
    Node layer = c.get(0);
    int channels;
    Activation act;
    boolean residual;
    Tensor w, b;
    if (layer.op() instanceof ConvOp conv) {
      channels = conv.outChannels();
      act = conv.activation();
      residual = conv.residual();
      w = conv.weight();
      b = conv.bias();
    } else {
      LinearOp lin = (LinearOp) layer.op();
      channels = lin.outFeatures();
      act = lin.activation();
      residual = lin.residual();
      w = lin.weight();
      b = lin.bias();
    }
    if (act.kind() != Activation.Kind.NONE) return new Decline("the layer already applies " + act);
    if (residual && type == ChannelConstantOp.Type.MUL) return new Decline("the layer adds a residual before the factor");
    float[] v = new float[channels];
    for (int i = 0; i < channels; i++) v[i] = k.at(i);
    BatchNormFolding.Folded f = type == ChannelConstantOp.Type.MUL
        ? BatchNormFolding.scaleOutput(w, b, v, null) : BatchNormFolding.scaleOutput(w, b, null, v);
    dev.layerfuse.graph.Op op = layer.op() instanceof ConvOp conv
        ? conv.withWeights(f.weight(), f.bias()) : ((LinearOp) layer.op()).withWeights(f.weight(), f.bias());
    return new Replace(layer.withOp(op).withOutput(c.get(1).output()));
  }

  private static Outcome convAdd(Graph g, List<Node> c) {
    if (!(c.get(1).op() instanceof AddOp)) return new Skip();
    Node convNode = c.get(0);
    ConvOp conv = (ConvOp) convNode.op();
    if (conv.activation().kind() != Activation.Kind.NONE) {
      return new Decline("the conv applies " + conv.activation() + " before the Add");
    }
    if (conv.residual()) return new Decline("the conv already adds a residual");
    Node add = c.get(1);
    String skip = add.inputs().get(0).equals(convNode.output()) ? add.inputs().get(1) : add.inputs().get(0);
    if (skip.equals(convNode.output())) return new Decline("the Add adds the conv output to itself");
    if (dependsOn(g, skip, convNode.output())) return new Decline("the skip input is computed from the conv output");
    List<String> inputs = List.of(convNode.inputs().get(0), skip);
    return new Replace(new Node(convNode.name(), conv.withResidual(), inputs, add.output()));
  }

  private static Outcome activation(Graph g, List<Node> c) {
    Node layer = c.get(0);
    Activation act = ((ActivationOp) c.get(1).op()).activation();
    dev.layerfuse.graph.Op op = layer.op();
    if (op instanceof ConvOp conv) {
      if (conv.activation().kind() != Activation.Kind.NONE) return new Decline("the conv already applies " + conv.activation());
      op = conv.withActivation(act);
    } else if (op instanceof ConvTransposeOp ct) {
      if (ct.activation().kind() != Activation.Kind.NONE) return new Decline("already applies " + ct.activation());
      op = ct.withActivation(act);
    } else if (op instanceof LinearOp lin) {
      if (lin.activation().kind() != Activation.Kind.NONE) return new Decline("already applies " + lin.activation());
      op = lin.withActivation(act);
    } else if (op instanceof ScaleShiftOp ss) {
      if (ss.activation().kind() != Activation.Kind.NONE) return new Decline("already applies " + ss.activation());
      op = ss.withActivation(act);
    } else {
      return new Skip();
    }
    return new Replace(layer.withOp(op).withOutput(c.get(1).output()));
  }

  private static Outcome loneBn(Graph g, List<Node> c) {
    BatchNormOp bn = (BatchNormOp) c.get(0).op();
    String why = bn.whyNotFoldable();
    if (why != null) return new Decline(why);
    double[] s = BatchNormFolding.scale(bn), t = BatchNormFolding.shift(bn);
    float[] sf = new float[s.length], tf = new float[t.length];
    for (int i = 0; i < s.length; i++) {
      sf[i] = (float) s[i];
      tf[i] = (float) t[i];
    }
    Shape shape = Shape.of(s.length);
    return new Replace(c.get(0).withOp(new ScaleShiftOp(Tensor.wrap(shape, sf), Tensor.wrap(shape, tf), Activation.none())));
  }

  private static List<String> replaceFirst(List<String> inputs, String value) {
    java.util.ArrayList<String> out = new java.util.ArrayList<>(inputs);
    out.set(0, value);
    return out;
  }

  /** True when {@code value} is computed (transitively) from {@code source}. */
  private static boolean dependsOn(Graph g, String value, String source) {
    java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(value));
    java.util.Set<String> seen = new java.util.HashSet<>();
    while (!todo.isEmpty()) {
      String v = todo.pop();
      if (v.equals(source)) return true;
      if (!seen.add(v)) continue;
      Node p = g.producer(v);
      if (p != null) todo.addAll(p.inputs());
    }
    return false;
  }
}
