#!/usr/bin/env bash
# Runs the C++ kernel tests twice: the release build, then the ASan + UBSan build.
#   run-ctest.sh BUILD_ROOT
set -euo pipefail
root=$1
for variant in release sanitize; do
  echo "== ctest ($variant) =="
  ctest --test-dir "$root/$variant" --output-on-failure
done
