# hs-labels: mpi fault
# Graceful stop: SIGUSR1 (what Slurm sends before a time limit) or SIGTERM
# stops dispatching, lets running tasks finish, closes the file, says how to
# resume and exits 3; resume then completes it.  A worker rank killed from
# outside ends the job (Open MPI aborts it) without a hang, and the file is
# intact and resumable.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
cat > s.cfg <<'CFG'
sweeps = ( { name = "s"; kernel = "sleep"; fixed = { seconds = 0.05; };
             matrix = { x = { from = 0.0; to = 1.0; num = 160; }; }; } );
CFG
check "reference" "$HSWEEP" run s.cfg -o ref.h5 --quiet --isolation none
wait_rows() { # wait until FILE has at least N rows done
    for _ in $(seq 1 300); do
        n=$("$HSWEEP" status "$1" 2>/dev/null | sed -n 's/.* \([0-9]*\) done.*/\1/p')
        [ "${n:-0}" -ge "$2" ] && return 0
        sleep 0.1
    done
    return 1
}
# SIGUSR1 to mpiexec (forwarded to every rank)
"$MPIEXEC" -n 3 --oversubscribe "$HSWEEP" run s.cfg -o u.h5 2> u.log &
pid=$!
wait_rows u.h5 10 || fail "no progress"
kill -USR1 "$pid"
wait "$pid"; rc=$?
[ "$rc" = 3 ] && pass || fail "SIGUSR1: exit $rc, wanted 3"
grep -q "Resume with: hsweep run --resume s.cfg -o u.h5" u.log && pass || fail "no resume hint: $(tail -3 u.log)"
check "USR1: rows not ok = 0" "$PYTHON3" -c "
import h5py; t = h5py.File('u.h5', 'r')['s/tasks'][:]
assert ((t['status'] == 0) | (t['status'] == 1)).all(), set(t['status'])
assert (t['status'] == 0).any()"
check "resume after USR1" mpirun_n 3 "$HSWEEP" run s.cfg -o u.h5 --resume --quiet
check "equals reference" h5same ref.h5 u.h5
# SIGTERM to the coordinator alone: it tells the workers
"$MPIEXEC" -n 3 --oversubscribe "$HSWEEP" run s.cfg -o t.h5 2> t.log &
pid=$!
wait_rows t.h5 10 || fail "no progress"
coord=$(rank_pid "hsweep run s.cfg -o t.h5" 0) || fail "no rank 0 found"
kill -TERM "$coord"
wait "$pid"
grep -q "stopped on request with [0-9]* task(s) not run" t.log && pass || fail "SIGTERM: $(tail -3 t.log)"
check "resume after SIGTERM" mpirun_n 3 "$HSWEEP" run s.cfg -o t.h5 --resume --quiet
check "equals reference" h5same ref.h5 t.h5
# a worker killed from outside: the job ends (bounded), the file resumes
timeout 120 "$MPIEXEC" -n 3 --oversubscribe "$HSWEEP" run s.cfg -o w.h5 --quiet 2> w.log &
pid=$!
wait_rows w.h5 10 || fail "no progress"
victim=$(rank_pid "hsweep run s.cfg -o w.h5" 2) || fail "no rank 2 found"
kill -9 "$victim"
wait "$pid"; rc=$?
[ "$rc" != 0 ] && pass || fail "a job that lost a rank reported success"
# it ended by itself (Open MPI aborts the job), not by the safety timeout (124)
[ "$rc" != 124 ] && pass || fail "the job hung after losing a rank (exit $rc)"
check "status after a lost worker" "$HSWEEP" status w.h5
check "resume after a lost worker" mpirun_n 3 "$HSWEEP" run s.cfg -o w.h5 --resume --quiet
check "equals reference" h5same ref.h5 w.h5
finish
