# hs-labels: mpi fault
# The task process of --isolation fork is kept from one task to the next:
# after a crash, an exit() or a timeout the next tasks run in a fresh one and
# come out as they would in the worker itself (isolation none); peak RSS is
# per task (a big task's memory and output pages do not carry over to the
# small ones after it); each task runs under its own sweep's mem_limit_mb.
# One worker (-n 2) runs every task, in queue order (the crash sweeps, then
# the cheaper noop ones, each in file order), through one task process at a
# time.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
cat > r.cfg <<'CFG'
sweeps = (
  { name = "bad"; kernel = "crash"; timeout_s = 1;
    cases = ( { mode = "none"; x = 1.0; }, { mode = "segv"; x = 2.0; }, { mode = "none"; x = 3.0; },
              { mode = "exit"; x = 4.0; }, { mode = "none"; x = 5.0; }, { mode = "abort"; x = 6.0; },
              { mode = "hang"; x = 7.0; }, { mode = "none"; x = 8.0; }, { mode = "none"; x = 9.0; } ); },
  { name = "after"; kernel = "noop";
    matrix = { x = [0.5, 1.5]; trace_len = [0, 7, 300]; label = ["a", "a longer label"]; }; seeds = [1, 2]; },
  { name = "inproc"; kernel = "noop"; isolation = "none";
    matrix = { x = [0.5, 1.5]; trace_len = [0, 7, 300]; label = ["a", "a longer label"]; }; seeds = [1, 2]; },
  { name = "rss"; kernel = "crash";
    cases = ( { mode = "none"; x = 1.0; }, { mode = "oom"; oom_mb = 300; x = 2.0; },
              { mode = "none"; x = 3.0; }, { mode = "none"; x = 4.0; } ); },
  { name = "trace_rss"; kernel = "noop";
    cases = ( { trace_len = 4000000; x = 1.0; }, { trace_len = 0; x = 2.0; }, { trace_len = 0; x = 3.0; } ); },
  { name = "trace_rss_mixed"; kernel = "noop";
    matrix = { x = { from = 1; to = 12; num = 12; scale = "lin"; }; trace_len = [0, 3000000]; }; },
  { name = "lim512"; kernel = "crash"; mem_limit_mb = 512;
    cases = ( { mode = "oom"; oom_mb = 1024; x = 1.0; }, { mode = "none"; x = 2.0; } ); },
  { name = "lim2048"; kernel = "crash"; mem_limit_mb = 2048;
    cases = ( { mode = "oom"; oom_mb = 1024; x = 1.0; }, { mode = "none"; x = 2.0; } ); },
  { name = "nolimit"; kernel = "crash";
    cases = ( { mode = "oom"; oom_mb = 1024; x = 1.0; } ); },
  { name = "lim512_again"; kernel = "crash"; mem_limit_mb = 512;
    cases = ( { mode = "oom"; oom_mb = 1024; x = 1.0; }, { mode = "none"; x = 2.0; } ); },
  { name = "burst"; kernel = "crash"; fixed = { mode = "segv"; every = 97; };
    matrix = { x = { from = 1; to = 400; num = 400; scale = "lin"; }; }; },
  { name = "burst_exit"; kernel = "crash"; fixed = { mode = "exit"; every = 61; };
    matrix = { x = { from = 1; to = 200; num = 200; scale = "lin"; }; }; },
  { name = "burst_hang"; kernel = "crash"; fixed = { mode = "hang"; every = 250; }; timeout_s = 1;
    matrix = { x = { from = 1; to = 300; num = 300; scale = "lin"; }; }; }
);
CFG
mpirun_n 2 "$HSWEEP" run r.cfg -o r.h5 --quiet; rc=$?
[ "$rc" = 4 ] && pass || fail "the run must end normally, with exit 4: tasks failed (exit $rc)"
check "crashes, exits and timeouts between healthy tasks" "$PYTHON3" - <<'PY'
import h5py
f = h5py.File("r.h5", "r")
t = f["bad/tasks"][:]
names = {v: k for k, v in h5py.check_enum_dtype(t.dtype["status"]).items()}
got = {float(r["x"]): (names[r["status"]], r["detail"].decode(), float(r["x_echo"])) for r in t}
print(got)
assert got[2.0][0] == "crashed" and "signal 11" in got[2.0][1], got[2.0]
assert got[4.0][0] == "failed" and "exited with code 3" in got[4.0][1], got[4.0]
assert got[6.0][0] == "crashed" and "signal 6" in got[6.0][1], got[6.0]
assert got[7.0][0] == "timeout" and "timeout_s = 1" in got[7.0][1], got[7.0]
for x in (1.0, 3.0, 5.0, 8.0, 9.0):
    assert got[x][0] == "ok" and got[x][2] == x and got[x][1] == "", (x, got[x])
for x in (2.0, 4.0, 6.0, 7.0):
    assert got[x][2] != got[x][2], (x, "a dead process's outputs are dropped")
PY
check "tasks after the crashes: as in the worker itself (isolation none)" "$PYTHON3" - <<'PY'
import h5py, numpy as np
f = h5py.File("r.h5", "r")
a, b = f["after/tasks"][:], f["inproc/tasks"][:]
skip = {"rank", "host", "wall_s", "started_unix", "peak_rss_kb", "crc32c"}  # crc32c covers them
assert (a["status"] == 1).all()
for name in a.dtype.names:
    if name in skip:
        continue
    x, y = a[name], b[name]
    if x.dtype.kind == "f":
        x, y = x.view(np.uint64), y.view(np.uint64)
    assert np.array_equal(x, y), name
