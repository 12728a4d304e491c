package dev.layerfuse.tensor;

import java.util.Locale;

/**
 * Element types of {@link TypedArray}s, with their ONNX {@code TensorProto.DataType} codes and
 * NumPy type strings. float32 is the compute type of the fused path; the others appear in shape
 * computations, integer arithmetic and model inputs/outputs.
 */
public enum DType {
  FLOAT32(1, "f4", 4),
  UINT8(2, "u1", 1),
  INT8(3, "i1", 1),
  UINT16(4, "u2", 2),
  INT16(5, "i2", 2),
  INT32(6, "i4", 4),
  INT64(7, "i8", 8),
  BOOL(9, "b1", 1),
  FLOAT16(10, "f2", 2),
  FLOAT64(11, "f8", 8),
  UINT32(12, "u4", 4),
  UINT64(13, "u8", 8);

  private final int onnx;
  private final String npy;
  private final int size;

  DType(int onnx, String npy, int size) {
    this.onnx = onnx;
    this.npy = npy;
    this.size = size;
  }

  /** The ONNX {@code TensorProto.DataType} code. */
  public int onnxCode() {
    return onnx;
  }

  /** The NumPy kind and size, e.g. {@code f4}, {@code u1}, {@code b1}. */
  public String npyCode() {
    return npy;
  }

  /** Bytes per element. */
  public int size() {
    return size;
  }

  public boolean isFloating() {
    return this == FLOAT32 || this == FLOAT64 || this == FLOAT16;
  }

  public boolean isUnsigned() {
    return this == UINT8 || this == UINT16 || this == UINT32 || this == UINT64 || this == BOOL;
  }

  /**
   * {@code v} reduced to this integer type's range the way C and NumPy do it (two's-complement
   * wrap-around; bool is {@code v != 0}). For floating types {@code v} is returned unchanged.
   */
  public long wrap(long v) {
    switch (this) {
      case INT8: return (byte) v;
      case UINT8: return v & 0xff;
      case INT16: return (short) v;
      case UINT16: return v & 0xffff;
      case INT32: return (int) v;
      case UINT32: return v & 0xffffffffL;
      case BOOL: return v != 0 ? 1 : 0;
      default: return v;
    }
  }

  /** {@code v} rounded to this floating type (float32 and float16 round to nearest even). */
  public double round(double v) {
    switch (this) {
      case FLOAT32: return (float) v;
      case FLOAT16: return Half.toFloat(Half.fromFloat((float) v));
      default: return v;
    }
  }

  /** The type with ONNX code {@code code}, or an exception naming it. */
  public static DType fromOnnx(int code) {
    for (DType t : values()) if (t.onnx == code) return t;
    throw new IllegalArgumentException("unsupported ONNX element type " + code);
  }

  /** The type with NumPy code {@code code} ({@code f4}, {@code i8}, ...), or an exception naming it. */
  public static DType fromNpy(String code) {
    for (DType t : values()) if (t.npy.equals(code)) return t;
    throw new IllegalArgumentException("unsupported NumPy dtype '" + code + "'");
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
