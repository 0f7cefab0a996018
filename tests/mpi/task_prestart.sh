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
# two tasks that crash their process (exit status 4: tasks not ok)
cat >"$WORK/crash.cfg" <<CFG
sweeps = ( { name = "c"; kernel = "crash"; fixed = { mode = "segv"; };
             matrix = { x = { from = 1; to = 2; num = 2; }; }; } );
CFG
# stats NAME RANKS RC STARTED BEFORE CFG OPTIONS...: a run ending with RC and
# its task process counts
stats() {
    local name=$1 np=$2 want_rc=$3 started=$4 before=$5 cfg=$6 rc
    shift 6
    rm -f "$WORK/s.json"
    HSWEEP_STATS="$WORK/s.json" mpirun_n "$np" "$HSWEEP" run "$cfg" "$@" -o "$WORK/r.h5" --overwrite \
        --quiet 2>"$WORK/err"
    rc=$?
    check "$name: the run ends with status $want_rc (got $rc: $(tail -c 300 "$WORK/err"))" test "$rc" = "$want_rc"
    check "$name: $started task processes started, $before of them before the dispatch phase" \
        "$PYTHON3" -c '
import json, sys
t = json.load(open(sys.argv[1]))["task_processes"]
want = {"started": int(sys.argv[2]), "before_dispatch": int(sys.argv[3])}
if t != want:
    sys.exit("task_processes %s, expected %s" % (t, want))' "$WORK/s.json" "$started" "$before"
}
stats "fork" 3 0 2 2 "$WORK/one.cfg"
stats "a memory limit" 3 0 1 0 "$WORK/one.cfg" --mem-limit 4096
stats "--isolation none" 3 0 0 0 "$WORK/one.cfg" --isolation none
# one worker: the process started beforehand dies with the first task, a
# replacement is started for the second
stats "crashes" 2 4 2 1 "$WORK/crash.cfg" --retries 0
check "both tasks are results, crashed" grep -Eq "crashed +2" <("$HSWEEP" status "$WORK/r.h5" 2>&1)
finish
