package dev.layerfuse.onnx;

/** An ONNX file (or tensor file) is malformed, hostile or unsupported; the message says where and why. */
public final class OnnxFormatException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public OnnxFormatException(String message) {
    super(message);
  }

  public OnnxFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
