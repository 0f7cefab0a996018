# hs-labels: mpi fault
# protocol = "jsonl" under stops and kill -9, with a Python task program
# built on analysis/hsweep_worker.py: the same file run once per task is
# the reference.  Warm runs on another rank count are bit-identical to it.
# SIGTERM to every process of the job but mpiexec kills the programs in the
# middle of their tasks: the run exits 3, those tasks stay pending, and
# --resume completes the file, equal to the reference.  kill -9 of the job
# leaves no task program behind, and --resume again gives the reference.
# The programs wait for a file, so which tasks are in flight is known, not
# timed.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py

cat > task.py <<PY
import os, random, sys, time
sys.path.insert(0, "$HS_SRC/analysis")
import hsweep_worker

@hsweep_worker.task
def run(x, seed, task_id):
    open("$WORK/started.%d" % task_id, "w").close()
    while x > 2 and not os.path.exists("$WORK/go"):
        time.sleep(0.05)
    r = random.Random(seed)
    return {"v": x * r.random(), "w": r.gauss(0, 1), "curve": [r.random() for _ in range(3)]}
PY
for proto in per-task jsonl; do
    cat > $proto.cfg <<CFG
sweeps = ( { name = "e"; kernel = "exec"; protocol = "$proto"; command = ["/usr/bin/python3", "{sweep_dir}/task.py"];
             metrics = ["v", "w"]; traces = { curve = 3; }; matrix = { x = [1, 2, 3, 4, 5, 6, 7, 8]; };
             seeds = [11, 12]; } );
CFG
done

touch go
check "reference, one process per task" mpirun_n 3 "$HSWEEP" run per-task.cfg -o ref.h5 --quiet
check "warm, 1 worker" mpirun_n 2 "$HSWEEP" run jsonl.cfg -o w1.h5 --quiet
check "warm, 1 worker equals the reference" h5same ref.h5 w1.h5
check "warm, 3 workers, no isolation" mpirun_n 4 "$HSWEEP" run jsonl.cfg -o w3.h5 --quiet --isolation none
check "warm, 3 workers equals the reference" h5same ref.h5 w3.h5

# SIGTERM to every process of the job but mpiexec: the two programs die of
# it in the middle of their tasks, which stay pending.  (The 4 tasks x <= 2,
# first in task-id order, do not wait: they are ok before the stop.)
rm -f go started.*
setsid "$MPIEXEC" -n 3 --oversubscribe "$HSWEEP" run jsonl.cfg -o t.h5 --quiet --grace 60 2> t.log &
pid=$!
wait_started 6 || fail "TERM: the tasks did not start"
sleep 0.5
# shellcheck disable=SC2046
kill -TERM $(descendants "$pid") 2>/dev/null
wait "$pid"; rc=$?
[ "$rc" = 3 ] && pass || fail "TERM: exit $rc, wanted 3: $(tail -3 t.log)"
[ "$(counts t.h5)" = "4 12 0" ] && pass || fail "TERM: ok/pending/crashed = $(counts t.h5), wanted 4 12 0"
touch go
check "resume after TERM" mpirun_n 3 "$HSWEEP" run jsonl.cfg -o t.h5 --resume --quiet
check "TERM then resume equals the reference" h5same ref.h5 t.h5

# kill -9 of the job: no task program survives it; resume completes the file.
rm -f go started.*
setsid "$MPIEXEC" -n 3 --oversubscribe "$HSWEEP" run jsonl.cfg -o k.h5 --quiet 2> k.log &
pid=$!
wait_started 6 || fail "kill: the tasks did not start"
sleep 0.5
kill_job "$pid" "$HSWEEP run jsonl.cfg -o k.h5"
for _ in $(seq 1 50); do pgrep -f "$WORK/task.py" >/dev/null || break; sleep 0.1; done
pgrep -f "$WORK/task.py" >/dev/null && fail "kill: a task program outlived the job" || pass
[ "$(counts k.h5)" = "4 12 0" ] && pass || fail "kill: ok/pending/crashed = $(counts k.h5), wanted 4 12 0"
touch go
check "resume after kill -9" mpirun_n 2 "$HSWEEP" run jsonl.cfg -o k.h5 --resume --quiet
check "kill -9 then resume equals the reference" h5same ref.h5 k.h5
finish
