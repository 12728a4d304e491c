package dev.layerfuse.tensor;

/** IEEE 754 binary16 and bfloat16 conversions (exact; subnormals, infinities and NaN included). */
public final class Half {
  private Half() {}

  /** binary16 bits to float. */
  public static float toFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16, exp = (bits >>> 10) & 0x1f, mant = bits & 0x3ff;
    if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    if (exp == 0) {
      float v = mant * 0x1p-24f;
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  /** bfloat16 bits to float. */
  public static float bfloat16ToFloat(short b) {
    return Float.intBitsToFloat((b & 0xffff) << 16);
  }

  /** float to binary16 bits, rounding to nearest even; overflow gives infinity, NaN stays NaN. */
  public static short fromFloat(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff, mant = bits & 0x7fffff;
    if (exp == 0xff) return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
    int e = exp - 127 + 15;
    if (e >= 0x1f) return (short) (sign | 0x7c00);
    if (e <= 0) {
      if (e < -10) return (short) sign;
      int m = mant | 0x800000;
      int shift = 14 - e;
      int half = m >>> shift, rem = m & ((1 << shift) - 1), mid = 1 << (shift - 1);
      if (rem > mid || (rem == mid && (half & 1) != 0)) half++;
      return (short) (sign | half);
    }
    int h = (e << 10) | (mant >>> 13);
    int rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) h++;
    return (short) (sign | h);
  }
}
