/*
 * layerfuse native kernels: the C ABI that dev.layerfuse.exec.nativ.LayerfuseNative mirrors,
 * one function to one method.
 *
 * Contract: the Java side validates every size, stride and buffer range before calling; these
 * functions never throw, never allocate in the hot path and return an LF_* status code. They
 * re-check only what is cheap (non-negative sizes, known enum values, supported ISA) so that a
 * C caller gets an error code instead of undefined behaviour.
 */
#ifndef LAYERFUSE_KERNELS_H
#define LAYERFUSE_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes; dev.layerfuse.exec.NativeException.Code mirrors them. */
enum {
  LF_OK = 0,
  LF_ERR_INVALID_ARGUMENT = 1,
  LF_ERR_UNSUPPORTED_ISA = 2,
  LF_ERR_INTERNAL = 3
};

/* Kernel instruction-set variants, compiled side by side and chosen at run time. */
enum {
  LF_ISA_BASELINE = 0, /* x86-64 (SSE2), runs everywhere */
  LF_ISA_AVX2 = 1,     /* AVX2 + FMA */
  LF_ISA_AVX512 = 2    /* AVX-512 F/VL/BW/DQ */
};

/* Activation applied by an epilogue; ReLU, ReLU6 and Clip are all LF_ACT_CLAMP. */
enum {
  LF_ACT_NONE = 0,
  LF_ACT_CLAMP = 1,      /* min(max(x, lo), hi); ReLU is lo = 0, hi = +inf */
  LF_ACT_LEAKY_RELU = 2, /* x < 0 ? alpha * x : x */
  LF_ACT_SIGMOID = 3,
  LF_ACT_TANH = 4,
  LF_ACT_HARDSWISH = 5,  /* x * clamp(x + 3, 0, 6) / 6 */
  LF_ACT_SILU = 6,       /* x * sigmoid(x) */
  LF_ACT_ELU = 7,        /* x < 0 ? alpha * (e^x - 1) : x */
  LF_ACT_SELU = 8,       /* hi * (x > 0 ? x : alpha * (e^x - 1)): gamma travels in hi */
  LF_ACT_SOFTPLUS = 9,   /* log(1 + e^x) */
  LF_ACT_EXP = 10,
  LF_ACT_LOG = 11,
  LF_ACT_SQRT = 12,
  LF_ACT_ABS = 13,
  LF_ACT_NEG = 14,
  LF_ACT_RECIPROCAL = 15,
  LF_ACT_POW = 16,       /* x ^ alpha */
  LF_ACT_LAST = LF_ACT_POW
};

/* How a bias vector is broadcast over a row-major M x N output. */
enum {
  LF_BIAS_NONE = 0,
  LF_BIAS_PER_ROW = 1, /* bias[M]: convolution output channels */
  LF_BIAS_PER_COL = 2  /* bias[N]: Linear output features */
};

/* The epilogue applied to an output tile while it is in cache:
 * c = act(c + bias + residual). */
typedef struct lf_epilogue {
  const float* bias;     /* NULL when bias_mode is LF_BIAS_NONE */
  int bias_mode;
  const float* residual; /* NULL or an M x N matrix with leading dimension ldr */
  int64_t ldr;
  int act;
  float alpha;           /* LeakyReLU slope */
  float lo, hi;          /* clamp bounds */
} lf_epilogue;

/* --- library and CPU --- */
const char* lf_version(void);
/* 1 if this CPU and OS can run the variant, else 0. */
int lf_isa_supported(int isa);
/* The fastest variant this CPU supports. */
int lf_isa_best(void);
/* "baseline", "avx2", "avx512", or "unknown". */
const char* lf_isa_name(int isa);

/* Returns memory that malloc holds free back to the OS (glibc's malloc_trim; a no-op elsewhere).
 * Returns 1 if memory was released. For leak checks and long-running servers after a burst. */
int lf_trim_heap(void);

/* Asks for transparent huge pages on the 2 MB-aligned part of [p, p + bytes) (Linux madvise
 * MADV_HUGEPAGE; a hint, given before the memory is first touched). Returns 1 if advised, 0 if not
 * (no whole 2 MB page inside, not Linux, or the kernel declined), LF_ERR_INVALID_ARGUMENT as a
 * negative number for a null p or negative bytes. Streaming a large weight (a batch-1 Linear) then
 * misses the TLB once per 2 MB instead of once per 4 KB. */
