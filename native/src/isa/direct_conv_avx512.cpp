// Direct 2-D convolution for AVX-512 in a 16-channel blocked layout (NCHW16c), for convs with
// groups = 1 and input/output channels in multiples of 16. The input is reordered once into a
// padded NCHW16c copy (pad values on the border, so the kernel has no edge cases), the weights
// into [out block][in block][kh][kw][16 in][16 out]; a register tile of up to 14 output pixels x
// 16 output channels accumulates with the kernel taps outside and the input channels inside (no
// spills, FMA-bound), bias added on the tile. The 16c output is reordered to NCHW and the shared
// epilogue adds the residual and applies the activation while it is in cache.
#include <immintrin.h>

#include <cstring>

#include "../internal.h"

namespace lf {
namespace avx512 {
namespace {

constexpr int64_t kMaxTile = 14;

struct Dims {
  int64_t cb, ob, hp, wp, kh, kw, sh, sw, dh, dw, oh, ow;
};

// SW: the horizontal stride as a constant (1 or 2), so every pixel's input offset is an
// immediate displacement; 0 reads it from d (other strides).
template <int T, int SW>
inline void tile(const Dims& d, const float* xp, const float* wp, const float* bias16, float* out, int64_t ob,
                 int64_t oy, int64_t ox0) {
  __m512 acc[T];
  const __m512 b = bias16 != nullptr ? _mm512_loadu_ps(bias16) : _mm512_setzero_ps();
  for (int t = 0; t < T; ++t) acc[t] = b;
  const int64_t xstep = SW > 0 ? SW * 16 : d.sw * 16;
  for (int64_t i = 0; i < d.kh; ++i) {
    const int64_t iy = oy * d.sh + i * d.dh;
    for (int64_t j = 0; j < d.kw; ++j) {
      const int64_t ix0 = ox0 * d.sw + j * d.dw;
      for (int64_t cb = 0; cb < d.cb; ++cb) {
        const float* xr = xp + ((cb * d.hp + iy) * d.wp + ix0) * 16;
        const float* wv = wp + ((((ob * d.cb + cb) * d.kh + i) * d.kw + j) * 16) * 16;
        for (int ci = 0; ci < 16; ++ci) {
          const __m512 w = _mm512_loadu_ps(wv + ci * 16);
          for (int t = 0; t < T; ++t) acc[t] = _mm512_fmadd_ps(_mm512_set1_ps(xr[t * xstep + ci]), w, acc[t]);
        }
      }
    }
  }
  float* o = out + ((ob * d.oh + oy) * d.ow + ox0) * 16;
  for (int t = 0; t < T; ++t) _mm512_storeu_ps(o + t * 16, acc[t]);
}

// Two output blocks (32 channels) x T pixels: each broadcast input feeds two FMAs, so a pass
// over 16 input channels loads 2 weight vectors + T inputs for 2T FMAs.
template <int T, int SW>
inline void tile2(const Dims& d, const float* xp, const float* wp, const float* bias32, float* out, int64_t ob,
                  int64_t oy, int64_t ox0) {
  __m512 a0[T], a1[T];
  const __m512 b0 = bias32 != nullptr ? _mm512_loadu_ps(bias32) : _mm512_setzero_ps();
  const __m512 b1 = bias32 != nullptr ? _mm512_loadu_ps(bias32 + 16) : _mm512_setzero_ps();
  for (int t = 0; t < T; ++t) {
    a0[t] = b0;
    a1[t] = b1;
  }
  const int64_t xstep = SW > 0 ? SW * 16 : d.sw * 16;
  const int64_t wblock = d.cb * d.kh * d.kw * 256;
  for (int64_t i = 0; i < d.kh; ++i) {
    const int64_t iy = oy * d.sh + i * d.dh;
    for (int64_t j = 0; j < d.kw; ++j) {
      const int64_t ix0 = ox0 * d.sw + j * d.dw;
      for (int64_t cb = 0; cb < d.cb; ++cb) {
        const float* xr = xp + ((cb * d.hp + iy) * d.wp + ix0) * 16;
        const float* wv = wp + ((((ob * d.cb + cb) * d.kh + i) * d.kw + j) * 16) * 16;
        for (int ci = 0; ci < 16; ++ci) {
          const __m512 w0 = _mm512_loadu_ps(wv + ci * 16), w1 = _mm512_loadu_ps(wv + wblock + ci * 16);
          for (int t = 0; t < T; ++t) {
            const __m512 xv = _mm512_set1_ps(xr[t * xstep + ci]);
            a0[t] = _mm512_fmadd_ps(xv, w0, a0[t]);
            a1[t] = _mm512_fmadd_ps(xv, w1, a1[t]);
          }
        }
      }
    }
  }
  float* o0 = out + ((ob * d.oh + oy) * d.ow + ox0) * 16;
  float* o1 = o0 + d.oh * d.ow * 16;
  for (int t = 0; t < T; ++t) {
    _mm512_storeu_ps(o0 + t * 16, a0[t]);
    _mm512_storeu_ps(o1 + t * 16, a1[t]);
  }
}

using TileFn = void (*)(const Dims&, const float*, const float*, const float*, float*, int64_t, int64_t, int64_t);

template <int SW>
struct Tiles {
  static constexpr TileFn kFns[kMaxTile + 1] = {nullptr, &tile<1, SW>, &tile<2, SW>, &tile<3, SW>, &tile<4, SW>,
                                                &tile<5, SW>, &tile<6, SW>, &tile<7, SW>, &tile<8, SW>, &tile<9, SW>,
                                                &tile<10, SW>, &tile<11, SW>, &tile<12, SW>, &tile<13, SW>,
                                                &tile<14, SW>};
};

template <int SW>
struct Tiles2 {
  static constexpr TileFn kFns[8] = {nullptr, &tile2<1, SW>, &tile2<2, SW>, &tile2<3, SW>, &tile2<4, SW>,
                                     &tile2<5, SW>, &tile2<6, SW>, &tile2<7, SW>};
};

template <int SW>
void rows(const Dims& d, const float* xp, const float* wp, const float* bias, float* out) {
  int64_t first = 0;
  // Pairs of output blocks with 7-pixel tiles (28 accumulators), then any odd block alone.
  for (; first + 2 <= d.ob; first += 2) {
    const float* b32 = bias != nullptr ? bias + first * 16 : nullptr;
    for (int64_t oy = 0; oy < d.oh; ++oy) {
      int64_t ox = 0;
      for (; ox + 7 <= d.ow; ox += 7) tile2<7, SW>(d, xp, wp, b32, out, first, oy, ox);
      if (ox < d.ow) Tiles2<SW>::kFns[d.ow - ox](d, xp, wp, b32, out, first, oy, ox);
    }
  }
  for (int64_t ob = first; ob < d.ob; ++ob) {
    const float* b16 = bias != nullptr ? bias + ob * 16 : nullptr;
    for (int64_t oy = 0; oy < d.oh; ++oy) {
      int64_t ox = 0;
      for (; ox + kMaxTile <= d.ow; ox += kMaxTile) tile<kMaxTile, SW>(d, xp, wp, b16, out, ob, oy, ox);
      if (ox < d.ow) Tiles<SW>::kFns[d.ow - ox](d, xp, wp, b16, out, ob, oy, ox);
    }
  }
}

}  // namespace

int64_t direct_conv_scratch(const int64_t* g, bool packed) {
  const int64_t cin = g[LF_GEOM_IN_C], cout = g[LF_GEOM_OUT_C];
  const int64_t hp = g[LF_GEOM_IN_H] + g[LF_GEOM_PAD_T] + g[LF_GEOM_PAD_B];
  const int64_t wp = g[LF_GEOM_IN_W] + g[LF_GEOM_PAD_L] + g[LF_GEOM_PAD_R];
  return cin * hp * wp + (packed ? 0 : cout * cin * g[LF_GEOM_KH] * g[LF_GEOM_KW]) + cout * g[LF_GEOM_OUT_H] * g[LF_GEOM_OUT_W];
}

bool direct_conv_applies(const int64_t* g) {
  return g[LF_GEOM_GROUPS] == 1 && g[LF_GEOM_IN_C] % 16 == 0 && g[LF_GEOM_OUT_C] % 16 == 0 && g[LF_GEOM_OUT_W] > 0 &&
         g[LF_GEOM_OUT_H] > 0;
}

void direct_conv(const int64_t* g, const float* x, const float* weight, const float* packed, const float* bias,
                 const float* pad_values, float* y, float* scratch, const lf_epilogue& after) {
  const int64_t cin = g[LF_GEOM_IN_C], cout = g[LF_GEOM_OUT_C], h = g[LF_GEOM_IN_H], w = g[LF_GEOM_IN_W];
  Dims d;
  d.cb = cin / 16;
  d.ob = cout / 16;
  d.hp = h + g[LF_GEOM_PAD_T] + g[LF_GEOM_PAD_B];
  d.wp = w + g[LF_GEOM_PAD_L] + g[LF_GEOM_PAD_R];
  d.kh = g[LF_GEOM_KH];
  d.kw = g[LF_GEOM_KW];
  d.sh = g[LF_GEOM_SH];
  d.sw = g[LF_GEOM_SW];
  d.dh = g[LF_GEOM_DH];
  d.dw = g[LF_GEOM_DW];
  d.oh = g[LF_GEOM_OUT_H];
  d.ow = g[LF_GEOM_OUT_W];
  const int64_t pt = g[LF_GEOM_PAD_T], pl = g[LF_GEOM_PAD_L], ohw = d.oh * d.ow, hw = h * w;
  float* xp = scratch;
  float* out = xp + cin * d.hp * d.wp;
  const float* wp = packed;
  if (wp == nullptr) {
    float* pack = out + cout * d.oh * d.ow;
    wp = pack;
    // Weights: [ob][cb][kh][kw][16 in][16 out] from [cout][cin][kh][kw].
    for (int64_t oc = 0; oc < cout; ++oc)
    for (int64_t ic = 0; ic < cin; ++ic)
      for (int64_t i = 0; i < d.kh; ++i)
        for (int64_t j = 0; j < d.kw; ++j)
            pack[(((((oc / 16) * d.cb + ic / 16) * d.kh + i) * d.kw + j) * 16 + ic % 16) * 16 + oc % 16] =
                weight[((oc * cin + ic) * d.kh + i) * d.kw + j];
  }
  for (int64_t n = 0; n < g[LF_GEOM_N]; ++n) {
    const float* xn = x + n * cin * hw;
    // Input: padded [cb][hp][wp][16]; the border holds the pad value of each channel (0 by default).
    for (int64_t c = 0; c < cin; ++c) {
      const float pv = pad_values != nullptr ? pad_values[c] : 0.0f;
      float* base = xp + (c / 16) * d.hp * d.wp * 16 + c % 16;
      for (int64_t yy = 0; yy < d.hp; ++yy) {
        const int64_t sy = yy - pt;
        float* row = base + yy * d.wp * 16;
        if (sy < 0 || sy >= h) {
          for (int64_t xx = 0; xx < d.wp; ++xx) row[xx * 16] = pv;
          continue;
        }
        const float* src = xn + c * hw + sy * w;
        for (int64_t xx = 0; xx < pl; ++xx) row[xx * 16] = pv;
        for (int64_t xx = 0; xx < w; ++xx) row[(xx + pl) * 16] = src[xx];
        for (int64_t xx = pl + w; xx < d.wp; ++xx) row[xx * 16] = pv;
      }
    }
    if (d.sw == 1) rows<1>(d, xp, wp, bias, out);
    else if (d.sw == 2) rows<2>(d, xp, wp, bias, out);
    else rows<0>(d, xp, wp, bias, out);
    // Back to NCHW, then residual and activation on the image while it is in cache.
    float* yn = y + n * cout * ohw;
    for (int64_t oc = 0; oc < cout; ++oc) {
      const float* src = out + (oc / 16) * ohw * 16 + oc % 16;
      float* dst = yn + oc * ohw;
      for (int64_t p = 0; p < ohw; ++p) dst[p] = src[p * 16];
    }
    lf_epilogue e = after;
    if (e.residual != nullptr) e.residual += n * cout * ohw;
    kKernels.epilogue(yn, cout, ohw, ohw, e);
  }
}

}  // namespace avx512
}  // namespace lf
