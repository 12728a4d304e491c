// The NCHW16c building blocks shared by the AVX-512 direct and Winograd convolutions: the
// register-tiled 16-channel-block microkernel, 16 x 16 in-register transposes, and the reorders
// between NCHW and padded NCHW16c. Included only by files compiled with the AVX-512 flags.
#ifndef LAYERFUSE_BLOCKED16_AVX512_H
#define LAYERFUSE_BLOCKED16_AVX512_H

// gcc 12 reports _mm512_undefined_ps() inside the shuffle intrinsics as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <array>
#include <cstdint>
#include <utility>

namespace lf {
namespace avx512 {
namespace blocked16 {

struct Dims {
  int64_t cb, ob, hp, wp, kh, kw, sh, sw, dh, dw, oh, ow;
  int ci;  // input channels per block: 16, or all of them when there are fewer (a first layer)
};

// The dims of a 1x1 conv over one row of `pixels` pixels, `step` 16-float vectors apart, with cb
// input and ob output blocks: how the Winograd products and the packed Linear use the tile.
inline Dims row_of_pixels(int64_t cb, int64_t ob, int64_t pixels, int64_t step) {
  Dims d;
  d.cb = cb;
  d.ob = ob;
  d.hp = 1;
  d.wp = pixels * step;
  d.kh = d.kw = d.sh = d.dh = d.dw = 1;
  d.sw = step;
  d.oh = 1;
  d.ow = pixels;
  d.ci = 16;
  return d;
}

// NB output blocks (16 channels each) x T output pixels of one row, NB * T accumulators. The
// kernel taps are outside and the input channels inside, not unrolled: with the 16-channel loop
// unrolled gcc hoisted the weight loads and spilled the accumulators. Each broadcast input feeds
// NB FMAs, each weight vector T. SW: the horizontal stride as a constant (1 or 2), so every
// pixel's input offset is an immediate displacement; 0 reads it from d (other strides).
//
// The tile sums input blocks cb0..cb1-1 only: it starts from the bias when cb0 is 0 and from the
// partial sums in out otherwise, so the weights of one block range stay in L1 across a whole
// output plane (streaming all of a late layer's weights per 7-pixel tile made it L2-bound).
// CS: floats per input pixel, 16 (a block) or 4 (a first layer of at most 4 channels, whose padded
// input is then a quarter of the size).
template <int NB, int T, int SW, int CS = 16>
void tile(const Dims& d, const float* xp, const float* wp, const float* bias, float* out, int64_t ob, int64_t oy,
          int64_t ox0, int64_t cb0, int64_t cb1) {
  __m512 acc[NB][T];
  float* o = out + ((ob * d.oh + oy) * d.ow + ox0) * 16;
  const int64_t oplane = d.oh * d.ow * 16;
  for (int b = 0; b < NB; ++b) {
    if (cb0 > 0) {
      for (int t = 0; t < T; ++t) acc[b][t] = _mm512_loadu_ps(o + b * oplane + t * 16);
      continue;
    }
    const __m512 bv = bias != nullptr ? _mm512_loadu_ps(bias + b * 16) : _mm512_setzero_ps();
    for (int t = 0; t < T; ++t) acc[b][t] = bv;
  }
  const int64_t xstep = SW > 0 ? SW * CS : d.sw * CS;
  const int64_t wblock = d.cb * d.kh * d.kw * 256, xplane = d.hp * d.wp * CS, wtaps = d.kh * d.kw * 256;
  for (int64_t i = 0; i < d.kh; ++i) {
    const int64_t iy = oy * d.sh + i * d.dh;
    for (int64_t j = 0; j < d.kw; ++j) {
      const float* xr = xp + cb0 * xplane + (iy * d.wp + ox0 * d.sw + j * d.dw) * CS;
      const float* wv = wp + (((ob * d.cb + cb0) * d.kh + i) * d.kw + j) * 256;
      for (int64_t cb = cb0; cb < cb1; ++cb, xr += xplane, wv += wtaps) {
        auto channel = [&](int ci) {
          __m512 w[NB];
          for (int b = 0; b < NB; ++b) w[b] = _mm512_loadu_ps(wv + b * wblock + ci * 16);
          for (int t = 0; t < T; ++t) {
            const __m512 xv = _mm512_set1_ps(xr[t * xstep + ci]);
            for (int b = 0; b < NB; ++b) acc[b][t] = _mm512_fmadd_ps(xv, w[b], acc[b][t]);
          }
        };
        if (CS == 4) {
          // A first layer: its 1-4 channels unrolled (a loop of three iterations per tap was a
          // fifth of the tile's time).
          channel(0);
          if (d.ci > 1) channel(1);
          if (d.ci > 2) channel(2);
          if (d.ci > 3) channel(3);
        } else {
#pragma GCC unroll 1
          for (int ci = 0; ci < d.ci; ++ci) channel(ci);
        }
      }
    }
  }
  for (int b = 0; b < NB; ++b)
    for (int t = 0; t < T; ++t) _mm512_storeu_ps(o + b * oplane + t * 16, acc[b][t]);
}

using TileFn = void (*)(const Dims&, const float*, const float*, const float*, float*, int64_t, int64_t, int64_t,
                        int64_t, int64_t);

// Tile functions for NB blocks by 1..W pixels (index = pixel count; 0 unused).
template <int NB, int SW, int CS, int... T>
constexpr std::array<TileFn, sizeof...(T) + 1> make_tiles(std::integer_sequence<int, T...>) {
  return {nullptr, &tile<NB, T + 1, SW, CS>...};
}

// The widest tile for NB blocks: 4 x 7 and 2 x 7 (28 and 14 accumulators) measured fastest on
// 64-512 channels at 7-56 pixel rows; one block alone gets 14 pixels.
template <int NB>
constexpr int kWidth = NB == 1 ? 14 : 7;

template <int NB, int SW, int CS>
void block_rows(const Dims& d, const float* xp, const float* wp, const float* bias, float* out, int64_t ob) {
  static constexpr auto kTiles = make_tiles<NB, SW, CS>(std::make_integer_sequence<int, kWidth<NB>>{});
  const float* b = bias != nullptr ? bias + ob * 16 : nullptr;
  // Input blocks per pass: the pass's weights (NB x step x kh x kw x 16 x 16 floats) within 32 KB.
  const int64_t per_block = NB * d.kh * d.kw * 256, fit = 8192 / per_block;
  const int64_t step = fit < 1 ? 1 : fit;
  const int64_t tiles = (d.ow + kWidth<NB> - 1) / kWidth<NB>, base = d.ow / tiles, wider = d.ow % tiles;
  for (int64_t cb0 = 0; cb0 < d.cb; cb0 += step) {
    const int64_t cb1 = cb0 + step < d.cb ? cb0 + step : d.cb;
    for (int64_t oy = 0; oy < d.oh; ++oy) {
      // Rows not a multiple of the widest tile are cut into tiles of even width (16 pixels: 6 + 5 + 5,
      // not 7 + 7 + 2, whose last tile would load each weight vector for two FMAs).
      int64_t ox = 0;
      for (int64_t i = 0; i < tiles; ++i) {
        const int64_t width = base + (i < wider ? 1 : 0);
        if (width == kWidth<NB>) tile<NB, kWidth<NB>, SW, CS>(d, xp, wp, b, out, ob, oy, ox, cb0, cb1);
        else kTiles[width](d, xp, wp, b, out, ob, oy, ox, cb0, cb1);
        ox += width;
      }
    }
  }
}

template <int SW, int CS = 16>
void conv_rows(const Dims& d, const float* xp, const float* wp, const float* bias, float* out) {
  int64_t ob = 0;
  for (; ob + 4 <= d.ob; ob += 4) block_rows<4, SW, CS>(d, xp, wp, bias, out, ob);
  for (; ob + 2 <= d.ob; ob += 2) block_rows<2, SW, CS>(d, xp, wp, bias, out, ob);
  for (; ob < d.ob; ++ob) block_rows<1, SW, CS>(d, xp, wp, bias, out, ob);
}

// In-register transpose of a 16 x 16 block: r[i] holds row i on entry and column i on return.
inline void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
    const __m512d c = _mm512_castps_pd(t[i + 2]), e = _mm512_castps_pd(t[i + 3]);
    r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, e));
    r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, e));
  }
  for (int q = 0; q < 4; q += 2) {
    for (int k = 0; k < 4; ++k) {
      t[4 * q + k] = _mm512_shuffle_f32x4(r[4 * q + k], r[4 * q + 4 + k], 0x88);
      t[4 * q + 4 + k] = _mm512_shuffle_f32x4(r[4 * q + k], r[4 * q + 4 + k], 0xdd);
    }
  }
  for (int k = 0; k < 4; ++k) {
    r[k] = _mm512_shuffle_f32x4(t[k], t[8 + k], 0x88);
    r[8 + k] = _mm512_shuffle_f32x4(t[k], t[8 + k], 0xdd);
    r[4 + k] = _mm512_shuffle_f32x4(t[4 + k], t[12 + k], 0x88);
    r[12 + k] = _mm512_shuffle_f32x4(t[4 + k], t[12 + k], 0xdd);
  }
}

