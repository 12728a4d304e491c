package dev.layerfuse.onnx;

import dev.layerfuse.tensor.Tensor;
import dev.layerfuse.tensor.TypedArray;
import java.util.List;
import java.util.Map;

/** Builds in-memory {@link OnnxProto.Tensor}s from layerfuse tensors (for values the importer derives). */
final class OnnxProtoTensors {
  private OnnxProtoTensors() {}

  static OnnxProto.Tensor of(String name, Tensor t) {
    return new OnnxProto.Tensor(name, OnnxProto.FLOAT, t.shape().dims(), null, t.toArray(), new long[0], new long[0],
        new double[0], new long[0], List.of(), Map.of(), false);
  }

  static OnnxProto.Tensor of(String name, TypedArray t) {
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(Math.toIntExact(t.byteSize())).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    t.encode(b);
    return new OnnxProto.Tensor(name, t.type().onnxCode(), t.dims(), b.array(), new float[0], new long[0], new long[0],
        new double[0], new long[0], List.of(), Map.of(), false);
  }
}
