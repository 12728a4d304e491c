package dev.layerfuse.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.layerfuse.graph.BatchNormOp;
import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The folding math alone, on numbers small enough to check by hand. */
class BatchNormFoldingTest {
  // gamma [2, -1], beta [0.5, 0], mean [1, 2], var [3, 0], eps 1 -> s = [1, -1], t = [-0.5, 2]
  private static final BatchNormOp BN = BatchNormOp.eval(v(2, -1), v(0.5f, 0), v(1, 2), v(3, 0), 1f);

  static Tensor v(float... x) {
    return Tensor.of(Shape.of(x.length), x);
  }

  static Tensor m(int rows, int cols, float... x) {
    return Tensor.of(Shape.of(rows, cols), x);
  }

  @Test
  void scaleAndShift() {
    assertArrayEquals(new double[] {1, -1}, BatchNormFolding.scale(BN), 1e-12);
    assertArrayEquals(new double[] {-0.5, 2}, BatchNormFolding.shift(BN), 1e-12);
  }

  @Test
  void foldAfterScalesOutputRowsAndBias() {
    BatchNormFolding.Folded f = BatchNormFolding.foldAfter(m(2, 2, 1, 2, 3, 4), v(1, 1), BN);
    assertArrayEquals(new float[] {1, 2, -3, -4}, f.weight().toArray());
    assertArrayEquals(new float[] {0.5f, 1}, f.bias().toArray());
    BatchNormFolding.Folded noBias = BatchNormFolding.foldAfter(m(2, 2, 1, 2, 3, 4), null, BN);
    assertArrayEquals(new float[] {-0.5f, 2}, noBias.bias().toArray());
  }

  @Test
  void foldBeforeScalesInputColumnsAndAbsorbsShift() {
    // W [[1,2],[3,4]] · (s·x + t) + b: W' = [[1,-2],[3,-4]], b' = b + W·t = [1 + (-0.5 + 4), 0 + (-1.5 + 8)]
    BatchNormFolding.Folded f = BatchNormFolding.foldBefore(m(2, 2, 1, 2, 3, 4), v(1, 0), BN, 1);
    assertArrayEquals(new float[] {1, -2, 3, -4}, f.weight().toArray());
    assertArrayEquals(new float[] {4.5f, 6.5f}, f.bias().toArray());
  }

  @Test
  void foldAfterTransposedUsesAxisOnePerGroup() {
    // weight [Cin=2, Cout/g=1, 1, 1], groups 2: output channel of input channel ci is ci.
    Tensor w = Tensor.of(Shape.of(2, 1, 1, 1), new float[] {5, 7});
    BatchNormFolding.Folded f = BatchNormFolding.foldAfterTransposed(w, null, BN, 2);
    assertArrayEquals(new float[] {5, -7}, f.weight().toArray());
    // groups 1: weight [Cin=1, Cout=2, 1, 1]: axis 1 is the output channel.
    Tensor w1 = Tensor.of(Shape.of(1, 2, 1, 1), new float[] {5, 7});
    assertArrayEquals(new float[] {5, -7}, BatchNormFolding.foldAfterTransposed(w1, null, BN, 1).weight().toArray());
  }

  @Test
  void zeroPreimageIsMinusShiftOverScale() {
    assertArrayEquals(new float[] {0.5f, 2}, BatchNormFolding.zeroPreimage(BN));
    BatchNormOp dead = BatchNormOp.eval(v(0, 1), v(1, 0), v(0, 0), v(1, 1), 1e-5f);
    assertNull(BatchNormFolding.zeroPreimage(dead), "scale 0 with shift 1: nothing maps to 0");
  }

  @Test
  void mergeLinearComposesWeightsAndBiases() {
    // W1 [[1,0],[0,2],[1,1]] (3x2), b1 [1,2,3]; W2 [[1,1,1]] (1x3), b2 [10]
    BatchNormFolding.Folded f = BatchNormFolding.mergeLinear(m(3, 2, 1, 0, 0, 2, 1, 1), v(1, 2, 3), m(1, 3, 1, 1, 1), v(10));
    assertArrayEquals(new float[] {2, 3}, f.weight().toArray());
    assertArrayEquals(new float[] {16}, f.bias().toArray());
  }

  @Test
  void scaleOutputMultipliesThenAdds() {
    BatchNormFolding.Folded f = BatchNormFolding.scaleOutput(m(2, 1, 3, 4), v(1, 2), new float[] {2, -1}, new float[] {0.5f, 0});
    assertArrayEquals(new float[] {6, -4}, f.weight().toArray());
    assertArrayEquals(new float[] {2.5f, -2}, f.bias().toArray());
  }

  @Test
  void refusesBatchNormWithoutRunningStatistics() {
    BatchNormOp training = new BatchNormOp(2, v(1, 1), v(0, 0), v(0, 0), v(1, 1), 1e-5f, true);
    assertThrows(IllegalArgumentException.class, () -> BatchNormFolding.scale(training));
    BatchNormOp noStats = new BatchNormOp(2, v(1, 1), v(0, 0), null, null, 1e-5f, false);
    assertThrows(IllegalArgumentException.class, () -> BatchNormFolding.foldAfter(m(2, 1, 1, 1), null, noStats));
  }
}
