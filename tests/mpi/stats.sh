# hs-labels: mpi
# HSWEEP_STATS and HSWEEP_IO_TRACE: a noop sweep of N tasks on 1 (no
# mpiexec), 3 and 5 ranks.  The JSON's counts agree with the sweep (every
# task handed out and written once, one status write per task), with the
# trace (one line per counted write) and with the file (every traced write
# lands where the rows and traces of the file's datasets sit, every status
# byte at its own offset).  The coordinator's first requests and drain
# bound a run of sleep tasks.
. "$(dirname "$0")/lib.bash"
need_py h5py numpy
N=60
TLEN=5
cat >"$WORK/s.cfg" <<EOF
output = "unused.h5";
sweeps = ( { name = "a"; kernel = "noop";
             fixed = { trace_len = $TLEN; };
             matrix = { x = { from = 0.0; to = 1.0; num = $((N / 2)); }; };
             seeds = [1, 2]; } );
EOF
for n in 1 3 5; do
    launch=("$HSWEEP")
    [ "$n" -gt 1 ] && launch=(mpirun_n "$n" "$HSWEEP")
    HSWEEP_STATS="$WORK/s$n.json" HSWEEP_IO_TRACE="$WORK/tr$n" \
        "${launch[@]}" run "$WORK/s.cfg" -o "$WORK/r$n.h5" --quiet
    check "run on $n rank(s)" test $? = 0
    check "stats of $n rank(s) agree with the sweep, the trace and the file" \
        "$PYTHON3" - "$WORK" "$n" "$N" "$TLEN" <<'PY'
import glob, json, os, sys
import h5py
w, n, N, tlen = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = json.load(open(f"{w}/s{n}.json"))
assert s["ranks"] == n and s["workers"] == max(n - 1, 1), (s["ranks"], s["workers"])
if n == 1:
    assert "coord" not in s, "one process has no coordinator"
else:
    c = s["coord"]
    assert c["tasks_dispatched"] == N, c
    assert c["requests"] >= c["batches"] >= 1, c
    assert c["done"] == n - 1, c
    assert c["queue_len_max"] == N and 0 < c["queue_len_mean"] <= N, c
    assert 0 <= c["busy_cpu_s"] <= c["busy_wall_s"] <= c["loop_wall_s"], c
    q = c["service_wall_us"]
    assert 0 < q["p50"] <= q["p90"] <= q["p99"] <= q["max"], q
    fr = c["first_request_s"]  # every worker asked once, within the loop
    assert fr["n"] == n - 1, fr
    assert 0 <= fr["p50"] <= fr["max"] <= c["loop_wall_s"], (fr, c["loop_wall_s"])
    assert 0 <= c["drain_s"] < c["loop_wall_s"], c
st = s["store"]
k = st["by_kind"]
assert st["tasks_written"] == N, st
assert k["status"]["writes"] == N and k["status"]["bytes"] == N, k
f = h5py.File(f"{w}/r{n}.h5", "r")
d = f["a/tasks"]
row = d.dtype.itemsize
tr = f["a/traces/ramp"]
width = tr.shape[1]
assert width == tlen
# the code writes a task's trace (whole width at once), its row, its status
assert k["row"]["writes"] == N and k["row"]["bytes"] == N * row, (k, row)
assert k["trace"]["writes"] == N and k["trace"]["bytes"] == N * width * 8, k
assert k["index"]["writes"] == 0, k
assert st["writes"] == sum(v["writes"] for v in k.values()), st
assert st["bytes"] == sum(v["bytes"] for v in k.values()), st
assert st["writes_per_task"] == st["writes"] / st["tasks_written"], st
cr = s["create"]
assert cr["rows"] == N and cr["fill_bytes"] == N * row and cr["fill_writes"] >= 1, cr
size = os.path.getsize(f"{w}/r{n}.h5")
assert cr["file_bytes"] == size, (cr, size)
assert cr["seconds"] > 0, cr
# the trace: one line per counted write, at the datasets' own addresses
lines = {}
for p in glob.glob(f"{w}/tr{n}/rank-*.txt"):
    r = int(p.rsplit("-", 1)[1].split(".")[0])
    assert n == 1 or r > 0, "the coordinator writes no rows"
    for ln in open(p):
        kind, off, b = ln.split()
        lines.setdefault(kind, []).append((int(off), int(b)))
for kind, v in k.items():
    assert len(lines.get(kind, [])) == v["writes"], (kind, len(lines.get(kind, [])), v)
    assert sum(b for _, b in lines.get(kind, [])) == v["bytes"], kind
for kind, v in lines.items():
    for off, b in v:
        assert 0 <= off and off + b <= size, (kind, off, b, size)
base = d.id.get_offset()
soff = d.dtype.fields["status"][1]
status = [o for o, _ in lines["status"]]
assert len(set(status)) == N, "status writes at distinct offsets"
assert set(status) == {base + i * row + soff for i in range(N)}, "status bytes of the task rows"
assert {o for o, _ in lines["row"]} == {base + i * row for i in range(N)}
tb = tr.id.get_offset()
assert {o for o, _ in lines["trace"]} == {tb + i * width * 8 for i in range(N)}
print(f"{n} rank(s): ok")
PY
done
# The dispatch phase's edges: two tasks of 0.2 s on two workers.  The last
# result cannot come before a task has ended (0.2 s into the loop at the
# earliest), and the workers' goodbyes come after it.  (A worker slow to
# start may ask first after the other has run both tasks: its first request
# is only bound by the loop.)
cat >"$WORK/z.cfg" <<EOF
sweeps = ( { name = "z"; kernel = "sleep"; matrix = { seconds = [0.2, 0.21]; }; } );
EOF
HSWEEP_STATS="$WORK/z.json" mpirun_n 3 "$HSWEEP" run "$WORK/z.cfg" -o "$WORK/z.h5" --quiet
check "sleep run on 3 ranks" test $? = 0
check "first requests and drain bound the tasks" "$PYTHON3" - "$WORK/z.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["coord"]
fr = c["first_request_s"]
assert fr["n"] == 2 and 0 <= fr["p50"] <= fr["max"] <= c["loop_wall_s"], c
assert 0 < c["drain_s"] <= c["loop_wall_s"] - 0.2, c
print("edges: ok")
PY
# A trace directory that cannot be made is reported and does not fail the run.
touch "$WORK/notadir"
out=$(HSWEEP_IO_TRACE="$WORK/notadir/x" "$HSWEEP" run "$WORK/s.cfg" -o "$WORK/q.h5" --quiet 2>&1)
check "unwritable trace directory: the run still succeeds" test $? = 0
case "$out" in *"HSWEEP_IO_TRACE: cannot create"*) pass ;; *) fail "no message: $out" ;; esac
finish
