# hs-labels: mpi fault
# protocol = "jsonl" (warm workers): one shell program, the same file for
# both protocols, answers every way a task program can go wrong, and each
# task gets the status (and the detail up to its first ';') that the same
# program gave it run once per task: an answer after noise, two answers at
# once (the last counts), malformed JSON, exit 3, SIGSEGV, a hang past
# timeout_s, a memory limit, an answer whose late duplicate arrives while
# the next task runs.  A program that never answers is killed at the
# deadline.  The program counts the tasks it served: a task right after a
# failure runs in a fresh program (count 1); others mostly in the program
# that answered the one before (count + 1; after a replacement the task
# process, which reaped a program, is itself replaced, and with it the new
# program).  The Python and shell clients in examples/ answer the
# same under both protocols.  The Python client under os._exit, SIGSEGV
# (ctypes), an exception and a print: each task as alone, and after a
# failure a fresh program.  Sweep-file errors name file, line and key.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py

cat > prog.sh <<'SH'
#!/bin/sh
# One task: its JSON object in $1.  Values are read with sed: hsweep writes
# the task line without spaces.
n=0
task() {
    n=$((n + 1))
    mode=$(printf '%s\n' "$1" | sed -n 's/.*"mode":"\([a-z]*\)".*/\1/p')
    x=$(printf '%s\n' "$1" | sed -n 's/.*"x":\([-0-9.e]*\).*/\1/p')
    id=$(printf '%s\n' "$1" | sed -n 's/.*"task_id":\([0-9]*\).*/\1/p')
    case $mode in
    ok) echo "{\"v\": $x, \"n\": $n}" ;;
    noise) echo "epoch 1"; echo "] not json"; echo "{\"v\": $x, \"n\": $n}" ;;
    garbage) echo "{this is not json" ;;
    twice) printf '{"v": -1, "n": %s}\n{"v": %s, "n": %s}\n' "$n" "$x" "$n" ;;
    late) echo "{\"task_id\": $id, \"v\": $x, \"n\": $n}"; sleep 1; echo "{\"task_id\": $id, \"v\": -1, \"n\": $n}" ;;
    exit) echo "giving up on $x" >&2; exit 3 ;;
    segv) kill -SEGV $$ ;;
    hang) echo "hanging" >&2; sleep 30 ;;
    mem) /usr/bin/python3 -c 'bytearray(1 << 31)' || exit $? ;;
    silent) [ "$HSWEEP_PROTOCOL" = jsonl ] || sleep 30 ;;
    esac
}
if [ "$HSWEEP_PROTOCOL" = jsonl ]; then
    while IFS= read -r line; do task "$line"; done
else
    task "$HSWEEP_TASK"
fi
SH
cat > pyprog.py <<PY
import ctypes, os, sys
sys.path.insert(0, "$HS_SRC/analysis")
import hsweep_worker
served = 0

@hsweep_worker.task
def run(mode, x):
    global served
    served += 1
    if mode == "exit":
        os._exit(3)
    if mode == "segv":
        ctypes.string_at(0)
    if mode == "raise":
        raise ValueError("bad x %g" % x)
    if mode == "print":
        print('{"v": -1}')  # the helper sends prints to stderr
    return {"v": x, "n": served}
PY
pymodes="ok ok exit ok segv ok raise ok print ok"
modes="ok ok noise ok garbage ok twice ok exit ok segv ok hang ok mem ok late ok ok silent ok"
# cases MODE...: one case per mode, x = 1.5, 2.5, ...
cases() {
    local i=0 m out=""
    for m in "$@"; do
        i=$((i + 1))
        out="$out { mode = \"$m\"; x = $i.5; },"
    done
    echo "${out%,}"
}
# shellcheck disable=SC2086
cases=$(cases $modes) pycases=$(cases $pymodes)
for proto in per-task jsonl; do
    cat > $proto.cfg <<CFG
