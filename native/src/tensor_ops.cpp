// Layout and elementwise kernels over up to LF_MAX_RANK dimensions: broadcasting binary ops,
// strided copies (transpose, broadcast), padding, softmax, global max pooling.
#include <cmath>
#include <cstring>

#include "internal.h"

namespace lf {
namespace {

struct Dims {
  int64_t v[LF_MAX_RANK];
};

bool valid_dims(const Dims& d) {
  for (int i = 0; i < LF_MAX_RANK; ++i) if (d.v[i] < 0) return false;
  return true;
}

int64_t count(const Dims& d) {
  int64_t n = 1;
  for (int i = 0; i < LF_MAX_RANK; ++i) n *= d.v[i];
  return n;
}

float apply_bin(int op, float a, float b) {
  switch (op) {
    case LF_BIN_ADD: return a + b;
    case LF_BIN_SUB: return a - b;
    case LF_BIN_MUL: return a * b;
    case LF_BIN_DIV: return a / b;
    // NaN-propagating, as ONNX Max/Min.
    case LF_BIN_MAX: return (a != a || b != b) ? NAN : (a > b ? a : b);
    default: return (a != a || b != b) ? NAN : (a < b ? a : b);
  }
}

// Visits every index of d in row-major order with the offsets of two strided operands; the
// innermost dimension is handed to fn as a run.
template <class Fn>
void for_each_run(const Dims& d, const Dims& sa, const Dims& sb, Fn fn) {
  int64_t idx[LF_MAX_RANK] = {0, 0, 0, 0, 0, 0};
  const int64_t total = count(d);
  if (total == 0) return;
  const int64_t inner = d.v[LF_MAX_RANK - 1];
  int64_t out = 0;
  while (out < total) {
    int64_t oa = 0, ob = 0;
    for (int i = 0; i < LF_MAX_RANK - 1; ++i) {
      oa += idx[i] * sa.v[i];
      ob += idx[i] * sb.v[i];
    }
    fn(out, oa, ob, inner);
    out += inner;
    for (int i = LF_MAX_RANK - 2; i >= 0; --i) {
      if (++idx[i] < d.v[i]) break;
      idx[i] = 0;
    }
  }
}

int64_t pad_index(int64_t i, int64_t n, int mode) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case LF_PAD_EDGE: return i < 0 ? 0 : n - 1;
    case LF_PAD_REFLECT: {
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      int64_t m = ((i % period) + period) % period;
      return m < n ? m : period - m;
    }
    case LF_PAD_WRAP: return ((i % n) + n) % n;
    default: return -1;
  }
}

}  // namespace
}  // namespace lf

#define LF_DIMS(p) lf::Dims{{p##0, p##1, p##2, p##3, p##4, p##5}}

