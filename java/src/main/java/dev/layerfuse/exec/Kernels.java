package dev.layerfuse.exec;

/**
 * The kernel set both backends implement. Public methods validate every size and buffer range
 * in Java and only then call the backend's unchecked implementation, so native code never sees
 * an out-of-range index.
 *
 * <p>Instances are stateless and thread-safe; buffers passed to one call must not be written by
 * another thread during that call. Buffers must come from this instance's backend
 * ({@link #allocate}).
 */
public abstract class Kernels {

  /** {@link Backend#NATIVE} or {@link Backend#JAVA}. */
  public abstract Backend backend();

  /** The native ISA variant these kernels run, or {@code null} for the Java backend. */
  public abstract Isa isa();

  /** One line naming the backend and variant, e.g. {@code native/avx512}. */
  public String describe() {
    return isa() == null ? "java" : "native/" + isa().label();
  }

  /** A zero-filled buffer of {@code floats} elements owned by this backend. */
  public abstract FloatBuf allocate(long floats);

  /**
   * {@code C = act(A · op(B) + bias + residual)} as described by {@code g}. {@code bias} and
   * {@code residual} may be {@code null} when {@code g} has none. Inputs are read, {@code c} is
   * overwritten; none of the buffers is retained.
   */
  public final void gemm(Gemm g, FloatBuf a, long aOffset, FloatBuf b, long bOffset,
                         FloatBuf bias, long biasOffset, FloatBuf residual, long residualOffset,
                         FloatBuf c, long cOffset) {
    if (g == null) throw new IllegalArgumentException("gemm: description is null");
    check(g, "A", a, aOffset, g.aSize());
    check(g, "B", b, bOffset, g.bSize());
    check(g, "C", c, cOffset, g.cSize());
    checkOptional(g, "bias", bias, biasOffset, g.biasMode() != BiasMode.NONE, g.biasSize());
    checkOptional(g, "residual", residual, residualOffset, g.hasResidual(), g.residualSize());
    gemmUnchecked(g, a, aOffset, b, bOffset, bias, biasOffset, residual, residualOffset, c, cOffset);
  }

  /**
   * The epilogue alone, in place: {@code C = act(C + bias + residual)} over the M x N output
   * that {@code g} describes (its A/B parts are ignored). This is the unfused baseline's separate
   * bias/activation/add pass.
   */
  public final void biasActivation(Gemm g, FloatBuf bias, long biasOffset, FloatBuf residual,
                                   long residualOffset, FloatBuf c, long cOffset) {
    if (g == null) throw new IllegalArgumentException("bias_act: description is null");
    check(g, "C", c, cOffset, g.cSize());
    checkOptional(g, "bias", bias, biasOffset, g.biasMode() != BiasMode.NONE, g.biasSize());
    checkOptional(g, "residual", residual, residualOffset, g.hasResidual(), g.residualSize());
    biasActivationUnchecked(g, bias, biasOffset, residual, residualOffset, c, cOffset);
  }

  protected abstract void gemmUnchecked(Gemm g, FloatBuf a, long aOffset, FloatBuf b, long bOffset,
                                        FloatBuf bias, long biasOffset, FloatBuf residual,
                                        long residualOffset, FloatBuf c, long cOffset);

  protected abstract void biasActivationUnchecked(Gemm g, FloatBuf bias, long biasOffset,
                                                  FloatBuf residual, long residualOffset,
                                                  FloatBuf c, long cOffset);

  /** True when {@code buf} was allocated by this backend. */
  protected abstract boolean owns(FloatBuf buf);

  private void check(Gemm g, String name, FloatBuf buf, long offset, long floats) {
    if (buf == null) {
      if (floats == 0) return;
      throw new IllegalArgumentException(g + ": " + name + " is null, expected a buffer of >= " + floats + " floats");
    }
    if (!owns(buf)) {
      throw new IllegalArgumentException(
          g + ": " + name + " is a " + buf.getClass().getSimpleName() + ", expected a buffer allocated by the "
              + describe() + " kernels");
    }
    buf.checkRange(g + ": " + name, offset, floats);
  }

  private void checkOptional(Gemm g, String name, FloatBuf buf, long offset, boolean present, long floats) {
    if (!present) {
      if (buf != null) {
        throw new IllegalArgumentException(g + ": a " + name + " buffer was given but the description has no " + name);
      }
      return;
    }
    check(g, name, buf, offset, floats);
  }
}
