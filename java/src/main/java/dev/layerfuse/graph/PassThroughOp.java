package dev.layerfuse.graph;

import dev.layerfuse.tensor.Shape;
import dev.layerfuse.tensor.Tensor;
import java.util.List;
import java.util.Map;

/** Identity, or Dropout at inference (which passes its input through unchanged). */
public record PassThroughOp(Type type, float ratio) implements Op {
  public enum Type { IDENTITY, DROPOUT }

  public PassThroughOp {
    if (type == null) throw new IllegalArgumentException("pass-through type is null");
    if (!(ratio >= 0 && ratio < 1)) throw new IllegalArgumentException("dropout ratio must be in [0, 1), got " + ratio);
  }

  public static PassThroughOp identity() {
    return new PassThroughOp(Type.IDENTITY, 0f);
  }

  public static PassThroughOp dropout(float ratio) {
    return new PassThroughOp(Type.DROPOUT, ratio);
  }

  @Override
  public String kind() {
    return type == Type.IDENTITY ? "Identity" : "Dropout";
  }

  @Override
  public int arity() {
    return 1;
  }

  @Override
  public Shape inferShape(String node, List<Shape> in) {
    return in.get(0);
  }

  @Override
  public Map<String, Tensor> parameters() {
    return Map.of();
  }

  @Override
  public String describe() {
    return type == Type.IDENTITY ? "Identity" : "Dropout p=" + ratio;
  }
}
