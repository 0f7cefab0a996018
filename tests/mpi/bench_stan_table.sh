#!/bin/bash
# bench/tables.py turns bench/stan_vs_hsweep.sh's plain table (a header line
# `target side ...` and 14 fields a row) into bench/README.md's stan_vs_hsweep
# table: every row with its sides and figures, the ratio row marked, the
# check lines and result lines left out, the log named; a row with a field
# missing is not shown.  No benchmark is run.
# hs-labels: bench
set -u
src=${HS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
py=/usr/bin/python3
fail() { echo "bench_stan_table: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/res"
cat >"$tmp/res/s.log" <<'LOG'
# hsweep bench log 1
# commit: abc1234
# dirty: no
# date: 2026-01-02T00:00:00Z
# machine: 2 cores, Test CPU
@@bench begin stan_vs_hsweep
# env: (defaults)
@@bench stdout
# command: bench/stan_vs_hsweep.sh
check pose_T80 point 1: lp hsweep -1 stan -2 (constant -1), density rel err 0, gradient 1e-14: ok

target side chains warmup draws grads cpu_s grads_per_s ess_bulk_min ess_per_grad ess_per_s divergent us_per_grad ess_min_of
pose_T80 stan 2 300 100 30000 20 1500 30 0.001 1.5 3 666.7 log_rho[2]
pose_T80 hsweep 2 300 100 10000 2 5000 20 0.002 10 0 200 lp__
pose_T80 hsweep/stan - - - 0.3333 0.1 3.333 0.6667 2 6.667 - 0.3 min(lp__,eta2)
pose_T80 broken 2 300 100 10000 2 5000 20 0.002 10 0 200
pose_T1800_gradient stan - - - - - 333.3 - - - - 3000 -

pose_T80_ess_per_s: 10 ess/s (ratio 6.667 vs stan)
@@bench stderr
@@bench end stan_vs_hsweep rc=0 seconds=1.0
LOG
printf '<!-- table:stan_vs_hsweep -->\n<!-- /table -->\n' >"$tmp/R.md"
"$py" "$src/bench/tables.py" --readme "$tmp/R.md" --results "$tmp/res" || fail "tables.py failed"
want() { grep -qxF "$1" "$tmp/R.md" || fail "missing row '$1' in: $(cat "$tmp/R.md")"; }
want '| target | side | grads | CPU s | grads/s | bulk ESS (min) | ESS/grad | ESS/s | divergent | µs/grad |'
want '| pose_T80 | stan | 30000 | 20 | 1500 | 30 | 0.001 | 1.5 | 3 | 666.7 |'
want '| pose_T80 | hsweep | 10000 | 2 | 5000 | 20 | 0.002 | 10 | 0 | 200 |'
want '| pose_T80 | **hsweep/Stan** | 0.3333 | 0.1 | 3.333 | 0.6667 | 2 | 6.667 | - | 0.3 |'
want '| pose_T1800_gradient | stan | - | - | 333.3 | - | - | - | - | 3000 |'
grep -q 'broken\|check pose\|ess_per_s:' "$tmp/R.md" && fail "a short row, a check line or a result line reached the table"
grep -qF 'From `'"$tmp/res/s.log"'`, hsweep at abc1234' "$tmp/R.md" || fail "the table does not name its log"
"$py" "$src/bench/tables.py" --check --readme "$tmp/R.md" --results "$tmp/res" || fail "--check fails right after regenerating"
echo "bench_stan_table: ok"
