# Compiler settings for the kernels. The library must run on any x86-64: everything is built
# for the baseline ISA, and only the per-ISA kernel sources get AVX2 or AVX-512 flags; the
# dispatcher (src/isa.cpp) checks the CPU before calling into them.
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS OFF)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

add_compile_options(-Wall -Wextra -Wno-unused-parameter -fno-math-errno)
set(CMAKE_CXX_FLAGS_RELEASE "-O3 -DNDEBUG")

set(LF_FLAGS_AVX2 -mavx2 -mfma)
set(LF_FLAGS_AVX512 -mavx512f -mavx512vl -mavx512bw -mavx512dq -mfma -mprefer-vector-width=512)

# layerfuse_isa_flags(<source> AVX2|AVX512): compile one source for that instruction set.
function(layerfuse_isa_flags source isa)
  set_source_files_properties(${source} PROPERTIES COMPILE_OPTIONS "${LF_FLAGS_${isa}}")
endfunction()
