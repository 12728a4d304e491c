// Convolution, pooling and elementwise kernels against double-precision references, every ISA.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "harness.h"
#include "layerfuse/kernels.h"

namespace {

std::vector<int> isas() {
  std::vector<int> out;
  for (int isa : {LF_ISA_BASELINE, LF_ISA_AVX2, LF_ISA_AVX512})
    if (lf_isa_supported(isa)) out.push_back(isa);
  return out;
}

std::vector<float> rnd(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1, 1);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

struct Geom {
  int64_t v[LF_GEOM_LEN];
};

Geom geom(int64_t n, int64_t cin, int64_t h, int64_t w, int64_t cout, int64_t k, int64_t s, int64_t p, int64_t d,
          int64_t groups) {
  Geom g;
  int64_t oh = (h + 2 * p - d * (k - 1) - 1) / s + 1, ow = (w + 2 * p - d * (k - 1) - 1) / s + 1;
  int64_t vals[LF_GEOM_LEN] = {n, cin, h, w, cout, k, k, s, s, p, p, p, p, d, d, groups, oh, ow};
  for (int i = 0; i < LF_GEOM_LEN; ++i) g.v[i] = vals[i];
  return g;
}

std::vector<double> ref_conv(const Geom& G, const std::vector<float>& x, const std::vector<float>& w,
                             const float* bias, const float* pad, const float* res) {
  const int64_t* g = G.v;
  int64_t n = g[0], cin = g[1], h = g[2], wd = g[3], cout = g[4], kh = g[5], kw = g[6], sh = g[7], sw = g[8];
  int64_t pt = g[9], pl = g[10], dh = g[13], dw = g[14];
  int64_t groups = g[15], oh = g[16], ow = g[17], cg = cin / groups, og = cout / groups;
  std::vector<double> y(n * cout * oh * ow);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t o = 0; o < cout; ++o)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          double acc = bias ? bias[o] : 0;
          int64_t grp = o / og;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t i = 0; i < kh; ++i)
              for (int64_t j = 0; j < kw; ++j) {
                int64_t iy = oy * sh - pt + i * dh, ix = ox * sw - pl + j * dw, ch = grp * cg + c;
                double v = (iy < 0 || iy >= h || ix < 0 || ix >= wd) ? (pad ? pad[ch] : 0) : x[((b * cin + ch) * h + iy) * wd + ix];
                acc += v * w[((o * cg + c) * kh + i) * kw + j];
              }
          int64_t idx = ((b * cout + o) * oh + oy) * ow + ox;
          if (res) acc += res[idx];
          y[idx] = acc > 0 ? acc : 0;  // ReLU
        }
  return y;
}

double rel(const std::vector<double>& ref, const float* got) {
  double m = 0, d = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    m = std::fmax(m, std::fabs(ref[i]));
    d = std::fmax(d, std::fabs(ref[i] - got[i]));
  }
  return m > 0 ? d / m : d;
}

}  // namespace

LF_TEST(conv2d_matches_reference) {
  struct C { int64_t n, cin, h, w, cout, k, s, p, d, g; bool pad, res, dw; };
  const C cases[] = {{1, 3, 7, 7, 4, 3, 1, 0, 1, 1, false, false, false}, {2, 3, 9, 8, 5, 3, 2, 1, 1, 1, true, true, false},
                     {1, 4, 10, 9, 6, 3, 1, 2, 2, 2, false, true, false}, {1, 8, 5, 6, 4, 1, 1, 0, 1, 1, false, true, false},
                     {2, 6, 7, 7, 6, 3, 2, 1, 1, 6, true, false, true}, {1, 8, 9, 9, 8, 3, 1, 1, 1, 8, true, true, true},
                     {1, 5, 11, 7, 5, 5, 3, 2, 2, 5, false, false, true}, {1, 3, 40, 40, 8, 3, 1, 1, 1, 1, false, false, false},
                     // depthwise rows wider than one 16-lane vector, with partial last vectors
                     {2, 4, 19, 40, 4, 3, 1, 1, 1, 4, true, true, true}, {1, 16, 21, 37, 16, 3, 2, 1, 1, 16, true, true, true},
                     {1, 3, 9, 35, 3, 5, 3, 2, 2, 3, true, false, true}, {1, 2, 6, 33, 2, 3, 2, 0, 1, 2, false, true, true},
                     // depthwise rows of at most 32 outputs in strips of rows, 16 channels at a time (with a tail)
                     {1, 20, 20, 30, 20, 3, 1, 1, 1, 20, true, true, true}, {2, 17, 41, 60, 17, 3, 2, 1, 1, 17, true, true, true},
                     // stride-2 3x3 depthwise rows of more than 32 outputs (rows split into even and odd
                     // halves): left pads 0..3 and one wider than the row, odd and even widths, several row blocks
                     {1, 3, 13, 101, 3, 3, 2, 1, 1, 3, true, true, true}, {1, 2, 9, 130, 2, 3, 2, 2, 1, 2, true, false, true},
                     {1, 2, 7, 97, 2, 3, 2, 0, 1, 2, false, true, true}, {1, 2, 8, 140, 2, 3, 2, 3, 1, 2, true, true, true},
                     {1, 1, 90, 250, 1, 3, 2, 1, 1, 1, true, false, true}, {1, 2, 5, 33, 2, 3, 2, 40, 1, 2, true, true, true},
                     // stride-1 3x3 rows of more than 32 outputs on aligned buffered rows: left pads 0, 1, 2
                     // (shifted vectors) and 3, 40 (unaligned loads)
                     {1, 2, 7, 50, 2, 3, 1, 0, 1, 2, true, true, true}, {1, 2, 9, 45, 2, 3, 1, 2, 1, 2, true, true, true},
                     {1, 3, 6, 77, 3, 3, 1, 1, 1, 3, true, false, true}, {1, 2, 8, 41, 2, 3, 1, 3, 1, 2, true, true, true},
                     {1, 2, 4, 33, 2, 3, 1, 40, 1, 2, true, true, true}};
  for (int isa : isas()) {
    for (const C& c : cases) {
      Geom G = geom(c.n, c.cin, c.h, c.w, c.cout, c.k, c.s, c.p, c.d, c.g);
      auto x = rnd(c.n * c.cin * c.h * c.w, 1), w = rnd(c.cout * (c.cin / c.g) * c.k * c.k, 2), b = rnd(c.cout, 3);
      auto pv = rnd(c.cin, 4);
      size_t ysz = c.n * c.cout * G.v[16] * G.v[17];
      auto res = rnd(ysz, 5);
      std::vector<float> y(ysz, 99.0f), scratch((c.cin / c.g) * c.k * c.k * 37);  // forces several pixel tiles
      int rc = c.dw ? lf_f32_dwconv2d_bias_act(isa, G.v, x.data(), w.data(), b.data(), c.pad ? pv.data() : nullptr,
                                               c.res ? res.data() : nullptr, y.data(), LF_ACT_CLAMP, 0, 0, INFINITY)
                    : lf_f32_conv2d_bias_act(isa, G.v, x.data(), w.data(), b.data(), c.pad ? pv.data() : nullptr,
                                             c.res ? res.data() : nullptr, y.data(), scratch.data(),
                                             static_cast<int64_t>(scratch.size()), LF_ACT_CLAMP, 0, 0, INFINITY);
      LF_CHECK(rc == LF_OK, "status " + std::to_string(rc));
      double r = rel(ref_conv(G, x, w, b.data(), c.pad ? pv.data() : nullptr, c.res ? res.data() : nullptr), y.data());
      LF_CHECK(r <= 1e-5, std::string(lf_isa_name(isa)) + " case k=" + std::to_string(c.k) + " rel=" + std::to_string(r));
    }
  }
}

