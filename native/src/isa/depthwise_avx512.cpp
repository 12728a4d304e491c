// Depthwise 2-D convolution for AVX-512, directly on NCHW: 16 output pixels of a row per vector,
// every tap a (masked) load of the input row, so the image edges need neither a padded copy nor
// scalar edge loops: masked-off lanes take the channel's pad value and never touch memory. Stride 1
// loads 16 neighbours, stride 2 loads 32 and keeps the even ones (one permute), other strides
// gather. The 3x3 instances keep the nine weights in registers and run the interior of a row four
// chunks at a time; single chunks and edges split their sum into partial chains (one FMA chain of
// nine taps is bound by the FMA latency). A clamp is applied on the register tile; residual and
// other activations by the shared epilogue on each finished row while it is in L1. MobileNet's
// 3x3 layers (left pad 1, strides 1 and 2) go down the plane in columns of up to four vectors
// instead, each input row read once for all the output rows it feeds (plane_sweeps); stride-2
// rows of at most 14 inputs run on a whole padded plane, several output rows in flight
// (grouped_planes); other small-map kernels 16 channels at a time (channels_blocked).
// gcc 12 reports _mm512_undefined_ps() inside the permute intrinsics as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <type_traits>

#include "../internal.h"
#include "blocked16_avx512.h"

