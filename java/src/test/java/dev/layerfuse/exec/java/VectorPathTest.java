package dev.layerfuse.exec.java;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/**
 * The build runs the Java kernel tests twice: with {@code --add-modules jdk.incubator.vector}
 * (the Vector API kernels) and without it (the plain kernels). Each run says which it expects;
 * this checks the probe chose it, so neither run silently tests the other path.
 */
class VectorPathTest {
  @Test
  void probeMatchesTheJvmFlags() {
    String expect = System.getProperty("layerfuse.expect.vector");
    assumeTrue(expect != null, "run outside the Maven build: nothing to compare against");
    boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    assertEquals(Boolean.parseBoolean(expect), module, "jdk.incubator.vector in the boot layer");
    assertEquals(module, JavaKernels.vectorised(), "Vector API kernels in use");
  }
}
