# hs-labels: analysis
# Grids are the numbers the user wrote, and a number typed as the tables print
# it selects the same rows in `hsweep collate --where` and in the Python
# loader's select(): log and linear ranges over several decades (0.3,
# 10^-3.5 = 0.000316228 as the table shows it) and values stored the inexact
# way older files hold them (0.010000000000000002), with = != <= < >= >.
# Fails when python3 lacks h5py or pandas (.ci/setup.sh installs them).
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py pandas
cat > grid.cfg <<'EOF'
sweeps = (
  { name = "logx"; kernel = "noop";
    matrix = { x = { from = 1e-4; to = 1; num = 9; scale = "log"; }; k = [1, 2]; };
    seeds = [1, 2]; },
  { name = "linx"; kernel = "noop";
    matrix = { x = { from = 0; to = 1; num = 11; }; }; },
  { name = "negx"; kernel = "noop";
    matrix = { x = { from = -0.3; to = 0.4; num = 8; }; }; },
  { name = "old"; kernel = "noop";   # what exp/log ranges used to give for 1e-2 .. 1
    matrix = { x = [0.010000000000000002, 0.10000000000000006, 1.0000000000000009]; }; } );
EOF
check "run" "$HSWEEP" run grid.cfg -o g.h5 --quiet
# SWEEP|CONDITION|expected x values (Python literals): the same rows from collate and select
cat > conds.txt <<'EOF'
logx|x=0.000316228|[10**-3.5]
logx|x=0.00031622776601683794|[10**-3.5]
logx|x!=0.000316228|[1e-4, 1e-3, 10**-2.5, 1e-2, 10**-1.5, 0.1, 10**-0.5, 1]
logx|x<=0.00316228|[1e-4, 10**-3.5, 1e-3, 10**-2.5]
logx|x<0.00316228|[1e-4, 10**-3.5, 1e-3]
logx|x>=0.0316228|[10**-1.5, 0.1, 10**-0.5, 1]
logx|x>0.0316228|[0.1, 10**-0.5, 1]
logx|x<=1e-2 and k=2|[1e-4, 10**-3.5, 1e-3, 10**-2.5, 1e-2]
logx|x=0.01|[0.01]
linx|x=0.3|[0.3]
linx|x<=0.3|[0.0, 0.1, 0.2, 0.3]
linx|x<0.3|[0.0, 0.1, 0.2]
linx|x>=0.7|[0.7, 0.8, 0.9, 1.0]
linx|x>0.7|[0.8, 0.9, 1.0]
linx|x!=0.1|[0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
negx|x=0|[0.0]
negx|x<0|[-0.3, -0.2, -0.1]
negx|x>=-0.1 and x<=0.1|[-0.1, 0.0, 0.1]
old|x=0.01|[0.010000000000000002]
old|x<=0.1|[0.010000000000000002, 0.10000000000000006]
old|x<1|[0.010000000000000002, 0.10000000000000006]
old|x>=1|[1.0000000000000009]
old|x>0.1|[1.0000000000000009]
EOF
i=0
while IFS='|' read -r sweep cond _; do
    i=$((i + 1))
    "$HSWEEP" collate g.h5 --sweep "$sweep" --rows x --metric x_echo --where "$cond" --format json \
        > "collate_$i.json" 2>/dev/null || fail "collate --sweep $sweep --where '$cond'"
done < conds.txt
export PYTHONPATH=$HS_SRC/analysis PYTHONDONTWRITEBYTECODE=1
check "grids and selections" "$PYTHON3" - <<'PY'
import json, warnings
import hsweep_results as hr
bad = []
# the grids hold exactly the doubles of the decimals written (10^-3.5: the nearest double)
want = {"logx": [1e-4, 10**-3.5, 1e-3, 10**-2.5, 1e-2, 10**-1.5, 0.1, 10**-0.5, 1.0],
        "linx": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
        "negx": [-0.3, -0.2, -0.1, 0.0, 0.1, 0.2, 0.3, 0.4]}
frames = {s: hr.load("g.h5", s) for s in ("logx", "linx", "negx", "old")}
for s, xs in want.items():
    got = sorted(set(frames[s].x))
    if got != xs:
        bad.append(f"{s}: grid {got!r}, want {xs!r}")
for i, line in enumerate(open("conds.txt"), 1):
    sweep, cond, expect = line.rstrip("\n").split("|")
    expect = sorted(eval(expect))
    name = f"collate_{i}.json"
    try:
        from_collate = sorted(c["x"] for c in json.load(open(name))["cells"])
    except (OSError, ValueError, KeyError) as e:
        from_collate = f"unreadable: {e}"
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        from_select = sorted(set(hr.select(frames[sweep], cond).x))
    if from_collate != expect or from_select != expect or w:
        bad.append(f"{sweep} '{cond}': collate {from_collate}, select {from_select}, "
                   f"want {expect}, warnings {[str(x.message) for x in w]}")
# a condition that matches no row is said, naming the values the column has
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    empty = hr.select(frames["logx"], "x = 0.0002 and k = 1")
if len(empty) or len(w) != 2 or "x = 0.0002" not in str(w[0].message) or "0.000316228" not in str(w[0].message):
    bad.append(f"no-match warning: {len(empty)} rows, {[str(x.message) for x in w]}")
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    hr.select(frames["logx"], "x < 0.0001")
if len(w) != 1:
    bad.append(f"x < 0.0001 (the smallest value): {[str(x.message) for x in w]}")
# the rule itself, value by value
assert hr.num_cmp(0.12, "0.1") == 1 and hr.num_cmp(0.1000004, "0.1") == 0
assert hr.num_cmp(0.3, "0.30000000000000004") == -1 and hr.num_cmp(1e-20, "0") == 1
for b in bad:
    print("FAIL:", b)
raise SystemExit(1 if bad else 0)
PY
finish
