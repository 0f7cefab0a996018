# hs-labels: mpi
# collate and report on sweeps of the test kernels, where every cell is known:
# grid: xk = x*k for x in {1,2,4,8}, k in {1,2,3}, 3 seeds; nan: final_loss
# 1/steps unless NaN; failing: failed tasks give no value.  Merges, filters,
# every aggregation, NaN and failed rows, pending rows, expect verdicts;
# several column axes, sweeps side by side, contrasts, RFC 4180 CSV and the
# long format read back by Python's csv and pandas, the --where warning and
# the resume command of `status`.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
d=$HS_SRC/tests/data
# (its failing sweep: 4 failed tasks, exit 4)
expect_fail 4 "4 task(s) ended failed" "$HSWEEP" run "$d/collate_known.cfg" -o k.h5 --quiet
check "run part 2" "$HSWEEP" run "$d/collate_part2.cfg" -o p2.h5 --quiet
# js NAME ARGS...: collate --format json into NAME.json
js() { local n=$1; shift; "$HSWEEP" collate "$@" --format json > "$n.json" || fail "collate $*"; }
js grid_xk k.h5 --sweep grid --rows x --cols k --metric xk
for a in mean median std min max sum count frac_ok meanstd; do js "agg_$a" k.h5 --sweep grid --rows x --metric xk --agg "$a"; done
js where2 k.h5 --sweep grid --rows x --metric xk --where "k>=2" --where "x<=2"
js where1 k.h5 --sweep grid --rows x --metric xk --where "k >= 2 and x <= 2"
js nan k.h5 --sweep nan --rows at_step --metric final_loss,first_nonfinite --metric status
js failing k.h5 --sweep failing --rows x --metric x_echo,status
js merged k.h5 p2.h5 --sweep grid --rows x --metric xk --agg count
check "json cells" "$PYTHON3" - <<'PY'
import json, math
def cells(name):
    return json.load(open(name + ".json"))
def close(a, b):
    # values are sums/means of at most 9 doubles: a few ulps of relative error
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))
g = cells("grid_xk")
assert g["tasks"] == 36 and g["pending"] == 0 and len(g["cells"]) == 12, g
for c in g["cells"]:
    assert close(c["value"], c["x"] * c["k"]) and c["n_values"] == 3 and c["n_na"] == 0, c
# over k in {1,2,3} and 3 seeds: values x*{1,1,1,2,2,2,3,3,3}
want = {"mean": lambda x: 2 * x, "median": lambda x: 2 * x, "min": lambda x: x,
        "max": lambda x: 3 * x, "sum": lambda x: 18 * x, "count": lambda x: 9, "frac_ok": lambda x: 1,
        "std": lambda x: x * math.sqrt(6 / 8),  # sample std: sum (k-2)^2 * 3 = 6, n - 1 = 8
        "meanstd": lambda x: 2 * x}
for a, f in want.items():
    d = cells("agg_" + a)
    assert [c["x"] for c in d["cells"]] == [1, 2, 4, 8], d
    for c in d["cells"]:
        assert close(c["value"], f(c["x"])), (a, c)
        if a == "meanstd":
            assert close(c["std"], c["x"] * math.sqrt(6 / 8)), c
for n in ("where1", "where2"):
    d = cells(n)
    assert d["excluded_by_where"] == 24 and d["tasks"] == 12, d
    assert [(c["x"], c["value"]) for c in d["cells"]] == [(1, 2.5), (2, 5.0)], d
d = {(c["at_step"], c["metric"]): c for c in cells("nan")["cells"]}
# at_step -1: final loss 1/3 (steps 3) and 1/10 (steps 10); at_step 4: 1/3 and NaN (2 tasks nonfinite)
assert close(d[-1, "final_loss"]["value"], (1 / 3 + 0.1) / 2) and d[-1, "final_loss"]["n_na"] == 0
c = d[4, "final_loss"]
assert close(c["value"], 1 / 3) and c["n_values"] == 2 and c["n_na"] == 2 and c["n_tasks"] == 4, c
# a nonfinite task's finite metric is a result: first_nonfinite = 4 (steps 10), -1 (steps 3)
assert close(d[4, "first_nonfinite"]["value"], 1.5), d[4, "first_nonfinite"]
assert d[4, "status"]["status"] == {"ok": 2, "nonfinite": 2} and d[-1, "status"]["status"] == {"ok": 4}
d = {(c["x"], c["metric"]): c for c in cells("failing")["cells"]}
for x in (1, 2):
    c = d[x, "x_echo"]
    assert c["value"] == x and c["n_values"] == 2 and c["n_na"] == 2, c
    assert d[x, "status"]["status"] == {"ok": 2, "failed": 2}
