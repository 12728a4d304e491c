package dev.layerfuse.exec.nativ;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.NoException;
import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.openblas.presets.openblas;

/**
 * The JavaCPP binding of {@code native/include/layerfuse/kernels.h}: one method per C function,
 * no logic. Pointers cross as raw addresses ({@code long}), so a call allocates nothing and
 * copies nothing. Callers ({@link NativeKernels}) validate every argument first.
 *
 * <p>Inheriting the OpenBLAS preset links and preloads bytedeco's OpenBLAS.
 */
@Properties(
    inherit = openblas.class,
    value = @Platform(include = "layerfuse/kernels.h", link = "layerfuse_kernels"))
@NoException
public final class LayerfuseNative {
  static {
    Loader.load();
  }

  private LayerfuseNative() {}

  public static native @Cast("const char*") BytePointer lf_version();

  public static native int lf_isa_supported(int isa);

  public static native int lf_trim_heap();

  public static native int lf_advise_huge_pages(@Cast("const void*") long p, @Cast("int64_t") long bytes);

  public static native int lf_isa_best();

  public static native @Cast("const char*") BytePointer lf_isa_name(int isa);

  public static native void lf_blas_set_num_threads(int threads);

  public static native int lf_blas_get_num_threads();

  public static native @Cast("const char*") BytePointer lf_blas_config();

  public static native int lf_f32_gemm_bias_act(
      int isa, int trans_b, @Cast("int64_t") long m, @Cast("int64_t") long n, @Cast("int64_t") long k,
      @Cast("const float*") long a, @Cast("int64_t") long lda,
      @Cast("const float*") long b, @Cast("int64_t") long ldb,
      @Cast("float*") long c, @Cast("int64_t") long ldc,
      @Cast("const float*") long bias, int bias_mode,
      @Cast("const float*") long residual, @Cast("int64_t") long ldr,
      int act, float alpha, float lo, float hi);

  public static native int lf_f32_pointwise_conv(
      int isa, @Cast("int64_t") long rows, @Cast("int64_t") long cols, @Cast("int64_t") long k,
      @Cast("const float*") long w, @Cast("int64_t") long ldw, @Cast("const float*") long x, @Cast("int64_t") long ldx,
      @Cast("float*") long y, @Cast("int64_t") long ldy, @Cast("const float*") long bias, int bias_mode,
      @Cast("const float*") long residual, @Cast("int64_t") long ldr, int act, float alpha, float lo, float hi);

  public static native int lf_f32_linear_packed(
      int isa, @Cast("int64_t") long m, @Cast("int64_t") long n, @Cast("int64_t") long k,
      @Cast("const float*") long a, @Cast("int64_t") long lda, @Cast("const float*") long packed,
      @Cast("int64_t") long n0, @Cast("int64_t") long n1, @Cast("const float*") long bias, int bias_mode,
      @Cast("const float*") long residual, @Cast("int64_t") long ldr, @Cast("float*") long c, @Cast("int64_t") long ldc,
      @Cast("float*") long scratch, @Cast("int64_t") long scratch_floats, int act, float alpha, float lo, float hi);

  public static native @Cast("int64_t") long lf_linear_packed_scratch(
      @Cast("int64_t") long m, @Cast("int64_t") long cols, @Cast("int64_t") long k);

  public static native int lf_f32_bias_act(
      int isa, @Cast("int64_t") long m, @Cast("int64_t") long n, @Cast("float*") long c, @Cast("int64_t") long ldc,
      @Cast("const float*") long bias, int bias_mode,
      @Cast("const float*") long residual, @Cast("int64_t") long ldr,
      int act, float alpha, float lo, float hi);

