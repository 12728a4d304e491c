#!/usr/bin/env bash
# The quick JMH subset: a few fusion patterns and two networks, fused and unfused, on layerfuse
# native, layerfuse Java and ONNX Runtime, one thread, short iterations. Writes JMH JSON (default
# benchmarks/target/jmh-quick.json; feed two of them to `./layerfuse bench-compare`) and prints the
# ratio table. Takes about 10 minutes on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
jar="$root/benchmarks/target/benchmarks.jar"
out="${1:-$root/benchmarks/target/jmh-quick.json}"
if [ ! -f "$jar" ]; then
  (cd "$root" && mvn -B -q -DskipTests package)
fi
mkdir -p "$(dirname "$out")"
# The Java backend with its Vector API kernels (as ./layerfuse runs it); LAYERFUSE_VECTOR=false
# measures the plain-Java kernels. (A command-line -jvmArgsAppend replaces the annotation's.)
jvm_args="-Dlayerfuse.blas.threads=1"
if [ "${LAYERFUSE_VECTOR:-true}" != "false" ]; then jvm_args="$jvm_args --add-modules jdk.incubator.vector"; fi
java -jar "$jar" 'PatternBenchmark|NetworkBenchmark' -jvmArgsAppend "$jvm_args" \
  -p pattern=conv3x3-bn-relu,dw3x3-bn-relu,pw1x1-bn-relu,gemm-relu-b1 \
  -p model=resnet18,mobilenetv2,mlp-bn -p threads=1 \
  -wi 3 -w 1s -i 5 -r 1s -f 1 -rf json -rff "$out"
java -cp "$jar" dev.layerfuse.bench.Summary "$out"
