// A 1x1 conv feeding a depthwise conv (MobileNet's expansion layer and the depthwise layer after
// it) in one pass on NCHW: the expanded tensor is made a strip of rows at a time into a scratch of
// at most a few hundred KB, which the depthwise kernel reads while it is still in L2, so the
// expansion (4.8 MB on MobileNetV2's 96 x 112 x 112) is never written out and read back. The
// scratch holds each channel's window of input rows for a strip of output rows, rows above and
// below the image filled with the depthwise pad value (so the depthwise kernel runs with no
// vertical padding); the rows two strips share are moved down, not recomputed.
#include <cstring>

#include "../internal.h"

namespace lf {
namespace avx512 {

int64_t pw_dw_strip_rows(const int64_t* g, int64_t channels, int64_t scratch_floats) {
  const int64_t span = (g[LF_GEOM_KH] - 1) * g[LF_GEOM_DH] + 1, sh = g[LF_GEOM_SH];
  const int64_t window = scratch_floats / (channels * g[LF_GEOM_IN_W]);  // input rows that fit
  if (window < span) return 0;
  const int64_t rows = (window - span) / sh + 1;
  return rows < g[LF_GEOM_OUT_H] ? rows : g[LF_GEOM_OUT_H];
}

void pw_dw(const int64_t* g, int64_t cin, int64_t c0, int64_t c1, const float* x, const float* wp,
           const lf_epilogue& ep, const float* wd, const float* bd, const float* pad_values, float* y, float* scratch,
           int64_t rows, const lf_epilogue& ed) {
  const int64_t c = g[LF_GEOM_IN_C], h = g[LF_GEOM_IN_H], w = g[LF_GEOM_IN_W], sh = g[LF_GEOM_SH];
  const int64_t pt = g[LF_GEOM_PAD_T], oh = g[LF_GEOM_OUT_H], ow = g[LF_GEOM_OUT_W];
  const int64_t span = (g[LF_GEOM_KH] - 1) * g[LF_GEOM_DH] + 1, kk = g[LF_GEOM_KH] * g[LF_GEOM_KW];
  const int64_t cn = c1 - c0, hw = h * w, ohw = oh * ow, window = (rows - 1) * sh + span, cs = window * w;
  // The depthwise geometry of one strip: cn channels of `window` rows with no vertical padding.
  int64_t sg[LF_GEOM_LEN];
  std::memcpy(sg, g, sizeof(sg));
  sg[LF_GEOM_N] = 1;
  sg[LF_GEOM_IN_C] = sg[LF_GEOM_OUT_C] = sg[LF_GEOM_GROUPS] = cn;
  sg[LF_GEOM_IN_H] = window;
  sg[LF_GEOM_PAD_T] = sg[LF_GEOM_PAD_B] = 0;
  const lf_epilogue e_exp = epilogue_at(ep, c0, 0);
  const float* wpc = wp + c0 * cin;
  auto fill = [&](int64_t r0, int64_t r1, int64_t lo) {  // rows r0..r1-1 (outside the image) := pad
    for (int64_t ch = 0; ch < cn; ++ch) {
      const float v = pad_values != nullptr ? pad_values[c0 + ch] : 0.0f;
      float* p = scratch + ch * cs + (r0 - lo) * w;
      for (int64_t q = 0; q < (r1 - r0) * w; ++q) p[q] = v;
    }
  };
  for (int64_t img = 0; img < g[LF_GEOM_N]; ++img) {
    const float* xi = x + img * cin * hw;
    float* yi = y + (img * c + c0) * ohw;
    int64_t held_lo = 0, held_hi = 0;  // image rows the scratch holds (none yet)
    for (int64_t oy0 = 0; oy0 < oh; oy0 += rows) {
      const int64_t n = oh - oy0 < rows ? oh - oy0 : rows;
      const int64_t lo = oy0 * sh - pt, hi = (oy0 + n - 1) * sh - pt + span;
      int64_t from = lo;  // first row still to make
      if (held_hi > held_lo && lo >= held_lo && lo < held_hi) {
        const int64_t keep = held_hi - lo;
        if (lo > held_lo)
          for (int64_t ch = 0; ch < cn; ++ch)
            std::memmove(scratch + ch * cs, scratch + ch * cs + (lo - held_lo) * w, sizeof(float) * keep * w);
        from = held_hi;
      }
      const int64_t a = from > 0 ? from : 0, b = hi < h ? hi : h;
      if (from < a) fill(from, a < hi ? a : hi, lo);
      if (a < b)
        pointwise_nchw(cn, (b - a) * w, cin, wpc, cin, xi + a * w, hw, scratch + (a - lo) * w, cs, e_exp);
      if (b < hi) fill(b > from ? b : from, hi, lo);
      held_lo = lo;
      held_hi = hi;
      sg[LF_GEOM_OUT_H] = n;
      dwconv_strided(sg, ohw, scratch, wd + c0 * kk, bd != nullptr ? bd + c0 : nullptr,
                     pad_values != nullptr ? pad_values + c0 : nullptr, nullptr, yi + oy0 * ow, ed);
    }
  }
}

}  // namespace avx512
}  // namespace lf
