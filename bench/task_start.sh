#!/bin/bash
# What a task process's start costs (--isolation fork, the default): R - 1
# workers each run one `sleep` task of 0 s, with and without the task
# process; the extra wall time with it of the window the log's tasks/s
# counts (from rank 0 building the queue to the last worker gone: it holds
# the fork, which workers do while the queue is built, and their first
# task), times the cores, over the workers, is the CPU one start takes while
# the starts share the cores.  task_start_loop_nR counts rank 0's loop
# alone (HSWEEP_STATS loop_wall_s, the dispatch phase; scale_validate.sh's
# wk_first_cpu): what of the start delays the first task.  Medians of
# REPS runs of
# each kind.  BASELINE=PATH: another
# hsweep binary, run in turn with this one (the same rep, one after the
# other), so that each line says this one's cost over the other's.  Ranks
# past the cores are oversubscribed.
#   bench/task_start.sh      RANKS="16 32" REPS=5 BASELINE=
REPS=${REPS:-5}
. "$(dirname "$0")/lib.sh"
RANKS=${RANKS:-16 32}
BASELINE=${BASELINE:-}
bins=("$HSWEEP")
[ -n "$BASELINE" ] && bins+=("$(cd "$(dirname "$BASELINE")" && pwd)/$(basename "$BASELINE")")
[ -n "$BASELINE" ] && echo "# baseline: $BASELINE, $("${bins[1]}" --version 2>&1 | sed -n 1,2p | tr "\n" " ")"
echo "# this: $HSWEEP, $("$HSWEEP" --version 2>&1 | sed -n 1,2p | tr "\n" " ")"
machine
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for np in $RANKS; do
    w=$((np - 1))
    printf 'sweeps = ( { name = "t"; kernel = "sleep"; fixed = { seconds = 0; };\n  matrix = { x = { from = 1; to = %s; num = %s; }; }; } );\n' \
        "$w" "$w" >"$WORK/t.cfg"
    for i in "${!bins[@]}"; do : >"$WORK/fork$i" && : >"$WORK/none$i" && : >"$WORK/lfork$i" && : >"$WORK/lnone$i"; done
    for rep in $(seq "$REPS"); do
        for i in "${!bins[@]}"; do
            for iso in fork none; do
                rm -f "$WORK/o.h5" "$WORK/st.json"
                HSWEEP_STATS=$WORK/st.json mpirun_n "$np" "${bins[$i]}" run "$WORK/t.cfg" -o "$WORK/o.h5" --overwrite --isolation "$iso" \
                    --log-every 1000 2>"$WORK/log" || { cat "$WORK/log" >&2; exit 1; }
                rate=$(hsweep_rate "$WORK/log")
                echo "$(calc "$w / $rate")" >>"$WORK/$iso$i"
                $PYTHON3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["coord"]["loop_wall_s"])' \
                    "$WORK/st.json" >>"$WORK/l$iso$i"
            done
        done
    done
    for i in "${!bins[@]}"; do
        f=$(median <"$WORK/fork$i") n=$(median <"$WORK/none$i")
        c[$i]=$(calc "($f - $n) * $NPROC / $w * 1000")
        d[$i]="dispatch phase $f s with the task process, $n s without"
        f=$(median <"$WORK/lfork$i") n=$(median <"$WORK/lnone$i")
        lc[$i]=$(calc "($f - $n) * $NPROC / $w * 1000")
        ld[$i]="rank 0's loop $f s with the task process, $n s without"
        echo "  ${bins[$i]}: $np ranks, fork runs $(tr '\n' ' ' <"$WORK/fork$i")s, none runs $(tr '\n' ' ' <"$WORK/none$i")s" >&2
    done
    over=""
    [ "$np" -gt "$NPROC" ] && over=", oversubscribed $np ranks on $NPROC cores"
    if [ -n "$BASELINE" ]; then
        echo "task_start_n$np: ${c[0]} ms CPU/start (ratio $(calc "${c[0]} / ${c[1]}") vs baseline ${c[1]} ms); ${d[0]}; baseline ${d[1]}; medians of $REPS$over"
        echo "task_start_loop_n$np: ${lc[0]} ms CPU/start in rank 0's loop (ratio $(calc "${lc[0]} / ${lc[1]}") vs baseline ${lc[1]} ms); ${ld[0]}; baseline ${ld[1]}; medians of $REPS$over"
    else
        echo "task_start_n$np: ${c[0]} ms CPU/start; ${d[0]}; medians of $REPS$over"
        echo "task_start_loop_n$np: ${lc[0]} ms CPU/start in rank 0's loop; ${ld[0]}; medians of $REPS$over"
    fi
done
