// Internal declarations shared by the native sources; not part of the C ABI.
#ifndef LAYERFUSE_INTERNAL_H
#define LAYERFUSE_INTERNAL_H

#include <cstdint>

#include "layerfuse/kernels.h"

namespace lf {

// Applies e to the m x n block at c (leading dimension ldc). e.bias and e.residual already
// point at the block's first row/column.
using EpilogueFn = void (*)(float* c, int64_t m, int64_t n, int64_t ldc, const lf_epilogue& e);

using ScaleShiftFn = void (*)(const float* x, int64_t n, int64_t c, int64_t inner, const float* scale,
                             const float* shift, float* y, const lf_epilogue& e);
using DwConvFn = void (*)(const int64_t* geom, const float* x, const float* weight, const float* bias,
                          const float* pad_values, const float* residual, float* y, const lf_epilogue& e);

// One table of kernels per instruction-set variant; the dispatcher picks one per call.
struct IsaKernels {
  const char* name;
  EpilogueFn epilogue;
  ScaleShiftFn scale_shift;
  DwConvFn dwconv;
};

// Shared argument checks (status LF_OK or LF_ERR_INVALID_ARGUMENT).
bool valid_act(int act, float lo, float hi);
bool valid_geometry(const int64_t* g);
lf_epilogue make_epilogue(const float* bias, int bias_mode, const float* residual, int64_t ldr,
                          int act, float alpha, float lo, float hi);

namespace baseline { extern const IsaKernels kKernels; }
namespace avx2 { extern const IsaKernels kKernels; }
namespace avx512 {
extern const IsaKernels kKernels;
// Direct NCHW16c convolution (src/isa/direct_conv_avx512.cpp): groups 1, channels in multiples of 16.
bool direct_conv_applies(const int64_t* g);
int64_t direct_conv_scratch(const int64_t* g, bool packed);
// y = conv + bias, then `after` (no bias; residual for image 0, advanced per image; activation).
// `packed` (or null: packed into the scratch) is the weight in [cout/16][cin/16][kh][kw][16 in][16 out].
// Computes output rows oy0..oy1-1 only (0..out_h for the whole conv; threads take strips).
void direct_conv(const int64_t* g, const float* x, const float* weight, const float* packed, const float* bias,
                 const float* pad_values, float* y, float* scratch, const lf_epilogue& after, int64_t oy0,
                 int64_t oy1);
// Winograd F(2x2, 3x3) in NCHW16c (src/isa/winograd_avx512.cpp): 3x3 stride 1 dilation 1, groups 1,
// channels in multiples of 16. `u` holds the transformed weights [16][cout/16][cin/16][16 in][16 out].
bool winograd_applies(const int64_t* g);
// Tile rows (2 output rows each, counted over the images) per chunk: at most kWinogradMaxChunkRows
// unless the transformed weights outgrow L2.
constexpr int64_t kWinogradMaxChunkRows = 6;
int64_t winograd_chunk_rows(const int64_t* g);
// Scratch floats of one call, whatever its tile-row and output-block range.
int64_t winograd_scratch(const int64_t* g);
// Tile rows ty0..ty1-1 and output blocks ob0..ob1-1 of every image: y = conv + bias, then `after`
// (no bias; residual of the whole output, offset here; activation).
void winograd_conv(const int64_t* g, const float* x, const float* u, const float* bias, const float* pad_values,
                   float* y, float* scratch, const lf_epilogue& after, int64_t ty0, int64_t ty1, int64_t ob0,
                   int64_t ob1);
// Depthwise conv on NCHW with masked loads (src/isa/depthwise_avx512.cpp); the DwConvFn contract.
void dwconv_direct(const int64_t* g, const float* x, const float* weight, const float* bias, const float* pad_values,
                   const float* residual, float* y, const lf_epilogue& e);
// The same with output (and residual) channel planes ycs floats apart instead of out_h * out_w: a
// strip of output rows written into a whole image.
void dwconv_strided(const int64_t* g, int64_t ycs, const float* x, const float* weight, const float* bias,
                    const float* pad_values, const float* residual, float* y, const lf_epilogue& e);
// A 1x1 conv (cin -> in_c of g, weight wp [in_c][cin], epilogue ep: bias per row, activation) whose
// output feeds the depthwise conv g (src/isa/pw_dw_avx512.cpp), for channels c0..c1-1 of it, in strips
// of `rows` output rows through scratch (pw_dw_strip_rows of it). y is the whole depthwise output.
int64_t pw_dw_strip_rows(const int64_t* g, int64_t channels, int64_t scratch_floats);
void pw_dw(const int64_t* g, int64_t cin, int64_t c0, int64_t c1, const float* x, const float* wp,
           const lf_epilogue& ep, const float* wd, const float* bd, const float* pad_values, float* y, float* scratch,
           int64_t rows, const lf_epilogue& ed);
// Max pooling on NCHW with masked loads (the same file); NaN in a window gives NaN.
void maxpool_direct(const int64_t* g, const float* x, float* y);
// C = A * B^T for few rows of A, B read as stored (src/isa/gemm_nt_avx512.cpp); no epilogue.
void gemm_nt_small(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                   float* c, int64_t ldc);
// y[n] = W[n x k] x, W read as stored (the same file): a batch-1 Linear's weight-streaming GEMV.
void gemv_nt(int64_t n, int64_t k, const float* x, const float* w, int64_t ldw, float* y);
// C = A W^T with W prepacked as [ceil(n/16)][k/16][16 k][16 n] (src/isa/linear_avx512.cpp): column
// blocks ob0..ob1-1 of C, then `e` on those columns (e for the whole C). k and lda multiples of 16;
// scratch (private to the call) holds m x k + m x 16 x (ob1 - ob0) floats.
void linear_packed(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* packed, float* c,
                   int64_t ldc, int64_t ob0, int64_t ob1, float* scratch, const lf_epilogue& e);
// Y[rows x cols] = W[rows x k] X[k x cols], then `e` (src/isa/pointwise_avx512.cpp): a 1x1 conv on NCHW
// with pixels along the vector lanes; operands as stored.
void pointwise_nchw(int64_t rows, int64_t cols, int64_t k, const float* w, int64_t ldw, const float* x, int64_t ldx,
                    float* y, int64_t ldy, const lf_epilogue& e);
// Rows of A up to which gemm_nt_small beats OpenBLAS's sgemm (which repacks B on every call).
constexpr int64_t kGemmNtSmallMaxRows = 12;
}  // namespace avx512

// The table for isa, or nullptr when the value is unknown or the CPU cannot run it.
const IsaKernels* kernels_for(int isa);

// Offsets the epilogue's bias/residual pointers to the block starting at (row, col).
inline lf_epilogue epilogue_at(const lf_epilogue& e, int64_t row, int64_t col) {
  lf_epilogue out = e;
  if (e.bias_mode == LF_BIAS_PER_ROW) out.bias = e.bias + row;
  if (e.bias_mode == LF_BIAS_PER_COL) out.bias = e.bias + col;
  if (e.residual != nullptr) out.residual = e.residual + row * e.ldr + col;
  return out;
}

}  // namespace lf

#endif
