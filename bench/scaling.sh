#!/bin/sh
# Issue 10 item 4: scaling.  A sleep-kernel sweep (SECONDS per task, which
# uses no CPU, so the ideal is known even past the cores) on 1, 2, 4, 8, 16
# ranks; TPW tasks per worker, so every run ideally lasts TPW x SECONDS.
# Workers W = ranks - 1 (rank 0 coordinates), W = 1 for a single process
# (which coordinates and works).  Ranks beyond the cores are oversubscribed.
# Ideal rate W / SECONDS; efficiency = measured / ideal, for the whole
# mpiexec (start-up and file creation included) and for hsweep's dispatch
# phase (its logged tasks/s).  The coordinator's CPU time (user + sys of
# rank 0, by GNU time around that one process, bench/rank0.sh) per task; at
# 1 rank it includes running the tasks.
#   bench/scaling.sh                 RANKS="1 2 4 8 16" SECONDS_PER_TASK=0.05 TPW=100
. "$(dirname "$0")/lib.sh"
RANKS=${RANKS:-1 2 4 8 16}
S=${SECONDS_PER_TASK:-0.05}
TPW=${TPW:-100}
machine
lines=""
for np in $RANKS; do
    w=$((np > 1 ? np - 1 : 1))
    m=$((TPW * w))
    printf 'sweeps = ( { name = "scale"; kernel = "sleep"; fixed = { seconds = %s; };\n  matrix = { x = { from = 1; to = %s; num = %s; scale = "lin"; }; }; } );\n' \
        "$S" "$m" "$m" >"$WORK/s.cfg"
    best=""
    for rep in $(seq "$REPS"); do
        t0=$(now)
        RANK0_TIME=$WORK/r0 RANK0_PID=$WORK/r0.pid mpirun_n "$np" "$BENCH_SRC/rank0.sh" "$HSWEEP" run "$WORK/s.cfg" \
            -o "$WORK/s.h5" --overwrite --log-every 1000 $HSWEEP_RUN_OPTS 2>"$WORK/s.log"
        t1=$(now)
        rm -f "$WORK/s.h5"
        wall=$(calc "$t1 - $t0")
        loop=$(hsweep_rate "$WORK/s.log")
        cpu=$(rank0_cpu "$WORK/r0")
        echo "  -n $np rep $rep: $m tasks in $wall s (dispatch phase $loop tasks/s), rank 0 CPU $cpu s" >&2
        if [ -z "$best" ] || awk "BEGIN{exit !($wall < $best)}"; then best=$wall bloop=$loop bcpu=$cpu; fi
    done
    ideal=$(calc "$w / $S")
    rate=$(calc "$m / $best")
    over=""
    [ "$np" -gt "$NPROC" ] && over=", oversubscribed $np ranks on $NPROC cores"
    echo "scaling_n$np: $rate tasks/s end to end, $bloop tasks/s dispatch phase, ideal $ideal; coordinator CPU $(calc "1e6 * $bcpu / $m") us/task$over"
    lines="${lines}scaling_n$np: $rate tasks/s (ratio $(calc "$rate / $ideal") vs ideal $ideal tasks/s; dispatch phase $(calc "$bloop / $ideal"); coordinator CPU $(calc "1e6 * $bcpu / $m") us/task)
"
done
printf '%s' "$lines"