sweeps = ( { name = "w"; kernel = "exec"; protocol = "$proto"; command = ["/bin/sh", "{sweep_dir}/prog.sh"];
             metrics = ["v", "n"]; timeout_s = 2.0; mem_limit_mb = 300; retries = 0;
             cases = ( $cases ); },
           { name = "p"; kernel = "exec"; protocol = "$proto"; command = ["/usr/bin/python3", "{sweep_dir}/pyprog.py"];
             metrics = ["v", "n"]; timeout_s = 20.0; retries = 0; cases = ( $pycases ); } );
CFG
done
# One worker: the tasks run in task-id order, one program after another
# (tasks fail by design: exit 4).
expect_fail 4 "task(s) ended failed, timeout or crashed" mpirun_n 2 "$HSWEEP" run per-task.cfg -o a.h5 --quiet
expect_fail 4 "task(s) ended failed, timeout or crashed" mpirun_n 2 "$HSWEEP" run jsonl.cfg -o b.h5 --quiet
check "each task as alone, programs replaced after failures" "$PYTHON3" - a.h5 b.h5 "$modes" "$pymodes" <<'PY'
import h5py, math, re, sys
pa = h5py.File(sys.argv[1], "r")["p/tasks"][:]
pb = h5py.File(sys.argv[2], "r")["p/tasks"][:]
pa.sort(order="task_id")
pb.sort(order="task_id")
# the Python client: os._exit(3), SIGSEGV through ctypes, an exception, a print
pymodes = sys.argv[4].split()
pwant = {"exit": (4, "command exited with code 3"), "segv": (6, "command killed by signal 11"),
         "raise": (4, "command exited with code 1")}
for i, m in enumerate(pymodes):
    st, det = pwant.get(m, (1, ""))
    for t in (pa, pb):
        assert int(t["status"][i]) == st and t["detail"][i].decode().startswith(det), (m, t[i])
    assert pa["v"][i] == pb["v"][i] or (math.isnan(pa["v"][i]) and math.isnan(pb["v"][i])), (m, pa[i], pb[i])
    if st == 1:
        assert pb["v"][i] == i + 1.5, (m, pb[i])
        assert pb["n"][i] == 1 if i and pwant.get(pymodes[i - 1]) else pb["n"][i] >= 1, (m, pb["n"])
assert b"ValueError: bad x 7.5" in pb["detail"][pymodes.index("raise")], pb["detail"]
assert pb["n"][1] == 2, pb["n"]
a = h5py.File(sys.argv[1], "r")["w/tasks"][:]
b = h5py.File(sys.argv[2], "r")["w/tasks"][:]
modes = sys.argv[3].split()
a = a[a["task_id"].argsort()]
b = b[b["task_id"].argsort()]
assert [m.decode() for m in b["mode"]] == modes, b["mode"]
OK, bad = 1, []
want = {"garbage": 4, "exit": 4, "segv": 6, "hang": 5, "mem": 4, "silent": 5}
for i, m in enumerate(modes):
    da, db = a["detail"][i].decode(), b["detail"][i].decode()
    sa, sb = int(a["status"][i]), int(b["status"][i])
    good = sb == want.get(m, OK)
    if m == "silent":
        good = good and db.startswith("command killed at the deadline")
    else:
        secs = lambda d: re.sub(r"after [0-9.]+ s", "after T s", d.split(";")[0])
        good = good and sa == sb and secs(da) == secs(db)
    same_v = a["v"][i] == b["v"][i] or (math.isnan(a["v"][i]) and math.isnan(b["v"][i]))
    good = good and (m == "late" or same_v)
    if sb == OK:
        good = good and b["v"][i] == float(i + 1) + 0.5
    # the tasks the program served: 1 after a failure, else one more
    if sb == OK and i > 0:
        prev_failed = int(b["status"][i - 1]) != OK or modes[i - 1] == "late"
        good = good and b["n"][i] in ((1,) if prev_failed else (1, b["n"][i - 1] + 1))
    if not good:
        bad.append((i, m, sa, sb, da, db, a["v"][i], b["v"][i], b["n"][i]))
