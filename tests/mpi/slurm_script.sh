# hs-labels: mpi
# The job scripts of hsweep submit, without a Slurm cluster: a fake sbatch
# records how it is called; the rendered requeue script, run by bash with
# mpirun, passes SIGUSR1 on to hsweep, which stops cleanly (exit 3), asks to be
# requeued (a fake scontrol records it) and resumes on the next run; file names
# that spell shell code are only ever file names.  tests/mpi/slurm_*.sh with
# label slurm do the same on a real cluster.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
mkdir -p bin home
touch home/canary
cat > bin/sbatch <<'SH'
#!/bin/bash
printf '%s\n' "$#" "$@" >>"$FAKE_LOG"
echo "4242;fakecluster"
SH
cat > bin/scontrol <<'SH'
#!/bin/bash
printf '%s\n' "$*" >>"$FAKE_LOG"
SH
chmod +x bin/sbatch bin/scontrol
export FAKE_LOG="$WORK/fake.log"

bad='d $(touch PWNED1) `touch PWNED2`'
mkdir -p "$bad"
cat > "$bad/x; rm -rf ~.cfg" <<'CFG'
sweeps = ( { name = "s"; kernel = "sleep"; fixed = { seconds = 0.2; };
             matrix = { x = { from = 1.0; to = 40.0; num = 40; }; }; } );
CFG
sweep="$WORK/$bad/x; rm -rf ~.cfg"
out="$WORK/$bad/o'; touch PWNED3; echo '\"#%j.h5"

# The settings block reads back, in bash, as exactly the strings given.
HOME="$WORK/home" "$HSWEEP" submit "$bad/x; rm -rf ~.cfg" -o "$out" --dry-run --time 10 --launcher mpirun \
    >dry.sbatch 2>/dev/null || fail "dry run"
check "dry run parses" bash -n dry.sbatch
sed -n '/^# >>> hsweep settings/,/^# <<< hsweep settings/p' dry.sbatch >settings.sh
# shellcheck disable=SC1091
got=$(. ./settings.sh && printf '%s\n' "$HS_SWEEP" "$HS_OUTPUT" "$HS_LAUNCHER")
check "settings read back" test "$got" = "$(printf '%s\n' "$sweep" "$out" mpirun)"
check "log path: quotes escaped, % doubled" \
    grep -qxF "#SBATCH --output=\"$WORK/d \$(touch PWNED1) \`touch PWNED2\`/o'; touch PWNED3; echo '\\\"#%%j-%j.out\"" dry.sbatch

# Submit through the fake sbatch: argv as expected, job ids on stdout.
ids=$(HOME="$WORK/home" HSWEEP_SBATCH="$WORK/bin/sbatch" "$HSWEEP" submit "$bad/x; rm -rf ~.cfg" -o "$out" \
    --time 10 --launcher mpirun --collate "--metric slept_s" 2>/dev/null) || fail "submit with fake sbatch"
check "job ids printed" test "$ids" = "$(printf '4242\n4242')"
stem="$WORK/$bad/o'; touch PWNED3; echo '\"#%j"
expected=$(printf '%s\n' 2 --parsable "$stem.sbatch" 3 --parsable --dependency=afterany:4242 \
    "$stem.collate.sbatch")
check "sbatch argv" test "$(cat "$FAKE_LOG")" = "$expected"
: >"$FAKE_LOG"

# Run the written script as Slurm would; SIGUSR1 (Slurm's warning) mid-run.
export SLURM_JOB_ID=4242 PATH="$WORK/bin:$PATH"
HOME="$WORK/home" bash "$stem.sbatch" >run1.log 2>&1 &
pid=$!
for _ in $(seq 300); do
    n=$("$HSWEEP" status "$out" 2>/dev/null | sed -n 's/.* \([0-9]*\) done.*/\1/p')
    [ "${n:-0}" -ge 4 ] && break
    sleep 0.1
done
kill -USR1 "$pid"
wait "$pid"
check "run 1 stopped by the signal (exit 3)" test $? = 3
check "run 1 asked for a requeue" test "$(cat "$FAKE_LOG")" = "requeue 4242"
check "run 1 log" grep -q "time limit near, requeueing" run1.log
# The collate script refuses the unfinished file: no table, exit 3, says why.
HOME="$WORK/home" bash "$stem.collate.sbatch" >collate1.log 2>&1
check "collate of an unfinished file exits 3" test $? = 3
check "collate of an unfinished file says why" grep -q "is not complete (.* task(s) remain" collate1.log
check "collate of an unfinished file prints no table" test -z "$(grep -F "| " collate1.log)"
SLURM_RESTART_COUNT=1 HOME="$WORK/home" bash "$stem.sbatch" >run2.log 2>&1
check "run 2 finished (exit 0)" test $? = 0
check "run 2 resumed" grep -q "to run" run2.log
check "run 2 did not requeue" test "$(cat "$FAKE_LOG")" = "requeue 4242"
check "every task once" "$PYTHON3" - "$out" <<'PY'
import sys, h5py
t = h5py.File(sys.argv[1], "r")["s/tasks"][:]
assert sorted(t["task_id"]) == list(range(40))
assert (t["status"] == 1).all(), t["status"]
assert (t["attempts"] == 1).all(), t["attempts"]
PY
# The collate script, too.
HOME="$WORK/home" bash "$stem.collate.sbatch" >collate.log 2>&1
check "collate script ran" grep -q "slept_s" collate.log
check "nothing executed" test -z "$(find "$WORK" / -maxdepth 2 -name 'PWNED*' 2>/dev/null | head -n1)"
check "home intact" test -e home/canary
finish
