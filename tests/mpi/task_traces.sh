# hs-labels: mpi
# `hsweep task` prints each trace's length; the values only with --traces
# (a trace can be hundreds of KB of JSON), also for task --from.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
"$HSWEEP" task nonfinite steps=5 at_step=3 > short.json || fail "task nonfinite"
"$HSWEEP" task nonfinite steps=5 at_step=3 --traces > full.json || fail "task --traces"
"$HSWEEP" task noop x=0.5 trace_len=100000 > big.json || fail "task noop, long trace"
"$HSWEEP" task noop x=0.5 trace_len=100000 --traces > bigfull.json || fail "task noop --traces"
check "lengths by default, values on request" "$PYTHON3" - <<'PY'
import json, os
s = json.load(open("short.json"))
f = json.load(open("full.json"))
assert "traces" not in s and s["trace_len"] == {"loss": 5}, s
assert f["trace_len"] == {"loss": 5} and f["traces"]["loss"] == [1, 0.5, 1 / 3, None, None], f
assert {k: v for k, v in f.items() if k not in ("traces", "wall_s")} == {k: v for k, v in s.items() if k != "wall_s"}
b = json.load(open("big.json"))
assert "traces" not in b and b["trace_len"] == {"ramp": 100000} and os.path.getsize("big.json") < 1000
full = json.load(open("bigfull.json"))["traces"]["ramp"]
assert len(full) == 100000 and all(v == 0.5 + i for i, v in enumerate(full)), full[:3]
PY
printf 'sweeps = ( { name = "r"; kernel = "noop"; matrix = { trace_len = [3, 7]; x = [1.5]; }; } );\n' > r.cfg
check "run" "$HSWEEP" run r.cfg -o r.h5 --quiet
"$HSWEEP" task --from r.h5 --id 1 > from.json || fail "task --from"
"$HSWEEP" task --from r.h5 --id 1 --traces > fromfull.json || fail "task --from --traces"
check "task --from: the row's trace on request" "$PYTHON3" - <<'PY'
import json, h5py
f = h5py.File("r.h5", "r")
row = list(f["r/traces/ramp"][1][: f["r/tasks"]["ramp_len"][1]])
a, b = json.load(open("from.json")), json.load(open("fromfull.json"))
assert "traces" not in a and a["trace_len"] == {"ramp": 7} and row == [1.5 + i for i in range(7)]
assert b["traces"]["ramp"] == row, (b["traces"], row)
PY
expect_fail 2 "takes no value" "$HSWEEP" task noop --traces=yes
finish
