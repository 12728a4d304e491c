package dev.layerfuse.exec;

/** A native kernel reported a failure; {@link #code()} mirrors the C side's status code. */
public final class NativeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The C ABI's {@code LF_*} status codes. */
  public enum Code {
    OK(0), INVALID_ARGUMENT(1), UNSUPPORTED_ISA(2), INTERNAL(3), UNKNOWN(-1);

    private final int value;

    Code(int value) {
      this.value = value;
    }

    public int value() {
      return value;
    }

    public static Code of(int value) {
      for (Code c : values()) if (c.value == value) return c;
      return UNKNOWN;
    }
  }

  private final Code code;

  public NativeException(String operation, int status) {
    super(operation + " failed in native code: " + Code.of(status) + " (status " + status + ")");
    this.code = Code.of(status);
  }

  public Code code() {
    return code;
  }
}
