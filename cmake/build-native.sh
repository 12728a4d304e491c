#!/usr/bin/env bash
# Builds the native kernels with CMake; called by the javacpp-cmake execution in java/pom.xml.
#   build-native.sh SOURCE_DIR BUILD_ROOT SKIP_TESTS
# JavaCPP exports BUILD_PATH: the directory where it extracted bytedeco's OpenBLAS.
# BUILD_ROOT/release holds the PIC static library the JNI library links (and the plain C++
# tests); unless SKIP_TESTS is true, BUILD_ROOT/sanitize holds the ASan + UBSan test build.
set -euo pipefail
src=$1
out=$2
skip_tests=${3:-false}
openblas=${BUILD_PATH:?BUILD_PATH is not set: run this from the javacpp-cmake Maven execution}
openblas=${openblas%%:*}
jobs=$(nproc 2>/dev/null || echo 2)
tests=ON
[ "$skip_tests" = "true" ] && tests=OFF

build() {
  local dir=$1
  shift
  cmake -S "$src" -B "$dir" -DOPENBLAS_HOME="$openblas" -DLF_BUILD_TESTS="$tests" "$@" >"$dir.configure.log" 2>&1 \
    || { cat "$dir.configure.log"; exit 1; }
  cmake --build "$dir" --parallel "$jobs"
}

mkdir -p "$out"
build "$out/release" -DCMAKE_BUILD_TYPE=Release
if [ "$tests" = "ON" ]; then
  build "$out/sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLF_SANITIZE=ON
fi
