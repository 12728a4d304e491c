package dev.layerfuse.exec;

/**
 * An immutable description of one GEMM with a fused epilogue:
 * {@code C = act(A · op(B) + bias + residual)}, all row-major.
 *
 * <ul>
 *   <li>A is M x K with leading dimension {@code lda}.
 *   <li>{@code transB = false}: B is K x N ({@code ldb}). {@code transB = true}: B is N x K, the
 *       layout of a Linear layer's weight, and the product uses its transpose.
 *   <li>C is M x N ({@code ldc}) and is overwritten; the residual, when present, is M x N
 *       ({@code ldr}).
 * </ul>
 *
 * <p>Leading dimensions default to the dense ones. Every size is validated here, so a kernel
 * receiving a {@code Gemm} never sees an inconsistent description.
 */
public final class Gemm {
  private final long m, n, k;
  private final boolean transB;
  private final long lda, ldb, ldc, ldr;
  private final BiasMode biasMode;
  private final boolean residual;
  private final Activation activation;

  private Gemm(Builder b) {
    this.m = b.m;
    this.n = b.n;
    this.k = b.k;
    this.transB = b.transB;
    this.lda = b.lda >= 0 ? b.lda : Math.max(1, k);
    this.ldb = b.ldb >= 0 ? b.ldb : Math.max(1, transB ? k : n);
    this.ldc = b.ldc >= 0 ? b.ldc : Math.max(1, n);
    this.ldr = b.ldr >= 0 ? b.ldr : Math.max(1, n);
    this.biasMode = b.biasMode;
    this.residual = b.residual;
    this.activation = b.activation;
    checkLeading("lda", lda, k);
    checkLeading("ldb", ldb, transB ? k : n);
    checkLeading("ldc", ldc, n);
    if (residual) checkLeading("ldr", ldr, n);
    // BLAS takes 32-bit sizes; the element counts must also fit a 64-bit offset.
    checkInt("m", m);
    checkInt("n", n);
    checkInt("k", k);
    checkInt("lda", lda);
    checkInt("ldb", ldb);
    checkInt("ldc", ldc);
    checkInt("ldr", ldr);
    aSize();
    bSize();
    cSize();
  }

  /** Starts a description of an M x N output with inner dimension K. */
  public static Builder of(long m, long n, long k) {
    return new Builder(m, n, k);
  }

  private void checkLeading(String name, long ld, long minCols) {
    if (ld < Math.max(1, minCols)) {
      throw new IllegalArgumentException(
          "gemm: " + name + " is " + ld + ", expected >= " + Math.max(1, minCols) + " for " + this);
    }
  }

  private static void checkInt(String name, long v) {
    if (v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("gemm: " + name + " is " + v + ", expected <= " + Integer.MAX_VALUE);
    }
  }

  private static long span(long rows, long cols, long ld) {
    if (rows == 0 || cols == 0) return 0;
    return Math.addExact(Math.multiplyExact(rows - 1, ld), cols);
  }

  public long m() { return m; }
  public long n() { return n; }
  public long k() { return k; }
  public boolean transB() { return transB; }
  public long lda() { return lda; }
  public long ldb() { return ldb; }
  public long ldc() { return ldc; }
  public long ldr() { return ldr; }
  public BiasMode biasMode() { return biasMode; }
  public boolean hasResidual() { return residual; }
  public Activation activation() { return activation; }

  /** Floats of A the kernel reads, from A's offset. */
  public long aSize() { return span(m, k, lda); }
  /** Floats of B the kernel reads, from B's offset. */
  public long bSize() { return transB ? span(n, k, ldb) : span(k, n, ldb); }
  /** Floats of C the kernel may write, from C's offset. */
  public long cSize() { return span(m, n, ldc); }
  /** Floats of the residual the kernel reads (0 without one). */
  public long residualSize() { return residual ? span(m, n, ldr) : 0; }
  /** Floats of bias the kernel reads (0 without one). */
  public long biasSize() {
    return biasMode == BiasMode.PER_ROW ? m : biasMode == BiasMode.PER_COL ? n : 0;
  }

  /** Multiply-adds counted twice: the usual GEMM FLOP count 2·M·N·K. */
  public double flops() {
    return 2.0 * m * n * k;
  }

  @Override
  public String toString() {
    return "gemm[m=" + m + ", n=" + n + ", k=" + k + (transB ? ", B transposed" : "")
        + ", bias=" + biasMode + (residual ? ", residual" : "") + ", act=" + activation + "]";
  }

  /** Builder for {@link Gemm}; every setter validates its argument. */
  public static final class Builder {
    private final long m, n, k;
    private boolean transB;
    private long lda = -1, ldb = -1, ldc = -1, ldr = -1;
    private BiasMode biasMode = BiasMode.NONE;
    private boolean residual;
    private Activation activation = Activation.none();

    private Builder(long m, long n, long k) {
      if (m < 0 || n < 0 || k < 0) {
        throw new IllegalArgumentException("gemm: sizes must be >= 0, got m=" + m + ", n=" + n + ", k=" + k);
      }
      this.m = m;
      this.n = n;
      this.k = k;
    }

    /** B is N x K (a Linear weight) rather than K x N. */
    public Builder transB(boolean t) {
      this.transB = t;
      return this;
    }

    public Builder lda(long v) { lda = positive("lda", v); return this; }
    public Builder ldb(long v) { ldb = positive("ldb", v); return this; }
    public Builder ldc(long v) { ldc = positive("ldc", v); return this; }
    public Builder ldr(long v) { ldr = positive("ldr", v); return this; }

    public Builder bias(BiasMode mode) {
      if (mode == null) throw new IllegalArgumentException("gemm: bias mode is null");
      this.biasMode = mode;
      return this;
    }

    /** Adds an M x N residual input in the epilogue (before the activation). */
    public Builder residual(boolean r) {
      this.residual = r;
      return this;
    }

    public Builder activation(Activation a) {
      if (a == null) throw new IllegalArgumentException("gemm: activation is null");
      this.activation = a;
      return this;
    }

    private static long positive(String name, long v) {
      if (v < 1) throw new IllegalArgumentException("gemm: " + name + " must be >= 1, got " + v);
      return v;
    }

    public Gemm build() {
      return new Gemm(this);
    }
  }
}
