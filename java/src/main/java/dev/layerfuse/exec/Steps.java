package dev.layerfuse.exec;

import dev.layerfuse.graph.ActivationOp;
import dev.layerfuse.graph.BinaryOp;
import dev.layerfuse.graph.ConcatOp;
import dev.layerfuse.graph.GlobalMaxPoolOp;
import dev.layerfuse.graph.MatMulOp;
import dev.layerfuse.graph.PadOp;
import dev.layerfuse.graph.SoftmaxOp;
import dev.layerfuse.graph.TransposeOp;
import dev.layerfuse.graph.AddOp;
import dev.layerfuse.graph.BatchNormOp;
import dev.layerfuse.graph.ChannelConstantOp;
import dev.layerfuse.graph.ConvOp;
import dev.layerfuse.graph.ConvTransposeOp;
import dev.layerfuse.graph.GlobalAvgPoolOp;
import dev.layerfuse.graph.LinearOp;
import dev.layerfuse.graph.Node;
import dev.layerfuse.graph.PoolOp;
import dev.layerfuse.graph.ScaleShiftOp;
import dev.layerfuse.tensor.Shape;
import java.util.Map;

/** Chooses the kernel for each node and resolves its operands to arena and parameter offsets. */
final class Steps {
  private Steps() {}

  static ConvGeometry convGeometry(ConvOp c, Shape x, Shape y) {
    return ConvGeometry.of(x.dim(0), x.dim(1), x.dim(2), x.dim(3), c.outChannels(), c.kernelH(), c.kernelW(),
        c.stride(), c.pads(), c.dilation(), c.groups(), y.dim(2), y.dim(3));
  }

  static ConvGeometry convTGeometry(ConvTransposeOp c, Shape x, Shape y) {
    return ConvGeometry.of(x.dim(0), x.dim(1), x.dim(2), x.dim(3), c.outChannels(), c.kernelH(), c.kernelW(),
        c.stride(), c.pads(), c.dilation(), c.groups(), y.dim(2), y.dim(3));
  }

  static ConvGeometry poolGeometry(PoolOp p, Shape x, Shape y) {
    return ConvGeometry.of(x.dim(0), x.dim(1), x.dim(2), x.dim(3), x.dim(1), p.kernel()[0], p.kernel()[1], p.stride(),
        p.pads(), p.dilation(), 1, y.dim(2), y.dim(3));
  }

  /** Scratch floats the node's kernel needs. */
  static long scratch(Node n, Map<String, Shape> shapes) {
    if (n.inputs().isEmpty()) return 0;
    Shape x = shapes.get(n.inputs().get(0)), y = shapes.get(n.output());
    if (n.op() instanceof ConvOp c) {
      ConvGeometry g = convGeometry(c, x, y);
      return g.depthwise() ? 0 : Kernels.conv2dScratch(g);
    }
    if (n.op() instanceof ConvTransposeOp c) return Kernels.convTranspose2dScratch(convTGeometry(c, x, y));
    if (n.op() instanceof LinearOp l) {
      Gemm g = linearGemm(l, x);
      return Kernels.linearPackedPreferred(g) ? Kernels.linearPackedScratch(g, 2) : 0;
    }
    return 0;
  }

  static Gemm linearGemm(LinearOp l, Shape x) {
    return Gemm.of(x.dim(0), l.outFeatures(), l.inFeatures()).transB(true)
        .bias(l.bias() == null ? BiasMode.NONE : BiasMode.PER_COL).residual(l.residual()).activation(l.activation()).build();
  }

  private static Slice sl(FloatBuf buf, long off, long len) {
    return off < 0 ? null : new Slice(buf, off, len);
  }