// Depthwise 3x3 with different vertical and horizontal strides on images tall enough for many
// blocks of buffered rows (the rows a block reads follow the vertical stride; sizing them by the
// horizontal one overran the row buffer), and wide enough for the padded-row paths.
LF_TEST(dwconv_asymmetric_strides_match_reference) {
  struct C { int64_t h, w, sh, sw; };
  const C cases[] = {{300, 70, 2, 1}, {301, 140, 1, 2}, {200, 90, 3, 1}, {150, 129, 2, 3}};
  for (int isa : isas()) {
    for (const C& c : cases) {
      Geom G = geom(1, 2, c.h, c.w, 2, 3, 1, 1, 1, 2);
      G.v[7] = c.sh;
      G.v[8] = c.sw;
      G.v[16] = (c.h + 2 - 3) / c.sh + 1;
      G.v[17] = (c.w + 2 - 3) / c.sw + 1;
      auto x = rnd(2 * c.h * c.w, 21), w = rnd(2 * 9, 22), b = rnd(2, 23), pv = rnd(2, 24);
      const size_t ysz = 2 * G.v[16] * G.v[17];
      std::vector<float> y(ysz, 99.0f);
      LF_CHECK(lf_f32_dwconv2d_bias_act(isa, G.v, x.data(), w.data(), b.data(), pv.data(), nullptr, y.data(), LF_ACT_CLAMP,
                                        0, 0, INFINITY) == LF_OK, "status");
      const double r = rel(ref_conv(G, x, w, b.data(), pv.data(), nullptr), y.data());
      LF_CHECK(r <= 1e-5, std::string(lf_isa_name(isa)) + " strides " + std::to_string(c.sh) + "x" + std::to_string(c.sw) +
                              " rel=" + std::to_string(r));
    }
  }
}

// 3x3 depthwise on small maps (rows of at most 31 inputs, left pad 1). Stride 1 and stride-2 rows of
// 15..31 inputs go down the plane in column sweeps (31: 16 outputs, the last reading the pad past the
// row); stride-2 rows of at most 14 inputs run on one padded plane as even and odd halves with
// several output rows in flight, two planes side by side when their pad values are equal (odd and
// even channel counts; per-channel pad values differ and go one plane at a time). Top pads 0..2, a
// right or bottom pad of 0 (fewer outputs), one- and two-row images, batches, the residual through
// the epilogue; planes of more output rows than the row-group path buffers at once.
LF_TEST(dwconv_small_maps_match_reference) {
  struct C { int64_t n, c, h, w, s, pt, pb, pr; int pad; bool res; };  // pad: 0 none, 1 per channel, 2 one value
  const C cases[] = {{1, 5, 7, 7, 1, 1, 1, 1, 0, false},  {2, 6, 7, 7, 1, 1, 1, 1, 2, true},   {1, 7, 6, 5, 1, 1, 1, 1, 1, false},
                     {1, 3, 3, 3, 1, 0, 2, 1, 2, false},  {1, 4, 9, 7, 1, 2, 0, 0, 0, true},   {1, 3, 14, 14, 1, 1, 1, 1, 1, true},
                     {2, 2, 11, 15, 1, 2, 1, 1, 0, false}, {1, 3, 8, 8, 1, 1, 0, 0, 1, false},  {1, 2, 16, 16, 1, 1, 1, 1, 1, true},
                     {1, 3, 28, 28, 1, 1, 1, 1, 2, false}, {1, 2, 13, 31, 1, 0, 0, 1, 1, true},  {1, 3, 2, 20, 1, 1, 1, 1, 1, false},
                     {1, 5, 1, 6, 1, 1, 1, 1, 2, true},   {1, 2, 1, 1, 1, 1, 1, 1, 0, false},  {1, 33, 14, 14, 1, 1, 1, 1, 0, false},
                     {1, 5, 14, 14, 2, 1, 1, 1, 0, false}, {2, 6, 13, 13, 2, 1, 1, 1, 2, true},  {1, 3, 14, 14, 2, 1, 1, 1, 1, true},
                     {1, 4, 9, 12, 2, 2, 0, 0, 2, false},  {1, 3, 28, 28, 2, 1, 1, 1, 0, true},  {1, 2, 31, 31, 2, 0, 1, 1, 1, false},
                     {1, 3, 15, 15, 2, 1, 1, 1, 2, true},  {1, 2, 3, 5, 2, 1, 1, 1, 0, false},
                     {1, 7, 1, 2, 2, 1, 1, 1, 2, true},
                     // taller than the row-group buffer holds at once: pieces of 62 output rows
                     {1, 3, 131, 12, 2, 1, 1, 1, 2, true}, {1, 3, 140, 13, 2, 2, 0, 0, 1, false},
                     {1, 2, 250, 14, 2, 1, 1, 1, 0, true}};
  for (int isa : isas()) {
    for (const C& c : cases) {
      Geom G = geom(c.n, c.c, c.h, c.w, c.c, 3, c.s, 1, 1, c.c);
      G.v[9] = c.pt;
      G.v[11] = c.pb;
      G.v[12] = c.pr;
      G.v[16] = (c.pt + c.h + c.pb - 3) / c.s + 1;
      G.v[17] = (1 + c.w + c.pr - 3) / c.s + 1;
      auto x = rnd(c.n * c.c * c.h * c.w, 31), w = rnd(c.c * 9, 32), b = rnd(c.c, 33);
      std::vector<float> pv = c.pad == 1 ? rnd(c.c, 34) : std::vector<float>(c.c, 0.375f);
      const size_t ysz = c.n * c.c * G.v[16] * G.v[17];
      auto res = rnd(ysz, 35);
      std::vector<float> y(ysz, 99.0f);
      const float* pad = c.pad > 0 ? pv.data() : nullptr;
      LF_CHECK(lf_f32_dwconv2d_bias_act(isa, G.v, x.data(), w.data(), b.data(), pad, c.res ? res.data() : nullptr,
                                        y.data(), LF_ACT_CLAMP, 0, 0, INFINITY) == LF_OK, "status");
      const double r = rel(ref_conv(G, x, w, b.data(), pad, c.res ? res.data() : nullptr), y.data());
      LF_CHECK(r <= 1e-5, std::string(lf_isa_name(isa)) + " " + std::to_string(c.c) + "x" + std::to_string(c.h) + "x" +
                              std::to_string(c.w) + " s" + std::to_string(c.s) + " rel=" + std::to_string(r));
    }
  }
}

