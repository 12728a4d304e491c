package dev.layerfuse.onnx;

import dev.layerfuse.tensor.TypedArray;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Builds small ONNX models in tests (the wire format, field numbers from onnx.proto). */
final class OnnxBuilder {
  private final List<ProtoWriter> nodes = new ArrayList<>(), inits = new ArrayList<>(), inputs = new ArrayList<>(),
      outputs = new ArrayList<>();
  private final long opset;

  OnnxBuilder(long opset) {
    this.opset = opset;
  }

  OnnxBuilder input(String name, long... dims) {
    inputs.add(valueInfo(name, dims));
    return this;
  }

  OnnxBuilder output(String name) {
    ProtoWriter tt = new ProtoWriter().varint(1, OnnxProto.FLOAT);
    outputs.add(new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tt)));
    return this;
  }

  OnnxBuilder init(String name, TypedArray t) {
    ByteBuffer b = ByteBuffer.allocate((int) t.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
    t.encode(b);
    inits.add(new ProtoWriter().packedInt64(1, t.dims()).varint(2, t.type().onnxCode()).string(8, name).bytes(9, b.array()));
    return this;
  }

  OnnxBuilder initFloats(String name, long[] dims, double... v) {
    return init(name, TypedArray.ofReals(dev.layerfuse.tensor.DType.FLOAT32, dims, v.clone()));
  }

  OnnxBuilder initLongs(String name, long... v) {
    return init(name, TypedArray.ofInts(dev.layerfuse.tensor.DType.INT64, new long[] {v.length}, v.clone()));
  }

  /** A node; {@code attrs} from {@link OnnxExporter}'s attribute helpers. */
  OnnxBuilder node(String op, List<String> in, List<String> out, ProtoWriter... attrs) {
    ProtoWriter n = new ProtoWriter();
    for (String i : in) n.string(1, i);
    for (String o : out) n.string(2, o);
    n.string(3, op + "_" + nodes.size()).string(4, op);
    for (ProtoWriter a : attrs) n.message(5, a);
    nodes.add(n);
    return this;
  }

  private static ProtoWriter valueInfo(String name, long[] dims) {
    ProtoWriter shape = new ProtoWriter();
    for (long d : dims) shape.message(1, new ProtoWriter().varint(1, d));
    ProtoWriter tt = new ProtoWriter().varint(1, OnnxProto.FLOAT).message(2, shape);
    return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tt));
  }

  byte[] bytes() {
    ProtoWriter g = new ProtoWriter();
    for (ProtoWriter n : nodes) g.message(1, n);
    g.string(2, "test");
    for (ProtoWriter t : inits) g.message(5, t);
    for (ProtoWriter i : inputs) g.message(11, i);
    for (ProtoWriter o : outputs) g.message(12, o);
    ProtoWriter op = new ProtoWriter().string(1, "").varint(2, opset);
    return new ProtoWriter().varint(1, 8).string(2, "test").message(7, g).message(8, op).toByteArray();
  }
}
