package dev.layerfuse.onnx;

import java.util.Set;

/** Which ONNX ops (default domain) the importer handles, checked for the whole model before importing. */
final class Support {
  static final Set<String> OPS = Set.of("Constant", "Conv", "ConvTranspose", "Gemm", "MatMul", "BatchNormalization",
      "Relu", "LeakyRelu", "Sigmoid", "Tanh", "HardSwish", "HardSigmoid", "Clip", "Add", "Sub", "Mul", "Div", "MaxPool", "AveragePool",
      "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Reshape", "Concat", "Softmax", "LogSoftmax", "Transpose",
      "Identity", "Dropout", "Squeeze", "Unsqueeze", "Pad", "Sum", "Max", "Min", "Mean", "Shape", "Size", "Cast",
      "Elu", "Selu", "Softplus", "Exp", "Log", "Sqrt", "Abs", "Neg", "Reciprocal", "Pow", "PRelu", "Slice", "Split", "Gather",
      "Expand", "ReduceMean", "ReduceMax", "ReduceSum", "LRN", "Upsample", "Resize", "ConstantOfShape");

  private Support() {}

  /** Null when supported, else the op type (with its domain) to list. */
  static String why(OnnxProto.Node n, long opset) {
    if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) return n.domain() + "." + n.opType();
    return OPS.contains(n.opType()) || HostOps.supports(n.opType()) ? null : n.opType();
  }

  /** Throws one error listing every unsupported op type of {@code model} and the first node of each. */
  static void check(OnnxProto.Model model) {
    long opset = model.opsets().getOrDefault("", 1L);
    java.util.Map<String, String> unsupported = new java.util.LinkedHashMap<>();
    for (OnnxProto.Node n : model.graph().nodes()) {
      String why = why(n, opset);
      if (why != null) unsupported.putIfAbsent(why, n.name().isEmpty() ? n.opType() + " (unnamed)" : n.name());
    }
    if (!unsupported.isEmpty()) {
      StringBuilder sb = new StringBuilder("unsupported ONNX model:");
      unsupported.forEach((op, first) -> sb.append(' ').append(op).append(" (first at node ").append(first).append(");"));
      throw new UnsupportedOperationException(sb.toString());
    }
  }
}