namespace lf {
namespace avx512 {
namespace {

struct DwDims {
  int64_t h, w, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow;
  int64_t ycs;  // floats between output channel planes (and residual ones): oh * ow, or more for a strip of rows
};

// Floats of one padded input row at most (wider rows take the masked-edge path), and of the padded
// rows of a block of output rows (on the stack: 32 KB, within L1).
constexpr int64_t kPaddedRow = 1088, kPaddedBlock = 8192;

using blocked16::even_lanes;
using blocked16::odd_lanes;

inline __mmask16 lanes(int64_t lo, int64_t hi) {  // lanes lo..hi-1 (clamped to 0..16)
  lo = lo < 0 ? 0 : lo;
  hi = hi > 16 ? 16 : hi;
  if (hi <= lo) return 0;
  return static_cast<__mmask16>(((1u << hi) - 1) & ~((1u << lo) - 1));
}

// Which lanes of the 16 inputs x[ix0 + sw * t] (t = 0..15) of a row lie inside it, and for
// stride 2 the two 16-float halves of x[ix0 .. ix0 + 31]; the same for every row of a tap column.
template <int SW>
struct TapMask {
  __mmask16 m0 = 0, m1 = 0;
  __m512i ix;
  TapMask(int64_t w, int64_t ix0, int64_t sw) {
    if (SW == 1) {
      m0 = lanes(-ix0, w - ix0);
    } else if (SW == 2) {
      m0 = lanes(-ix0, w - ix0);
      m1 = lanes(-ix0 - 16, w - ix0 - 16);
    } else {
      const __m512i t = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
      ix = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(ix0)),
                            _mm512_mullo_epi32(t, _mm512_set1_epi32(static_cast<int>(sw))));
      m0 = _mm512_cmpge_epi32_mask(ix, _mm512_setzero_si512()) &
           _mm512_cmplt_epi32_mask(ix, _mm512_set1_epi32(static_cast<int>(w)));
    }
  }
  // The 16 inputs from row (masked-off lanes hold pad and never touch memory).
  __m512 load(const float* row, int64_t ix0, __m512 pad) const {
    if (SW == 1) return _mm512_mask_loadu_ps(pad, m0, row + ix0);
    if (SW == 2)
      return _mm512_permutex2var_ps(_mm512_mask_loadu_ps(pad, m0, row + ix0), even_lanes(),
                                    _mm512_mask_loadu_ps(pad, m1, row + ix0 + 16));
    return _mm512_mask_i32gather_ps(pad, m0, ix, row, 4);
  }
};

// Activation applied on the register tile when there is no residual and it is a clamp (ReLU,
// ReLU6, Clip) or nothing; anything else goes through the shared epilogue per row.
struct TileAct {
  bool inline_act;
  __m512 lo, hi;
  explicit TileAct(const lf_epilogue& e, bool residual)
      : inline_act(!residual && (e.act == LF_ACT_NONE || e.act == LF_ACT_CLAMP)),
        lo(_mm512_set1_ps(e.act == LF_ACT_CLAMP ? e.lo : -INFINITY)),
        hi(_mm512_set1_ps(e.act == LF_ACT_CLAMP ? e.hi : INFINITY)) {}
  __m512 operator()(__m512 v) const { return inline_act ? _mm512_min_ps(hi, _mm512_max_ps(lo, v)) : v; }  // v second: NaN stays NaN
};

// One 16-pixel chunk of an output row whose taps may leave the row: masked loads, each tap
// column's mask computed once for its rows.
template <int SW>
inline __m512 edge_chunk(const DwDims& d, const float* x, const float* wk, __m512 acc, __m512 pad, int64_t oy,
                         int64_t ox) {
  __m512 part[2] = {acc, _mm512_setzero_ps()};  // two chains: alternate taps
  for (int64_t j = 0; j < d.kw; ++j) {
    const int64_t ix0 = ox * d.sw - d.pl + j * d.dw;
    const TapMask<SW> mask(d.w, ix0, d.sw);
    for (int64_t i = 0; i < d.kh; ++i) {
      const int64_t iy = oy * d.sh - d.pt + i * d.dh;
      const __m512 v = iy >= 0 && iy < d.h ? mask.load(x + iy * d.w, ix0, pad) : pad;
      part[i & 1] = _mm512_fmadd_ps(_mm512_set1_ps(wk[i * d.kw + j]), v, part[i & 1]);
    }
  }
  return _mm512_add_ps(part[0], part[1]);
}

// The sums of U consecutive 16-pixel chunks of one 3x3 output row in R partial sums each (by
// default a single chunk keeps one per kernel row: three FMA chains instead of one); add() feeds
// kernel row i's taps.
template <int U, int R = (U == 1 ? 3 : 1)>
struct Chunks3x3 {
  __m512 acc[U][R];
  explicit Chunks3x3(__m512 b) {
    for (int u = 0; u < U; ++u)
      for (int r = 0; r < R; ++r) acc[u][r] = r == 0 ? b : _mm512_setzero_ps();
  }
  void add(int i, int u, __m512 w, __m512 v) { acc[u][i % R] = _mm512_fmadd_ps(w, v, acc[u][i % R]); }
  // Kernel row i on an input row above or below the image: weight x pad.
  void pad_row(int i, const __m512 wr[9], __m512 pad) {
    for (int j = 0; j < 3; ++j)
      for (int u = 0; u < U; ++u) add(i, u, wr[i * 3 + j], pad);
  }
  __m512 sum(int u) const {
    __m512 v = acc[u][0];
    for (int r = 1; r < R; ++r) v = _mm512_add_ps(v, acc[u][r]);
    return v;
  }
  void store(float* yr, int64_t ox, int64_t ow, const TileAct& act) const {
    for (int u = 0; u < U; ++u) {
      __m512 sum = acc[u][0];
      for (int r = 1; r < R; ++r) sum = _mm512_add_ps(sum, acc[u][r]);
      _mm512_mask_storeu_ps(yr + ox + 16 * u, lanes(0, ow - ox - 16 * u), act(sum));
    }
  }
};

// U consecutive interior chunks of a 3x3 row from ox (all taps inside the row; rows[i] null for
// an input row above or below the image).
template <int SW, int U>
inline void interior(const float* const rows[3], const __m512 wr[9], __m512 pad, __m512 b, const TileAct& act,
                     int64_t dw, int64_t ox, float* yr, int64_t ow) {
  Chunks3x3<U> c(b);
  for (int i = 0; i < 3; ++i) {
    if (rows[i] == nullptr) {
      c.pad_row(i, wr, pad);
      continue;
    }
    for (int j = 0; j < 3; ++j) {
      for (int u = 0; u < U; ++u) {
        const float* p = rows[i] + (ox + 16 * u) * SW + j * dw;
        const __m512 v = SW == 1 ? _mm512_loadu_ps(p)
                                 : _mm512_permutex2var_ps(_mm512_loadu_ps(p), even_lanes(), _mm512_loadu_ps(p + 16));
        c.add(i, u, wr[i * 3 + j], v);
      }
    }
  }
  c.store(yr, ox, ow, act);
}

// U consecutive chunks of a stride-2 3x3 row from ox, on padded rows split into their even and odd
// elements (ev[i][t] = padded row i at 2t, od[i][t] at 2t + 1): the three taps of a kernel row are
// ev[ox], od[ox] and ev[ox + 1], plain loads with no permute.
template <int U>
inline void interior_split(const float* const ev[3], const float* const od[3], const __m512 wr[9], __m512 pad, __m512 b,
                           const TileAct& act, int64_t ox, float* yr, int64_t ow) {
  Chunks3x3<U> c(b);
  for (int i = 0; i < 3; ++i) {
    if (ev[i] == nullptr) {
      c.pad_row(i, wr, pad);
      continue;
    }
    for (int u = 0; u < U; ++u) {
      const int64_t t = ox + 16 * u;
      c.add(i, u, wr[i * 3], _mm512_loadu_ps(ev[i] + t));
      c.add(i, u, wr[i * 3 + 1], _mm512_loadu_ps(od[i] + t));
      c.add(i, u, wr[i * 3 + 2], _mm512_loadu_ps(ev[i] + t + 1));
    }
  }
  c.store(yr, ox, ow, act);
}

// U consecutive stride-1 chunks of a 3x3 row from ox, on buffered rows whose inputs start on a
// vector boundary (rows[i] + ox is aligned; PL = the left pad, the padded row starts PL floats
// before): each input vector is loaded once, aligned, and the three taps are it and its neighbours
// shifted by valignd (three loads per tap row, two of them across cache lines, were the bound).
template <int PL, int U, int R = (U == 1 ? 3 : 1)>
inline Chunks3x3<U, R> aligned_sums(const float* const rows[3], const __m512 wr[9], __m512 pad, __m512 b, int64_t ox) {
  Chunks3x3<U, R> c(b);
  for (int i = 0; i < 3; ++i) {
    if (rows[i] == nullptr) {
      c.pad_row(i, wr, pad);
      continue;
    }
    const float* r = rows[i] + ox;
    __m512i v[U + 2];  // v[u + 1] = r[16u .. 16u + 15]; v[0] the vector before (read when PL > 0)
    v[0] = PL > 0 ? _mm512_castps_si512(_mm512_load_ps(r - 16)) : _mm512_setzero_si512();
    for (int u = 0; u <= U; ++u) v[u + 1] = _mm512_castps_si512(_mm512_load_ps(r + 16 * u));
    for (int u = 0; u < U; ++u) {
      __m512 t[3];
      // Tap j reads r[16u + j - PL ..]: v[u + 1] shifted by j - PL (from v[u] when negative).
      if (PL == 0) {
        t[0] = _mm512_castsi512_ps(v[u + 1]);
        t[1] = _mm512_castsi512_ps(_mm512_alignr_epi32(v[u + 2], v[u + 1], 1));
        t[2] = _mm512_castsi512_ps(_mm512_alignr_epi32(v[u + 2], v[u + 1], 2));
      } else if (PL == 1) {
        t[0] = _mm512_castsi512_ps(_mm512_alignr_epi32(v[u + 1], v[u], 15));
        t[1] = _mm512_castsi512_ps(v[u + 1]);
        t[2] = _mm512_castsi512_ps(_mm512_alignr_epi32(v[u + 2], v[u + 1], 1));
      } else {
        t[0] = _mm512_castsi512_ps(_mm512_alignr_epi32(v[u + 1], v[u], 14));
        t[1] = _mm512_castsi512_ps(_mm512_alignr_epi32(v[u + 1], v[u], 15));
        t[2] = _mm512_castsi512_ps(v[u + 1]);
      }
      for (int j = 0; j < 3; ++j) c.add(i, u, wr[i * 3 + j], t[j]);
    }
  }
  return c;
}

template <int PL, int U>
inline void interior_aligned(const float* const rows[3], const __m512 wr[9], __m512 pad, __m512 b, const TileAct& act,
                             int64_t ox, float* yr, int64_t ow) {
  aligned_sums<PL, U>(rows, wr, pad, b, ox).store(yr, ox, ow, act);
}

// The chunks of an output row of ow pixels on buffered rows: four at a time, then one at a time;
// chunks(U, ox) does U chunks from ox (U a std::integral_constant).
template <class Chunks>
__attribute__((always_inline)) inline void row_chunks(int64_t ow, Chunks chunks) {
  int64_t ox = 0;
  for (; ox + 48 < ow; ox += 64) chunks(std::integral_constant<int, 4>{}, ox);
  for (; ox < ow; ox += 16) chunks(std::integral_constant<int, 1>{}, ox);
}

// A 3x3 plane through buffered input rows, in blocks of output rows whose input rows (stride
// floats each) fill the row buffer: fill(iy, row) copies input row iy into its buffered row, then
// out(oy, row_at, yr) computes output row oy into yr, row_at(iy) giving input row iy's buffered
// row or null outside the image; the shared epilogue adds the residual and applies other
// activations on each row.
// (Inlined with its lambdas: called through them, the tile loops ran 12% slower.)
template <class Fill, class Out>
__attribute__((always_inline)) inline void buffered_rows(const DwDims& d, int64_t stride, const TileAct& tile_act,
                                                         float* y, const float* residual, const lf_epilogue& act,
                                                         Fill fill, Out out) {
  alignas(64) float buf[kPaddedBlock];
  const int64_t block = (kPaddedBlock / stride - 3) / d.sh + 1;  // output rows per block (the rows they read fit)
  lf_epilogue e = act;
  for (int64_t oy0 = 0; oy0 < d.oh; oy0 += block) {
    const int64_t n = d.oh - oy0 < block ? d.oh - oy0 : block, lo = oy0 * d.sh - d.pt;
    const int64_t hi = (oy0 + n - 1) * d.sh - d.pt + 3;
    for (int64_t iy = lo > 0 ? lo : 0; iy < hi && iy < d.h; ++iy) fill(iy, buf + (iy - lo) * stride);
    auto row_at = [&](int64_t iy) -> float* { return iy >= 0 && iy < d.h ? buf + (iy - lo) * stride : nullptr; };
    for (int64_t oy = oy0; oy < oy0 + n; ++oy) {
      float* yr = y + oy * d.ow;
      out(oy, row_at, yr);
      if (!tile_act.inline_act) {
        e.residual = residual != nullptr ? residual + oy * d.ow : nullptr;
        kKernels.epilogue(yr, 1, d.ow, d.ow, e);
      }
    }
  }
}

// A stride-2 undilated 3x3 plane through padded rows held as their even and odd halves (see
// interior_split): splitting each input row once while copying it costs two permutes per 32
// inputs, where reading interleaved rows took one per tap and twice the loads.
inline void plane_split(const DwDims& d, const float* x, const __m512 wr[9], __m512 pad, __m512 b, const TileAct& tile_act,
                        float* y, const float* residual, const lf_epilogue& act) {
  // Padded input index q of a row (x[q - pl], or pad) is element q / 2 of its even (q even) or odd
  // half. Each half starts a few floats into its vectors (lead_e, lead_o) so that the inputs land
  // on vector boundaries (at_e, at_o): the copy's stores are aligned.
  const int64_t k = d.pl / 2, odd = d.pl & 1, chunks = (d.w + 31) / 32;
  const int64_t at_e = (k + odd + 15) / 16 * 16, lead_e = at_e - k - odd, at_o = (k + 15) / 16 * 16, lead_o = at_o - k;
  const int64_t at = at_e > at_o ? at_e : at_o, lead = lead_e > lead_o ? lead_e : lead_o;
  const int64_t used = lead + (d.ow + 15) / 16 * 16 + 1, filled = at + 16 * chunks;  // floats of a half
  const int64_t half = ((used > filled ? used : filled) + 15) / 16 * 16, stride = 2 * half;
  // src's even elements are at padded indices of pl's parity, its odd ones at the other.
  const int64_t to_even = odd ? half + at_o : at_e, to_odd = odd ? at_e : half + at_o;
  auto fill = [&](int64_t iy, float* row) __attribute__((always_inline)) {
    const float* src = x + iy * d.w;
    // Pad where no input lands (before the inputs and after their last vector), then the
    // inputs' even and odd elements as whole vectors, their lanes past the row end taking the
    // pad from merging loads.
    for (int64_t q = 0; q < at_e; q += 16) _mm512_store_ps(row + q, pad);
    for (int64_t q = at_e + 16 * chunks; q < half; q += 16) _mm512_store_ps(row + q, pad);
    for (int64_t q = 0; q < at_o; q += 16) _mm512_store_ps(row + half + q, pad);
    for (int64_t q = at_o + 16 * chunks; q < half; q += 16) _mm512_store_ps(row + half + q, pad);
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t s0 = 32 * c;
      __m512 v0, v1;
      if (s0 + 32 <= d.w) {
        v0 = _mm512_loadu_ps(src + s0);
        v1 = _mm512_loadu_ps(src + s0 + 16);
      } else {
        v0 = _mm512_mask_loadu_ps(pad, lanes(0, d.w - s0), src + s0);
        v1 = _mm512_mask_loadu_ps(pad, lanes(0, d.w - s0 - 16), src + s0 + 16);
      }
      _mm512_store_ps(row + to_even + 16 * c, _mm512_permutex2var_ps(v0, even_lanes(), v1));
      _mm512_store_ps(row + to_odd + 16 * c, _mm512_permutex2var_ps(v0, odd_lanes(), v1));
    }
  };
  auto out = [&](int64_t oy, auto row_at, float* yr) __attribute__((always_inline)) {
    const float* ev[3] = {nullptr, nullptr, nullptr};
    const float* od[3] = {nullptr, nullptr, nullptr};
    for (int i = 0; i < 3; ++i) {
      if (const float* row = row_at(oy * d.sh - d.pt + i)) {
        ev[i] = row + lead_e;
        od[i] = row + half + lead_o;
      }
    }
    row_chunks(d.ow, [&](auto u, int64_t ox) __attribute__((always_inline)) {
      interior_split<decltype(u)::value>(ev, od, wr, pad, b, tile_act, ox, yr, d.ow);
    });
  };
  buffered_rows(d, stride, tile_act, y, residual, act, fill, out);
}

