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

// Four weight rows at a time, two accumulators each over alternate 16-float halves of 32, so a
// row's FMAs do not wait on each other and four streams keep enough loads in flight; x (K floats)
// stays in L1. Used for a batch-1 Linear, y = W x, which streams W once.
void gemv4(int64_t k, const float* x, const float* w, int64_t ldw, float* y) {
  const float* r0 = w;
  const float* r1 = w + ldw;
  const float* r2 = w + 2 * ldw;
  const float* r3 = w + 3 * ldw;
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  int64_t p = 0;
  for (; p + 32 <= k; p += 32) {
    const __m512 x0 = _mm512_loadu_ps(x + p), x1 = _mm512_loadu_ps(x + p + 16);
    a0 = _mm512_fmadd_ps(_mm512_loadu_ps(r0 + p), x0, a0);
    a1 = _mm512_fmadd_ps(_mm512_loadu_ps(r1 + p), x0, a1);
    a2 = _mm512_fmadd_ps(_mm512_loadu_ps(r2 + p), x0, a2);
    a3 = _mm512_fmadd_ps(_mm512_loadu_ps(r3 + p), x0, a3);
    b0 = _mm512_fmadd_ps(_mm512_loadu_ps(r0 + p + 16), x1, b0);
    b1 = _mm512_fmadd_ps(_mm512_loadu_ps(r1 + p + 16), x1, b1);
    b2 = _mm512_fmadd_ps(_mm512_loadu_ps(r2 + p + 16), x1, b2);
    b3 = _mm512_fmadd_ps(_mm512_loadu_ps(r3 + p + 16), x1, b3);
  }
  for (; p < k; p += 16) {
    const __mmask16 m = k - p >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << (k - p)) - 1u);
    const __m512 x0 = _mm512_maskz_loadu_ps(m, x + p);
    a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, r0 + p), x0, a0);
    a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, r1 + p), x0, a1);
    a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, r2 + p), x0, a2);
    a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, r3 + p), x0, a3);
  }
  y[0] = _mm512_reduce_add_ps(_mm512_add_ps(a0, b0));
  y[1] = _mm512_reduce_add_ps(_mm512_add_ps(a1, b1));
  y[2] = _mm512_reduce_add_ps(_mm512_add_ps(a2, b2));
  y[3] = _mm512_reduce_add_ps(_mm512_add_ps(a3, b3));
}

}  // namespace

void gemv_nt(int64_t n, int64_t k, const float* x, const float* w, int64_t ldw, float* y) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) gemv4(k, x, w + j * ldw, ldw, y + j);
  // The last 1..3 rows: the small-batch tile, one row of A against them.
  if (j < n) gemm_nt_small(1, n - j, k, x, k, w + j * ldw, ldw, y + j, n - j);
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