int lf_advise_huge_pages(const void* p, int64_t bytes);

/* --- OpenBLAS threading: process-wide, as OpenBLAS itself is --- */
void lf_blas_set_num_threads(int threads);
int lf_blas_get_num_threads(void);
const char* lf_blas_config(void);

/*
 * C = act(A * op(B) + bias + residual), row-major.
 * A is M x K (leading dimension lda). With trans_b = 0, B is K x N (ldb); with trans_b = 1,
 * B is N x K (ldb), the layout of a Linear layer's weight. C is M x N (ldc) and is overwritten.
 * M = 1 with trans_b = 1, and N = 1, go to sgemv (batch-1 Linear layers are memory-bound).
 */
int lf_f32_gemm_bias_act(int isa, int trans_b, int64_t m, int64_t n, int64_t k,
                         const float* a, int64_t lda, const float* b, int64_t ldb,
                         float* c, int64_t ldc,
                         const float* bias, int bias_mode,
                         const float* residual, int64_t ldr,
                         int act, float alpha, float lo, float hi);

/* Applies the epilogue alone, in place, to an M x N matrix (the unfused baseline's pass). */
int lf_f32_bias_act(int isa, int64_t m, int64_t n, float* c, int64_t ldc,
                    const float* bias, int bias_mode,
                    const float* residual, int64_t ldr,
                    int act, float alpha, float lo, float hi);

/*
 * Convolution and pooling geometry, NCHW: an int64_t[LF_GEOM_LEN] array indexed by these
 * constants. For pooling, in_c = out_c = channels and groups is ignored. Java builds and
 * validates it once per plan node.
 */
enum {
  LF_GEOM_N = 0, LF_GEOM_IN_C, LF_GEOM_IN_H, LF_GEOM_IN_W, LF_GEOM_OUT_C, LF_GEOM_KH, LF_GEOM_KW,
  LF_GEOM_SH, LF_GEOM_SW, LF_GEOM_PAD_T, LF_GEOM_PAD_L, LF_GEOM_PAD_B, LF_GEOM_PAD_R,
  LF_GEOM_DH, LF_GEOM_DW, LF_GEOM_GROUPS, LF_GEOM_OUT_H, LF_GEOM_OUT_W, LF_GEOM_LEN
};

/*
 * y = act(conv2d(x, weight) + bias + residual) by im2col + sgemm, tiled over output pixels so
 * each column tile and output tile stay in cache; 1x1 stride-1 unpadded convs skip im2col.
 * weight is [out_c, in_c/groups, kh, kw]. pad_values (one per input channel, or NULL for zeros)
 * fill the padding. scratch holds scratch_floats floats; the tile width adapts to it (at least
 * (in_c/groups)*kh*kw*min(16, out_h*out_w) floats are needed unless im2col is skipped).
 */
/*
 * The direct AVX-512 convolution with the weight prepacked as
 * [out_c/16][cb][kh][kw][16 in][16 out] with cb = ceil(in_c/16) (packed[(((((oc/16)*cb + ic/16)*kh + i)*kw
 * + j)*16 + ic%16)*16 + oc%16] = weight[oc][ic][i][j], zeros past in_c). Only groups 1, out_c a multiple
 * of 16, in_c a multiple of 16 or below 16, not a 1x1 stride-1 unpadded conv (LF_ERR_INVALID_ARGUMENT
 * otherwise) and only isa AVX-512 (LF_ERR_UNSUPPORTED_ISA otherwise). Computes output rows oy0..oy1-1
 * of every image (0, out_h for all; threads take disjoint strips, each with its own scratch of
 * 16*cb*(in_h+pads)*(in_w+pads) + out_c*out_h*out_w floats).
 */
int lf_f32_conv2d_packed(int isa, const int64_t* geom, int64_t oy0, int64_t oy1, const float* x, const float* packed,
                         const float* bias, const float* pad_values, const float* residual, float* y, float* scratch,
                         int64_t scratch_floats, int act, float alpha, float lo, float hi);
