#!/bin/bash
# NUTS against Stan, side by side (issue 24 §5): kernel `nuts` of hsweep and
# rstan (Debian's r-cran-rstan, Stan 2.21) on the same targets, data,
# priors, parameterisation and sampler settings, run one after the other in
# this invocation.
#   HSWEEP=build/hsweep bench/stan_vs_hsweep.sh > bench/stan_vs_hsweep.log
#   bench/run_all.sh stan_vs_hsweep    (the same into bench/results/; bench/tables.py
#                                      turns the table into bench/README.md's)
#   (about 20 minutes on 2 cores under a load of ~15, the first time ~12 more to compile
#   the two Stan models; they are cached in $STAN_CACHE)
#
# Targets
#   eight_schools_{centered,noncentered}: Rubin's eight schools as
#     src/numeric/models_ref.c defines it (bench/stan/eight_schools.stan);
#     4 chains x (1000 warmup + 1000 draws), the kernel's defaults.
#   pose_T80, pose_T200: the GIMBAL pose model with the kernel's defaults
#     (bench/stan/pose.stan, transcribed from include/hsweep/pose.h and
#     src/numeric/pose.c: joint-position coordinates, vMF natural
#     parameters, outlier mixture, HMM summed out by the forward algorithm),
#     synthetic data of data_seed 1; 2 chains x (300 warmup + 100 draws), the
#     seed's run (bench/pose_bench.sh).  Stan's chains start from hsweep's
#     triangulated initial points (the same numbers: bench/stan_pose_export.c
#     draws them as the kernel does from the task's rng_seed and the script
#     checks the kernel's init_logp_absmax against them).
#   pose_T{80,200,1800}_gradient: log density + gradient evaluations per
#     second at the same points (hsweep: hs_pose_logp_grad in C; Stan:
#     rstan's grad_log_prob called from R, which adds R's per-call cost).
# Same sampler settings both ways: diagonal metric adapted in Stan's windows
# (75 / 25 doubling / 50), starting from the unit metric (the kernel runs
# with init_metric = unit: rstan cannot take an initial metric), target
# acceptance 0.8, max tree depth 10, divergence at energy error > 1000.
#
# Checks (the script fails when one does not hold): at NPOINTS points per T
# (hsweep's initial points perturbed by N(0, 0.01^2)), Stan's log_prob agrees
# with hsweep's log density up to one additive constant and its gradient
# with hsweep's, to CHECK_TOL relative (density: the difference's change
# over |log p|; gradient: max |difference| / max |gradient|); and the
# kernel's init_logp_absmax equals the exported model's at the same initial
# points (so Stan samples the kernel's model, data and starts).
#
# Figures, per target and side: gradients (Stan: the sum of n_leapfrog over
# warmup and draws, which leaves out its initial step-size search; hsweep:
# the kernel's grad_evals), CPU seconds of the sampling process (this
# machine is shared; CPU time is the time on one core: hsweep `task` from
# start to exit, data and initialisation included; Stan: rstan's sampling()
# call, model compilation excluded), gradients/s, bulk ESS (Vehtari et al.
# 2021, rstan::ess_bulk on both sides' draws) as the minimum over lp__ and
# the named parameters (eight schools: mu, tau and every theta or eta, i.e.
# all; pose: eta^2, rho_1..3, sigma_obs, logodds -- the kernel's "named
# subset"), ESS per gradient, ESS/s, divergences after warmup, and the ratio
# hsweep/Stan of each.
#
# Output: stderr the detail; stdout a header (command, commit, machine,
# load), the check lines, then the table: one header line
#   target side chains warmup draws grads cpu_s grads_per_s ess_bulk_min ess_per_grad ess_per_s divergent us_per_grad ess_min_of
# and one line per target and side (side = stan, hsweep, hsweep/stan; "-"
# where a column does not apply), fields separated by single spaces; then one
# line per figure in bench/'s form, hsweep's value and the ratio hsweep/Stan:
#   TARGET_ess_per_s: X ess/s (ratio R vs stan)   (also _ess_per_grad, _grads_per_s;
#   pose_T<T>_gradient_grads_per_s for the gradient-only rows)
#
# Needs R with rstan: `apt-get install r-cran-rstan` (Debian; the script
# says so and exits 1 when it is missing).  Boost headers: rstan compiles
# models against the BH package's include directory, which Debian's
# r-cran-bh 1.74 does not ship (it relies on libboost-dev's /usr/include/boost,
# and rstan then stops with "Boost not found; call install.packages('BH')").
# When BH's include/boost/version.hpp is missing, the script creates
# <BH>/include and links <BH>/include/boost -> /usr/include/boost (needs
# write access to R's site library, /usr/lib/R/site-library/BH here; it says
# on stderr when it does this) and fails with a clear message when the
# system has no Boost headers either.
#
# Environment: HSWEEP (default build/hsweep), STAN_CACHE (compiled Stan
# models, default ${BENCH_WORK:-/tmp}/hsweep-stan-cache, kept between runs),
# SEED (task seed, default 1), STAN_SEED (default 1), POSE_T (default
# "80,200"), GRAD_T (gradient-only sizes, default 1800), NPOINTS (3),
# CHECK_TOL (1e-8), GRAD_REPS (rstan gradient calls per timing, 200),
# KEEP_WORK (non-empty: keep the scratch directory and say where).
# Runs everything under `nice`.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
HSWEEP=${HSWEEP:-$src/build/hsweep}
SEED=${SEED:-1}
STAN_SEED=${STAN_SEED:-1}
POSE_T=${POSE_T:-80,200}
GRAD_T=${GRAD_T:-1800}
NPOINTS=${NPOINTS:-3}
CHECK_TOL=${CHECK_TOL:-1e-8}
GRAD_REPS=${GRAD_REPS:-200}
STAN_CACHE=${STAN_CACHE:-${BENCH_WORK:-/tmp}/hsweep-stan-cache}

