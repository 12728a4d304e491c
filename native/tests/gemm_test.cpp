// GEMM + epilogue against a double-precision reference, for every ISA variant this CPU runs.
#include <cmath>
#include <random>
#include <vector>

#include "harness.h"
#include "layerfuse/kernels.h"

namespace {

struct Act {
  int kind;
  float alpha, lo, hi;
  const char* name;
};

const Act kActs[] = {
    {LF_ACT_NONE, 0, 0, 0, "none"},
    {LF_ACT_CLAMP, 0, 0, INFINITY, "relu"},
    {LF_ACT_CLAMP, 0, 0, 6, "relu6"},
    {LF_ACT_LEAKY_RELU, 0.1f, 0, 0, "leaky"},
    {LF_ACT_SIGMOID, 0, 0, 0, "sigmoid"},
    {LF_ACT_TANH, 0, 0, 0, "tanh"},
    {LF_ACT_HARDSWISH, 0, 0, 0, "hardswish"},
    {LF_ACT_SILU, 0, 0, 0, "silu"},
    {LF_ACT_ELU, 0.7f, 0, 0, "elu"},
    {LF_ACT_SELU, 1.67f, 0, 1.05f, "selu"},
    {LF_ACT_SOFTPLUS, 0, 0, 0, "softplus"},
    {LF_ACT_EXP, 0, 0, 0, "exp"},
    {LF_ACT_ABS, 0, 0, 0, "abs"},
    {LF_ACT_NEG, 0, 0, 0, "neg"},
};

double ref_act(const Act& a, double v) {
  switch (a.kind) {
    case LF_ACT_CLAMP: return std::fmin(std::fmax(v, a.lo), a.hi);
    case LF_ACT_LEAKY_RELU: return v < 0 ? v * a.alpha : v;
    case LF_ACT_SIGMOID: return 1.0 / (1.0 + std::exp(-v));
    case LF_ACT_TANH: return std::tanh(v);
    case LF_ACT_HARDSWISH: return v * std::fmin(std::fmax(v + 3, 0.0), 6.0) / 6.0;
    case LF_ACT_SILU: return v / (1.0 + std::exp(-v));
    case LF_ACT_ELU: return v < 0 ? a.alpha * std::expm1(v) : v;
    case LF_ACT_SELU: return v > 0 ? a.hi * v : a.hi * a.alpha * std::expm1(v);
    case LF_ACT_SOFTPLUS: return std::log1p(std::exp(v));
    case LF_ACT_EXP: return std::exp(v);
    case LF_ACT_ABS: return std::fabs(v);
    case LF_ACT_NEG: return -v;
    default: return v;
  }
}

std::vector<int> supported_isas() {
  std::vector<int> out;
  for (int isa : {LF_ISA_BASELINE, LF_ISA_AVX2, LF_ISA_AVX512})
    if (lf_isa_supported(isa)) out.push_back(isa);
  return out;
}

std::vector<float> random_vec(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Runs one case with padded leading dimensions and checks max|d| / max|ref| <= 1e-5.
void check_case(int isa, int trans_b, int64_t m, int64_t n, int64_t k, int bias_mode,
                bool residual, const Act& act) {
  std::mt19937 rng(static_cast<unsigned>(m * 131 + n * 17 + k + bias_mode * 7 + trans_b));
  const int64_t lda = k + 3, ldb = (trans_b ? k : n) + 1, ldc = n + 2, ldr = n + 5;
  auto a = random_vec(static_cast<size_t>(m * lda), rng);
  auto b = random_vec(static_cast<size_t>((trans_b ? n : k) * ldb), rng);
  auto bias = random_vec(static_cast<size_t>(m > n ? m : n), rng);
  auto res = random_vec(static_cast<size_t>(m * ldr), rng);
  std::vector<float> c(static_cast<size_t>(m * ldc), 12345.0f);

  int rc = lf_f32_gemm_bias_act(isa, trans_b, m, n, k, a.data(), lda, b.data(), ldb, c.data(), ldc,
                                bias_mode ? bias.data() : nullptr, bias_mode,
                                residual ? res.data() : nullptr, ldr, act.kind, act.alpha, act.lo, act.hi);
  LF_CHECK(rc == LF_OK, "status " + std::to_string(rc));
  double max_ref = 0, max_diff = 0;
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) {
        double bv = trans_b ? b[j * ldb + p] : b[p * ldb + j];
        s += static_cast<double>(a[i * lda + p]) * bv;
      }
      if (bias_mode == LF_BIAS_PER_ROW) s += bias[i];
      if (bias_mode == LF_BIAS_PER_COL) s += bias[j];
      if (residual) s += res[i * ldr + j];
      double r = ref_act(act, s);
      max_ref = std::fmax(max_ref, std::fabs(r));
      max_diff = std::fmax(max_diff, std::fabs(r - c[i * ldc + j]));
    }
    for (int64_t j = n; j < ldc; ++j) LF_CHECK(c[i * ldc + j] == 12345.0f, "padding overwritten");
  }
  double rel = max_ref > 0 ? max_diff / max_ref : max_diff;
  char what[200];
  std::snprintf(what, sizeof what, "isa=%s trans_b=%d m=%ld n=%ld k=%ld bias=%d res=%d act=%s rel=%g",
                lf_isa_name(isa), trans_b, (long)m, (long)n, (long)k, bias_mode, residual ? 1 : 0,
                act.name, rel);
  LF_CHECK(rel <= 1e-5, what);
}

}  // namespace

