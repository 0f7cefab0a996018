#!/bin/bash
# docs/scale.md: does bench/scale_sim.py predict hsweep's dispatch-phase
# efficiency on this machine?  Its inputs come from separate calibration runs
# (never from the runs it is compared with), then sleep-kernel sweeps on
# RANKS ranks (oversubscribed past the cores), TPW tasks per worker of each
# length in SECONDS_LIST, and one heavy-tailed sweep (lognormal, sigma 1.5, mean
# HEAVY_MEAN s, the seconds as a matrix axis) on HEAVY_RANKS ranks, are run
# and predicted with all CPU work sharing CORES cores.  The processes of
# others found runnable just before each run (/proc/loadavg, sampled 1 s) are
# printed with each point, not modelled: on a loaded machine the measured
# efficiency is lower than predicted.
#
# Calibration (printed as one `scale_inputs: {json}` line, which
# bench/scale_predict.sh reads back from the log):
#   - CPU of waiting: IDLE_RANKS - 1 workers, one task of 8 s each; the CPU
#     time (/proc/PID/task/*/schedstat, ns) of rank 0 (idle polling) and of
#     the workers and their task processes (each worker waiting on its
#     task), read 3 s and 6 s after the start, per second and rank.  (Whole
#     runs' CPU totals, as before, differ by tens of ms from run to run:
#     0 and 0.0029 s/s for the same wait in two logs.)
#   - the task process's start: on each of UP_RANKS ranks (those of RANKS
#     from 8 up) one task of 0 s a worker, --isolation fork and none, UP_REPS
#     times each (the shortest counts): the extra dispatch wall of fork,
#     times the cores, over the workers is the CPU each start costs at that
#     worker count (a least-squares line through 0 gives the one figure of
#     the tables; with the UP_TPW runs below, the model reads at each count
#     the CPU that makes its loop of these runs the measured one, fitted by
#     scale_sim.py task_start)
#   - the CPU a task costs beyond the model's terms at each worker count:
#     on the same rank counts, UP_TPW tasks of 0 s a worker (fork), UP_REPS
#     times; their loop less that of the one-task runs, measured against
#     modelled (scale_sim.py task_cpu)
#   - when the workers' first requests come after rank 0's loop begins (on
#     oversubscribed cores the last of them leaves the collective before
#     the loop late): the same runs' HSWEEP_STATS coord.first_request_s, the
#     medians of their p50 and max at each worker count
#   - worker CPU per task and per batch: one worker, sleep tasks of 0.05 s
#     (batches of one) and 1 ms (batches of 50), N1 and N2 tasks each; the
#     difference of the worker rank's user + sys CPU (getrusage of its
#     process and task process) over N2 - N1, less its waiting CPU
#   - rank 0's cost per request: HSWEEP_STATS's coord.busy_cpu_s / requests
#     in the same runs when hsweep writes it, else rank 0's CPU difference
#     (which then includes its idle polling)
#   - writes and bytes per task, file creation per row: HSWEEP_STATS's store
#     and create records (absent: 4 writes and 500 bytes, assumed)
#   - start-up on this machine (mpiexec to the first request): the --isolation
#     fork runs above, whole wall time minus the dispatch phase, a line in R
#   - sweep expansion per task: `hsweep plan` on 10^5 tasks
#   - message latency: bench/scale_pingpong.c on 2 ranks; timer slack: the
#     mean oversleep of a 2 us sleep
#   - how the cores are shared (bench/scale_wake.c): a process that sleeps
#     5 ms and then needs a burst of CPU while K others spin.  With bursts of
#     20 us at K in WAKE_K, the time it takes beyond the burst, less that at
#     K = 0 (the timer's own lateness), is wake_floor: how long a woken
#     process waits for its first slice with K others runnable.  With bursts
#     of 500 us at K = 8, 32, 128, the burst's wall time against K gives
#     wake_share: 1 when the woken process gets an equal share of the cores
#     (as EEVDF, Linux 6.6 on, gives it), 0 when it runs before any busy one
# Prints per point `scale_validate_nR_sS: measured X (median of VREPS runs:
# LO ... HI), predicted Y, error Z%` (efficiency of the dispatch phase: tasks x
# S / (W x its wall time), W = R - 1, the phase being rank 0's loop from
# HSWEEP_STATS, which the model runs, or for an hsweep without it from the
# log's tasks/s, counted from before the queue was built; the runs' range
# after it), the same for
# the whole run's wall time (of the median run), and `scale_validate: ...`
# with the largest efficiency error.  VREPS runs a point (one run of 128
# oversubscribed ranks measured 0.22 once and 0.30 to 0.33 three times in a
# row): ~42 min with 3.
#   bench/scale_validate.sh     RANKS="4 8 16 32 64 128 256" SECONDS_LIST="0.05 0.5" TPW=10
#                               HEAVY_RANKS=32 HEAVY_MEAN=0.05 CORES=$(nproc)
#                               IDLE_RANKS=8 UP_REPS=2 UP_RANKS="8 16 32 64 128 256" UP_TPW=10 VREPS=3
#                               WAKE_K="1 2 4 8 16 32 64 128 256 512"
. "$(dirname "$0")/lib.sh"
RANKS=${RANKS:-4 8 16 32 64 128 256}
SECONDS_LIST=${SECONDS_LIST:-0.05 0.5}
TPW=${TPW:-10}
HEAVY_RANKS=${HEAVY_RANKS:-32}
HEAVY_MEAN=${HEAVY_MEAN:-0.05}
CORES=${CORES:-$NPROC}
IDLE_RANKS=${IDLE_RANKS:-8}
WAKE_K=${WAKE_K:-1 2 4 8 16 32 64 128 256 512}
UP_REPS=${UP_REPS:-2}
UP_RANKS=${UP_RANKS:-$(for r in $RANKS; do [ "$r" -lt 8 ] || echo "$r"; done | tr "\n" " ")}
UP_TPW=${UP_TPW:-$TPW}
VREPS=${VREPS:-3}
SIM="$PYTHON3 $BENCH_SRC/scale_sim.py"
machine