  public static native int lf_f32_conv2d_packed_v(
      int isa, @Cast("int64_t") long g_n, @Cast("int64_t") long g_in_c, @Cast("int64_t") long g_in_h, @Cast("int64_t") long g_in_w,
      @Cast("int64_t") long g_out_c, @Cast("int64_t") long g_kh, @Cast("int64_t") long g_kw, @Cast("int64_t") long g_sh,
      @Cast("int64_t") long g_sw, @Cast("int64_t") long g_pad_t, @Cast("int64_t") long g_pad_l, @Cast("int64_t") long g_pad_b,
      @Cast("int64_t") long g_pad_r, @Cast("int64_t") long g_dh, @Cast("int64_t") long g_dw, @Cast("int64_t") long g_groups,
      @Cast("int64_t") long g_out_h, @Cast("int64_t") long g_out_w, @Cast("int64_t") long oy0, @Cast("int64_t") long oy1,
      @Cast("const float*") long x, @Cast("const float*") long packed,
      @Cast("const float*") long bias, @Cast("const float*") long pad_values, @Cast("const float*") long residual,
      @Cast("float*") long y, @Cast("float*") long scratch, @Cast("int64_t") long scratch_floats, int act, float alpha,
      float lo, float hi);

  public static native int lf_f32_conv2d_winograd_v(
      int isa, @Cast("int64_t") long g_n, @Cast("int64_t") long g_in_c, @Cast("int64_t") long g_in_h, @Cast("int64_t") long g_in_w,
      @Cast("int64_t") long g_out_c, @Cast("int64_t") long g_kh, @Cast("int64_t") long g_kw, @Cast("int64_t") long g_sh,
      @Cast("int64_t") long g_sw, @Cast("int64_t") long g_pad_t, @Cast("int64_t") long g_pad_l, @Cast("int64_t") long g_pad_b,
      @Cast("int64_t") long g_pad_r, @Cast("int64_t") long g_dh, @Cast("int64_t") long g_dw, @Cast("int64_t") long g_groups,
      @Cast("int64_t") long g_out_h, @Cast("int64_t") long g_out_w, @Cast("int64_t") long oy0, @Cast("int64_t") long oy1,
      @Cast("int64_t") long oc0, @Cast("int64_t") long oc1, @Cast("const float*") long x, @Cast("const float*") long u,
      @Cast("const float*") long bias, @Cast("const float*") long pad_values, @Cast("const float*") long residual,
      @Cast("float*") long y, @Cast("float*") long scratch, @Cast("int64_t") long scratch_floats, int act, float alpha,
      float lo, float hi);

  public static native @Cast("int64_t") long lf_conv2d_winograd_scratch_v(
      @Cast("int64_t") long g_n, @Cast("int64_t") long g_in_c, @Cast("int64_t") long g_in_h, @Cast("int64_t") long g_in_w,
      @Cast("int64_t") long g_out_c, @Cast("int64_t") long g_kh, @Cast("int64_t") long g_kw, @Cast("int64_t") long g_sh,
      @Cast("int64_t") long g_sw, @Cast("int64_t") long g_pad_t, @Cast("int64_t") long g_pad_l, @Cast("int64_t") long g_pad_b,
      @Cast("int64_t") long g_pad_r, @Cast("int64_t") long g_dh, @Cast("int64_t") long g_dw, @Cast("int64_t") long g_groups,
      @Cast("int64_t") long g_out_h, @Cast("int64_t") long g_out_w);

  public static native int lf_f32_conv2d_bias_act_v(
      int isa, @Cast("int64_t") long g_n, @Cast("int64_t") long g_in_c, @Cast("int64_t") long g_in_h, @Cast("int64_t") long g_in_w,
      @Cast("int64_t") long g_out_c, @Cast("int64_t") long g_kh, @Cast("int64_t") long g_kw, @Cast("int64_t") long g_sh,
      @Cast("int64_t") long g_sw, @Cast("int64_t") long g_pad_t, @Cast("int64_t") long g_pad_l, @Cast("int64_t") long g_pad_b,
      @Cast("int64_t") long g_pad_r, @Cast("int64_t") long g_dh, @Cast("int64_t") long g_dw, @Cast("int64_t") long g_groups,
      @Cast("int64_t") long g_out_h, @Cast("int64_t") long g_out_w, @Cast("const float*") long x, @Cast("const float*") long weight,
      @Cast("const float*") long bias, @Cast("const float*") long pad_values, @Cast("const float*") long residual,
      @Cast("float*") long y, @Cast("float*") long scratch, @Cast("int64_t") long scratch_floats,
      int act, float alpha, float lo, float hi);