// Column sweeps for undilated 3x3 planes with a left pad of 1 and equal strides of 1 or 2 (stride
// 2 on rows of more than 14 inputs; narrower ones take the row-group path): U output vectors side
// by side (up to 64 pixels of a row) go down the whole plane, and each input row is read once for
// every output row it feeds. Its taps (stride
// 1: the vector and its neighbours shifted by valignd; stride 2: the even and odd halves of 32
// inputs and the odd one shifted for the left tap) are made once and go into the accumulator of
// each output row that needs them (stride 1: three rows, stride 2: two). The row paths, which read
// each input row once per output row, spent two to three times the loads and shuffles (hot, per
// output vector: 144 x 56x56 stride 1 24 -> 8 ticks, 96 x 112x112 stride 2 50 -> 18). Rows above
// and below the image are rows of the pad value through the same FMAs and every output is one chain
// (bias, then kernel rows 0, 1, 2, taps left to right) however many rows the plane has, so the 1x1 +
// depthwise kernel's strips (pad rows filled in, no vertical padding) equal the whole plane bit for
// bit. Inputs past the row are masked loads taking the pad; a row's last partial vector is a masked
// store, the others plain ones.
template <int SW, int U>
struct SweepCols {
  __mmask16 load[U + 1], load_hi[U], store[U];  // stride 1: vectors ox0 .. ox0 + 16 U; stride 2: halves
  bool full[U];
  SweepCols(const DwDims& d, int64_t ox0) {
    for (int u = 0; u <= U; ++u) load[u] = lanes(0, d.w - SW * (ox0 + 16 * u));
    for (int u = 0; u < U; ++u) {
      load_hi[u] = lanes(0, d.w - SW * (ox0 + 16 * u) - 16);
      store[u] = lanes(0, d.ow - ox0 - 16 * u);
      full[u] = ox0 + 16 * (u + 1) <= d.ow;
    }
  }
  void put(float* yr, int u, __m512 v) const {
    if (full[u]) _mm512_storeu_ps(yr + 16 * u, v);
    else _mm512_mask_storeu_ps(yr + 16 * u, store[u], v);
  }
};

