// 1x1 stride-1 convolutions on NCHW for AVX-512: Y[rows x cols] = W[rows x k] X[k x cols] with the
// pixels (cols) along the vector lanes. A register tile of 6 output channels x 4 vectors (64 pixels)
// accumulates over the input channels: each step loads 4 input vectors and broadcasts 6 weights
// for 24 FMAs, from the weights as stored ([cout][cin]) and the activations as stored, so nothing
// is packed or transposed (OpenBLAS packs both operands on every call, which on MobileNet's 1x1
// layers, with 16..144 input channels or 24 output channels, costs more than the product). A
// per-channel bias, a residual and a clamp (ReLU, ReLU6, Clip) are applied on the register tile
// before it is stored (MobileNetV2, one thread: 5.87 -> 5.60 ms, medians of six alternated runs
// against a second pass over each stored tile); other activations and column biases by the shared
// epilogue on each finished tile while it is in L1. The per-channel bias is the accumulators'
// starting value rather than a last add (16 input channels, 96 x 112x112, hot: 449 -> 424 us;
// 24 -> 144 at 56x56: 227 -> 218 us), so the sums differ from the shared epilogue's by rounding.
// gcc 12 reports _mm512_undefined_ps() inside the min/max and reduce intrinsics as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <array>
#include <utility>
#include <vector>

#include "../internal.h"

namespace lf {
namespace avx512 {
namespace {

constexpr int kRows = 6, kVecs = 4;

// The epilogue a register tile applies itself: bias per row (or none: the accumulators start from
// it), residual (or none), clamp (or nothing), in the shared epilogue's order (bias, + residual, clamp).
struct TileEpilogue {
  const float* bias;  // the tile's first row's bias, or null
  const float* residual;  // the tile's first element of the residual, or null
  int64_t ldr;
  bool clamp;
  float lo, hi;
};

// Whether e is one the register tile applies (else the tile stores raw sums and the shared
// epilogue runs on it).
bool tile_applies(const lf_epilogue& e) {
  return (e.bias_mode == LF_BIAS_NONE || e.bias_mode == LF_BIAS_PER_ROW) &&
         (e.act == LF_ACT_NONE || e.act == LF_ACT_CLAMP);
}

// R output channels x V vectors of pixels starting at column j; the last vector masked by `tail`.
// `next` (or null): the next group's weight rows, a contiguous block of `lines` cache lines, fetched
// one line per input channel (a layer's weights stream from memory once per run, in short rows
// that the hardware prefetcher does not pick up).
template <int R, int V>
void tile(int64_t k, const float* w, int64_t ldw, const float* x, int64_t ldx, float* y, int64_t ldy, __mmask16 tail,
          const char* next, int64_t lines, const TileEpilogue& te) {
  __m512 acc[R][V];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    const __m512 b0 = te.bias != nullptr ? _mm512_set1_ps(te.bias[r]) : _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) acc[r][v] = b0;
  }
  // The input-channel loop stays rolled (unrolled, gcc hoists loads and spills the accumulators).
#pragma GCC unroll 1
  for (int64_t p = 0; p < k; ++p) {
    if (p < lines) _mm_prefetch(next + p * 64, _MM_HINT_T0);
    __m512 xv[V];
#pragma GCC unroll 8
    for (int v = 0; v < V - 1; ++v) xv[v] = _mm512_loadu_ps(x + p * ldx + v * 16);
    xv[V - 1] = _mm512_maskz_loadu_ps(tail, x + p * ldx + (V - 1) * 16);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512 wv = _mm512_set1_ps(w[r * ldw + p]);
#pragma GCC unroll 8
      for (int v = 0; v < V; ++v) acc[r][v] = _mm512_fmadd_ps(wv, xv[v], acc[r][v]);
    }
  }
  // max(lo, v) then min(hi, v) with v second: a NaN sum stays NaN, as in the scalar clamp.
  const __m512 lo = _mm512_set1_ps(te.lo), hi = _mm512_set1_ps(te.hi);
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
    for (int v = 0; v < V; ++v) {
      if (te.residual != nullptr) {
        const float* res = te.residual + r * te.ldr + v * 16;
        acc[r][v] = _mm512_add_ps(acc[r][v], v < V - 1 ? _mm512_loadu_ps(res) : _mm512_maskz_loadu_ps(tail, res));
      }
      if (te.clamp) acc[r][v] = _mm512_min_ps(hi, _mm512_max_ps(lo, acc[r][v]));
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
    for (int v = 0; v < V - 1; ++v) _mm512_storeu_ps(y + r * ldy + v * 16, acc[r][v]);
    _mm512_mask_storeu_ps(y + r * ldy + (V - 1) * 16, tail, acc[r][V - 1]);
  }
}

using TileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, __mmask16, const char*,
                        int64_t, const TileEpilogue&);

template <int R, int... V>
constexpr std::array<TileFn, sizeof...(V)> vec_row(std::integer_sequence<int, V...>) {
  return {&tile<R, V + 1>...};
}

template <int... R>
constexpr std::array<std::array<TileFn, kVecs>, sizeof...(R)> table(std::integer_sequence<int, R...>) {
  return {vec_row<R + 1>(std::make_integer_sequence<int, kVecs>{})...};
}

// kTiles[r - 1][v - 1]: r output channels by v vectors.
constexpr auto kTiles = table(std::make_integer_sequence<int, kRows>{});

