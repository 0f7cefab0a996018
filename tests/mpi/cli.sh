# hs-labels: mpi
# The command line: plan, kernels, status, task, collate, and its errors.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
cfg=$HS_SRC/tests/data/runner.cfg
# plan: no MPI, no file written
out=$("$HSWEEP" plan "$cfg") || fail "plan"
case "$out" in *"sweep echo"*"tasks: 72"*"total: 80 tasks"*) pass ;; *) fail "plan output: $out" ;; esac
[ ! -e results/runner.h5 ] && pass || fail "plan wrote a file"
# bad input: exit 2 naming file, line and key, before anything runs
printf 'sweeps = ({ name = "a"; kernel = "noop";\n  matrix = { x = [1.0];\n    bach_size = [10]; }; });\n' > typo.cfg
expect_fail 2 "typo.cfg:3: sweep 'a': key 'bach_size'" "$HSWEEP" plan typo.cfg
expect_fail 2 "typo.cfg:3:" "$HSWEEP" run typo.cfg -o typo.h5
[ ! -e typo.h5 ] && pass || fail "a rejected sweep file created its output"
expect_fail 2 "unknown option" "$HSWEEP" run "$cfg" --bogus
expect_fail 2 "unknown command" "$HSWEEP" frobnicate
# a run, then the same output again without --resume is refused and the file kept
# (its sweep "failing" has 2 failed tasks: exit 4, every task has a result)
expect_fail 4 "2 task(s) ended failed, timeout or crashed" "$HSWEEP" run "$cfg" -o r.h5 --quiet
sum1=$(sha256sum r.h5)
expect_fail 1 "results file exists" "$HSWEEP" run "$cfg" -o r.h5
[ "$sum1" = "$(sha256sum r.h5)" ] && pass || fail "refused run modified the file"
# resume with a different sweep file is refused unless --force
{ cat "$cfg"; echo "# a comment changes the text, not the tasks"; } > changed.cfg
expect_fail 1 "different sweep file" "$HSWEEP" run changed.cfg -o r.h5 --resume
expect_fail 4 "2 task(s) ended failed" "$HSWEEP" run changed.cfg -o r.h5 --resume --force --quiet
# ... but never with other parameter values in the same task table (as in a file whose range gave
# 0.010000000000000002 where this hsweep gives 0.01): refused, the file untouched
printf 'sweeps = ({ name = "a"; kernel = "noop"; matrix = { x = [%s, 1.0]; }; });\n' 0.010000000000000002 > inexact.cfg
printf 'sweeps = ({ name = "a"; kernel = "noop"; matrix = { x = [%s, 1.0]; }; });\n' 0.01 > exact.cfg
check "run inexact" "$HSWEEP" run inexact.cfg -o inexact.h5 --quiet
sum1=$(sha256sum inexact.h5)
expect_fail 1 "1 task(s) of sweep 'a' (0) were written with other parameter values" \
    "$HSWEEP" run exact.cfg -o inexact.h5 --resume --force
[ "$sum1" = "$(sha256sum inexact.h5)" ] && pass || fail "refused resume modified the file"
# progress: a live line on a terminal (script gives the run a pty), log lines otherwise
if command -v script >/dev/null; then
    out=$(script -qec "'$HSWEEP' run '$cfg' -o tty.h5" /dev/null)
    [ $? = 4 ] && pass || fail "run on a tty"
    case "$out" in *$'\r'"["*"/80]"*"tasks/s"*"ETA"*) pass ;; *) fail "no live progress line: $out" ;; esac
