# hs-labels: slurm
# Users' programs (exec kernel, a shell script that sleeps) under Slurm's
# signals, on the local cluster with the requeue job (srun):
#  - `scancel`: SIGTERM reaches every process of the job, the task programs
#    included; the tasks they were running stay pending (none crashed), and
#    `hsweep submit` of the same sweep again resumes the file;
#  - `scancel --signal=USR1` (what --signal=USR1@S does at a time limit):
#    SIGUSR1 reaches every process of the step; the programs ignore it and
#    finish, hsweep stops (exit 3), and the resubmitted job completes.
# Each time every task ends ok exactly once (tasks done before the signal
# are not run again) and the file equals an uninterrupted run's
# deterministic fields (requeues at a time limit: multinode_submit.sh).
. "$(dirname "$0")/slurm_lib.bash"
need_py h5py

cat > task.sh <<'SH'
sleep "${EX_SLEEP:-0}"
echo "{\"v\": $1}"
SH
cat > e.cfg <<'CFG'
sweeps = ( { name = "e"; kernel = "exec"; command = ["/bin/sh", "{sweep_dir}/task.sh", "{x}"];
             metrics = ["v"]; matrix = { x = { from = 1.0; to = 30.0; num = 30; }; }; } );
CFG
EX_SLEEP=0 mpirun_n 3 "$HSWEEP" run e.cfg -o ref.h5 --quiet || fail "reference run"

# counts FILE: "ok pending crashed" row counts
counts() {
    "$PYTHON3" -c "
import h5py, sys; s = h5py.File(sys.argv[1], 'r')['e/tasks']['status']
print((s == 1).sum(), (s == 0).sum(), (s == 6).sum())" "$1"
}
# submit DIR: submit the sweep (a file that exists is resumed); prints the job id
submit() {
    "$HSWEEP" submit e.cfg -o "$1/e.h5" --ntasks-per-node 2 --time 5 --launcher srun 2>>"$1/submit.err" |
        sed -n 1p
}

for how in TERM USR1; do
    mkdir -p "$how"
    export EX_SLEEP=1
    job=$(submit "$how")
    [ -n "$job" ] || fail "$how: submit: $(cat "$how/submit.err")"
    check "$how: job runs" wait_running "$job" 60
    n=$(wait_done "$how/e.h5" 6)
    check "$how: 6 tasks done before the signal ($n)" test "$n" -ge 6
    if [ "$how" = TERM ]; then
        check "TERM: scancel" scancel "$job"
        check "TERM: job gone" wait_job "$job" 60
        check "TERM: cancelled" test "$(job_field "$job" JobState)" = CANCELLED
    else
        check "USR1: scancel --signal=USR1" scancel --signal=USR1 "$job"
        check "USR1: job ends" wait_job "$job" 120
        check "USR1: hsweep stopped on request (exit 3)" test "$(job_field "$job" ExitCode)" = 3:0
        check "USR1: the log says so" grep -q "stopped on request" "$how/e-$job.out"
    fi
    c=$(counts "$how/e.h5")
    echo "$how: after the signal ok/pending/crashed = $c"
    # shellcheck disable=SC2086
    set -- $c
    check "$how: tasks remain, none crashed ($c)" test "$2" -gt 0 -a "$3" = 0
    resume_check before "$how/e.h5" e >"$how/before.txt" || fail "$how: file unreadable after the signal"
    export EX_SLEEP=0.2
    job=$(submit "$how")
    [ -n "$job" ] || fail "$how: resubmit: $(cat "$how/submit.err")"
    check "$how: resubmitted job ends" wait_job "$job" 120
    check "$how: resubmitted job completed" test "$(job_field "$job" JobState)" = COMPLETED
    check "$how: equal to the uninterrupted run" h5same ref.h5 "$how/e.h5"
    check "$how: every task ok once, done ones kept" resume_check after "$how/e.h5" e 30 "$how/before.txt"
done
finish