/*
 * Winograd F(2x2, 3x3) convolution on AVX-512 (LF_ERR_UNSUPPORTED_ISA for other isa values): 3x3,
 * stride 1, dilation 1, groups 1, in_c and out_c multiples of 16 (LF_ERR_INVALID_ARGUMENT otherwise).
 * u is the weight transformed as U = G w G^T per channel pair, G = [[1,0,0],[1/2,1/2,1/2],
 * [1/2,-1/2,1/2],[0,0,1]], stored as u[((xi*(out_c/16) + oc/16)*(in_c/16) + ic/16)*256 + (ic%16)*16
 * + oc%16] = U[xi/4][xi%4] of (oc, ic). Computes output rows oy0..oy1-1 (oy0 even, oy1 even or out_h)
 * and channels oc0..oc1-1 (multiples of 16) of every image; x, bias, residual and y are the whole
 * tensors. Threads take disjoint ranges, each with its own scratch of
 * lf_conv2d_winograd_scratch(geom) floats. Results differ from a direct conv by float rounding of
 * the transforms (about 1e-6 relative).
 */
int lf_f32_conv2d_winograd(int isa, const int64_t* geom, int64_t oy0, int64_t oy1, int64_t oc0, int64_t oc1,
                           const float* x, const float* u, const float* bias, const float* pad_values,
                           const float* residual, float* y, float* scratch, int64_t scratch_floats, int act,
                           float alpha, float lo, float hi);
/* Scratch floats one lf_f32_conv2d_winograd call needs, or -1 when the geometry is not eligible. */
int64_t lf_conv2d_winograd_scratch(const int64_t* geom);
int lf_f32_conv2d_bias_act(int isa, const int64_t* geom, const float* x, const float* weight,
                           const float* bias, const float* pad_values, const float* residual,
                           float* y, float* scratch, int64_t scratch_floats,
                           int act, float alpha, float lo, float hi);

/* Depthwise conv (groups = in_c = out_c), direct: no im2col, the same epilogue. */
int lf_f32_dwconv2d_bias_act(int isa, const int64_t* geom, const float* x, const float* weight,
                             const float* bias, const float* pad_values, const float* residual,
                             float* y, int act, float alpha, float lo, float hi);

/*
 * A 1x1 conv feeding a depthwise conv in one pass (AVX-512 only; LF_ERR_UNSUPPORTED_ISA otherwise):
 * y = act_d(dwconv(act_p(conv1x1(x, w_p) + b_p), w_d) + b_d) for channels c0..c1-1 of the depthwise
 * conv geom (whose in_c is the 1x1 conv's output channels); x is [n][cin][in_h][in_w], w_p
 * [in_c][cin], w_d [in_c][kh][kw]; b_p, b_d and pad_values (the depthwise pad per channel) may be
 * null. The expansion is made in strips of output rows through scratch, which must hold a strip of
 * one row: (c1 - c0) * in_w * ((kh - 1) * dh + 1) floats; more gives taller strips. Threads take
 * disjoint channel ranges, each with its own scratch. Needs pad_t and pad_b at most (kh - 1) * dh.
 * Results equal the two separate kernels' exactly.
 */
int lf_f32_pw_dw(int isa, const int64_t* geom, int64_t cin, int64_t c0, int64_t c1, const float* x, const float* w_p,
                 const float* b_p, int act_p, float alpha_p, float lo_p, float hi_p, const float* w_d, const float* b_d,
                 const float* pad_values, float* y, float* scratch, int64_t scratch_floats, int act, float alpha,
                 float lo, float hi);

/*
 * y = act(conv_transpose2d(x, weight) + bias); geom describes input (in_c, in_h, in_w) and output
 * (out_c, out_h, out_w); weight is [in_c, out_c/groups, kh, kw]. scratch needs
 * (out_c/groups)*kh*kw*in_h*in_w floats.
 */
int lf_f32_conv_transpose2d_bias_act(int isa, const int64_t* geom, const float* x,
                                     const float* weight, const float* bias, float* y,
                                     float* scratch, int64_t scratch_floats,
                                     int act, float alpha, float lo, float hi);

