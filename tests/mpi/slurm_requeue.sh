# hs-labels: slurm slow
# A sweep longer than its Slurm time limit: Slurm's warning signal
# (--signal=B:USR1@15 with --time 1) reaches hsweep, which stops cleanly;
# the job requeues itself and resumes the file until every task is done, each
# exactly once: the tasks that start in each run are exactly the ones that run
# found pending.  A collate job with afterany waits through the requeues.
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
check "every task exactly once" resume_check runs long.h5 long 50 "long-$job.out" 2
finish