  public static native int lf_f32_dwconv2d_bias_act_v(
      int isa, @Cast("int64_t") long g_n, @Cast("int64_t") long g_in_c, @Cast("int64_t") long g_in_h, @Cast("int64_t") long g_in_w,
      @Cast("int64_t") long g_out_c, @Cast("int64_t") long g_kh, @Cast("int64_t") long g_kw, @Cast("int64_t") long g_sh,
      @Cast("int64_t") long g_sw, @Cast("int64_t") long g_pad_t, @Cast("int64_t") long g_pad_l, @Cast("int64_t") long g_pad_b,
      @Cast("int64_t") long g_pad_r, @Cast("int64_t") long g_dh, @Cast("int64_t") long g_dw, @Cast("int64_t") long g_groups,
      @Cast("int64_t") long g_out_h, @Cast("int64_t") long g_out_w, @Cast("const float*") long x, @Cast("const float*") long weight,
      @Cast("const float*") long bias, @Cast("const float*") long pad_values, @Cast("const float*") long residual,
      @Cast("float*") long y, int act, float alpha, float lo, float hi);

  public static native int lf_f32_pw_dw_v(
      int isa, @Cast("int64_t") long g_n, @Cast("int64_t") long g_in_c, @Cast("int64_t") long g_in_h, @Cast("int64_t") long g_in_w,
      @Cast("int64_t") long g_out_c, @Cast("int64_t") long g_kh, @Cast("int64_t") long g_kw, @Cast("int64_t") long g_sh,
      @Cast("int64_t") long g_sw, @Cast("int64_t") long g_pad_t, @Cast("int64_t") long g_pad_l, @Cast("int64_t") long g_pad_b,
      @Cast("int64_t") long g_pad_r, @Cast("int64_t") long g_dh, @Cast("int64_t") long g_dw, @Cast("int64_t") long g_groups,
      @Cast("int64_t") long g_out_h, @Cast("int64_t") long g_out_w, @Cast("int64_t") long cin, @Cast("int64_t") long c0,
      @Cast("int64_t") long c1, @Cast("const float*") long x, @Cast("const float*") long w_p, @Cast("const float*") long b_p,
      int act_p, float alpha_p, float lo_p, float hi_p, @Cast("const float*") long w_d, @Cast("const float*") long b_d,
      @Cast("const float*") long pad_values, @Cast("float*") long y, @Cast("float*") long scratch,
      @Cast("int64_t") long scratch_floats, int act, float alpha, float lo, float hi);

  public static native int lf_f32_conv_transpose2d_bias_act_v(
      int isa, @Cast("int64_t") long g_n, @Cast("int64_t") long g_in_c, @Cast("int64_t") long g_in_h, @Cast("int64_t") long g_in_w,
      @Cast("int64_t") long g_out_c, @Cast("int64_t") long g_kh, @Cast("int64_t") long g_kw, @Cast("int64_t") long g_sh,
      @Cast("int64_t") long g_sw, @Cast("int64_t") long g_pad_t, @Cast("int64_t") long g_pad_l, @Cast("int64_t") long g_pad_b,
      @Cast("int64_t") long g_pad_r, @Cast("int64_t") long g_dh, @Cast("int64_t") long g_dw, @Cast("int64_t") long g_groups,
      @Cast("int64_t") long g_out_h, @Cast("int64_t") long g_out_w, @Cast("const float*") long x, @Cast("const float*") long weight,
      @Cast("const float*") long bias, @Cast("float*") long y, @Cast("float*") long scratch,
      @Cast("int64_t") long scratch_floats, int act, float alpha, float lo, float hi);

  public static native int lf_f32_pool2d_v(int isa, @Cast("int64_t") long g_n, @Cast("int64_t") long g_in_c, @Cast("int64_t") long g_in_h, @Cast("int64_t") long g_in_w,
      @Cast("int64_t") long g_out_c, @Cast("int64_t") long g_kh, @Cast("int64_t") long g_kw, @Cast("int64_t") long g_sh,
      @Cast("int64_t") long g_sw, @Cast("int64_t") long g_pad_t, @Cast("int64_t") long g_pad_l, @Cast("int64_t") long g_pad_b,
      @Cast("int64_t") long g_pad_r, @Cast("int64_t") long g_dh, @Cast("int64_t") long g_dw, @Cast("int64_t") long g_groups,
      @Cast("int64_t") long g_out_h, @Cast("int64_t") long g_out_w, int is_max,
      int count_include_pad, @Cast("const float*") long x, @Cast("float*") long y);