LF_TEST(gemm_matches_reference) {
  const int64_t shapes[][3] = {{1, 1, 1},  {1, 17, 33}, {5, 1, 9},   {7, 13, 19},
                               {1, 300, 257}, {64, 300, 27}, {33, 500, 70}, {3, 2, 0}};
  for (int isa : supported_isas())
    for (auto& s : shapes)
      for (int trans_b : {0, 1})
        for (int bias_mode : {LF_BIAS_NONE, LF_BIAS_PER_ROW, LF_BIAS_PER_COL})
          check_case(isa, trans_b, s[0], s[1], s[2], bias_mode, false, kActs[1]);
}

LF_TEST(every_activation_and_residual) {
  for (int isa : supported_isas())
    for (const Act& act : kActs)
      for (bool residual : {false, true}) check_case(isa, 1, 9, 70, 31, LF_BIAS_PER_COL, residual, act);
}

LF_TEST(few_rows_times_transposed_weight) {
  // Batch 2..12 against a transposed B (the AVX-512 dot-product kernel): every row-tile height
  // 1..8 and a second tile, one to three weight rows per tile, K tails of 1..15 and none.
  for (int isa : supported_isas())
    for (int64_t m : {2, 3, 7, 8, 9, 12, 13})
      for (int64_t n : {1, 2, 3, 4, 50})
        for (int64_t k : {16, 17, 31, 64, 300})
          check_case(isa, 1, m, n, k, n % 2 ? LF_BIAS_PER_COL : LF_BIAS_PER_ROW, k == 17, kActs[m % 3]);
}

LF_TEST(batch_one_times_transposed_weight) {
  // Batch 1 against a transposed B (the AVX-512 streaming GEMV). A weight within L2: groups of four
  // weight rows and the 1..3 left over, K in whole 32-float steps, a 16-float step, masked tails,
  // and under 16 (OpenBLAS).
  for (int isa : supported_isas())
    for (int64_t n : {1, 3, 4, 5, 7, 8, 50})
      for (int64_t k : {5, 16, 17, 31, 32, 48, 63, 300})
        check_case(isa, 1, 1, n, k, n % 2 ? LF_BIAS_PER_COL : LF_BIAS_NONE, k == 17, kActs[n % 3]);
  // Rows of more than 2048 floats: groups of eight, then four, then single rows (n = 8 + 8 + 4 + 1,
  // 8 + 4 + 3, 8 + 1, 4 + 3), with and without a K tail; shorter rows of a weight beyond L2 one row
  // at a time.
  for (int isa : supported_isas()) {
    for (int64_t n : {21, 15, 9, 7})
      for (int64_t k : {2049, 2080, 2111}) check_case(isa, 1, 1, n, k, LF_BIAS_PER_COL, n == 9, kActs[n % 3]);
    for (int64_t k : {1000, 2048}) check_case(isa, 1, 1, 300, k, k == 1000 ? LF_BIAS_PER_COL : LF_BIAS_NONE, k == 2048, kActs[1]);
  }
}