// Calls f(u, left, centre, right) with the taps of each of the U output vectors from ox0 on input
// row r (null: a pad row), each made just before its use (all of them at once would not fit the
// registers beside the accumulators).
template <int SW, int U, class F>
__attribute__((always_inline)) inline void sweep_row(const DwDims& d, const float* r, int64_t ox0,
                                                     const SweepCols<SW, U>& cols, __m512 pad, F f) {
  if (r == nullptr) {
    for (int u = 0; u < U; ++u) f(u, pad, pad, pad);
    return;
  }
  if constexpr (SW == 1) {
    __m512 prev = ox0 == 0 ? pad : _mm512_mask_loadu_ps(pad, lanes(0, d.w - ox0 + 16), r + ox0 - 16);
    __m512 cur = _mm512_mask_loadu_ps(pad, cols.load[0], r + ox0);
    for (int u = 0; u < U; ++u) {
      const __m512 next = _mm512_mask_loadu_ps(pad, cols.load[u + 1], r + ox0 + 16 * (u + 1));
      const __m512i c = _mm512_castps_si512(cur);
      f(u, _mm512_castsi512_ps(_mm512_alignr_epi32(c, _mm512_castps_si512(prev), 15)), cur,
        _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(next), c, 1)));
      prev = cur;
      cur = next;
    }
  } else {
    // Output ox reads inputs 2 ox - 1, 2 ox and 2 ox + 1: the odd inputs one lane over, the even, the odd.
    __m512 prev = ox0 == 0 ? pad : _mm512_mask_loadu_ps(pad, lanes(15, d.w - 2 * ox0 + 16), r + 2 * ox0 - 16);
    for (int u = 0; u < U; ++u) {
      const float* p = r + 2 * (ox0 + 16 * u);
      const __m512 a = _mm512_mask_loadu_ps(pad, cols.load[u], p);
      const __m512 b = _mm512_mask_loadu_ps(pad, cols.load_hi[u], p + 16);
      const __m512 odd = _mm512_permutex2var_ps(a, odd_lanes(), b);
      f(u, _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(odd), _mm512_castps_si512(prev), 15)),
        _mm512_permutex2var_ps(a, even_lanes(), b), odd);
      prev = odd;  // lane 15: the input left of the next vector's first output
    }
  }
}

// acc += kernel row i's taps (one chain: left, centre, right).
__attribute__((always_inline)) inline __m512 sweep_add(__m512 acc, const __m512 wr[9], int i, __m512 l, __m512 c,
                                                       __m512 r) {
  acc = _mm512_fmadd_ps(wr[i * 3], l, acc);
  acc = _mm512_fmadd_ps(wr[i * 3 + 1], c, acc);
  return _mm512_fmadd_ps(wr[i * 3 + 2], r, acc);
}

// One column of U output vectors from ox0 down the plane.
template <int SW, int U>
__attribute__((always_inline)) inline void sweep_column(const DwDims& d, const float* x, const __m512 wr[9], __m512 pad,
                                                        __m512 b, const TileAct& act, int64_t ox0, float* y) {
  const SweepCols<SW, U> cols(d, ox0);
  auto row = [&](int64_t iy) -> const float* { return iy >= 0 && iy < d.h ? x + iy * d.w : nullptr; };
  auto put = [&](int64_t oy, const __m512* acc) __attribute__((always_inline)) {
    float* yr = y + oy * d.ow + ox0;
    for (int u = 0; u < U; ++u) cols.put(yr, u, act(acc[u]));
  };
  if constexpr (SW == 1) {
    // Step s reads input row s - pt: kernel row 0 of output row s (c), 1 of s - 1 (m), 2 of s - 2 (a).
    __m512 a[U], m[U], c[U];
    for (int u = 0; u < U; ++u) a[u] = m[u] = c[u] = b;
    auto step = [&](int64_t s, bool to_a, bool to_m, bool to_c) __attribute__((always_inline)) {
      sweep_row<SW, U>(d, row(s - d.pt), ox0, cols, pad,
                       [&](int u, __m512 l, __m512 ce, __m512 r) __attribute__((always_inline)) {
        if (to_c) c[u] = sweep_add(c[u], wr, 0, l, ce, r);
        if (to_m) m[u] = sweep_add(m[u], wr, 1, l, ce, r);
        if (to_a) a[u] = sweep_add(a[u], wr, 2, l, ce, r);
      });
      if (to_a) put(s - 2, a);
      for (int u = 0; u < U; ++u) {
        a[u] = m[u];
        m[u] = c[u];
        c[u] = b;
      }
    };
    int64_t s = 0;
    for (; s < 2 && s < d.oh + 2; ++s) step(s, s >= 2, s >= 1 && s <= d.oh, s < d.oh);
    for (; s < d.oh; ++s) step(s, true, true, true);
    for (; s < d.oh + 2; ++s) step(s, s >= 2, s >= 1 && s <= d.oh, s < d.oh);
  } else {
    // Output row oy reads input rows 2 oy - pt (kernel row 0; row 2 of output oy - 1), 2 oy - pt + 1 (row 1).
    __m512 a[U], c[U];
    for (int u = 0; u < U; ++u) a[u] = c[u] = b;
    for (int64_t oy = 0; oy <= d.oh; ++oy) {
      const bool last = oy == d.oh;
      sweep_row<SW, U>(d, row(2 * oy - d.pt), ox0, cols, pad,
                       [&](int u, __m512 l, __m512 ce, __m512 r) __attribute__((always_inline)) {
        if (oy > 0) a[u] = sweep_add(a[u], wr, 2, l, ce, r);
        if (!last) c[u] = sweep_add(c[u], wr, 0, l, ce, r);
      });
      if (oy > 0) put(oy - 1, a);
      if (last) break;
      sweep_row<SW, U>(d, row(2 * oy - d.pt + 1), ox0, cols, pad,
                       [&](int u, __m512 l, __m512 ce, __m512 r) __attribute__((always_inline)) {
        a[u] = sweep_add(c[u], wr, 1, l, ce, r);
        c[u] = b;
      });
    }
  }
}

// Whether a plane takes the column sweeps: undilated 3x3, equal strides 1 or 2, left pad 1, and for
// stride 2 rows of more than 14 inputs (narrower ones pair two planes in the row-group path, which
// is faster there). Nothing here depends on the plane's height or vertical padding: a strip of rows
// takes the path its whole plane takes.
inline bool sweeps(const DwDims& d) {
  return d.kh == 3 && d.kw == 3 && d.dh == 1 && d.dw == 1 && d.pl == 1 && d.sh == d.sw &&
         (d.sw == 1 || (d.sw == 2 && d.w > 14));
}

template <int SW>
void plane_sweeps(const DwDims& d, const float* x, const __m512 wr[9], __m512 pad, __m512 b, const TileAct& tile_act,
                  float* y, const float* residual, const lf_epilogue& act) {
  int64_t ox = 0;
  for (; ox + 48 < d.ow; ox += 64) sweep_column<SW, 4>(d, x, wr, pad, b, tile_act, ox, y);
  if (ox + 16 < d.ow) {
    sweep_column<SW, 2>(d, x, wr, pad, b, tile_act, ox, y);
    ox += 32;
  }
  if (ox < d.ow) sweep_column<SW, 1>(d, x, wr, pad, b, tile_act, ox, y);
  if (!tile_act.inline_act) {
    lf_epilogue e = act;
    e.residual = residual;
    kKernels.epilogue(y, 1, d.oh * d.ow, d.oh * d.ow, e);
  }
}

