#!/bin/sh
# Creating the results file at scale: `create.seconds` of HSWEEP_STATS (the
# slowest rank's hs_store_create: datasets, the flush, every row written as
# pending, the close and reopen) and the file's bytes, for `noop` sweeps of
# SIZES tasks on RANKS ranks.  Each run is stopped by SIGUSR1 (hsweep's
# graceful stop, to rank 0 through bench/rank0.sh) as soon as rank 0 logs that
# its queue is built; the statistics are written on the way out.  A
# 10-million-task file is ~4.5 GB; each is removed after its run, and the
# disk is synced before each run (no run pays for the last one's writeback).  With
# BASELINE=PATH (an older hsweep with HSWEEP_STATS) each point runs that
# binary right after this one, and the line gives baseline / this (above 1:
# this one creates faster).
#   bench/create_scale.sh       SIZES="100000 1000000 10000000" RANKS="1 2 4 8" REPS=1 BASELINE=
REPS=${REPS:-1}
. "$(dirname "$0")/lib.sh"
SIZES=${SIZES:-100000 1000000 10000000}
RANKS=${RANKS:-1 2 4 8}
BASELINE=${BASELINE:-}
machine
[ -n "$BASELINE" ] && echo "# baseline: $BASELINE, $("$BASELINE" --version 2>&1 | sed -n 2p)"

# N = 1000 values of x times N/1000 of k (as bench/memory.sh).
cfg() {
    printf 'sweeps = ( { name = "cs"; kernel = "noop";\n  matrix = { x = { from = 0; to = 1; num = 1000; scale = "lin"; };\n             k = { from = 1; to = %s; num = %s; scale = "lin"; }; }; } );\n' \
        $(($1 / 1000)) $(($1 / 1000)) >"$WORK/c$1.cfg"
}

# create BINARY N NP: one run; prints "seconds file_bytes fill_writes fill_bytes rows"
create() {
    rm -f "$WORK/r0.pid" "$WORK/s.json"
    sync
    HSWEEP_STATS=$WORK/s.json RANK0_TIME=$WORK/r0 RANK0_PID=$WORK/r0.pid mpirun_n "$3" "$BENCH_SRC/rank0.sh" \
        "$1" run "$WORK/c$2.cfg" -o "$WORK/c.h5" --overwrite --max-tasks $((2 * $2)) --log-every 1000 \
        --isolation none $HSWEEP_RUN_OPTS 2>"$WORK/c.log" &
    job=$!
    while kill -0 "$job" 2>/dev/null && ! grep -q ' to run' "$WORK/c.log"; do
        sleep 0.2
    done
    [ -s "$WORK/r0.pid" ] && kill -USR1 "$(cat "$WORK/r0.pid")" 2>/dev/null
    wait "$job" || true
    rm -f "$WORK/c.h5" "$WORK"/c.h5.creating.*
    "$PYTHON3" -c '
import json, sys
c = json.load(open(sys.argv[1]))["create"]
print(c["seconds"], c["file_bytes"], c["fill_writes"], c["fill_bytes"], c["rows"])' "$WORK/s.json"
}

for n in $SIZES; do
    cfg "$n"
    for np in $RANKS; do
        best="" bbest=""
        for rep in $(seq "$REPS"); do
            set -- $(create "$HSWEEP" "$n" "$np")
            echo "  $n tasks -n $np rep $rep: create $1 s, $2 B, $3 fill writes" >&2
            if [ -z "$best" ] || awk "BEGIN{exit !($1 < $best)}"; then best=$1 bytes=$2 writes=$3 fb=$4 rows=$5; fi
            if [ -n "$BASELINE" ]; then
                set -- $(create "$BASELINE" "$n" "$np")
                echo "  $n tasks -n $np rep $rep baseline: create $1 s, $2 B, $3 fill writes" >&2
                if [ -z "$bbest" ] || awk "BEGIN{exit !($1 < $bbest)}"; then bbest=$1 bbytes=$2 bwrites=$3; fi
            fi
        done
        [ "$rows" = "$n" ] || { echo "create_scale: $n tasks gave $rows rows" >&2; exit 1; }
        over=""
        [ "$np" -gt "$NPROC" ] && over=", oversubscribed $np ranks on $NPROC cores"
        vs=""
        [ -n "$BASELINE" ] && vs=" (ratio $(calc "$bbest / $best") faster vs baseline $bbest s, $bwrites fill writes, $bbytes B)"
        echo "create_scale_n${n}_r$np: $best s$vs; $(calc "$best * 1e9 / $n") ns/row, file $bytes B, $writes fill writes of $(calc "$fb / $writes / 1048576") MiB on average, $(calc "$fb / $best / 1048576") MiB/s of rows$over"
    done
done