LF_TEST(wide_output_uses_several_panels) {
  // 8 x 9000 outputs span several 256 KB panels: each panel's epilogue must see its own bias slice.
  for (int isa : supported_isas()) check_case(isa, 0, 8, 9000, 5, LF_BIAS_PER_COL, true, kActs[2]);
}

LF_TEST(invalid_arguments_are_rejected) {
  float x[16] = {0};
  LF_CHECK(lf_f32_gemm_bias_act(99, 0, 1, 1, 1, x, 1, x, 1, x, 1, nullptr, 0, nullptr, 0, 0, 0, 0, 0) ==
               LF_ERR_UNSUPPORTED_ISA, "unknown isa");
  LF_CHECK(lf_f32_gemm_bias_act(0, 0, -1, 1, 1, x, 1, x, 1, x, 1, nullptr, 0, nullptr, 0, 0, 0, 0, 0) ==
               LF_ERR_INVALID_ARGUMENT, "negative m");
  LF_CHECK(lf_f32_gemm_bias_act(0, 0, 2, 2, 4, x, 3, x, 2, x, 2, nullptr, 0, nullptr, 0, 0, 0, 0, 0) ==
               LF_ERR_INVALID_ARGUMENT, "lda < k");
  LF_CHECK(lf_f32_gemm_bias_act(0, 0, 2, 2, 2, x, 2, x, 2, x, 2, nullptr, LF_BIAS_PER_ROW, nullptr, 0, 0, 0, 0, 0) ==
               LF_ERR_INVALID_ARGUMENT, "bias mode without bias");
  LF_CHECK(lf_f32_gemm_bias_act(0, 0, 2, 2, 2, x, 2, x, 2, x, 2, nullptr, 0, nullptr, 0, LF_ACT_CLAMP, 0, 1, 0) ==
               LF_ERR_INVALID_ARGUMENT, "lo > hi");
  LF_CHECK(lf_f32_gemm_bias_act(0, 0, 2, 2, 2, x, 2, x, 2, x, 2, nullptr, 0, nullptr, 0, 42, 0, 0, 0) ==
               LF_ERR_INVALID_ARGUMENT, "unknown activation");
  LF_CHECK(lf_f32_bias_act(0, 2, 3, x, 2, nullptr, 0, nullptr, 0, 0, 0, 0, 0) == LF_ERR_INVALID_ARGUMENT,
           "ldc < n");
}

LF_TEST(isa_queries_are_consistent) {
  LF_CHECK(lf_isa_supported(LF_ISA_BASELINE) == 1, "baseline always runs");
  LF_CHECK(lf_isa_supported(lf_isa_best()) == 1, "best is supported");
  LF_CHECK(lf_isa_supported(7) == 0, "unknown isa");
  LF_CHECK(std::string(lf_isa_name(LF_ISA_AVX512)) == "avx512", "name");
  lf_blas_set_num_threads(1);
  LF_CHECK(lf_blas_get_num_threads() == 1, "blas threads");
}

