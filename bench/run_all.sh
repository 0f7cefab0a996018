#!/bin/sh
# Runs the runner benchmarks of issue 10 one after another (about 10 minutes
# on 2 cores) and collects their result lines (`name: value unit (ratio X vs
# BASELINE)`) at the end.  With --kernels, also every other bench/*.sh (the
# kernel throughput benchmarks).  Environment as in bench/lib.sh (HSWEEP,
# BENCH_WORK, REPS, HSWEEP_RUN_OPTS, ...).
#   bench/run_all.sh [--kernels] > bench.log
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
runner="dispatch vs_parallel io scaling memory"
list=$runner
if [ "${1:-}" = "--kernels" ]; then
    for f in "$dir"/*.sh; do
        b=$(basename "$f" .sh)
        case " $runner lib rank0 run_all " in *" $b "*) ;; *) list="$list $b" ;; esac
    done
fi
results=$(mktemp)
trap 'rm -f "$results"' EXIT
status=0
for b in $list; do
    echo "== $b" >&2
    if ! sh "$dir/$b.sh" | tee -a "$results"; then
        echo "run_all: $b failed" >&2
        status=1
    fi
done
echo "== results"
grep -E '^[A-Za-z0-9_]+: .*\(ratio .* vs .*\)' "$results" || true
exit $status
