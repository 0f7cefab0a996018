#!/bin/sh
# Issue 21: adaptive refinement against a uniform grid.  To pin a rule's
# flip point to a width of 1/1000 of an axis's range, a uniform grid needs
# range / width + 1 values per line; refinement starts from a coarse grid and
# adds points only inside the brackets where the check changes.
#   1. the step test kernel: LINES lines (flip points spread over [0, 1]),
#      x in [0, 1], tol 0.001, SLEEP_MS per task, on RANKS ranks: the uniform
#      grid of 1001 values is run side by side with the refinement (5 grid
#      values + refinement); tasks, wall time, worker utilisation (busy time
#      of the workers / (workers x the run's task span)) and the longest time
#      a worker sat idle between two of its tasks, in units of one task's time.
#   2. the seed sweeps music_blend and llc_degenerate, run --reduced: the
#      tasks refinement added against those a uniform grid at 1/1000 of the
#      refined axis's range would take on the same lines (counted, not run).
#   bench/refine.sh                  RANKS=4 LINES=4 SLEEP_MS=20 POINTS=3
. "$(dirname "$0")/lib.sh"
RANKS=${RANKS:-4}
LINES=${LINES:-4}
SLEEP_MS=${SLEEP_MS:-20}
POINTS=${POINTS:-3}
machine
locs=$(awk -v n="$LINES" 'BEGIN { for (i = 0; i < n; i++) printf "%s%.6f", i ? ", " : "", 0.1 + 0.8 * (i + 0.37) / n }')
cat >"$WORK/grid.cfg" <<CFG
sweeps = ( { name = "s"; kernel = "step"; fixed = { sleep_ms = $SLEEP_MS; };
  matrix = { loc = [$locs]; x = { from = 0.0; to = 1.0; num = 1001; }; };
  expect = ( { metric = "y"; op = "<"; value = 0.5; } ); } );
CFG
cat >"$WORK/refine.cfg" <<CFG
sweeps = ( { name = "s"; kernel = "step"; fixed = { sleep_ms = $SLEEP_MS; };
  matrix = { loc = [$locs]; x = [0.0, 0.25, 0.5, 0.75, 1.0]; };
  expect = ( { metric = "y"; op = "<"; value = 0.5; } );
  refine = ( { rule = 1; axis = "x"; tol = 0.001; points = $POINTS; } ); } );
CFG
stats() { # FILE: tasks, utilisation, longest idle gap / median task time, widest bracket
    "$PYTHON3" - "$1" <<'PY'
import sys, h5py, numpy as np
t = h5py.File(sys.argv[1], "r")["s/tasks"][:]
if "origin" in t.dtype.names:
    t = t[t["origin"] >= 0]
start, wall = t["started_unix"], t["wall_s"]
span = (start + wall).max() - start.min()
ranks = sorted(set(t["rank"]))
busy = wall.sum() / (len(ranks) * span)
med = float(np.median(wall))
gap = 0.0
for r in ranks:
    m = t["rank"] == r
    s, e = start[m], start[m] + wall[m]
    o = np.argsort(s)
    gap = max(gap, float((s[o][1:] - e[o][:-1]).max(initial=0.0)))
width = 0.0
for loc in sorted(set(t["loc"])):
    u = t[t["loc"] == loc]
    xs = np.unique(u["x"])
    held = [bool(np.mean(u["y"][u["x"] == x]) < 0.5) for x in xs]
    width = max(width, max(xs[i + 1] - xs[i] for i in range(len(xs) - 1) if held[i] != held[i + 1]))
added = int((t["origin"] >= 1).sum()) if "origin" in t.dtype.names else 0
print(len(t), f"{busy:.3f}", f"{gap / med:.2f}", f"{width:.6g}", added, f"{span:.2f}")
PY
}
best_g="" best_r=""
for rep in $(seq "$REPS"); do
    for kind in grid refine; do
        t0=$(now)
        mpirun_n "$RANKS" "$HSWEEP" run "$WORK/$kind.cfg" -o "$WORK/$kind.h5" --overwrite --quiet $HSWEEP_RUN_OPTS
        t1=$(now)
        wall=$(calc "$t1 - $t0")
        set -- $(stats "$WORK/$kind.h5")
        echo "  $kind rep $rep: $1 tasks ($5 added by refinement) in $wall s, task span $6 s, worker utilisation $2, longest idle gap $3 tasks, widest final bracket $4" >&2
        if [ "$kind" = grid ]; then
            if [ -z "$best_g" ] || awk "BEGIN{exit !($wall < $best_g)}"; then best_g=$wall g_tasks=$1 g_util=$2 g_gap=$3 g_w=$4; fi
        else
            if [ -z "$best_r" ] || awk "BEGIN{exit !($wall < $best_r)}"; then best_r=$wall r_tasks=$1 r_util=$2 r_gap=$3 r_w=$4; fi
        fi
    done
done
echo "== step kernel, $LINES lines, resolution 0.001 of [0, 1], $SLEEP_MS ms tasks, -n $RANKS, points $POINTS"
echo "refine_tasks_step: $r_tasks tasks (ratio $(calc "$g_tasks / $r_tasks") fewer vs uniform grid of $g_tasks tasks)"
echo "refine_wall_step: $best_r s (ratio $(calc "$best_g / $best_r") faster vs uniform grid $best_g s)"
echo "refine_width_step: $r_w (uniform grid $g_w)"
echo "refine_utilisation_step: $r_util (uniform grid $g_util)"
echo "refine_idle_gap_step: $r_gap task times (uniform grid $g_gap)"
for f in music_blend llc_degenerate; do
    mpirun_n 2 "$HSWEEP" run --reduced --quiet "$ROOT/sweeps/$f.cfg" -o "$WORK/$f.h5" --overwrite
    "$PYTHON3" - "$WORK/$f.h5" "$f" "$HSWEEP" <<'PY'
import sys, json, subprocess, h5py, numpy as np
path, name, hsweep = sys.argv[1:4]
f = h5py.File(path, "r")
rep = json.loads(subprocess.run([hsweep, "report", path, "--format", "json"],
                                capture_output=True, text=True).stdout)
for sw in rep["sweeps"]:
    for blk in sw.get("refine", []):
        t = f[sw["name"]]["tasks"][:]
        t = t[t["origin"] >= 0]
        seeds = len(set(t["seed"]))
        x = t[blk["axis"]]
        grid = np.unique(x[t["origin"] == 0])
        lo, hi = grid.min(), grid.max()
        lines = len(blk["brackets"])
        added = int((t["origin"] >= 1).sum())
        note = f"final brackets {[(b['a'], b['b'], b['stop']) for b in blk['brackets']]}" if lines else "no line flips"
        print(f"  {name}/{sw['name']}: axis {blk['axis']} in [{lo:g}, {hi:g}], {note}, refinement added {added} tasks", file=sys.stderr)
        if not lines:
            print(f"refine_tasks_{sw['name']}: 0 tasks (no line flips in the reduced grid: nothing to compare)")
            continue
        uniform = (1000 + 1) * lines * seeds  # the grid's ends included, per flipping line
        print(f"refine_tasks_{sw['name']}: {added} tasks (ratio {uniform / added:.4g} fewer vs uniform grid of {uniform} tasks at 1/1000 of the range)")
PY
done
