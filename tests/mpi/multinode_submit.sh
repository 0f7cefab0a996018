# hs-labels: slurm multinode slow
# `hsweep submit` of a 3-node job (requeue template, 2-minute time limit) on
# the emulated cluster, with --launcher mpirun (multinode_submit_srun.sh runs
# this file with --launcher srun), the tasks being users' programs (exec kernel, a shell script that
# sleeps 1 s).  Slurm checks time limits every 30 s and sends the warning
# (--signal=B:USR1@60) at the first check with at most 60 + 30 s left, so 30
# to 60 s into each run; each of the 2 workers has 130 s of work, so each job
# runs at least three times (is requeued at least twice).  Every task ends
# ok exactly once: the tasks that start in each run are exactly the ones that
# run found pending, each ran on a worker's node, and the file equals an
# uninterrupted run's deterministic fields.  About 3 to 4 minutes.
. "$(dirname "$0")/multinode_lib.bash"
launchers=${HS_MN_LAUNCHER:-mpirun}
if [ "$launchers" = srun ] && ! srun --mpi=list 2>&1 | grep -qw pmix; then
    skip "this Slurm's srun has no PMIx plugin (srun --mpi=list), so srun cannot start hsweep's ranks"
fi

cat > task.sh <<'SH'
sleep "${MN_TASK_SLEEP:-0}"
echo "{\"v\": $1}"
SH
cat > m.cfg <<'CFG'
sweeps = ( { name = "m"; kernel = "exec"; command = ["/bin/sh", "{sweep_dir}/task.sh", "{x}"];
             metrics = ["v"]; matrix = { x = { from = 1.0; to = 260.0; num = 260; }; }; } );
CFG
MN_TASK_SLEEP=0 mpirun_n 3 "$HSWEEP" run m.cfg -o ref.h5 --quiet || fail "reference run"
export MN_TASK_SLEEP=1
for l in $launchers; do
    mkdir -p "$l"
    "$HSWEEP" submit m.cfg -o "$l/m.h5" --nodes 3 --ntasks-per-node 1 --time 2 --signal-offset 60 \
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
    check "$l: every task exactly once" resume_check runs "$l/m.h5" m 260 "$l/m-$job.out" 3
done
finish
