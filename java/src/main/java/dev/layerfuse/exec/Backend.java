package dev.layerfuse.exec;

/** Where kernels run. */
public enum Backend {
  /** C++ kernels over OpenBLAS, through JavaCPP; requires the native library to load. */
  NATIVE,
  /** Pure-Java kernels: same results, runs wherever Java does. */
  JAVA,
  /**
   * Native when the library loads, otherwise Java with one log line saying why. The system
   * property {@code layerfuse.backend} ({@code auto|native|java}) or
   * {@link Backends#setDefault(Backend)} can force the choice.
   */
  AUTO
}
