// Direct 2-D convolution for AVX-512 in a 16-channel blocked layout (NCHW16c), for convs with
// groups = 1, output channels in multiples of 16 and input channels too or fewer than 16 (a first
// layer: one block whose lanes past the last channel are never read). The input is reordered (16 x 16
// in-register transposes) into a padded NCHW16c copy with the pad values on the border, so the
// kernel has no edge cases; the weights are [out block][in block][kh][kw][16 in][16 out]. Register
// tiles of up to 4 output blocks x 7 pixels accumulate with the kernel taps outside and the input
// channels inside (no spills, FMA-bound), bias added on the tile. Each 16c output block is
// transposed back to NCHW with the residual and a clamp applied before the store (store_out).
// First layers (at most 4 input channels, strides 1 and 2) take first_conv instead: NCHW in and
// out with the pixels along the lanes, no transposes (MobileNetV2's 3 -> 32 at 224 with its data in
// cache: 315-337 -> 282-288 us; in the network at one thread 0.356-0.357 -> 0.346-0.356 ms, at two
// 0.233-0.260 -> 0.212-0.241 ms and the depthwise layer after it 0.12-0.13 -> 0.10-0.11 ms;
// ResNet-18's 7x7 3 -> 64: unchanged, 2.46-2.54 ms).
#include <cmath>
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

// A first layer (at most 4 input channels) with the pixels along the lanes, on NCHW: 8 output
// channels x P vectors of 16 output pixels of one row per register tile, each input vector (one
// channel's padded row from a tap's column) feeding 8 FMAs, the weights broadcast from the packed
// [ob][kh][kw][16 in][16 out] layout. The tile is NCHW as it stands: the bias, residual and a clamp
// are applied on it and it is stored, where the blocked kernel's output (1.6 MB on MobileNetV2's
// first layer) went through a 16 x 16 transpose per block. The input rows of a piece of output
// rows are copied padded (stride 1) or as their even and odd columns (stride 2: every tap a plain
// load), one channel row after another.
constexpr int kFirstOc = 8;
// Floats of copied input rows per piece of output rows (64 KB; 512 KB pieces were faster with the
// input coming from DRAM in a harness, slower in MobileNetV2).
constexpr int64_t kFirstInput = 16384;

struct FirstDims {
  int64_t cin, h, w, kh, kw, sh, pt, pl, oh, ow, cout;
  int64_t half;  // stride 2: floats of each half row; stride 1: floats of the padded row
  int64_t rs;    // floats between the copied rows
};

// Output rows per piece (the copied input rows, cin x rows x rs floats, within 64 KB).
inline int64_t first_piece_rows(const FirstDims& f) {
  const int64_t per_row = f.cin * f.rs * f.sh;
  const int64_t rows = (kFirstInput / per_row - f.kh) + 1;
  return rows < 1 ? 1 : rows;
}

template <int SW, int P>
inline void first_tile(const FirstDims& f, const float* in, int64_t rows_in, const float* wp, const float* bias,
                       int64_t oc0, int64_t oyl, int64_t ox0, float* y, int64_t oy, const float* residual,
                       bool inline_act, const __m512& lo, const __m512& hi) {
  __m512 acc[kFirstOc][P];
  for (int o = 0; o < kFirstOc; ++o) {
    const __m512 b = bias != nullptr ? _mm512_set1_ps(bias[oc0 + o]) : _mm512_setzero_ps();
    for (int p = 0; p < P; ++p) acc[o][p] = b;
  }
  const float* wblock = wp + (oc0 / 16) * f.kh * f.kw * 256 + oc0 % 16;
  for (int64_t ci = 0; ci < f.cin; ++ci) {
    for (int64_t i = 0; i < f.kh; ++i) {
      const float* row = in + (ci * rows_in + oyl * f.sh + i) * f.rs;
      for (int64_t j = 0; j < f.kw; ++j) {
        // Padded column ox * SW + j: stride 2 reads the even half at ox + j / 2 or the odd one.
        const float* xr = SW == 1 ? row + ox0 + j : row + (j & 1) * f.half + ox0 + j / 2;
        __m512 xv[P];
        for (int p = 0; p < P; ++p) xv[p] = _mm512_loadu_ps(xr + 16 * p);
        const float* wv = wblock + (i * f.kw + j) * 256 + ci * 16;
        for (int o = 0; o < kFirstOc; ++o) {
          const __m512 w = _mm512_set1_ps(wv[o]);
          for (int p = 0; p < P; ++p) acc[o][p] = _mm512_fmadd_ps(xv[p], w, acc[o][p]);
        }
      }
    }
  }
  const int64_t ohw = f.oh * f.ow;
  for (int o = 0; o < kFirstOc; ++o) {
    float* yr = y + (oc0 + o) * ohw + oy * f.ow;
    const float* rr = residual != nullptr ? residual + (oc0 + o) * ohw + oy * f.ow : nullptr;
    for (int p = 0; p < P; ++p) {
      const int64_t ox = ox0 + 16 * p;
      const __mmask16 m = tail_mask(f.ow - ox);
      __m512 v = acc[o][p];
      if (inline_act) {
        if (rr != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, rr + ox));
        v = _mm512_min_ps(hi, _mm512_max_ps(lo, v));  // v second: NaN stays NaN
      }
      if (ox + 16 <= f.ow) _mm512_storeu_ps(yr + ox, v);
      else _mm512_mask_storeu_ps(yr + ox, m, v);
    }
  }
}

