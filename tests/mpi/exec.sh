# hs-labels: mpi
# The exec kernel: a Python script swept across 3 ranks and collated, with
# every way a command can go wrong (non-zero exit, hang past timeout_s, a
# signal, no JSON, malformed JSON), key=value output, the command's own
# status, a parameter with shell metacharacters arriving as one literal argv
# element, {task_id} workdirs, env additions, HSWEEP_SEED; and sweep-file errors.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py

cat > train.py <<'PY'
import json, os, sys
a = sys.argv[1:]
lr, bs = float(a[a.index("--lr") + 1]), int(a[a.index("--batch-size") + 1])
label, seed = a[a.index("--label") + 1], int(a[a.index("--seed") + 1])
print("epoch 1 ...")  # log lines before the result are ignored
print(json.dumps({
    "rmse": lr * bs, "acc": 1 - lr,
    "loss": [lr / (i + 1) for i in range(bs)],       # longer than declared for bs = 16: cut to 12
    "label_ok": int(label == "a b; rm -rf x $(touch PWNED)" and len(a) == 8),
    "seed_ok": int(seed == int(os.environ["HSWEEP_SEED"]) and seed > 0),
    "env_ok": int(os.environ["TAG"] == "lr=%r seed=%d" % (lr, seed)),
    "cwd_ok": int(os.getcwd().endswith("/runs/" + os.environ["HSWEEP_TASK_ID"])),
    "other": {"ignored": [1, 2]}}))
PY
cat > modes.py <<'PY'
import os, signal, sys, time
mode = sys.argv[1]
print("starting " + mode)
if mode == "ok":
    print('{"v": 1.5, "curve": [3, 2, NaN]}')
elif mode == "exit":
    print("Traceback (most recent call last):\nValueError: lr too large", file=sys.stderr)
    sys.exit(3)
elif mode == "hang":
    print("about to hang", file=sys.stderr, flush=True)
    time.sleep(60)
elif mode == "nojson":
    print("v = 1.5")
elif mode == "badjson":
    print('{"v": 1.5, "curve": [1, 2,')
elif mode == "signal":
    os.kill(os.getpid(), signal.SIGSEGV)
elif mode == "status":
    print('{"v": 1e308, "status": "diverged", "detail": "loss exploded at step 7"}')
elif mode == "kv":
    print("noise\nv = 2.5\ncurve=1, 2, 3\nv=3.5")
PY
cat > exec.cfg <<EOF
sweeps = (
  { name = "train"; kernel = "exec";
    command = ["$PYTHON3", "{sweep_dir}/train.py", "--lr", "{lr}", "--batch-size", "{batch_size}",
               "--seed", "{seed}", "--label", "{label}"];
    workdir = "runs/{task_id}";
    env = { TAG = "lr={lr} seed={seed}"; };
    metrics = ["rmse", "acc", "label_ok", "seed_ok", "env_ok", "cwd_ok"];
    traces = { loss = 12; };
    fixed = { label = "a b; rm -rf x \$(touch PWNED)"; };
    matrix = { lr = [0.1, 0.01]; batch_size = [8, 16]; };
    seeds = [1, 2];
  },
  { name = "modes"; kernel = "exec"; timeout_s = 2;
    command = ["$PYTHON3", "{sweep_dir}/modes.py", "{mode}"];
    metrics = ["v"]; traces = { curve = 4; };
    matrix = { mode = ["ok", "exit", "hang", "nojson", "badjson", "signal", "status"]; };
  },
  { name = "inplace"; kernel = "exec"; timeout_s = 1; isolation = "none";
    command = ["$PYTHON3", "{sweep_dir}/modes.py", "{mode}"]; metrics = ["v"];
    matrix = { mode = ["hang", "ok"]; };
  },
  { name = "kv"; kernel = "exec"; parse = "key=value";
    command = ["$PYTHON3", "{sweep_dir}/modes.py", "{mode}"];
    metrics = ["v"]; traces = { curve = 2; };
    cases = ( { mode = "kv"; }, { mode = "badjson"; } );
  } );
EOF
# (failing commands by design: exit 4)
expect_fail 4 "task(s) ended failed, timeout or crashed" mpirun_n 3 "$HSWEEP" run exec.cfg -o exec.h5 --quiet
check "no shell ran: no PWNED file" test ! -e PWNED -a ! -e runs/0/PWNED
check "workdirs per task" test -d runs/0 -a -d runs/7
"$HSWEEP" collate exec.h5 --sweep train --rows lr,batch_size \
    --metric rmse,acc,label_ok,seed_ok,env_ok,cwd_ok --format json > train.json || fail "collate train"
