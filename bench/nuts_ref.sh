#!/bin/bash
# NUTS on the reference models, one core: gradient evaluations per second
# (bare and inside the sampler), draws/s and ESS/s for eight schools and
# std_normal d = 100 (4 chains x 1000 tune + 1000 draws, Stan's defaults).
#   bench/nuts_ref.sh [BUILD_DIR]      (default: build; needs libhs_numeric.a there)
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
lib=$build/libhs_numeric.a
[ -f "$lib" ] || { echo "no $lib: build the project first (cmake --build $build)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -std=c11 -O2 -I"$src/include" "$src/bench/nuts_ref.c" "$lib" -lm -o "$tmp/nuts_ref"
"$tmp/nuts_ref"
