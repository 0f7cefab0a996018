# hs-labels: slurm
# hsweep submit on a real single-node Slurm cluster: option checks, the srun
# and mpirun jobs and a dependent collate job finish the sweep, and hostile
# file names (shell code in the sweep file's name, directory and output path)
# reach Slurm and the job as plain strings: nothing they spell is executed.
. "$(dirname "$0")/slurm_lib.bash"

cat > small.cfg <<'CFG'
sweeps = ( { name = "echo"; kernel = "noop";
             matrix = { x = [0.5, 1.0, 2.0]; k = [1, 2]; }; seeds = [1, 2]; } );
CFG
# Options are checked before anything is written or submitted (exit 2).
expect_fail 2 "--nodes needs a whole number" "$HSWEEP" submit small.cfg --nodes 0
expect_fail 2 "--ntasks-per-node needs a whole number" "$HSWEEP" submit small.cfg --ntasks-per-node 2x
expect_fail 2 "bad time limit 'soon'" "$HSWEEP" submit small.cfg --time soon
expect_fail 2 "--partition takes a Slurm name" "$HSWEEP" submit small.cfg --partition 'a;b'
expect_fail 2 "--account takes a Slurm name" "$HSWEEP" submit small.cfg --account 'x y'
expect_fail 2 "--launcher is srun or mpirun" "$HSWEEP" submit small.cfg --launcher ssh
expect_fail 2 "does not fit in --time 1" "$HSWEEP" submit small.cfg --time 1 --signal-offset 90
expect_fail 2 "does not set HS_LAUNCHER" "$HSWEEP" submit small.cfg --template srun --launcher mpirun
expect_fail 2 "no template 'nope'" "$HSWEEP" submit small.cfg --template nope
expect_fail 2 "unknown option '--nodez'" "$HSWEEP" submit small.cfg --nodez 1
expect_fail 2 "needs a sweep file" "$HSWEEP" submit --dry-run
check "nothing written by failed submits" test -z "$(ls -d results 2>/dev/null)"

# --dry-run prints the script and submits nothing.
"$HSWEEP" submit small.cfg --dry-run --time 1:30:00 --nodes 1 --ntasks-per-node 2 --partition debug \
    >dry.sbatch 2>dry.err
check "dry run: time" grep -qx '#SBATCH --time="01:30:00"' dry.sbatch
check "dry run: signal from the cost" grep -qx '#SBATCH --signal="B:USR1@60"' dry.sbatch
check "dry run: partition added" grep -qx '#SBATCH --partition="debug"' dry.sbatch
check "dry run: estimate" grep -q "node-hours" dry.err
check "dry run: bash accepts it" bash -n dry.sbatch
check "dry run submits nothing" test -z "$(squeue -h -o %i)"

# The plain srun and mpirun jobs, and the requeue job with a collate job after it.
for t in srun mpirun; do
    id=$("$HSWEEP" submit small.cfg -o "$t/small.h5" --template "$t" --ntasks-per-node 2 --time 5) ||
        fail "submit --template $t"
    check "$t job finishes" wait_job "$id" 120
    check "$t job completed" test "$(job_field "$id" JobState)" = COMPLETED
    check "$t results" "$HSWEEP" status "$t/small.h5"
done
"$HSWEEP" submit small.cfg -o req/small.h5 --ntasks-per-node 2 --time 5 --launcher mpirun \
    --collate "--metric xk --rows x --cols k" >ids 2>submit.err || fail "submit --collate: $(cat submit.err)"
check "two job ids" test "$(wc -l <ids)" = 2
check "collate job finishes" wait_job "$(sed -n 2p ids)" 120
check "collate job started after the sweep ended" \
    test ! "$(job_field "$(sed -n 2p ids)" StartTime)" \< "$(job_field "$(sed -n 1p ids)" EndTime)"
check "collate job completed" test "$(job_field "$(sed -n 2p ids)" JobState)" = COMPLETED
check "collate table in its log" grep -q "| x" req/small-collate-"$(sed -n 2p ids)".out

# A sweep whose tasks all ran but two failed: the sweep job exits 4 (Slurm
# marks it FAILED) and its collate job still runs and tabulates the failures.
cat > fails.cfg <<'CFG'
sweeps = ( { name = "f"; kernel = "fail"; fixed = { message = "on purpose"; };
             matrix = { fail = [true, false]; x = [1.0, 2.0]; }; } );
CFG
"$HSWEEP" submit fails.cfg -o fails/f.h5 --ntasks-per-node 2 --time 5 --launcher mpirun \
    --collate "--metric x_echo --rows fail" >ids 2>submit.err || fail "submit --collate of fails.cfg: $(cat submit.err)"
job=$(sed -n 1p ids) cjob=$(sed -n 2p ids)
check "failing sweep: collate job finishes" wait_job "$cjob" 120
check "failing sweep: sweep job exited 4" test "$(job_field "$job" ExitCode)" = 4:0
check "failing sweep: collate job started after the sweep ended" \
    test ! "$(job_field "$cjob" StartTime)" \< "$(job_field "$job" EndTime)"
check "failing sweep: collate job completed" test "$(job_field "$cjob" JobState)" = COMPLETED
clog=fails/f-collate-$cjob.out
check "failing sweep: status in the collate log" grep -q "sweep f (kernel fail): 4 tasks, 4 done, 0 remaining" "$clog"
check "failing sweep: failed rows in the table" grep -qF "| true | – (2/2 n/a) |" "$clog"
check "failing sweep: ok rows in the table" grep -qF "| false | 1.5 |" "$clog"
check "failing sweep: the failures counted" grep -q "x_echo: 2 failed" "$clog"

"$PYTHON3" - <<'PY' || fail "results of the submitted jobs"
import h5py
for d in ("srun", "mpirun", "req"):
    t = h5py.File(f"{d}/small.h5", "r")["echo/tasks"][:]
    assert sorted(t["task_id"]) == list(range(12)), d
    assert (t["status"] == 1).all(), (d, t["status"])
PY

# Hostile names: the sweep file, its directory and the output path spell shell
# code; HOME points at a canary that `rm -rf ~` would delete.
mkdir -p home && touch home/canary
bad='d $(touch PWNED1) `touch PWNED2`'
mkdir -p "$bad"
cp small.cfg "$bad/x; rm -rf ~.cfg"
out="$bad/o'; touch PWNED3; echo '\"#%j.h5"
id=$(HOME="$WORK/home" "$HSWEEP" submit "$bad/x; rm -rf ~.cfg" -o "$out" --ntasks-per-node 2 --time 5 \
    --launcher mpirun --collate '$(touch PWNED4) ; touch PWNED5') || fail "submit hostile names"
check "hostile names: jobs finish" wait_job "$(echo "$id" | tail -n1)" 120
check "hostile names: sweep completed" test "$(job_field "$(echo "$id" | head -n1)" JobState)" = COMPLETED
check "hostile names: results at the literal path" "$HSWEEP" status "$out"
check "hostile names: job name sanitised" test "$(job_field "$(echo "$id" | head -n1)" JobName)" = "hsweep-x__rm_-rf__"
check "hostile names: nothing executed" test -z "$(find "$WORK" / -maxdepth 1 -name 'PWNED*' | head -n1)"
check "hostile names: home intact" test -e home/canary
finish