  /**
   * Whether the plan runs {@code a} and {@code b} as one {@link Kernels#pointwiseDepthwise} step: a is
   * a 1x1 stride-1 conv of one group with no residual whose output only the depthwise conv b reads
   * (and no graph output is), b has no residual and pads at most its kernel's extent minus one
   * vertically, and the expanded tensor is at least {@link #PW_DW_MIN_FLOATS}.
   */
  static boolean pointwiseDepthwisePair(dev.layerfuse.graph.Graph graph, Node a, Node b, Map<String, Shape> shapes) {
    if (!(a.op() instanceof ConvOp pc) || !(b.op() instanceof ConvOp dc) || a.inputs().size() != 1
        || b.inputs().size() != 1 || !b.inputs().get(0).equals(a.output()) || graph.isOutput(a.output())
        || graph.consumers(a.output()).size() != 1) {
      return false;
    }
    Shape mid = shapes.get(a.output());
    ConvGeometry pw = convGeometry(pc, shapes.get(a.inputs().get(0)), mid), dw = convGeometry(dc, mid, shapes.get(b.output()));
    int[] pads = dw.pads();
    long span = (dw.kh() - 1) * (long) dw.dilation()[0];
    return pw.pointwise() && pw.groups() == 1 && dw.depthwise() && pads[0] <= span && pads[2] <= span
        && mid.numel() >= PW_DW_MIN_FLOATS;
  }

  /**
   * Expanded tensors from which the 1x1 + depthwise pair runs as one step: ones of 1 MB (L2 on Zen 5)
   * and more, MobileNetV2's 56x56 and 112x112 stages; smaller ones stay in cache between the two
   * kernels, where the strips only add calls (hot in a loop, 576 x 14x14: 0.18 vs 0.16 ms; the whole
   * MobileNetV2 at one thread 5.30 ms with this bound vs 5.45 pairing every layer, in one run each).
   */
  static final long PW_DW_MIN_FLOATS = 262144;

  /** The step of a pair for which {@link #pointwiseDepthwisePair} holds, named after both nodes. */
  static Plan.Step pointwiseDepthwise(Node a, Node b, Map<String, Shape> shapes, Map<String, Long> at, ParamLayout p) {
    ConvOp pc = (ConvOp) a.op(), dc = (ConvOp) b.op();
    Shape xs = shapes.get(a.inputs().get(0)), ms = shapes.get(a.output()), ys = shapes.get(b.output());
    ConvGeometry pw = convGeometry(pc, xs, ms), dw = convGeometry(dc, ms, ys);
    long x = at.get(a.inputs().get(0)), m = at.get(a.output()), y = at.get(b.output());
    long xn = xs.numel(), mn = ms.numel(), yn = ys.numel(), c = dw.inC();
    long wp = p.offset(pc.weight()), bp = p.offset(pc.bias()), wpn = pc.weight().numel();
    long wd = p.offset(dc.weight()), bd = p.offset(dc.bias()), pad = p.derived(b.name() + "#pad"), wdn = dc.weight().numel();
    long scratch = Kernels.pointwiseDepthwiseScratch(dw);
    Activation actP = pc.activation(), actD = dc.activation();
    Node both = new Node(a.name() + "+" + b.name(), dc, a.inputs(), b.output());
    return new Plan.Step(both, "conv2d+dwconv2d/pw-dw-strips " + pw + " | " + dw) {
      Runnable bind(Kernels k, FloatBuf ar, FloatBuf pr, FloatBuf s) {
        Slice sx = sl(ar, x, xn), swp = sl(pr, wp, wpn), sbp = sl(pr, bp, c), swd = sl(pr, wd, wdn), sbd = sl(pr, bd, c);
        Slice sp = sl(pr, pad, c), sm = sl(ar, m, mn), sy = sl(ar, y, yn), ss = sl(s, 0, scratch);
        return () -> k.pointwiseDepthwise(pw, actP, sx, swp, sbp, dw, actD, swd, sbd, sp, sm, sy, ss);
      }
    };
  }

