package dev.layerfuse.exec.nativ;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.FloatBuf;
import dev.layerfuse.exec.Gemm;
import dev.layerfuse.exec.Isa;
import dev.layerfuse.exec.Kernels;
import dev.layerfuse.exec.NativeException;
import java.util.EnumMap;
import java.util.Map;

/** The native kernels for one ISA variant; arguments were validated by {@link Kernels}. */
public final class NativeKernels extends Kernels {
  private static final Map<Isa, NativeKernels> INSTANCES = new EnumMap<>(Isa.class);

  private final Isa isa;

  private NativeKernels(Isa isa) {
    this.isa = isa;
  }

  /**
   * The kernels for {@code isa}.
   *
   * @throws IllegalStateException if the library is not loaded
   * @throws UnsupportedOperationException if this CPU cannot run {@code isa}
   */
  public static synchronized NativeKernels forIsa(Isa isa) {
    NativeLibrary.requireLoaded();
    if (!NativeLibrary.supportedIsas().contains(isa)) {
      throw new UnsupportedOperationException(
          "ISA variant '" + isa + "' is not supported by this CPU; supported: " + NativeLibrary.supportedIsas());
    }
    return INSTANCES.computeIfAbsent(isa, NativeKernels::new);
  }

  @Override
  public Backend backend() {
    return Backend.NATIVE;
  }

  @Override
  public Isa isa() {
    return isa;
  }

  @Override
  public FloatBuf allocate(long floats) {
    return new NativeFloatBuf(floats);
  }

  @Override
  protected boolean owns(FloatBuf buf) {
    return buf instanceof NativeFloatBuf;
  }

  private static long addr(FloatBuf buf, long offset) {
    return buf == null ? 0L : ((NativeFloatBuf) buf).address(offset);
  }

  @Override
  protected void gemmUnchecked(Gemm g, FloatBuf a, long aOffset, FloatBuf b, long bOffset,
                               FloatBuf bias, long biasOffset, FloatBuf residual, long residualOffset,
                               FloatBuf c, long cOffset) {
    Activation act = g.activation();
    int status = LayerfuseNative.lf_f32_gemm_bias_act(
        isa.code(), g.transB() ? 1 : 0, g.m(), g.n(), g.k(),
        addr(a, aOffset), g.lda(), addr(b, bOffset), g.ldb(), addr(c, cOffset), g.ldc(),
        addr(bias, biasOffset), g.biasMode().code(), addr(residual, residualOffset), g.ldr(),
        act.kind().code(), act.alpha(), act.lo(), act.hi());
    if (status != 0) throw new NativeException("lf_f32_gemm_bias_act " + g, status);
  }

  @Override
  protected void biasActivationUnchecked(Gemm g, FloatBuf bias, long biasOffset, FloatBuf residual,
                                         long residualOffset, FloatBuf c, long cOffset) {
    Activation act = g.activation();
    int status = LayerfuseNative.lf_f32_bias_act(
        isa.code(), g.m(), g.n(), addr(c, cOffset), g.ldc(),
        addr(bias, biasOffset), g.biasMode().code(), addr(residual, residualOffset), g.ldr(),
        act.kind().code(), act.alpha(), act.lo(), act.hi());
    if (status != 0) throw new NativeException("lf_f32_bias_act " + g, status);
  }
}