// Lane indices of the even and odd elements of two concatenated vectors (functions, not
// namespace-scope constants: an initialiser would run AVX-512 code when the library loads, on any CPU).
inline __m512i even_lanes() { return _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0); }
inline __m512i odd_lanes() { return _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1); }

inline __mmask16 tail_mask(int64_t n) { return n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1); }

// One image's 16-channel block c0..c0+15 of x (NCHW, h x w) into the padded [hp][wp][16] plane at
// dst; the border holds each channel's pad value.
// Row yy of dst is source row yy - pt (a border row when outside 0..h-1).
inline void reorder_in(const float* x, int nch, int64_t h, int64_t w, int64_t pt, int64_t pl, int64_t hp, int64_t wp,
                const float* pad16, float* dst) {
  // nch < 16 (a layer with fewer input channels): the other lanes hold zeros and are never read.
  const __m512 pv = pad16 != nullptr ? _mm512_maskz_loadu_ps(tail_mask(nch), pad16) : _mm512_setzero_ps();
  const int64_t hw = h * w;
  for (int64_t yy = 0; yy < hp; ++yy) {
    float* row = dst + yy * wp * 16;
    const int64_t sy = yy - pt;
    if (sy < 0 || sy >= h) {
      for (int64_t xx = 0; xx < wp; ++xx) _mm512_storeu_ps(row + xx * 16, pv);
      continue;
    }
    for (int64_t xx = 0; xx < pl; ++xx) _mm512_storeu_ps(row + xx * 16, pv);
    for (int64_t xx = pl + w; xx < wp; ++xx) _mm512_storeu_ps(row + xx * 16, pv);
    const float* src = x + sy * w;
    float* out = row + pl * 16;
    for (int64_t x0 = 0; x0 < w; x0 += 16) {
      const int64_t n = w - x0 < 16 ? w - x0 : 16;
      const __mmask16 m = tail_mask(n);
      __m512 r[16];
      for (int c = 0; c < 16; ++c) r[c] = c < nch ? _mm512_maskz_loadu_ps(m, src + c * hw + x0) : _mm512_setzero_ps();
      transpose16(r);
      // A full block stores from registers (a variable count made gcc copy r through the stack).
      if (n == 16) {
        for (int p = 0; p < 16; ++p) _mm512_storeu_ps(out + (x0 + p) * 16, r[p]);
      } else {
        for (int p = 0; p < 16; ++p)
          if (p < n) _mm512_storeu_ps(out + (x0 + p) * 16, r[p]);
      }
    }
  }
}

