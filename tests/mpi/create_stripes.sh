# hs-labels: mpi
# Creation writes the pending rows in stripe-aligned shares, one per rank
# (src/core/store.c fill_rows_raw): the task table of a file created on 1, 2,
# 3 or 9 ranks is the same bytes, rows straddling the shares' boundaries
# included (a table of 8 stripes of 1 MiB and rows that do not divide them;
# on 9 ranks one rank has no share), and every row is pending.  The write
# trace (HSWEEP_IO_TRACE's create-<r>.txt) shows the tables' bytes written once
# each, no 1 MiB stripe by two ranks.  Each run is stopped (SIGUSR1, --grace
# 0.1) once its queue is built, so no task writes.
. "$(dirname "$0")/lib.bash"
need_py h5py
cd "$WORK" || exit 1
cat >p.cfg <<'EOF'
sweeps = ( { name = "a"; kernel = "sleep"; fixed = { seconds = 100.0; };
             matrix = { x = { from = 0.0; to = 1.0; num = 9000; }; }; seeds = [1, 2]; },
           { name = "b"; kernel = "noop"; fixed = { label = "qq"; trace_len = 7; };
             matrix = { x = { from = 0.0; to = 1.0; num = 7; }; }; } );
EOF
for n in 1 2 3 9; do
    launch=("$HSWEEP")
    [ "$n" -gt 1 ] && launch=("$MPIEXEC" -n "$n" --oversubscribe "$HSWEEP")
    # (no `timeout` around it: the signal must reach hsweep or mpiexec, which
    # forwards it to every rank; the loops below bound the wait instead)
    HSWEEP_STATS=s$n.json HSWEEP_IO_TRACE=tr$n "${launch[@]}" run p.cfg -o p$n.h5 --grace 0.1 --log-every 1000 \
        2>p$n.log >/dev/null &
    pid=$!
    for _ in $(seq 1 3000); do
        grep -q " to run" p$n.log && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -USR1 "$pid"
    for _ in $(seq 1 1200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && { fail "$n rank(s): still running 120 s after SIGUSR1"; kill -9 "$pid"; }
    wait "$pid"
    rc=$?
    [ "$rc" = 3 ] && pass || fail "$n rank(s): exit $rc, wanted 3 (stopped): $(tail -3 p$n.log)"
done
check "the same pending rows on 1, 2, 3 and 9 ranks" "$PYTHON3" - <<'PY'
import json
import h5py
def table(p, ds):
    d = h5py.File(p, "r")[ds]
    off, n = d.id.get_offset(), d.id.get_storage_size()
    assert (d["status"][:] == 0).all(), (p, ds, "rows not pending")
    with open(p, "rb") as f:
        f.seek(off)
        return f.read(n)
for ds in ("a/tasks", "b/tasks"):
    ref = table("p1.h5", ds)
    for n in (2, 3, 9):
        assert table("p%d.h5" % n, ds) == ref, (ds, n, "bytes differ from 1 rank's")
big = len(table("p1.h5", "a/tasks"))
assert big > 7 << 20, big  # several stripes, so the shares have boundaries
row = h5py.File("p1.h5", "r")["a/tasks"].dtype.itemsize
assert (1 << 20) % row, row  # rows straddle the stripes' boundaries
for n in (1, 2, 3, 9):
    c = json.load(open("s%d.json" % n))["create"]
    assert c["fill_bytes"] == big + len(table("p1.h5", "b/tasks")), (n, c)
# the trace: every byte of both tables written once, by one rank a stripe
f = h5py.File("p1.h5", "r")
want = sorted((f[ds].id.get_offset(), f[ds].id.get_storage_size()) for ds in ("a/tasks", "b/tasks"))
import glob
for n in (1, 2, 3, 9):
    w = []
    for p in glob.glob("tr%d/create-*.txt" % n):
        r = int(p.split("-")[-1].split(".")[0])
        w += [(int(x[1]), int(x[2]), r) for x in map(str.split, open(p)) if x[0] == "fill"]
    w.sort()
    c = json.load(open("s%d.json" % n))["create"]
    assert c["fill_writes"] == len(w), (n, c, len(w))
    runs = []  # the written bytes as maximal runs
    for o, k, r in w:
        assert not runs or o >= runs[-1][1], (n, "bytes written twice at", o)
        if runs and o == runs[-1][1]:
            runs[-1][1] = o + k
        else:
            runs.append([o, o + k])
    assert [tuple(x) for x in runs] == [(o, o + k) for o, k in want], (n, runs, want)
    owner = {}
    for o, k, r in w:
        for st in range(o >> 20, ((o + k - 1) >> 20) + 1):
            assert owner.setdefault(st, r) == r, (n, "stripe", st, "written by ranks", owner[st], r)
    assert len({r for _, _, r in w}) == min(n, len(owner)), (n, "ranks that wrote", w)
print("identical")
PY
finish
