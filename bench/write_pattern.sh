#!/bin/bash
# The write pattern the workers produce, from HSWEEP_IO_TRACE (every store
# write after creation: kind, file offset, bytes; README "Measuring a run"):
# writes and bytes per task by kind, a histogram of write sizes, and how the
# writes fall on 1 MiB stripes of the file over time -- the contention a file
# system that locks extents per stripe (Lustre, GPFS) would see when many
# ranks write into one shared file.  A write's time is its task's end
# (started_unix + wall_s of the row it belongs to, found by its offset in the
# datasets' extents): the row, trace and status writes follow the task at
# once.  Per 1-second window: the stripes written, and per stripe the
# distinct ranks that wrote it in that window.  Cases:
#   noop     NOOP_N `noop` tasks without traces on NOOP_RANKS ranks: the row
#            and status writes at full dispatch speed
#   traces   SWEEP (default sweeps/llc_sgld_vs_vi.cfg) run --reduced on
#            TRACE_RANKS ranks: kernels with traces (vi, sgld)
#   bench/write_pattern.sh      NOOP_N=20000 NOOP_RANKS=4 TRACE_RANKS=3 SWEEP=sweeps/llc_sgld_vs_vi.cfg
. "$(dirname "$0")/lib.sh"
NOOP_N=${NOOP_N:-20000}
NOOP_RANKS=${NOOP_RANKS:-4}
TRACE_RANKS=${TRACE_RANKS:-3}
SWEEP=${SWEEP:-$ROOT/sweeps/llc_sgld_vs_vi.cfg}
machine
printf 'sweeps = ( { name = "w"; kernel = "noop"; matrix = { x = { from = 1; to = %s; num = %s; }; }; } );\n' \
    "$NOOP_N" "$NOOP_N" >"$WORK/noop.cfg"
run_case() { # NAME RANKS CFG [OPTIONS...]
    local name=$1 np=$2 cfg=$3
    shift 3
    rm -rf "$WORK/tr-$name"
    t0=$(now)
    HSWEEP_STATS=$WORK/$name.json HSWEEP_IO_TRACE=$WORK/tr-$name mpirun_n "$np" "$HSWEEP" run "$cfg" \
        -o "$WORK/$name.h5" --overwrite --quiet $HSWEEP_RUN_OPTS "$@"
    echo "  $name: -n $np, mpiexec $(calc "$(now) - $t0") s" >&2
    over=""
    [ "$np" -gt "$NPROC" ] && over="oversubscribed $np ranks on $NPROC cores"
    "$PYTHON3" - "$WORK" "$name" "$np" "$over" <<'PY'
import bisect, collections, glob, json, sys
import h5py, numpy as np
work, name, np_, over = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
stats = json.load(open(f"{work}/{name}.json"))
f = h5py.File(f"{work}/{name}.h5", "r")
# extents: (start, end, elem bytes, sweep) of every task table and trace
ext, ends = [], {}
for sw in f:
    if not isinstance(f[sw], h5py.Group) or "tasks" not in f[sw]:
        continue
    t = f[sw]["tasks"][:]
    ends[sw] = t["started_unix"] + t["wall_s"]
    d = f[sw]["tasks"]
    ext.append((d.id.get_offset(), d.id.get_offset() + d.id.get_storage_size(), d.dtype.itemsize, sw))
    for tn in f[sw].get("traces", {}):
        td = f[sw]["traces"][tn]
        if td.shape[1] and td.id.get_offset() is not None:
            ext.append((td.id.get_offset(), td.id.get_offset() + td.id.get_storage_size(),
                        td.shape[1] * 8, sw))
ext.sort()
starts = [e[0] for e in ext]
def when(off):
    i = bisect.bisect_right(starts, off) - 1
    if i < 0 or off >= ext[i][1]:
        return None
    s, _, size, sw = ext[i]
    return float(ends[sw][(off - s) // size])
writes = []  # (time, rank, kind, offset, bytes)
for p in glob.glob(f"{work}/tr-{name}/rank-*.txt"):
    r = int(p.rsplit("-", 1)[1].split(".")[0])
    for ln in open(p):
        k, off, b = ln.split()
        writes.append((when(int(off)), r, k, int(off), int(b)))
tasks = stats["store"]["tasks_written"]
assert tasks > 0 and len(writes) == stats["store"]["writes"], (len(writes), stats["store"])
kinds = collections.OrderedDict()
for _, _, k, _, b in writes:
    n, by = kinds.get(k, (0, 0))
    kinds[k] = (n + 1, by + b)
per_kind = ", ".join("%s %.3g x %.4g B" % (k, n / tasks, by / n) for k, (n, by) in kinds.items())
tot_b = sum(b for *_, b in writes)
extra = "; " + over if over else ""
print("write_pattern_%s_per_task: %.3g writes/task, %.6g bytes/task (%d tasks, %d ranks: %s%s)"
      % (name, len(writes) / tasks, tot_b / tasks, tasks, np_, per_kind, extra))
hist = collections.Counter()
for *_, b in writes:
    lo = 1 << (b.bit_length() - 1)
    hist[lo] += 1
def size(x):
    return "%d B" % x if x < 1024 else "%d KiB" % (x >> 10) if x < 1 << 20 else "%d MiB" % (x >> 20)
print("write_pattern_%s_sizes: %s" % (name, ", ".join(
    "[%s, %s) %d" % (size(lo), size(2 * lo), n) for lo, n in sorted(hist.items()))))
# stripes per 1 s window, and ranks per stripe within a window
MiB = 1 << 20
timed = [w for w in writes if w[0] is not None]
t0 = min(w[0] for w in timed)
win = collections.defaultdict(lambda: collections.defaultdict(set))
for t, r, k, off, b in timed:
    for stripe in range(off // MiB, (off + b - 1) // MiB + 1):
        win[int(t - t0)][stripe].add(r)
per_s = [len(v) for v in win.values()]
ranks = [len(rs) for v in win.values() for rs in v.values()]
shared = sum(1 for x in ranks if x > 1)
span = max(w[0] for w in timed) - t0
print("write_pattern_%s_stripes: %.4g stripes of 1 MiB written per second (mean over %d s; max %d); "
      "ranks per stripe and second mean %.3g, max %d; %.3g %% of stripe-seconds written by more than one "
      "rank; %.4g writes/s over %.3g s; %d of %d writes timed"
      % (name, np.mean(per_s), len(per_s), max(per_s), np.mean(ranks), max(ranks),
         100.0 * shared / len(ranks), len(timed) / span if span > 0 else float("nan"), span, len(timed),
         len(writes)))
PY
    rm -rf "$WORK/tr-$name" "$WORK/$name.h5"
}
run_case noop "$NOOP_RANKS" "$WORK/noop.cfg" --isolation none
run_case traces "$TRACE_RANKS" "$SWEEP" --reduced