m = cells("merged")
assert m["files"] == ["k.h5", "p2.h5"] and m["duplicates"] == 9 and m["tasks"] == 45, m
assert [(c["x"], c["value"]) for c in m["cells"]] == [(x, 9) for x in (1, 2, 4, 8, 16)], m
PY
# csv/tsv/md layouts
out=$("$HSWEEP" collate k.h5 --sweep grid --rows x --cols k --metric xk --agg meanstd --format csv)
case "$out" in "x,1 xk mean,1 xk std,2 xk mean,2 xk std,3 xk mean,3 xk std"*"8,8,0,16,0,24,0") pass ;; *) fail "meanstd csv: $out" ;; esac
out=$("$HSWEEP" collate k.h5 --sweep nan --rows at_step --cols steps --metric final_loss --format tsv 2>/dev/null)
[ "$out" = "$(printf 'at_step\t3\t10\n-1\t0.33333333333333331\t0.10000000000000001\n4\t0.33333333333333331\t')" ] && pass || fail "tsv: $out"
out=$("$HSWEEP" collate k.h5 --sweep nan --rows at_step --metric final_loss,status)
case "$out" in *"| 4 | 0.333333 (2/4 n/a) | 2 | 2 |"*"final_loss: 2 NaN/inf"*) pass ;; *) fail "md n/a: $out" ;; esac
out=$("$HSWEEP" collate k.h5 --sweep failing --rows fail --metric x_echo)
case "$out" in *"| true | – (4/4 n/a) |"*"x_echo: 4 failed"*) pass ;; *) fail "md failed: $out" ;; esac
out=$("$HSWEEP" collate k.h5 --sweep grid --rows x,k --metric xk --where "x=8")
case "$out" in *"| x | k | xk |"*"| 8 | 3 | 24 |"*"27 task(s) left out by --where"*) pass ;; *) fail "two row axes: $out" ;; esac
# merging a sweep that ran another kernel is refused, naming the difference
expect_fail 2 "sweep 'failing' ran kernel 'fail' in k.h5 but 'nonfinite' in p2.h5" \
    "$HSWEEP" collate k.h5 p2.h5 --sweep failing --metric x_echo
expect_fail 2 "has no sweep 'nan'" "$HSWEEP" collate k.h5 p2.h5 --sweep nan --metric final_loss
expect_fail 2 "--agg mode" "$HSWEEP" collate k.h5 --sweep grid --metric xk --agg mode
expect_fail 2 "--format xml" "$HSWEEP" collate k.h5 --sweep grid --metric xk --format xml
expect_fail 2 "no numeric column 'label'" "$HSWEEP" collate k.h5 --sweep grid --metric label
expect_fail 2 "'y' is not a parameter" "$HSWEEP" collate k.h5 --sweep grid --metric xk --where "y=1"
# pending rows (status reset with h5py): left out and counted; a task pending
# in one file but finished in another is not pending
cp p2.h5 pend.h5
check "reset status" "$PYTHON3" -c "
import h5py
with h5py.File('pend.h5', 'r+') as f:
    t = f['grid/tasks'][:]
    t['status'][:] = 0     # every x = 8 and x = 16 task pending
    f['grid/tasks'][:] = t
