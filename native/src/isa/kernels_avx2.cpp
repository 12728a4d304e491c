// The avx2 variant of the per-ISA kernels (compiler flags set in native/CMakeLists.txt).
#define LF_ISA_NS avx2
#define LF_ISA_NAME "avx2"
#include "kernels.inc"
