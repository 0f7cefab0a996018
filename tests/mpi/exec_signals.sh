# hs-labels: mpi fault
# Slurm signals every process of a job (scancel: SIGTERM; --signal=USR1@S:
# SIGUSR1), the programs exec tasks started included.  Nothing is lost:
# SIGUSR1 is ignored by the programs, which run on through the grace period
# and are written; a program killed by SIGTERM leaves its task pending; the
# run exits 3 with no task crashed and --resume completes it, equal to an
# uninterrupted run.  A program that crashes on its own (SIGSEGV) is still
# crashed.  The task programs wait for a file, so which tasks are in flight
# when the signal comes is known, not timed.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py
cat > task.sh <<'SH'
touch "$2/started.$HSWEEP_TASK_ID"
while [ ! -e "$2/go" ]; do sleep 0.05; done
echo "{\"v\": $1}"
SH
cat > e.cfg <<EOF
sweeps = ( { name = "e"; kernel = "exec"; command = ["/bin/sh", "{sweep_dir}/task.sh", "{x}", "$WORK"];
             metrics = ["v"]; matrix = { x = [1, 2, 3, 4, 5, 6, 7, 8]; }; } );
EOF
cat > seg.cfg <<'EOF'
sweeps = ( { name = "seg"; kernel = "exec"; command = ["/bin/sh", "-c", "kill -SEGV $$"];
             metrics = ["v"]; matrix = { x = [1, 2]; }; } );
EOF
touch go
check "reference" mpirun_n 3 "$HSWEEP" run e.cfg -o ref.h5 --quiet
rm -f go started.*

# SIGUSR1 to every process of the job, mpiexec included: the 2 running
# programs ignore it and finish once released, nothing else starts.
setsid "$MPIEXEC" -n 3 --oversubscribe "$HSWEEP" run e.cfg -o u.h5 --quiet --grace 60 2> u.log &
pid=$!
wait_started 2 || fail "USR1: the tasks did not start"
# shellcheck disable=SC2046
kill -USR1 "$pid" $(descendants "$pid") 2>/dev/null
touch go
wait "$pid"; rc=$?
[ "$rc" = 3 ] && pass || fail "USR1: exit $rc, wanted 3: $(tail -3 u.log)"
[ "$(counts u.h5)" = "2 6 0" ] && pass || fail "USR1: ok/pending/crashed = $(counts u.h5), wanted 2 6 0"
check "resume after USR1" mpirun_n 3 "$HSWEEP" run e.cfg -o u.h5 --resume --quiet
check "USR1 then resume equals the reference" h5same ref.h5 u.h5

# SIGTERM to every process of the job but mpiexec (whose own SIGTERM
# handling kills the job): the 2 running programs die of it, their tasks
# stay pending.
rm -f go started.*
setsid "$MPIEXEC" -n 3 --oversubscribe "$HSWEEP" run e.cfg -o t.h5 --quiet --grace 60 2> t.log &
pid=$!
wait_started 2 || fail "TERM: the tasks did not start"
# shellcheck disable=SC2046
kill -TERM $(descendants "$pid") 2>/dev/null
wait "$pid"; rc=$?
[ "$rc" = 3 ] && pass || fail "TERM: exit $rc, wanted 3: $(tail -3 t.log)"
grep -q "stopped on request with 8 task(s) not run" t.log && pass || fail "TERM: $(tail -3 t.log)"
[ "$(counts t.h5)" = "0 8 0" ] && pass || fail "TERM: ok/pending/crashed = $(counts t.h5), wanted 0 8 0"
touch go
check "resume after TERM" mpirun_n 3 "$HSWEEP" run e.cfg -o t.h5 --resume --quiet
check "TERM then resume equals the reference" h5same ref.h5 t.h5
[ "$(counts t.h5)" = "8 0 0" ] && pass || fail "TERM: after resume $(counts t.h5)"

# A program that kills itself with SIGSEGV crashed, stop or no stop.
expect_fail 4 "2 task(s) ended failed, timeout or crashed" "$HSWEEP" run seg.cfg -o seg.h5 --quiet --overwrite
check "SIGSEGV is crashed" "$PYTHON3" -c "
import h5py; t = h5py.File('seg.h5', 'r')['seg/tasks'][:]
assert (t['status'] == 6).all(), t['status']
assert all(b'signal 11' in d for d in t['detail']), t['detail']"
finish
