package dev.layerfuse.exec;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The instruction-set variants the native kernels are compiled in; chosen at run time. */
public enum Isa {
  BASELINE(0, "baseline"),
  AVX2(1, "avx2"),
  AVX512(2, "avx512");

  private final int code;
  private final String label;

  Isa(int code, String label) {
    this.code = code;
    this.label = label;
  }

  /** The value of the C ABI's {@code LF_ISA_*} constant. */
  public int code() {
    return code;
  }

  /** The name used by {@code -Dlayerfuse.isa} and in descriptions. */
  public String label() {
    return label;
  }

  public static Isa fromCode(int code) {
    for (Isa isa : values()) if (isa.code == code) return isa;
    throw new IllegalArgumentException("unknown ISA code " + code);
  }

  /** Parses {@code baseline|avx2|avx512} (case-insensitive). */
  public static Isa parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    for (Isa isa : values()) if (isa.label.equals(n)) return isa;
    throw new IllegalArgumentException(
        "unknown ISA '" + name + "', expected one of "
            + Arrays.stream(values()).map(Isa::label).collect(Collectors.joining("|")));
  }

  @Override
  public String toString() {
    return label;
  }
}
