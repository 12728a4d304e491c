package dev.layerfuse.graph;

/** A shape does not fit an op; the message names the node and the expected vs actual shape. */
public final class ShapeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ShapeException(String node, String message) {
    super(node + ": " + message);
  }
}