// 3x3 depthwise column sweeps (left pad 1, strides 1 and 2, stride 2 on rows of more than 14
// inputs): right pads 0..5 (the last outputs reading only pad), rows whose last vector has 15
// outputs, top and bottom pads 0..2, images of 1..3 rows, rows of 15..130 inputs (groups of 4, 2
// and 1 vectors, partial last vectors), per-channel pad values. ReLU against the reference; with no activation and LeakyReLU (through the epilogue
// after the plane) the ReLU result is the unactivated one clamped, LeakyReLU it scaled, bit for bit;
// a NaN input makes exactly the outputs that read it NaN.
LF_TEST(dwconv_sweeps_match_reference) {
  if (!lf_isa_supported(LF_ISA_AVX512)) return;
  struct C { int64_t c, h, w, s, pt, pb, pr; };
  const C cases[] = {{3, 1, 40, 1, 1, 1, 1}, {2, 2, 33, 1, 0, 2, 5}, {2, 3, 130, 1, 2, 0, 0},  {2, 9, 47, 1, 1, 1, 1},
                     {3, 17, 64, 1, 1, 1, 1}, {2, 1, 15, 2, 1, 1, 1}, {2, 3, 16, 2, 0, 2, 5}, {2, 8, 65, 2, 2, 1, 0},
                     {2, 13, 129, 2, 1, 1, 4}, {2, 5, 61, 2, 1, 1, 1}, {3, 30, 112, 2, 1, 1, 1}};
  for (const C& c : cases) {
    Geom G = geom(1, c.c, c.h, c.w, c.c, 3, c.s, 1, 1, c.c);
    G.v[9] = c.pt;
    G.v[11] = c.pb;
    G.v[12] = c.pr;
    const int64_t oh = G.v[16] = (c.pt + c.h + c.pb - 3) / c.s + 1, ow = G.v[17] = (1 + c.w + c.pr - 3) / c.s + 1;
    auto x = rnd(c.c * c.h * c.w, 51), w = rnd(c.c * 9, 52), b = rnd(c.c, 53), pv = rnd(c.c, 54);
    const size_t n = c.c * oh * ow;
    std::vector<float> relu(n, 99.0f), none(n, 99.0f), leaky(n, 99.0f), nan_relu(n, 99.0f);
    auto run = [&](const std::vector<float>& in, std::vector<float>& y, int act, float alpha, float hi) {
      return lf_f32_dwconv2d_bias_act(LF_ISA_AVX512, G.v, in.data(), w.data(), b.data(), pv.data(), nullptr, y.data(),
                                      act, alpha, 0, hi);
    };
    LF_CHECK(run(x, relu, LF_ACT_CLAMP, 0, INFINITY) == LF_OK && run(x, none, LF_ACT_NONE, 0, 0) == LF_OK &&
                 run(x, leaky, LF_ACT_LEAKY_RELU, 0.1f, 0) == LF_OK,
             "calls");
    const std::string at = std::to_string(c.c) + "x" + std::to_string(c.h) + "x" + std::to_string(c.w) + " s" +
                           std::to_string(c.s) + " pads " + std::to_string(c.pt) + "," + std::to_string(c.pb) + "," +
                           std::to_string(c.pr);
    const double r = rel(ref_conv(G, x, w, b.data(), pv.data(), nullptr), relu.data());
    LF_CHECK(r <= 1e-5, at + " rel=" + std::to_string(r));
    int64_t wrong = 0;
    for (size_t i = 0; i < n; ++i)
      wrong += relu[i] != std::fmax(none[i], 0.0f) || leaky[i] != (none[i] < 0 ? 0.1f * none[i] : none[i]);
    LF_CHECK(wrong == 0, at + ": " + std::to_string(wrong) + " activated outputs differ");
    // A NaN in channel 1 at the last row and a middle column.
    const int64_t ny = c.h - 1, nx = c.w / 2;
    auto xn = x;
    xn[(c.h + ny) * c.w + nx] = std::nanf("");
    LF_CHECK(run(xn, nan_relu, LF_ACT_CLAMP, 0, INFINITY) == LF_OK, "NaN call");
    int64_t bad = 0;
    for (int64_t ch = 0; ch < c.c; ++ch)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox) {
          const int64_t di = ny - (oy * c.s - c.pt), dj = nx - (ox * c.s - 1), i = (ch * oh + oy) * ow + ox;
          const bool reads = ch == 1 && di >= 0 && di < 3 && dj >= 0 && dj < 3;
          bad += reads ? !std::isnan(nan_relu[i]) : nan_relu[i] != relu[i];
        }
    LF_CHECK(bad == 0, at + ": " + std::to_string(bad) + " outputs wrong with a NaN input");
  }
}

