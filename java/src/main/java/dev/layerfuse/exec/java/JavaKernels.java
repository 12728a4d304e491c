package dev.layerfuse.exec.java;

import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.FloatBuf;
import dev.layerfuse.exec.Gemm;
import dev.layerfuse.exec.Isa;
import dev.layerfuse.exec.Kernels;

/** The pure-Java kernels: the fallback where the native library cannot load. */
public final class JavaKernels extends Kernels {
  private static final JavaKernels INSTANCE = new JavaKernels();

  private JavaKernels() {}

  public static JavaKernels instance() {
    return INSTANCE;
  }

  @Override
  public Backend backend() {
    return Backend.JAVA;
  }

  @Override
  public Isa isa() {
    return null;
  }

  @Override
  public FloatBuf allocate(long floats) {
    return new HeapFloatBuf(floats);
  }

  @Override
  protected boolean owns(FloatBuf buf) {
    return buf instanceof HeapFloatBuf;
  }

  private static float[] arr(FloatBuf b) {
    return b == null ? null : ((HeapFloatBuf) b).array();
  }

  @Override
  protected void gemmUnchecked(Gemm g, FloatBuf a, long aOffset, FloatBuf b, long bOffset,
                               FloatBuf bias, long biasOffset, FloatBuf residual, long residualOffset,
                               FloatBuf c, long cOffset) {
    JavaGemm.gemm(g, arr(a), (int) aOffset, arr(b), (int) bOffset, arr(bias), (int) biasOffset,
        arr(residual), (int) residualOffset, arr(c), (int) cOffset);
  }

  @Override
  protected void biasActivationUnchecked(Gemm g, FloatBuf bias, long biasOffset, FloatBuf residual,
                                         long residualOffset, FloatBuf c, long cOffset) {
    JavaEpilogue.apply(g, arr(c), (int) cOffset, 0, (int) g.m(), 0, (int) g.n(), arr(bias), (int) biasOffset,
        arr(residual), (int) residualOffset);
  }
}