// One channel plane. A row's chunks whose taps all lie inside the row (the interior) load
// without masks; for 3x3 kernels the weights stay in registers and rows above or below the
// image add weight x pad.
template <int SW, bool K3>
void plane(const DwDims& d, const float* x, const float* wk, float bias, float padv, float* y, const float* residual,
           const lf_epilogue& act) {
  const __m512 pad = _mm512_set1_ps(padv), b = _mm512_set1_ps(bias);
  const TileAct tile_act(act, residual != nullptr);
  __m512 wr[9];
  if (K3)
    for (int t = 0; t < 9; ++t) wr[t] = _mm512_set1_ps(wk[t]);
  if constexpr (K3 && SW > 0) {
    if (sweeps(d)) {
      plane_sweeps<SW>(d, x, wr, pad, b, tile_act, y, residual, act);
      return;
    }
  }
  const int64_t sw = SW > 0 ? SW : d.sw;
  const int64_t span = (SW == 2 ? 32 : 15 * sw + 1) + (d.kw - 1) * d.dw;  // inputs one chunk reads per row
  const int64_t x0 = (d.pl + sw - 1) / sw, x1 = d.w + d.pl < span ? 0 : (d.w + d.pl - span) / sw + 1;
  lf_epilogue e = act;
  // Strides 1 and 2 of an undilated 3x3 on rows of up to kPaddedRow inputs: the input rows of a block
  // of output rows are first copied into padded rows (pad values beyond both ends), so every chunk is
  // an interior one (on 56..7-pixel maps the masked edge chunks were half or all of a row, and most of
  // the time). The whole block is copied before any row of it is read: copying each row just before
  // reading it (a ring of three rows) was slower (144 x 56x56, hot in a loop: 0.25 -> 0.18 ms).
  const int64_t len = (d.ow + 15) / 16 * 16 * sw + 34;
  if (K3 && SW == 2 && d.dw == 1 && d.dh == 1 && len <= kPaddedRow && d.pl + d.w <= len) {
    plane_split(d, x, wr, pad, b, tile_act, y, residual, act);
    return;
  }
  // Each buffered row starts `lead` floats into a vector so that its inputs (from padded index pl)
  // start on one: aligned stores (unaligned ones crossing cache lines made the copy cost double).
  const int64_t at = (d.pl + 15) / 16 * 16, lead = at - d.pl, stride = (lead + len + 15) / 16 * 16;
  if (K3 && SW > 0 && d.dw == 1 && d.dh == 1 && len <= kPaddedRow && d.pl + d.w <= len) {
    auto fill = [&](int64_t iy, float* base) __attribute__((always_inline)) {
      const float* src = x + iy * d.w;
      // Pad where no input lands (the vectors before the first input, and from the vector
      // holding the row's end), then the input: whole-vector stores, the last one's lanes past
      // the row end taking the pad from a merging load (masked stores are slow on AMD's cores;
      // this copy was 45% of a stride-2 plane's time with them).
      for (int64_t q = 0; q < at; q += 16) _mm512_store_ps(base + q, pad);
      for (int64_t q = (at + d.w) / 16 * 16; q < stride; q += 16) _mm512_store_ps(base + q, pad);
      const bool whole = at + (d.w + 15) / 16 * 16 <= stride;
      for (int64_t q = 0; q < d.w; q += 16) {
        if (q + 16 <= d.w) {
          _mm512_store_ps(base + at + q, _mm512_loadu_ps(src + q));
        } else {
          const __mmask16 m = lanes(0, d.w - q);
          const __m512 v = _mm512_mask_loadu_ps(pad, m, src + q);
          if (whole) _mm512_store_ps(base + at + q, v);
          else _mm512_mask_storeu_ps(base + at + q, m, v);
        }
      }
    };
    // Stride 1 with a left pad of 0-2 reads aligned vectors from the inputs' start (interior_aligned);
    // otherwise unaligned loads from the padded row's start.
    const bool shifted = SW == 1 && d.pl <= 2;
    auto out = [&](int64_t oy, auto row_at, float* yr) __attribute__((always_inline)) {
      const float* rows[3] = {nullptr, nullptr, nullptr};
      for (int i = 0; i < 3; ++i) {
        if (const float* row = row_at(oy * d.sh - d.pt + i)) rows[i] = row + (shifted ? at : lead);
      }
      auto aligned = [&](auto pl) __attribute__((always_inline)) {
        row_chunks(d.ow, [&](auto u, int64_t ox) __attribute__((always_inline)) {
          interior_aligned<decltype(pl)::value, decltype(u)::value>(rows, wr, pad, b, tile_act, ox, yr, d.ow);
        });
      };
      if (!shifted) {
        row_chunks(d.ow, [&](auto u, int64_t ox) __attribute__((always_inline)) {
          interior<SW, decltype(u)::value>(rows, wr, pad, b, tile_act, 1, ox, yr, d.ow);
        });
      } else if (d.pl == 0) {
        aligned(std::integral_constant<int, 0>{});
      } else if (d.pl == 1) {
        aligned(std::integral_constant<int, 1>{});
      } else {
        aligned(std::integral_constant<int, 2>{});
      }
    };
    buffered_rows(d, stride, tile_act, y, residual, act, fill, out);
    return;
  }
  for (int64_t oy = 0; oy < d.oh; ++oy) {
    float* yr = y + oy * d.ow;
    const float* rows[3] = {nullptr, nullptr, nullptr};
    if (K3)
      for (int i = 0; i < 3; ++i) {
        const int64_t iy = oy * d.sh - d.pt + i * d.dh;
        if (iy >= 0 && iy < d.h) rows[i] = x + iy * d.w - d.pl;
      }
    // Chunks start at multiples of 16: edges, the interior in groups of U independent chunks
    // (one accumulator chain per chunk would be bound by the FMA latency), edges.
    int64_t ox = 0;
    const int64_t ia = K3 && SW > 0 ? (x0 + 15) / 16 * 16 : d.ow, ib = K3 && SW > 0 ? x1 : 0;
    for (; ox < d.ow && ox < ia; ox += 16)
      _mm512_mask_storeu_ps(yr + ox, lanes(0, d.ow - ox), tile_act(edge_chunk<SW>(d, x, wk, b, pad, oy, ox)));
    constexpr int U = 4;
    for (; ox + 16 * (U - 1) < ib; ox += 16 * U) interior<SW, U>(rows, wr, pad, b, tile_act, d.dw, ox, yr, d.ow);
    if (ox + 16 < ib) {
      interior<SW, 2>(rows, wr, pad, b, tile_act, d.dw, ox, yr, d.ow);
      ox += 32;
    }
    for (; ox < ib; ox += 16) interior<SW, 1>(rows, wr, pad, b, tile_act, d.dw, ox, yr, d.ow);
    for (; ox < d.ow; ox += 16)
      _mm512_mask_storeu_ps(yr + ox, lanes(0, d.ow - ox), tile_act(edge_chunk<SW>(d, x, wk, b, pad, oy, ox)));
    if (!tile_act.inline_act) {
      e.residual = residual != nullptr ? residual + oy * d.ow : nullptr;
      kKernels.epilogue(yr, 1, d.ow, d.ow, e);
    }
  }
}

