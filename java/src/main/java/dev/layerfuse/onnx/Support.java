package dev.layerfuse.onnx;

import java.util.Set;

/** Which ONNX ops (default domain) the importer handles, checked for the whole model before importing. */
final class Support {
  static final Set<String> OPS = Set.of("Constant", "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization",
      "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid", "Clip", "Add", "Sub", "Mul", "Div", "MaxPool", "AveragePool",
      "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Reshape", "Concat", "Softmax", "LogSoftmax", "Transpose",
      "Identity", "Dropout", "Squeeze", "Unsqueeze", "Pad");

  private Support() {}

  /** Null when supported, else the op type (with its domain) to list. */
  static String why(OnnxProto.Node n, long opset) {
    if (!n.domain().isEmpty()) return n.domain() + "." + n.opType();
    return OPS.contains(n.opType()) ? null : n.opType();
  }
}