fi
out=$("$HSWEEP" run "$cfg" -o log.h5 --log-every 0.001 2>&1 >/dev/null)
[ $? = 4 ] && pass || fail "run with log lines"
case "$out" in *"hsweep: 80/80 tasks done"*) pass ;; *) fail "no progress log line: $out" ;; esac
# status
out=$("$HSWEEP" status r.h5) || fail "status"
case "$out" in *"sweep echo (kernel noop): 72 tasks, 72 done, 0 remaining"*) pass ;; *) fail "status: $out" ;; esac
case "$out" in *"2 tasks failed: requested failure — tasks 0 (fail=true x=1), 1"*) pass ;; *) fail "status lists failures: $out" ;; esac
# kernels
out=$("$HSWEEP" kernels) || fail "kernels"
case "$out" in *noop*sleep*) pass ;; *) fail "kernels: $out" ;; esac
out=$("$HSWEEP" kernels sleep) || fail "kernels sleep"
case "$out" in *"seconds"*"real"*"[0, 86400]"*"slept_s"*) pass ;; *) fail "kernels sleep: $out" ;; esac
expect_fail 2 "unknown kernel" "$HSWEEP" kernels nosuch
# task: one JSON line; --from re-runs a row exactly
out=$("$HSWEEP" task noop x=2.5 k=4 label=hi --seed 7) || fail "task"
check "task JSON" "$PYTHON3" -c "
import json, sys
r = json.loads(sys.argv[1])
assert r['status'] == 'ok' and r['metrics']['xk'] == 10.0 and r['metrics']['label_len'] == 2
assert r['seed'] == 7
" "$out"
expect_fail 2 "no parameter 'bogus'" "$HSWEEP" task noop bogus=1
expect_fail 2 "outside its range" "$HSWEEP" task sleep seconds=-1
check "task --from equals the file's row" "$PYTHON3" - "$HSWEEP" <<'PY'
import json, subprocess, sys, h5py
t = h5py.File("r.h5", "r")["echo/tasks"][:]
for i in (0, 17, 71):
    r = json.loads(subprocess.check_output([sys.argv[1], "task", "--from", "r.h5", "--id", str(i), "--sweep", "echo"]))
    assert r["task_id"] == i and r["rng_seed"] == int(t["rng_seed"][i])
    assert r["metrics"]["u"] == float(t["u"][i]), (r["metrics"]["u"], t["u"][i])
    assert r["params"]["x"] == float(t["x"][i])
PY
expect_fail 2 "choose one with --sweep" "$HSWEEP" task --from r.h5 --id 0
# collate: mean of x*k over seeds and cases is x*k itself
out=$("$HSWEEP" collate r.h5 --sweep echo --rows x --cols k --metric xk --format csv) || fail "collate"
check "collate values" "$PYTHON3" -c "
import sys
rows = [l.split(',') for l in sys.argv[1].strip().split('\n')]
assert rows[0] == ['x', '1', '2', '3'], rows[0]
for r in rows[1:]:
    x = float(r[0])
    for j, k in enumerate((1, 2, 3)):
        assert abs(float(r[1 + j]) - x * k) <= 1e-12 * x * k, r
assert len(rows) == 5
" "$out"
out=$("$HSWEEP" collate r.h5 --sweep nan --rows at_step --metric first_nonfinite --agg max) || fail "collate md"
case "$out" in *"| at_step |"*"| 9 | 9 |"*) pass ;; *) fail "collate md: $out" ;; esac
expect_fail 2 "no axis or parameter 'nope'" "$HSWEEP" collate r.h5 --sweep echo --rows nope --metric xk
expect_fail 2 "not an HDF5 file" "$HSWEEP" status typo.cfg
# diag: chains from anywhere (the numbers themselves are checked against R
# posterior in tests/unit/test_diag.c); bad input names file and line
"$PYTHON3" -c "
import math
print('chain1,chain2')
for i in range(200):
    print(f'{math.sin(i * 0.7):.6f},{math.cos(i * 1.3):.6f}')" > chains.csv
out=$("$HSWEEP" diag chains.csv) || fail "diag"
case "$out" in *"rhat:"*"ess_bulk:"*"ess_tail:"*) pass ;; *) fail "diag: $out" ;; esac
printf 'a,b\n1,2\n3\n' > ragged.csv
expect_fail 2 "ragged.csv:3" "$HSWEEP" diag ragged.csv
finish
