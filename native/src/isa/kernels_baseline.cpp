// The baseline variant of the per-ISA kernels (compiler flags set in native/CMakeLists.txt).
#define LF_ISA_NS baseline
#define LF_ISA_NAME "baseline"
#include "kernels.inc"
