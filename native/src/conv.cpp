// Convolutions: im2col tiled over output pixels times the weights (the NCHW 1x1 kernel on AVX-512,
// sgemm elsewhere; the epilogue runs per tile inside either), the direct GEMM for 1x1 stride-1 convs, depthwise dispatch, and transposed convs by
// sgemm + col2im.
#include <cstdlib>
#include <cblas.h>

#include <cstring>

#include "internal.h"

namespace lf {
namespace {

// Rows (c, i, j) x output pixels [p0, p0 + cols) of the im2col matrix of one image and group.
void im2col_tile(const int64_t* g, const float* x, int64_t cin_g, const float* pad_values, int64_t p0,
                 int64_t cols, float* out) {
  const int64_t h = g[LF_GEOM_IN_H], w = g[LF_GEOM_IN_W], kh = g[LF_GEOM_KH], kw = g[LF_GEOM_KW];
  const int64_t sh = g[LF_GEOM_SH], sw = g[LF_GEOM_SW], pt = g[LF_GEOM_PAD_T], pl = g[LF_GEOM_PAD_L];
  const int64_t dh = g[LF_GEOM_DH], dw = g[LF_GEOM_DW], ow = g[LF_GEOM_OUT_W];
  int64_t row = 0;
  for (int64_t c = 0; c < cin_g; ++c) {
    const float pad = pad_values != nullptr ? pad_values[c] : 0.0f;
    const float* plane = x + c * h * w;
    for (int64_t i = 0; i < kh; ++i) {
      for (int64_t j = 0; j < kw; ++j, ++row) {
        float* dst = out + row * cols;
        int64_t oy = p0 / ow, ox = p0 % ow;
        for (int64_t p = 0; p < cols;) {
          const int64_t iy = oy * sh - pt + i * dh;
          const int64_t run = (ow - ox) < (cols - p) ? (ow - ox) : (cols - p);
          if (iy < 0 || iy >= h) {
            for (int64_t r = 0; r < run; ++r) dst[p + r] = pad;
          } else {
            // ix = (ox + r) * sw - pl + j * dw is inside the row for r in [r0, r1): pad, a strided
            // copy with no per-element test (stride 1 and 2 as their own loops, which vectorise), pad.
            const int64_t off = j * dw - pl, base = ox * sw + off;
            int64_t r0 = base >= 0 ? 0 : (-base + sw - 1) / sw;
            int64_t r1 = w - base <= 0 ? 0 : (w - base + sw - 1) / sw;
            r0 = r0 < run ? r0 : run;
            r1 = r1 < run ? r1 : run;
            r1 = r1 > r0 ? r1 : r0;
            float* d = dst + p;
            const float* src = plane + iy * w + base;
            for (int64_t r = 0; r < r0; ++r) d[r] = pad;
            if (sw == 1) {
              std::memcpy(d + r0, src + r0, sizeof(float) * (r1 - r0));
            } else if (sw == 2) {
              for (int64_t r = r0; r < r1; ++r) d[r] = src[2 * r];
            } else {
              for (int64_t r = r0; r < r1; ++r) d[r] = src[r * sw];
            }
            for (int64_t r = r1; r < run; ++r) d[r] = pad;
          }
          p += run;
          ox += run;
          if (ox == ow) {
            ox = 0;
            ++oy;
          }
        }
      }
    }
  }
}

bool conv_is_pointwise(const int64_t* g) {
  return g[LF_GEOM_KH] == 1 && g[LF_GEOM_KW] == 1 && g[LF_GEOM_SH] == 1 && g[LF_GEOM_SW] == 1 &&
         g[LF_GEOM_PAD_T] == 0 && g[LF_GEOM_PAD_L] == 0 && g[LF_GEOM_PAD_B] == 0 && g[LF_GEOM_PAD_R] == 0;
}

}  // namespace
}  // namespace lf

