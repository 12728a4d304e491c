package dev.layerfuse.tensor;

import java.util.Arrays;

/**
 * An immutable tensor shape: a list of non-negative dimensions, outermost first (NCHW for
 * images). The element count is checked for overflow when the shape is made, so code that
 * sizes buffers from a {@code Shape} never sees a wrapped-around count.
 */
public final class Shape {
  private static final Shape SCALAR = new Shape(new long[0], 1);

  private final long[] dims;
  private final long numel;

  private Shape(long[] dims, long numel) {
    this.dims = dims;
    this.numel = numel;
  }

  /** A shape with the given dimensions; the array is copied. */
  public static Shape of(long... dims) {
    if (dims == null) throw new IllegalArgumentException("shape: dimensions are null");
    if (dims.length == 0) return SCALAR;
    long n = 1;
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(dims) + ": dimension " + i + " is " + dims[i] + ", expected >= 0");
      }
      try {
        n = Math.multiplyExact(n, dims[i]);
      } catch (ArithmeticException e) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(dims) + ": element count overflows a 64-bit integer", e);
      }
    }
    return new Shape(dims.clone(), n);
  }

  /** A shape with the given dimensions. */
  public static Shape of(int... dims) {
    if (dims == null) throw new IllegalArgumentException("shape: dimensions are null");
    return of(Arrays.stream(dims).asLongStream().toArray());
  }

  /** The rank-0 shape of a scalar (one element). */
  public static Shape scalar() {
    return SCALAR;
  }

  public int rank() {
    return dims.length;
  }

  /** Dimension {@code axis}; negative axes count from the end, as in NumPy. */
  public long dim(int axis) {
    return dims[axis(axis)];
  }

  /** Normalises a possibly negative axis to {@code [0, rank)}, or throws naming both. */
  public int axis(int axis) {
    int a = axis < 0 ? axis + dims.length : axis;
    if (a < 0 || a >= dims.length) {
      throw new IllegalArgumentException(
          "axis " + axis + " is out of range for shape " + this + " (rank " + dims.length + ")");
    }
    return a;
  }

  /** The number of elements: the product of the dimensions (1 for a scalar). */
  public long numel() {
    return numel;
  }

  /** A copy of the dimensions. */
  public long[] dims() {
    return dims.clone();
  }

  /** The same dimensions with {@code axis} replaced by {@code size}. */
  public Shape withDim(int axis, long size) {
    long[] d = dims.clone();
    d[axis(axis)] = size;
    return of(d);
  }

  /** Row-major (C-order) strides in elements. */
  public long[] strides() {
    long[] s = new long[dims.length];
    long acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= dims[i];
    }
    return s;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape other && Arrays.equals(dims, other.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
