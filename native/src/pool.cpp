// Pooling and elementwise kernels.
#include <cmath>
#include <cstring>

#include "internal.h"

extern "C" {

int lf_f32_pool2d(int isa, const int64_t* g, int is_max, int count_include_pad, const float* x, float* y) {
  if (lf::kernels_for(isa) == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  if (!lf::valid_geometry(g) || x == nullptr || y == nullptr) return LF_ERR_INVALID_ARGUMENT;
  if (is_max && isa == LF_ISA_AVX512) {
    lf::avx512::maxpool_direct(g, x, y);
    return LF_OK;
  }
  const int64_t planes = g[LF_GEOM_N] * g[LF_GEOM_IN_C], h = g[LF_GEOM_IN_H], w = g[LF_GEOM_IN_W];
  const int64_t kh = g[LF_GEOM_KH], kw = g[LF_GEOM_KW], sh = g[LF_GEOM_SH], sw = g[LF_GEOM_SW];
  const int64_t pt = g[LF_GEOM_PAD_T], pl = g[LF_GEOM_PAD_L], pb = g[LF_GEOM_PAD_B], pr = g[LF_GEOM_PAD_R];
  const int64_t dh = g[LF_GEOM_DH], dw = g[LF_GEOM_DW], oh = g[LF_GEOM_OUT_H], ow = g[LF_GEOM_OUT_W];
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * h * w;
    float* yp = y + p * oh * ow;
    for (int64_t oy = 0; oy < oh; ++oy) {
      for (int64_t ox = 0; ox < ow; ++ox) {
        const int64_t y0 = oy * sh - pt, x0 = ox * sw - pl;
        float best = -INFINITY;
        bool nan = false;
        double sum = 0;
        int64_t count = 0, padded = 0;
        for (int64_t i = 0; i < kh; ++i) {
          const int64_t iy = y0 + i * dh;
          for (int64_t j = 0; j < kw; ++j) {
            const int64_t ix = x0 + j * dw;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
              if (iy >= -pt && ix >= -pl && iy < h + pb && ix < w + pr) ++padded;
              continue;
            }
            const float v = xp[iy * w + ix];
            if (is_max) {
              if (v > best) best = v;
              if (v != v) nan = true;
            } else {
              sum += v;
            }
            ++count;
            ++padded;
          }
        }
        float r;
        if (is_max) {
          r = nan ? NAN : best;
        } else {
          const int64_t div = count_include_pad ? padded : count;
          r = div == 0 ? 0.0f : static_cast<float>(sum / static_cast<double>(div));
        }
        yp[oy * ow + ox] = r;
      }
    }
  }
  return LF_OK;
}

int lf_f32_global_avg_pool(int isa, int64_t planes, int64_t hw, const float* x, float* y) {
  if (lf::kernels_for(isa) == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  if (planes < 0 || hw < 1 || (planes > 0 && (x == nullptr || y == nullptr))) return LF_ERR_INVALID_ARGUMENT;
  for (int64_t p = 0; p < planes; ++p) {
    // Summed in double, in eight independent partial sums (one chain of dependent adds per plane
    // was the cost: 1280 x 49 took 39 us, more than ten times the time to read it).
    double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const float* xp = x + p * hw;
    int64_t i = 0;
    for (; i + 8 <= hw; i += 8)
      for (int j = 0; j < 8; ++j) part[j] += xp[i + j];
    for (int j = 0; i < hw; ++i, ++j) part[j] += xp[i];
    const double s = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
    y[p] = static_cast<float>(s / static_cast<double>(hw));
  }
  return LF_OK;
}

int lf_f32_scale_shift_act(int isa, int64_t n, int64_t c, int64_t inner, const float* x, const float* scale,
                           const float* shift, float* y, int act, float alpha, float lo, float hi) {
  const lf::IsaKernels* ks = lf::kernels_for(isa);
  if (ks == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  if (n < 0 || c < 0 || inner < 0 || !lf::valid_act(act, lo, hi)) return LF_ERR_INVALID_ARGUMENT;
  if (n * c * inner == 0) return LF_OK;
  if (x == nullptr || scale == nullptr || shift == nullptr || y == nullptr) return LF_ERR_INVALID_ARGUMENT;
  ks->scale_shift(x, n, c, inner, scale, shift, y, lf::make_epilogue(nullptr, LF_BIAS_NONE, nullptr, 0, act, alpha, lo, hi));
  return LF_OK;
}

int lf_f32_act(int isa, int64_t count, const float* x, float* y, int act, float alpha, float lo, float hi) {
  const lf::IsaKernels* ks = lf::kernels_for(isa);
  if (ks == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  if (count < 0 || !lf::valid_act(act, lo, hi)) return LF_ERR_INVALID_ARGUMENT;
  if (count == 0) return LF_OK;
  if (x == nullptr || y == nullptr) return LF_ERR_INVALID_ARGUMENT;
  if (y != x) std::memmove(y, x, sizeof(float) * count);
  ks->epilogue(y, 1, count, count, lf::make_epilogue(nullptr, LF_BIAS_NONE, nullptr, 0, act, alpha, lo, hi));
  return LF_OK;
}

int lf_f32_add_act(int isa, int64_t count, const float* a, const float* b, float* y, int act, float alpha, float lo,
                   float hi) {
  const lf::IsaKernels* ks = lf::kernels_for(isa);
  if (ks == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  if (count < 0 || !lf::valid_act(act, lo, hi)) return LF_ERR_INVALID_ARGUMENT;
  if (count == 0) return LF_OK;
  if (a == nullptr || b == nullptr || y == nullptr) return LF_ERR_INVALID_ARGUMENT;
  if (a == b) {  // x + x: no second operand to read while y is written
    for (int64_t i = 0; i < count; ++i) y[i] = a[i] + a[i];
    ks->epilogue(y, 1, count, count, lf::make_epilogue(nullptr, LF_BIAS_NONE, nullptr, 0, act, alpha, lo, hi));
    return LF_OK;
  }
  if (y == b) {  // addition commutes: keep the copy from destroying an operand
    const float* t = a;
    a = b;
    b = t;
  }
  if (y != a) std::memmove(y, a, sizeof(float) * count);
  ks->epilogue(y, 1, count, count, lf::make_epilogue(nullptr, LF_BIAS_NONE, b, count, act, alpha, lo, hi));
  return LF_OK;
}

}  // extern "C"
