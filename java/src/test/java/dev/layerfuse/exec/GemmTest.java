package dev.layerfuse.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GemmTest {
  @Test
  void denseLeadingDimensionsAndSizes() {
    Gemm g = Gemm.of(3, 4, 5).build();
    assertEquals(5, g.lda());
    assertEquals(4, g.ldb());
    assertEquals(4, g.ldc());
    assertEquals(15, g.aSize());
    assertEquals(20, g.bSize());
    assertEquals(12, g.cSize());
    Gemm t = Gemm.of(3, 4, 5).transB(true).bias(BiasMode.PER_ROW).residual(true).build();
    assertEquals(5, t.ldb());
    assertEquals(20, t.bSize());
    assertEquals(3, t.biasSize());
    assertEquals(12, t.residualSize());
    assertEquals(2.0 * 3 * 4 * 5, t.flops());
    assertEquals(2 * 10 + 5, Gemm.of(3, 4, 5).lda(10).build().aSize());
  }

  @Test
  void rejectsInconsistentDescriptions() {
    IllegalArgumentException lda = assertThrows(IllegalArgumentException.class, () -> Gemm.of(3, 4, 5).lda(4).build());
    assertTrue(lda.getMessage().contains("lda is 4, expected >= 5"), lda.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Gemm.of(3, 4, 5).ldb(3).build());
    assertThrows(IllegalArgumentException.class, () -> Gemm.of(3, 4, 5).transB(true).ldb(4).build());
    assertThrows(IllegalArgumentException.class, () -> Gemm.of(3, 4, 5).ldc(3).build());
    assertThrows(IllegalArgumentException.class, () -> Gemm.of(3, 4, 5).residual(true).ldr(2).build());
    assertThrows(IllegalArgumentException.class, () -> Gemm.of(-1, 4, 5));
    assertThrows(IllegalArgumentException.class, () -> Gemm.of(3, 4, 5).lda(0));
    IllegalArgumentException huge = assertThrows(IllegalArgumentException.class,
        () -> Gemm.of(1L << 32, 4, 5).build());
    assertTrue(huge.getMessage().contains("m is"), huge.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Gemm.of(3, 4, 5).activation(null));
  }

  @Test
  void activationValidatesItsParameters() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Activation.clamp(1f, 0f));
    assertTrue(e.getMessage().contains("min 1.0 must be <= max 0.0"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Activation.clamp(Float.NaN, 1f));
    assertThrows(IllegalArgumentException.class, () -> Activation.leakyRelu(Float.POSITIVE_INFINITY));
    assertEquals("relu", Activation.relu().toString());
    assertEquals("relu6", Activation.relu6().toString());
    assertEquals(6f, Activation.relu6().apply(7f));
    assertEquals(0f, Activation.relu().apply(-1f));
    assertEquals(-0.5f, Activation.leakyRelu(0.5f).apply(-1f));
  }
}
