# hs-labels: mpi
# protocol = "jsonl" (warm workers) keeps per-task logs as per-task commands
# do: <results>.logs/<sweep>/<task_id>.out and .err hold exactly what the
# program wrote while it had that task (tasks served one after another by
# one program do not mix), the answer line included; what it wrote to
# stderr while it had no task is in the next task's .err; the logs of a
# task that crashed (SIGSEGV) and of one killed at its deadline are
# complete; --no-logs writes none.  The task line's "seed32" equals the
# {seed32} a per-task command gets for the same task (and seed XOR seed>>32
# in 32 bits).  The provenance attributes are written for jsonl sweeps.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py

# One task per line.  Line i of the task's non-answer stdout is
# "out <tid> <i>", of its stderr "err <tid> <i>": a test can regenerate them.
cat > prog.py <<'PY'
import json, os, signal, sys, time
served = 0
for line in sys.stdin:
    task = json.loads(line)
    served += 1
    tid, p = task["task_id"], task["params"]
    for i in range(p["lines"]):
        sys.stdout.write("out %d %d\n" % (tid, i))
        sys.stderr.write("err %d %d\n" % (tid, i))
    sys.stdout.flush()
    sys.stderr.flush()
    if p["mode"] == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if p["mode"] == "hang":
        open("written.%d" % tid, "w").close()  # all its lines are out: the log must hold them
        time.sleep(120)
    sys.stdout.write(json.dumps({"task_id": tid, "s32": task["seed32"], "n": served}) + "\n")
    sys.stdout.flush()
    if p["mode"] == "idle":  # stderr after the answer, before the next task's line is read
        time.sleep(0.5)
        sys.stderr.write("idle after %d\n" % tid)
        sys.stderr.flush()
PY
cat > pt.py <<'PY'
import json, sys
print(json.dumps({"s32": int(sys.argv[1]), "n": 1}))
PY
modes="ok ok idle ok segv ok hang ok"
cases="" i=0
for m in $modes; do
    cases="$cases { mode = \"$m\"; lines = $((1000 + 1000 * i)); },"
    i=$((i + 1))
done
for proto in jsonl per-task; do
    if [ $proto = jsonl ]; then prog="\"{sweep_dir}/prog.py\""; else prog="\"{sweep_dir}/pt.py\", \"{seed32}\""; fi
    cat > $proto.cfg <<CFG
sweeps = ( { name = "w"; kernel = "exec"; protocol = "$proto"; command = ["$PYTHON3", $prog];
             metrics = ["s32", "n"]; timeout_s = 5.0; retries = 0;
             cases = ( ${cases%,} ); } );
CFG
done
# One worker: the tasks run in task-id order (tasks fail by design: exit 4).
expect_fail 4 "task(s) ended failed, timeout or crashed" mpirun_n 2 "$HSWEEP" run jsonl.cfg -o b.h5 --quiet
check "per-task {seed32}" mpirun_n 3 "$HSWEEP" run per-task.cfg -o a.h5 --quiet --no-logs
expect_fail 4 "task(s) ended failed, timeout or crashed" mpirun_n 2 "$HSWEEP" run jsonl.cfg -o c.h5 --quiet --no-logs
check "--no-logs: no log directory" test ! -e c.logs
check "logs, seed32, provenance" "$PYTHON3" - "$WORK" "$modes" "$PYTHON3" <<'PY'
import json, os, sys
import h5py
work, modes, py = sys.argv[1], sys.argv[2].split(), sys.argv[3]
f = h5py.File("b.h5", "r")
b = f["w/tasks"][:]
a = h5py.File("a.h5", "r")["w/tasks"][:]
c = h5py.File("c.h5", "r")["w/tasks"][:]
for t in (a, b, c):
    t.sort(order="task_id")
assert len(b) == len(modes) and [m.decode() for m in b["mode"]] == modes, b["mode"]
# seed32: the same as the per-task command's {seed32}, and the closed form
for i in range(len(b)):
    m = b["mode"][i].decode()
    st = {"segv": 6, "hang": 5}.get(m, 1)
    assert int(b["status"][i]) == st and int(c["status"][i]) == st, (i, m, b[i], c[i])
    assert int(a["status"][i]) == 1 and int(a["task_id"][i]) == int(b["task_id"][i]), (a[i], b[i])
    seed = int(b["rng_seed"][i]) & (2**64 - 1)
    if st == 1:
        assert b["s32"][i] == a["s32"][i] == c["s32"][i] == (seed ^ (seed >> 32)) & 0xFFFFFFFF, (b[i], a[i])
# the same program served the first tasks: their logs must not mix
assert list(b["n"][:2]) == [1, 2], b["n"]
logs = os.path.join(work, "b.logs", "w")
assert sorted(os.listdir(logs)) == sorted("%d.%s" % (int(t), s) for t in b["task_id"] for s in ("out", "err")), os.listdir(logs)
idle_before = {int(b["task_id"][i]) + 1 for i in range(len(b)) if b["mode"][i] == b"idle"}
for i in range(len(b)):
    tid, m, k = int(b["task_id"][i]), b["mode"][i].decode(), int(b["lines"][i])
    out = open(os.path.join(logs, "%d.out" % tid)).read().splitlines(True)
    err = open(os.path.join(logs, "%d.err" % tid)).read()
    want_err = ("idle after %d\n" % (tid - 1) if tid in idle_before else "") + \
        "".join("err %d %d\n" % (tid, j) for j in range(k))
    assert err == want_err, (tid, m, err[:200], len(err), len(want_err))
    noise = "".join("out %d %d\n" % (tid, j) for j in range(k))
    assert "".join(out[:k]) == noise, (tid, m)
    if m == "hang":
        assert os.path.exists("written.%d" % tid), "the hanging task did not write all its lines in time"
    if m in ("segv", "hang"):
        assert len(out) == k, (tid, m, out[k:])  # no answer, all the lines
    else:
        assert len(out) == k + 1, (tid, m, out[k:])
        ans = json.loads(out[k])
        assert ans["task_id"] == tid and ans["s32"] == b["s32"][i] and ans["n"] == b["n"][i], (tid, ans)
# provenance, as for per-task exec sweeps
g = f["w"].attrs
assert os.path.realpath(g["exec_logs"]) == os.path.realpath(os.path.join(work, "b.logs")), g["exec_logs"]
assert list(g["exec_files"]) == ["prog.py"], list(g["exec_files"])
import hashlib
assert list(g["exec_files_sha256"]) == [hashlib.sha256(open("prog.py", "rb").read()).hexdigest()]
assert g["exec_interpreter"] == os.path.realpath(py), g["exec_interpreter"]
PY
# status shows the crashed task's logs.
st=$("$HSWEEP" status b.h5 2>&1)
check "status names the crashed task's logs" grep -qE "logs: .*/b\.logs/w/4\.out \([0-9]+ bytes\), 4\.err" <<<"$st"
finish