// One [ohw][16] output block back to 16 NCHW channel rows of length ohw at y, ldy apart, each
// transposed row vector passed through finish(c, p0, mask, v) before it is stored.
// Only the first nch channels are written (a last block of fewer than 16 channels).
template <class Finish>
inline void reorder_out_with(const float* src, int64_t ohw, float* y, int64_t ldy, int nch, Finish finish) {
  for (int64_t p0 = 0; p0 < ohw; p0 += 16) {
    const int64_t n = ohw - p0 < 16 ? ohw - p0 : 16;
    const __mmask16 m = tail_mask(n);
    __m512 r[16];
    if (n == 16) {  // a whole block: no per-pixel compare (the common case)
      for (int p = 0; p < 16; ++p) r[p] = _mm512_loadu_ps(src + (p0 + p) * 16);
    } else {
      for (int p = 0; p < 16; ++p) r[p] = p < n ? _mm512_loadu_ps(src + (p0 + p) * 16) : _mm512_setzero_ps();
    }
    transpose16(r);
    if (nch == 16 && n == 16) {
      for (int c = 0; c < 16; ++c) _mm512_storeu_ps(y + c * ldy + p0, finish(c, p0, m, r[c]));
      continue;
    }
    for (int c = 0; c < 16; ++c)
      if (c < nch) _mm512_mask_storeu_ps(y + c * ldy + p0, m, finish(c, p0, m, r[c]));
  }
}

inline void reorder_out(const float* src, int64_t ohw, float* y, int64_t ldy, int nch = 16) {
  reorder_out_with(src, ohw, y, ldy, nch, [](int, int64_t, __mmask16, __m512 v) { return v; });
}

// A whole 16-channel output block back to NCHW (as reorder_out) followed by the epilogue the tile did
// not apply (the residual and the activation; the bias is the tile's): when that is a residual and/or
// a clamp (ReLU, ReLU6, Clip) they are applied on the transposed registers before the store, one
// pass over the block instead of a second read and write of it; other activations by the shared
// epilogue on the stored block. The clamp is max(lo, v) then min(hi, v), v second: NaN stays NaN.
inline void store_out(const float* src, int64_t ohw, float* y, int64_t ldy, const lf_epilogue& e) {
  if (e.bias_mode != LF_BIAS_NONE || (e.act != LF_ACT_NONE && e.act != LF_ACT_CLAMP)) {
    reorder_out(src, ohw, y, ldy);
    kKernels.epilogue(y, 16, ohw, ldy, e);
    return;
  }
  const bool clamp = e.act == LF_ACT_CLAMP;
  const __m512 lo = _mm512_set1_ps(e.lo), hi = _mm512_set1_ps(e.hi);
  reorder_out_with(src, ohw, y, ldy, 16, [&](int c, int64_t p0, __mmask16 m, __m512 v) {
    if (e.residual != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, e.residual + c * e.ldr + p0));
    return clamp ? _mm512_min_ps(hi, _mm512_max_ps(lo, v)) : v;
  });
}

}  // namespace blocked16
}  // namespace avx512
}  // namespace lf

#endif  // LAYERFUSE_BLOCKED16_AVX512_H