// The huge-page hint: bad arguments rejected, no whole 2 MB page inside a range is not advised,
// and advised memory (whether or not the kernel grants huge pages) reads and writes as any other.
LF_TEST(huge_page_advice) {
  LF_CHECK(lf_advise_huge_pages(nullptr, 1 << 22) == -LF_ERR_INVALID_ARGUMENT, "null");
  std::vector<float> small(1000);
  LF_CHECK(lf_advise_huge_pages(small.data(), -1) == -LF_ERR_INVALID_ARGUMENT, "negative size");
  LF_CHECK(lf_advise_huge_pages(small.data(), 0) == 0, "empty range");
  LF_CHECK(lf_advise_huge_pages(small.data(), 4000) == 0, "no 2 MB page inside 4 KB");
  const int64_t n = 3 << 20;  // 12 MB: at least four whole 2 MB pages wherever it lands
  std::vector<float> big;
  big.reserve(n);  // allocated, not yet touched
  const int rc = lf_advise_huge_pages(big.data(), n * 4);
  LF_CHECK(rc == 0 || rc == 1, "status " + std::to_string(rc));
  big.assign(n, 0.0f);
  for (int64_t i = 0; i < n; i += 4099) big[i] = static_cast<float>(i);
  double sum = 0;
  for (int64_t i = 0; i < n; i += 4099) sum += big[i] - static_cast<float>(i);
  LF_CHECK(sum == 0 && big[1] == 0.0f, "advised memory reads back");
}

// The prepacked Linear: a partial last column block, two column ranges (threads) in separate
// scratch equal to the whole, lda wider than k, residual and bias; bad arguments rejected.
LF_TEST(linear_packed_matches_reference) {
  if (!lf_isa_supported(LF_ISA_AVX512)) return;
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> d(-1, 1);
  const int64_t m = 11, n = 70, k = 48, lda = 64, ldc = 75;
  std::vector<float> a(m * lda), w(n * k), bias(n), res(m * n), packed(((n + 15) / 16) * 16 * k, 0.0f);
  for (auto* v : {&a, &w, &bias, &res})
    for (auto& x : *v) x = d(rng);
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < k; ++i) packed[((j / 16) * (k / 16) + i / 16) * 256 + (i % 16) * 16 + j % 16] = w[j * k + i];
  std::vector<float> whole(m * ldc, 7.0f), parts(m * ldc, 7.0f);
  const int64_t sw = lf_linear_packed_scratch(m, n, k), s1 = lf_linear_packed_scratch(m, 32, k);
  const int64_t s2 = lf_linear_packed_scratch(m, n - 32, k);
  LF_CHECK(sw == m * k + m * 80 && s1 == m * k + m * 32, "scratch sizes");
  std::vector<float> scratch(sw), scratch1(s1), scratch2(s2);
  auto call = [&](int isa, int64_t n0, int64_t n1, float* c, float* scr, int64_t floats, int64_t lda_, int bias_mode) {
    return lf_f32_linear_packed(isa, m, n, k, a.data(), lda_, packed.data(), n0, n1, bias.data(), bias_mode, res.data(),
                                n, c, ldc, scr, floats, LF_ACT_LEAKY_RELU, 0.1f, 0, 0);
  };
  LF_CHECK(call(LF_ISA_AVX512, 0, n, whole.data(), scratch.data(), sw, lda, LF_BIAS_PER_COL) == LF_OK, "whole");
  double mx = 0, diff = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < ldc; ++j) {
      if (j >= n) {
        LF_CHECK(whole[i * ldc + j] == 7.0f, "ldc padding written");
        continue;
      }
      double s = bias[j] + res[i * n + j];
      for (int64_t p = 0; p < k; ++p) s += static_cast<double>(a[i * lda + p]) * w[j * k + p];
      s = s < 0 ? 0.1 * s : s;
      mx = std::fmax(mx, std::fabs(s));
      diff = std::fmax(diff, std::fabs(s - whole[i * ldc + j]));
    }
  LF_CHECK(diff / mx <= 1e-5, "rel " + std::to_string(diff / mx));
  LF_CHECK(call(LF_ISA_AVX512, 0, 32, parts.data(), scratch1.data(), s1, lda, LF_BIAS_PER_COL) == LF_OK, "first part");
  LF_CHECK(call(LF_ISA_AVX512, 32, n, parts.data(), scratch2.data(), s2, lda, LF_BIAS_PER_COL) == LF_OK, "second part");
  LF_CHECK(parts == whole, "column ranges differ from the whole");
  LF_CHECK(call(LF_ISA_AVX2, 0, n, whole.data(), scratch.data(), sw, lda, LF_BIAS_PER_COL) == LF_ERR_UNSUPPORTED_ISA, "AVX2");
  LF_CHECK(call(LF_ISA_AVX512, 8, n, whole.data(), scratch.data(), sw, lda, LF_BIAS_PER_COL) == LF_ERR_INVALID_ARGUMENT,
           "range not at a 16-column block");
  LF_CHECK(call(LF_ISA_AVX512, 0, 40, whole.data(), scratch.data(), sw, lda, LF_BIAS_PER_COL) == LF_ERR_INVALID_ARGUMENT,
           "range end inside a block");
  LF_CHECK(call(LF_ISA_AVX512, 0, n, whole.data(), scratch.data(), sw - 1, lda, LF_BIAS_PER_COL) == LF_ERR_INVALID_ARGUMENT,
           "scratch one float short");
  LF_CHECK(call(LF_ISA_AVX512, 0, n, whole.data(), scratch.data(), sw, 56, LF_BIAS_PER_COL) == LF_ERR_INVALID_ARGUMENT,
           "lda not a multiple of 16");
  LF_CHECK(call(LF_ISA_AVX512, 0, n, whole.data(), scratch.data(), sw, lda, LF_BIAS_PER_ROW) == LF_ERR_INVALID_ARGUMENT,
           "per-row bias");
}

