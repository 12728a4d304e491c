// C = A * B^T for few rows of A (a Linear layer at batch 2..32: A the activations, B the weight as
// stored, one output feature per row), AVX-512. Each output is a dot product along K, so the weight
// is read row by row as stored, once per call, with no packing: OpenBLAS's sgemm repacks the whole
// weight on every call, which at these batch sizes costs as much as the product itself. A register
// tile of up to 8 rows of A x 3 rows of B keeps 24 vector accumulators over all of K (11 loads per
// 24 FMAs); the three weight rows stay in L1 while every group of 8 A rows passes over them, and A
// (batch x K) stays in L2. The K tail is a masked load. Sums are reduced once per output.
// gcc 12 reports _mm512_undefined_ps() inside _mm512_reduce_add_ps as (maybe) uninitialized.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "../internal.h"

namespace lf {
namespace avx512 {
namespace {

template <int MR, int NR>
void tile(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
  __m512 acc[MR][NR];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_setzero_ps();
  int64_t p = 0;
  for (; p + 16 <= k; p += 16) {
    __m512 w[NR];
    for (int j = 0; j < NR; ++j) w[j] = _mm512_loadu_ps(b + j * ldb + p);
    for (int i = 0; i < MR; ++i) {
      const __m512 x = _mm512_loadu_ps(a + i * lda + p);
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_fmadd_ps(x, w[j], acc[i][j]);
    }
  }
  if (p < k) {
    const __mmask16 m = static_cast<__mmask16>((1u << (k - p)) - 1u);
    __m512 w[NR];
    for (int j = 0; j < NR; ++j) w[j] = _mm512_maskz_loadu_ps(m, b + j * ldb + p);
    for (int i = 0; i < MR; ++i) {
      const __m512 x = _mm512_maskz_loadu_ps(m, a + i * lda + p);
      for (int j = 0; j < NR; ++j) acc[i][j] = _mm512_fmadd_ps(x, w[j], acc[i][j]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) c[i * ldc + j] = _mm512_reduce_add_ps(acc[i][j]);
}

using TileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t);

template <int NR>
TileFn tile_for(int64_t mr) {
  switch (mr) {
    case 1: return tile<1, NR>;
    case 2: return tile<2, NR>;
    case 3: return tile<3, NR>;
    case 4: return tile<4, NR>;
    case 5: return tile<5, NR>;
    case 6: return tile<6, NR>;
    case 7: return tile<7, NR>;
    default: return tile<8, NR>;
  }
}

// R weight rows at a time, two accumulators each over alternate 16-float halves of 32, so a row's
// FMAs do not wait on each other; x (K floats) stays in L1. Used for a batch-1 Linear, y = W x,
// which streams W once, R streams in flight (gemv_nt chooses R). PF > 0: each row also prefetches
// the two lines PF floats ahead (past a row's end that is the next group's rows, or nothing: a
// prefetch never faults).
template <int R, int PF = 0>
void gemv_rows(int64_t k, const float* x, const float* w, int64_t ldw, float* y) {
  __m512 a[R], b[R];
  for (int r = 0; r < R; ++r) a[r] = b[r] = _mm512_setzero_ps();
  int64_t p = 0;
  for (; p + 32 <= k; p += 32) {
    const __m512 x0 = _mm512_loadu_ps(x + p), x1 = _mm512_loadu_ps(x + p + 16);
    for (int r = 0; r < R; ++r) {
      if (PF > 0) {
        _mm_prefetch(reinterpret_cast<const char*>(w + r * ldw + p + PF), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(w + r * ldw + p + PF + 16), _MM_HINT_T0);
      }
      a[r] = _mm512_fmadd_ps(_mm512_loadu_ps(w + r * ldw + p), x0, a[r]);
      b[r] = _mm512_fmadd_ps(_mm512_loadu_ps(w + r * ldw + p + 16), x1, b[r]);
    }
  }
  for (; p < k; p += 16) {
    const __mmask16 m = k - p >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (k - p)) - 1u);
    const __m512 x0 = _mm512_maskz_loadu_ps(m, x + p);
    for (int r = 0; r < R; ++r) a[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, w + r * ldw + p), x0, a[r]);
  }
  for (int r = 0; r < R; ++r) y[r] = _mm512_reduce_add_ps(_mm512_add_ps(a[r], b[r]));
}

}  // namespace

void gemv_nt(int64_t n, int64_t k, const float* x, const float* w, int64_t ldw, float* y) {
  // Streams in flight, measured on Zen 4 (one thread; from DRAM: 64 MB written between calls; runs
  // of the two versions alternated). Rows of more than 8 KB eight at a time (4096 x 4096 from DRAM:
  // 2.72-2.76 against 2.83-3.10 ms four at a time, and one at a time slower still; 1000 x 4096 in
  // L3: 266 against 300 us). Shorter rows of a weight beyond L2 one at a time, a single sequential
  // stream (1000 x 1280, MobileNetV2's classifier, from DRAM: 144-241 against 241-313 us four at a
  // time, the host's speed varying; in the network 0.29 -> 0.14-0.17 ms; in L3 it is 20% slower, but
  // a weight that size comes from DRAM in a network). A weight within L2 four rows at a time (64 x
  // 512: 1.4 against 2.0 us one at a time, whose per-row reduction is then the cost).
  // The long rows also prefetch 1 KB ahead of each stream: on Zen 5 (4096 x 4096 then 1008 x 4096
  // from DRAM, pinned, runs alternated) 2.08 / 2.31 against 2.30 / 2.51 ms on one core, level on the
  // other (2.35 / 2.61 against 2.36 / 2.57); 2 KB ahead or a non-temporal hint did no better.
  int64_t j = 0;
  if (k > 2048) {
    for (; j + 8 <= n; j += 8) gemv_rows<8, 256>(k, x, w + j * ldw, ldw, y + j);
    for (; j + 4 <= n; j += 4) gemv_rows<4>(k, x, w + j * ldw, ldw, y + j);
  } else if (n * k < (int64_t{1} << 18)) {
    for (; j + 4 <= n; j += 4) gemv_rows<4>(k, x, w + j * ldw, ldw, y + j);
  }
  for (; j < n; ++j) gemv_rows<1>(k, x, w + j * ldw, ldw, y + j);
}

void gemm_nt_small(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                   float* c, int64_t ldc) {
  for (int64_t j0 = 0; j0 < n; j0 += 3) {
    const int64_t nr = n - j0 < 3 ? n - j0 : 3;
    for (int64_t i0 = 0; i0 < m; i0 += 8) {
      const int64_t mr = m - i0 < 8 ? m - i0 : 8;
      const TileFn f = nr == 3 ? tile_for<3>(mr) : nr == 2 ? tile_for<2>(mr) : tile_for<1>(mr);
      f(k, a + i0 * lda, lda, b + j0 * ldb, ldb, c + i0 * ldc + j0, ldc);
    }
  }
}

}  // namespace avx512
}  // namespace lf
