package dev.layerfuse.exec.java;

import dev.layerfuse.exec.Activation;
import dev.layerfuse.exec.Backend;
import dev.layerfuse.exec.ConvGeometry;
import dev.layerfuse.exec.Slice;
import dev.layerfuse.exec.Strided;
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

  /**
   * Whether the GEMM kernels run on the Vector API (the JVM was started with
   * {@code --add-modules jdk.incubator.vector}); false means the plain-Java kernels.
   */
  public static boolean vectorised() {
    return JavaGemm.VECTOR;
  }

  /** {@code java/vector} (Vector API kernels) or {@code java/plain}. */
  @Override
  public String describe() {
    return vectorised() ? "java/vector" : "java/plain";
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
        arr(residual), (int) residualOffset, arr(c), (int) cOffset, b.isFrozen());
  }

  private static int off(Slice s) {
    return s == null ? 0 : (int) s.offset();
  }

  private static float[] arr(Slice s) {
    return s == null ? null : arr(s.buf());
  }

  @Override
  protected void conv2dUnchecked(ConvGeometry g, Activation act, Slice x, Slice w, Slice bias, Slice pad, Slice res,
                                 Slice y, Slice scratch) {
    JavaConv.conv2d(g, act, arr(x), off(x), arr(w), off(w), w.buf().isFrozen(), arr(bias), off(bias), arr(pad), off(pad), arr(res), off(res),
        arr(y), off(y), arr(scratch), off(scratch), scratch == null ? 0 : scratch.length());
  }

  @Override
  protected void depthwiseUnchecked(ConvGeometry g, Activation act, Slice x, Slice w, Slice bias, Slice pad, Slice res,
                                    Slice y) {
    JavaConv.depthwise(g, act, arr(x), off(x), arr(w), off(w), arr(bias), off(bias), arr(pad), off(pad), arr(res),
        off(res), arr(y), off(y));
  }

  @Override
  protected void convTransposeUnchecked(ConvGeometry g, Activation act, Slice x, Slice w, Slice bias, Slice y,
                                        Slice scratch) {
    JavaConv.convTranspose(g, act, arr(x), off(x), arr(w), off(w), arr(bias), off(bias), arr(y), off(y));
  }

  @Override
  protected void pool2dUnchecked(ConvGeometry g, boolean max, boolean countIncludePad, Slice x, Slice y) {
    long[] a = g.abiArray();
    JavaPool.pool2d(max, arr(x), off(x), (int) (a[0] * a[1]), (int) a[2], (int) a[3], arr(y), off(y), (int) a[16],
        (int) a[17], (int) a[5], (int) a[6], (int) a[7], (int) a[8], (int) a[9], (int) a[10], (int) a[11], (int) a[12],
        (int) a[13], (int) a[14], countIncludePad);
  }

  @Override
  protected void globalAvgPoolUnchecked(long planes, long hw, Slice x, Slice y) {
    JavaPool.globalAverage(arr(x), off(x), (int) planes, (int) hw, arr(y), off(y));
  }

  @Override
  protected void scaleShiftUnchecked(long n, long c, long inner, Activation act, Slice x, Slice scale, Slice shift,
                                     Slice y) {
    float[] xa = arr(x), ya = arr(y), sa = arr(scale), ta = arr(shift);
    int xo = off(x), yo = off(y), so = off(scale), to = off(shift), in = (int) inner;
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        int base = (int) ((b * c + ch) * inner);
        float s = sa[so + ch], t = ta[to + ch];
        for (int i = 0; i < in; i++) ya[yo + base + i] = xa[xo + base + i] * s + t;
        JavaEpilogue.activate(act, ya, yo + base, in);
      }
    }
  }

  @Override
  protected void activationUnchecked(long count, Activation act, Slice x, Slice y) {
    if (x.buf() != y.buf() || x.offset() != y.offset()) {
      System.arraycopy(arr(x), off(x), arr(y), off(y), (int) count);
    }
    JavaEpilogue.activate(act, arr(y), off(y), (int) count);
  }

  @Override
  protected void addUnchecked(long count, Activation act, Slice a, Slice b, Slice y) {
    float[] aa = arr(a), ba = arr(b), ya = arr(y);
    int ao = off(a), bo = off(b), yo = off(y), n = (int) count;
    for (int i = 0; i < n; i++) ya[yo + i] = aa[ao + i] + ba[bo + i];
    JavaEpilogue.activate(act, ya, yo, n);
  }

  @Override
  protected void binaryUnchecked(BinaryKind kind, Activation act, Strided s, Slice a, Slice b, Slice y) {
    JavaTensorOps.binary(kind, act, s, arr(a), off(a), arr(b), off(b), arr(y), off(y));
  }

  @Override
  protected void stridedCopyUnchecked(Strided s, Slice x, Slice y) {
    JavaTensorOps.stridedCopy(s, arr(x), off(x), arr(y), off(y));
  }

  @Override
  protected void softmaxUnchecked(long outer, long n, long inner, boolean log, Slice x, Slice y) {
    JavaTensorOps.softmax((int) outer, (int) n, (int) inner, log, arr(x), off(x), arr(y), off(y));
  }

  @Override
  protected void padUnchecked(Strided s, long[] before, long[] after, PadMode mode, float value, Slice x, Slice y) {
    JavaTensorOps.pad(s, before, after, mode, value, arr(x), off(x), arr(y), off(y));
  }

  @Override
  protected void globalMaxPoolUnchecked(long planes, long hw, Slice x, Slice y) {
    JavaTensorOps.globalMax(arr(x), off(x), (int) planes, (int) hw, arr(y), off(y));
  }

  @Override
  protected void biasActivationUnchecked(Gemm g, FloatBuf bias, long biasOffset, FloatBuf residual,
                                         long residualOffset, FloatBuf c, long cOffset) {
    JavaEpilogue.apply(g, arr(c), (int) cOffset, 0, (int) g.m(), 0, (int) g.n(), arr(bias), (int) biasOffset,
        arr(residual), (int) residualOffset);
  }
}
