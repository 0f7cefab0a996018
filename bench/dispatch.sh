#!/bin/sh
# Issue 10 item 1: dispatch overhead.  N noop tasks (no traces) under
# `mpiexec -n 2` and `-n 4 --oversubscribe`, hsweep against bench/
# baseline_dispatch.c (rank 0 hands out one task id per message; workers write
# one row per task, of the size of hsweep's row, to a preallocated dataset with
# independent I/O).  Both are timed the same way, from mpiexec's start to its
# exit, best of REPS; hsweep's own dispatch-phase rate (from its log) is shown
# beside.  Target: hsweep >= 0.5 x baseline.
#   bench/dispatch.sh                 N=100000 RANKS="2 4" REPS=2
# If hsweep has per-task crash isolation (`run --isolation fork|none`), both
# modes run: `--isolation none` N tasks, the default fork mode N_ISO (default
# N; set it lower for an hsweep that forks once per task, ~1 ms a task).
. "$(dirname "$0")/lib.sh"
N=${N:-100000}
N_ISO=${N_ISO:-$N}
RANKS=${RANKS:-2 4}
build_bench
machine

sweep() { # sweep FILE N
    printf 'sweeps = ( { name = "noop"; kernel = "noop";\n  matrix = { k = { from = 1; to = %s; num = %s; scale = "lin"; }; }; } );\n' "$2" "$2" >"$1"
}

# run_hsweep N NP OPTS... -> prints "wall_s loop_rate cpu0_s"
run_hsweep() {
    n=$1 np=$2
    shift 2
    sweep "$WORK/d$n.cfg" "$n"
    t0=$(now)
    RANK0_TIME=$WORK/r0 RANK0_PID=$WORK/r0.pid mpirun_n "$np" "$BENCH_SRC/rank0.sh" "$HSWEEP" run "$WORK/d$n.cfg" \
        -o "$WORK/h.h5" --overwrite --log-every 1000 $HSWEEP_RUN_OPTS "$@" 2>"$WORK/h.log"
    t1=$(now)
    echo "$(calc "$t1 - $t0") $(hsweep_rate "$WORK/h.log") $(rank0_cpu "$WORK/r0")"
}

# run_baseline N NP ROW_BYTES -> prints "wall_s loop_rate"
run_baseline() {
    t0=$(now)
    out=$(mpirun_n "$2" "$BENCH_BUILD/baseline_dispatch" "$WORK/b.h5" "$1" "$3")
    t1=$(now)
    rm -f "$WORK/b.h5"
    loop=$(echo "$out" | sed 's/.*loop \([0-9.]*\) s.*/\1/')
    echo "$(calc "$t1 - $t0") $(calc "$1 / $loop")"
}

VARIANTS="default"
if has_isolation; then
    VARIANTS="none fork"
fi
lines=""
for v in $VARIANTS; do
    case $v in
    default) n=$N opts="" label="" ;;
    none) n=$N opts="--isolation none" label="_isolation_none" ;;
    fork) n=$N_ISO opts="--isolation fork" label="_isolation_fork" ;;
    esac
    for np in $RANKS; do
        best_h="" best_b=""
        for rep in $(seq "$REPS"); do
            set -- $(run_hsweep "$n" "$np" $opts)
            h_wall=$1 h_loop=$2 h_cpu0=$3
            row=$(h5ls -v "$WORK/h.h5/noop/tasks" 2>/dev/null | sed -n 's/^ *} \([0-9]*\) bytes.*/\1/p' | head -1)
            rm -f "$WORK/h.h5"
            set -- $(run_baseline "$n" "$np" "${row:-448}")
            b_wall=$1 b_loop=$2
            echo "  -n $np $v rep $rep: hsweep $h_wall s (dispatch phase $h_loop tasks/s, rank 0 CPU $h_cpu0 s)," \
                "baseline $b_wall s (loop $b_loop tasks/s), row ${row:-448} B" >&2
            if [ -z "$best_h" ] || awk "BEGIN{exit !($h_wall < $best_h)}"; then best_h=$h_wall best_hl=$h_loop best_c=$h_cpu0; fi
            if [ -z "$best_b" ] || awk "BEGIN{exit !($b_wall < $best_b)}"; then best_b=$b_wall best_bl=$b_loop; fi
        done
        hr=$(calc "$n / $best_h")
        br=$(calc "$n / $best_b")
        echo "dispatch_n${np}$label: hsweep $n tasks in $best_h s = $hr tasks/s (dispatch phase $best_hl tasks/s," \
            "coordinator CPU $(calc "1e6 * $best_c / $n") us/task); baseline $best_b s = $br tasks/s (loop $best_bl tasks/s)"
        lines="${lines}dispatch_n${np}$label: $hr tasks/s (ratio $(calc "$hr / $br") vs baseline_dispatch $br tasks/s)
"
    done
done
printf '%s' "$lines"
