#!/bin/bash
# docs/scale.md: bench/scale_sim.py's predictions at scale, for the designs
# a (today: rank 0 + per-rank writes), b (rank 0 + a writer rank per node,
# --writers node) and c (node sub-coordinators + node writers), R ranks
# (RANKS_LIST), task lengths 1 ms .. 1 h, fixed and lognormal (sigma 1.5, same
# mean), and per-write lock costs of the shared file (VARIANTS, design:seconds;
# an assumption, see docs/scale.md).  Every rank has a core of its own.
# Inputs: $INPUTS (a JSON file), else the `scale_inputs:` line of the newest
# bench/scale_validate.sh section that exited 0 in $RESULTS (default
# bench/results), whose calibration measured them on this machine.
# Prints the tables (Markdown, each after `# table: NAME`) and one
# `scale_goal_...` line per design and distribution: worker efficiency at
# 10^4 ranks with 1 s tasks (ratio vs the 0.9 goal).
#   bench/scale_predict.sh    RANKS_LIST=100,1000,10000,100000 TPW=10 MIN_WORK=10
#                             MAX_TASKS=200000 VARIANTS=a:0,a:1e-4,a:1e-3,b:1e-3,c:1e-3 JOBS=$(nproc)
. "$(dirname "$0")/lib.sh"
RANKS_LIST=${RANKS_LIST:-100,1000,10000,100000}
TPW=${TPW:-10}
MIN_WORK=${MIN_WORK:-10}
MAX_TASKS=${MAX_TASKS:-200000}
VARIANTS=${VARIANTS:-a:0,a:1e-4,a:1e-3,b:1e-3,c:1e-3}
JOBS=${JOBS:-$NPROC}
RESULTS=${RESULTS:-$ROOT/bench/results}
machine
inputs=${INPUTS:-}
if [ -z "$inputs" ]; then
    inputs=$WORK/inputs.json
    $PYTHON3 - "$RESULTS" "$inputs" "$BENCH_SRC" <<'EOF' || exit 1
import sys, os
sys.path.insert(0, sys.argv[3])
import tables
logs = tables.load_logs(sys.argv[1])
s = tables.newest(logs, "scale_validate")
if s is None:
    sys.exit("scale_predict: no scale_validate section in %s: run bench/run_all.sh scale_validate first, or set INPUTS" % sys.argv[1])
line = [l for l in s.stdout if l.startswith("scale_inputs: ")]
if not line:
    sys.exit("scale_predict: %s has no scale_inputs line" % s.log.rel)
open(sys.argv[2], "w").write(line[-1][len("scale_inputs: "):] + "\n")
print("# inputs: the scale_inputs line of %s (%s)" % (s.log.rel, s.meta.get("start", "")))
EOF
else
    echo "# inputs: $inputs"
fi
echo "# ranks per node $($PYTHON3 -c "import json; print(json.load(open('$inputs')).get('ranks_per_node'))"); cell: worker efficiency (E_workers, or E_workers/E0 for lognormal tasks) · rank 0 utilisation"
t0=$(now)
$PYTHON3 "$BENCH_SRC/scale_sim.py" grid --inputs "$inputs" --ranks-list "$RANKS_LIST" --tpw "$TPW" \
    --min-work "$MIN_WORK" --max-tasks "$MAX_TASKS" --variants "$VARIANTS" --jobs "$JOBS" --json "$WORK/points.jsonl"
echo "# grid simulated in $(calc "$(now) - $t0") s" >&2
# every point, for the record (stderr: the log keeps it)
cat "$WORK/points.jsonl" >&2
