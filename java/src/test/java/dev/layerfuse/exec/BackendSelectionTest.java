package dev.layerfuse.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.layerfuse.exec.nativ.NativeLibrary;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BackendSelectionTest {

  @AfterEach
  void reset() {
    Backends.setDefault(Backend.AUTO);
    System.clearProperty(Backends.ISA_PROPERTY);
  }

  @Test
  void nativeLoadsInCi() {
    // Under CI a broken native build must never pass as "fell back to Java".
    if (KernelVariants.inCi()) {
      assertTrue(Backends.nativeAvailable(), "native library did not load: " + Backends.nativeUnavailableReason());
    }
    KernelVariants.requireNative();
    assertEquals(Backend.NATIVE, Backends.kernels(Backend.NATIVE).backend());
    assertTrue(Backends.supportedIsas().contains(Isa.BASELINE));
    assertTrue(Backends.supportedIsas().contains(Backends.defaultIsa()));
    assertTrue(NativeLibrary.blasConfig().contains("OpenBLAS"), NativeLibrary.blasConfig());
  }

  @Test
  void defaultResolutionFollowsPropertyAndApi() {
    String prop = System.getProperty(Backends.BACKEND_PROPERTY, "");
    Backend expected = prop.equalsIgnoreCase("java") || !Backends.nativeAvailable() ? Backend.JAVA : Backend.NATIVE;
    assertEquals(expected, Backends.resolve(Backend.AUTO));
    Backends.setDefault(Backend.JAVA);
    assertEquals(Backend.JAVA, Backends.resolve(Backend.AUTO));
    assertTrue(Backends.describe().startsWith("backend=java"), Backends.describe());
    // An explicit request is honoured whatever the default.
    assertEquals(Backend.JAVA, Backends.resolve(Backend.JAVA));
    if (Backends.nativeAvailable()) assertEquals(Backend.NATIVE, Backends.resolve(Backend.NATIVE));
  }

  @Test
  void forcedIsaIsUsedAndUnknownNamesAreRejected() {
    KernelVariants.requireNative();
    System.setProperty(Backends.ISA_PROPERTY, "baseline");
    assertEquals(Isa.BASELINE, Backends.kernels(Backend.NATIVE).isa());
    assertEquals("native/baseline", Backends.kernels(Backend.NATIVE).describe());
    System.setProperty(Backends.ISA_PROPERTY, "sse9");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.kernels(Backend.NATIVE));
    assertTrue(e.getMessage().contains("-Dlayerfuse.isa=sse9") && e.getMessage().contains("baseline|avx2|avx512"),
        e.getMessage());
  }

  @Test
  void forcingAnIsaTheCpuLacksIsRefused() throws Exception {
    KernelVariants.requireNative();
    // LAYERFUSE_MAX_ISA=avx2 makes this CPU look like one without AVX-512.
    Jvm.Result r = Jvm.run(true, List.of("-Dlayerfuse.isa=avx512"), Map.of("LAYERFUSE_MAX_ISA", "avx2"),
        BackendProbe.class, "native");
    assertTrue(r.out().contains("error=UnsupportedOperationException")
        && r.out().contains("does not support avx512") && r.out().contains("[baseline, avx2]"), r.out() + r.err());
    Jvm.Result best = Jvm.run(true, List.of(), Map.of("LAYERFUSE_MAX_ISA", "avx2"), BackendProbe.class, "native");
    assertTrue(best.out().contains("backend=native/avx2"), best.out() + best.err());
    Jvm.Result bad = Jvm.run(true, List.of(), Map.of("LAYERFUSE_MAX_ISA", "avx9"), BackendProbe.class, "native");
    assertTrue(bad.out().contains("LAYERFUSE_MAX_ISA=avx9"), bad.out() + bad.err());
  }

  @Test
  void withoutTheNativeLibraryAutoFallsBackWithExactlyOneLogLine() throws Exception {
    Jvm.Result r = Jvm.run(false, List.of(), Map.of(), BackendProbe.class, "auto");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("backend=java"), r.out());
    assertTrue(r.out().contains("result=[1.0, 0.0, 3.0, 0.0]"), r.out());
    long lines = r.err().lines().filter(l -> l.contains("native backend unavailable")).count();
    assertEquals(1, lines, "expected exactly one fallback log line, got:\n" + r.err());
    assertTrue(r.err().contains("jniLayerfuseNative"), "the log line should say why:\n" + r.err());
  }

  @Test
  void withoutTheNativeLibraryForcingNativeThrowsAClearError() throws Exception {
    Jvm.Result explicit = Jvm.run(false, List.of(), Map.of(), BackendProbe.class, "native");
    assertTrue(explicit.out().contains("error=NativeUnavailableException")
        && explicit.out().contains("Backend.NATIVE was requested")
        && explicit.out().contains("could not be loaded"), explicit.out());
    Jvm.Result byProperty = Jvm.run(false, List.of("-Dlayerfuse.backend=native"), Map.of(), BackendProbe.class, "auto");
    assertTrue(byProperty.out().contains("error=NativeUnavailableException")
        && byProperty.out().contains("-Dlayerfuse.backend=native forces it"), byProperty.out());
    assertFalse(byProperty.err().contains("using the pure-Java backend"), byProperty.err());
  }

  @Test
  void propertySelectsJavaAndRejectsUnknownValues() throws Exception {
    Jvm.Result java = Jvm.run(true, List.of("-Dlayerfuse.backend=java"), Map.of(), BackendProbe.class, "auto");
    assertTrue(java.out().contains("backend=java"), java.out());
    assertFalse(java.err().contains("native backend unavailable"), java.err());
    Jvm.Result bad = Jvm.run(true, List.of("-Dlayerfuse.backend=gpu"), Map.of(), BackendProbe.class, "auto");
    assertTrue(bad.out().contains("-Dlayerfuse.backend=gpu: expected one of auto|native|java"), bad.out());
  }
}