"
out=$("$HSWEEP" collate k.h5 pend.h5 --sweep grid --rows x --metric xk --agg count)
case "$out" in *"| 8 | 9 |"*"9 of 45 tasks not run yet (pending) are not included."*) pass ;; *) fail "pending: $out" ;; esac
case "$out" in *"| 16 |"*) fail "pending row shown: $out" ;; *) pass ;; esac
# report: verdicts, flips, exit codes (tests/mpi/report_golden.sh checks the whole output)
out=$("$HSWEEP" report k.h5); rc=$?
[ $rc = 4 ] && pass || fail "report exit $rc (wanted 4: rule 2 of grid is violated)"
case "$out" in *"| 1 | when x <= 2 and k = 2: xk < 5 | **held** | 2 / 0 / 0 |"*"| 2 | when x >= 4: xk < 10 | **violated** | 3 / 3 / 0 |"*"| 3 | when x > 100: xk > 0 | no data: no group matches \`when = \"x > 100\"\` | 0 / 0 / 0 |"*) pass ;; *) fail "report rules: $out" ;; esac
# a rule is never "violated" where it does not apply: rule 1 selects x <= 2 only
case "$out" in *"Rule 1: \`when x <= 2 and k = 2: xk < 5\`"*"- along x (2 values, 2 groups): never flips (held)"*) pass ;; *) fail "report flip: $out" ;; esac
case "$out" in *"| 4 | 3 | 3 ok | 12 | 1 | 2 violated |"*"| true | 1 | 2 failed | 0 | – (2/2 n/a) | 2 incomplete |"*"6 rules: 3 held, 1 violated, 1 incomplete, 1 no data (see above)."*) pass ;; *) fail "report groups: $out" ;; esac
expect_fail 4 "" "$HSWEEP" report k.h5 --strict
expect_fail 0 "" "$HSWEEP" report k.h5 --sweep failing
expect_fail 5 "" "$HSWEEP" report k.h5 --sweep failing --strict
"$HSWEEP" report k.h5 --format json > rep.json; [ $? = 4 ] && pass || fail "report json"
check "report json" "$PYTHON3" - <<'PY'
import json
r = json.load(open("rep.json"))
assert (r["rules"], r["held"], r["violated"], r["incomplete"], r["no_data"]) == (6, 3, 1, 1, 1), r
s = {x["name"]: x for x in r["sweeps"]}
g = s["grid"]["rules"]
assert [x["verdict"] for x in g] == ["held", "violated", "no data", "held"], g
assert (g[1]["held"], g[1]["violated"], g[1]["incomplete"]) == (3, 3, 0)
# rule 2 (x >= 4) along x: k = 1 holds at 4 and 8, k = 2 flips between 4 and 8, k = 3 violated at both
fx = [f for f in g[1]["flips"] if f["axis"] == "x"][0]
lines = {l["at"]["k"]: l for l in fx["lines"]}
assert lines[1]["constant"] == "held" and lines[3]["constant"] == "violated", fx
assert lines[2]["changes"] == [{"from": 4, "to": 8, "before": "held", "after": "violated"}], fx
fk = [f for f in g[1]["flips"] if f["axis"] == "k"][0]
assert sorted((l["at"]["x"], l["changes"][0]["from"], l["changes"][0]["to"]) for l in fk["lines"]) == [(4, 2, 3), (8, 1, 2)], fk
# rule 1 applies at x <= 2 only: no line along x reaches x = 4
f0 = [f for f in g[0]["flips"] if f["axis"] == "x"][0]
assert f0["n_values"] == 2 and f0["lines"][0]["constant"] == "held" and f0["lines"][0]["changes"] == [], f0
fr = s["failing"]["rules"]
# failed tasks make their groups incomplete, never "held" on the tasks left
assert [(x["verdict"], x["held"], x["incomplete"]) for x in fr] == [("held", 2, 0), ("incomplete", 2, 2)], fr
grp = {(x["params"]["fail"], x["params"]["x"]): x for x in s["failing"]["groups"]}
assert grp[True, 1]["verdicts"]["2"]["verdict"] == "incomplete" and "1" not in grp[True, 1]["verdicts"]
assert grp[False, 2]["verdicts"]["1"]["verdict"] == "held" and grp[False, 2]["verdicts"]["2"]["lhs"] == 2
assert grp[False, 2]["metrics"]["x_echo"] == {"mean": 2, "n_na": 0}
assert s["nan"]["rules"] == [] and s["nan"]["status"] == {"ok": 6, "nonfinite": 2}
PY
# several column axes: one column per (k, seed), each cell the one task's x*k
js cols2 k.h5 --sweep grid --rows x --cols k,seed --metric xk
out=$("$HSWEEP" collate k.h5 --sweep grid --rows x --cols k,seed --metric xk --format csv)
case "$out" in "x,k=1 seed=1,k=1 seed=2,k=1 seed=3,k=2 seed=1,"*"8,8,8,8,16,16,16,24,24,24") pass ;; *) fail "cols k,seed csv: $out" ;; esac
# two sweeps side by side by their shared axis x: grid's x_echo summed over
# 9 tasks, failing's over its 2 tasks with fail = false (the 2 failed give no value)
js side k.h5 --sweep grid,failing --rows x --metric x_echo --agg sum
out=$("$HSWEEP" collate k.h5 --sweep grid,failing --rows x --metric x_echo --agg sum)
case "$out" in *"| x | grid x_echo | failing x_echo |"*"| 2 | 18 | 4 (2/4 n/a) |"*"| 8 | 72 |  |"*) pass ;; *) fail "side by side md: $out" ;; esac
expect_fail 2 "sweep 'nan' has no axis or parameter 'x'" "$HSWEEP" collate k.h5 --sweep grid,nan --rows x --metric status
expect_fail 2 "sweep 'failing' has no numeric column 'xk'" "$HSWEEP" collate k.h5 --sweep grid,failing --rows x --metric xk
# contrasts, checked below against the plain table's cells
js plain_kx k.h5 --sweep grid --rows k --cols x --metric xk,frac_ok
js con_diff k.h5 --sweep grid --rows k --metric xk,frac_ok --contrast x=8-2
js con_ratio k.h5 --sweep grid --rows k --metric xk --contrast x=8/2
js plain_nan k.h5 --sweep nan --rows steps --cols at_step --metric final_loss
js con_neg k.h5 --sweep nan --rows steps --metric final_loss --contrast at_step=-1-4
out=$("$HSWEEP" collate k.h5 --sweep grid --rows k --metric xk --contrast x=8-2)
case "$out" in *"xk (mean at x=8 − mean at x=2)"*"| 3 | 18 |"*) pass ;; *) fail "contrast md: $out" ;; esac
expect_fail 2 "sweep 'grid' has no task with x = 3 (x has 1, 2, 4, 8)" "$HSWEEP" collate k.h5 --sweep grid --metric xk --contrast x=8-3
expect_fail 2 "has no axis or parameter 'y'" "$HSWEEP" collate k.h5 --sweep grid --metric xk --contrast y=1-2
expect_fail 2 "'x' cannot also be a --rows or --cols axis" "$HSWEEP" collate k.h5 --sweep grid --rows x --metric xk --contrast x=8-2
expect_fail 2 "expected AXIS=A-B" "$HSWEEP" collate k.h5 --sweep grid --metric xk --contrast x=8
check "side, cols, contrasts" "$PYTHON3" - <<'PY'
import json, math
J = lambda n: json.load(open(n + ".json"))
d = J("cols2")
assert d["cols"] == ["k", "seed"] and len(d["cells"]) == 4 * 3 * 3, d["cols"]
assert sorted((c["x"], c["k"], c["seed"]) for c in d["cells"]) == sorted(
    (x, k, s) for x in (1, 2, 4, 8) for k in (1, 2, 3) for s in (1, 2, 3))