// The last few columns past a multiple of 16 (7x7 = 3 x 16 + 1, 14x14 = 12 x 16 + 4 pixels) as dot
// products along the input channels instead of a vector tile with most lanes masked off: a 7x7
// layer's 4-vector tile did 64 lanes of work for 49 pixels (MobileNetV2's 7x7 layers 14-20 % faster
// in an A/B; 14x14 with 4 extra columns was even, layers under 8192 weights slower: so at most 3
// columns, k >= 32 and rows * k >= 8192). xt holds the E columns transposed ([E][k], contiguous);
// y[r][e] = W[r] . xt[e] for the group's `rows` rows (rows past it repeat the first row and are not
// stored).
constexpr int kMaxExtra = 3;

template <int E>
void dot_columns(int64_t k, const float* w, int64_t ldw, int rows, const float* xt, float* y, int64_t ldy) {
  __m512 acc[kRows][E];
  const float* wr[kRows];
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
    wr[r] = w + (r < rows ? r : 0) * ldw;
#pragma GCC unroll 8
    for (int e = 0; e < E; ++e) acc[r][e] = _mm512_setzero_ps();
  }
  for (int64_t p = 0; p < k; p += 16) {
    const __mmask16 m = static_cast<__mmask16>(k - p >= 16 ? 0xffff : (1u << (k - p)) - 1);
    __m512 xv[E];
#pragma GCC unroll 8
    for (int e = 0; e < E; ++e) xv[e] = _mm512_maskz_loadu_ps(m, xt + e * k + p);
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      const __m512 wv = _mm512_maskz_loadu_ps(m, wr[r] + p);
#pragma GCC unroll 8
      for (int e = 0; e < E; ++e) acc[r][e] = _mm512_fmadd_ps(wv, xv[e], acc[r][e]);
    }
  }
  for (int r = 0; r < rows; ++r)
#pragma GCC unroll 8
    for (int e = 0; e < E; ++e) y[r * ldy + e] = _mm512_reduce_add_ps(acc[r][e]);
}

using DotFn = void (*)(int64_t, const float*, int64_t, int, const float*, float*, int64_t);
constexpr DotFn kDots[kMaxExtra] = {&dot_columns<1>, &dot_columns<2>, &dot_columns<3>};

// A thread's buffer for the transposed extra columns (grows to the largest layer's once).
std::vector<float>& extra_columns() {
  thread_local std::vector<float> buffer;
  return buffer;
}

}  // namespace

void pointwise_nchw(int64_t rows, int64_t cols, int64_t k, const float* w, int64_t ldw, const float* x, int64_t ldx,
                    float* y, int64_t ldy, const lf_epilogue& e) {
  // Columns past the last multiple of 16, when there are a few, at least one whole vector and
  // enough input channels to amortise the transposed copy.
  const int64_t extra = cols > 16 && k >= 32 && rows * k >= 8192 && cols % 16 <= kMaxExtra ? cols % 16 : 0;
  const int64_t full = cols - extra;
  float* xt = nullptr;
  if (extra > 0) {
    std::vector<float>& buffer = extra_columns();
    buffer.resize(static_cast<size_t>(extra * k));
    xt = buffer.data();
    for (int64_t c = 0; c < extra; ++c)
      for (int64_t p = 0; p < k; ++p) xt[c * k + p] = x[p * ldx + full + c];
  }
  const int64_t tiles = (full + kVecs * 16 - 1) / (kVecs * 16);
  const bool in_tile = tile_applies(e);
  auto run = [&](int64_t i, int64_t t) {
    const int64_t j = t * kVecs * 16, width = full - j < kVecs * 16 ? full - j : kVecs * 16;
    const int64_t vecs = (width + 15) / 16, last = width - (vecs - 1) * 16;
    const __mmask16 tail = static_cast<__mmask16>(last >= 16 ? 0xffff : (1u << last) - 1);
    const int64_t r = rows - i < kRows ? rows - i : kRows;
    // A group's first tile fetches the next group's weights (contiguous when ldw == k).
    const int64_t nr = rows - i - kRows < kRows ? rows - i - kRows : kRows;
    const bool fetch = t == 0 && nr > 0 && ldw == k;
    const lf_epilogue at = epilogue_at(e, i, j);
    TileEpilogue te{nullptr, nullptr, 0, false, 0.0f, 0.0f};
    if (in_tile) te = {at.bias_mode == LF_BIAS_PER_ROW ? at.bias : nullptr, at.residual, at.ldr,
                       at.act == LF_ACT_CLAMP, at.lo, at.hi};
    kTiles[r - 1][vecs - 1](k, w + i * ldw, ldw, x + j, ldx, y + i * ldy + j, ldy, tail,
                            fetch ? reinterpret_cast<const char*>(w + (i + kRows) * ldw) : nullptr,
                            fetch ? (nr * k + 15) / 16 : 0, te);
    if (!in_tile) kKernels.epilogue(y + i * ldy + j, r, width, ldy, at);
    if (extra > 0 && t == tiles - 1) {
      // The group's weight rows are in L1 after its last tile.
      kDots[extra - 1](k, w + i * ldw, ldw, static_cast<int>(r), xt, y + i * ldy + full, ldy);
      kKernels.epilogue(y + i * ldy + full, r, extra, ldy, epilogue_at(e, i, full));
    }
  };
  if (k * cols <= (int64_t{1} << 18)) {
    // The input (at most 1 MB) stays in L2 while each group of output channels sweeps it, writing
    // its rows in order; pixels-outer would write every output row a tile at a time (with 96 rows
    // of 50 KB, as many scattered streams).
    for (int64_t i = 0; i < rows; i += kRows)
      for (int64_t t = 0; t < tiles; ++t) run(i, t);
  } else {
    // A larger input: each 64-pixel column of it is read by every output group while in L1/L2.
    for (int64_t t = 0; t < tiles; ++t)
      for (int64_t i = 0; i < rows; i += kRows) run(i, t);
  }
}

}  // namespace avx512
}  // namespace lf
