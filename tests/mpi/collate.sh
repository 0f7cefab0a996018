# hs-labels: mpi
# collate and report on sweeps of the test kernels, where every cell is known:
# grid: xk = x*k for x in {1,2,4,8}, k in {1,2,3}, 3 seeds; nan: final_loss
# 1/steps unless NaN; failing: failed tasks give no value.  Merges, filters,
# every aggregation, NaN and failed rows, pending rows, expect verdicts.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
d=$HS_SRC/tests/data
check "run known" "$HSWEEP" run "$d/collate_known.cfg" -o k.h5 --quiet
check "run part 2" "$HSWEEP" run "$d/collate_part2.cfg" -o p2.h5 --quiet
# js NAME ARGS...: collate --format json into NAME.json
js() { local n=$1; shift; "$HSWEEP" collate "$@" --format json > "$n.json" || fail "collate $*"; }
js grid_xk k.h5 --sweep grid --rows x --cols k --metric xk
for a in mean median std min max count frac_ok meanstd; do js "agg_$a" k.h5 --sweep grid --rows x --metric xk --agg "$a"; done
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
        "max": lambda x: 3 * x, "count": lambda x: 9, "frac_ok": lambda x: 1,
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
# report: verdicts, flip points, exit codes
out=$("$HSWEEP" report k.h5); rc=$?
[ $rc = 0 ] && pass || fail "report exit $rc"
case "$out" in *"| 1 | x <= 2 and k = 2 | xk < 5 | held | 2 / 0 / 0 |"*"| 2 | x >= 4 | xk < 10 | violated | 3 / 3 / 0 |"*"| 3 | x > 100 | xk > 0 | no data | 0 / 0 / 0 |"*) pass ;; *) fail "report rules: $out" ;; esac
case "$out" in *"xk crosses 5 between x=2 (4, held) and x=4 (8, violated)"*) pass ;; *) fail "report flip: $out" ;; esac
case "$out" in *"| 4 | 3 | 3 ok | 12 | 1 | 2 violated |"*"| true | 1 | 2 failed | 0 | – (2/2 n/a) | 2 no data |"*"2 of 6 rules not held"*) pass ;; *) fail "report groups: $out" ;; esac
expect_fail 1 "" "$HSWEEP" report k.h5 --strict
"$HSWEEP" report k.h5 --sweep failing --strict >/dev/null && pass || fail "strict, all held"
"$HSWEEP" report k.h5 --format json > rep.json || fail "report json"
check "report json" "$PYTHON3" - <<'PY'
import json
r = json.load(open("rep.json"))
assert r["rules"] == 6 and r["not_held"] == 2
s = {x["name"]: x for x in r["sweeps"]}
g = s["grid"]["rules"]
assert [x["verdict"] for x in g] == ["held", "violated", "no data", "held"], g
assert (g[1]["held"], g[1]["violated"], g[1]["no_data"]) == (3, 3, 0)
# rule 2 along x: k = 2 flips between 4 and 8, k = 3 between 2 and 4; along k: x = 4 at 2 -> 3, x = 8 at 1 -> 2
fl = sorted((f["axis"], f["from"], f["to"], tuple(sorted(f["from_group"].items()))) for f in g[1]["flips"])
assert fl == sorted([("x", 4, 8, (("k", 2), ("x", 4))), ("x", 2, 4, (("k", 3), ("x", 2))),
                     ("k", 2, 3, (("k", 2), ("x", 4))), ("k", 1, 2, (("k", 1), ("x", 8)))]), fl
f0 = [f for f in g[0]["flips"] if f["axis"] == "x"]
assert len(f0) == 1 and (f0[0]["from"], f0[0]["to"], f0[0]["from_value"], f0[0]["to_value"]) == (2, 4, 4, 8), f0
assert f0[0]["held_before"] is True and f0[0]["changes"] == 1
fr = s["failing"]["rules"]
assert [(x["verdict"], x["held"], x["no_data"]) for x in fr] == [("held", 2, 0), ("held", 2, 2)], fr
grp = {(x["params"]["fail"], x["params"]["x"]): x for x in s["failing"]["groups"]}
assert grp[True, 1]["verdicts"] == {"2": "no data"} and grp[False, 2]["verdicts"] == {"1": "held", "2": "held"}
assert grp[False, 2]["metrics"]["x_echo"] == {"mean": 2, "n_na": 0}
assert s["nan"]["rules"] == [] and s["nan"]["status"] == {"ok": 6, "nonfinite": 2}
PY
finish
