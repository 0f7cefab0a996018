#!/usr/bin/env bash
# Cost estimates before and after calibration (issue 18 §5): how far the
# kernels' cost hints, and the models `hsweep plan --calibrate` fits to
# finished tasks, are from the core-seconds the tasks of the seed sweeps
# really take.
#
# For each sweep file (default: every sweeps/*.cfg):
#   1. run it reduced (`hsweep run --reduced`, NRANKS ranks), stopped with
#      SIGUSR1 after CAP seconds if it is not done (the finished tasks stay);
#   2. split its finished tasks by parameter set (seeds of one set together)
#      into two halves, and copy the results file with the second half marked
#      pending (tasks that never ran are marked failed, so they are no part of
#      either half);
#   3. `hsweep plan --reduced FILE.cfg --calibrate COPY` fits each sweep's
#      model to the first half and prints, for the copy's pending tasks (the
#      second half), their core-seconds by the hints and by the model;
#   4. compare with the second half's recorded wall_s x ranks_per_task.
# The models never see the times they predict.  Prints a Markdown table and
# one summary line; detail on stderr.  About 6 minutes on 2 cores.
#   CAP     seconds per sweep file before the run is stopped (default 40)
#   NRANKS  ranks of each run (default 3: a coordinator and 2 workers, or one
#           gang of 2 for ranks_per_task = 2)
PYTHON3=${PYTHON3:-/usr/bin/python3} # h5py
. "$(dirname "$0")/lib.sh"
CAP=${CAP:-40}
NRANKS=${NRANKS:-3}
if [ $# -gt 0 ]; then files=("$@"); else files=("$ROOT"/sweeps/*.cfg); fi

echo "# cost_calibration: $(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+changes'), $(date -u '+%Y-%m-%d %H:%M UTC'), $NPROC cores, CAP=$CAP s, NRANKS=$NRANKS"
rows="$WORK/rows.tsv"
: > "$rows"
for cfg in "${files[@]}"; do
    name=$(basename "$cfg" .cfg)
    res="$WORK/$name.h5" cal="$WORK/$name.cal.h5"
    echo "== $name: run --reduced (at most $CAP s)" >&2
    t0=$(now)
    timeout -s USR1 -k $((CAP + 60)) "$CAP" \
        "$MPIEXEC" -n "$NRANKS" --oversubscribe "$HSWEEP" run --reduced "$cfg" -o "$res" \
        --grace 5 --log-every 10 $HSWEEP_RUN_OPTS >&2 || true
    echo "   $(calc "$(now) - $t0") s" >&2
    if [ ! -f "$res" ]; then
        echo "   no results file: skipped" >&2
        continue
    fi
    # 2. the calibration copy, and the recorded times of the held-out half
    "$PYTHON3" - "$res" "$cal" "$WORK/$name.actual" <<'PY' >&2 || { echo "   split failed: skipped" >&2; continue; }
import h5py, numpy as np, shutil, sys
res, cal, actual = sys.argv[1:]
shutil.copy(res, cal)
with h5py.File(cal, "r+") as f, open(actual, "w") as out:
    for sw in f:
        if not isinstance(f[sw], h5py.Group) or "tasks" not in f[sw]:
            continue
        t = f[sw + "/tasks"][:]
        n_seeds = max(len(np.unique(t["seed"])), 1)
        pset = t["task_id"] // n_seeds
        finished = np.isin(t["status"], (1, 2, 3))
        held = finished & (pset % 2 == 1)
        print("   %s: %d tasks, %d finished (%d to fit, %d to predict)"
              % (sw, len(t), finished.sum(), (finished & ~held).sum(), held.sum()))
        t["status"][t["status"] == 0] = 4    # never ran: in neither half
        t["status"][held] = 0                # the half to predict
        f[sw + "/tasks"][:] = t
        k = f[sw].attrs.get("kernel", "?")
        k = k.decode() if isinstance(k, bytes) else str(k)
        out.write("%s\t%s\t%d\t%.9g\n" % (sw, k, held.sum(), t["wall_s"][held].sum() if held.any() else 0))
PY
    # 3. the estimates for the held-out half
    if ! "$HSWEEP" plan --reduced "$cfg" --calibrate "$cal" --rows 0 > "$WORK/$name.plan" 2>&1; then
        echo "   plan --calibrate failed: $(tail -1 "$WORK/$name.plan")" >&2
        continue
    fi
    "$PYTHON3" - "$name" "$WORK/$name.plan" "$WORK/$name.actual" <<'PY' >> "$rows"
import re, sys
name, plan, actual = sys.argv[1:]
text = open(plan).read()
blocks = re.split(r"\n(?=sweep \S+  \(kernel)", text)
for line in open(actual):
    sw, kernel, n_held, wall = line.rstrip("\n").split("\t")
    if int(n_held) == 0:
        continue
    b = next((b for b in blocks if b.startswith("sweep %s  (" % sw)), "")
    ranks = re.search(r"ranks per task: (\d+)", b)
    fit = re.search(r"fitted to (\d+) finished task\(s\) of \S+: (.*)", b)
    pend = re.search(r"still has (\d+) pending task\(s\) of '[^']*': ([0-9.e+-]+) core-seconds "
                     r"calibrated, ([0-9.e+-]+) by the hint", b)
    if not pend:
        continue
    g = int(ranks.group(1)) if ranks else 1
    print("\t".join([name, sw, kernel, fit.group(1) if fit else "0", pend.group(1), pend.group(3),
                     pend.group(2), "%.6g" % (float(wall) * g), fit.group(2) if fit else "hint (no fit)"]))
PY
done

# 4. the table
"$PYTHON3" - "$rows" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
print("| sweep file | sweep | kernel | tasks fitted | tasks predicted | hint core-s | calibrated core-s "
      "| actual core-s | hint / actual | calibrated / actual | fitted model |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|")
tot = [0.0, 0.0, 0.0, 0, 0]
for f, sw, k, nfit, npred, hint, calib, act, model in rows:
    hint, calib, act = float(hint), float(calib), float(act)
    r = lambda x: "%.3g" % (x / act) if act > 0 else "–"
    print("| %s | %s | %s | %s | %s | %.3g | %.3g | %.3g | %s | %s | %s |"
          % (f, sw, k, nfit, npred, hint, calib, act, r(hint), r(calib), model))
    tot[0] += hint; tot[1] += calib; tot[2] += act; tot[3] += int(nfit); tot[4] += int(npred)
if rows and tot[2] > 0:
    print("| **all** | | | %d | %d | %.3g | %.3g | %.3g | %.3g | %.3g | |"
          % (tot[3], tot[4], tot[0], tot[1], tot[2], tot[0] / tot[2], tot[1] / tot[2]))
    print()
    print("cost_calibration: calibrated/actual %.3g (ratio %.3g vs hint/actual) over %d held-out tasks"
          % (tot[1] / tot[2], tot[0] / tot[2], tot[4]))
PY
