package dev.layerfuse.onnx;

/** Typed access to an ONNX node's attributes with defaults. */
final class Attrs {
  private Attrs() {}

  static long[] ints(OnnxProto.Node n, String a, long[] dflt) {
    OnnxProto.Attribute at = n.attributes().get(a);
    return at == null ? dflt : at.ints();
  }

  static long i(OnnxProto.Node n, String a, long dflt) {
    OnnxProto.Attribute at = n.attributes().get(a);
    return at == null ? dflt : at.i();
  }

  static float f(OnnxProto.Node n, String a, float dflt) {
    OnnxProto.Attribute at = n.attributes().get(a);
    return at == null ? dflt : at.f();
  }

  static String s(OnnxProto.Node n, String a, String dflt) {
    OnnxProto.Attribute at = n.attributes().get(a);
    return at == null ? dflt : at.string();
  }

  static OnnxProto.Tensor t(OnnxProto.Node n, String a) {
    OnnxProto.Attribute at = n.attributes().get(a);
    return at == null ? null : at.t();
  }

  /** {@code v} as ints, each checked to fit. */
  static int[] toInt(long[] v) {
    int[] r = new int[v.length];
    for (int k = 0; k < v.length; k++) {
      if (v[k] > Integer.MAX_VALUE || v[k] < Integer.MIN_VALUE) throw new OnnxFormatException("attribute value " + v[k] + " out of range");
      r[k] = (int) v[k];
    }
    return r;
  }

  /** {@code v} as ints of length {@code rank}, or {@code rank} copies of {@code dflt} when absent. */
  static int[] fill(long[] v, int rank, int dflt) {
    if (v == null) {
      int[] r = new int[rank];
      java.util.Arrays.fill(r, dflt);
      return r;
    }
    if (v.length != rank) throw new OnnxFormatException("attribute of length " + v.length + ", expected " + rank);
    return toInt(v);
  }

  /**
   * Spatial pads (all begins, then all ends) for a conv or pool node: from {@code auto_pad}
   * (SAME_UPPER puts the odd one at the end, SAME_LOWER at the beginning; VALID none) or from
   * {@code pads}.
   */
  static int[] spatialPads(OnnxProto.Node n, long[] spatial, int[] k, int[] s, int[] d) {
    String auto = s(n, "auto_pad", "NOTSET");
    int rank = k.length;
    if (auto.equals("SAME_UPPER") || auto.equals("SAME_LOWER")) {
      int[] p = new int[2 * rank];
      for (int a = 0; a < rank; a++) {
        long in = spatial[a], outSize = (in + s[a] - 1) / s[a];
        long total = Math.max(0, (outSize - 1) * s[a] + (long) (k[a] - 1) * d[a] + 1 - in);
        long small = total / 2, big = total - small;
        p[a] = (int) (auto.equals("SAME_UPPER") ? small : big);
        p[a + rank] = (int) (auto.equals("SAME_UPPER") ? big : small);
      }
      return p;
    }
    if (auto.equals("VALID")) return new int[2 * rank];
    if (!auto.equals("NOTSET")) throw new OnnxFormatException(n.name() + ": unknown auto_pad '" + auto + "'");
    long[] pads = ints(n, "pads", new long[2 * rank]);
    if (pads.length != 2 * rank) throw new OnnxFormatException(n.name() + ": pads " + java.util.Arrays.toString(pads) + " for rank " + rank);
    return toInt(pads);
  }
}