extern "C" {

namespace {
// LAYERFUSE_NO_DIRECT_CONV set: convs take the im2col path (for comparisons). Read once.
bool no_direct_conv() {
  static const bool off = getenv("LAYERFUSE_NO_DIRECT_CONV") != nullptr;
  return off;
}
}  // namespace

int lf_f32_conv2d_bias_act(int isa, const int64_t* g, const float* x, const float* weight, const float* bias,
                           const float* pad_values, const float* residual, float* y, float* scratch,
                           int64_t scratch_floats, int act, float alpha, float lo, float hi) {
  if (lf::kernels_for(isa) == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  if (!lf::valid_geometry(g) || !lf::valid_act(act, lo, hi)) return LF_ERR_INVALID_ARGUMENT;
  if (x == nullptr || weight == nullptr || y == nullptr) return LF_ERR_INVALID_ARGUMENT;
  const int64_t groups = g[LF_GEOM_GROUPS], cin = g[LF_GEOM_IN_C], cout = g[LF_GEOM_OUT_C];
  if (cin % groups != 0 || cout % groups != 0) return LF_ERR_INVALID_ARGUMENT;
  const int64_t cin_g = cin / groups, cout_g = cout / groups;
  const int64_t k = cin_g * g[LF_GEOM_KH] * g[LF_GEOM_KW];
  const int64_t hw = g[LF_GEOM_IN_H] * g[LF_GEOM_IN_W], ohw = g[LF_GEOM_OUT_H] * g[LF_GEOM_OUT_W];
  const bool pointwise = lf::conv_is_pointwise(g);
  if (isa == LF_ISA_AVX512 && !pointwise && lf::avx512::direct_conv_applies(g) && scratch != nullptr &&
      scratch_floats >= lf::avx512::direct_conv_scratch(g, false) && !no_direct_conv()) {
    lf_epilogue after = lf::make_epilogue(nullptr, LF_BIAS_NONE, residual, ohw, act, alpha, lo, hi);
    lf::avx512::direct_conv(g, x, weight, nullptr, bias, pad_values, y, scratch, after, 0, g[LF_GEOM_OUT_H]);
    return LF_OK;
  }
  int64_t tile = pointwise ? ohw : (scratch != nullptr ? scratch_floats / k : 0);
  if (tile > ohw) tile = ohw;
  if (tile > 16) tile -= tile % 16;
  if (!pointwise && tile < (ohw < 16 ? ohw : 16)) return LF_ERR_INVALID_ARGUMENT;
  const int bias_mode = bias != nullptr ? LF_BIAS_PER_ROW : LF_BIAS_NONE;
  for (int64_t n = 0; n < g[LF_GEOM_N]; ++n) {
    for (int64_t grp = 0; grp < groups; ++grp) {
      const float* xg = x + (n * cin + grp * cin_g) * hw;
      const float* wg = weight + grp * cout_g * k;
      const float* bg = bias != nullptr ? bias + grp * cout_g : nullptr;
      const float* pg = pad_values != nullptr ? pad_values + grp * cin_g : nullptr;
      const int64_t yoff = (n * cout + grp * cout_g) * ohw;
      const float* rg = residual != nullptr ? residual + yoff : nullptr;
      if (pointwise) {
        // AVX-512: the NCHW 1x1 kernel (operands as stored); elsewhere sgemm.
        int rc = isa == LF_ISA_AVX512
                     ? lf_f32_pointwise_conv(isa, cout_g, ohw, cin_g, wg, k, xg, ohw, y + yoff, ohw, bg, bias_mode, rg,
                                             ohw, act, alpha, lo, hi)
                     : lf_f32_gemm_bias_act(isa, 0, cout_g, ohw, cin_g, wg, k, xg, ohw, y + yoff, ohw, bg, bias_mode,
                                            rg, ohw, act, alpha, lo, hi);
        if (rc != LF_OK) return rc;
        continue;
      }
      for (int64_t p0 = 0; p0 < ohw; p0 += tile) {
        const int64_t cols = ohw - p0 < tile ? ohw - p0 : tile;
        lf::im2col_tile(g, xg, cin_g, pg, p0, cols, scratch);
        // AVX-512: the tile is the input of a 1x1 conv with k channels, which the NCHW 1x1 kernel
        // multiplies as stored (sgemm packs it again: MobileNetV2's first conv 0.55 -> 0.23 ms,
        // ResNet-18's 7x7 3.2 -> 1.8 ms, 3x3 convs off the direct path 1.2-2.5x faster).
        int rc = isa == LF_ISA_AVX512
                     ? lf_f32_pointwise_conv(isa, cout_g, cols, k, wg, k, scratch, cols, y + yoff + p0, ohw, bg,
                                             bias_mode, rg != nullptr ? rg + p0 : nullptr, ohw, act, alpha, lo, hi)
                     : lf_f32_gemm_bias_act(isa, 0, cout_g, cols, k, wg, k, scratch, cols, y + yoff + p0, ohw, bg,
                                            bias_mode, rg != nullptr ? rg + p0 : nullptr, ohw, act, alpha, lo, hi);
        if (rc != LF_OK) return rc;
      }
    }
  }
  return LF_OK;
}

int lf_f32_dwconv2d_bias_act(int isa, const int64_t* g, const float* x, const float* weight, const float* bias,
                             const float* pad_values, const float* residual, float* y, int act, float alpha,
                             float lo, float hi) {
  const lf::IsaKernels* ks = lf::kernels_for(isa);
  if (ks == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  if (!lf::valid_geometry(g) || !lf::valid_act(act, lo, hi)) return LF_ERR_INVALID_ARGUMENT;
  if (g[LF_GEOM_GROUPS] != g[LF_GEOM_IN_C] || g[LF_GEOM_OUT_C] != g[LF_GEOM_IN_C]) return LF_ERR_INVALID_ARGUMENT;
  if (x == nullptr || weight == nullptr || y == nullptr) return LF_ERR_INVALID_ARGUMENT;
  ks->dwconv(g, x, weight, bias, pad_values, residual, y,
             lf::make_epilogue(nullptr, LF_BIAS_NONE, nullptr, 0, act, alpha, lo, hi));
  return LF_OK;
}

int lf_f32_pw_dw(int isa, const int64_t* g, int64_t cin, int64_t c0, int64_t c1, const float* x, const float* w_p,
                 const float* b_p, int act_p, float alpha_p, float lo_p, float hi_p, const float* w_d, const float* b_d,
                 const float* pad_values, float* y, float* scratch, int64_t scratch_floats, int act, float alpha,
                 float lo, float hi) {
  if (isa != LF_ISA_AVX512 || lf::kernels_for(isa) == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  if (!lf::valid_geometry(g) || !lf::valid_act(act_p, lo_p, hi_p) || !lf::valid_act(act, lo, hi)) {
    return LF_ERR_INVALID_ARGUMENT;
  }
  const int64_t c = g[LF_GEOM_IN_C], span = (g[LF_GEOM_KH] - 1) * g[LF_GEOM_DH];
  if (g[LF_GEOM_GROUPS] != c || g[LF_GEOM_OUT_C] != c || cin < 1 || c0 < 0 || c0 >= c1 || c1 > c) {
    return LF_ERR_INVALID_ARGUMENT;
  }
  if (g[LF_GEOM_PAD_T] > span || g[LF_GEOM_PAD_B] > span) return LF_ERR_INVALID_ARGUMENT;
  if (x == nullptr || w_p == nullptr || w_d == nullptr || y == nullptr || scratch == nullptr) {
    return LF_ERR_INVALID_ARGUMENT;
  }
  const int64_t rows = lf::avx512::pw_dw_strip_rows(g, c1 - c0, scratch_floats);
  if (rows < 1) return LF_ERR_INVALID_ARGUMENT;
  lf::avx512::pw_dw(g, cin, c0, c1, x, w_p,
                    lf::make_epilogue(b_p, b_p != nullptr ? LF_BIAS_PER_ROW : LF_BIAS_NONE, nullptr, 0, act_p, alpha_p,
                                      lo_p, hi_p),
                    w_d, b_d, pad_values, y, scratch, rows, lf::make_epilogue(nullptr, LF_BIAS_NONE, nullptr, 0, act,
                                                                              alpha, lo, hi));
  return LF_OK;
}

int lf_f32_conv_transpose2d_bias_act(int isa, const int64_t* g, const float* x, const float* weight,
                                     const float* bias, float* y, float* scratch, int64_t scratch_floats,
                                     int act, float alpha, float lo, float hi) {
  const lf::IsaKernels* ks = lf::kernels_for(isa);
  if (ks == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  if (!lf::valid_geometry(g) || !lf::valid_act(act, lo, hi)) return LF_ERR_INVALID_ARGUMENT;
  const int64_t groups = g[LF_GEOM_GROUPS], cin = g[LF_GEOM_IN_C], cout = g[LF_GEOM_OUT_C];
  if (cin % groups != 0 || cout % groups != 0) return LF_ERR_INVALID_ARGUMENT;
  const int64_t cin_g = cin / groups, cout_g = cout / groups, kh = g[LF_GEOM_KH], kw = g[LF_GEOM_KW];
  const int64_t h = g[LF_GEOM_IN_H], w = g[LF_GEOM_IN_W], hw = h * w;
  const int64_t oh = g[LF_GEOM_OUT_H], ow = g[LF_GEOM_OUT_W], ohw = oh * ow;
  const int64_t rows = cout_g * kh * kw;
  if (x == nullptr || weight == nullptr || y == nullptr || scratch == nullptr || scratch_floats < rows * hw) {
    return LF_ERR_INVALID_ARGUMENT;
  }
  const int64_t sh = g[LF_GEOM_SH], sw = g[LF_GEOM_SW], pt = g[LF_GEOM_PAD_T], pl = g[LF_GEOM_PAD_L];
  const int64_t dh = g[LF_GEOM_DH], dw = g[LF_GEOM_DW];
  for (int64_t n = 0; n < g[LF_GEOM_N]; ++n) {
    std::memset(y + n * cout * ohw, 0, sizeof(float) * cout * ohw);
    for (int64_t grp = 0; grp < groups; ++grp) {
      // scratch[rows, hw] = W_g^T x_g, W_g being [cin_g, rows].
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(rows), static_cast<int>(hw),
                  static_cast<int>(cin_g), 1.0f, weight + grp * cin_g * rows, static_cast<int>(rows),
                  x + (n * cin + grp * cin_g) * hw, static_cast<int>(hw), 0.0f, scratch, static_cast<int>(hw));
      float* yg = y + (n * cout + grp * cout_g) * ohw;
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t oc = r / (kh * kw), i = (r / kw) % kh, j = r % kw;
        const float* src = scratch + r * hw;
        float* plane = yg + oc * ohw;
        for (int64_t iy = 0; iy < h; ++iy) {
          const int64_t oy = iy * sh - pt + i * dh;
          if (oy < 0 || oy >= oh) continue;
          for (int64_t ix = 0; ix < w; ++ix) {
            const int64_t ox = ix * sw - pl + j * dw;
            if (ox >= 0 && ox < ow) plane[oy * ow + ox] += src[iy * w + ix];
          }
        }
      }
    }
  }
  const lf_epilogue e = lf::make_epilogue(bias, bias != nullptr ? LF_BIAS_PER_ROW : LF_BIAS_NONE, nullptr, 0, act,
                                          alpha, lo, hi);
  for (int64_t n = 0; n < g[LF_GEOM_N]; ++n) ks->epilogue(y + n * cout * ohw, cout, ohw, ohw, e);
  return LF_OK;
}

}  // extern "C"

int lf_f32_conv2d_packed(int isa, const int64_t* g, int64_t oy0, int64_t oy1, const float* x, const float* packed,
                         const float* bias, const float* pad_values, const float* residual, float* y, float* scratch,
                         int64_t scratch_floats, int act, float alpha, float lo, float hi) {
  if (isa != LF_ISA_AVX512 || lf::kernels_for(isa) == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  if (!lf::valid_geometry(g) || !lf::valid_act(act, lo, hi)) return LF_ERR_INVALID_ARGUMENT;
  if (x == nullptr || packed == nullptr || y == nullptr || scratch == nullptr) return LF_ERR_INVALID_ARGUMENT;
  if (!lf::avx512::direct_conv_applies(g) || lf::conv_is_pointwise(g)) return LF_ERR_INVALID_ARGUMENT;
  if (scratch_floats < lf::avx512::direct_conv_scratch(g, true)) return LF_ERR_INVALID_ARGUMENT;
  if (oy0 < 0 || oy1 > g[LF_GEOM_OUT_H] || oy0 >= oy1) return LF_ERR_INVALID_ARGUMENT;
  const int64_t ohw = g[LF_GEOM_OUT_H] * g[LF_GEOM_OUT_W];
  lf_epilogue after = lf::make_epilogue(nullptr, LF_BIAS_NONE, residual, ohw, act, alpha, lo, hi);
  lf::avx512::direct_conv(g, x, nullptr, packed, bias, pad_values, y, scratch, after, oy0, oy1);
  return LF_OK;
}

int lf_f32_conv2d_winograd(int isa, const int64_t* g, int64_t oy0, int64_t oy1, int64_t oc0, int64_t oc1,
                           const float* x, const float* u, const float* bias, const float* pad_values,
                           const float* residual, float* y, float* scratch, int64_t scratch_floats, int act,
                           float alpha, float lo, float hi) {
  if (isa != LF_ISA_AVX512 || lf::kernels_for(isa) == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  if (!lf::valid_geometry(g) || !lf::valid_act(act, lo, hi)) return LF_ERR_INVALID_ARGUMENT;
  if (x == nullptr || u == nullptr || y == nullptr || scratch == nullptr) return LF_ERR_INVALID_ARGUMENT;
  if (!lf::avx512::winograd_applies(g) || scratch_floats < lf::avx512::winograd_scratch(g)) return LF_ERR_INVALID_ARGUMENT;
  const int64_t oh = g[LF_GEOM_OUT_H], cout = g[LF_GEOM_OUT_C];
  if (oy0 < 0 || oy0 >= oy1 || oy1 > oh || oy0 % 2 != 0 || (oy1 % 2 != 0 && oy1 != oh)) return LF_ERR_INVALID_ARGUMENT;
  if (oc0 < 0 || oc0 >= oc1 || oc1 > cout || oc0 % 16 != 0 || oc1 % 16 != 0) return LF_ERR_INVALID_ARGUMENT;
  lf_epilogue after = lf::make_epilogue(nullptr, LF_BIAS_NONE, residual, oh * g[LF_GEOM_OUT_W], act, alpha, lo, hi);
  lf::avx512::winograd_conv(g, x, u, bias, pad_values, y, scratch, after, oy0 / 2, (oy1 + 1) / 2, oc0 / 16, oc1 / 16);
  return LF_OK;
}

int64_t lf_conv2d_winograd_scratch(const int64_t* g) {
  if (!lf::valid_geometry(g) || !lf::avx512::winograd_applies(g)) return -1;
  return lf::avx512::winograd_scratch(g);
}