for c in d["cells"]:
    assert c["value"] == c["x"] * c["k"] and c["n_values"] == 1, c
side = {(c["sweep"], c["x"]): c for c in J("side")["cells"]}
assert sorted(side) == [("failing", 1), ("failing", 2)] + [("grid", x) for x in (1, 2, 4, 8)], sorted(side)
for x in (1, 2, 4, 8):
    assert side["grid", x]["value"] == 9 * x and side["grid", x]["n_values"] == 9
for x in (1, 2):
    c = side["failing", x]
    assert c["value"] == 2 * x and (c["n_values"], c["n_na"], c["n_tasks"]) == (2, 2, 4), c
# contrast = plain cell at the first value op plain cell at the second, per remaining key
plain = {(c["k"], c["x"], c["metric"]): c for c in J("plain_kx")["cells"]}
diff, ratio = J("con_diff"), J("con_ratio")
assert diff["contrast"] == {"axis": "x", "first": "8", "second": "2", "op": "difference"}, diff["contrast"]
assert len(diff["cells"]) == 6 and len(ratio["cells"]) == 3
for c in diff["cells"]:
    a, b = plain[c["k"], 8, c["metric"]], plain[c["k"], 2, c["metric"]]
    assert c["value"] == a["value"] - b["value"] and (c["first"], c["second"]) == (a["value"], b["value"]), c
    assert c["n_tasks"] == a["n_tasks"] + b["n_tasks"] == 6, c