// Channel counts in multiples of 16 (or fewer than 16 inputs) with a scratch large enough take the direct NCHW16c kernel on
// AVX-512: output blocks in groups of 4, 2 and 1, rows narrower and wider than a register tile,
// widths that leave partial 16-pixel transposes, strides 1, 2 (constant) and 3 (run-time).
LF_TEST(direct_conv_16c_matches_reference) {
  struct C { int64_t n, cin, h, w, cout, k, s, p, d; bool pad, res; };
  const C cases[] = {{1, 16, 5, 5, 16, 3, 1, 1, 1, false, false},  {2, 32, 9, 23, 112, 3, 1, 1, 1, true, true},
                     {1, 16, 12, 37, 48, 3, 2, 1, 1, false, true}, {1, 48, 7, 7, 32, 3, 1, 2, 2, true, false},
                     {1, 32, 11, 13, 16, 5, 3, 2, 1, true, true},  {1, 16, 3, 2, 64, 1, 2, 0, 1, false, false},
                     {1, 16, 20, 18, 80, 7, 2, 3, 1, true, true},
                     // fewer than 16 input channels (a first layer): one partial block
                     {1, 3, 30, 29, 64, 7, 2, 3, 1, true, true}, {2, 5, 9, 11, 32, 3, 1, 1, 1, false, false},
                     // outputs larger than the kernel's L2 piece (64K floats): done 4 rows, 1 row at a time
                     {1, 16, 20, 64, 256, 3, 1, 1, 1, true, true}, {2, 3, 21, 130, 512, 3, 2, 1, 1, true, true}};
  for (int isa : isas()) {
    for (const C& c : cases) {
      Geom G = geom(c.n, c.cin, c.h, c.w, c.cout, c.k, c.s, c.p, c.d, 1);
      auto x = rnd(c.n * c.cin * c.h * c.w, 11), w = rnd(c.cout * c.cin * c.k * c.k, 12), b = rnd(c.cout, 13);
      auto pv = rnd(c.cin, 14);
      size_t ysz = c.n * c.cout * G.v[16] * G.v[17];
      auto res = rnd(ysz, 15);
      const int64_t cin16 = (c.cin + 15) / 16 * 16;
      const int64_t direct = cin16 * (c.h + 2 * c.p) * (c.w + 2 * c.p) + c.cout * cin16 * c.k * c.k + c.cout * G.v[16] * G.v[17];
      std::vector<float> y(ysz, 99.0f), scratch(direct);
      int rc = lf_f32_conv2d_bias_act(isa, G.v, x.data(), w.data(), b.data(), c.pad ? pv.data() : nullptr,
                                      c.res ? res.data() : nullptr, y.data(), scratch.data(),
                                      static_cast<int64_t>(scratch.size()), LF_ACT_CLAMP, 0, 0, INFINITY);
      LF_CHECK(rc == LF_OK, "status " + std::to_string(rc));
      double r = rel(ref_conv(G, x, w, b.data(), c.pad ? pv.data() : nullptr, c.res ? res.data() : nullptr), y.data());
      LF_CHECK(r <= 1e-5, std::string(lf_isa_name(isa)) + " 16c case cin=" + std::to_string(c.cin) + " cout=" +
                              std::to_string(c.cout) + " w=" + std::to_string(c.w) + " rel=" + std::to_string(r));
    }
  }
}

// The epilogue after the 16c tile (store_out): a NaN residual stays NaN through ReLU (the clamp
// applied on the registers keeps it, as the scalar clamp does) and leaves the other outputs finite;
// an activation the store does not apply (LeakyReLU) gives exactly that activation of the
// un-activated output (the shared epilogue's path).
namespace {

// The AVX-512 direct conv of G (pad 1 or as G says, a residual with a NaN at nan_at) with ReLU, no
// activation and LeakyReLU: ReLU and LeakyReLU are the unactivated result clamped or scaled, bit for
// bit, and the NaN comes through both.
void epilogue_acts_agree(const Geom& G, int64_t nan_at, unsigned seed) {
  const int64_t cin = G.v[1], cout = G.v[4], k = G.v[5], ohw = G.v[16] * G.v[17], n = cout * ohw;
  auto x = rnd(cin * G.v[2] * G.v[3], seed), w = rnd(cout * cin * k * k, seed + 1), b = rnd(cout, seed + 2);
  auto res = rnd(n, seed + 3);
  res[nan_at] = std::nanf("");
  const int64_t cin16 = (cin + 15) / 16 * 16;
  std::vector<float> scratch(cin16 * (G.v[2] + G.v[9] + G.v[11]) * (G.v[3] + G.v[10] + G.v[12]) + cout * cin16 * k * k + n);
  std::vector<float> relu(n), none(n), leaky(n);
  auto run = [&](std::vector<float>& y, int act, float alpha, float hi) {
    return lf_f32_conv2d_bias_act(LF_ISA_AVX512, G.v, x.data(), w.data(), b.data(), nullptr, res.data(), y.data(),
                                  scratch.data(), static_cast<int64_t>(scratch.size()), act, alpha, 0, hi);
  };
  LF_CHECK(run(relu, LF_ACT_CLAMP, 0, INFINITY) == LF_OK && run(none, LF_ACT_NONE, 0, 0) == LF_OK &&
               run(leaky, LF_ACT_LEAKY_RELU, 0.1f, 0) == LF_OK,
           "calls");
  for (int64_t i = 0; i < n; ++i) {
    LF_CHECK(i == nan_at ? std::isnan(relu[i]) : relu[i] == std::fmax(none[i], 0.0f), "ReLU at " + std::to_string(i));
    const float expect = none[i] < 0 ? 0.1f * none[i] : none[i];
    LF_CHECK(i == nan_at ? std::isnan(leaky[i]) : leaky[i] == expect, "LeakyReLU at " + std::to_string(i));
  }
}

}  // namespace

LF_TEST(direct_conv_16c_epilogue_nan_and_other_acts) {
  if (!lf_isa_supported(LF_ISA_AVX512)) return;
  Geom G = geom(1, 16, 6, 7, 32, 3, 1, 1, 1, 1);
  epilogue_acts_agree(G, 17 * G.v[16] * G.v[17] + 40, 41);
}

