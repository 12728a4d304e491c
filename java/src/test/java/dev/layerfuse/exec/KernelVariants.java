package dev.layerfuse.exec;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.layerfuse.exec.java.JavaKernels;
import java.util.stream.Stream;

/**
 * The kernel variants every kernel test runs on: Java, and native for each ISA. A native
 * variant the CPU lacks is skipped (and reported as skipped); a native library that does not
 * load fails the test under CI (CI=true), where it must load, and skips it elsewhere.
 */
public final class KernelVariants {
  private KernelVariants() {}

  public static Stream<String> names() {
    return Stream.of("java", "native/baseline", "native/avx2", "native/avx512");
  }

  public static boolean inCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  public static void requireNative() {
    if (Backends.nativeAvailable()) return;
    if (inCi()) fail("CI=true but the native library did not load: " + Backends.nativeUnavailableReason());
    assumeTrue(false, "native library not loaded: " + Backends.nativeUnavailableReason());
  }

  public static Kernels get(String name) {
    if (name.equals("java")) return JavaKernels.instance();
    requireNative();
    Isa isa = Isa.parse(name.substring("native/".length()));
    assumeTrue(Backends.supportedIsas().contains(isa), "this CPU does not run " + isa);
    return Backends.nativeKernels(isa);
  }
}