/* Max (is_max = 1) or average pooling; padding never wins a max. */
int lf_f32_pool2d(int isa, const int64_t* geom, int is_max, int count_include_pad,
                  const float* x, float* y);

/* y[p] = mean of x[p*hw .. p*hw + hw) for each of planes planes. */
int lf_f32_global_avg_pool(int isa, int64_t planes, int64_t hw, const float* x, float* y);

/* y = act(x * scale[c] + shift[c]) over [n, c, inner]. */
int lf_f32_scale_shift_act(int isa, int64_t n, int64_t c, int64_t inner, const float* x,
                           const float* scale, const float* shift, float* y,
                           int act, float alpha, float lo, float hi);

/* y = act(x) elementwise over count floats (y may alias x). */
int lf_f32_act(int isa, int64_t count, const float* x, float* y, int act, float alpha, float lo, float hi);

/* y = act(a + b) elementwise over count floats (y may alias a or b). */
int lf_f32_add_act(int isa, int64_t count, const float* a, const float* b, float* y,
                   int act, float alpha, float lo, float hi);

/*
 * C[m x n] = act(A[m x k] W^T + bias + residual) with W [n x k] prepacked for AVX-512 (LF_ERR_UNSUPPORTED_ISA
 * for other isa values) as packed[((j/16)*(k/16) + i/16)*256 + (i%16)*16 + j%16] = W[j][i], zeros for
 * j >= n (ceil(n/16) column blocks). k and lda multiples of 16; bias_mode LF_BIAS_NONE or
 * LF_BIAS_PER_COL. Computes columns n0..n1-1 (n0 a multiple of 16, n1 one too or n); threads take
 * disjoint column ranges, each with its own scratch of lf_linear_packed_scratch(m, n1 - n0, k) floats.
 * Results equal a dot product in k order up to float rounding.
 */
int lf_f32_linear_packed(int isa, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* packed,
                         int64_t n0, int64_t n1, const float* bias, int bias_mode, const float* residual, int64_t ldr,
                         float* c, int64_t ldc, float* scratch, int64_t scratch_floats, int act, float alpha, float lo,
                         float hi);
/* Scratch floats of one lf_f32_linear_packed call over `cols` columns: m*k + m*ceil(cols/16)*16. */
int64_t lf_linear_packed_scratch(int64_t m, int64_t cols, int64_t k);

/*
 * A 1x1 stride-1 conv of one image and group on NCHW for AVX-512 (LF_ERR_UNSUPPORTED_ISA for other isa
 * values): Y[rows x cols] = act(W[rows x k] X[k x cols] + bias + residual), W the weight rows as
 * stored ([out_c][in_c], leading dimension ldw), X the input channels' planes (ldx apart), pixels
 * along the vector lanes; nothing is packed. The same epilogue arguments as lf_f32_gemm_bias_act.
 */
int lf_f32_pointwise_conv(int isa, int64_t rows, int64_t cols, int64_t k, const float* w, int64_t ldw, const float* x,
                          int64_t ldx, float* y, int64_t ldy, const float* bias, int bias_mode, const float* residual,
                          int64_t ldr, int act, float alpha, float lo, float hi);

/* --- layout and elementwise ops over up to LF_MAX_RANK dimensions --- */
enum { LF_MAX_RANK = 6 };
enum { LF_BIN_ADD = 0, LF_BIN_SUB = 1, LF_BIN_MUL = 2, LF_BIN_DIV = 3, LF_BIN_MAX = 4, LF_BIN_MIN = 5 };
enum { LF_PAD_CONSTANT = 0, LF_PAD_EDGE = 1, LF_PAD_REFLECT = 2, LF_PAD_WRAP = 3 };

/* Dimensions and element strides, outermost first, rank <= LF_MAX_RANK; unused entries are
 * dims 1 / strides 0. Passed by value for the same reason as LF_GEOM_PARAMS. */
#define LF_DIMS_PARAMS(p) int64_t p##0, int64_t p##1, int64_t p##2, int64_t p##3, int64_t p##4, int64_t p##5

