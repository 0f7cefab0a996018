# hs-labels: slurm multinode
# `hsweep submit` of a 3-node job (requeue template, 1-minute time limit) on
# the emulated cluster, with --launcher mpirun and --launcher srun side by
# side, the tasks being users' programs (exec kernel, a shell script that
# sleeps 1 s).  Slurm's warning (--signal=B:USR1@15) comes 15 to 45 s into
# each run, and each of the 2 workers has 100 s of work, so each job runs at
# least three times (requeued at least twice).  Every task ends ok exactly once:
# the tasks that start in each run are exactly the ones that run found
# pending, each ran on a worker's node, and the file equals an uninterrupted
# run's deterministic fields.  3 to 5 minutes (Slurm's smallest time limit
# is 1 minute).
. "$(dirname "$0")/multinode_lib.bash"

cat > task.sh <<'SH'
sleep "${MN_TASK_SLEEP:-0}"
echo "{\"v\": $1}"
SH
cat > m.cfg <<'CFG'
sweeps = ( { name = "m"; kernel = "exec"; command = ["/bin/sh", "{sweep_dir}/task.sh", "{x}"];
             metrics = ["v"]; matrix = { x = { from = 1.0; to = 200.0; num = 200; }; }; } );
CFG
MN_TASK_SLEEP=0 mpirun_n 3 "$HSWEEP" run m.cfg -o ref.h5 --quiet || fail "reference run"

launchers=mpirun
srun_why=""
if srun --mpi=list 2>&1 | grep -qw pmix; then
    launchers="mpirun srun"
else
    srun_why="this Slurm's srun has no PMIx plugin (srun --mpi=list), so the srun case cannot run"
fi
export MN_TASK_SLEEP=1
for l in $launchers; do
    mkdir -p "$l"
    "$HSWEEP" submit m.cfg -o "$l/m.h5" --nodes 3 --ntasks-per-node 1 --time 1 --signal-offset 15 \
        --launcher "$l" >"$l/ids" 2>"$l/submit.err" || fail "$l: submit: $(cat "$l/submit.err")"
done
for l in $launchers; do
    job=$(sed -n 1p "$l/ids")
    check "$l: job ends" wait_job "$job" 900
    check "$l: job completed" test "$(job_field "$job" JobState)" = COMPLETED
    check "$l: ran on 3 nodes" test "$(job_field "$job" NumNodes)" = 3
    restarts=$(job_field "$job" Restarts)
    echo "$l: job $job requeued ${restarts:-0} times"
    check "$l: requeued at least twice (Restarts=$restarts)" test "${restarts:-0}" -ge 2
    check "$l: the log says why" test "$(grep -c "time limit near, requeueing" "$l/m-$job.out")" -ge 2
    check "$l: equal to the uninterrupted run" h5same ref.h5 "$l/m.h5"
    check "$l: rows on the workers' nodes" test "$(row_hosts "$l/m.h5" m)" = "hsn2 hsn3"
    check "$l: every task exactly once" "$PYTHON3" - "$l/m.h5" "$l/m-$job.out" <<'PY'
import calendar, re, sys, time, h5py
t = h5py.File(sys.argv[1], "r")["m/tasks"][:]
assert sorted(t["task_id"]) == list(range(200)), t["task_id"]
assert (t["status"] == 1).all(), t["status"]
assert (t["attempts"] == 1).all(), t["attempts"]
log = open(sys.argv[2]).read()
starts = [calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
          for s in re.findall(r"hsweep job \d+ run \d+ on \S+ at (\S+)", log)]
to_run = [int(n) for n in re.findall(r"(\d+) to run", log)]
assert len(starts) == len(to_run) >= 3, (starts, to_run)
print("runs:", len(starts), "pending at each start:", to_run)
bounds = starts[1:] + [float("inf")]
for k, (a, b) in enumerate(zip(starts, bounds)):
    ran = int(((t["started_unix"] >= a) & (t["started_unix"] < b)).sum())
    expect = to_run[k] - (to_run[k + 1] if k + 1 < len(to_run) else 0)
    assert ran == expect, (k, ran, expect)
PY
done
if [ -n "$srun_why" ] && [ "$FAILS" = 0 ]; then
    finish
    skip "mpirun case passed; $srun_why"
fi
finish