namespace {

// Strips of output rows (what each thread computes) put together equal the whole conv bit for bit,
// also when a strip is done in several pieces (outputs past the kernel's L2 piece); a strip outside
// the image is rejected.
void strips_equal_whole(int64_t cin, int64_t cout, int64_t h, int64_t wd, int64_t s) {
  const int64_t k = 3;
  Geom G = geom(2, cin, h, wd, cout, k, s, 1, 1, 1);
  const int64_t oh = G.v[16], ohw = oh * G.v[17];
  auto x = rnd(2 * cin * h * wd, 31), w = rnd(cout * cin * k * k, 32), b = rnd(cout, 33), pv = rnd(cin, 34);
  auto res = rnd(2 * cout * ohw, 35);
  const int64_t cb = (cin + 15) / 16;  // input blocks (one partial block for a first layer)
  std::vector<float> packed(cout * cb * 16 * k * k);
  for (int64_t oc = 0; oc < cout; ++oc)
    for (int64_t ic = 0; ic < cin; ++ic)
      for (int64_t t = 0; t < k * k; ++t)
        packed[(((oc / 16) * cb + ic / 16) * k * k + t) * 256 + (ic % 16) * 16 + oc % 16] = w[(oc * cin + ic) * k * k + t];
  const int64_t scratch_floats = cb * 16 * (h + 2) * (wd + 2) + cout * ohw;
  std::vector<float> scratch(scratch_floats), whole(2 * cout * ohw), strips(2 * cout * ohw, 99.0f);
  LF_CHECK(lf_f32_conv2d_packed(LF_ISA_AVX512, G.v, 0, oh, x.data(), packed.data(), b.data(), pv.data(), res.data(),
                                whole.data(), scratch.data(), scratch_floats, LF_ACT_CLAMP, 0, 0, INFINITY) == LF_OK,
           "whole");
  const int64_t cuts[] = {0, 2, 3, oh};
  for (int s = 0; s < 3; ++s)
    LF_CHECK(lf_f32_conv2d_packed(LF_ISA_AVX512, G.v, cuts[s], cuts[s + 1], x.data(), packed.data(), b.data(), pv.data(),
                                  res.data(), strips.data(), scratch.data(), scratch_floats, LF_ACT_CLAMP, 0, 0,
                                  INFINITY) == LF_OK,
             "strip");
  LF_CHECK(whole == strips, "strips differ from the whole conv");
  double r = rel(ref_conv(G, x, w, b.data(), pv.data(), res.data()), whole.data());
  LF_CHECK(r <= 1e-5, "whole vs reference rel=" + std::to_string(r));
  LF_CHECK(lf_f32_conv2d_packed(LF_ISA_AVX512, G.v, 3, oh + 1, x.data(), packed.data(), b.data(), pv.data(), res.data(),
                                strips.data(), scratch.data(), scratch_floats, LF_ACT_NONE, 0, 0, 0) ==
               LF_ERR_INVALID_ARGUMENT,
           "rows past the image");
}

}  // namespace

LF_TEST(direct_conv_strips_equal_whole) {
  if (!lf_isa_supported(LF_ISA_AVX512)) return;
  strips_equal_whole(32, 48, 13, 11, 2);
  strips_equal_whole(16, 272, 17, 40, 1);  // 6-row pieces: the last strip (14 rows) in three
  strips_equal_whole(3, 32, 23, 50, 2);     // first layers on NCHW (first_conv)
  strips_equal_whole(4, 16, 13, 20, 1);
}

// First layers (at most 4 input channels, output channels in multiples of 16) on NCHW with
// the pixels along the lanes: strides 1 and 2, kernels 3, 5 and 7, rows of one, two and three
// vectors and partial ones, batches, pad values, the residual; stride 3 and dilation (the blocked
// kernel); several pieces of rows; an activation other than a clamp (the shared epilogue) and a NaN
// in the residual.
LF_TEST(first_layer_conv_matches_reference) {
  struct C { int64_t n, cin, h, w, cout, k, s, p, d; bool pad, res; };
  const C cases[] = {{1, 3, 30, 29, 32, 3, 2, 1, 1, true, false}, {2, 1, 9, 17, 16, 3, 1, 1, 1, false, true},
                     {1, 2, 40, 97, 48, 5, 2, 2, 1, true, true},  {1, 4, 11, 33, 16, 7, 1, 3, 1, false, false},
                     {1, 3, 20, 64, 32, 7, 2, 3, 1, true, true},  {1, 3, 8, 5, 16, 3, 2, 0, 1, false, true},
                     {1, 3, 14, 14, 16, 3, 3, 1, 1, true, false}, {1, 2, 12, 12, 16, 3, 1, 2, 2, true, true},
                     // several pieces of output rows (the copied input rows within 64 KB)
                     {1, 3, 60, 150, 16, 3, 2, 1, 1, true, true}, {2, 3, 40, 120, 16, 3, 1, 1, 1, false, true}};
  for (const C& c : cases) {
    Geom G = geom(c.n, c.cin, c.h, c.w, c.cout, c.k, c.s, c.p, c.d, 1);
    auto x = rnd(c.n * c.cin * c.h * c.w, 51), w = rnd(c.cout * c.cin * c.k * c.k, 52), b = rnd(c.cout, 53);
    auto pv = rnd(c.cin, 54);
    const size_t ysz = c.n * c.cout * G.v[16] * G.v[17];
    auto res = rnd(ysz, 55);
    const int64_t direct = 16 * (c.h + 2 * c.p) * (c.w + 2 * c.p) + c.cout * 16 * c.k * c.k + c.cout * G.v[16] * G.v[17];
    std::vector<float> y(ysz, 99.0f), scratch(direct);
    for (int isa : isas()) {
      LF_CHECK(lf_f32_conv2d_bias_act(isa, G.v, x.data(), w.data(), b.data(), c.pad ? pv.data() : nullptr,
                                      c.res ? res.data() : nullptr, y.data(), scratch.data(),
                                      static_cast<int64_t>(scratch.size()), LF_ACT_CLAMP, 0, 0, INFINITY) == LF_OK,
               "status");
      const double r = rel(ref_conv(G, x, w, b.data(), c.pad ? pv.data() : nullptr, c.res ? res.data() : nullptr), y.data());
      LF_CHECK(r <= 1e-5, std::string(lf_isa_name(isa)) + " first layer cin=" + std::to_string(c.cin) + " k=" +
                              std::to_string(c.k) + " s=" + std::to_string(c.s) + " w=" + std::to_string(c.w) +
                              " rel=" + std::to_string(r));
    }
  }
  if (!lf_isa_supported(LF_ISA_AVX512)) return;
  Geom G = geom(1, 3, 60, 150, 32, 3, 2, 1, 1, 1);  // three pieces of rows
  epilogue_acts_agree(G, 9 * G.v[16] * G.v[17] + 21 * 75 + 3, 61);
}

// G w G^T per (oc, ic) into lf_f32_conv2d_winograd's layout, in double.
std::vector<float> winograd_weights(const std::vector<float>& w, int64_t cout, int64_t cin) {
  const double G[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
  std::vector<float> u(16 * cout * cin);
  for (int64_t oc = 0; oc < cout; ++oc)
    for (int64_t ic = 0; ic < cin; ++ic) {
      const float* k = &w[(oc * cin + ic) * 9];
      for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) {
          double acc = 0;
          for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j) acc += G[a][i] * k[i * 3 + j] * G[b][j];
          u[(((a * 4 + b) * (cout / 16) + oc / 16) * (cin / 16) + ic / 16) * 256 + (ic % 16) * 16 + oc % 16] =
              static_cast<float>(acc);
        }
    }
  return u;
}