/* y[i] = act(a[i·sa] op b[i·sb]) over the output dims (numpy broadcasting: stride 0 repeats). */
int lf_f32_binary(int isa, int op, LF_DIMS_PARAMS(d), LF_DIMS_PARAMS(sa), LF_DIMS_PARAMS(sb),
                  const float* a, const float* b, float* y, int act, float alpha, float lo, float hi);

/* y[i·sy] = x[i·sx] over dims: transposes, broadcasts, concatenation into a slice of y. */
int lf_f32_strided_copy(LF_DIMS_PARAMS(d), LF_DIMS_PARAMS(sx), LF_DIMS_PARAMS(sy), const float* x, float* y);

/* Softmax (or log-softmax) over the middle axis of [outer, n, inner]. */
int lf_f32_softmax(int isa, int64_t outer, int64_t n, int64_t inner, int log, const float* x, float* y);

/* y = pad(x): input dims d, per-axis pads before/after; modes LF_PAD_*. Output contiguous. */
int lf_f32_pad(LF_DIMS_PARAMS(d), LF_DIMS_PARAMS(before), LF_DIMS_PARAMS(after), int mode, float value,
               const float* x, float* y);

/* y[p] = max of x[p*hw .. p*hw + hw). */
int lf_f32_global_max_pool(int isa, int64_t planes, int64_t hw, const float* x, float* y);

/*
 * The same four geometry-taking kernels with the geometry passed by value (LF_GEOM_PARAMS),
 * for the JNI binding: an array argument would make the JVM copy it on every call.
 */
#define LF_GEOM_PARAMS                                                                           \
  int64_t g_n, int64_t g_in_c, int64_t g_in_h, int64_t g_in_w, int64_t g_out_c, int64_t g_kh,     \
      int64_t g_kw, int64_t g_sh, int64_t g_sw, int64_t g_pad_t, int64_t g_pad_l, int64_t g_pad_b, \
      int64_t g_pad_r, int64_t g_dh, int64_t g_dw, int64_t g_groups, int64_t g_out_h, int64_t g_out_w
int lf_f32_conv2d_packed_v(int isa, LF_GEOM_PARAMS, int64_t oy0, int64_t oy1, const float* x, const float* packed,
                           const float* bias, const float* pad_values, const float* residual, float* y, float* scratch,
                           int64_t scratch_floats, int act, float alpha, float lo, float hi);
int lf_f32_conv2d_winograd_v(int isa, LF_GEOM_PARAMS, int64_t oy0, int64_t oy1, int64_t oc0, int64_t oc1,
                             const float* x, const float* u, const float* bias, const float* pad_values,
                             const float* residual, float* y, float* scratch, int64_t scratch_floats, int act,
                             float alpha, float lo, float hi);
int64_t lf_conv2d_winograd_scratch_v(LF_GEOM_PARAMS);
int lf_f32_conv2d_bias_act_v(int isa, LF_GEOM_PARAMS, const float* x, const float* weight,
                             const float* bias, const float* pad_values, const float* residual,
                             float* y, float* scratch, int64_t scratch_floats,
                             int act, float alpha, float lo, float hi);
int lf_f32_dwconv2d_bias_act_v(int isa, LF_GEOM_PARAMS, const float* x, const float* weight,
                               const float* bias, const float* pad_values, const float* residual,
                               float* y, int act, float alpha, float lo, float hi);
int lf_f32_conv_transpose2d_bias_act_v(int isa, LF_GEOM_PARAMS, const float* x, const float* weight,
                                       const float* bias, float* y, float* scratch,
                                       int64_t scratch_floats, int act, float alpha, float lo, float hi);
int lf_f32_pool2d_v(int isa, LF_GEOM_PARAMS, int is_max, int count_include_pad, const float* x,
                    float* y);
int lf_f32_pw_dw_v(int isa, LF_GEOM_PARAMS, int64_t cin, int64_t c0, int64_t c1, const float* x, const float* w_p,
                   const float* b_p, int act_p, float alpha_p, float lo_p, float hi_p, const float* w_d,
                   const float* b_d, const float* pad_values, float* y, float* scratch, int64_t scratch_floats,
                   int act, float alpha, float lo, float hi);

#ifdef __cplusplus
}
#endif

#endif /* LAYERFUSE_KERNELS_H */
