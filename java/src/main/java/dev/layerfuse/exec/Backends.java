package dev.layerfuse.exec;

import dev.layerfuse.exec.java.JavaKernels;
import dev.layerfuse.exec.nativ.NativeKernels;
import dev.layerfuse.exec.nativ.NativeLibrary;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses kernels: which backend, and for the native backend which ISA variant.
 *
 * <p>Resolution of {@link Backend#AUTO}: the default set by {@link #setDefault(Backend)} if
 * any, else the system property {@code layerfuse.backend} ({@code auto|native|java}), else
 * native when the library loads and Java otherwise (logged once, with the reason). An explicit
 * {@link Backend#NATIVE} always means native and throws {@link NativeUnavailableException}
 * when the library cannot load.
 *
 * <p>ISA: {@code -Dlayerfuse.isa=baseline|avx2|avx512} forces a variant (refused if the CPU
 * lacks it); otherwise the fastest the CPU runs.
 *
 * <p>Threads: OpenBLAS's thread count is process-wide. It is set to 1 when the library loads
 * (server use: one request per thread, no oversubscription) unless
 * {@code -Dlayerfuse.blas.threads=N}; {@link NativeLibrary#setBlasThreads(int)} changes it.
 */
public final class Backends {
  public static final String BACKEND_PROPERTY = "layerfuse.backend";
  public static final String ISA_PROPERTY = "layerfuse.isa";

  private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
  private static final AtomicBoolean FALLBACK_LOGGED = new AtomicBoolean();
  private static volatile Backend defaultBackend;

  private Backends() {}

  /** Overrides the resolution of {@link Backend#AUTO} for the process; {@code AUTO} or {@code null} resets it. */
  public static void setDefault(Backend backend) {
    defaultBackend = backend == Backend.AUTO ? null : backend;
  }

  /** The kernels for the requested backend (AUTO resolved as described above). */
  public static Kernels kernels(Backend requested) {
    if (requested == null) throw new IllegalArgumentException("backend is null");
    Backend b = requested == Backend.AUTO ? configured() : requested;
    switch (b) {
      case JAVA:
        return JavaKernels.instance();
      case NATIVE:
        requireNative(requested == Backend.NATIVE ? "Backend.NATIVE was requested" : describeForcing());
        return NativeKernels.forIsa(defaultIsa());
      default:
        if (NativeLibrary.isLoaded()) return NativeKernels.forIsa(defaultIsa());
        if (FALLBACK_LOGGED.compareAndSet(false, true)) {
          LOG.warn("layerfuse: native backend unavailable ({}); using the pure-Java backend", NativeLibrary.failureReason());
        }
        return JavaKernels.instance();
    }
  }

  /** The native kernels for one ISA variant (tests and benchmarks use this to cover every variant). */
  public static Kernels nativeKernels(Isa isa) {
    requireNative("native kernels for " + isa + " were requested");
    return NativeKernels.forIsa(isa);
  }

  /** The backend {@link Backend#AUTO} resolves to right now: {@code NATIVE} or {@code JAVA}. */
  public static Backend resolve(Backend requested) {
    return kernels(requested).backend();
  }

  public static boolean nativeAvailable() {
    return NativeLibrary.isLoaded();
  }

  /** Why native is unavailable, or {@code null}. */
  public static String nativeUnavailableReason() {
    return NativeLibrary.failureReason();
  }

  /** ISA variants this CPU runs (empty without the native library). */
  public static Set<Isa> supportedIsas() {
    return NativeLibrary.supportedIsas();
  }

  /** The variant native kernels use by default: {@code -Dlayerfuse.isa} or the best supported. */
  public static Isa defaultIsa() {
    String forced = System.getProperty(ISA_PROPERTY);
    if (forced == null || forced.isBlank()) return NativeLibrary.bestIsa();
    Isa isa;
    try {
      isa = Isa.parse(forced);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("-D" + ISA_PROPERTY + "=" + forced + ": " + e.getMessage(), e);
    }
    if (!NativeLibrary.supportedIsas().contains(isa)) {
      throw new UnsupportedOperationException(
          "-D" + ISA_PROPERTY + "=" + forced + ": this CPU does not support " + isa + "; supported: " + supportedIsas());
    }
    return isa;
  }

  /** One line: what AUTO resolves to, the ISA, OpenBLAS and its threads, or why native is off. */
  public static String describe() {
    Kernels k = kernels(Backend.AUTO);
    if (k.backend() == Backend.JAVA) {
      return "backend=java" + (nativeAvailable() ? " (forced)" : " (native unavailable: " + nativeUnavailableReason() + ")");
    }
    return "backend=native isa=" + k.isa() + " supported=" + supportedIsas() + " blas-threads="
        + NativeLibrary.blasThreads() + " openblas=\"" + NativeLibrary.blasConfig().trim() + "\"";
  }

  private static Backend configured() {
    Backend d = defaultBackend;
    if (d != null) return d;
    String v = System.getProperty(BACKEND_PROPERTY);
    if (v == null || v.isBlank()) return Backend.AUTO;
    switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "auto": return Backend.AUTO;
      case "native": return Backend.NATIVE;
      case "java": return Backend.JAVA;
      default:
        throw new IllegalArgumentException("-D" + BACKEND_PROPERTY + "=" + v + ": expected one of auto|native|java");
    }
  }

  private static String describeForcing() {
    return defaultBackend == Backend.NATIVE ? "Backends.setDefault(NATIVE) forces it" : "-D" + BACKEND_PROPERTY + "=native forces it";
  }

  private static void requireNative(String why) {
    if (!NativeLibrary.isLoaded()) {
      throw new NativeUnavailableException(
          "native backend required (" + why + ") but the native library could not be loaded: "
              + NativeLibrary.failureReason(), NativeLibrary.failure());
    }
  }
}