  public static native int lf_f32_global_avg_pool(int isa, @Cast("int64_t") long planes, @Cast("int64_t") long hw,
      @Cast("const float*") long x, @Cast("float*") long y);

  public static native int lf_f32_scale_shift_act(int isa, @Cast("int64_t") long n, @Cast("int64_t") long c,
      @Cast("int64_t") long inner, @Cast("const float*") long x, @Cast("const float*") long scale,
      @Cast("const float*") long shift, @Cast("float*") long y, int act, float alpha, float lo, float hi);

  public static native int lf_f32_act(int isa, @Cast("int64_t") long count, @Cast("const float*") long x,
      @Cast("float*") long y, int act, float alpha, float lo, float hi);

  public static native int lf_f32_add_act(int isa, @Cast("int64_t") long count, @Cast("const float*") long a,
      @Cast("const float*") long b, @Cast("float*") long y, int act, float alpha, float lo, float hi);

  public static native int lf_f32_binary(int isa, int op, @Cast("int64_t") long d0, @Cast("int64_t") long d1, @Cast("int64_t") long d2, @Cast("int64_t") long d3, @Cast("int64_t") long d4, @Cast("int64_t") long d5,
      @Cast("int64_t") long sa0, @Cast("int64_t") long sa1, @Cast("int64_t") long sa2, @Cast("int64_t") long sa3, @Cast("int64_t") long sa4, @Cast("int64_t") long sa5,
      @Cast("int64_t") long sb0, @Cast("int64_t") long sb1, @Cast("int64_t") long sb2, @Cast("int64_t") long sb3, @Cast("int64_t") long sb4, @Cast("int64_t") long sb5,
      @Cast("const float*") long a, @Cast("const float*") long b, @Cast("float*") long y,
      int act, float alpha, float lo, float hi);

  public static native int lf_f32_strided_copy(@Cast("int64_t") long d0, @Cast("int64_t") long d1, @Cast("int64_t") long d2, @Cast("int64_t") long d3, @Cast("int64_t") long d4, @Cast("int64_t") long d5,
      @Cast("int64_t") long sx0, @Cast("int64_t") long sx1, @Cast("int64_t") long sx2, @Cast("int64_t") long sx3, @Cast("int64_t") long sx4, @Cast("int64_t") long sx5,
      @Cast("int64_t") long sy0, @Cast("int64_t") long sy1, @Cast("int64_t") long sy2, @Cast("int64_t") long sy3, @Cast("int64_t") long sy4, @Cast("int64_t") long sy5, @Cast("const float*") long x, @Cast("float*") long y);

  public static native int lf_f32_softmax(int isa, @Cast("int64_t") long outer, @Cast("int64_t") long n,
      @Cast("int64_t") long inner, int log, @Cast("const float*") long x, @Cast("float*") long y);

  public static native int lf_f32_pad(@Cast("int64_t") long d0, @Cast("int64_t") long d1, @Cast("int64_t") long d2, @Cast("int64_t") long d3, @Cast("int64_t") long d4, @Cast("int64_t") long d5,
      @Cast("int64_t") long before0, @Cast("int64_t") long before1, @Cast("int64_t") long before2, @Cast("int64_t") long before3, @Cast("int64_t") long before4, @Cast("int64_t") long before5,
      @Cast("int64_t") long after0, @Cast("int64_t") long after1, @Cast("int64_t") long after2, @Cast("int64_t") long after3, @Cast("int64_t") long after4, @Cast("int64_t") long after5, int mode, float value,
      @Cast("const float*") long x, @Cast("float*") long y);

  public static native int lf_f32_global_max_pool(int isa, @Cast("int64_t") long planes, @Cast("int64_t") long hw,
      @Cast("const float*") long x, @Cast("float*") long y);
}