// Floats of the padded plane of the row-group path (on the stack: 16 KB).
constexpr int64_t kGroupedPlane = 4096;

// Output rows of one piece of a plane on the row-group path: its padded rows (2 per output row and
// one more, as even and odd halves of 16 floats), the vector before them and the pad vectors past
// them within kGroupedPlane. Taller planes go a piece at a time.
constexpr int64_t kGroupedRows = ((kGroupedPlane - 96) / 32 - 1) / 2;

// Whether a plane takes the row-group path: undilated 3x3 planes of stride 2 (both ways) with a
// left pad of 1, rows of at most 14 inputs (wider ones take the column sweeps) and at most 16
// outputs, a top pad of at most 2. Whatever the plane's height, so that a strip of its rows (the
// 1x1 + depthwise kernel's) takes the same path as the whole plane.
inline bool grouped(const DwDims& d) {
  return d.kh == 3 && d.kw == 3 && d.sh == 2 && d.sw == 2 && d.dh == 1 && d.dw == 1 && d.pl == 1 && d.w <= 14 &&
         d.pt <= 2 && d.ow <= 16;
}

// The sums of U consecutive stride-2 output rows from oy, each one vector of at most 16 outputs,
// on padded rows held as their even and odd halves (row r at in + 32 r: ev = padded columns 0, 2,
// .., od = 1, 3, ..; the pad lies past both): taps ev[ox], od[ox], ev[ox + 1], the last shifted in
// from the pad beyond.
template <int U>
inline Chunks3x3<U, 3> split_row_sums(const float* in, const __m512 wr[9], __m512 pad, __m512 b, int64_t oy) {
  Chunks3x3<U, 3> c(b);
  for (int i = 0; i < 3; ++i)
    for (int u = 0; u < U; ++u) {
      const float* r = in + (2 * (oy + u) + i) * 32;
      const __m512 ev = _mm512_load_ps(r);
      c.add(i, u, wr[i * 3], ev);
      c.add(i, u, wr[i * 3 + 1], _mm512_load_ps(r + 16));
      c.add(i, u, wr[i * 3 + 2],
            _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(pad), _mm512_castps_si512(ev), 1)));
    }
  return c;
}

// Stride-2 3x3 planes of small maps (rows of at most 14 inputs: one partial vector of at most 7
// outputs, its single chunk one short FMA chain) with consecutive output rows in flight: each
// padded row is copied as its even and odd halves (split_row_sums), one output row per vector, runs
// of four independent. Each output vector is stored as its row's first ow floats (the rest
// overwritten by the next row's; the plane's last rows masked). Three partial sums per vector
// wherever its run starts, so a strip of rows (the 1x1 + depthwise kernel's) equals the whole
// plane's bit for bit; a plane of more than kGroupedRows output rows is done in pieces of rows the
// same way. PAIR (rows of at most 14 inputs, at most 7 outputs) holds two planes side by
// side, lanes 0-7 and 8-15, each with its own weights and bias (their pad columns are each other's
// left pad, so the two planes' pad values must be equal); an odd last plane pairs with nothing.
template <bool PAIR>
void grouped_planes(const int64_t* g, const DwDims& d, const float* x, const float* weight, const float* bias,
                    const float* pad_values, const float* residual, float* y, const lf_epilogue& e) {
  alignas(64) float buf[kGroupedPlane];
  constexpr int64_t wp = 32;  // floats per padded row: its even and odd halves
  const int64_t c = g[LF_GEOM_IN_C], hw = d.h * d.w, ohw = d.oh * d.ow;
  float* in = buf + 16;  // the vector before row 0: the left pad of its first input
  const TileAct tile_act(e, residual != nullptr);
  constexpr __mmask16 kHigh = 0xff00;
  lf_epilogue ep = e;
  auto finish = [&](int64_t plane_index) {
    if (tile_act.inline_act) return;
    ep.residual = residual != nullptr ? residual + plane_index * d.ycs : nullptr;
    kKernels.epilogue(y + plane_index * d.ycs, 1, ohw, ohw, ep);
  };
  for (int64_t b = 0; b < g[LF_GEOM_N]; ++b) {
    for (int64_t ch = 0; ch < c; ch += PAIR ? 2 : 1) {
      const bool two = PAIR && ch + 1 < c;  // a second plane in lanes 8-15
      const int64_t plane_index = b * c + ch;
      const float* xs = x + plane_index * hw;
      float* yp = y + plane_index * d.ycs;
      const __m512 pad = _mm512_set1_ps(pad_values != nullptr ? pad_values[ch] : 0.0f);
      __m512 bv = _mm512_set1_ps(bias != nullptr ? bias[ch] : 0.0f);
      __m512 wr[9];
      for (int t = 0; t < 9; ++t) wr[t] = _mm512_set1_ps(weight[ch * 9 + t]);
      if (two) {
        bv = _mm512_mask_mov_ps(bv, kHigh, _mm512_set1_ps(bias != nullptr ? bias[ch + 1] : 0.0f));
        for (int t = 0; t < 9; ++t) wr[t] = _mm512_mask_mov_ps(wr[t], kHigh, _mm512_set1_ps(weight[(ch + 1) * 9 + t]));
      }
      _mm512_store_ps(buf, pad);
      for (int64_t o0 = 0; o0 < d.oh; o0 += kGroupedRows) {
        // Output rows o0 .. o0 + n - 1 from padded rows 2 o0 .. 2 (o0 + n).
        const int64_t n = d.oh - o0 < kGroupedRows ? d.oh - o0 : kGroupedRows, padded_rows = 2 * n + 1;
        const int64_t end = padded_rows * wp + 64;  // the padded rows, and the vectors past them the last run reads
        for (int64_t r = 0; r < padded_rows; ++r) {
          const int64_t iy = 2 * o0 + r - d.pt;
          float* row = in + r * wp;
          // Padded column 2t + 1 is input 2t, 2t the input before it (column 0 the left pad).
          __m512 ev = pad, od = pad;
          if (iy >= 0 && iy < d.h) {
            const float* src = xs + iy * d.w;
            const __m512 v0 = _mm512_mask_loadu_ps(pad, lanes(0, d.w), src);
            // A pair's second plane takes the place of inputs 16-31: its halves land in lanes 8-15.
            const __m512 v1 = two ? _mm512_mask_loadu_ps(pad, lanes(0, d.w), src + hw) : pad;
            od = _mm512_permutex2var_ps(v0, even_lanes(), v1);
            ev = _mm512_castsi512_ps(_mm512_alignr_epi32(
                _mm512_castps_si512(_mm512_permutex2var_ps(v0, odd_lanes(), v1)), _mm512_castps_si512(pad), 15));
          }
          _mm512_store_ps(row, ev);
          _mm512_store_ps(row + 16, od);
        }
        for (int64_t q = padded_rows * wp; q < end; q += 16) _mm512_store_ps(in + q, pad);
        row_chunks(16 * n, [&](auto u, int64_t q) __attribute__((always_inline)) {
          constexpr int U = decltype(u)::value;
          const Chunks3x3<U, 3> s = split_row_sums<U>(in, wr, pad, bv, q / 16);
          for (int k = 0; k < U; ++k) {
            if (q / 16 + k >= n) continue;
            const int64_t oy = o0 + q / 16 + k, at = oy * d.ow;
            const __m512 out = tile_act(s.sum(k));
            if (at + 16 <= ohw) _mm512_storeu_ps(yp + at, out);
            else _mm512_mask_storeu_ps(yp + at, lanes(0, d.ow), out);
            if (two) {
              const __m256 high = _mm512_extractf32x8_ps(out, 1);
              if (at + 8 <= ohw) _mm256_storeu_ps(yp + d.ycs + at, high);
              else _mm256_mask_storeu_ps(yp + d.ycs + at, static_cast<__mmask8>(lanes(0, d.ow)), high);
            }
          }
        });
      }
      finish(plane_index);
      if (two) finish(plane_index + 1);
    }
  }
}

