// Broadcasting binary ops, strided copies, padding, softmax and global max pooling.
#include <cmath>
#include <string>

#include "harness.h"
#include "layerfuse/kernels.h"

LF_TEST(binary_broadcasts_and_applies_activation) {
  // a [2,3] + b [3] (stride 0 on the outer axis), then ReLU.
  float a[6] = {1, -2, 3, -4, 5, -6}, b[3] = {1, 1, 1}, y[6];
  LF_CHECK(lf_f32_binary(0, LF_BIN_ADD, 1, 1, 1, 1, 2, 3, 0, 0, 0, 0, 3, 1, 0, 0, 0, 0, 0, 1, a, b, y, LF_ACT_CLAMP, 0, 0,
                         INFINITY) == LF_OK, "status");
  const float want[6] = {2, 0, 4, 0, 6, 0};
  for (int i = 0; i < 6; ++i) LF_CHECK(y[i] == want[i], "add relu " + std::to_string(i));
  float d[2];
  float num[2] = {1, 3}, den[1] = {2};
  LF_CHECK(lf_f32_binary(0, LF_BIN_DIV, 1, 1, 1, 1, 1, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, num, den, d, LF_ACT_NONE, 0,
                         0, 0) == LF_OK && d[0] == 0.5f && d[1] == 1.5f, "scalar divide");
  float lo[1] = {0.5f}, mx[2];
  LF_CHECK(lf_f32_binary(0, LF_BIN_MAX, 1, 1, 1, 1, 1, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, num, lo, mx, LF_ACT_NONE, 0,
                         0, 0) == LF_OK && mx[0] == 1 && mx[1] == 3, "max");
  LF_CHECK(lf_f32_binary(0, LF_BIN_MIN, 1, 1, 1, 1, 1, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, num, lo, mx, LF_ACT_NONE, 0,
                         0, 0) == LF_OK && mx[0] == 0.5f && mx[1] == 0.5f, "min");
  LF_CHECK(lf_f32_binary(0, 7, 1, 1, 1, 1, 1, 2, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, num, den, d, 0, 0, 0, 0) ==
               LF_ERR_INVALID_ARGUMENT, "unknown op");
}

LF_TEST(strided_copy_transposes) {
  float x[6] = {0, 1, 2, 3, 4, 5}, y[6];  // x [2,3] -> y [3,2]
  LF_CHECK(lf_f32_strided_copy(1, 1, 1, 1, 3, 2, 0, 0, 0, 0, 1, 3, 0, 0, 0, 0, 2, 1, x, y) == LF_OK, "status");
  const float want[6] = {0, 3, 1, 4, 2, 5};
  for (int i = 0; i < 6; ++i) LF_CHECK(y[i] == want[i], "transpose");
}

LF_TEST(pad_modes) {
  float x[3] = {1, 2, 3}, y[7];
  const float want[4][7] = {{9, 9, 1, 2, 3, 9, 9}, {1, 1, 1, 2, 3, 3, 3}, {3, 2, 1, 2, 3, 2, 1}, {2, 3, 1, 2, 3, 1, 2}};
  for (int mode = 0; mode < 4; ++mode) {
    LF_CHECK(lf_f32_pad(1, 1, 1, 1, 1, 3, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 2, mode, 9, x, y) == LF_OK, "status");
    for (int i = 0; i < 7; ++i) LF_CHECK(y[i] == want[mode][i], "mode " + std::to_string(mode) + " at " + std::to_string(i));
  }
}

LF_TEST(softmax_and_global_max) {
  float x[4] = {1, 2, 3, 4}, y[4];
  LF_CHECK(lf_f32_softmax(0, 2, 2, 1, 0, x, y) == LF_OK, "status");
  LF_CHECK(std::fabs(y[0] + y[1] - 1) < 1e-6 && std::fabs(y[1] - 1 / (1 + std::exp(-1.0))) < 1e-6, "softmax");
  LF_CHECK(lf_f32_softmax(0, 1, 4, 1, 1, x, y) == LF_OK && std::fabs(std::exp(y[3]) - 0.6439142598879722) < 1e-6, "log");
  float m[2];
  LF_CHECK(lf_f32_global_max_pool(0, 2, 2, x, m) == LF_OK && m[0] == 2 && m[1] == 4, "global max");
}
