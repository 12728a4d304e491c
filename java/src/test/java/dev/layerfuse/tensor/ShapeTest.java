package dev.layerfuse.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShapeTest {
  @Test
  void basicsAndNegativeAxes() {
    Shape s = Shape.of(2, 3, 4, 5);
    assertEquals(4, s.rank());
    assertEquals(120, s.numel());
    assertEquals(5, s.dim(-1));
    assertEquals(2, s.dim(0));
    assertArrayEquals(new long[] {60, 20, 5, 1}, s.strides());
    assertEquals(Shape.of(2L, 3L, 4L, 5L), s);
    assertNotEquals(Shape.of(2, 3, 5, 4), s);
    assertEquals("[2, 3, 4, 5]", s.toString());
    assertEquals(Shape.of(2, 7, 4, 5), s.withDim(1, 7));
    assertEquals(1, Shape.scalar().numel());
  }

  @Test
  void isImmutable() {
    long[] dims = {1, 2};
    Shape s = Shape.of(dims);
    dims[0] = 9;
    s.dims()[1] = 9;
    assertEquals(Shape.of(1, 2), s);
  }

  @Test
  void rejectsNegativeDimsOverflowAndBadAxes() {
    IllegalArgumentException neg = assertThrows(IllegalArgumentException.class, () -> Shape.of(1, -3));
    assertTrue(neg.getMessage().contains("dimension 1 is -3"), neg.getMessage());
    IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
        () -> Shape.of(1L << 40, 1L << 40));
    assertTrue(big.getMessage().contains("overflows"), big.getMessage());
    IllegalArgumentException axis = assertThrows(IllegalArgumentException.class, () -> Shape.of(2, 3).dim(2));
    assertTrue(axis.getMessage().contains("axis 2") && axis.getMessage().contains("rank 2"), axis.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Shape.of(2, 3).dim(-3));
  }
}
