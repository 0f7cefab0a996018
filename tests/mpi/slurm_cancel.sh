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
    n=$(wait_done "$launcher/c.h5" 4)
    check "$launcher: 4 tasks done before the cancel ($n)" test "$n" -ge 4
    check "$launcher: scancel" scancel "$job"
    check "$launcher: job gone" wait_job "$job" 60
    check "$launcher: cancelled" test "$(job_field "$job" JobState)" = CANCELLED
    check "$launcher: collate job removed" wait_job "$cjob" 30
    check "$launcher: collate job never ran" test "$(job_field "$cjob" JobState)" = CANCELLED
    [ "$launcher" = srun ] && check "srun: hsweep stopped cleanly" grep -q "exit code 3 after a signal (cancel)" "$launcher/c-$job.out"
    "$HSWEEP" status "$launcher/c.h5" >status.txt || fail "$launcher: status of the cancelled file"
    check "$launcher: tasks remain" grep -q "task(s) remain" status.txt
    resume_check before "$launcher/c.h5" c >before.txt || fail "$launcher: cancelled file unreadable"
    check "$launcher: resume" mpirun_n 3 "$HSWEEP" run c.cfg -o "$launcher/c.h5" --resume --quiet
    check "$launcher: every task once, done ones kept" resume_check after "$launcher/c.h5" c 40 before.txt
done
finish
