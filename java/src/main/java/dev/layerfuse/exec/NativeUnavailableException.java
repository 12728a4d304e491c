package dev.layerfuse.exec;

/** The native backend was required (explicitly or by property) but its library cannot load. */
public final class NativeUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public NativeUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