template <int SW>
void first_rows(const FirstDims& f, const float* in, int64_t rows_in, const float* wp, const float* bias, int64_t r0,
                int64_t r1, float* y, const float* residual, bool inline_act, const lf_epilogue& e) {
  const __m512 lo = _mm512_set1_ps(e.act == LF_ACT_CLAMP ? e.lo : -INFINITY);
  const __m512 hi = _mm512_set1_ps(e.act == LF_ACT_CLAMP ? e.hi : INFINITY);
  // Output channels outermost: 8 planes written at a time, each sequentially (all 32 of a first
  // layer's planes a few vectors at a time were too many store streams: from DRAM 1.4x slower).
  for (int64_t oc0 = 0; oc0 < f.cout; oc0 += kFirstOc)
    for (int64_t oy = r0; oy < r1; ++oy)
      for (int64_t ox0 = 0; ox0 < f.ow; ox0 += 48) {
        const int64_t left = (f.ow - ox0 + 15) / 16;
        if (left >= 3) first_tile<SW, 3>(f, in, rows_in, wp, bias, oc0, oy - r0, ox0, y, oy, residual, inline_act, lo, hi);
        else if (left == 2) first_tile<SW, 2>(f, in, rows_in, wp, bias, oc0, oy - r0, ox0, y, oy, residual, inline_act, lo, hi);
        else first_tile<SW, 1>(f, in, rows_in, wp, bias, oc0, oy - r0, ox0, y, oy, residual, inline_act, lo, hi);
      }
}

// Input rows lo .. lo + rows - 1 (padded coordinates: image row iy = lo + r - pt) of every channel
// into in: the pad beside and around the image, stride 2 as even then odd columns.
void first_copy(const FirstDims& f, const float* x, const float* pad_values, int64_t lo, int64_t rows, float* in,
                float* tmp) {
  const int64_t hw = f.h * f.w, padded = 2 * f.half;  // stride 2: the padded row before it is split
  for (int64_t ci = 0; ci < f.cin; ++ci) {
    const __m512 pad = _mm512_set1_ps(pad_values != nullptr ? pad_values[ci] : 0.0f);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t iy = lo + r - f.pt;
      float* dst = in + (ci * rows + r) * f.rs;
      float* row = f.sh == 1 ? dst : tmp;  // stride 2 builds the padded row first, then splits it
      const int64_t len = f.sh == 1 ? f.rs : padded;
      for (int64_t q = 0; q < len; q += 16) _mm512_storeu_ps(row + q, pad);
      if (iy >= 0 && iy < f.h) {
        const float* src = x + ci * hw + iy * f.w;
        for (int64_t q = 0; q < f.w; q += 16)
          _mm512_mask_storeu_ps(row + f.pl + q, tail_mask(f.w - q), _mm512_maskz_loadu_ps(tail_mask(f.w - q), src + q));
      }
      if (f.sh == 2) {
        for (int64_t t = 0; t < f.half; t += 16) {
          const __m512 v0 = _mm512_loadu_ps(tmp + 2 * t), v1 = _mm512_loadu_ps(tmp + 2 * t + 16);
          _mm512_storeu_ps(dst + t, _mm512_permutex2var_ps(v0, even_lanes(), v1));
          _mm512_storeu_ps(dst + f.half + t, _mm512_permutex2var_ps(v0, odd_lanes(), v1));
        }
      }
    }
  }
}