  static Plan.Step of(Node n, Map<String, Shape> shapes, Map<String, Long> at, ParamLayout p) {
    if (n.op() instanceof dev.layerfuse.graph.ConstantOp k) {
      long src = p.offset(k.value()), y = at.get(n.output()), len = k.value().numel();
      Strided st = Strided.copy(new long[] {len}, new long[] {1}, null);
      return new Plan.Step(n, "constant " + k.value().shape()) {
        Runnable bind(Kernels kk, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice from = sl(pr, src, len), to = sl(a, y, len);
          return () -> kk.stridedCopy(st, from, to);
        }
      };
    }
    Shape xs = shapes.get(n.inputs().get(0)), ys = shapes.get(n.output());
    long x = at.get(n.inputs().get(0)), y = at.get(n.output());
    long xn = xs.numel(), yn = ys.numel();
    long r = n.inputs().size() > 1 ? at.get(n.inputs().get(1)) : -1;
    if (n.op() instanceof ConvOp c) {
      ConvGeometry g = convGeometry(c, xs, ys);
      long w = p.offset(c.weight()), b = p.offset(c.bias()), pad = p.derived(n.name() + "#pad");
      long wn = c.weight().numel(), cout = c.outChannels(), cin = c.inChannels();
      Activation act = c.activation();
      if (g.depthwise()) {
        return new Plan.Step(n, "dwconv2d/direct " + g) {
          Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
            Slice sx = sl(a, x, xn), sw = sl(pr, w, wn), sb = sl(pr, b, cout), sp = sl(pr, pad, cin);
            Slice sr = sl(a, r, yn), sy = sl(a, y, yn);
            return () -> k.depthwiseConv2d(g, act, sx, sw, sb, sp, sr, sy);
          }
        };
      }
      long scratch = Kernels.conv2dScratch(g);
      long wino = p.derived(n.name() + "#winograd");
      if (wino >= 0 && Kernels.winogradPreferred(g)) {
        return new Plan.Step(n, "conv2d/winograd-f2x2|im2col-gemm " + g) {
          Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
            Slice sx = sl(a, x, xn), sw = sl(pr, w, wn), su = sl(pr, wino, Kernels.winogradWeightFloats(g)), sb = sl(pr, b, cout), sp = sl(pr, pad, cin);
            Slice sr = sl(a, r, yn), sy = sl(a, y, yn), ss = sl(s, 0, scratch);
            return () -> k.conv2dWinograd(g, act, sx, sw, su, sb, sp, sr, sy, ss);
          }
        };
      }
      long packed = p.derived(n.name() + "#packed16");
      if (packed >= 0 && Kernels.directConvApplies(g)) {
        return new Plan.Step(n, "conv2d/direct-16c|im2col-gemm " + g) {
          Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
            Slice sx = sl(a, x, xn), sw = sl(pr, w, wn), spk = sl(pr, packed, Kernels.packedWeightFloats(g)), sb = sl(pr, b, cout), sp = sl(pr, pad, cin);
            Slice sr = sl(a, r, yn), sy = sl(a, y, yn), ss = sl(s, 0, scratch);
            return () -> k.conv2dPacked(g, act, sx, sw, spk, sb, sp, sr, sy, ss);
          }
        };
      }
      return new Plan.Step(n, (g.pointwise() ? "conv2d/pointwise-gemm " : "conv2d/im2col-gemm ") + g) {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice sx = sl(a, x, xn), sw = sl(pr, w, wn), sb = sl(pr, b, cout), sp = sl(pr, pad, cin);
          Slice sr = sl(a, r, yn), sy = sl(a, y, yn), ss = scratch > 0 ? sl(s, 0, scratch) : null;
          return () -> k.conv2d(g, act, sx, sw, sb, sp, sr, sy, ss);
        }
      };
    }
    if (n.op() instanceof ConvTransposeOp c) {
      ConvGeometry g = convTGeometry(c, xs, ys);
      long w = p.offset(c.weight()), b = p.offset(c.bias()), wn = c.weight().numel(), cout = c.outChannels();
      long scratch = Kernels.convTranspose2dScratch(g);
      return new Plan.Step(n, "conv_transpose2d/gemm-col2im " + g) {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice sx = sl(a, x, xn), sw = sl(pr, w, wn), sb = sl(pr, b, cout), sy = sl(a, y, yn), ss = sl(s, 0, scratch);
          return () -> k.convTranspose2d(g, c.activation(), sx, sw, sb, sy, ss);
        }
      };
    }
    if (n.op() instanceof LinearOp l) {
      Gemm g = linearGemm(l, xs);
      long w = p.offset(l.weight()), b = p.offset(l.bias());
      long packed = p.derived(n.name() + "#packed16");
      if (packed >= 0 && Kernels.linearPackedPreferred(g)) {
        long pn = Kernels.linearPackedFloats(g.n(), g.k()), scratch = Kernels.linearPackedScratch(g, 2);
        return new Plan.Step(n, "gemm/direct-16c|sgemm " + g) {
          Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
            FloatBuf bias = b < 0 ? null : pr, res = r < 0 ? null : a;
            Slice spk = sl(pr, packed, pn), ss = sl(s, 0, scratch);
            return () -> k.gemmPacked(g, a, x, pr, w, spk, bias, Math.max(b, 0), res, Math.max(r, 0), a, y, ss);
          }
        };
      }
      return new Plan.Step(n, (xs.dim(0) == 1 ? "gemm/gemv " : "gemm/sgemm ") + g) {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          FloatBuf bias = b < 0 ? null : pr, res = r < 0 ? null : a;
          return () -> k.gemm(g, a, x, pr, w, bias, Math.max(b, 0), res, Math.max(r, 0), a, y);
        }
      };
    }
    if (n.op() instanceof ScaleShiftOp || n.op() instanceof BatchNormOp || n.op() instanceof ChannelConstantOp) {
      long scale, shift, c, batch = xs.rank() > 0 ? xs.dim(0) : 1;
      Activation act = Activation.none();
      if (n.op() instanceof ScaleShiftOp ss) {
        scale = p.offset(ss.scale());
        shift = p.offset(ss.shift());
        c = ss.channels();
        act = ss.activation();
      } else {
        scale = p.derived(n.name() + "#scale");
        shift = p.derived(n.name() + "#shift");
        c = p.derivedLength(n.name() + "#scale");
      }
      if (c == 1 && (xs.rank() < 2 || xs.dim(1) != 1)) batch = 1;
      long cc = c, inner = xn / Math.max(1, batch * c), nb = batch;
      Activation fa = act;
      return new Plan.Step(n, "scale_shift" + (act.kind() == Activation.Kind.NONE ? "" : "+" + act) + " [" + nb + "x" + cc + "x" + inner + "]") {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice sx = sl(a, x, xn), sc = sl(pr, scale, cc), sh = sl(pr, shift, cc), sy = sl(a, y, yn);
          return () -> k.scaleShift(nb, cc, inner, fa, sx, sc, sh, sy);
        }
      };
    }
    if (n.op() instanceof ActivationOp act) {
      return new Plan.Step(n, "activation " + act.activation()) {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice sx = sl(a, x, xn), sy = sl(a, y, yn);
          return () -> k.activation(xn, act.activation(), sx, sy);
        }
      };
    }
    if (n.op() instanceof PoolOp pool) {
      ConvGeometry g = poolGeometry(pool, xs, ys);
      boolean max = pool.type() == PoolOp.Type.MAX;
      return new Plan.Step(n, (max ? "max_pool2d " : "avg_pool2d ") + g) {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice sx = sl(a, x, xn), sy = sl(a, y, yn);
          return () -> k.pool2d(g, max, pool.countIncludePad(), sx, sy);
        }
      };
    }
    if (n.op() instanceof GlobalAvgPoolOp) {
      long planes = xs.dim(0) * xs.dim(1), hw = xs.dim(2) * xs.dim(3);
      return new Plan.Step(n, "global_avg_pool [" + planes + "x" + hw + "]") {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice sx = sl(a, x, xn), sy = sl(a, y, yn);
          return () -> k.globalAvgPool(planes, hw, sx, sy);
        }
      };
    }
    if (n.op() instanceof AddOp) {
      return new Plan.Step(n, "add [" + yn + "]") {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice sx = sl(a, x, xn), sb = sl(a, r, yn), sy = sl(a, y, yn);
          return () -> k.add(yn, Activation.none(), sx, sb, sy);
        }
      };
    }
    if (n.op() instanceof BinaryOp) {
      Shape bs = shapes.get(n.inputs().get(1));
      Strided st = BinaryOp.strided(xs, bs, ys);
      Kernels.BinaryKind kind = ((BinaryOp) n.op()).type();
      long an = xs.numel(), bn = bs.numel();
      return new Plan.Step(n, "binary " + kind + " " + ys) {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice sa = sl(a, x, an), sb = sl(a, r, bn), sy = sl(a, y, yn);
          return () -> k.binary(kind, Activation.none(), st, sa, sb, sy);
        }
      };
    }
    if (n.op() instanceof SoftmaxOp sm) {
      long[] d = sm.split(xs);
      return new Plan.Step(n, sm.kind().toLowerCase(java.util.Locale.ROOT) + " [" + d[0] + "x" + d[1] + "x" + d[2] + "]") {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice sx = sl(a, x, xn), sy = sl(a, y, yn);
          return () -> k.softmax(d[0], d[1], d[2], sm.log(), sx, sy);
        }
      };
    }
    if (n.op() instanceof dev.layerfuse.graph.SliceOp so) {
      Strided st = so.strided(xs);
      long off = so.offset(xs);
      return new Plan.Step(n, "slice " + ys) {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice sx = sl(a, x + off, xn - off), sy = sl(a, y, yn);
          return () -> k.stridedCopy(st, sx, sy);
        }
      };
    }
    if (n.op() instanceof TransposeOp t) {
      Strided st = t.strided(xs, ys);
      return new Plan.Step(n, "transpose " + ys) {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice sx = sl(a, x, xn), sy = sl(a, y, yn);
          return () -> k.stridedCopy(st, sx, sy);
        }
      };
    }
    if (n.op() instanceof ConcatOp cc) {
      int axis = xs.axis(cc.axis());
      long outer = 1, inner = 1;
      for (int i = 0; i < axis; i++) outer *= ys.dim(i);
      for (int i = axis + 1; i < ys.rank(); i++) inner *= ys.dim(i);
      long total = ys.dim(axis);
      int m = n.inputs().size();
      Strided[] parts = new Strided[m];
      long[] src = new long[m], len = new long[m], dst = new long[m];
      long col = 0;
      for (int i = 0; i < m; i++) {
        Shape s = shapes.get(n.inputs().get(i));
        long cols = s.dim(axis) * inner;
        parts[i] = Strided.copy(new long[] {outer, cols}, new long[] {cols, 1}, new long[] {total * inner, 1});
        src[i] = at.get(n.inputs().get(i));
        len[i] = s.numel();
        dst[i] = col;
        col += cols;
      }
      return new Plan.Step(n, "concat x" + m + " " + ys) {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice[] in = new Slice[m], out = new Slice[m];
          for (int i = 0; i < m; i++) {
            in[i] = sl(a, src[i], len[i]);
            out[i] = sl(a, y + dst[i], yn - dst[i]);
          }
          return () -> {
            for (int i = 0; i < m; i++) k.stridedCopy(parts[i], in[i], out[i]);
          };
        }
      };
    }
    if (n.op() instanceof PadOp pd) {
      Strided st = Strided.copy(xs.dims(), Strided.contiguous(xs.dims()), null);
      long[][] pads = pd.kernelPads();
      return new Plan.Step(n, "pad " + pd.mode() + " " + ys) {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice sx = sl(a, x, xn), sy = sl(a, y, yn);
          return () -> k.pad(st, pads[0], pads[1], pd.mode(), pd.value(), sx, sy);
        }
      };
    }
    if (n.op() instanceof GlobalMaxPoolOp) {
      long planes = xs.dim(0) * xs.dim(1), hw = xn / Math.max(1, planes);
      return new Plan.Step(n, "global_max_pool [" + planes + "x" + hw + "]") {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          Slice sx = sl(a, x, xn), sy = sl(a, y, yn);
          return () -> k.globalMaxPool(planes, hw, sx, sy);
        }
      };
    }
    if (n.op() instanceof MatMulOp mm) {
      Shape bs = mm.weight() != null ? mm.weight().shape() : shapes.get(n.inputs().get(1));
      MatMulOp.Dims d = MatMulOp.dims(n.name(), xs, bs);
      long[][] offsets = d.batchOffsets(xs, bs);
      long[] aOff = offsets[0], bOff = offsets[1];
      long batches = aOff.length;
      Gemm g = Gemm.of(d.m(), d.n(), d.k()).build();
      long w = mm.weight() != null ? p.offset(mm.weight()) : -1;
      long mn = d.m() * d.n();
      return new Plan.Step(n, "matmul x" + batches + " " + g) {
        Runnable bind(Kernels k, FloatBuf a, FloatBuf pr, FloatBuf s) {
          FloatBuf bBuf = w >= 0 ? pr : a;
          long bBase = w >= 0 ? w : r;
          return () -> {
            for (int i = 0; i < aOff.length; i++) {
              k.gemm(g, a, x + aOff[i], bBuf, bBase + bOff[i], null, 0, null, 0, a, y + i * mn);
            }
          };
        }
      };
    }
    throw new UnsupportedOperationException(n.name() + ": no kernel for " + n.kind());
  }
}
