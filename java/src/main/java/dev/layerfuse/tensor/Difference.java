package dev.layerfuse.tensor;

/**
 * How far an output is from a reference, in the project's one definition of relative error:
 * {@code max|Δ| / max|reference|} over the whole output (elementwise relative error blows up
 * near zero and says little about a kernel).
 *
 * @param maxAbs max |actual - reference|
 * @param maxReference max |reference|
 * @param nonFinite elements where exactly one of the two is NaN or infinite, or they differ in
 *     a non-finite way; any such element makes the difference infinite
 */
public record Difference(double maxAbs, double maxReference, long nonFinite) {

  /** Compares {@code actual} with {@code reference}, element by element. */
  public static Difference of(float[] reference, float[] actual) {
    if (reference.length != actual.length) {
      throw new IllegalArgumentException(
          "cannot compare outputs of " + reference.length + " and " + actual.length + " elements");
    }
    double maxAbs = 0, maxRef = 0;
    long bad = 0;
    for (int i = 0; i < reference.length; i++) {
      float r = reference[i], a = actual[i];
      if (!Float.isFinite(r) || !Float.isFinite(a)) {
        if (Float.compare(r, a) != 0) bad++;
        continue;
      }
      maxRef = Math.max(maxRef, Math.abs(r));
      maxAbs = Math.max(maxAbs, Math.abs((double) a - r));
    }
    return new Difference(maxAbs, maxRef, bad);
  }

  /** Compares with a double-precision reference. */
  public static Difference of(double[] reference, float[] actual) {
    if (reference.length != actual.length) {
      throw new IllegalArgumentException(
          "cannot compare outputs of " + reference.length + " and " + actual.length + " elements");
    }
    double maxAbs = 0, maxRef = 0;
    long bad = 0;
    for (int i = 0; i < reference.length; i++) {
      double r = reference[i];
      float a = actual[i];
      if (!Double.isFinite(r) || !Float.isFinite(a)) {
        if (Double.compare(r, a) != 0) bad++;
        continue;
      }
      maxRef = Math.max(maxRef, Math.abs(r));
      maxAbs = Math.max(maxAbs, Math.abs(a - r));
    }
    return new Difference(maxAbs, maxRef, bad);
  }

  /** max|Δ| / max|reference|; max|Δ| itself when the reference is all zeros; infinite on a non-finite mismatch. */
  public double relative() {
    if (nonFinite > 0) return Double.POSITIVE_INFINITY;
    return maxReference > 0 ? maxAbs / maxReference : maxAbs;
  }

  public boolean within(double relativeTolerance) {
    return relative() <= relativeTolerance;
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "max|d|=%.3g rel=%.3g%s", maxAbs, relative(),
        nonFinite > 0 ? " non-finite mismatches=" + nonFinite : "");
  }
}