die() { echo "stan_vs_hsweep: $*" >&2; exit 1; }
[ -x "$HSWEEP" ] || die "no hsweep binary at $HSWEEP (set HSWEEP)"
lib=$(dirname "$HSWEEP")/libhs_numeric.a
[ -f "$lib" ] || die "no $lib next to $HSWEEP: build the project first"
command -v Rscript >/dev/null || die "R is missing: install Debian's r-cran-rstan (apt-get install r-cran-rstan)"
Rscript -e 'suppressPackageStartupMessages(library(rstan)); library(jsonlite)' >/dev/null 2>&1 ||
    die "R package rstan (or jsonlite) is missing: install Debian's r-cran-rstan (apt-get install r-cran-rstan r-cran-jsonlite)"
[ -x /usr/bin/time ] || die "GNU time is missing (apt-get install time)"

# Boost headers for compiling Stan models (see the header).
bh=$(Rscript -e 'cat(find.package("BH", quiet = TRUE))')
[ -n "$bh" ] || die "R package BH is missing: install Debian's r-cran-bh (a dependency of r-cran-rstan)"
if [ ! -f "$bh/include/boost/version.hpp" ]; then
    [ -f /usr/include/boost/version.hpp ] ||
        die "no Boost headers in BH ($bh/include) nor in /usr/include: apt-get install libboost-dev"
    { mkdir -p "$bh/include" && ln -sfn /usr/include/boost "$bh/include/boost"; } ||
        die "cannot link $bh/include/boost to /usr/include/boost (run as a user who can write R's site library)"
    echo "stan_vs_hsweep: BH had no include/boost; linked $bh/include/boost -> /usr/include/boost" >&2
fi

work=$(mktemp -d "${BENCH_WORK:-${TMPDIR:-/tmp}}/stan-vs-hsweep.XXXXXX")
[ -n "${KEEP_WORK:-}" ] && echo "stan_vs_hsweep: keeping $work" >&2 || trap 'rm -rf "$work"' EXIT
mkdir -p "$STAN_CACHE"
# Copy the models into the cache only when they changed, so that rstan's
# auto_write finds its compiled .rds up to date.
for f in "$src"/bench/stan/*.stan; do
    cmp -s "$f" "$STAN_CACHE/$(basename "$f")" || cp "$f" "$STAN_CACHE/"
done
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

commit=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
git -C "$src" diff --quiet HEAD -- src include bench ':(exclude)bench/*.md' 2>/dev/null || commit="$commit+changes"
echo "# command: HSWEEP=$HSWEEP POSE_T=$POSE_T GRAD_T=$GRAD_T SEED=$SEED STAN_SEED=$STAN_SEED bench/stan_vs_hsweep.sh"
echo "# hsweep at $commit, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# machine: $(getconf _NPROCESSORS_ONLN) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(R --version | head -1); rstan $(Rscript -e 'cat(as.character(packageVersion("rstan")))')"
echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

cc -std=c11 -O2 -I"$src/include" "$src/bench/stan_pose_export.c" "$lib" -lm -o "$work/export"

# hsweep task under GNU time: its JSON result and its CPU seconds (user + sys).
hs_task() {
    local tag=$1
    shift
    echo "stan_vs_hsweep: hsweep task $* --seed $SEED --traces" >&2
    nice /usr/bin/time -f '%U %S' -o "$work/time_$tag" "$HSWEEP" task "$@" --seed "$SEED" --traces \
        > "$work/hs_$tag.json"
    awk '{ print $1 + $2 }' "$work/time_$tag" > "$work/hs_$tag.cpu"
    grep -q '"status":"ok"' "$work/hs_$tag.json" || die "hsweep task $tag did not finish ok: $(head -c 400 "$work/hs_$tag.json")"
}
for p in centered noncentered; do
    hs_task "eight_$p" nuts model=eight_schools param=$p chains=4 tune=1000 draws=1000 \
        max_treedepth=10 target_accept=0.8
done
IFS=, read -r -a pose_ts <<< "$POSE_T"
IFS=, read -r -a grad_ts <<< "$GRAD_T"
for T in "${pose_ts[@]}"; do
    hs_task "pose_T$T" nuts model=pose T="$T" chains=2 tune=300 draws=100 max_treedepth=10 \
        target_accept=0.8 init_metric=unit
done
# The exported model, inits and check points; rng_seed from the kernel's result
# (the gradient-only sizes use the first pose run's, any seed would do).
for T in "${pose_ts[@]}" "${grad_ts[@]}"; do
    f=$work/hs_pose_T$T.json
    [ -f "$f" ] || f=$work/hs_pose_T${pose_ts[0]}.json
    rs=$(grep -o '"rng_seed":[0-9]*' "$f" | cut -d: -f2)
    nice "$work/export" "$T" "$rs" 2 "$NPOINTS" "$work/pose_T$T.json" > "$work/export_T$T.txt"
    awk '$1 == "grad_us" { print $2 }' "$work/export_T$T.txt" > "$work/pose_T$T.grad_us"
done
# The Stan side reads every pose_T*.json with POSE_T and GRAD_T listed together.
all_t=$(printf '%s,' "${pose_ts[@]}" "${grad_ts[@]}")
{
    echo "key value"
    echo "stan_seed $STAN_SEED"
    echo "target_accept 0.8"
    echo "max_treedepth 10"
    echo "pose_T ${all_t%,}"
    echo "check_tol $CHECK_TOL"
    echo "grad_reps $GRAD_REPS"
} > "$work/settings.txt"
nice Rscript "$src/bench/stan/stan_vs_hsweep.R" "$STAN_CACHE" "$work"
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