// Winograd F(2x2, 3x3): odd and even maps (partial last tiles), pads 0..2 (pad values on the border),
// batches of 2 and 3, chunks of several tile rows and chunks across images, output blocks in groups of 4, 2 and 1; row and channel ranges
// (what threads take) put together equal the whole conv bit for bit; bad ranges, ISAs and scratch
// are rejected.
LF_TEST(winograd_matches_reference) {
  if (!lf_isa_supported(LF_ISA_AVX512)) return;
  struct C { int64_t n, cin, h, w, cout, p; bool pad, res; };
  const C cases[] = {{1, 16, 5, 5, 16, 1, false, false}, {2, 32, 9, 23, 112, 1, true, true},
                     {1, 64, 56, 56, 64, 1, true, true},  {1, 48, 7, 7, 32, 2, true, false},
                     {1, 16, 14, 3, 48, 0, false, true},  {1, 512, 7, 7, 512, 1, false, true},
                     {2, 16, 1, 1, 16, 1, true, true},
                     // chunks that hold the end of one image and the start of the next
                     {3, 16, 7, 6, 32, 1, true, true},    {3, 256, 5, 5, 256, 1, true, true}};
  for (const C& c : cases) {
    Geom G = geom(c.n, c.cin, c.h, c.w, c.cout, 3, 1, c.p, 1, 1);
    const int64_t oh = G.v[16], ohw = oh * G.v[17];
    auto x = rnd(c.n * c.cin * c.h * c.w, 41), w = rnd(c.cout * c.cin * 9, 42), b = rnd(c.cout, 43);
    auto pv = rnd(c.cin, 44), res = rnd(c.n * c.cout * ohw, 45);
    auto u = winograd_weights(w, c.cout, c.cin);
    const int64_t scratch_floats = lf_conv2d_winograd_scratch(G.v);
    LF_CHECK(scratch_floats > 0, "scratch query");
    std::vector<float> scratch(scratch_floats), y(c.n * c.cout * ohw, 99.0f), parts(y.size(), 99.0f);
    const float* pvp = c.pad ? pv.data() : nullptr;
    const float* rp = c.res ? res.data() : nullptr;
    LF_CHECK(lf_f32_conv2d_winograd(LF_ISA_AVX512, G.v, 0, oh, 0, c.cout, x.data(), u.data(), b.data(), pvp, rp, y.data(),
                                    scratch.data(), scratch_floats, LF_ACT_CLAMP, 0, 0, INFINITY) == LF_OK,
             "whole");
    double r = rel(ref_conv(G, x, w, b.data(), pvp, rp), y.data());
    LF_CHECK(r <= 1e-5, "winograd cin=" + std::to_string(c.cin) + " cout=" + std::to_string(c.cout) + " h=" +
                            std::to_string(c.h) + " w=" + std::to_string(c.w) + " rel=" + std::to_string(r));
    // Two row ranges (split at an even row) times two channel ranges.
    const int64_t rcut = oh >= 4 ? (oh / 2) / 2 * 2 : oh, ccut = c.cout >= 32 ? c.cout / 32 * 16 : c.cout;
    for (int64_t y0 : {int64_t{0}, rcut})
      for (int64_t c0 : {int64_t{0}, ccut}) {
        const int64_t y1 = y0 == 0 ? rcut : oh, c1 = c0 == 0 ? ccut : c.cout;
        if (y0 >= y1 || c0 >= c1) continue;
        LF_CHECK(lf_f32_conv2d_winograd(LF_ISA_AVX512, G.v, y0, y1, c0, c1, x.data(), u.data(), b.data(), pvp, rp,
                                        parts.data(), scratch.data(), scratch_floats, LF_ACT_CLAMP, 0, 0,
                                        INFINITY) == LF_OK,
                 "part");
      }
    LF_CHECK(parts == y, "row/channel parts differ from the whole conv");
  }
  Geom G = geom(1, 16, 6, 6, 32, 3, 1, 1, 1, 1);
  std::vector<float> x(16 * 36), u(16 * 32 * 16), y(32 * 36), scratch(lf_conv2d_winograd_scratch(G.v));
  const int64_t sf = static_cast<int64_t>(scratch.size());
  auto call = [&](int isa, int64_t y0, int64_t y1, int64_t c0, int64_t c1, int64_t floats) {
    return lf_f32_conv2d_winograd(isa, G.v, y0, y1, c0, c1, x.data(), u.data(), nullptr, nullptr, nullptr, y.data(),
                                  scratch.data(), floats, LF_ACT_NONE, 0, 0, 0);
  };
  LF_CHECK(call(LF_ISA_AVX512, 0, 6, 0, 32, sf) == LF_OK, "valid call");
  LF_CHECK(call(LF_ISA_AVX2, 0, 6, 0, 32, sf) == LF_ERR_UNSUPPORTED_ISA, "AVX2");
  LF_CHECK(call(LF_ISA_AVX512, 1, 6, 0, 32, sf) == LF_ERR_INVALID_ARGUMENT, "odd first row");
  LF_CHECK(call(LF_ISA_AVX512, 0, 3, 0, 32, sf) == LF_ERR_INVALID_ARGUMENT, "odd end row inside the map");
  LF_CHECK(call(LF_ISA_AVX512, 0, 8, 0, 32, sf) == LF_ERR_INVALID_ARGUMENT, "rows past the map");
  LF_CHECK(call(LF_ISA_AVX512, 0, 6, 8, 32, sf) == LF_ERR_INVALID_ARGUMENT, "channel range not in blocks of 16");
  LF_CHECK(call(LF_ISA_AVX512, 0, 6, 0, 48, sf) == LF_ERR_INVALID_ARGUMENT, "channels past out_c");
  LF_CHECK(call(LF_ISA_AVX512, 0, 6, 0, 32, sf - 1) == LF_ERR_INVALID_ARGUMENT, "scratch one float short");
  Geom S2 = geom(1, 16, 6, 6, 32, 3, 2, 1, 1, 1);
  LF_CHECK(lf_conv2d_winograd_scratch(S2.v) == -1, "stride 2 is not eligible");
}

