# hs-labels: slurm
# scancel of a running sweep job leaves a results file that opens, says what
# remains, and `hsweep run --resume` completes without recomputing the tasks
# done before the cancel.  Under srun every rank gets SIGTERM and hsweep stops
# cleanly (exit 3); under mpirun, mpirun kills the ranks, so this is also a
# kill from outside.  A collate job waiting on the cancelled job is removed.
. "$(dirname "$0")/slurm_lib.bash"

cat > c.cfg <<'CFG'
sweeps = ( { name = "c"; kernel = "sleep"; fixed = { seconds = 0.3; };
             matrix = { x = { from = 1.0; to = 40.0; num = 40; }; }; } );
CFG
for launcher in srun mpirun; do
    "$HSWEEP" submit c.cfg -o "$launcher/c.h5" --ntasks-per-node 2 --time 5 --launcher "$launcher" \
        --collate "--metric slept_s" >ids 2>submit.err || fail "submit: $(cat submit.err)"
    job=$(sed -n 1p ids) cjob=$(sed -n 2p ids)
    check "$launcher: job runs" wait_running "$job" 60
    for _ in $(seq 200); do
        n=$("$HSWEEP" status "$launcher/c.h5" 2>/dev/null | sed -n 's/.* \([0-9]*\) done.*/\1/p')
        [ "${n:-0}" -ge 4 ] && break
        sleep 0.1
    done
    check "$launcher: scancel" scancel "$job"
    check "$launcher: job gone" wait_job "$job" 60
    check "$launcher: cancelled" test "$(job_field "$job" JobState)" = CANCELLED
    check "$launcher: collate job removed" wait_job "$cjob" 30
    check "$launcher: collate job never ran" test "$(job_field "$cjob" JobState)" = CANCELLED
    [ "$launcher" = srun ] && check "srun: hsweep stopped cleanly" grep -q "exit code 3 after a signal (cancel)" "$launcher/c-$job.out"
    "$HSWEEP" status "$launcher/c.h5" >status.txt || fail "$launcher: status of the cancelled file"
    check "$launcher: tasks remain" grep -q "task(s) remain" status.txt
    "$PYTHON3" - "$launcher/c.h5" >before.txt <<'PY' || fail "$launcher: cancelled file unreadable"
import sys, h5py
t = h5py.File(sys.argv[1], "r")["c/tasks"][:]
done = t["status"] != 0
assert 0 < done.sum() < len(t), done.sum()
for i in t["task_id"][done]:
    print(int(i), repr(float(t["started_unix"][i])))
PY
    check "$launcher: resume" mpirun_n 3 "$HSWEEP" run c.cfg -o "$launcher/c.h5" --resume --quiet
    check "$launcher: every task once, done ones kept" "$PYTHON3" - "$launcher/c.h5" <<'PY'
import sys, h5py
t = h5py.File(sys.argv[1], "r")["c/tasks"][:]
assert sorted(t["task_id"]) == list(range(40))
assert (t["status"] == 1).all(), t["status"]
for line in open("before.txt"):
    i, s = line.split()
    assert repr(float(t["started_unix"][int(i)])) == s, (i, s)
PY
done
finish
