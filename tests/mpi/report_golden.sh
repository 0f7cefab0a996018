# hs-labels: mpi
# hsweep report on sweeps of the test kernels whose every verdict is known
# (tests/data/report/rules.cfg): the Markdown is compared with a golden file
# (HS_REGEN_GOLDEN=1 rewrites it), the exit codes, JSON, pending tasks and
# the cut of long group tables are checked.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
d=$HS_SRC/tests/data/report
# (sweep "failing" has 4 failed tasks: the run exits 4)
expect_fail 4 "4 task(s) ended failed" "$HSWEEP" run "$d/rules.cfg" -o r.h5 --quiet
"$HSWEEP" report r.h5 > rules.md; rc=$?
[ "$rc" = 4 ] && pass || fail "report exit $rc (wanted 4: a rule is violated)"
[ -n "${HS_REGEN_GOLDEN:-}" ] && cp rules.md "$d/rules.md"
diff -u "$d/rules.md" rules.md && pass || fail "report differs from $d/rules.md (HS_REGEN_GOLDEN=1 rewrites it)"
# exit codes: 0 nothing violated, 4 violated, 5 with --strict when a rule is incomplete or has no data
code() { "$HSWEEP" report r.h5 "$@" >/dev/null 2>&1; echo $?; }
for want in "0 --sweep mirror" "0 --sweep mirror --strict" "0 --sweep failing" "5 --sweep failing --strict" \
            "4 --sweep nan" "4 --sweep nan --strict" "4 --sweep grid --strict" "2 --sweep grid --bogus" \
            "2 --sweep nope" "4 --sweep grid --format json"; do
    set -- $want
    w=$1; shift
    got=$(code "$@")
    [ "$got" = "$w" ] && pass || fail "report $*: exit $got, wanted $w"
done
# a pending task (status reset with h5py) makes its group, and groups that use it as reference, incomplete
cp r.h5 pend.h5
check "reset status" "$PYTHON3" -c "
import h5py
with h5py.File('pend.h5', 'r+') as f:
    t = f['grid/tasks'][:]
    i = [j for j in range(len(t)) if t['x'][j] == 1 and t['k'][j] == 1 and t['seed'][j] == 1]
    assert len(i) == 1, i
    t['status'][i[0]] = 0
    f['grid/tasks'][:] = t
"
"$HSWEEP" report r.h5 --format json > r.json; rc1=$?
"$HSWEEP" report pend.h5 --sweep grid --format json > pend.json; rc2=$?
[ "$rc1:$rc2" = "4:4" ] && pass || fail "json exit codes $rc1:$rc2"
check "report json" "$PYTHON3" - <<'PY'
import json
r = json.load(open("r.json"))
assert (r["rules"], r["held"], r["violated"], r["incomplete"], r["no_data"]) == (12, 6, 4, 1, 1), r
s = {x["name"]: x for x in r["sweeps"]}
g = s["grid"]["rules"]
assert [x["verdict"] for x in g] == ["held", "violated", "held", "violated", "held", "no data", "violated"], g
assert [(x["held"], x["violated"], x["incomplete"]) for x in g] == \
    [(3, 0, 0), (0, 3, 0), (1, 8, 0), (1, 8, 0), (9, 0, 0), (0, 0, 0), (2, 1, 0)], g
grp = {(x["params"]["x"], x["params"]["k"]): x["verdicts"] for x in s["grid"]["groups"]}
# contrast: lhs x*k at x = 4, rhs the reference group x = 1 (k); factor 1.5 at x = 2
assert grp[4, 3]["1"] == {"verdict": "held", "lhs": 12, "rhs": 3, "why": None}, grp[4, 3]
assert grp[2, 2]["2"]["rhs"] == 3 and grp[2, 2]["2"]["verdict"] == "violated", grp[2, 2]
assert "1" not in grp[1, 1] and "6" not in grp[4, 3]  # `when` false: not applicable
# rule 7 along x at k = 2: held at 1, 2, violated at 4; along k one value only
fx = [f for f in g[6]["flips"] if f["axis"] == "x"][0]
assert fx["lines"][0]["changes"] == [{"from": 2, "to": 4, "before": "held", "after": "violated"}], fx
fk = [f for f in g[6]["flips"] if f["axis"] == "k"][0]
assert fk["n_values"] == 1 and fk["classes"] == [], fk
# rule 5 never flips along x in all 3 lines
f5 = [f for f in g[4]["flips"] if f["axis"] == "x"][0]
assert f5["classes"] == [{"text": "never flips (held)", "lines": 3}], f5
m = s["mirror"]["groups"]
assert [(x["params"]["x"], x["verdicts"]["1"]["rhs"]) for x in m] == [(1, 2), (2, 4), (4, 8)], m
fr = s["failing"]["rules"]
assert [(x["verdict"], x["held"], x["violated"], x["incomplete"]) for x in fr] == \
    [("incomplete", 2, 0, 2), ("held", 1, 1, 2)], fr
