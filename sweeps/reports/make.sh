#!/bin/bash
# Rerun every shipped sweep file reduced and write its report here:
#   sweeps/reports/make.sh [BUILD_DIR]        (default: build)
# Each NAME.md is `hsweep report` of `hsweep run --reduced sweeps/NAME.cfg`
# on 2 ranks (1 + ranks_per_task for gang sweeps), under a header that says
# how and when it was made.  About 90 s on 2 cores.  As root, Open MPI
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
for cfg in "$src"/sweeps/*.cfg; do
    name=$(basename "$cfg" .cfg)
    g=$(sed -n 's/^ *ranks_per_task = \([0-9]*\);.*/\1/p' "$cfg" | sort -n | tail -1)
    n=$((1 + ${g:-1}))
    start=$(date +%s)
    if ! mpiexec -n "$n" --oversubscribe "$hsweep" run --reduced --quiet "$cfg" -o "$work/$name.h5" \
        > "$work/$name.log" 2>&1; then
        echo "$name: run failed:" >&2; tail -5 "$work/$name.log" >&2; status=1; continue
    fi
    secs=$(($(date +%s) - start))
    {
        echo "<!-- written by sweeps/reports/make.sh: do not edit -->"
        echo "# sweeps/$name.cfg, reduced"
        echo
        echo "\`mpiexec -n $n hsweep run --reduced sweeps/$name.cfg\` ($secs s wall), then"
        echo "\`hsweep report\`, at commit $commit on $(date -u +%Y-%m-%d)."
        echo
        "$hsweep" report "$work/$name.h5"
    } > "$here/$name.md"
    rc=$?
    echo "$name: $secs s, report exit $rc"
done
exit $status
