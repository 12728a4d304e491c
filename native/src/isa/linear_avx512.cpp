// Fully connected layers, C = act(A W^T + bias + residual), for batches where OpenBLAS's sgemm
// spends much of its time repacking W on every call (a 4096 x 4096 weight is 64 MB). W is packed
// once, ahead of time, as [ceil(n/16)][k/16][16 k][16 n] (zeros past n), and the product runs on
// the direct conv's register tile as a 1x1 conv over m "pixels" (A copied as [k/16][m][16]: 16
// consecutive k of a row are one input block), each weight vector feeds up to 7 rows, and
// the weights of a pass (4 column blocks x 128 k, 32 KB) stay in L1 across all row tiles. The
// blocked [column block][m][16] result is copied into C's columns and the shared epilogue adds
// the bias and residual and applies the activation on them while they are in cache.
#include "../internal.h"
#include "blocked16_avx512.h"

namespace lf {
namespace avx512 {
using namespace blocked16;

void linear_packed(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* packed, float* c,
                   int64_t ldc, int64_t ob0, int64_t ob1, float* scratch, const lf_epilogue& e) {
  const int64_t cb = k / 16, nob = ob1 - ob0;
  // A as [k/16][m][16]: read in place, rows lda floats apart (16 KB for k = 4096) would put the 7
  // rows of a tile in the same L1 sets as each other and the weights.
  float* ab = scratch;
  float* out = scratch + m * k;
  for (int64_t b = 0; b < cb; ++b)
    for (int64_t i = 0; i < m; ++i) _mm512_storeu_ps(ab + (b * m + i) * 16, _mm512_loadu_ps(a + i * lda + b * 16));
  const Dims d = row_of_pixels(cb, nob, m, 1);
  conv_rows<1>(d, ab, packed + ob0 * cb * 256, nullptr, out);
  for (int64_t ob = 0; ob < nob; ++ob) {
    const int64_t col = (ob0 + ob) * 16;
    const __mmask16 mask = tail_mask(n - col);
    for (int64_t i = 0; i < m; ++i)
      _mm512_mask_storeu_ps(c + i * ldc + col, mask, _mm512_loadu_ps(out + (ob * m + i) * 16));
  }
  const int64_t c0 = ob0 * 16, c1 = ob1 * 16 < n ? ob1 * 16 : n;
  kKernels.epilogue(c + c0, m, c1 - c0, ldc, epilogue_at(e, 0, c0));
}

}  // namespace avx512
}  // namespace lf
