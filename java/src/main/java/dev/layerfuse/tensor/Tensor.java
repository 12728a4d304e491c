package dev.layerfuse.tensor;

import java.util.Arrays;
import java.util.Objects;

/**
 * A float32 tensor in row-major (NCHW for images) order, held on the Java heap.
 *
 * <p>A tensor is immutable once made: {@link #of} copies the caller's array, and
 * {@link #toArray()} returns a copy. {@link #wrap} is the one aliasing constructor, for callers
 * that hand over an array and promise not to modify it afterwards. {@link #reshape} returns a
 * view that shares the (immutable) data.
 */
public final class Tensor {
  private final Shape shape;
  private final float[] data;

  private Tensor(Shape shape, float[] data) {
    this.shape = shape;
    this.data = data;
  }

  /** A tensor holding a copy of {@code data}; its length must equal the shape's element count. */
  public static Tensor of(Shape shape, float[] data) {
    checkLength(shape, data);
    return new Tensor(shape, data.clone());
  }

  /**
   * A tensor that aliases {@code data} without copying. The caller hands the array over: it must
   * not be modified afterwards, or the tensor changes under its readers.
   */
  public static Tensor wrap(Shape shape, float[] data) {
    checkLength(shape, data);
    return new Tensor(shape, data);
  }

  /** A zero-filled tensor. */
  public static Tensor zeros(Shape shape) {
    return new Tensor(shape, new float[checkedSize(shape)]);
  }

  private static void checkLength(Shape shape, float[] data) {
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(data, "data");
    if (data.length != checkedSize(shape)) {
      throw new IllegalArgumentException(
          "tensor of shape " + shape + " needs " + shape.numel() + " floats, got " + data.length);
    }
  }

  private static int checkedSize(Shape shape) {
    if (shape.numel() > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(
          "tensor of shape " + shape + " has " + shape.numel()
              + " elements, more than a Java array holds (" + (Integer.MAX_VALUE - 8) + ")");
    }
    return (int) shape.numel();
  }

  public Shape shape() {
    return shape;
  }

  public long numel() {
    return shape.numel();
  }

  /** The element at a flat (row-major) index. */
  public float get(long flatIndex) {
    if (flatIndex < 0 || flatIndex >= data.length) {
      throw new IndexOutOfBoundsException(
          "flat index " + flatIndex + " is out of range for shape " + shape + " (" + data.length + " elements)");
    }
    return data[(int) flatIndex];
  }

  /** The element at a multi-dimensional index, one entry per axis. */
  public float at(long... index) {
    if (index.length != shape.rank()) {
      throw new IllegalArgumentException(
          "index " + Arrays.toString(index) + " has " + index.length + " entries, shape " + shape + " has rank " + shape.rank());
    }
    long[] strides = shape.strides();
    long flat = 0;
    for (int i = 0; i < index.length; i++) {
      if (index[i] < 0 || index[i] >= shape.dim(i)) {
        throw new IndexOutOfBoundsException(
            "index " + Arrays.toString(index) + " is out of range for shape " + shape + " at axis " + i);
      }
      flat += index[i] * strides[i];
    }
    return data[(int) flat];
  }

  /** A copy of the data. */
  public float[] toArray() {
    return data.clone();
  }

  /** Copies the data into {@code dst} starting at {@code dstOffset}. */
  public void copyTo(float[] dst, int dstOffset) {
    System.arraycopy(data, 0, dst, dstOffset, data.length);
  }

  /** A view with another shape of the same element count, sharing this tensor's data. */
  public Tensor reshape(Shape newShape) {
    if (newShape.numel() != shape.numel()) {
      throw new IllegalArgumentException(
          "cannot reshape " + shape + " (" + shape.numel() + " elements) to " + newShape + " (" + newShape.numel() + " elements)");
    }
    return new Tensor(newShape, data);
  }

  @Override
  public String toString() {
    return "Tensor" + shape;
  }
}
