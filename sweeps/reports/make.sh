#!/bin/bash
# Rerun every shipped sweep file reduced and write its report here:
#   sweeps/reports/make.sh [BUILD_DIR]        (default: build)
# Each NAME.md is `hsweep report` of `hsweep run --reduced sweeps/NAME.cfg`
# on 2 ranks (1 + ranks_per_task for gang sweeps), under a header that says
# how and when it was made.  The files named in FULL (default: music_blend,
# vi_gamma_ridge, llc_sgld_vs_vi and flow_ssc_scaling, whose full runs take
# minutes, not hours) also run in full, into NAME.full.md.  About 15 min on
# 2 cores.  As root, Open MPI
# needs OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
hsweep=$build/hsweep
export OMPI_MCA_rmaps_base_oversubscribe=1
work=$(mktemp -d /tmp/hsweep_reports.XXXXXX)
trap 'rm -rf "$work"' EXIT
commit=$(git -C "$src" describe --always --dirty)
status=0
# report_of NAME CFG RANKS SUFFIX [--reduced]: run, then write NAME$SUFFIX.md.
report_of() {
    local name=$1 cfg=$2 n=$3 suffix=$4 how=${5:-}
    local start secs
    start=$(date +%s)
    # shellcheck disable=SC2086
    if ! mpiexec -n "$n" --oversubscribe "$hsweep" run $how --quiet "$cfg" -o "$work/$name$suffix.h5" \
        > "$work/$name$suffix.log" 2>&1; then
        echo "$name$suffix: run failed:" >&2; tail -5 "$work/$name$suffix.log" >&2; status=1; return
    fi
    secs=$(($(date +%s) - start))
    {
        echo "<!-- written by sweeps/reports/make.sh: do not edit -->"
        echo "# sweeps/$name.cfg${how:+, reduced}"
        echo
        echo "\`mpiexec -n $n hsweep run${how:+ $how} sweeps/$name.cfg\` ($secs s wall), then"
        echo "\`hsweep report\`, at commit $commit on $(date -u +%Y-%m-%d)."
        echo
        "$hsweep" report "$work/$name$suffix.h5"
    } > "$here/$name$suffix.md"
    echo "$name$suffix: $secs s, report exit $?"
}
# 1 + the largest ranks_per_task of the file: a coordinator and one gang.
ranks() { local g; g=$(sed -n 's/^ *ranks_per_task = \([0-9]*\);.*/\1/p' "$1" | sort -n | tail -1); echo $((1 + ${g:-1})); }
for cfg in "$src"/sweeps/*.cfg; do
    report_of "$(basename "$cfg" .cfg)" "$cfg" "$(ranks "$cfg")" "" --reduced
done
for name in ${FULL-music_blend vi_gamma_ridge llc_sgld_vs_vi flow_ssc_scaling}; do
    report_of "$name" "$src/sweeps/$name.cfg" "$(ranks "$src/sweeps/$name.cfg")" .full
done
exit $status
