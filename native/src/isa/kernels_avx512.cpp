// The avx512 variant of the per-ISA kernels (compiler flags set in native/CMakeLists.txt).
#define LF_ISA_NS avx512
#define LF_ISA_NAME "avx512"
// Depthwise convs take the masked-load kernel of depthwise_avx512.cpp.
#define LF_ISA_DWCONV dwconv_direct
#include "kernels.inc"
