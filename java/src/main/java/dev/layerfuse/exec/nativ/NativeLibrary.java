package dev.layerfuse.exec.nativ;

import dev.layerfuse.exec.Isa;
import java.util.EnumSet;
import java.util.Set;

/**
 * Loads the native library once, remembers why it failed if it did, and answers questions about
 * it. Loading never throws: callers ask {@link #isLoaded()} and {@link #failure()}.
 */
public final class NativeLibrary {
  /** Set to {@code true} to behave as if the library could not load (tests, troubleshooting). */
  public static final String DISABLE_PROPERTY = "layerfuse.native.disable";

  /** Environment variable capping the detected ISA ({@code baseline|avx2|avx512}), read by the C side. */
  public static final String MAX_ISA_ENV = "LAYERFUSE_MAX_ISA";

  private static final class Holder {
    static final Throwable FAILURE = load();
  }

  private NativeLibrary() {}

  private static Throwable load() {
    if (Boolean.getBoolean(DISABLE_PROPERTY)) {
      return new UnsupportedOperationException("disabled by -D" + DISABLE_PROPERTY + "=true");
    }
    String cap = System.getenv(MAX_ISA_ENV);
    if (cap != null) {
      try {
        Isa.parse(cap);
      } catch (IllegalArgumentException e) {
        return new IllegalArgumentException(MAX_ISA_ENV + "=" + cap + ": " + e.getMessage());
      }
    }
    try {
      Class.forName(LayerfuseNative.class.getName(), true, NativeLibrary.class.getClassLoader());
      LayerfuseNative.lf_blas_set_num_threads(initialBlasThreads());
      return null;
    } catch (Throwable t) {
      // UnsatisfiedLinkError, NoClassDefFoundError (javacpp or openblas jars absent),
      // ExceptionInInitializerError, ...: all mean "no native backend here".
      return t;
    }
  }

  private static int initialBlasThreads() {
    String v = System.getProperty("layerfuse.blas.threads");
    if (v == null || v.isBlank()) return 1;
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= 1) return n;
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw new IllegalArgumentException("-Dlayerfuse.blas.threads=" + v + ": expected a whole number >= 1");
  }

  public static boolean isLoaded() {
    return Holder.FAILURE == null;
  }

  /** Why the library did not load, or {@code null} when it did. */
  public static Throwable failure() {
    return Holder.FAILURE;
  }

  /** A one-line reason for a log or exception message. */
  public static String failureReason() {
    Throwable t = Holder.FAILURE;
    if (t == null) return null;
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (sb.length() > 0) sb.append(" <- ");
      sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
    }
    return sb.toString();
  }

  static void requireLoaded() {
    if (!isLoaded()) throw new IllegalStateException("the native library is not loaded: " + failureReason());
  }

  /** The ISA variants this CPU can run (empty when the library is not loaded). */
  public static Set<Isa> supportedIsas() {
    Set<Isa> out = EnumSet.noneOf(Isa.class);
    if (!isLoaded()) return out;
    for (Isa isa : Isa.values()) if (LayerfuseNative.lf_isa_supported(isa.code()) == 1) out.add(isa);
    return out;
  }

  /** The fastest variant this CPU runs. */
  public static Isa bestIsa() {
    requireLoaded();
    return Isa.fromCode(LayerfuseNative.lf_isa_best());
  }

  public static String version() {
    requireLoaded();
    return LayerfuseNative.lf_version().getString();
  }

  /** OpenBLAS's build configuration, e.g. {@code OpenBLAS 0.3.31 DYNAMIC_ARCH ... Cooperlake}. */
  public static String blasConfig() {
    requireLoaded();
    return LayerfuseNative.lf_blas_config().getString();
  }

  /**
   * Sets OpenBLAS's thread count for the whole process (OpenBLAS has no per-call setting).
   * The default, set when the library loads, is 1 or {@code -Dlayerfuse.blas.threads}.
   */
  public static void setBlasThreads(int threads) {
    if (threads < 1) throw new IllegalArgumentException("OpenBLAS threads must be >= 1, got " + threads);
    requireLoaded();
    LayerfuseNative.lf_blas_set_num_threads(threads);
  }

  /**
   * Returns memory malloc holds free to the operating system (glibc {@code malloc_trim}); true if
   * any was released. A no-op without the native library.
   */
  public static boolean trimNativeHeap() {
    return isLoaded() && LayerfuseNative.lf_trim_heap() == 1;
  }

  public static int blasThreads() {
    requireLoaded();
    return LayerfuseNative.lf_blas_get_num_threads();
  }
}