// The NCHW 1x1 kernel: row counts across the 6-row tile (1..13), pixel counts with partial vectors,
// both loop orders (input under and over 1 MB), the next group's weights fetched (ldw == k) or not;
// epilogues applied on the register tile (bias per row or none, residual with its own leading
// dimension or none, ReLU6 or nothing) and by the shared pass (LeakyReLU); a NaN stays NaN through
// ReLU as in the scalar clamp; bad arguments rejected.
LF_TEST(pointwise_conv_matches_reference) {
  if (!lf_isa_supported(LF_ISA_AVX512)) return;
  std::mt19937 rng(23);
  std::uniform_real_distribution<float> d(-1, 1);
  struct C { int64_t rows, cols, k, ldw; };
  // The last three: 1, 2 and 3 columns past a multiple of 16 done as dot products (k with a partial
  // vector, ldw > k, a partial row group).
  const C cases[] = {{1, 5, 3, 3}, {6, 64, 16, 16}, {7, 70, 9, 12}, {13, 200, 32, 32}, {24, 3136, 96, 96},
                     {5, 12544, 40, 40}, {13, 49, 650, 653}, {100, 194, 100, 100}, {64, 35, 131, 131}};
  struct E { bool bias, residual; int act; float alpha, lo, hi; };
  const E epilogues[] = {{true, true, LF_ACT_LEAKY_RELU, 0.1f, 0, 0}, {true, true, LF_ACT_CLAMP, 0, 0, 6},
                         {false, true, LF_ACT_NONE, 0, 0, 0}, {true, false, LF_ACT_CLAMP, 0, 0, INFINITY},
                         {false, false, LF_ACT_NONE, 0, 0, 0}};
  for (const C& c : cases) {
    for (const E& e : epilogues) {
      const int64_t ldx = c.cols + 3, ldy = c.cols + 5, ldr = c.cols + 2;
      std::vector<float> w(c.rows * c.ldw), x(c.k * ldx), bias(c.rows), res(c.rows * ldr);
      for (auto* v : {&w, &x, &bias, &res})
        for (auto& f : *v) f = d(rng);
      std::vector<float> y(c.rows * ldy, 7.0f);
      LF_CHECK(lf_f32_pointwise_conv(LF_ISA_AVX512, c.rows, c.cols, c.k, w.data(), c.ldw, x.data(), ldx, y.data(), ldy,
                                     e.bias ? bias.data() : nullptr, e.bias ? LF_BIAS_PER_ROW : LF_BIAS_NONE,
                                     e.residual ? res.data() : nullptr, ldr, e.act, e.alpha, e.lo, e.hi) == LF_OK,
               "call");
      double mx = 0, diff = 0;
      for (int64_t i = 0; i < c.rows; ++i)
        for (int64_t j = 0; j < ldy; ++j) {
          if (j >= c.cols) {
            LF_CHECK(y[i * ldy + j] == 7.0f, "ldy padding written");
            continue;
          }
          double s = (e.bias ? bias[i] : 0.0) + (e.residual ? res[i * ldr + j] : 0.0);
          for (int64_t p = 0; p < c.k; ++p) s += static_cast<double>(w[i * c.ldw + p]) * x[p * ldx + j];
          if (e.act == LF_ACT_LEAKY_RELU) s = s < 0 ? e.alpha * s : s;
          if (e.act == LF_ACT_CLAMP) s = std::fmin(std::fmax(s, e.lo), e.hi);
          mx = std::fmax(mx, std::fabs(s));
          diff = std::fmax(diff, std::fabs(s - y[i * ldy + j]));
        }
      LF_CHECK(diff <= 1e-5 * mx, "rows " + std::to_string(c.rows) + " cols " + std::to_string(c.cols) + " act " +
                                      std::to_string(e.act) + " rel " + std::to_string(diff / mx));
    }
  }
  const int64_t nan_cases[][4] = {{7, 70, 5, 33}, {8, 17, 1024, 16}};  // rows, cols, k, the NaN's column
  for (const auto& shape : nan_cases) {
    // One NaN input pixel (in a vector tile, then in a dot-product column): its output column is
    // NaN in every row after ReLU, the others finite.
    const int64_t rows = shape[0], cols = shape[1], k = shape[2], nan_col = shape[3];
    std::vector<float> w(rows * k, 0.5f), x(k * cols, -1.0f), y(rows * cols);
    x[2 * cols + nan_col] = std::nanf("");
    LF_CHECK(lf_f32_pointwise_conv(LF_ISA_AVX512, rows, cols, k, w.data(), k, x.data(), cols, y.data(), cols, nullptr,
                                   LF_BIAS_NONE, nullptr, 0, LF_ACT_CLAMP, 0, 0, INFINITY) == LF_OK,
             "nan call");
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        LF_CHECK(j == nan_col ? std::isnan(y[i * cols + j]) : y[i * cols + j] == 0.0f, "ReLU of NaN / of a negative sum");
  }
  std::vector<float> w(8), x(8), y(8);
  auto call = [&](int isa, int64_t rows, int64_t cols, int64_t k, int64_t ldw, int64_t ldx) {
    return lf_f32_pointwise_conv(isa, rows, cols, k, w.data(), ldw, x.data(), ldx, y.data(), cols, nullptr, LF_BIAS_NONE,
                                 nullptr, 0, LF_ACT_NONE, 0, 0, 0);
  };
  LF_CHECK(call(LF_ISA_AVX512, 2, 2, 2, 2, 2) == LF_OK, "valid");
  LF_CHECK(call(LF_ISA_AVX2, 2, 2, 2, 2, 2) == LF_ERR_UNSUPPORTED_ISA, "AVX2");
  LF_CHECK(call(LF_ISA_AVX512, 2, 2, 2, 1, 2) == LF_ERR_INVALID_ARGUMENT, "ldw < k");
  LF_CHECK(call(LF_ISA_AVX512, 2, 2, 2, 2, 1) == LF_ERR_INVALID_ARGUMENT, "ldx < cols");
  LF_CHECK(call(LF_ISA_AVX512, 0, 2, 2, 2, 2) == LF_ERR_INVALID_ARGUMENT, "no rows");
}