fg = {(x["params"]["fail"], x["params"]["x"]): x["verdicts"] for x in s["failing"]["groups"]}
assert fg[True, 1]["1"]["why"] == "a task failed, timed out or crashed", fg
assert s["nan"]["rules"][0]["verdict"] == "violated"
# cases: the keys a case does not set are listed per group (shown · in Markdown)
assert sorted(tuple(x["not_set"]) for x in s["cases"]["groups"]) == [("label", "flag"), ("x", "k")], s["cases"]
p = json.load(open("pend.json"))
pg = p["sweeps"][0]
assert (p["held"], p["violated"], p["incomplete"], p["no_data"]) == (1, 3, 2, 1) and pg["pending"] == 1, p
pr = pg["rules"]
# rule 1's group x = 4, k = 1 has a pending reference; rule 2 is still violated elsewhere; rule 3 (any) still held
# rule 5 (every task) has a pending task in group x = 1, k = 1
assert [x["verdict"] for x in pr] == ["incomplete", "violated", "held", "violated", "incomplete", "no data",
                                     "violated"], pr
pv = {(x["params"]["x"], x["params"]["k"]): x["verdicts"] for x in pg["groups"]}
assert pv[4, 1]["1"]["why"] == "reference: a task is pending", pv[4, 1]
assert pv[1, 1]["3"]["why"] == "a task is pending", pv[1, 1]
PY
# a reference sweep missing from the results makes the rule incomplete, not an error
cp r.h5 nog.h5
check "drop grid" "$PYTHON3" -c "
import h5py
with h5py.File('nog.h5', 'r+') as f:
    del f['grid']
"
out=$("$HSWEEP" report nog.h5 --sweep mirror); rc=$?
[ "$rc" = 0 ] && pass || fail "missing reference sweep: exit $rc"
case "$out" in *"**incomplete**: reference: the sweep is not in the results (first at x=1, trace_len=2) | 0 / 0 / 3 |"*) pass ;; *) fail "missing reference sweep: $out" ;; esac
expect_fail 5 "" "$HSWEEP" report nog.h5 --sweep mirror --strict
# long group tables are cut so the sweep's section fits HS_REPORT_LINES (60) lines, unless --full
check "run big" "$HSWEEP" run "$d/big.cfg" -o b.h5 --quiet
out=$("$HSWEEP" report b.h5)
shown=$(printf '%s\n' "$out" | grep -c ' | 1 ok | ')
lines=$(printf '%s\n' "$out" | sed -n '/^## sweep/,$p' | grep -vc '^[0-9]* rules*:')
[ "$lines" -le 60 ] && [ "$lines" -ge 55 ] && [ "$shown" -ge 10 ] && [ "$shown" -lt 45 ] && pass ||
    fail "cut table: $shown rows, $lines lines: $out"
case "$out" in *"… $((45 - shown)) more groups not shown: \`--full\`"*) pass ;; *) fail "cut note: $out" ;; esac
case "$out" in *"1 rule: 1 violated (see above)."*) pass ;; *) fail "last line: $out" ;; esac
[ "$("$HSWEEP" report b.h5 --full | grep -c ' | 1 ok | ')" = 45 ] && pass || fail "--full"
# xk < 20 along x: held below x = 20/k; k = 1, 2 never flip (said once, counted), k = 3..5 flip at different x
case "$out" in *"- along x (9 values, 45 groups): never flips (held) in 2 of 5 settings of k; at k=3: flips between x=6 and x=7 (held → violated); at k=4: flips between x=4 and x=5"*) pass ;; *) fail "big flips: $out" ;; esac
case "$out" in *"| rule | claim | verdict | groups held / violated / incomplete |"*"| 1 | xk < 20 | **violated** | 31 / 14 / 0 |"*) pass ;; *) fail "big verdict: $out" ;; esac
finish
