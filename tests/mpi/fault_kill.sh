# hs-labels: mpi fault
# kill -9 of the whole job at random moments, each followed by --resume: the
# final file has every task exactly once, is bit-identical in its
# deterministic fields to an uninterrupted run, only in-flight tasks are
# recomputed, and the file always opens without h5clear.  Sweep r refines
# an axis (its kill points are covered in refine_kill.sh).
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
cat > k.cfg <<'CFG'
sweeps = ( { name = "k"; kernel = "sleep"; fixed = { seconds = 0.03; };
             matrix = { x = { from = 0.0; to = 1.0; num = 600; }; }; },
           { name = "t"; kernel = "noop"; matrix = { x = [1.0, 2.0, 3.0]; trace_len = [10, 100]; }; },
           { name = "r"; kernel = "step"; fixed = { sleep_ms = 10.0; loc = 0.3137; };
             matrix = { x = [0.0, 0.5, 1.0]; };
             expect = ( { metric = "y"; op = "<"; value = 0.5; } );
             refine = ( { rule = 1; axis = "x"; tol = 1e-5; points = 1; } ); } );
CFG
check "reference run" "$HSWEEP" run k.cfg -o ref.h5 --quiet --isolation none
RANDOM=7   # reproducible kill points
kills=0
iter=0
while [ "$kills" -lt 12 ] && [ "$iter" -lt 60 ]; do
    iter=$((iter + 1))
    if [ -e k.h5 ]; then resume=--resume; else resume=; fi
    setsid "$MPIEXEC" -n 3 --oversubscribe "$HSWEEP" run k.cfg -o k.h5 $resume --quiet &
    pid=$!
    sleep "$(printf '%d.%02d' $((RANDOM % 2)) $((RANDOM % 100)))"
    if kill -0 "$pid" 2>/dev/null; then
        kill_job "$pid" "hsweep run k.cfg -o k.h5"
        kills=$((kills + 1))
    fi
    wait "$pid" 2>/dev/null
    if [ -e k.h5 ]; then
        "$PYTHON3" - "$kills" <<'PY' || fail "file unreadable after kill $kills"
import json, sys, h5py, os
t = h5py.File("k.h5", "r")["k/tasks"][:]
done = {int(r["task_id"]): float(r["started_unix"]) for r in t if r["status"] != 0}
log = {int(k): v for k, v in json.load(open("done.json")).items()} if os.path.exists("done.json") else {}
for k, v in done.items():
    if k in log:
        assert log[k] == v, f"task {k} recomputed after being complete"
    log[k] = v
json.dump(log, open("done.json", "w"))
print(f"after kill {sys.argv[1]}: {len(done)}/{len(t)} done")
if len(done) == len(t) and int(sys.argv[1]) < 12:
    # finished before enough kills: start over so that every kill lands mid-run
    # (after the last kill the finished file stays: the final resume runs nothing)
    os.remove("k.h5"); os.remove("done.json")
PY
    fi
done
echo "kill points survived: $kills"
[ "$kills" -ge 10 ] && pass || fail "only $kills kills landed in $iter runs"
if [ -e k.h5 ]; then resume=--resume; else resume=; fi
check "final resume" mpirun_n 3 "$HSWEEP" run k.cfg -o k.h5 $resume --quiet
check "identical to the uninterrupted run" h5same ref.h5 k.h5
check "every task exactly once, earlier rows untouched" "$PYTHON3" - <<'PY'
import json, h5py, os
t = h5py.File("k.h5", "r")["k/tasks"][:]
assert (t["status"] == 1).all() and (t["attempts"] == 1).all()
# The last kill can land after the run wrote its last row: the loop then
# started over (no file, no log) and the final run computed everything.
log = {int(k): v for k, v in json.load(open("done.json")).items()} if os.path.exists("done.json") else {}
for k, v in log.items():
    assert float(t["started_unix"][k]) == v, k
print(f"{len(log)} rows kept across kills, {len(t) - len(log)} computed by the final resume")
PY
finish
