# hs-labels: mpi
# A worker starts its task process (--isolation fork) before the dispatch
# phase, while rank 0 builds the queue, so that the fork is start-up and not
# a delay of its first task; HSWEEP_STATS task_processes counts them.  On 3
# ranks with one task: both workers start one beforehand (the one that gets
# no task too) and none is started for the task.  With a memory limit the
# process is sized for its task: none beforehand, one for the task.  With
# --isolation none: none.  A task after one that crashed the process gets a
# replacement, counted as started for a task.
. "$(dirname "$0")/lib.bash"
need_py json
sweep() { # sweep KERNEL FIXED FILE
    cat >"$3" <<CFG
sweeps = ( { name = "p"; kernel = "$1"; fixed = { $2 };
             matrix = { x = { from = 1; to = 1; num = 1; }; }; } );
CFG
}
sweep sleep "seconds = 0.0;" "$WORK/one.cfg"
# stats NAME STARTED BEFORE OPTIONS...: a 3-rank run's task process counts
stats() {
    local name=$1 started=$2 before=$3
    shift 3
    rm -f "$WORK/s.json"
    HSWEEP_STATS="$WORK/s.json" mpirun_n 3 "$HSWEEP" run "$@" -o "$WORK/r.h5" --overwrite --quiet
    check "$name: the run ends ok" test $? = 0
    check "$name: $started task processes started, $before of them before the dispatch phase" \
        "$PYTHON3" -c '
import json, sys
t = json.load(open(sys.argv[1]))["task_processes"]
want = {"started": int(sys.argv[2]), "before_dispatch": int(sys.argv[3])}
if t != want:
    sys.exit("task_processes %s, expected %s" % (t, want))' "$WORK/s.json" "$started" "$before"
}
stats "fork" 2 2 "$WORK/one.cfg"
stats "a memory limit" 1 0 "$WORK/one.cfg" --mem-limit 4096
stats "--isolation none" 0 0 "$WORK/one.cfg" --isolation none
# one worker, two tasks that crash their process: the one started
# beforehand dies with the first, a replacement is started for the second
cat >"$WORK/crash.cfg" <<CFG
sweeps = ( { name = "c"; kernel = "crash"; fixed = { mode = "segv"; };
             matrix = { x = { from = 1; to = 2; num = 2; }; }; } );
CFG
stats2() {
    rm -f "$WORK/s.json"
    HSWEEP_STATS="$WORK/s.json" mpirun_n 2 "$HSWEEP" run "$WORK/crash.cfg" -o "$WORK/c.h5" --overwrite \
        --quiet --retries 0 2>"$WORK/c.err"
}
stats2
check "two crashed tasks are results: the run says they failed" grep -q "crashed\|not ok\|failed" "$WORK/c.err"
check "crashes: 2 task processes started, 1 before the dispatch phase" "$PYTHON3" -c '
import json, sys
t = json.load(open(sys.argv[1]))["task_processes"]
if t != {"started": 2, "before_dispatch": 1}:
    sys.exit("task_processes %s" % t)' "$WORK/s.json"
finish