// The first-layer path for output rows oy0..oy1-1, or false when it does not apply (then the
// blocked kernel runs): strides 1 and 2 (the same both ways), no dilation, rows the stack holds.
bool first_conv(const int64_t* g, const float* x, const float* wp, const float* bias, const float* pad_values,
                float* y, float* scratch, int64_t scratch_floats, const lf_epilogue& after, int64_t oy0, int64_t oy1) {
  FirstDims f{g[LF_GEOM_IN_C], g[LF_GEOM_IN_H], g[LF_GEOM_IN_W], g[LF_GEOM_KH], g[LF_GEOM_KW], g[LF_GEOM_SH],
              g[LF_GEOM_PAD_T], g[LF_GEOM_PAD_L], g[LF_GEOM_OUT_H], g[LF_GEOM_OUT_W], g[LF_GEOM_OUT_C], 0, 0};
  if (f.cin > 4 || f.sh != g[LF_GEOM_SW] || f.sh > 2 || g[LF_GEOM_DH] != 1 || g[LF_GEOM_DW] != 1 || f.cout % kFirstOc != 0)
    return false;
  const int64_t wpad = f.w + f.pl + g[LF_GEOM_PAD_R], ow16 = (f.ow + 15) / 16 * 16;
  if (f.sh == 1) {
    f.half = f.rs = ((ow16 + f.kw > wpad ? ow16 + f.kw : wpad) + 15) / 16 * 16;
  } else {
    const int64_t need = ow16 + f.kw / 2 + 1, cols = (wpad + 1) / 2;
    f.half = ((need > cols ? need : cols) + 15) / 16 * 16;
    f.rs = 2 * f.half;
  }
  constexpr int64_t kTmp = 2048;  // the stack row a stride-2 copy builds before splitting it
  if (f.sh == 2 && 2 * f.half > kTmp) return false;
  const int64_t piece = first_piece_rows(f) < oy1 - oy0 ? first_piece_rows(f) : oy1 - oy0;
  const int64_t in_rows = (piece - 1) * f.sh + f.kh;
  if (f.cin * in_rows * f.rs > scratch_floats) return false;
  alignas(64) float tmp[kTmp];
  const bool inline_act = after.bias_mode == LF_BIAS_NONE && (after.act == LF_ACT_NONE || after.act == LF_ACT_CLAMP);
  const int64_t ohw = f.oh * f.ow;
  for (int64_t n = 0; n < g[LF_GEOM_N]; ++n) {
    const float* xn = x + n * f.cin * f.h * f.w;
    float* yn = y + n * f.cout * ohw;
    const float* rn = after.residual != nullptr ? after.residual + n * f.cout * ohw : nullptr;
    for (int64_t r0 = oy0; r0 < oy1; r0 += piece) {
      const int64_t r1 = r0 + piece < oy1 ? r0 + piece : oy1, rows = (r1 - r0 - 1) * f.sh + f.kh;
      first_copy(f, xn, pad_values, r0 * f.sh, rows, scratch, tmp);
      if (f.sh == 1) first_rows<1>(f, scratch, rows, wp, bias, r0, r1, yn, rn, inline_act, after);
      else first_rows<2>(f, scratch, rows, wp, bias, r0, r1, yn, rn, inline_act, after);
      if (!inline_act) {
        lf_epilogue e = after;
        if (e.residual != nullptr) e.residual = rn + r0 * f.ow;
        kKernels.epilogue(yn + r0 * f.ow, f.cout, (r1 - r0) * f.ow, ohw, e);
      }
    }
  }
  return true;
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
  // A first layer on NCHW (first_conv) where it applies, in the padded-input part of the scratch.
  if (cin <= 4 && first_conv(g, x, wp, bias, pad_values, y, scratch, d.cb * 16 * in_rows * d.wp, after, oy0, oy1))
    return;
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
