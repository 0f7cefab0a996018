#!/bin/bash
# Pose model (kernel nuts, model = pose) on one core: gradient cost and NUTS
# draws/s and ESS/s at T = 80, 200, 1800 (seed 002's settings: 2 chains,
# tune 300, draws 100; its PyMC figures are not comparable, Stan side by
# side is bench/stan_vs_hsweep.sh).
#   bench/pose_bench.sh [BUILD_DIR]        (default: build; needs libhs_numeric.a there)
#   FULL=1 bench/pose_bench.sh             also T = 1800 with nominal init (~5 min)
# Every NUTS run: full model (mixture + HMM), positive lengths, 2 chains x
# (300 tune + 100 draws), data_seed 1, sampler seed 1; by default joint
# coordinates (coords = joints), the Hessian initial metric and the
# triangulated init (the kernel's defaults); T = 200 over five sampler seeds.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
lib=$build/libhs_numeric.a
[ -f "$lib" ] || { echo "no $lib: build the project first (cmake --build $build)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -std=c11 -O2 -I"$src/include" "$src/bench/pose_grad.c" "$lib" -lm -o "$tmp/pose_grad"
cc -std=c11 -O2 -I"$src/include" "$src/bench/pose_nuts.c" "$lib" -lm -o "$tmp/pose_nuts"
export OPENBLAS_NUM_THREADS=1
for T in 80 200 1800; do "$tmp/pose_grad" "$T" 1 1; done
# args: T use_mixture use_hmm positive init(0 random, 1 nominal, 2 triangulated) chains tune
#       draws seed coords(0 raw, 1 shell, 2 joints) hessian_metric(0/1)
"$tmp/pose_nuts" 80 1 1 1 2 2 300 100 1 2 1
# T = 200 with the defaults over sampler seeds 1..5: the gradients a run needs
# vary ~1.5x from seed to seed, so one seed's draws/s says little; the pooled
# figure is all draws over all CPU seconds.
for s in 1 2 3 4 5; do "$tmp/pose_nuts" 200 1 1 1 2 2 300 100 "$s" 2 1; done | tee "$tmp/t200"
awk '/^# cpu/ { cpu += $3; n++ } END {
  printf "pose_T200_draws_per_s_seeds1to5: %.3g draws/s\n", 200 * n / cpu }' "$tmp/t200"
"$tmp/pose_nuts" 200 1 1 1 1 2 300 100 1 2 1
"$tmp/pose_nuts" 200 1 1 1 1 2 300 100 1 0 0
"$tmp/pose_nuts" 1800 1 1 1 2 2 300 100 1 2 1
if [ "${FULL:-0}" = 1 ]; then "$tmp/pose_nuts" 1800 1 1 1 1 2 300 100 1 2 1; fi
