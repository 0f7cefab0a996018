#!/bin/bash
# bench/scale_sim.py (docs/scale.md's model) reproduces closed forms: with
# every overhead zero and W dividing N equal tasks, worker efficiency is
# 1 (to rounding, 1e-12) in each design; one worker's makespan is the sum of its durations and of the
# overheads the batch policy implies; rank 0 fed Poisson requests of fixed
# service time has the Pollaczek-Khinchine mean wait (M/D/1, within 5 %);
# processor sharing stretches CPU-bound work by workers/cores exactly, W task
# process starts of c CPU each on C cores take W c / C; a short burst beside
# busy processes ends at once with wake_share 0, after (busy + 1) / cores
# times its CPU with wake_share 1, and not before wake_floor's latency when
# it follows a wake-up; CPU spent beside a process (its polling) does not
# hold it up but slows a busy one beside it.  Then
# its batch policy against hs_sched_queue_take's rules on a few queues.
# hs-labels: bench
set -u
src=${HS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
py=/usr/bin/python3
sim=$src/bench/scale_sim.py
fail() { echo "scale_sim: $*" >&2; exit 1; }
"$py" -c 'import numpy' 2>/dev/null || { echo "scale_sim: no numpy for $py (.ci/setup.sh installs python3-numpy)" >&2; exit 1; }

out=$("$py" "$sim" check) || { echo "$out" >&2; fail "a closed form does not hold"; }
echo "$out"
[ "$(echo "$out" | grep -c "^ok ")" -ge 21 ] || fail "fewer checks ran than expected"

# The batch policy (src/core/sched_queue.c): a quarter of the remaining
# tasks per worker, at most HS_MAX_BATCH, stopped once the batch's expected
# seconds pass HS_SCHED_BATCH_SECONDS (but never empty); prefetch when the
# batch is shorter than that.
"$py" - "$src/bench" <<'PY' || fail "take() does not follow hs_sched_queue_take's rules"
import sys
sys.path.insert(0, sys.argv[1])
from scale_sim import take, HS_MAX_BATCH, HS_SCHED_BATCH_SECONDS
def t(costs, workers):
    return take(costs, list(range(len(costs))), 0, workers, HS_MAX_BATCH)
assert HS_MAX_BATCH == 256 and HS_SCHED_BATCH_SECONDS == 0.05
assert t([0.0] * 10000, 1)[0] == 256          # capped at HS_MAX_BATCH
assert t([0.0] * 100, 5)[0] == 5              # 100 / (4 x 5)
assert t([0.0] * 3, 8)[0] == 1                # at least one
k, s, pf = t([0.001] * 10000, 1)              # 1 ms tasks: about 0.05 s a batch, prefetch
assert 49 <= k <= 50 and pf, (k, pf)
k, s, pf = t([1.0] * 100, 1)                  # a long task travels alone, no prefetch
assert k == 1 and not pf
k, s, pf = t([0.03, 0.03, 0.01], 1)           # 0.03 + 0.03 > 0.05: stops at one (cap 3 // 4 = 0 -> 1)
assert k == 1
print("ok   take() follows hs_sched_queue_take's rules")
PY
# the source still has the constants the model copies
grep -q '#define HS_SCHED_BATCH_SECONDS 0.05' "$src/src/core/sched_impl.h" ||
    fail "HS_SCHED_BATCH_SECONDS changed in src/core/sched_impl.h: update bench/scale_sim.py"
grep -q '#define HS_MAX_BATCH 256' "$src/include/hsweep/sched.h" ||
    fail "HS_MAX_BATCH changed in include/hsweep/sched.h: update bench/scale_sim.py"
grep -q 'size_t cap = left / (size_t)(4 \* workers);' "$src/src/core/sched_queue.c" ||
    fail "hs_sched_queue_take's cap changed in src/core/sched_queue.c: update bench/scale_sim.py's take()"
echo "scale_sim: ok"
