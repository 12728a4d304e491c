// CPU feature detection and the choice of kernel variant.
#include <cpuid.h>

#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include <cstring>

#include "internal.h"

namespace lf {
namespace {

// CPUID and XGETBV directly rather than __builtin_cpu_supports: that builtin needs libgcc's
// static __cpu_model, which a shared library linked against libgcc_s does not get.
struct CpuFeatures {
  bool avx2 = false;
  bool avx512 = false;
};

uint64_t xgetbv0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12);
  if (!osxsave || !avx) return f;
  const uint64_t xcr0 = xgetbv0();
  const bool ymm_state = (xcr0 & 0x6) == 0x6;            // SSE + AVX state saved by the OS
  const bool zmm_state = (xcr0 & 0xE6) == 0xE6;          // + opmask, ZMM0-15 upper, ZMM16-31
  if (__get_cpuid_max(0, nullptr) < 7) return f;
  __cpuid_count(7, 0, a, b, c, d);
  const bool avx2 = b & (1u << 5);
  const bool avx512f = b & (1u << 16), avx512dq = b & (1u << 17);
  const bool avx512bw = b & (1u << 30), avx512vl = b & (1u << 31);
  f.avx2 = ymm_state && avx2 && fma;
  f.avx512 = f.avx2 && zmm_state && avx512f && avx512dq && avx512bw && avx512vl;
  // LAYERFUSE_MAX_ISA=baseline|avx2 caps what counts as supported (as oneDNN's
  // DNNL_MAX_CPU_ISA does): to reproduce an older CPU's path, and to test the refusal of a
  // forced variant. The Java side rejects unknown values before loading kernels.
  if (const char* cap = std::getenv("LAYERFUSE_MAX_ISA")) {
    if (std::strcmp(cap, "baseline") == 0) f.avx2 = f.avx512 = false;
    if (std::strcmp(cap, "avx2") == 0) f.avx512 = false;
  }
  return f;
}

bool cpu_has(int isa) {
  static const CpuFeatures features = detect();
  switch (isa) {
    case LF_ISA_BASELINE: return true;
    case LF_ISA_AVX2: return features.avx2;
    case LF_ISA_AVX512: return features.avx512;
    default: return false;
  }
}

}  // namespace

const IsaKernels* kernels_for(int isa) {
  if (!cpu_has(isa)) return nullptr;
  switch (isa) {
    case LF_ISA_BASELINE: return &baseline::kKernels;
    case LF_ISA_AVX2: return &avx2::kKernels;
    case LF_ISA_AVX512: return &avx512::kKernels;
    default: return nullptr;
  }
}

}  // namespace lf

extern "C" {

const char* lf_version(void) { return "0.1.0"; }

int lf_trim_heap(void) {
#if defined(__GLIBC__)
  return malloc_trim(0);
#else
  return 0;
#endif
}

int lf_advise_huge_pages(const void* p, int64_t bytes) {
  if (p == nullptr || bytes < 0) return -LF_ERR_INVALID_ARGUMENT;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t{1} << 21;
  const uintptr_t start = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + static_cast<uintptr_t>(bytes)) & ~(kHuge - 1);
  if (end <= start) return 0;
  return madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE) == 0 ? 1 : 0;
#else
  return 0;
#endif
}

int lf_isa_supported(int isa) { return lf::kernels_for(isa) != nullptr ? 1 : 0; }

int lf_isa_best(void) {
  if (lf_isa_supported(LF_ISA_AVX512)) return LF_ISA_AVX512;
  if (lf_isa_supported(LF_ISA_AVX2)) return LF_ISA_AVX2;
  return LF_ISA_BASELINE;
}

const char* lf_isa_name(int isa) {
  switch (isa) {
    case LF_ISA_BASELINE: return "baseline";
    case LF_ISA_AVX2: return "avx2";
    case LF_ISA_AVX512: return "avx512";
    default: return "unknown";
  }
}

}  // extern "C"