check "collated values" "$PYTHON3" - <<'PY'
import json
d = json.load(open("train.json"))
assert d["tasks"] == 8 and d["pending"] == 0, d
cells = {(c["lr"], c["batch_size"], c["metric"]): c for c in d["cells"]}
assert len(cells) == 4 * 6, cells.keys()
for lr in (0.1, 0.01):
    for bs in (8, 16):
        # values are a product and a difference of two doubles, averaged over 2 equal seeds
        assert abs(cells[lr, bs, "rmse"]["value"] - lr * bs) <= 1e-15 * lr * bs, cells[lr, bs, "rmse"]
        assert abs(cells[lr, bs, "acc"]["value"] - (1 - lr)) <= 1e-15
        for m in ("label_ok", "seed_ok", "env_ok", "cwd_ok"):
            assert cells[lr, bs, m]["value"] == 1 and cells[lr, bs, m]["n_values"] == 2, (lr, bs, m)
PY
check "statuses, details, traces" "$PYTHON3" - <<'PY'
import h5py, math
f = h5py.File("exec.h5", "r")
names = dict(f["modes/tasks"].dtype["status"].metadata["enum"])
st = {v: k for k, v in names.items()}
def rows(sweep):
    return {r["mode"].decode(): r for r in f[sweep + "/tasks"][:]}
m = rows("modes")
want = {"ok": "ok", "exit": "failed", "hang": "timeout", "nojson": "failed",
        "badjson": "failed", "signal": "crashed", "status": "diverged"}
for mode, s in want.items():
    assert st[m[mode]["status"]] == s, (mode, st[m[mode]["status"]], m[mode]["detail"])
det = {k: r["detail"].decode() for k, r in m.items()}
assert "exited with code 3" in det["exit"] and "ValueError: lr too large" in det["exit"], det["exit"]
assert "deadline" in det["hang"] and "about to hang" in det["hang"], det["hang"]
assert "no line with a JSON object" in det["nojson"] and "v = 1.5" in det["nojson"], det["nojson"]
assert "malformed JSON" in det["badjson"], det["badjson"]
assert "signal 11" in det["signal"], det["signal"]
assert det["status"] == "loss exploded at step 7" and m["status"]["v"] == 1e308
assert m["ok"]["v"] == 1.5 and m["ok"]["curve_len"] == 3 and math.isnan(m["exit"]["v"])
tr = f["modes/traces/curve"][m["ok"]["task_id"]]
assert list(tr[:2]) == [3, 2] and math.isnan(tr[2]) and math.isnan(tr[3]), tr
t = f["train/tasks"][:]
assert (t["loss_len"] == [12 if bs == 16 else 8 for bs in t["batch_size"]]).all(), t["loss_len"]
i = rows("inplace")
assert st[i["hang"]["status"]] == "timeout" and st[i["ok"]["status"]] == "ok", i
k = rows("kv")
assert k["kv"]["v"] == 3.5 and k["kv"]["curve_len"] == 2, k["kv"]   # last line wins; cut to 2
assert list(f["kv/traces/curve"][k["kv"]["task_id"]]) == [1, 2]
assert st[k["badjson"]["status"]] == "failed" and "name=value" in k["badjson"]["detail"].decode()
PY
check "no command left running" bash -c "! pgrep -f '$WORK/[m]odes.py'"
check "task --from reruns an exec row" bash -c \
    "'$HSWEEP' task --from exec.h5 --sweep modes --id 0 | grep -q '\"v\": *1.5'"

# Sweep-file errors: exit 2 with file:line and key.
bad() { printf 'sweeps = ( { name = "b"; %s } );\n' "$2" > bad.cfg; expect_fail 2 "$1" "$HSWEEP" plan bad.cfg; }
bad "unknown placeholder {lrr}" 'kernel = "exec"; command = ["echo", "{lrr}"]; matrix = { lr = [1, 2]; };'
bad "needs command" 'kernel = "exec"; matrix = { lr = [1, 2]; };'
bad "json-last-line" 'kernel = "exec"; command = ["echo"]; parse = "xml";'
bad "bad.cfg:1: sweep 'b': key 'command': only sweeps with kernel" 'kernel = "noop"; command = ["echo"];'
bad "expected an integer" 'kernel = "exec"; command = ["echo"]; matrix = { n = (1, "x"); };'
bad "lone '}'" 'kernel = "exec"; command = ["echo", "}"];'
bad "clashes with a parameter" 'kernel = "exec"; command = ["echo"]; metrics = ["lr"]; fixed = { lr = 1; };'
finish