# mpiexec wrapper for the calibration runs: each rank's user + sys CPU (its
# task process included), in microseconds' resolution, to $RT_DIR/rank-R
cat >"$WORK/rt.py" <<'EOF'
import os, resource, subprocess, sys
rc = subprocess.call(sys.argv[1:])
u = resource.getrusage(resource.RUSAGE_CHILDREN)
with open("%s/rank-%s" % (os.environ["RT_DIR"], os.environ.get("OMPI_COMM_WORLD_RANK", "0")), "w") as f:
    f.write("%.6f\n" % (u.ru_utime + u.ru_stime))
sys.exit(rc)
EOF
cpu_of() { cat "$1" 2>/dev/null || echo 0; }
# Runnable processes of others now: /proc/loadavg's running count, sampled
# over a second, less this sampler.
background() {
    $PYTHON3 -c '
import time
n = []
for _ in range(20):
    n.append(int(open("/proc/loadavg").read().split()[3].split("/")[0]) - 1)
    time.sleep(0.05)
print(max(0, sum(n) / len(n)))'
}

# sweep N S FILE: N sleep tasks of S seconds
sweep() {
    printf 'sweeps = ( { name = "scale"; kernel = "sleep"; fixed = { seconds = %s; };\n  matrix = { x = { from = 1; to = %s; num = %s; scale = "lin"; }; }; } );\n' \
        "$2" "$1" "$1" >"$3"
}

