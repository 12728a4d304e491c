// Direct 2-D convolution for AVX-512 in a 16-channel blocked layout (NCHW16c), for convs with
// groups = 1, output channels in multiples of 16 and input channels too or fewer than 16 (a first
// layer: one block whose lanes past the last channel are never read). The input is reordered (16 x 16
// in-register transposes) into a padded NCHW16c copy with the pad values on the border, so the
// kernel has no edge cases; the weights are [out block][in block][kh][kw][16 in][16 out]. Register
// tiles of up to 4 output blocks x 7 pixels accumulate with the kernel taps outside and the input
// channels inside (no spills, FMA-bound), bias added on the tile. Each 16c output block is
// transposed back to NCHW with the residual and a clamp applied before the store (store_out).
#include <cstring>

#include "../internal.h"
#include "blocked16_avx512.h"

namespace lf {
namespace avx512 {
using namespace blocked16;

namespace {

// Floats of blocked output one piece of rows may hold (256 KB: a quarter of Zen 4's L2, with room
// for the padded input rows and the weights).
constexpr int64_t kL2Floats = 65536;

// One image of at most 4 channels (NCHW, h x w) into the padded [hp][wp][4] plane at dst: 16 pixels at
// a time, the channel rows interleaved by in-register unpacks (pixel 4L + q of a 16-pixel run ends up
// in 128-bit lane L of u[q]) and lane shuffles, stored as four vectors; border pixels and the lanes
// past cin hold the pad values / zeros.
void reorder_in4(const float* x, int nch, int64_t h, int64_t w, int64_t pt, int64_t pl, int64_t hp, int64_t wp,
                 const float* pad_values, float* dst) {
  alignas(16) float pv[4] = {0, 0, 0, 0};
  for (int c = 0; c < nch; ++c) pv[c] = pad_values != nullptr ? pad_values[c] : 0.0f;
  const __m128 pad4 = _mm_load_ps(pv);
  const int64_t hw = h * w;
  for (int64_t yy = 0; yy < hp; ++yy) {
    float* row = dst + yy * wp * 4;
    const int64_t sy = yy - pt;
    if (sy < 0 || sy >= h) {
      for (int64_t xx = 0; xx < wp; ++xx) _mm_storeu_ps(row + xx * 4, pad4);
      continue;
    }
    for (int64_t xx = 0; xx < pl; ++xx) _mm_storeu_ps(row + xx * 4, pad4);
    for (int64_t xx = pl + w; xx < wp; ++xx) _mm_storeu_ps(row + xx * 4, pad4);
    float* out = row + pl * 4;
    for (int64_t x0 = 0; x0 < w; x0 += 16) {
      const int64_t n = w - x0 < 16 ? w - x0 : 16;
      const __mmask16 m = tail_mask(n);
      __m512 c[4];
      for (int q = 0; q < 4; ++q)
        c[q] = q < nch ? _mm512_maskz_loadu_ps(m, x + q * hw + sy * w + x0) : _mm512_setzero_ps();
      const __m512 t0 = _mm512_unpacklo_ps(c[0], c[1]), t1 = _mm512_unpackhi_ps(c[0], c[1]);
      const __m512 t2 = _mm512_unpacklo_ps(c[2], c[3]), t3 = _mm512_unpackhi_ps(c[2], c[3]);
      __m512 u[4];
      u[0] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2)));
      u[1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2)));
      u[2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)));
      u[3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)));
      // Pixels 4L..4L+3 (128-bit lane L of u[0..3]) into one vector: a 4 x 4 transpose of lanes.
      const __m512 a0 = _mm512_shuffle_f32x4(u[0], u[1], 0x44), a1 = _mm512_shuffle_f32x4(u[0], u[1], 0xEE);
      const __m512 a2 = _mm512_shuffle_f32x4(u[2], u[3], 0x44), a3 = _mm512_shuffle_f32x4(u[2], u[3], 0xEE);
      const __m512 v[4] = {_mm512_shuffle_f32x4(a0, a2, 0x88), _mm512_shuffle_f32x4(a0, a2, 0xDD),
                           _mm512_shuffle_f32x4(a1, a3, 0x88), _mm512_shuffle_f32x4(a1, a3, 0xDD)};
      for (int q = 0; q < 4 && 4 * q < n; ++q) {
        if (4 * q + 4 <= n) _mm512_storeu_ps(out + (x0 + 4 * q) * 4, v[q]);
        else _mm512_mask_storeu_ps(out + (x0 + 4 * q) * 4, tail_mask(4 * (n - 4 * q)), v[q]);
      }
    }
  }
}

}  // namespace

int64_t direct_conv_scratch(const int64_t* g, bool packed) {
  const int64_t cin = (g[LF_GEOM_IN_C] + 15) / 16 * 16, cout = g[LF_GEOM_OUT_C];
  const int64_t hp = g[LF_GEOM_IN_H] + g[LF_GEOM_PAD_T] + g[LF_GEOM_PAD_B];
  const int64_t wp = g[LF_GEOM_IN_W] + g[LF_GEOM_PAD_L] + g[LF_GEOM_PAD_R];
  return cin * hp * wp + (packed ? 0 : cout * cin * g[LF_GEOM_KH] * g[LF_GEOM_KW]) + cout * g[LF_GEOM_OUT_H] * g[LF_GEOM_OUT_W];
}