void channels_grouped(const int64_t* g, const DwDims& d, const float* x, const float* weight, const float* bias,
                      const float* pad_values, const float* residual, float* y, const lf_epilogue& e) {
  bool same_pad = true;  // pairs share their pad columns
  if (pad_values != nullptr)
    for (int64_t ch = 1; ch < g[LF_GEOM_IN_C] && same_pad; ++ch)
      same_pad = std::memcmp(&pad_values[ch], &pad_values[0], sizeof(float)) == 0;
  // A pair's plane in 8 lanes: its padded row (the left pad, at most 14 inputs, the pad) as even and
  // odd halves of 8.
  if (same_pad && d.ow <= 7) grouped_planes<true>(g, d, x, weight, bias, pad_values, residual, y, e);
  else grouped_planes<false>(g, d, x, weight, bias, pad_values, residual, y, e);
}

// Padded input pixels and output pixels of one strip of the 16-channel path (on the stack, 16
// channels each: 48 KB together).
constexpr int64_t kBlockedIn = 512, kBlockedOut = 256;

// Input rows a strip of `rows` output rows reads, and the padded row width.
inline int64_t strip_in_rows(const DwDims& d, int64_t rows) { return (rows - 1) * d.sh + (d.kh - 1) * d.dh + 1; }
inline int64_t blocked_wp(const DwDims& d) {
  const int64_t wpo = (d.ow - 1) * d.sw + (d.kw - 1) * d.dw + 1;
  return wpo > d.pl + d.w ? wpo : d.pl + d.w;
}

// Output rows per strip of the 16-channel path (0: it does not apply). Rows of up to 32 outputs
// (two vectors) take it; on wider rows the NCHW path's interior chunks are faster (144 x 56x56:
// 0.43 vs 0.71 ms; 384 x 14x14: 0.18 -> 0.08 ms, 960 x 7x7: 0.23 -> 0.06 ms by this path).
int64_t blocked_rows(const DwDims& d) {
  if (d.kh * d.kw > 25 || d.ow > 32) return 0;
  int64_t rows = kBlockedOut / d.ow < d.oh ? kBlockedOut / d.ow : d.oh;
  while (rows > 0 && strip_in_rows(d, rows) * blocked_wp(d) > kBlockedIn) --rows;
  return rows;
}

// 16 channels at a time in strips of output rows: the strip's input rows are reordered into a
// padded [rows][wp][16] block, each output pixel is one vector of 16 channels (taps as FMAs with
// per-tap weight vectors, four pixels in flight), and the strip is transposed back; the shared
// epilogue adds the residual and applies other activations on it. No edge cases and no partial
// vectors, which on 28..7-pixel rows were most of the NCHW path's time.
void channels_blocked(const int64_t* g, const DwDims& d, int64_t strip, const float* x, const float* weight,
                      const float* bias, const float* pad_values, const float* residual, float* y,
                      const lf_epilogue& e) {
  using namespace blocked16;
  const int64_t c = g[LF_GEOM_IN_C], hw = d.h * d.w, ycs = d.ycs, kk = d.kh * d.kw, wp = blocked_wp(d);
  alignas(64) float xp[kBlockedIn * 16];
  alignas(64) float out[kBlockedOut * 16];
  const TileAct tile_act(e, residual != nullptr);
  for (int64_t b = 0; b < g[LF_GEOM_N]; ++b) {
    for (int64_t c0 = 0; c0 < c; c0 += 16) {
      const int nch = c - c0 < 16 ? static_cast<int>(c - c0) : 16;
      const __mmask16 cm = tail_mask(nch);
      __m512 wv[25];
      for (int64_t t = 0; t < kk; ++t) {
        alignas(64) float lane[16] = {};
        for (int q = 0; q < nch; ++q) lane[q] = weight[(c0 + q) * kk + t];
        wv[t] = _mm512_load_ps(lane);
      }
      const __m512 bv = bias != nullptr ? _mm512_maskz_loadu_ps(cm, bias + c0) : _mm512_setzero_ps();
      for (int64_t oy0 = 0; oy0 < d.oh; oy0 += strip) {
        const int64_t rows = d.oh - oy0 < strip ? d.oh - oy0 : strip;
        reorder_in(x + (b * c + c0) * hw, nch, d.h, d.w, d.pt - oy0 * d.sh, d.pl, strip_in_rows(d, rows), wp,
                   pad_values != nullptr ? pad_values + c0 : nullptr, xp);
        for (int64_t oy = 0; oy < rows; ++oy) {
          for (int64_t ox = 0; ox < d.ow; ox += 4) {
            const int n = d.ow - ox < 4 ? static_cast<int>(d.ow - ox) : 4;
            __m512 acc[4] = {bv, bv, bv, bv};
            for (int64_t i = 0; i < d.kh; ++i)
              for (int64_t j = 0; j < d.kw; ++j) {
                const float* p = xp + ((oy * d.sh + i * d.dh) * wp + ox * d.sw + j * d.dw) * 16;
                for (int u = 0; u < 4; ++u)
                  if (u < n) acc[u] = _mm512_fmadd_ps(_mm512_loadu_ps(p + u * d.sw * 16), wv[i * d.kw + j], acc[u]);
              }
            for (int u = 0; u < 4; ++u)
              if (u < n) _mm512_storeu_ps(out + (oy * d.ow + ox + u) * 16, tile_act(acc[u]));
          }
        }
        float* yb = y + (b * c + c0) * ycs + oy0 * d.ow;
        reorder_out(out, rows * d.ow, yb, ycs, nch);
        if (!tile_act.inline_act) {
          lf_epilogue eb = e;
          eb.residual = residual != nullptr ? residual + (b * c + c0) * ycs + oy0 * d.ow : nullptr;
          eb.ldr = ycs;  // a block of nch channel rows (the per-row NCHW path never needed it)
          kKernels.epilogue(yb, nch, rows * d.ow, ycs, eb);
        }
      }
    }
  }
}

