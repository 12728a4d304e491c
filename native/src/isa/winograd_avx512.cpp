// Winograd F(2x2, 3x3) convolution for AVX-512 (3x3, stride 1, dilation 1, groups 1, channels in
// multiples of 16): 16 multiplications per 2x2 output tile and channel pair instead of 36.
//
// The output is cut into 2x2 tiles and the tiles into chunks of whole tile rows sized so that a
// chunk's transformed input and products stay in L2. Per chunk:
//  1. the input rows it reads are reordered into a padded NCHW16c copy (pad values on the border,
//     as the direct kernel does), and every 4x4 input patch d becomes B^T d B: V[xi][cb][tile][16];
//  2. the 16 products M[xi] = V[xi] U[xi] (tiles x cin times cin x cout) run on the direct kernel's
//     register tile as 1x1 convs over a row of tiles, U being the weights transformed ahead of
//     time (G g G^T, [xi][out block][in block][16 in][16 out]);
//  3. A^T M A gives each 2x2 output tile, plus the bias, into an NCHW16c block of the chunk's output
//     rows, which is transposed back to NCHW with the residual and a clamp applied on the way
//     (store_out; other activations right after) while those rows are in cache.
#include "../internal.h"
#include "blocked16_avx512.h"

namespace lf {
namespace avx512 {
using namespace blocked16;
namespace {

// The tile rows of one chunk and the sizes derived from the geometry.
struct Wino {
  int64_t cb, ob, h, w, oh, ow, th, tw, pt, pl, wp, rows;
};

Wino wino_dims(const int64_t* g) {
  Wino d;
  d.cb = g[LF_GEOM_IN_C] / 16;
  d.ob = g[LF_GEOM_OUT_C] / 16;
  d.h = g[LF_GEOM_IN_H];
  d.w = g[LF_GEOM_IN_W];
  d.oh = g[LF_GEOM_OUT_H];
  d.ow = g[LF_GEOM_OUT_W];
  d.th = (d.oh + 1) / 2;
  d.tw = (d.ow + 1) / 2;
  d.pt = g[LF_GEOM_PAD_T];
  d.pl = g[LF_GEOM_PAD_L];
  d.wp = 2 * d.tw + 2;
  d.rows = winograd_chunk_rows(g);
  return d;
}

// B^T d B for every 4x4 patch of `rows` tile rows of padded input xp ([cb][hp][wp][16]) into the
// chunk's v ([16 xi][cb][tiles][16]), starting at v's first tile.
void input_transform(const Wino& d, int64_t rows, const float* xp, int64_t hp, int64_t tiles, float* v) {
  const int64_t xi_stride = d.cb * tiles * 16;
  for (int64_t cb = 0; cb < d.cb; ++cb) {
    for (int64_t ty = 0; ty < rows; ++ty) {
      for (int64_t tx = 0; tx < d.tw; ++tx) {
        const float* p = xp + ((cb * hp + 2 * ty) * d.wp + 2 * tx) * 16;
        __m512 t[4][4];
        for (int c = 0; c < 4; ++c) {
          const __m512 d0 = _mm512_loadu_ps(p + c * 16), d1 = _mm512_loadu_ps(p + (d.wp + c) * 16);
          const __m512 d2 = _mm512_loadu_ps(p + (2 * d.wp + c) * 16), d3 = _mm512_loadu_ps(p + (3 * d.wp + c) * 16);
          t[0][c] = _mm512_sub_ps(d0, d2);
          t[1][c] = _mm512_add_ps(d1, d2);
          t[2][c] = _mm512_sub_ps(d2, d1);
          t[3][c] = _mm512_sub_ps(d1, d3);
        }
        float* o = v + (cb * tiles + ty * d.tw + tx) * 16;
        for (int r = 0; r < 4; ++r) {
          _mm512_storeu_ps(o + (4 * r + 0) * xi_stride, _mm512_sub_ps(t[r][0], t[r][2]));
          _mm512_storeu_ps(o + (4 * r + 1) * xi_stride, _mm512_add_ps(t[r][1], t[r][2]));
          _mm512_storeu_ps(o + (4 * r + 2) * xi_stride, _mm512_sub_ps(t[r][2], t[r][1]));
          _mm512_storeu_ps(o + (4 * r + 3) * xi_stride, _mm512_sub_ps(t[r][1], t[r][3]));
        }
      }
    }
  }
}

// A^T M A + bias for `rows` tile rows starting at m's first tile: m is the chunk's [16 xi][nob][tiles][16],
// out [nob][valid][ow][16] (valid output rows: the last tile row of an odd height has one).
void output_transform(const Wino& d, int64_t rows, int64_t valid, int64_t nob, const float* m, int64_t tiles,
                      const float* bias, float* out) {
  const int64_t xi_stride = nob * tiles * 16;
  for (int64_t ob = 0; ob < nob; ++ob) {
    const __m512 bv = bias != nullptr ? _mm512_loadu_ps(bias + ob * 16) : _mm512_setzero_ps();
    float* ob_out = out + ob * valid * d.ow * 16;
    for (int64_t ty = 0; ty < rows; ++ty) {
      for (int64_t tx = 0; tx < d.tw; ++tx) {
        const float* p = m + (ob * tiles + ty * d.tw + tx) * 16;
        __m512 s0[4], s1[4];
        for (int c = 0; c < 4; ++c) {
          const __m512 m0 = _mm512_loadu_ps(p + c * xi_stride), m1 = _mm512_loadu_ps(p + (4 + c) * xi_stride);
          const __m512 m2 = _mm512_loadu_ps(p + (8 + c) * xi_stride), m3 = _mm512_loadu_ps(p + (12 + c) * xi_stride);
          s0[c] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
          s1[c] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
        }
        const __m512 y00 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s0[0], s0[1]), s0[2]), bv);
        const __m512 y01 = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s0[1], s0[2]), s0[3]), bv);
        const __m512 y10 = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(s1[0], s1[1]), s1[2]), bv);
        const __m512 y11 = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(s1[1], s1[2]), s1[3]), bv);
        const int64_t oy = 2 * ty, ox = 2 * tx;
        const bool right = ox + 1 < d.ow;
        float* o = ob_out + (oy * d.ow + ox) * 16;
        _mm512_storeu_ps(o, y00);
        if (right) _mm512_storeu_ps(o + 16, y01);
        if (oy + 1 < valid) {
          _mm512_storeu_ps(o + d.ow * 16, y10);
          if (right) _mm512_storeu_ps(o + d.ow * 16 + 16, y11);
        }
      }
    }
  }
}

}  // namespace

