# hs-labels: mpi fault
# kill -9 of the whole job in the middle of a refinement, then --resume,
# several times: the resumed run replays the decisions from the rows the
# file holds, recomputes no finished row, and ends with a file bit-identical
# in its deterministic fields to an uninterrupted run.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
cat > k.cfg <<'CFG'
sweeps = ( { name = "r"; kernel = "step"; fixed = { sleep_ms = 15.0; };
             matrix = { loc = [0.3137, 0.71]; x = [0.0, 0.5, 1.0]; };
             seeds = [1, 2];
             expect = ( { metric = "y"; op = "<"; value = 0.5; } );
             refine = ( { rule = 1; axis = "x"; tol = 1e-6; points = 1; } ); } );
CFG
check "reference run" mpirun_n 3 "$HSWEEP" run k.cfg -o ref.h5 --quiet
RANDOM=11
kills=0 mid=0 iter=0
while [ "$mid" -lt 4 ] && [ "$iter" -lt 30 ]; do
    iter=$((iter + 1))
    if [ -e k.h5 ]; then resume=--resume; else resume=; fi
    setsid "$MPIEXEC" -n 3 --oversubscribe "$HSWEEP" run k.cfg -o k.h5 $resume --quiet &
    pid=$!
    sleep "$((RANDOM % 3)).$((RANDOM % 10))"
    if kill -0 "$pid" 2>/dev/null; then
        kill_job "$pid" "hsweep run k.cfg -o k.h5"
        kills=$((kills + 1))
    fi
    wait "$pid" 2>/dev/null
    [ -e k.h5 ] || continue
    state=$("$PYTHON3" - <<'PY'
import json, os, h5py
t = h5py.File("k.h5", "r")["r/tasks"][:]
t = t[t["origin"] >= 0]
done = {int(r["task_id"]): float(r["started_unix"]) for r in t if r["status"] != 0}
log = {int(k): v for k, v in json.load(open("done.json")).items()} if os.path.exists("done.json") else {}
for k, v in done.items():
    assert log.get(k, v) == v, f"task {k} recomputed after being complete"
    log[k] = v
json.dump(log, open("done.json", "w"))
ref = h5py.File("ref.h5", "r")["r/tasks"][:]
n_ref = int((ref["origin"] >= 0).sum())
rounds = int(t["origin"][t["status"] != 0].max()) if len(done) else 0
if len(done) == n_ref:
    os.remove("k.h5"); os.remove("done.json")   # finished: start over
    print("finished")
else:
    print("mid" if rounds >= 1 else "grid")
PY
) || { fail "file unreadable or a row recomputed after kill $kills"; break; }
    [ "$state" = mid ] && mid=$((mid + 1))
    echo "kill $kills: $state"
done
[ "$mid" -ge 4 ] && pass || fail "only $mid of $kills kills landed mid-refinement"
if [ -e k.h5 ]; then resume=--resume; else resume=; fi
check "final resume" mpirun_n 3 "$HSWEEP" run k.cfg -o k.h5 $resume --quiet
check "identical to the uninterrupted run" h5same ref.h5 k.h5
check "a resume of a finished file runs nothing and changes nothing" mpirun_n 2 "$HSWEEP" run k.cfg -o k.h5 --resume --quiet
check "still identical" h5same ref.h5 k.h5
finish
