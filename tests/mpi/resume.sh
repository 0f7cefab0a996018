# hs-labels: mpi
# A run killed part-way (kill -9 of the whole job) leaves a file that opens;
# --resume runs only the missing rows and the result equals an uninterrupted run.
. "$(dirname "$0")/lib.bash"
cat > "$WORK/slow.cfg" <<'CFG'
output = "slow.h5";
sweeps = ( { name = "s"; kernel = "sleep";
             fixed = { seconds = 0.04; };
             matrix = { x = { from = 0.0; to = 1.0; num = 120; }; }; } );
CFG
cd "$WORK" || exit 1
check "reference run" "$HSWEEP" run slow.cfg -o ref.h5 --quiet
setsid "$MPIEXEC" -n 3 --oversubscribe "$HSWEEP" run slow.cfg -o part.h5 --quiet &
pid=$!
# wait until some rows are done, then kill every process of the job
for _ in $(seq 1 200); do
    sleep 0.1
    done_rows=$("$HSWEEP" status part.h5 2>/dev/null | sed -n 's/.* \([0-9]*\) done.*/\1/p')
    [ "${done_rows:-0}" -ge 10 ] && break
done
kill_job "$pid" "hsweep run slow.cfg -o part.h5"
check "status reads the interrupted file" "$HSWEEP" status part.h5
"$PYTHON3" - <<'PY' > before.txt || fail "interrupted file unreadable"
import h5py
t = h5py.File("part.h5", "r")["s/tasks"][:]
done = [int(i) for i in t["task_id"][t["status"] != 0]]
assert 0 < len(done) < len(t), len(done)
print(" ".join(str(i) for i in done))
for i in done:
    print(i, repr(float(t["started_unix"][i])))
PY
check "resume" mpirun_n 3 "$HSWEEP" run slow.cfg -o part.h5 --resume --quiet
check "resumed equals uninterrupted" h5same ref.h5 part.h5
check "only missing rows recomputed" "$PYTHON3" - <<'PY'
import h5py
t = h5py.File("part.h5", "r")["s/tasks"][:]
lines = open("before.txt").read().split("\n")
done = [int(i) for i in lines[0].split()]
for line in lines[1:]:
    if line:
        i, started = line.split()
        assert repr(float(t["started_unix"][int(i)])) == started, i
assert (t["status"] == 1).all() and (t["attempts"] == 1).all()
print(len(done), "rows kept,", len(t) - len(done), "recomputed")
PY
# a finished file: resume has nothing to do and changes nothing
check "resume of a complete file" "$HSWEEP" run slow.cfg -o part.h5 --resume --quiet
check "still identical" h5same ref.h5 part.h5
finish