bool winograd_applies(const int64_t* g) {
  return g[LF_GEOM_KH] == 3 && g[LF_GEOM_KW] == 3 && g[LF_GEOM_SH] == 1 && g[LF_GEOM_SW] == 1 && g[LF_GEOM_DH] == 1 &&
         g[LF_GEOM_DW] == 1 && g[LF_GEOM_GROUPS] == 1 && g[LF_GEOM_IN_C] % 16 == 0 && g[LF_GEOM_OUT_C] % 16 == 0 &&
         g[LF_GEOM_OUT_H] > 0 && g[LF_GEOM_OUT_W] > 0;
}

int64_t winograd_chunk_rows(const int64_t* g) {
  // Tiles per chunk: the transformed input and the products (16 x tiles x (in_c + out_c) floats)
  // within 1.5 MB of L2, at most kWinogradMaxChunkRows tile rows. When the transformed weights
  // (16 x in_c x out_c floats) outgrow L2 they are streamed once per chunk, so the chunk grows until
  // that costs no more than streaming its V and M (tiles >= in_c * out_c / (in_c + out_c)).
  const int64_t cin = g[LF_GEOM_IN_C], cout = g[LF_GEOM_OUT_C], tw = (g[LF_GEOM_OUT_W] + 1) / 2;
  const int64_t total = g[LF_GEOM_N] * ((g[LF_GEOM_OUT_H] + 1) / 2);
  int64_t most = 24576 / (cin + cout) / tw;
  if (most > kWinogradMaxChunkRows) most = kWinogradMaxChunkRows;
  if (16 * cin * cout > (int64_t{1} << 19)) {
    const int64_t amortised = (cin * cout / (cin + cout) + tw - 1) / tw;
    if (amortised > most) most = amortised;
  }
  if (most < 1) most = 1;
  const int64_t chunks = (total + most - 1) / most;
  return (total + chunks - 1) / chunks;
}