// The 1x1 + depthwise kernel against the two kernels run one after the other: bit for bit, on
// strides 1, 2 and 3, 5x5 and dilated kernels, pad values, images, channel ranges (as threads take
// them) and scratches from one strip row (many strips, each reusing the last one's rows) to all.
LF_TEST(pw_dw_equals_separate_kernels) {
  if (!lf_isa_supported(LF_ISA_AVX512)) return;
  struct C { int64_t n, cin, c, h, w, k, s, p, d; bool pad; };
  const C cases[] = {{1, 16, 96, 23, 40, 3, 2, 1, 1, false}, {2, 5, 20, 17, 19, 3, 1, 1, 1, true},
                     {1, 24, 40, 30, 30, 3, 1, 1, 1, false},  {1, 7, 18, 21, 70, 5, 2, 2, 1, true},
                     {1, 9, 17, 13, 13, 3, 3, 1, 2, false},   {1, 3, 33, 9, 120, 3, 2, 1, 1, true},
                     // small maps: stride 2 on the row-group path paired (one pad value) and single
                     // (per-channel pads), stride 2 and 1 by the column sweeps
                     {1, 8, 20, 14, 14, 3, 2, 1, 1, false},   {1, 6, 19, 13, 13, 3, 2, 1, 1, true},
                     {1, 6, 19, 13, 27, 3, 2, 1, 1, true},    {1, 5, 9, 11, 7, 3, 1, 1, 1, false},
                     // tall narrow stride-2 planes (more output rows than the row-group path's
                     // buffer holds at once), paired and single
                     {1, 4, 6, 131, 12, 3, 2, 1, 1, false},   {1, 4, 5, 140, 13, 3, 2, 1, 1, true}};
  for (const C& c : cases) {
    Geom G = geom(c.n, c.c, c.h, c.w, c.c, c.k, c.s, c.p, c.d, c.c);
    int64_t pg[LF_GEOM_LEN] = {c.n, c.cin, c.h, c.w, c.c, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, c.h, c.w};
    auto x = rnd(c.n * c.cin * c.h * c.w, 11), wp = rnd(c.c * c.cin, 12), bp = rnd(c.c, 13);
    auto wd = rnd(c.c * c.k * c.k, 14), bd = rnd(c.c, 15), pv = rnd(c.c, 16);
    const int64_t ohw = G.v[16] * G.v[17], ysz = c.n * c.c * ohw, span = (c.k - 1) * c.d + 1;
    std::vector<float> mid(c.n * c.c * c.h * c.w), want(ysz);
    LF_CHECK(lf_f32_conv2d_bias_act(LF_ISA_AVX512, pg, x.data(), wp.data(), bp.data(), nullptr, nullptr, mid.data(),
                                    nullptr, 0, LF_ACT_CLAMP, 0, 0, 6) == LF_OK, "pointwise");
    LF_CHECK(lf_f32_dwconv2d_bias_act(LF_ISA_AVX512, G.v, mid.data(), wd.data(), bd.data(), c.pad ? pv.data() : nullptr,
                                      nullptr, want.data(), LF_ACT_CLAMP, 0, 0, 6) == LF_OK, "depthwise");
    for (int64_t split : {int64_t{1}, int64_t{3}}) {
      for (int64_t rows_of : {int64_t{1}, int64_t{2}, int64_t{1000}}) {
        std::vector<float> y(ysz, 99.0f);
        const int64_t chunk = (c.c + split - 1) / split;
        for (int64_t c0 = 0; c0 < c.c; c0 += chunk) {
          const int64_t c1 = std::min(c.c, c0 + chunk);
          std::vector<float> scratch((c1 - c0) * c.w * ((rows_of - 1) * c.s + span));
          int rc = lf_f32_pw_dw(LF_ISA_AVX512, G.v, c.cin, c0, c1, x.data(), wp.data(), bp.data(), LF_ACT_CLAMP, 0, 0, 6,
                                wd.data(), bd.data(), c.pad ? pv.data() : nullptr, y.data(), scratch.data(),
                                static_cast<int64_t>(scratch.size()), LF_ACT_CLAMP, 0, 0, 6);
          LF_CHECK(rc == LF_OK, "status " + std::to_string(rc));
        }
        int64_t diff = 0;
        for (int64_t i = 0; i < ysz; ++i) diff += y[i] != want[i];
        LF_CHECK(diff == 0, std::to_string(diff) + " outputs differ; c=" + std::to_string(c.c) + " k=" +
                                std::to_string(c.k) + " s=" + std::to_string(c.s) + " strip rows " +
                                std::to_string(rows_of) + " split " + std::to_string(split));
      }
    }
  }
  // Rejected: a scratch short of one strip row, an empty or out-of-range channel range, other ISAs,
  // padding taller than the kernel (a strip could then hold no image row).
  Geom G = geom(1, 8, 10, 10, 8, 3, 1, 1, 1, 8);
  std::vector<float> x(4 * 100), wp(8 * 4), wd(8 * 9), y(8 * 100), scratch(8 * 10 * 3);
  auto call = [&](int isa, const int64_t* g, int64_t c0, int64_t c1, int64_t floats) {
    return lf_f32_pw_dw(isa, g, 4, c0, c1, x.data(), wp.data(), nullptr, LF_ACT_NONE, 0, 0, 0, wd.data(), nullptr,
                        nullptr, y.data(), scratch.data(), floats, LF_ACT_NONE, 0, 0, 0);
  };
  LF_CHECK(call(LF_ISA_AVX512, G.v, 0, 8, 8 * 10 * 3) == LF_OK, "one strip row fits");
  LF_CHECK(call(LF_ISA_AVX512, G.v, 0, 8, 8 * 10 * 3 - 1) == LF_ERR_INVALID_ARGUMENT, "scratch short");
  LF_CHECK(call(LF_ISA_AVX512, G.v, 4, 4, 1000) == LF_ERR_INVALID_ARGUMENT, "empty channel range");
  LF_CHECK(call(LF_ISA_AVX512, G.v, 0, 9, 1000) == LF_ERR_INVALID_ARGUMENT, "channel range past in_c");
  LF_CHECK(call(LF_ISA_AVX2, G.v, 0, 8, 1000) == LF_ERR_UNSUPPORTED_ISA, "AVX2");
  Geom tall = geom(1, 8, 10, 10, 8, 3, 1, 3, 1, 8);
  LF_CHECK(call(LF_ISA_AVX512, tall.v, 0, 8, 1000) == LF_ERR_INVALID_ARGUMENT, "pad 3 on a 3x3 kernel");
}

LF_TEST(conv2d_rejects_too_small_scratch) {
  Geom G = geom(1, 3, 8, 8, 4, 3, 1, 1, 1, 1);
  std::vector<float> x(3 * 64), w(4 * 27), y(4 * 64), scratch(10);
  LF_CHECK(lf_f32_conv2d_bias_act(0, G.v, x.data(), w.data(), nullptr, nullptr, nullptr, y.data(), scratch.data(), 10,
                                  LF_ACT_NONE, 0, 0, 0) == LF_ERR_INVALID_ARGUMENT, "scratch too small");
  G.v[LF_GEOM_SH] = 0;
  LF_CHECK(lf_f32_conv2d_bias_act(0, G.v, x.data(), w.data(), nullptr, nullptr, nullptr, y.data(), scratch.data(), 10,
                                  LF_ACT_NONE, 0, 0, 0) == LF_ERR_INVALID_ARGUMENT, "stride 0");
}

