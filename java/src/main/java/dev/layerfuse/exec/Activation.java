package dev.layerfuse.exec;

/**
 * An activation applied by a kernel epilogue. ReLU, ReLU6 and Clip are all {@link Kind#CLAMP}
 * with different bounds, as in the native kernels.
 *
 * @param kind the function
 * @param alpha LeakyReLU's negative slope, ELU's and SELU's alpha, POW's exponent (0 otherwise)
 * @param lo lower clamp bound (CLAMP only)
 * @param hi upper clamp bound (CLAMP), SELU's gamma
 */
public record Activation(Kind kind, float alpha, float lo, float hi) {

  /** Activation functions, with the value of the C ABI's {@code LF_ACT_*} constant. */
  public enum Kind {
    NONE(0), CLAMP(1), LEAKY_RELU(2), SIGMOID(3), TANH(4), HARDSWISH(5), SILU(6), ELU(7), SELU(8), SOFTPLUS(9),
    EXP(10), LOG(11), SQRT(12), ABS(13), NEG(14), RECIPROCAL(15), POW(16);

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
    if ((kind == Kind.LEAKY_RELU || kind == Kind.ELU || kind == Kind.SELU || kind == Kind.POW) && !Float.isFinite(alpha)) {
      throw new IllegalArgumentException(kind.name().toLowerCase(java.util.Locale.ROOT) + ": alpha must be finite, got " + alpha);
    }
    if (kind == Kind.SELU && !Float.isFinite(hi)) throw new IllegalArgumentException("selu: gamma must be finite, got " + hi);
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

  public static Activation elu(float alpha) {
    return new Activation(Kind.ELU, alpha, 0f, 0f);
  }

  /** SELU: gamma * (x > 0 ? x : alpha * (e^x - 1)); gamma is held in {@link #hi()}. */
  public static Activation selu(float alpha, float gamma) {
    return new Activation(Kind.SELU, alpha, 0f, gamma);
  }

  public static Activation softplus() {
    return new Activation(Kind.SOFTPLUS, 0f, 0f, 0f);
  }

  /** One of the parameterless unary functions: EXP, LOG, SQRT, ABS, NEG, RECIPROCAL (and the others). */
  public static Activation of(Kind kind) {
    return new Activation(kind, 0f, 0f, 0f);
  }

  /** x to the power {@code exponent}. */
  public static Activation pow(float exponent) {
    return new Activation(Kind.POW, exponent, 0f, 0f);
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
      case ELU:
        return v < 0f ? (float) (alpha * Math.expm1(v)) : v;
      case SELU:
        return v > 0f ? hi * v : (float) (hi * (alpha * Math.expm1(v)));
      case SOFTPLUS:
        return v > 20f ? v : (float) Math.log1p(Math.exp(v));
      case EXP:
        return (float) Math.exp(v);
      case LOG:
        return (float) Math.log(v);
      case SQRT:
        return (float) Math.sqrt(v);
      case ABS:
        return Math.abs(v);
      case NEG:
        return -v;
      case RECIPROCAL:
        return 1f / v;
      case POW:
        return (float) Math.pow(v, alpha);
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
      case ELU:
        return "elu(" + alpha + ")";
      case SELU:
        return "selu(" + alpha + ", " + hi + ")";
      case POW:
        return "pow(" + alpha + ")";
      default:
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }
  }
}