ta, tb = f["after/traces/ramp"][:], f["inproc/traces/ramp"][:]
assert np.array_equal(ta.view(np.uint64), tb.view(np.uint64))
assert ta.shape == (len(a), 300)
PY
check "peak RSS is per task" "$PYTHON3" - <<'PY'
import h5py, numpy as np
f = h5py.File("r.h5", "r")
t = f["rss/tasks"][:]
assert (t["status"] == 1).all(), t["status"]
rss = {float(r["x"]): int(r["peak_rss_kb"]) for r in t}
print("crash kernel, oom_mb = 300 at x = 2:", rss)
assert rss[2.0] >= 300 * 1024, rss
# after the big task, the small ones are as small as the one before it
assert rss[3.0] < rss[1.0] + 64 * 1024 and rss[4.0] < rss[1.0] + 64 * 1024, rss
t = f["trace_rss/tasks"][:]
rss = {float(r["x"]): int(r["peak_rss_kb"]) for r in t}
print("noop, a 32 MB trace at x = 1:", rss)
assert rss[1.0] >= 30 * 1024, rss
assert rss[2.0] < rss[1.0] - 24 * 1024 and rss[3.0] < rss[1.0] - 24 * 1024, rss
# the same where short tasks share a round trip with a big one (the 32 MB task
# before left room for one of 24 MB and more), before and after it
t = f["trace_rss_mixed/tasks"][:]
big, small = t[t["trace_len"] > 0]["peak_rss_kb"], t[t["trace_len"] == 0]["peak_rss_kb"]
print("noop, 24 MB traces amid short tasks: big", big.min(), "to", big.max(), "small", small.min(), "to", small.max())
assert len(big) == 12 and big.min() >= 22 * 1024 and small.max() < big.min() - 16 * 1024
# and the traces the task process let go of are in the file: ramp[i] = x + i
tr = f["trace_rss_mixed/traces/ramp"]
for i in np.flatnonzero(t["trace_len"] > 0):
    row = tr[i, :]
    assert np.array_equal(row, t["x"][i] + np.arange(3000000.0)), i
PY
check "each task under its own sweep's memory limit" "$PYTHON3" - <<'PY'
import h5py
f = h5py.File("r.h5", "r")
def rows(s):
    t = f[s + "/tasks"][:]
    names = {v: k for k, v in h5py.check_enum_dtype(t.dtype["status"]).items()}
    return {float(r["x"]): (names[r["status"]], r["detail"].decode()) for r in t}
for s in ("lim512", "lim512_again"):
    r = rows(s)
    print(s, r)
    assert r[1.0][0] in ("failed", "crashed") and ("memory" in r[1.0][1] or "signal" in r[1.0][1]), r
    assert r[2.0][0] == "ok", r
for s in ("lim2048", "nolimit"):
    r = rows(s)
    print(s, r)
    assert all(v[0] == "ok" for v in r.values()), r
PY
check "a crash, exit or timeout amid hundreds of short tasks (sent to the task process many at a time)" "$PYTHON3" - <<'PY'
import h5py
f = h5py.File("r.h5", "r")
for s, n, every, bad, why in (("burst", 400, 97, "crashed", "signal 11"),
                              ("burst_exit", 200, 61, "failed", "exited with code 3"),
                              ("burst_hang", 300, 250, "timeout", "timeout_s = 1")):
    t = f[s + "/tasks"][:]
    names = {v: k for k, v in h5py.check_enum_dtype(t.dtype["status"]).items()}
    assert len(t) == n
    for r in t:
        x, st, det = float(r["x"]), names[r["status"]], r["detail"].decode()
        if int(x) % every == 0:
            assert st == bad and why in det and r["x_echo"] != r["x_echo"], (s, x, st, det)
        else:
            assert st == "ok" and r["x_echo"] == x and det == "", (s, x, st, det)
        assert r["wall_s"] >= 0 and r["started_unix"] > 1.7e9, (s, x, r["wall_s"], r["started_unix"])
    print(s, "ok:", sum(names[v] == "ok" for v in t["status"]), "of", n)
PY
# the same with three workers: every row as with one
expect_fail 4 "task(s) ended failed, timeout or crashed" mpirun_n 4 "$HSWEEP" run r.cfg -o r4.h5 --quiet
check "identical to one worker" "$PYTHON3" - <<'PY'
import h5py, numpy as np
a, b = h5py.File("r.h5", "r"), h5py.File("r4.h5", "r")
skip = {"rank", "host", "wall_s", "started_unix", "peak_rss_kb", "crc32c"}  # crc32c covers them
for s in a:
    ta, tb = a[s]["tasks"][:], b[s]["tasks"][:]
    for name in ta.dtype.names:
        if name in skip or (name == "detail" and s in ("bad", "lim512", "lim512_again", "burst_hang")):
            continue  # how long a timeout ran, how much memory a worker left a task
        x, y = ta[name], tb[name]
        if x.dtype.kind == "f":
            x, y = x.view(np.uint64), y.view(np.uint64)
        assert np.array_equal(x, y), (s, name)
    for tr in a[s].get("traces", {}):
        assert np.array_equal(a[s]["traces"][tr][:].view(np.uint64), b[s]["traces"][tr][:].view(np.uint64)), (s, tr)
PY
finish
