package dev.layerfuse.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorTest {
  @Test
  void ofCopiesWrapAliases() {
    float[] data = {1, 2, 3, 4, 5, 6};
    Tensor copied = Tensor.of(Shape.of(2, 3), data);
    Tensor wrapped = Tensor.wrap(Shape.of(2, 3), data);
    data[0] = 42;
    assertEquals(1f, copied.get(0));
    assertEquals(42f, wrapped.get(0));
    float[] out = copied.toArray();
    out[1] = 99;
    assertEquals(2f, copied.get(1));
  }

  @Test
  void indexingAndReshape() {
    Tensor t = Tensor.of(Shape.of(2, 3), new float[] {1, 2, 3, 4, 5, 6});
    assertEquals(6f, t.at(1, 2));
    assertEquals(4f, t.at(1, 0));
    Tensor r = t.reshape(Shape.of(3, 2));
    assertEquals(4f, r.at(1, 1));
    assertArrayEquals(t.toArray(), r.toArray());
  }

  @Test
  void rejectsMismatchesWithBothSizes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Tensor.of(Shape.of(2, 3), new float[5]));
    assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("6") && e.getMessage().contains("5"),
        e.getMessage());
    IllegalArgumentException rs = assertThrows(IllegalArgumentException.class,
        () -> Tensor.zeros(Shape.of(2, 3)).reshape(Shape.of(4, 2)));
    assertTrue(rs.getMessage().contains("[4, 2]"), rs.getMessage());
    assertThrows(IndexOutOfBoundsException.class, () -> Tensor.zeros(Shape.of(2, 3)).at(2, 0));
    assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(Shape.of(2, 3)).at(1));
    assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(Shape.of(1L << 20, 1L << 12)));
  }

  @Test
  void differenceUsesMaxAbsOverMaxReference() {
    Difference d = Difference.of(new float[] {10, -20, 0}, new float[] {10.5f, -20, 0.1f});
    assertEquals(0.5, d.maxAbs(), 1e-6);
    assertEquals(20, d.maxReference(), 1e-6);
    assertEquals(0.025, d.relative(), 1e-6);
    assertTrue(Double.isInfinite(Difference.of(new float[] {1}, new float[] {Float.NaN}).relative()));
    assertEquals(0, Difference.of(new float[] {Float.NaN}, new float[] {Float.NaN}).relative());
  }
}