template <int SW, bool K3>
void channels(const int64_t* g, const DwDims& d, const float* x, const float* weight, const float* bias,
              const float* pad_values, const float* residual, float* y, const lf_epilogue& e) {
  const int64_t c = g[LF_GEOM_IN_C], hw = d.h * d.w, kk = d.kh * d.kw;
  for (int64_t b = 0; b < g[LF_GEOM_N]; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      const int64_t plane_index = b * c + ch;
      plane<SW, K3>(d, x + plane_index * hw, weight + ch * kk, bias != nullptr ? bias[ch] : 0.0f,
                      pad_values != nullptr ? pad_values[ch] : 0.0f, y + plane_index * d.ycs,
                      residual != nullptr ? residual + plane_index * d.ycs : nullptr, e);
    }
}

// Prefetches rows lo .. lo + count - 1 of a plane of h rows of w floats (those outside it are skipped).
inline void prefetch_rows(const float* plane, int64_t w, int64_t lo, int64_t count, int64_t h) {
  for (int64_t iy = lo < 0 ? 0 : lo; iy < lo + count && iy < h; ++iy) {
    const char* r = reinterpret_cast<const char*>(plane + iy * w);
    for (int64_t b = 0; b < w * 4; b += 64) _mm_prefetch(r + b, _MM_HINT_T0);
  }
}

// Max pooling with the same masked loads: padding lanes read -inf, so they never win; a NaN in
// a window makes its output NaN (tracked beside the max, which would drop it). Each output row
// first prefetches the input rows the next one adds: a pool reading the output of a conv that
// wrote it in channel blocks found it in no useful cache level (Zen 5, in the network at one
// thread: ResNet-18's 64x112x112 pool after the first conv with its BN and ReLU folded in took
// 0.58-1.38 ms against 0.38-0.54 ms after separate BN and ReLU passes, AlexNet-BN's first pool
// 0.29-0.30 against 0.15 ms; with the prefetch 0.38 against 0.34 and 0.14 against 0.13 ms, and
// 5-15% faster alone in a C harness pinned to one core, data in cache or just written by the conv).
template <int SW>
void max_planes(const int64_t* g, const DwDims& d, const float* x, float* y) {
  const __m512 ninf = _mm512_set1_ps(-INFINITY), qnan = _mm512_set1_ps(NAN);
  const int64_t planes = g[LF_GEOM_N] * g[LF_GEOM_IN_C], hw = d.h * d.w, ohw = d.oh * d.ow;
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * hw;
    float* yp = y + p * ohw;
    for (int64_t oy = 0; oy < d.oh; ++oy) {
      // The sh rows after this output row's last tap row (its successor's new rows when dh = 1).
      prefetch_rows(xp, d.w, oy * d.sh - d.pt + (d.kh - 1) * d.dh + 1, d.sh, d.h);
      for (int64_t ox = 0; ox < d.ow; ox += 16) {
        __m512 best[2] = {ninf, ninf};  // two chains
        __mmask16 nan = 0;
        for (int64_t j = 0; j < d.kw; ++j) {
          const int64_t ix0 = ox * d.sw - d.pl + j * d.dw;
          const TapMask<SW> mask(d.w, ix0, d.sw);
          for (int64_t i = 0; i < d.kh; ++i) {
            const int64_t iy = oy * d.sh - d.pt + i * d.dh;
            if (iy < 0 || iy >= d.h) continue;
            const __m512 v = mask.load(xp + iy * d.w, ix0, ninf);
            nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
            best[i & 1] = _mm512_max_ps(v, best[i & 1]);
          }
        }
        const __m512 r = _mm512_mask_blend_ps(nan, _mm512_max_ps(best[0], best[1]), qnan);
        _mm512_mask_storeu_ps(yp + oy * d.ow + ox, lanes(0, d.ow - ox), r);
      }
    }
  }
}

}  // namespace

void dwconv_direct(const int64_t* g, const float* x, const float* weight, const float* bias, const float* pad_values,
                   const float* residual, float* y, const lf_epilogue& e) {
  dwconv_strided(g, g[LF_GEOM_OUT_H] * g[LF_GEOM_OUT_W], x, weight, bias, pad_values, residual, y, e);
}

void dwconv_strided(const int64_t* g, int64_t ycs, const float* x, const float* weight, const float* bias,
                    const float* pad_values, const float* residual, float* y, const lf_epilogue& e) {
  DwDims d{g[LF_GEOM_IN_H],  g[LF_GEOM_IN_W], g[LF_GEOM_KH], g[LF_GEOM_KW],    g[LF_GEOM_SH],    g[LF_GEOM_SW], g[LF_GEOM_PAD_T],
           g[LF_GEOM_PAD_L], g[LF_GEOM_DH],   g[LF_GEOM_DW], g[LF_GEOM_OUT_H], g[LF_GEOM_OUT_W], ycs};
  lf_epilogue act = e;  // bias is added in the kernel; the epilogue adds the residual per row
  act.bias = nullptr;
  act.bias_mode = LF_BIAS_NONE;
  const bool k3 = d.kh == 3 && d.kw == 3;
  const int64_t strip = blocked_rows(d);
  // grouped() and sweeps() never both hold; plane() takes the column sweeps where they apply.
  if (grouped(d)) channels_grouped(g, d, x, weight, bias, pad_values, residual, y, act);
  else if (strip > 0 && !sweeps(d)) channels_blocked(g, d, strip, x, weight, bias, pad_values, residual, y, act);
  else if (k3 && d.sw == 1) channels<1, true>(g, d, x, weight, bias, pad_values, residual, y, act);
  else if (k3 && d.sw == 2) channels<2, true>(g, d, x, weight, bias, pad_values, residual, y, act);
  else if (d.sw == 1) channels<1, false>(g, d, x, weight, bias, pad_values, residual, y, act);
  else if (d.sw == 2) channels<2, false>(g, d, x, weight, bias, pad_values, residual, y, act);
  else channels<0, false>(g, d, x, weight, bias, pad_values, residual, y, act);
}

void maxpool_direct(const int64_t* g, const float* x, float* y) {
  DwDims d{g[LF_GEOM_IN_H],  g[LF_GEOM_IN_W], g[LF_GEOM_KH], g[LF_GEOM_KW],    g[LF_GEOM_SH],    g[LF_GEOM_SW], g[LF_GEOM_PAD_T],
           g[LF_GEOM_PAD_L], g[LF_GEOM_DH],   g[LF_GEOM_DW], g[LF_GEOM_OUT_H], g[LF_GEOM_OUT_W], g[LF_GEOM_OUT_H] * g[LF_GEOM_OUT_W]};
  if (d.sw == 1) max_planes<1>(g, d, x, y);
  else if (d.sw == 2) max_planes<2>(g, d, x, y);
  else max_planes<0>(g, d, x, y);
}

}  // namespace avx512
}  // namespace lf