bool direct_conv_applies(const int64_t* g) {
  const int64_t cin = g[LF_GEOM_IN_C];
  return g[LF_GEOM_GROUPS] == 1 && (cin % 16 == 0 || cin < 16) && g[LF_GEOM_OUT_C] % 16 == 0 && g[LF_GEOM_OUT_W] > 0 &&
         g[LF_GEOM_OUT_H] > 0;
}

void direct_conv(const int64_t* g, const float* x, const float* weight, const float* packed, const float* bias,
                 const float* pad_values, float* y, float* scratch, const lf_epilogue& after, int64_t oy0,
                 int64_t oy1) {
  const int64_t cin = g[LF_GEOM_IN_C], cout = g[LF_GEOM_OUT_C], h = g[LF_GEOM_IN_H], w = g[LF_GEOM_IN_W];
  Dims d;
  d.cb = (cin + 15) / 16;
  d.ci = cin < 16 ? static_cast<int>(cin) : 16;
  d.ob = cout / 16;
  d.wp = w + g[LF_GEOM_PAD_L] + g[LF_GEOM_PAD_R];
  d.kh = g[LF_GEOM_KH];
  d.kw = g[LF_GEOM_KW];
  d.sh = g[LF_GEOM_SH];
  d.sw = g[LF_GEOM_SW];
  d.dh = g[LF_GEOM_DH];
  d.dw = g[LF_GEOM_DW];
  d.ow = g[LF_GEOM_OUT_W];
  const int64_t pl = g[LF_GEOM_PAD_L], hw = h * w, ohw = g[LF_GEOM_OUT_H] * d.ow;
  // The scratch is laid out for all rows oy0..oy1-1 (a thread's strip): padded input, blocked
  // output, packed weights.
  const int64_t strip = (oy1 - oy0) * d.ow, in_rows = (oy1 - oy0 - 1) * d.sh + (d.kh - 1) * d.dh + 1;
  float* xp = scratch;
  float* out = xp + d.cb * 16 * in_rows * d.wp;
  const float* wp = packed;
  if (wp == nullptr) {
    float* pack = out + cout * strip;
    wp = pack;
    // Weights: [ob][cb][kh][kw][16 in][16 out] from [cout][cin][kh][kw] (zeros past cin).
    std::memset(pack, 0, sizeof(float) * cout * d.cb * 16 * d.kh * d.kw);
    for (int64_t oc = 0; oc < cout; ++oc)
    for (int64_t ic = 0; ic < cin; ++ic)
      for (int64_t i = 0; i < d.kh; ++i)
        for (int64_t j = 0; j < d.kw; ++j)
            pack[(((((oc / 16) * d.cb + ic / 16) * d.kh + i) * d.kw + j) * 16 + ic % 16) * 16 + oc % 16] =
                weight[((oc * cin + ic) * d.kh + i) * d.kw + j];
  }
  // The rows are done in pieces whose blocked output (written by the tiles, read back by store_out)
  // stays within L2: a first layer's whole 32 x 112 x 112 output was 1.6 MB, every tile store and
  // every load of the transpose back a miss.
  const int64_t piece = kL2Floats / (cout * d.ow) > 0 ? kL2Floats / (cout * d.ow) : 1;
  for (int64_t n = 0; n < g[LF_GEOM_N]; ++n) {
    const float* xn = x + n * cin * hw;
    for (int64_t r0 = oy0; r0 < oy1; r0 += piece) {
      const int64_t r1 = r0 + piece < oy1 ? r0 + piece : oy1;
      d.oh = r1 - r0;
      d.hp = (d.oh - 1) * d.sh + (d.kh - 1) * d.dh + 1;  // the input rows the piece reads
      const int64_t pt = g[LF_GEOM_PAD_T] - r0 * d.sh, rows = d.oh * d.ow;
      if (cin <= 4) {
        // A first layer (RGB): padded [hp][wp][4], a quarter of the 16-lane copy (230 x 230 x 16 floats
        // for a 7x7 stride-2 conv on 224 x 224 would not stay in L2).
        reorder_in4(xn, static_cast<int>(cin), h, w, pt, pl, d.hp, d.wp, pad_values, xp);
        if (d.sw == 1) conv_rows<1, 4>(d, xp, wp, bias, out);
        else if (d.sw == 2) conv_rows<2, 4>(d, xp, wp, bias, out);
        else conv_rows<0, 4>(d, xp, wp, bias, out);
      } else {
        // Input: padded [cb][hp][wp][16]; the border holds the pad value of each channel (0 by default).
        for (int64_t cb = 0; cb < d.cb; ++cb)
          reorder_in(xn + cb * 16 * hw, cin - cb * 16 < 16 ? static_cast<int>(cin - cb * 16) : 16, h, w, pt, pl, d.hp,
                     d.wp, pad_values != nullptr ? pad_values + cb * 16 : nullptr, xp + cb * d.hp * d.wp * 16);
        if (d.sw == 1) conv_rows<1>(d, xp, wp, bias, out);
        else if (d.sw == 2) conv_rows<2>(d, xp, wp, bias, out);
        else conv_rows<0>(d, xp, wp, bias, out);
      }
      // Back to NCHW one 16-channel block at a time; residual and activation on it while it is in cache.
      float* yn = y + n * cout * ohw + r0 * d.ow;
      for (int64_t ob = 0; ob < d.ob; ++ob) {
        lf_epilogue e = after;
        if (e.residual != nullptr) e.residual += (n * cout + ob * 16) * ohw + r0 * d.ow;
        store_out(out + ob * rows * 16, rows, yn + ob * 16 * ohw, ohw, e);
      }
    }
  }
}

}  // namespace avx512
}  // namespace lf