int64_t winograd_scratch(const int64_t* g) {
  const Wino d = wino_dims(g);
  const int64_t tiles = d.rows * d.tw;
  return d.cb * 16 * (2 * d.rows + 2) * d.wp + 16 * tiles * 16 * (d.cb + d.ob) + d.ob * 16 * 2 * d.rows * d.ow;
}

void winograd_conv(const int64_t* g, const float* x, const float* u, const float* bias, const float* pad_values,
                   float* y, float* scratch, const lf_epilogue& after, int64_t ty0, int64_t ty1, int64_t ob0,
                   int64_t ob1) {
  const Wino d = wino_dims(g);
  const int64_t nob = ob1 - ob0, cout = d.ob * 16, cin = d.cb * 16, hw = d.h * d.w, ohw = d.oh * d.ow;
  const int64_t tiles_max = d.rows * d.tw, span = ty1 - ty0, total = g[LF_GEOM_N] * span;
  float* xp = scratch;
  float* v = xp + d.cb * 16 * (2 * d.rows + 2) * d.wp;
  float* m = v + 16 * d.cb * tiles_max * 16;
  float* out = m + 16 * nob * tiles_max * 16;
  const float* b = bias != nullptr ? bias + ob0 * 16 : nullptr;
  // Chunks of `rows` tile rows counted over every image's rows ty0..ty1-1 in turn, so that a chunk
  // may hold the last rows of one image and the first of the next (a batch streams U once per chunk).
  for (int64_t r0 = 0; r0 < total; r0 += d.rows) {
    const int64_t r1 = total - r0 < d.rows ? total : r0 + d.rows, tiles = (r1 - r0) * d.tw;
    // 1. Each image's run of rows: reorder (rows past the image hold the pad values), transform.
    for (int64_t r = r0; r < r1;) {
      const int64_t n = r / span, ty = ty0 + r % span, cnt = r1 - r < ty1 - ty ? r1 - r : ty1 - ty, oy0 = 2 * ty;
      const float* xn = x + n * cin * hw;
      const int64_t hp = 2 * cnt + 2;
      for (int64_t cb = 0; cb < d.cb; ++cb)
        reorder_in(xn + cb * 16 * hw, 16, d.h, d.w, d.pt - oy0, d.pl, hp, d.wp,
                   pad_values != nullptr ? pad_values + cb * 16 : nullptr, xp + cb * hp * d.wp * 16);
      input_transform(d, cnt, xp, hp, tiles, v + (r - r0) * d.tw * 16);
      r += cnt;
    }
    // 2. M[xi] = V[xi] U[xi]: a 1x1 conv over a row of `tiles` pixels on the direct kernel's tile.
    const Dims gd = row_of_pixels(d.cb, nob, tiles, 1);
    for (int xi = 0; xi < 16; ++xi)
      conv_rows<1>(gd, v + xi * d.cb * tiles * 16, u + (xi * d.ob + ob0) * d.cb * 256, nullptr,
                   m + xi * nob * tiles * 16);
    // 3. Per image run: output tiles, back to NCHW, residual and activation.
    for (int64_t r = r0; r < r1;) {
      const int64_t n = r / span, ty = ty0 + r % span, cnt = r1 - r < ty1 - ty ? r1 - r : ty1 - ty, oy0 = 2 * ty;
      const int64_t valid = d.oh - oy0 < 2 * cnt ? d.oh - oy0 : 2 * cnt;
      output_transform(d, cnt, valid, nob, m + (r - r0) * d.tw * 16, tiles, b, out);
      float* yn = y + n * cout * ohw + oy0 * d.ow;
      for (int64_t ob = 0; ob < nob; ++ob) {
        float* yb = yn + (ob0 + ob) * 16 * ohw;
        lf_epilogue e = after;
        if (e.residual != nullptr) e.residual += (n * cout + (ob0 + ob) * 16) * ohw + oy0 * d.ow;
        store_out(out + ob * valid * d.ow * 16, valid * d.ow, yb, ohw, e);
      }
      r += cnt;
    }
  }
}

}  // namespace avx512
}  // namespace lf