extern "C" {

int lf_f32_binary(int isa, int op, LF_DIMS_PARAMS(d), LF_DIMS_PARAMS(sa), LF_DIMS_PARAMS(sb), const float* a,
                  const float* b, float* y, int act, float alpha, float lo, float hi) {
  const lf::IsaKernels* ks = lf::kernels_for(isa);
  if (ks == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  const lf::Dims dims = LF_DIMS(d), as = LF_DIMS(sa), bs = LF_DIMS(sb);
  if (!lf::valid_dims(dims) || op < LF_BIN_ADD || op > LF_BIN_MIN || !lf::valid_act(act, lo, hi)) {
    return LF_ERR_INVALID_ARGUMENT;
  }
  if (lf::count(dims) == 0) return LF_OK;
  if (a == nullptr || b == nullptr || y == nullptr) return LF_ERR_INVALID_ARGUMENT;
  const int64_t ia = as.v[LF_MAX_RANK - 1], ib = bs.v[LF_MAX_RANK - 1];
  const lf_epilogue e = lf::make_epilogue(nullptr, LF_BIAS_NONE, nullptr, 0, act, alpha, lo, hi);
  lf::for_each_run(dims, as, bs, [&](int64_t out, int64_t oa, int64_t ob, int64_t n) {
    float* yr = y + out;
    const float* ar = a + oa;
    const float* br = b + ob;
    if (ia == 1 && ib == 1) {
      for (int64_t i = 0; i < n; ++i) yr[i] = lf::apply_bin(op, ar[i], br[i]);
    } else if (ia == 1 && ib == 0) {
      const float bv = br[0];
      for (int64_t i = 0; i < n; ++i) yr[i] = lf::apply_bin(op, ar[i], bv);
    } else {
      for (int64_t i = 0; i < n; ++i) yr[i] = lf::apply_bin(op, ar[i * ia], br[i * ib]);
    }
    ks->epilogue(yr, 1, n, n, e);
  });
  return LF_OK;
}

int lf_f32_strided_copy(LF_DIMS_PARAMS(d), LF_DIMS_PARAMS(sx), LF_DIMS_PARAMS(sy), const float* x, float* y) {
  const lf::Dims dims = LF_DIMS(d), xs = LF_DIMS(sx), ys = LF_DIMS(sy);
  if (!lf::valid_dims(dims)) return LF_ERR_INVALID_ARGUMENT;
  if (lf::count(dims) == 0) return LF_OK;
  if (x == nullptr || y == nullptr) return LF_ERR_INVALID_ARGUMENT;
  const int64_t ix = xs.v[LF_MAX_RANK - 1], iy = ys.v[LF_MAX_RANK - 1];
  lf::for_each_run(dims, xs, ys, [&](int64_t, int64_t ox, int64_t oy, int64_t n) {
    if (ix == 1 && iy == 1) {
      std::memcpy(y + oy, x + ox, sizeof(float) * n);
    } else {
      for (int64_t i = 0; i < n; ++i) y[oy + i * iy] = x[ox + i * ix];
    }
  });
  return LF_OK;
}

int lf_f32_softmax(int isa, int64_t outer, int64_t n, int64_t inner, int log, const float* x, float* y) {
  if (lf::kernels_for(isa) == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  if (outer < 0 || n < 1 || inner < 0) return LF_ERR_INVALID_ARGUMENT;
  if (outer * inner == 0) return LF_OK;
  if (x == nullptr || y == nullptr) return LF_ERR_INVALID_ARGUMENT;
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t in = 0; in < inner; ++in) {
      const float* xp = x + o * n * inner + in;
      float* yp = y + o * n * inner + in;
      float m = -INFINITY;
      for (int64_t i = 0; i < n; ++i) m = xp[i * inner] > m ? xp[i * inner] : m;
      double sum = 0;
      for (int64_t i = 0; i < n; ++i) sum += std::exp(static_cast<double>(xp[i * inner]) - m);
      const double lse = std::log(sum);
      for (int64_t i = 0; i < n; ++i) {
        const double v = static_cast<double>(xp[i * inner]) - m;
        yp[i * inner] = static_cast<float>(log ? v - lse : std::exp(v - lse));
      }
    }
  }
  return LF_OK;
}

int lf_f32_pad(LF_DIMS_PARAMS(d), LF_DIMS_PARAMS(before), LF_DIMS_PARAMS(after), int mode, float value,
               const float* x, float* y) {
  const lf::Dims dims = LF_DIMS(d), pb = LF_DIMS(before), pa = LF_DIMS(after);
  if (mode < LF_PAD_CONSTANT || mode > LF_PAD_WRAP) return LF_ERR_INVALID_ARGUMENT;
  lf::Dims od;
  int64_t xstride[LF_MAX_RANK];
  int64_t acc = 1;
  for (int i = LF_MAX_RANK - 1; i >= 0; --i) {
    if (dims.v[i] < 0) return LF_ERR_INVALID_ARGUMENT;
    od.v[i] = dims.v[i] + pb.v[i] + pa.v[i];
    if (od.v[i] < 0) return LF_ERR_INVALID_ARGUMENT;
    if (mode != LF_PAD_CONSTANT && dims.v[i] == 0 && od.v[i] > 0) return LF_ERR_INVALID_ARGUMENT;
    xstride[i] = acc;
    acc *= dims.v[i];
  }
  const int64_t total = lf::count(od);
  if (total == 0) return LF_OK;
  if (y == nullptr || (acc > 0 && x == nullptr)) return LF_ERR_INVALID_ARGUMENT;
  int64_t idx[LF_MAX_RANK] = {0, 0, 0, 0, 0, 0};
  for (int64_t out = 0; out < total; ++out) {
    int64_t off = 0;
    bool outside = false;
    for (int i = 0; i < LF_MAX_RANK; ++i) {
      const int64_t s = lf::pad_index(idx[i] - pb.v[i], dims.v[i], mode);
      if (s < 0) {
        outside = true;
        break;
      }
      off += s * xstride[i];
    }
    y[out] = outside ? value : x[off];
    for (int i = LF_MAX_RANK - 1; i >= 0; --i) {
      if (++idx[i] < od.v[i]) break;
      idx[i] = 0;
    }
  }
  return LF_OK;
}

int lf_f32_global_max_pool(int isa, int64_t planes, int64_t hw, const float* x, float* y) {
  if (lf::kernels_for(isa) == nullptr) return LF_ERR_UNSUPPORTED_ISA;
  if (planes < 0 || hw < 1 || (planes > 0 && (x == nullptr || y == nullptr))) return LF_ERR_INVALID_ARGUMENT;
  for (int64_t p = 0; p < planes; ++p) {
    const float* xp = x + p * hw;
    float m = -INFINITY;
    bool nan = false;
    for (int64_t i = 0; i < hw; ++i) {
      if (xp[i] > m) m = xp[i];
      if (xp[i] != xp[i]) nan = true;
    }
    y[p] = nan ? NAN : m;
  }
  return LF_OK;
}

}  // extern "C"
