// By-value geometry entry points for the JNI binding: they rebuild the LF_GEOM array on the
// stack and call the pointer-taking kernels.
#include "internal.h"

#define LF_GEOM_ARRAY                                                                                    \
  const int64_t geom[LF_GEOM_LEN] = {g_n,     g_in_c,  g_in_h,  g_in_w,  g_out_c, g_kh, g_kw,   g_sh, g_sw, \
                                     g_pad_t, g_pad_l, g_pad_b, g_pad_r, g_dh,    g_dw, g_groups, g_out_h, g_out_w}

extern "C" {

int lf_f32_conv2d_packed_v(int isa, LF_GEOM_PARAMS, int64_t oy0, int64_t oy1, const float* x, const float* packed,
                           const float* bias, const float* pad_values, const float* residual, float* y, float* scratch,
                           int64_t scratch_floats, int act, float alpha, float lo, float hi) {
  LF_GEOM_ARRAY;
  return lf_f32_conv2d_packed(isa, geom, oy0, oy1, x, packed, bias, pad_values, residual, y, scratch, scratch_floats, act, alpha,
                              lo, hi);
}

int lf_f32_conv2d_winograd_v(int isa, LF_GEOM_PARAMS, int64_t oy0, int64_t oy1, int64_t oc0, int64_t oc1,
                             const float* x, const float* u, const float* bias, const float* pad_values,
                             const float* residual, float* y, float* scratch, int64_t scratch_floats, int act,
                             float alpha, float lo, float hi) {
  LF_GEOM_ARRAY;
  return lf_f32_conv2d_winograd(isa, geom, oy0, oy1, oc0, oc1, x, u, bias, pad_values, residual, y, scratch,
                                scratch_floats, act, alpha, lo, hi);
}

int64_t lf_conv2d_winograd_scratch_v(LF_GEOM_PARAMS) {
  LF_GEOM_ARRAY;
  return lf_conv2d_winograd_scratch(geom);
}

int lf_f32_conv2d_bias_act_v(int isa, LF_GEOM_PARAMS, const float* x, const float* weight, const float* bias,
                             const float* pad_values, const float* residual, float* y, float* scratch,
                             int64_t scratch_floats, int act, float alpha, float lo, float hi) {
  LF_GEOM_ARRAY;
  return lf_f32_conv2d_bias_act(isa, geom, x, weight, bias, pad_values, residual, y, scratch, scratch_floats, act,
                                alpha, lo, hi);
}

int lf_f32_dwconv2d_bias_act_v(int isa, LF_GEOM_PARAMS, const float* x, const float* weight, const float* bias,
                               const float* pad_values, const float* residual, float* y, int act, float alpha,
                               float lo, float hi) {
  LF_GEOM_ARRAY;
  return lf_f32_dwconv2d_bias_act(isa, geom, x, weight, bias, pad_values, residual, y, act, alpha, lo, hi);
}

int lf_f32_conv_transpose2d_bias_act_v(int isa, LF_GEOM_PARAMS, const float* x, const float* weight,
                                       const float* bias, float* y, float* scratch, int64_t scratch_floats, int act,
                                       float alpha, float lo, float hi) {
  LF_GEOM_ARRAY;
  return lf_f32_conv_transpose2d_bias_act(isa, geom, x, weight, bias, y, scratch, scratch_floats, act, alpha, lo, hi);
}

int lf_f32_pool2d_v(int isa, LF_GEOM_PARAMS, int is_max, int count_include_pad, const float* x, float* y) {
  LF_GEOM_ARRAY;
  return lf_f32_pool2d(isa, geom, is_max, count_include_pad, x, y);
}

int lf_f32_pw_dw_v(int isa, LF_GEOM_PARAMS, int64_t cin, int64_t c0, int64_t c1, const float* x, const float* w_p,
                   const float* b_p, int act_p, float alpha_p, float lo_p, float hi_p, const float* w_d,
                   const float* b_d, const float* pad_values, float* y, float* scratch, int64_t scratch_floats,
                   int act, float alpha, float lo, float hi) {
  LF_GEOM_ARRAY;
  return lf_f32_pw_dw(isa, geom, cin, c0, c1, x, w_p, b_p, act_p, alpha_p, lo_p, hi_p, w_d, b_d, pad_values, y, scratch,
                      scratch_floats, act, alpha, lo, hi);
}

}  // extern "C"
