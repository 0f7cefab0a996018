#!/bin/sh
# Issue 22 item 3: a Python function that imports numpy and computes for
# t ms (bench/vs_dask.py), the same M tasks run 2 at a time, side by side:
#   hsweep-task   hsweep exec, one process per task   (mpiexec -n 3: 2 workers)
#   hsweep-warm   hsweep exec, protocol = "jsonl"     (one program per worker)
#   dask          Dask distributed, LocalCluster(n_workers=2, threads_per_worker=1),
#                 client.map, results gathered into one CSV table
#   snakemake     one rule instance per task (a process each), --cores 2, a
#                 final rule merging the JSON outputs into one CSV table
#   parallel      GNU parallel -j 2, one process and JSON file per task, merged
# Wall time of the whole command (start-up included), tasks/s, and overhead
# per task and slot above the ideal M t / 2.  Targets: warm >= Dask at every
# t, >= 10 x Snakemake and GNU parallel at t = 10 ms.
# hsweep-warm and Dask run M tasks (M100 at t = 100 ms); then all five run
# MSLOW tasks (MSLOW100 at 100 ms), as a process per task costs a Python
# and numpy start-up each (0.3 core-s; seconds on a loaded machine).  Each
# ratio compares runs of the same tasks.
#   bench/vs_dask.sh        TS="1 10 100" M=1000 M100=200 MSLOW=80 MSLOW100=40 REPS=1
. "$(dirname "$0")/lib.sh"
TS=${TS:-1 10 100}
M=${M:-1000}
M100=${M100:-200}   # tasks at t = 100 ms (1000 would take ~50 s of pure work per tool)
MSLOW=${MSLOW:-80}
MSLOW100=${MSLOW100:-40}
J=2
PY=/usr/bin/python3
for c in parallel snakemake; do
    command -v $c >/dev/null || { echo "vs_dask: needs $c (apt-get install $c)" >&2; exit 1; }
done
$PY -c "import numpy, distributed" 2>/dev/null ||
    { echo "vs_dask: needs python3-numpy and python3-distributed (apt)" >&2; exit 1; }
TASK=$BENCH_SRC/vs_dask.py
machine

# run_tool TOOL M T: one run, its wall time in $w; the table's rows are checked.
run_tool() {
    tool=$1 n=$2 tt=$3 d=$WORK/$1.$3
    rm -rf "$d" && mkdir -p "$d/out"
    case $tool in
    hsweep-task|hsweep-warm)
        proto=$([ $tool = hsweep-warm ] && echo jsonl || echo per-task)
        printf 'sweeps = ( { name = "b"; kernel = "exec"; protocol = "%s"; command = ["%s", "%s"];\n metrics = ["y"]; fixed = { t_ms = %s; }; matrix = { i = [%s]; }; } );\n' \
            "$proto" "$PY" "$TASK" "$tt" "$(seq -s, 1 "$n")" >"$d/b.cfg"
        t0=$(now)
        mpirun_n $((J + 1)) "$HSWEEP" run "$d/b.cfg" -o "$d/b.h5" --quiet $HSWEEP_RUN_OPTS
        t1=$(now)
        rows=$($PY -c "import h5py,sys; t=h5py.File(sys.argv[1])['b/tasks']; print((t['status'][:]==1).sum())" "$d/b.h5") ;;
    dask)
        t0=$(now)
        PYTHONPATH=$BENCH_SRC $PY "$TASK" dask "$n" "$tt" "$d/table.csv" 2>"$d/dask.log"
        t1=$(now)
        rows=$(($(wc -l <"$d/table.csv") - 1)) ;;
    snakemake)
        cat >"$d/Snakefile" <<SNAKE
rule all:
    input: expand("out/{i}.json", i=range(1, $n + 1))
    output: "table.csv"
    shell: "$PY $TASK merge {output} out"

rule task:
    output: "out/{i}.json"
    shell: "$PY $TASK task $tt {wildcards.i} > {output}"
SNAKE
        t0=$(now)
        snakemake -s "$d/Snakefile" -d "$d" --cores $J --quiet >"$d/snakemake.log" 2>&1
        t1=$(now)
        rows=$(($(wc -l <"$d/table.csv") - 1)) ;;
    parallel)
        t0=$(now)
        seq 1 "$n" | parallel --will-cite -j $J "$PY $TASK task $tt {} > $d/out/{}.json"
        $PY "$TASK" merge "$d/table.csv" "$d/out"
        t1=$(now)
        rows=$(($(wc -l <"$d/table.csv") - 1)) ;;
    esac
    w=$(calc "$t1 - $t0")
    [ "$rows" = "$n" ] || echo "vs_dask: $tool t=$tt: $rows rows ok, expected $n" >&2
}

# bench TOOL M T: best of REPS runs into $best, and a line of the table.
bench() {
    best=""
    for rep in $(seq "$REPS"); do
        run_tool "$1" "$2" "$3"
        echo "  $1 t=$3 M=$2 rep $rep: $w s" >&2
        if [ -z "$best" ] || awk "BEGIN{exit !($w < $best)}"; then best=$w; fi
    done
    ideal=$(calc "$2 * $3 / 1e3 / $J")
    echo "$1 $3 $2 $best $(calc "$2 / $best") $(calc "1e3 * ($best - $ideal) * $J / $2")"
}

echo "tool t_ms M wall_s tasks_per_s overhead_ms_per_task_slot"
summary=""
for t in $TS; do
    m=$M ms=$MSLOW
    [ "$t" = 100 ] && m=$M100 ms=$MSLOW100
    bench hsweep-warm "$m" "$t"; big_warm=$best
    bench dask "$m" "$t"; big_dask=$best
    for tool in hsweep-warm dask hsweep-task parallel snakemake; do
        bench $tool "$ms" "$t"
        eval "wall_$(echo $tool | tr - _)=$best"
    done
    summary="${summary}vs_dask t=${t}ms: M=$m warm/dask $(calc "$big_dask / $big_warm"); M=$ms warm/dask $(calc "$wall_dask / $wall_hsweep_warm"), warm/snakemake $(calc "$wall_snakemake / $wall_hsweep_warm"), warm/parallel $(calc "$wall_parallel / $wall_hsweep_warm"), warm/per-task $(calc "$wall_hsweep_task / $wall_hsweep_warm") (throughput ratios)
"
done
printf '%s' "$summary"
