#!/bin/sh
# Issue 10 item 5: memory.  Peak RSS (max resident set, GNU time) of
#   - `hsweep plan` on noop sweeps of SIZES tasks, and
#   - the coordinator (rank 0, bench/rank0.sh) of `mpiexec -n 2 hsweep run` on
#     the same sweeps of RUN_SIZES tasks, stopped by SIGUSR1 (hsweep's graceful
#     stop) as soon as it logs that its queue is built: expansion, file
#     creation and the queue are then behind it, the dispatch loop allocates
#     nothing more.  A run writes every row at creation (~450 B a task for
#     noop: 4.5 GB of disk at 10 million tasks, removed afterwards), which is
#     why RUN_SIZES can be set apart.
# bytes/task is the slope between the smallest and largest size (fixed costs
# such as the MPI and HDF5 libraries cancel).  Must be linear, small constant;
# the ratio is against 8 B/task, one uint64 task reference in a queue.
#   bench/memory.sh                  SIZES="1000000 5000000 10000000" RUN_SIZES=$SIZES
. "$(dirname "$0")/lib.sh"
SIZES=${SIZES:-1000000 5000000 10000000}
RUN_SIZES=${RUN_SIZES:-$SIZES}
machine

# N = 1000 values of x times N/1000 of k: the axes hold 1000 + N/1000 values,
# so what grows with N is per-task state, not the axis lists.
cfg() {
    printf 'sweeps = ( { name = "mem"; kernel = "noop";\n  matrix = { x = { from = 0; to = 1; num = 1000; scale = "lin"; };\n             k = { from = 1; to = %s; num = %s; scale = "lin"; }; }; } );\n' \
        $(($1 / 1000)) $(($1 / 1000)) >"$WORK/m$1.cfg"
}

# slope NAME "n1 kb1 n2 kb2 ..." -> bytes/task between the first and last
slope() { echo "$2" | awk '{ n = NF; printf "%.3g", ($n - $2) * 1024 / ($(n - 1) - $1) }'; }

plan_pts="" run_pts=""
for n in $SIZES; do
    cfg "$n"
    kb=$(/usr/bin/time -f "%M" "$HSWEEP" plan "$WORK/m$n.cfg" --rows 1 --max-tasks $((2 * n)) 2>&1 >/dev/null | tail -1)
    echo "  plan $n tasks: peak RSS $kb KB ($(calc "$kb * 1024 / $n") B/task overall)" >&2
    plan_pts="$plan_pts $n $kb"
done
for n in $RUN_SIZES; do
    cfg "$n"
    rm -f "$WORK/r0" "$WORK/r0.pid"
    t0=$(now)
    RANK0_TIME=$WORK/r0 RANK0_PID=$WORK/r0.pid mpirun_n 2 "$BENCH_SRC/rank0.sh" "$HSWEEP" run "$WORK/m$n.cfg" \
        -o "$WORK/m.h5" --overwrite --max-tasks $((2 * n)) --log-every 1000 $HSWEEP_RUN_OPTS 2>"$WORK/m.log" &
    job=$!
    # The coordinator logs "... N to run, on 2 rank(s)" once its queue is built.
    while kill -0 "$job" 2>/dev/null && ! grep -q ' to run' "$WORK/m.log"; do
        sleep 0.2
    done
    t1=$(now)
    hwm=""
    if [ -s "$WORK/r0.pid" ]; then
        pid=$(cat "$WORK/r0.pid")
        hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
        kill -USR1 "$pid" 2>/dev/null || true
    fi
    wait "$job" || true
    kb=$(rank0_rss_kb "$WORK/r0")
    size=$(stat -c %s "$WORK/m.h5" 2>/dev/null || echo 0)
    rm -f "$WORK/m.h5" "$WORK/m.h5.creating"
    echo "  run $n tasks: coordinator peak RSS $kb KB (VmHWM $hwm KB when its queue was built," \
        "$(calc "$t1 - $t0") s after start; $(calc "$kb * 1024 / $n") B/task overall); file $size B" >&2
    run_pts="$run_pts $n $kb"
done
fmt() { echo "$1" | awk '{ s = ""; for (i = 1; i < NF; i += 2) s = s sprintf("%s%gM %.0f MB", i > 1 ? ", " : "", $i / 1e6, $(i + 1) / 1024); print s }'; }
# Baseline: 8 B/task, one uint64 task reference per queued task, the least a
# coordinator that holds its queue in memory can keep.
bp=$(slope plan "$plan_pts")
br=$(slope run "$run_pts")
echo "memory_plan: $bp bytes/task (ratio $(calc "$bp / 8") vs 8 B/task; $(fmt "$plan_pts"))"
echo "memory_coordinator: $br bytes/task (ratio $(calc "$br / 8") vs 8 B/task; $(fmt "$run_pts"))"
