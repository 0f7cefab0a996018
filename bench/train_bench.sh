#!/bin/sh
# Kernel `train` vs the same model in PyTorch: updates per second at batch
# 10 and 256, float32, one thread each, in the same run.
# Usage: bench/train_bench.sh [BUILD_DIR] [MIN_SECONDS]   (BUILD_DIR: built hs_numeric;
#        MIN_SECONDS default $SECS or 5)
# Needs python3-torch (Debian).  Targets: >= 3x PyTorch at batch 10, >= 1x at 256.
set -e
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
secs=${2:-${SECS:-5}}
py=${PYTHON3:-/usr/bin/python3}   # Debian's python3, where python3-torch lives
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
exe=$(mktemp /tmp/train_bench.XXXXXX)
trap 'rm -f "$exe"' EXIT
cblas=$(ls -d /usr/include/x86_64-linux-gnu/openblas-pthread /usr/include/openblas 2>/dev/null | head -1)
${CC:-cc} -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$src/include" ${cblas:+-I"$cblas"} \
    "$src/bench/train_bench.c" "$build/libhs_numeric.a" -lopenblas -lm -o "$exe"
for b in 10 256; do
    c=$("$exe" "$b" f32 "$secs" | awk '{print $2}')
    p=$("$py" "$src/bench/train_bench.py" "$b" "$secs" | awk '{print $2}')
    echo "pytorch_updates_b${b}_f32: $p updates/s"
    echo "train_updates_b${b}_f32: $c updates/s (ratio $(echo "$c $p" | awk '{printf "%.2f", $1/$2}') vs pytorch)"
done
