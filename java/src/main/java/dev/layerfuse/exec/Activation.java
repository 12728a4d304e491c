package dev.layerfuse.exec;

/**
 * An activation applied by a kernel epilogue. ReLU, ReLU6 and Clip are all {@link Kind#CLAMP}
 * with different bounds, as in the native kernels.
 *
 * @param kind the function
 * @param alpha LeakyReLU's negative slope (0 otherwise)
 * @param lo lower clamp bound (CLAMP only)
 * @param hi upper clamp bound (CLAMP only)
 */
public record Activation(Kind kind, float alpha, float lo, float hi) {

  /** Activation functions, with the value of the C ABI's {@code LF_ACT_*} constant. */
  public enum Kind {
    NONE(0), CLAMP(1), LEAKY_RELU(2), SIGMOID(3), TANH(4), HARDSWISH(5), SILU(6);

    private final int code;

    Kind(int code) {
      this.code = code;
    }

    public int code() {
      return code;
    }
  }

  public Activation {
    if (kind == null) throw new IllegalArgumentException("activation kind is null");
    if (kind == Kind.CLAMP && !(lo <= hi)) {
      throw new IllegalArgumentException("clamp: min " + lo + " must be <= max " + hi + " (and not NaN)");
    }
    if (kind == Kind.LEAKY_RELU && !Float.isFinite(alpha)) {
      throw new IllegalArgumentException("leaky_relu: alpha must be finite, got " + alpha);
    }
  }

  public static Activation none() {
    return new Activation(Kind.NONE, 0f, 0f, 0f);
  }

  public static Activation relu() {
    return clamp(0f, Float.POSITIVE_INFINITY);
  }

  public static Activation relu6() {
    return clamp(0f, 6f);
  }

  public static Activation clamp(float min, float max) {
    return new Activation(Kind.CLAMP, 0f, min, max);
  }

  public static Activation leakyRelu(float alpha) {
    return new Activation(Kind.LEAKY_RELU, alpha, 0f, 0f);
  }

  public static Activation sigmoid() {
    return new Activation(Kind.SIGMOID, 0f, 0f, 0f);
  }

  public static Activation tanh() {
    return new Activation(Kind.TANH, 0f, 0f, 0f);
  }

  public static Activation hardSwish() {
    return new Activation(Kind.HARDSWISH, 0f, 0f, 0f);
  }

  public static Activation silu() {
    return new Activation(Kind.SILU, 0f, 0f, 0f);
  }

  /** Applies the activation to one value, in float as the kernels do. */
  public float apply(float v) {
    switch (kind) {
      case CLAMP: {
        float r = v < lo ? lo : v;
        return r > hi ? hi : r;
      }
      case LEAKY_RELU:
        return v < 0f ? v * alpha : v;
      case SIGMOID:
        return (float) (1.0 / (1.0 + Math.exp(-v)));
      case TANH:
        return (float) Math.tanh(v);
      case HARDSWISH: {
        float t = v + 3f;
        t = t < 0f ? 0f : t;
        t = t > 6f ? 6f : t;
        return v * t * (1f / 6f);
      }
      case SILU:
        return (float) (v / (1.0 + Math.exp(-v)));
      default:
        return v;
    }
  }

  @Override
  public String toString() {
    switch (kind) {
      case CLAMP:
        if (lo == 0f && hi == Float.POSITIVE_INFINITY) return "relu";
        if (lo == 0f && hi == 6f) return "relu6";
        return "clamp(" + lo + ", " + hi + ")";
      case LEAKY_RELU:
        return "leaky_relu(" + alpha + ")";
      default:
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
