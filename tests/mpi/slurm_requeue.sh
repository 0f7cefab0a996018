# hs-labels: slurm
# A sweep longer than its Slurm time limit: Slurm's warning signal
# (--signal=B:USR1@15 with --time 1) reaches hsweep, which stops cleanly;
# the job requeues itself and resumes the file until every task is done, each
# exactly once: the tasks that start in each run are exactly the ones that run
# found pending.  A collate job with afterok waits through the requeues.
# About 2 min (Slurm's smallest time limit is 1 minute).
. "$(dirname "$0")/slurm_lib.bash"

cat > long.cfg <<'CFG'
sweeps = ( { name = "long"; kernel = "sleep"; fixed = { seconds = 1.0; };
             matrix = { x = { from = 1.0; to = 50.0; num = 50; }; }; } );
CFG
# 50 s of work on one worker; the warning comes 15 to 45 s into each run.
"$HSWEEP" submit long.cfg -o long.h5 --ntasks-per-node 2 --time 1 --signal-offset 15 \
    --collate "--metric slept_s" >ids 2>submit.err || fail "submit: $(cat submit.err)"
check "estimate says it needs a requeue" grep -q "requeue" submit.err
job=$(sed -n 1p ids) cjob=$(sed -n 2p ids)
check "collate job finishes" wait_job "$cjob" 300
check "sweep job completed" test "$(job_field "$job" JobState)" = COMPLETED
restarts=$(job_field "$job" Restarts)
check "requeued at least once (Restarts=$restarts)" test "${restarts:-0}" -ge 1
check "the log says why" grep -q "time limit near, requeueing" long-"$job".out
check "collate job started after the sweep ended" \
    test ! "$(job_field "$cjob" StartTime)" \< "$(job_field "$job" EndTime)"
check "collate job completed" test "$(job_field "$cjob" JobState)" = COMPLETED
check "every task exactly once" "$PYTHON3" - "long-$job.out" <<'PY'
import calendar, re, sys, time, h5py
t = h5py.File("long.h5", "r")["long/tasks"][:]
assert sorted(t["task_id"]) == list(range(50)), t["task_id"]
assert (t["status"] == 1).all(), t["status"]
assert (t["attempts"] == 1).all(), t["attempts"]
log = open(sys.argv[1]).read()
starts = [calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
          for s in re.findall(r"hsweep job \d+ run \d+ on \S+ at (\S+)", log)]
to_run = [int(n) for n in re.findall(r"(\d+) to run", log)]
assert len(starts) == len(to_run) >= 2, (starts, to_run)
print("runs:", len(starts), "pending at each start:", to_run)
bounds = starts[1:] + [float("inf")]
for k, (a, b) in enumerate(zip(starts, bounds)):
    ran = int(((t["started_unix"] >= a) & (t["started_unix"] < b)).sum())
    expect = to_run[k] - (to_run[k + 1] if k + 1 < len(to_run) else 0)
    assert ran == expect, (k, ran, expect)
PY
finish
