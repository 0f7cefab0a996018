#!/bin/sh
# Issue 10 item 2: against what users do today.  The same M tasks run
#   (a) by hsweep in one MPI job: mpiexec -n J+1 (rank 0 coordinates, J workers)
#   (b) by GNU parallel -j J calling `hsweep task KERNEL key=value... --seed S`
#       (one process per task, one JSON file per task), then a merge of the
#       files into one CSV table (bench/merge_json.py).
# Both with J tasks running at a time; wall time of each, best of REPS.
# Kernels: the `sleep` test kernel at seconds = 0.01 and, if registered, the
# numeric `spectral` kernel at sensors = 24 (about 10 ms a task on one core).
# Target: hsweep >= 5 x faster for ~10 ms tasks.
#   bench/vs_parallel.sh             M=500 J=2 REPS=2
. "$(dirname "$0")/lib.sh"
M=${M:-500}
J=${J:-2}
command -v parallel >/dev/null || { echo "vs_parallel: needs GNU parallel (apt-get install parallel)" >&2; exit 1; }
machine

# bench_kernel NAME KERNEL 'key=value ...' (the fixed parameters; seeds 1..M vary)
bench_kernel() {
    name=$1 kernel=$2 fixed=$3
    seeds=$(seq -s, 1 "$M")
    cfgfixed=$(echo "$fixed" | sed 's/\([a-z_]*\)=\([^ ]*\)/\1 = \2;/g')
    printf 'sweeps = ( { name = "%s"; kernel = "%s"; fixed = { %s }; seeds = [%s]; } );\n' \
        "$name" "$kernel" "$cfgfixed" "$seeds" >"$WORK/$name.cfg"
    best_h="" best_p=""
    for rep in $(seq "$REPS"); do
        t0=$(now)
        mpirun_n $((J + 1)) "$HSWEEP" run "$WORK/$name.cfg" -o "$WORK/$name.h5" --overwrite --quiet $HSWEEP_RUN_OPTS
        t1=$(now)
        rm -f "$WORK/$name.h5"
        h=$(calc "$t1 - $t0")
        rm -rf "$WORK/out" && mkdir "$WORK/out"
        t0=$(now)
        seq 1 "$M" | parallel --will-cite -j "$J" "$HSWEEP task $kernel $fixed --seed {} > $WORK/out/{}.json"
        t1=$(now)
        $PYTHON3 "$BENCH_SRC/merge_json.py" "$WORK/$name.csv" "$WORK/out" 2>/dev/null
        t2=$(now)
        p=$(calc "$t2 - $t0")
        echo "  $name rep $rep: hsweep $h s; parallel $(calc "$t1 - $t0") s + merge $(calc "$t2 - $t1") s = $p s" >&2
        if [ -z "$best_h" ] || awk "BEGIN{exit !($h < $best_h)}"; then best_h=$h; fi
        if [ -z "$best_p" ] || awk "BEGIN{exit !($p < $best_p)}"; then best_p=$p; fi
    done
    rows=$(($(wc -l <"$WORK/$name.csv") - 1))
    [ "$rows" = "$M" ] || echo "vs_parallel: merged table has $rows rows, expected $M" >&2
    ideal=$(awk -v m="$M" -v j="$J" -v f="$fixed" 'BEGIN { s = 0; if (match(f, /seconds=[0-9.e-]*/)) s = substr(f, RSTART + 8, RLENGTH - 8); if (s > 0) printf "%.3g", m * s / j }')
    if [ -n "$ideal" ]; then
        echo "vs_parallel_$name: overhead per task and slot above the ideal $ideal s: hsweep" \
            "$(calc "1e3 * ($best_h - $ideal) * $J / $M") ms, GNU parallel + merge $(calc "1e3 * ($best_p - $ideal) * $J / $M") ms"
    fi
    lines="${lines}vs_parallel_$name: hsweep $best_h s (ratio $(calc "$best_p / $best_h") vs GNU parallel + merge $best_p s; $M tasks, $J at a time${ideal:+, ideal $ideal s})
"
}

lines=""
bench_kernel sleep10ms sleep "seconds=0.01"
if "$HSWEEP" kernels | grep -q '^ *spectral '; then
    bench_kernel spectral24 spectral "sensors=24"
fi
printf '%s' "$lines"