LF_TEST(pool_and_elementwise) {
  for (int isa : isas()) {
    // 2x2 average of a known plane, and max.
    Geom G = geom(1, 1, 2, 2, 1, 2, 2, 0, 1, 1);
    float x[4] = {1, 2, 3, 6}, y = 0;
    LF_CHECK(lf_f32_pool2d(isa, G.v, 0, 0, x, &y) == LF_OK && y == 3.0f, "avg");
    LF_CHECK(lf_f32_pool2d(isa, G.v, 1, 0, x, &y) == LF_OK && y == 6.0f, "max");
    float m = 0;
    LF_CHECK(lf_f32_global_avg_pool(isa, 1, 4, x, &m) == LF_OK && m == 3.0f, "global avg");
    // Planes of 7x7 (six runs of eight and a tail), 8, 17 and 3 values against a double reference.
    for (int64_t hw : {49, 8, 17, 3}) {
      const int64_t planes = 5;
      auto v = rnd(planes * hw, 41);
      std::vector<float> avg(planes, 99.0f);
      LF_CHECK(lf_f32_global_avg_pool(isa, planes, hw, v.data(), avg.data()) == LF_OK, "global avg status");
      for (int64_t p = 0; p < planes; ++p) {
        double want = 0;
        for (int64_t i = 0; i < hw; ++i) want += v[p * hw + i];
        want /= static_cast<double>(hw);
        LF_CHECK(std::fabs(avg[p] - want) <= 1e-6 * std::fmax(1.0, std::fabs(want)),
                 "global avg of " + std::to_string(hw) + " plane " + std::to_string(p));
      }
    }
    float s[2] = {2, -1}, t[2] = {1, 0}, out[4];
    LF_CHECK(lf_f32_scale_shift_act(isa, 1, 2, 2, x, s, t, out, LF_ACT_CLAMP, 0, 0, INFINITY) == LF_OK, "scale shift");
    LF_CHECK(out[0] == 3 && out[1] == 5 && out[2] == 0 && out[3] == 0, "scale shift values");
    float a[3] = {1, -2, 3}, b[3] = {1, 1, -5}, z[3];
    LF_CHECK(lf_f32_add_act(isa, 3, a, b, z, LF_ACT_CLAMP, 0, 0, INFINITY) == LF_OK, "add");
    LF_CHECK(z[0] == 2 && z[1] == 0 && z[2] == 0, "add values");
    LF_CHECK(lf_f32_add_act(isa, 3, a, b, b, LF_ACT_NONE, 0, 0, 0) == LF_OK && b[2] == -2 && b[0] == 2, "add in place");
    LF_CHECK(lf_f32_add_act(isa, 3, a, a, a, LF_ACT_NONE, 0, 0, 0) == LF_OK && a[1] == -4, "x + x in place");
  }
}

// Max pooling of every ISA against the baseline (scalar) kernel, exactly: rows narrower and wider
// than a vector, padding, dilation, strides 1-3, and NaN (a window holding one gives NaN).
LF_TEST(max_pool_matches_baseline) {
  struct C { int64_t c, h, w, k, s, p, d; };
  const C cases[] = {{3, 37, 29, 3, 2, 1, 1}, {2, 16, 16, 2, 2, 0, 1}, {2, 20, 41, 3, 1, 2, 2},
                     {1, 23, 50, 5, 3, 2, 1}, {4, 7, 7, 3, 1, 1, 1}};
  for (const C& c : cases) {
    Geom G = geom(1, c.c, c.h, c.w, c.c, c.k, c.s, c.p, c.d, c.c);
    auto x = rnd(c.c * c.h * c.w, 21);
    x[5] = NAN;
    x[x.size() / 2] = NAN;
    const size_t ysz = c.c * G.v[16] * G.v[17];
    std::vector<float> want(ysz), got(ysz);
    LF_CHECK(lf_f32_pool2d(LF_ISA_BASELINE, G.v, 1, 0, x.data(), want.data()) == LF_OK, "baseline");
    for (int isa : isas()) {
      std::fill(got.begin(), got.end(), 7.0f);
      LF_CHECK(lf_f32_pool2d(isa, G.v, 1, 0, x.data(), got.data()) == LF_OK, "status");
      int bad = 0, nans = 0;
      for (size_t i = 0; i < ysz; ++i) {
        nans += std::isnan(want[i]);
        if (std::isnan(want[i]) != std::isnan(got[i]) || (!std::isnan(want[i]) && want[i] != got[i])) ++bad;
      }
      LF_CHECK(bad == 0 && nans > 0, std::string(lf_isa_name(isa)) + " max pool w=" + std::to_string(c.w) +
                                         " mismatches=" + std::to_string(bad) + " nans=" + std::to_string(nans));
    }
  }
}

LF_TEST(conv_transpose_matches_scatter_reference) {
  for (int isa : isas()) {
    // in 2 ch 3x3, out 4 ch, k3 s2 p1, groups 2: out 5x5.
    int64_t gv[LF_GEOM_LEN] = {1, 2, 3, 3, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2, 5, 5};
    auto x = rnd(18, 7), w = rnd(2 * 2 * 9, 8), b = rnd(4, 9);
    std::vector<float> y(100), scratch(2 * 9 * 9);
    LF_CHECK(lf_f32_conv_transpose2d_bias_act(isa, gv, x.data(), w.data(), b.data(), y.data(), scratch.data(),
                                              static_cast<int64_t>(scratch.size()), LF_ACT_NONE, 0, 0, 0) == LF_OK, "status");
    std::vector<double> ref(100);
    for (int o = 0; o < 4; ++o)
      for (int i = 0; i < 25; ++i) ref[o * 25 + i] = b[o];
    for (int ci = 0; ci < 2; ++ci)
      for (int iy = 0; iy < 3; ++iy)
        for (int ix = 0; ix < 3; ++ix)
          for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j) {
              int oy = iy * 2 - 1 + i, ox = ix * 2 - 1 + j;
              if (oy < 0 || oy >= 5 || ox < 0 || ox >= 5) continue;
              int oc = ci * 2 + 0;  // group ci has output channels 2ci, 2ci+1
              for (int col = 0; col < 2; ++col)
                ref[(oc + col) * 25 + oy * 5 + ox] += double(x[ci * 9 + iy * 3 + ix]) * w[((ci * 2 + col) * 3 + i) * 3 + j];
            }
    LF_CHECK(rel(ref, y.data()) <= 1e-5, "rel " + std::to_string(rel(ref, y.data())));
  }
}