assert [c["value"] for c in diff["cells"] if c["metric"] == "xk"] == [6, 12, 18]
for c in ratio["cells"]:
    assert c["value"] == plain[c["k"], 8, "xk"]["value"] / plain[c["k"], 2, "xk"]["value"] == 4, c
# negative axis values split at the right '-': at_step = -1 minus at_step = 4
plain = {(c["steps"], c["at_step"]): c for c in J("plain_nan")["cells"]}
con = {c["steps"]: c for c in J("con_neg")["cells"]}
assert J("con_neg")["contrast"]["first"] == "-1" and J("con_neg")["contrast"]["second"] == "4"
assert con[3]["value"] == plain[3, -1]["value"] - plain[3, 4]["value"] == 0, con[3]
# steps 10: at_step 4 is NaN in every task, so the contrast has no value and says so
assert con[10]["value"] is None and con[10]["n_na"] == 2 and plain[10, 4]["n_na"] == 2, con[10]
PY
# strings with a comma, a quote, a tab and a newline round-trip through csv/tsv readers
cat > strings.cfg <<'CFG'
sweeps = ( { name = "s"; kernel = "noop";
             matrix = { label = ["a,b", "say \"hi\"", "tab\there", "two\nlines", "plain"]; x = [0.5, 2.0]; };
             seeds = [1, 2]; } );
CFG
check "run strings" "$HSWEEP" run strings.cfg -o s.h5 --quiet
"$HSWEEP" collate s.h5 --rows label --cols x --metric label_len,x_echo --format csv > s.csv || fail "strings csv"
"$HSWEEP" collate s.h5 --rows label --cols x --metric label_len,x_echo --format tsv > s.tsv || fail "strings tsv"
"$HSWEEP" collate s.h5 --rows label --cols x --metric label_len,x_echo,status --format long-csv > s_long.csv || fail "long csv"
"$HSWEEP" collate s.h5 --rows label --cols x --metric label_len,x_echo,status --format long-tsv > s_long.tsv || fail "long tsv"
"$HSWEEP" collate s.h5 --rows label --cols x --metric label_len,x_echo,status --format json > s.json || fail "strings json"
"$HSWEEP" collate k.h5 --sweep nan --rows steps --cols at_step --metric final_loss --agg meanstd --format long-csv > nan_long.csv 2>/dev/null || fail "nan long"
"$HSWEEP" collate k.h5 --sweep nan --rows steps --cols at_step --metric final_loss --agg meanstd --format json > nan_ms.json || fail "nan json"
out=$("$HSWEEP" collate s.h5 --rows label --metric label_len)
case "$out" in *"| a,b | 3 |"*"| say \"hi\" | 8 |"*"| two lines | 9 |"*) pass ;; *) fail "strings md: $out" ;; esac
check "csv, tsv and long read back" "$PYTHON3" - <<'PY'
import csv, json, math
import pandas as pd
labels = ["a,b", 'say "hi"', "tab\there", "two\nlines", "plain"]
for name, delim in (("s.csv", ","), ("s.tsv", "\t")):
    with open(name, newline="") as f:
        rows = list(csv.reader(f, delimiter=delim))
    assert rows[0] == ["label", "0.5 label_len", "2 label_len", "0.5 x_echo", "2 x_echo"], rows[0]
    assert sorted(r[0] for r in rows[1:]) == sorted(labels), rows
    for r in rows[1:]:
        assert [float(v) for v in r[1:]] == [len(r[0]), len(r[0]), 0.5, 2.0], r
    df = pd.read_csv(name, sep=delim)
    assert sorted(df["label"]) == sorted(labels) and (df["0.5 label_len"] == df["label"].str.len()).all()
# the long format, read by pandas as is, holds exactly the JSON's cells
js = json.load(open("s.json"))
for name, delim in (("s_long.csv", ","), ("s_long.tsv", "\t")):
    df = pd.read_csv(name, sep=delim)
    assert list(df.columns) == ["sweep", "label", "x", "metric", "agg", "value", "n_values", "n_na", "n_tasks"], list(df.columns)
    num = df[df.metric != "status"]
    assert len(num) == 2 * len(labels) * 2
    for c in js["cells"]:
        m = df[(df.label == c["label"]) & (df.x == c["x"]) & (df.metric == c["metric"])]
        if c["metric"] == "status":
            assert list(m["agg"]) == ["ok"] and list(m.value) == [c["status"]["ok"]] and m.n_values.isna().all(), m
        else:
            assert len(m) == 1 and m["agg"].iloc[0] == "mean", m
            r = m.iloc[0]
            assert (r.value, r.n_values, r.n_na, r.n_tasks) == (c["value"], c["n_values"], c["n_na"], c["n_tasks"]), (r, c)
    assert (num[num.metric == "label_len"].value == num[num.metric == "label_len"].label.str.len()).all()