assert b"code 3; stderr: giving up on 9.5" in b["detail"][modes.index("exit")], b["detail"]
assert b"MemoryError" in b["detail"][modes.index("mem")], b["detail"]
assert b["n"][modes.index("noise")] == 3, b["n"]
assert (b["n"] >= 2).sum() >= 5, b["n"]
for x in bad:
    print("mismatch:", x)
sys.exit(1 if bad else 0)
PY

# The clients shipped in examples/ (Python helper and plain shell) answer
# the same task the same way under both protocols, and as each other, and
# pass on the task line's seed32.
for proto in per-task jsonl; do
    for lang in py sh; do
        if [ $lang = py ]; then
            prog="\"/usr/bin/python3\", \"$HS_SRC/examples/warm_task.py\""
        else
            prog="\"/bin/sh\", \"$HS_SRC/examples/warm_task.sh\""
        fi
        cat > "ex_${proto}_$lang.cfg" <<CFG
sweeps = ( { name = "q"; kernel = "exec"; protocol = "$proto"; command = [$prog];
             metrics = ["y", "s32"]; matrix = { a = [1, 2, 3]; b = [0.5, 0.25]; }; seeds = [7, 8]; } );
CFG
        check "example $lang $proto" mpirun_n 3 "$HSWEEP" run "ex_${proto}_$lang.cfg" -o "ex_${proto}_$lang.h5" --quiet
    done
done
check "examples agree" "$PYTHON3" - <<'PY'
import h5py
t = {k: h5py.File(f"ex_{k}.h5", "r")["q/tasks"][:] for k in ("per-task_py", "jsonl_py", "per-task_sh", "jsonl_sh")}
for k, v in t.items():
    v.sort(order="task_id")
    assert (v["status"] == 1).all(), (k, v["detail"])
    # the example's task: y = a * b + seed
    assert (v["y"] == v["a"] * v["b"] + v["rng_seed"]).all(), (k, v["y"], v["a"], v["b"], v["rng_seed"])
    # seed32, passed on by both clients: the seed folded to 32 bits
    s = [int(x) & (2**64 - 1) for x in v["rng_seed"]]
    assert [int(x) for x in v["s32"]] == [(x ^ (x >> 32)) & 0xFFFFFFFF for x in s], (k, v["s32"], s)
ref = t["per-task_py"]
for k, v in t.items():
    assert (v["y"] == ref["y"]).all(), k
PY

# Sweep-file errors name the file, line and key.
printf 'sweeps = ( { name = "e"; kernel = "exec"; protocol = "jsonl";\n command = ["/bin/sh", "{x}"];\n metrics = ["v"]; matrix = { x = [1, 2]; }; } );\n' > e1.cfg
expect_fail 2 "e1.cfg:2: sweep 'e': key 'command'" "$HSWEEP" plan e1.cfg
expect_fail 2 '{x} differs from task to task' "$HSWEEP" plan e1.cfg
printf 'sweeps = ( { name = "e"; kernel = "exec"; protocol = "warm";\n command = ["/bin/true"];\n metrics = ["v"]; matrix = { x = [1, 2]; }; } );\n' > e2.cfg
expect_fail 2 "e2.cfg:1: sweep 'e': key 'protocol': expected \"per-task\" or \"jsonl\"" "$HSWEEP" plan e2.cfg
printf 'sweeps = ( { name = "e"; kernel = "exec"; protocol = "jsonl";\n command = ["/bin/true"]; env = { A = "{seed}"; };\n metrics = ["v"]; matrix = { x = [1, 2]; }; } );\n' > e3.cfg
expect_fail 2 "e3.cfg:2: sweep 'e': key 'env'" "$HSWEEP" plan e3.cfg
printf 'sweeps = ( { name = "e"; kernel = "exec"; protocol = "jsonl";\n command = ["/bin/true"];\n parse = "key=value";\n metrics = ["v"]; matrix = { x = [1, 2]; }; } );\n' > e4.cfg
expect_fail 2 "e4.cfg:3: sweep 'e': key 'parse'" "$HSWEEP" plan e4.cfg
finish
