// The avx512 variant of the per-ISA kernels (compiler flags set in native/CMakeLists.txt).
#define LF_ISA_NS avx512
#define LF_ISA_NAME "avx512"
#include "kernels.inc"
