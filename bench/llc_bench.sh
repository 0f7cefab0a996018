#!/bin/bash
# Steps per second of the VI and SGLD estimators on one core, and the time
# of one 5000-step VI fit on the d = 45 MLP against its 0.5 s target
# (bench/llc_bench.c's header says what each line measures).
#   bench/llc_bench.sh [BUILD_DIR]      (default: build; needs libhs_numeric.a there)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
lib=$build/libhs_numeric.a
[ -f "$lib" ] || { echo "no $lib: build the project first (cmake --build $build)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -std=c11 -O2 -I"$src/include" "$src/bench/llc_bench.c" "$lib" -lopenblas -llapack -lm -o "$tmp/llc_bench"
OPENBLAS_NUM_THREADS=1 "$tmp/llc_bench"