# mean±std: a mean and a std line per cell; a cell with no value is empty (NaN), with its n/a count
df = pd.read_csv("nan_long.csv")
ms = {(c["steps"], c["at_step"]): c for c in json.load(open("nan_ms.json"))["cells"]}
assert len(df) == 2 * len(ms) and set(df["agg"]) == {"mean", "std"}
for (steps, at), c in ms.items():
    for agg, want in (("mean", c["value"]), ("std", c["std"])):
        r = df[(df.steps == steps) & (df.at_step == at) & (df["agg"] == agg)].iloc[0]
        assert (math.isnan(r.value) if want is None else r.value == want), (r, c)
        assert (r.n_values, r.n_na, r.n_tasks) == (c["n_values"], c["n_na"], c["n_tasks"]), (r, c)
PY
# a --where condition that matches no task: a warning naming it and the values the axis has; exit 3
out=$("$HSWEEP" collate k.h5 --sweep grid --rows x --metric xk --where "k>=5" 2>&1 >/dev/null); rc=$?
[ $rc = 3 ] && pass || fail "empty table exit $rc"
case "$out" in *"--where \"k >= 5\" matches no task of sweep 'grid' (k has 1, 2, 3)"*) pass ;; *) fail "warning: $out" ;; esac
out=$("$HSWEEP" collate k.h5 --sweep grid --rows x --metric xk --where "x = 1" --where "x = 2" 2>&1 >/dev/null); rc=$?
case "$rc $out" in "3 "*"the --where conditions together match no task of sweep 'grid'"*) pass ;; *) fail "together: $rc $out" ;; esac
out=$("$HSWEEP" collate k.h5 --sweep grid --rows x --metric xk --where "x = 3" --format csv 2>err); rc=$?
[ "$rc:$out" = "3:x,xk" ] && pass || fail "empty csv: $rc $out"
case "$(cat err)" in *"matches no task of sweep 'grid' (x has 1, 2, 4, 8)"*) pass ;; *) fail "csv warning: $(cat err)" ;; esac
out=$("$HSWEEP" collate k.h5 --sweep grid --rows x --metric xk --where "x = 2" 2>&1 >/dev/null); rc=$?
[ "$rc:$out" = "0:" ] && pass || fail "a matching --where warns: $rc $out"
# status prints the command that resumes the file: the recorded sweep file, -o when needed, quoted
cp "$d/collate_known.cfg" "my sweep.cfg"
expect_fail 4 "4 task(s) ended failed" "$HSWEEP" run "my sweep.cfg" --quiet
cp k.h5 "it's.h5"
check "reset statuses" "$PYTHON3" -c "
import h5py
for n in ('it\'s.h5', 'results/collate_known.h5'):
    with h5py.File(n, 'r+') as f:
        t = f['grid/tasks'][:]
        t['status'][:5] = 0
        f['grid/tasks'][:] = t
"
for f in "it's.h5" results/collate_known.h5; do
    line=$("$HSWEEP" status "$f" | tail -n 1)
    case "$f" in
    "it's.h5") want="5 task(s) remain: hsweep run --resume $d/collate_known.cfg -o 'it'\''s.h5'" ;;
    *) want="5 task(s) remain: hsweep run --resume 'my sweep.cfg'" ;;
    esac
    [ "$line" = "$want" ] && pass || fail "status resume line: $line (wanted $want)"
    cmd=${line#*remain: hsweep }
    eval "\"\$HSWEEP\" $cmd --quiet" 2>/dev/null
    [ $? = 4 ] && pass || fail "the printed command failed (not exit 4: the file's failed tasks): $cmd"
    case "$("$HSWEEP" status "$f")" in *"task(s) remain"*) fail "still pending after: $cmd" ;; *"36 tasks, 36 done"*) pass ;; *) fail "status after resume" ;; esac
done
finish
