package dev.layerfuse.tensor;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A row-major array of any {@link DType}: the values ONNX models carry besides float32 compute
 * tensors (shapes, indices, integer arithmetic, masks) and the inputs and outputs of
 * {@code layerfuse run}. Floating types are held as doubles (exact for float16/float32), integer
 * and bool types as longs (uint64 as its two's-complement bits). Immutable: factories copy or
 * take ownership as documented, accessors never expose the storage.
 */
public final class TypedArray {
  /** The largest array made (elements), so hostile dims fail cleanly instead of exhausting the heap. */
  public static final long MAX_ELEMENTS = 1L << 28;

  private final DType type;
  private final long[] dims;
  private final double[] reals;
  private final long[] ints;

  private TypedArray(DType type, long[] dims, double[] reals, long[] ints) {
    this.type = type;
    this.dims = dims;
    this.reals = reals;
    this.ints = ints;
  }

  /** Element count of {@code dims}, checked for negative values, overflow and {@link #MAX_ELEMENTS}. */
  public static int count(long[] dims) {
    long n = 1;
    for (long d : dims) {
      if (d < 0) throw new IllegalArgumentException("dims " + Arrays.toString(dims) + ": negative dimension " + d);
      n = Math.multiplyExact(n, d);
      if (n > MAX_ELEMENTS) {
        throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " exceed " + MAX_ELEMENTS + " elements");
      }
    }
    return (int) n;
  }

  /** A floating array; values are rounded to {@code type}. Takes ownership of {@code values}. */
  public static TypedArray ofReals(DType type, long[] dims, double[] values) {
    if (!type.isFloating()) throw new IllegalArgumentException(type + " is not a floating type");
    check(dims, values.length);
    for (int i = 0; i < values.length; i++) values[i] = type.round(values[i]);
    return new TypedArray(type, dims.clone(), values, null);
  }

  /** An integer or bool array; values are wrapped to {@code type}. Takes ownership of {@code values}. */
  public static TypedArray ofInts(DType type, long[] dims, long[] values) {
    if (type.isFloating()) throw new IllegalArgumentException(type + " is not an integer type");
    check(dims, values.length);
    for (int i = 0; i < values.length; i++) values[i] = type.wrap(values[i]);
    return new TypedArray(type, dims.clone(), null, values);
  }

  /** A float32 array holding {@code t}'s values. */
  public static TypedArray of(Tensor t) {
    float[] f = t.toArray();
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) d[i] = f[i];
    return new TypedArray(DType.FLOAT32, t.shape().dims(), d, null);
  }

  /** A zero-filled array. */
  public static TypedArray zeros(DType type, long[] dims) {
    int n = count(dims);
    return type.isFloating() ? new TypedArray(type, dims.clone(), new double[n], null)
        : new TypedArray(type, dims.clone(), null, new long[n]);
  }

  private static void check(long[] dims, int length) {
    if (count(dims) != length) {
      throw new IllegalArgumentException("dims " + Arrays.toString(dims) + " need " + count(dims) + " values, got " + length);
    }
  }

  /** Decodes {@code count(dims)} little-endian elements of {@code type} from {@code b}. */
  public static TypedArray decode(DType type, long[] dims, ByteBuffer b) {
    int n = count(dims);
    if ((long) n * type.size() > b.remaining()) {
      throw new IllegalArgumentException(type + " " + Arrays.toString(dims) + " needs " + (long) n * type.size()
          + " bytes, " + b.remaining() + " present");
    }
    if (type.isFloating()) {
      double[] d = new double[n];
      for (int i = 0; i < n; i++) {
        d[i] = type == DType.FLOAT32 ? b.getFloat() : type == DType.FLOAT64 ? b.getDouble() : Half.toFloat(b.getShort());
      }
      return new TypedArray(type, dims.clone(), d, null);
    }
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      switch (type.size()) {
        case 1: v[i] = b.get(); break;
        case 2: v[i] = b.getShort(); break;
        case 4: v[i] = b.getInt(); break;
        default: v[i] = b.getLong(); break;
      }
      v[i] = type.wrap(v[i]);
    }
    return new TypedArray(type, dims.clone(), null, v);
  }

  /** Writes the elements little-endian into {@code b} ({@link #byteSize()} bytes). */
  public void encode(ByteBuffer b) {
    for (int i = 0; i < numel(); i++) {
      switch (type) {
        case FLOAT32: b.putFloat((float) reals[i]); break;
        case FLOAT64: b.putDouble(reals[i]); break;
        case FLOAT16: b.putShort(Half.fromFloat((float) reals[i])); break;
        default:
          switch (type.size()) {
            case 1: b.put((byte) ints[i]); break;
            case 2: b.putShort((short) ints[i]); break;
            case 4: b.putInt((int) ints[i]); break;
            default: b.putLong(ints[i]); break;
          }
      }
    }
  }

  public long byteSize() {
    return (long) numel() * type.size();
  }

  public DType type() {
    return type;
  }

  public long[] dims() {
    return dims.clone();
  }

  public int rank() {
    return dims.length;
  }

  public long dim(int axis) {
    return dims[axis];
  }

  public int numel() {
    return reals != null ? reals.length : ints.length;
  }

  /** Element {@code i} as a double (uint64 read as unsigned). */
  public double real(int i) {
    if (reals != null) return reals[i];
    long v = ints[i];
    if (type == DType.UINT64 && v < 0) return (double) (v >>> 1) * 2.0 + (v & 1);
    return v;
  }

  /** Element {@code i} as a long (floating values truncated toward zero, saturating). */
  public long integer(int i) {
    return reals != null ? (long) reals[i] : ints[i];
  }

  /** All elements as longs. */
  public long[] toLongs() {
    if (ints != null) return ints.clone();
    long[] v = new long[reals.length];
    for (int i = 0; i < v.length; i++) v[i] = (long) reals[i];
    return v;
  }

  /** All elements as doubles. */
  public double[] toDoubles() {
    if (reals != null) return reals.clone();
    double[] d = new double[ints.length];
    for (int i = 0; i < d.length; i++) d[i] = real(i);
    return d;
  }

  /** The values converted to a float32 tensor. */
  public Tensor toTensor() {
    float[] f = new float[numel()];
    for (int i = 0; i < f.length; i++) f[i] = (float) real(i);
    return Tensor.wrap(Shape.of(dims), f);
  }

  /** The same values under new dims with the same element count. */
  public TypedArray reshape(long[] newDims) {
    check(newDims, numel());
    return new TypedArray(type, newDims.clone(), reals, ints);
  }

  /** The values converted to {@code to} (ONNX Cast semantics: floats truncate toward zero, bool is != 0). */
  public TypedArray cast(DType to) {
    if (to == type) return this;
    int n = numel();
    if (to.isFloating()) {
      double[] d = new double[n];
      for (int i = 0; i < n; i++) d[i] = to.round(real(i));
      return new TypedArray(to, dims, d, null);
    }
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      if (reals == null) v[i] = to.wrap(ints[i]);
      else if (to == DType.BOOL) v[i] = reals[i] != 0 ? 1 : 0;
      else if (to == DType.UINT64 && reals[i] >= 0x1p63) v[i] = (long) (reals[i] - 0x1p63) ^ Long.MIN_VALUE;
      else v[i] = to.wrap((long) reals[i]);
    }
    return new TypedArray(to, dims, null, v);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TypedArray)) return false;
    TypedArray t = (TypedArray) o;
    return type == t.type && Arrays.equals(dims, t.dims) && Arrays.equals(reals, t.reals) && Arrays.equals(ints, t.ints);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, Arrays.hashCode(dims), Arrays.hashCode(reals), Arrays.hashCode(ints));
  }

  @Override
  public String toString() {
    return type + Arrays.toString(dims);
  }
}
