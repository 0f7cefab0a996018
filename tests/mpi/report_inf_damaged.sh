# hs-labels: mpi
# hsweep report on rows edited with h5py (tests/data/report/rules.cfg, grid:
# xk = x * k, seeds 1 and 2): a ±inf metric is left out of the group mean the
# table shows and counted as n/a (never averaged in, never an "inf" or a blank
# without a count), the rule on that group is incomplete; a damaged row (its
# checksum no longer matches) is counted in the Markdown and in the JSON.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py
d=$HS_SRC/tests/data/report
expect_fail 4 "4 task(s) ended failed" "$HSWEEP" run "$d/rules.cfg" -o r.h5 --quiet
cp r.h5 inf.h5
cp r.h5 dmg.h5
# inf.h5: group x=1, k=1 has xk = inf, 1 (mean over finite values 1); group
# x=2, k=1 has xk = -inf, +inf (no finite value); checksums recomputed
check "set inf" "$PYTHON3" - <<'PY'
import h5py
def row(t, x, k, seed):
    i = [j for j in range(len(t)) if t["x"][j] == x and t["k"][j] == k and t["seed"][j] == seed]
    assert len(i) == 1, i
    return i[0]
with h5py.File("inf.h5", "r+") as f:
    t = f["grid/tasks"][:]
    t["xk"][row(t, 1, 1, 1)] = float("inf")
    t["xk"][row(t, 2, 1, 1)] = float("-inf")
    t["xk"][row(t, 2, 1, 2)] = float("inf")
    f["grid/tasks"][:] = t
with h5py.File("dmg.h5", "r+") as f:
    t = f["grid/tasks"][:]
    t["xk"][row(t, 4, 3, 2)] += 1.0   # checksum not recomputed: a damaged row
    f["grid/tasks"][:] = t
PY
"$PYTHON3" "$HS_SRC/tests/mpi/h5crc.py" inf.h5 || fail "checksums of the edited rows"
"$HSWEEP" report inf.h5 --sweep grid > inf.md
"$HSWEEP" report inf.h5 --sweep grid --format json > inf.json
check "inf: md group x=1, k=1 shows the finite mean 1 with 1/2 n/a: $(grep '^| 1 | 1 ' inf.md)" \
    grep -q '^| 1 | 1 | 2 ok | 1 (1/2 n/a) | 1 |' inf.md
check "inf: md group x=2, k=1 shows no value with 2/2 n/a: $(grep '^| 2 | 1 ' inf.md)" \
    grep -q '^| 2 | 1 | 2 ok | – (2/2 n/a) | 2 |' inf.md
check "inf: no inf in the md group table" sh -c "! grep -Eq '^\\| [0-9.]+ \\| [0-9]+ \\| .*inf' inf.md"
check "inf: json" "$PYTHON3" - <<'PY'
import json
s = json.load(open("inf.json"))["sweeps"][0]
g = {(x["params"]["x"], x["params"]["k"]): x for x in s["groups"]}
assert g[1, 1]["metrics"]["xk"] == {"mean": 1, "n_na": 1}, g[1, 1]
assert g[2, 1]["metrics"]["xk"] == {"mean": None, "n_na": 2}, g[2, 1]
assert g[4, 1]["metrics"]["xk"] == {"mean": 4, "n_na": 0}, g[4, 1]
# rule 4 (xk >= 12 in every group) on a group with ±inf: incomplete, not a verdict
v = g[1, 1]["verdicts"]["4"]
assert v["verdict"] == "incomplete" and v["why"] == "the mean is ±inf", v
PY
"$HSWEEP" report dmg.h5 --sweep grid > dmg.md
"$HSWEEP" report dmg.h5 --sweep grid --format json > dmg.json
check "damaged: md counts it: $(sed -n 3p dmg.md)" \
    grep -q '^18 tasks: 17 ok, 1 pending\. 1 damaged row(s) counted as pending (dmg\.h5: task [0-9]*;' dmg.md
check "damaged: json counts it" "$PYTHON3" - <<'PY'
import json
s = json.load(open("dmg.json"))["sweeps"][0]
assert s["tasks"] == 18 and s["pending"] == 1 and s["damaged"] == 1, s
assert s["damaged_rows"].startswith("dmg.h5: task "), s["damaged_rows"]
r = json.load(open("inf.json"))["sweeps"][0]
assert r["damaged"] == 0 and "damaged_rows" not in r, r
PY
finish