# hsrun R CFG TAG [WRAP]: one run; "wall rate rank0_cpu workers_cpu" on stdout
# (CPU with WRAP only: rank 0's, the other ranks' summed), its HSWEEP_STATS in
# $WORK/TAG.json
hsrun() {
    rm -rf "$WORK/rt" "$WORK/$3.json" "$WORK/o.h5"
    mkdir -p "$WORK/rt"
    wrap=""
    [ -n "${4:-}" ] && wrap="$PYTHON3 $WORK/rt.py"
    t0=$(now)
    RT_DIR=$WORK/rt HSWEEP_STATS=$WORK/$3.json mpirun_n "$1" $wrap "$HSWEEP" run "$2" \
        -o "$WORK/o.h5" --overwrite --log-every 1000 $HSWEEP_RUN_OPTS 2>"$WORK/$3.log"
    rc=$?
    t1=$(now)
    # a run whose every task ended ok counts even if mpiexec then failed
    # (a rank lost at exit on an overloaded machine): said on stderr
    if ! grep -q "tasks done (0 not ok)" "$WORK/$3.log"; then
        cat "$WORK/$3.log" >&2
        return 1
    fi
    [ "$rc" = 0 ] || echo "  (mpiexec exit status $rc after every task ended ok)" >&2
    # the dispatch phase: rank 0's loop (HSWEEP_STATS), which the model
    # runs; the log's tasks/s (from before the queue was built) otherwise
    rate=$($PYTHON3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["coord"]
print(c["tasks_dispatched"] / c["loop_wall_s"])' "$WORK/$3.json" 2>/dev/null) || rate=$(hsweep_rate "$WORK/$3.log")
    c0=$(cpu_of "$WORK/rt/rank-0")
    cw=0
    [ -n "${4:-}" ] && cw=$(calc "$(cat "$WORK"/rt/rank-* | awk '{ s += $1 } END { printf "%.6f", s }') - $c0")
    echo "$(calc "$t1 - $t0") $rate $c0 $cw"
}

raw=$WORK/raw.txt
: >"$raw"
echo "# calibration" >&2
# CPU time in s of this run's hsweep processes (the environment entry $1
# marks them): rank 0's, the others' (workers and task processes)
cat >"$WORK/cpusnap.py" <<'EOF'
import os, sys
mark = sys.argv[1].encode()
r0 = rest = 0
for p in os.listdir("/proc"):
    if not p.isdigit():
        continue
    try:
        env = open("/proc/%s/environ" % p, "rb").read().split(b"\0")
        if mark not in env or open("/proc/%s/comm" % p).read().strip() != "hsweep":
            continue
        ns = sum(int(open("/proc/%s/task/%s/schedstat" % (p, t)).read().split()[0])
                 for t in os.listdir("/proc/%s/task" % p))
    except (OSError, ValueError):
        continue
    if b"OMPI_COMM_WORLD_RANK=0" in env:
        r0 += ns
    else:
        rest += ns
print("%.9f %.9f" % (r0 / 1e9, rest / 1e9))
EOF
mark="HSWEEP_CAL_MARK=$$-$(date +%s%N)"
sweep $((IDLE_RANKS - 1)) 8 "$WORK/c.cfg"
rm -f "$WORK/o.h5"
mpirun_n "$IDLE_RANKS" env "$mark" "$HSWEEP" run "$WORK/c.cfg" -o "$WORK/o.h5" --overwrite --quiet \
    $HSWEEP_RUN_OPTS 2>"$WORK/idle.log" &
job=$!
sleep 3
ta=$(now) a=$($PYTHON3 "$WORK/cpusnap.py" "$mark")
sleep 3
tb=$(now) b=$($PYTHON3 "$WORK/cpusnap.py" "$mark")
wait "$job" || { cat "$WORK/idle.log" >&2; exit 1; }
# no reading of rank 0 (its process not found, or no schedstat): a broken
# calibration, not a CPU of 0
set -- $a $b
awk "BEGIN { exit !($1 > 0 && $3 > $1) }" || {
    echo "scale_validate: no CPU time read for rank 0 of the calibration run ($a; $b)" >&2
    exit 1
}
echo "  $((IDLE_RANKS - 1)) workers waiting on tasks of 8 s: CPU of rank 0, of the others at $ta: $a; at $tb: $b" >&2
echo "idle $(calc "$tb - $ta") $a $b $((IDLE_RANKS - 1))" >>"$raw"
for spec in "0.05 20 100" "0.001 1000 5000"; do
    set -- $spec
    for n in "$2" "$3"; do
        sweep "$n" "$1" "$WORK/c.cfg"
        r=$(hsrun 2 "$WORK/c.cfg" "cal_$1_$n" cpu) || exit 1
        echo "  1 worker, $n tasks of $1 s: wall rate cpu0 cpu1 = $r" >&2
        echo "cal $1 $n $r $WORK/cal_$1_$n.json" >>"$raw"
    done
done
# start-up, and the task process's start: one task of 0 s a worker
for np in $UP_RANKS; do
    sweep $((np - 1)) 0 "$WORK/c.cfg"
    for iso in fork none; do
        for rep in $(seq "$UP_REPS"); do
            r=$(HSWEEP_RUN_OPTS="$HSWEEP_RUN_OPTS --isolation $iso" hsrun "$np" "$WORK/c.cfg" "up_${np}_${iso}_$rep") || exit 1
            echo "  start-up, $np ranks, --isolation $iso: wall rate cpu0 cpu_workers = $r" >&2
            echo "up $np $((np - 1)) $r $WORK/up_${np}_${iso}_$rep.json $iso" >>"$raw"
        done
    done
    # the task's CPU at this worker count: UP_TPW tasks a worker
    n=$((UP_TPW * (np - 1)))
    sweep "$n" 0 "$WORK/c.cfg"
    for rep in $(seq "$UP_REPS"); do
        r=$(HSWEEP_RUN_OPTS="$HSWEEP_RUN_OPTS --isolation fork" hsrun "$np" "$WORK/c.cfg" "upk_${np}_$rep") || exit 1
        echo "  $UP_TPW tasks of 0 s a worker, $np ranks: wall rate cpu0 cpu_workers = $r" >&2
        echo "up $np $n $r $WORK/upk_${np}_$rep.json fork" >>"$raw"
    done
done
sweep 100000 0 "$WORK/p.cfg"
t0=$(now)
"$HSWEEP" plan "$WORK/p.cfg" >/dev/null
echo "plan 100000 $(calc "$(now) - $t0")" >>"$raw"
mpicc -O2 -o "$WORK/pingpong" "$BENCH_SRC/scale_pingpong.c"
echo "lat $(mpirun_n 2 "$WORK/pingpong" | awk '/lat_s/ {print $2}')" >>"$raw"
mpicc -O2 -o "$WORK/wake" "$BENCH_SRC/scale_wake.c"
for k in 0 $WAKE_K; do
    "$WORK/wake" "$k" 200 0.00002 0.005 >>"$raw" || exit 1
done
for k in 0 8 32 128; do
    "$WORK/wake" "$k" 60 0.0005 0.005 >>"$raw" || exit 1
done
echo "slack $($PYTHON3 -c '
import time
n = 3000
t0 = time.perf_counter()
for _ in range(n):
    time.sleep(2e-6)
print(max(0.0, (time.perf_counter() - t0) / n - 2e-6))')" >>"$raw"
echo "cores $CORES" >>"$raw"
sed 's/^/  raw: /' "$raw" >&2
$SIM inputs "$raw" >"$WORK/inputs.json"
echo "scale_inputs: $(cat "$WORK/inputs.json")"

echo "# validation" >&2
res=$WORK/res.txt
: >"$res"
# edges JSON: the dispatch phase's edges from a run's HSWEEP_STATS (an
# hsweep with first_request_s): when the last worker's first request came
# and how long the last results took to the loop's end (nothing from an
# older hsweep)
edges() {
    $PYTHON3 -c '
import json, sys
try:
    c = json.load(open(sys.argv[1]))["coord"]
    print(", loop %.3f s, last first request at %.3f s, drain %.3f s" % (
        c["loop_wall_s"], c["first_request_s"]["max"], c["drain_s"]))
except (OSError, ValueError, KeyError):
    pass' "$1"
}
# vrun R CFG TAG: VREPS runs; "wall rate lo_rate hi_rate background" of
# the run with the median rate (background: the most of any run's)
vrun() {
    : >"$WORK/reps.txt"
    for rep in $(seq "$VREPS"); do
        bg=$(background)
        out=$(hsrun "$1" "$2" "$3_$rep") || return 1
        echo "$out $bg" >>"$WORK/reps.txt"
        echo "    run $rep: wall $(echo "$out" | cut -d' ' -f1) s, dispatch phase $(echo "$out" | cut -d' ' -f2) tasks/s$(edges "$WORK/$3_$rep.json")" >&2
    done
    sort -g -k2 "$WORK/reps.txt" | awk '{ r[NR] = $0; if ($5 > bg) bg = $5 }
        END { split(r[int((NR + 1) / 2)], m, " "); split(r[1], a, " "); split(r[NR], b, " ");
              print m[1], m[2], a[2], b[2], bg + 0 }'
}
point() { # point NAME R S MEASURED_RATE WALL NTASKS BACKGROUND LO_RATE HI_RATE [SIM ARGS]
    name=$1 np=$2 s=$3 rate=$4 wall=$5 n=$6 bg=$7 lo=$8 hi=$9
    shift 9
    w=$((np - 1))
    pred=$($SIM run --inputs "$WORK/inputs.json" --fs local --cores "$CORES" --ranks "$np" "$@")
    pe=$(echo "$pred" | $PYTHON3 -c 'import json,sys; print(json.load(sys.stdin)["E_workers"])')
    pw=$(echo "$pred" | $PYTHON3 -c 'import json,sys; r=json.load(sys.stdin); print(r["startup_s"] + r["makespan_s"])')
    mean=$s
    [ "$s" = heavy ] && mean=$HEAVY_MEAN
    me=$(calc "$rate * $mean / $w")
    range=""
    [ "$VREPS" -gt 1 ] && range=" (median of $VREPS runs: $(calc "$lo * $mean / $w") ... $(calc "$hi * $mean / $w"))"
    err=$(calc "100 * ($pe - $me) / $me")
    werr=$(calc "100 * ($pw - $wall) / $wall")
    echo "${name}: measured $me$range, predicted $pe, error ${err}% (dispatch-phase efficiency; $bg runnable processes of others before the runs)"
    echo "${name}_wall: measured $wall s, predicted $pw s, error ${werr}% (whole run)"
    echo "$err $werr" >>"$res"
}
for s in $SECONDS_LIST; do
    for np in $RANKS; do
        w=$((np - 1)) n=$((TPW * (np - 1)))
        sweep "$n" "$s" "$WORK/v.cfg"
        echo "  $np ranks, $n tasks of $s s:" >&2
        out=$(vrun "$np" "$WORK/v.cfg" "v_${np}_$s") || { echo "scale_validate_n${np}_s$s: run failed"; continue; }
        set -- $out
        point "scale_validate_n${np}_s$s" "$np" "$s" "$2" "$1" "$n" "$5" "$3" "$4" --dur "$s" --tpw "$TPW"
    done
done
if [ -n "$HEAVY_RANKS" ]; then
    np=$HEAVY_RANKS n=$((TPW * (HEAVY_RANKS - 1)))
    $PYTHON3 -c "
import numpy as np, math
d = np.random.default_rng(11).lognormal(math.log($HEAVY_MEAN) - 1.125, 1.5, $n)
d = np.round(d * ${HEAVY_MEAN} / d.mean(), 6)  # the sample's mean is the mean
seen = set()  # an axis takes no value twice: nudge repeats by 1 us
for i in range(len(d)):
    while round(d[i] * 1e6) in seen:
        d[i] += 1e-6
    seen.add(round(d[i] * 1e6))
open('$WORK/heavy.txt', 'w').write('\n'.join('%.6f' % x for x in d) + '\n')
print('sweeps = ( { name = \"heavy\"; kernel = \"sleep\"; matrix = { seconds = [%s]; }; } );' % ', '.join('%.6f' % x for x in d))
" >"$WORK/h.cfg"
    echo "  $np ranks, $n lognormal tasks (mean $HEAVY_MEAN s):" >&2
    out=$(vrun "$np" "$WORK/h.cfg" "heavy") || { echo "scale_validate_n${np}_heavy: run failed"; exit 1; }
    set -- $out
    point "scale_validate_n${np}_heavy" "$np" heavy "$2" "$1" "$n" "$5" "$3" "$4" --dur-file "$WORK/heavy.txt"
fi
max=$(awk '{ e = $1 < 0 ? -$1 : $1; if (e > m) m = e } END { printf "%.3g", m }' "$res")
maxw=$(awk '{ e = $2 < 0 ? -$2 : $2; if (e > m) m = e } END { printf "%.3g", m }' "$res")
echo "scale_validate: largest error ${max}% (ratio $(calc "$max / 100") vs target 0.2) over $(wc -l <"$res") points, dispatch-phase efficiency; whole-run wall time largest error ${maxw}%; $CORES cores"
