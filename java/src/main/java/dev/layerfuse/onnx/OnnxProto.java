package dev.layerfuse.onnx;

import dev.layerfuse.onnx.ProtoReader.FloatList;
import dev.layerfuse.onnx.ProtoReader.LongList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of ONNX's protobuf schema (onnx.proto, field numbers from the spec) that inference
 * needs, parsed with {@link ProtoReader}. Unknown fields are skipped, as protobuf requires.
 */
public final class OnnxProto {
  private static final int MAX_DEPTH = 16;

  private OnnxProto() {}

  /** ModelProto. */
  public record Model(long irVersion, Map<String, Long> opsets, String producer, Graph graph) {}

  /** GraphProto. */
  public record Graph(String name, List<Node> nodes, List<Tensor> initializers, List<ValueInfo> inputs,
                      List<ValueInfo> outputs) {}

  /** NodeProto. */
  public record Node(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                     Map<String, Attribute> attributes) {}

  /** AttributeProto; only the field its {@code type} names is meaningful. */
  public record Attribute(String name, int type, float f, long i, byte[] s, Tensor t, Graph g, float[] floats,
                          long[] ints, List<byte[]> strings, List<Tensor> tensors) {
    public static final int FLOAT = 1, INT = 2, STRING = 3, TENSOR = 4, GRAPH = 5, FLOATS = 6, INTS = 7, STRINGS = 8,
        TENSORS = 9;

    public String string() {
      return s == null ? "" : new String(s, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  /** ValueInfoProto with a tensor type: element type and dims (-1 where symbolic or absent). */
  public record ValueInfo(String name, int elemType, long[] dims, List<String> dimParams) {}

  /**
   * TensorProto. Data is in {@code raw} (little-endian bytes, a range of the file) or in the typed
   * field arrays; {@code external} holds external-data entries (location, offset, length).
   */
  public record Tensor(String name, int dataType, long[] dims, byte[] raw, float[] floatData, long[] int64Data,
                       long[] int32Data, double[] doubleData, long[] uint64Data, List<byte[]> stringData,
                       Map<String, String> external, boolean isExternal) {}

  /** TensorProto.DataType values. */
  public static final int FLOAT = 1, UINT8 = 2, INT8 = 3, UINT16 = 4, INT16 = 5, INT32 = 6, INT64 = 7, STRING = 8,
      BOOL = 9, FLOAT16 = 10, DOUBLE = 11, UINT32 = 12, UINT64 = 13, BFLOAT16 = 16;

  public static Model parseModel(byte[] bytes, String what) {
    ProtoReader r = new ProtoReader(bytes, what);
    long ir = 0;
    Map<String, Long> opsets = new LinkedHashMap<>();
    String producer = "";
    Graph graph = null;
    while (r.more()) {
      int tag = r.tag();
      switch (tag >>> 3) {
        case 1: ir = r.varint(); break;
        case 2: producer = r.string(); break;
        case 7: graph = graph(r.message("graph"), 0); break;
        case 8: {
          ProtoReader o = r.message("opset_import");
          String domain = "";
          long version = 0;
          while (o.more()) {
            int t = o.tag();
            if (t >>> 3 == 1) domain = o.string();
            else if (t >>> 3 == 2) version = o.varint();
            else o.skip(t);
          }
          opsets.put(domain.equals("ai.onnx") ? "" : domain, version);
          break;
        }
        default: r.skip(tag);
      }
    }
    if (graph == null) throw r.error("the model has no graph");
    return new Model(ir, Collections.unmodifiableMap(opsets), producer, graph);
  }

  static Graph graph(ProtoReader r, int depth) {
    if (depth > MAX_DEPTH) throw r.error("subgraphs nested deeper than " + MAX_DEPTH);
    String name = "";
    List<Node> nodes = new ArrayList<>();
    List<Tensor> inits = new ArrayList<>();
    List<ValueInfo> ins = new ArrayList<>(), outs = new ArrayList<>();
    while (r.more()) {
      int tag = r.tag();
      switch (tag >>> 3) {
        case 1: nodes.add(node(r.message("node"), depth)); break;
        case 2: name = r.string(); break;
        case 5: inits.add(tensor(r.message("initializer"))); break;
        case 11: ins.add(valueInfo(r.message("input"))); break;
        case 12: outs.add(valueInfo(r.message("output"))); break;
        default: r.skip(tag);
      }
    }
    return new Graph(name, List.copyOf(nodes), List.copyOf(inits), List.copyOf(ins), List.copyOf(outs));
  }

  static Node node(ProtoReader r, int depth) {
    List<String> in = new ArrayList<>(), out = new ArrayList<>();
    String name = "", op = "", domain = "";
    Map<String, Attribute> attrs = new LinkedHashMap<>();
    while (r.more()) {
      int tag = r.tag();
      switch (tag >>> 3) {
        case 1: in.add(r.string()); break;
        case 2: out.add(r.string()); break;
        case 3: name = r.string(); break;
        case 4: op = r.string(); break;
        case 5: {
          Attribute a = attribute(r.message("attribute"), depth);
          if (attrs.put(a.name(), a) != null) throw r.error("node " + name + " has attribute '" + a.name() + "' twice");
          break;
        }
        case 7: domain = r.string(); break;
        default: r.skip(tag);
      }
    }
    return new Node(name, op, domain.equals("ai.onnx") ? "" : domain, List.copyOf(in), List.copyOf(out),
        Collections.unmodifiableMap(attrs));
  }

  static Attribute attribute(ProtoReader r, int depth) {
    String name = "";
    int type = 0;
    float f = 0;
    long i = 0;
    byte[] s = null;
    Tensor t = null;
    Graph g = null;
    FloatList floats = new FloatList();
    LongList ints = new LongList();
    List<byte[]> strings = new ArrayList<>();
    List<Tensor> tensors = new ArrayList<>();
    while (r.more()) {
      int tag = r.tag();
      switch (tag >>> 3) {
        case 1: name = r.string(); break;
        case 20: type = (int) r.varint(); break;
        case 2: f = Float.intBitsToFloat(r.fixed32()); break;
        case 3: i = r.varint(); break;
        case 4: s = r.bytes(); break;
        case 5: t = tensor(r.message("attribute tensor")); break;
        case 6: g = graph(r.message("attribute graph"), depth + 1); break;
        case 7: r.floats(tag, floats); break;
        case 8: r.int64s(tag, ints); break;
        case 9: strings.add(r.bytes()); break;
        case 10: tensors.add(tensor(r.message("attribute tensors"))); break;
        default: r.skip(tag);
      }
    }
    if (type == 0) {
      // IR version 1 had no type field: infer it from the field present.
      type = t != null ? Attribute.TENSOR : s != null ? Attribute.STRING : g != null ? Attribute.GRAPH
          : floats.size() > 0 ? Attribute.FLOATS : ints.size() > 0 ? Attribute.INTS : strings.size() > 0 ? Attribute.STRINGS
          : f != 0 ? Attribute.FLOAT : Attribute.INT;
    }
    return new Attribute(name, type, f, i, s, t, g, floats.toArray(), ints.toArray(), List.copyOf(strings), List.copyOf(tensors));
  }

  static ValueInfo valueInfo(ProtoReader r) {
    String name = "";
    int elem = 0;
    LongList dims = new LongList();
    List<String> params = new ArrayList<>();
    while (r.more()) {
      int tag = r.tag();
      if (tag >>> 3 == 1) {
        name = r.string();
      } else if (tag >>> 3 == 2) {
        ProtoReader type = r.message("type");
        while (type.more()) {
          int tt = type.tag();
          if (tt >>> 3 != 1) {
            type.skip(tt);
            continue;
          }
          ProtoReader tensor = type.message("tensor_type");
          while (tensor.more()) {
            int t = tensor.tag();
            if (t >>> 3 == 1) {
              elem = (int) tensor.varint();
            } else if (t >>> 3 == 2) {
              ProtoReader shape = tensor.message("shape");
              while (shape.more()) {
                int st = shape.tag();
                if (st >>> 3 != 1) {
                  shape.skip(st);
                  continue;
                }
                ProtoReader dim = shape.message("dim");
                long v = -1;
                String p = "";
                while (dim.more()) {
                  int dt = dim.tag();
                  if (dt >>> 3 == 1) v = dim.varint();
                  else if (dt >>> 3 == 2) p = dim.string();
                  else dim.skip(dt);
                }
                dims.add(v);
                params.add(p);
              }
            } else {
              tensor.skip(t);
            }
          }
        }
      } else {
        r.skip(tag);
      }
    }
    return new ValueInfo(name, elem, dims.toArray(), List.copyOf(params));
  }

  static Tensor tensor(ProtoReader r) {
    String name = "";
    int type = 0;
    LongList dims = new LongList(), i64 = new LongList(), i32 = new LongList(), u64 = new LongList();
    FloatList f32 = new FloatList();
    List<Double> f64 = new ArrayList<>();
    List<byte[]> strings = new ArrayList<>();
    byte[] raw = null;
    Map<String, String> external = new LinkedHashMap<>();
    boolean isExternal = false;
    while (r.more()) {
      int tag = r.tag();
      switch (tag >>> 3) {
        case 1: r.int64s(tag, dims); break;
        case 2: type = (int) r.varint(); break;
        case 4: r.floats(tag, f32); break;
        case 5: r.int64s(tag, i32); break;
        case 6: strings.add(r.bytes()); break;
        case 7: r.int64s(tag, i64); break;
        case 8: name = r.string(); break;
        case 9: raw = r.bytes(); break;
        case 10: r.doubles(tag, f64); break;
        case 11: r.int64s(tag, u64); break;
        case 13: {
          ProtoReader e = r.message("external_data");
          String k = "", v = "";
          while (e.more()) {
            int t = e.tag();
            if (t >>> 3 == 1) k = e.string();
            else if (t >>> 3 == 2) v = e.string();
            else e.skip(t);
          }
          external.put(k, v);
          break;
        }
        case 14: isExternal = r.varint() == 1; break;
        default: r.skip(tag);
      }
    }
    long[] d = dims.toArray();
    for (long x : d) if (x < 0) throw r.error("tensor '" + name + "' has a negative dimension " + x);
    double[] dd = new double[f64.size()];
    for (int k = 0; k < dd.length; k++) dd[k] = f64.get(k);
    return new Tensor(name, type, d, raw, f32.toArray(), i64.toArray(), i32.toArray(), dd, u64.toArray(),
        List.copyOf(strings), Collections.unmodifiableMap(external), isExternal);
  }

  /** Parses a standalone TensorProto file (the node tests' input_N.pb / output_N.pb). */
  public static Tensor parseTensor(byte[] bytes, String what) {
    return tensor(new ProtoReader(bytes, what));
  }
}
