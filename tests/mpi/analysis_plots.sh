# hs-labels: analysis
# analysis/: the loader's DataFrame and each plot, on sweeps of the test
# kernels with known values (tests/data/collate_known.cfg).  Skipped (77)
# when python3 lacks h5py, pandas or matplotlib.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
"$PYTHON3" -c "import h5py, pandas, matplotlib" 2>/dev/null || { echo "skip: python3-h5py/pandas/matplotlib missing"; exit 77; }
d=$HS_SRC/tests/data
# (its failing sweep: 4 failed tasks, exit 4)
expect_fail 4 "4 task(s) ended failed" "$HSWEEP" run "$d/collate_known.cfg" -o k.h5 --quiet
check "run part 2" "$HSWEEP" run "$d/collate_part2.cfg" -o p2.h5 --quiet
export PYTHONPATH=$HS_SRC/analysis MPLBACKEND=Agg PYTHONDONTWRITEBYTECODE=1
check "loader" "$PYTHON3" - <<'PY'
import math
import numpy as np
import hsweep_results as hr
assert hr.sweeps("k.h5") == ["grid", "nan", "failing"]
g = hr.load("k.h5", "grid", traces=True)
assert len(g) == 36 and g.attrs["kernel"] == "noop" and g.attrs["axes"] == ["x", "k", "seed"]
assert (g.status == "ok").all() and (g.label == "abcd").all() and g.flag.dtype == bool and not g.flag.any()
assert np.array_equal(g.xk, g.x * g.k) and sorted(set(g.seed)) == [1, 2, 3]
for _, r in g.iterrows():  # ramp[i] = x + i, length trace_len = 4
    assert np.array_equal(r["ramp"], r["x"] + np.arange(4.0))
n = hr.load("k.h5", "nan", traces=True)
assert list(n.status.value_counts()[["ok", "nonfinite"]]) == [6, 2]
bad = n[n.status == "nonfinite"]
assert (bad.at_step == 4).all() and (bad.steps == 10).all() and (bad.first_nonfinite == 4).all()
for t in bad.loss:  # 1/(1+i) for i < 4, NaN from step 4 on
    assert len(t) == 10 and np.allclose(t[:4], 1 / (1 + np.arange(4))) and np.isnan(t[4:]).all()
v = hr.values(n, "final_loss")
assert v[n.status == "nonfinite"].isna().all() and v[n.status == "ok"].notna().all()
f = hr.load("k.h5", "failing")
assert (f.status[f.fail] == "failed").all() and (f.detail[f.fail] == "requested failure").all()
assert hr.values(f, "x_echo")[f.fail].isna().all() and (hr.values(f, "frac_ok") == (~f.fail)).all()
m = hr.load(["k.h5", "p2.h5"], "grid")  # x = 8 is in both files: kept once
assert len(m) == 45 and sorted(set(m.x)) == [1, 2, 4, 8, 16] and (m[m.x == 8].file == "k.h5").all()
try:
    hr.load(["k.h5", "p2.h5"], "failing")
    raise SystemExit("merging sweeps of different kernels was accepted")
except ValueError as e:
    assert "ran kernel 'fail'" in str(e), e
assert len(hr.select(g, "x>=4 and k=2")) == 6
PY
check "plot data" "$PYTHON3" - <<'PY'
import math
import numpy as np
import hsweep_plot as hp
import hsweep_results as hr
g = hr.load("k.h5", "grid")
_, s = hp.plot_axis(g, "x", "xk", hue="k")
for _, r in s.iterrows():  # identical seeds: mean = min = max = x * k
    assert r["mean"] == r["x"] * r["k"] == r["min"] == r["max"] and r["n"] == 3 and r["n_na"] == 0
_, s = hp.plot_axis(hr.load("k.h5", "failing"), "x", "x_echo", hue="fail")
assert list(s[s.fail].n_na) == [2, 2] and s[s.fail]["mean"].isna().all()
_, h = hp.plot_heatmap(hr.load("k.h5", "nan"), "at_step", "steps", "frac_nonfinite")
assert h.to_dict() == {-1: {3: 0.0, 10: 0.0}, 4: {3: 0.0, 10: 1.0}}, h
_, h = hp.plot_heatmap(hr.load("k.h5", "nan"), "at_step", "steps", "final_loss")
assert math.isnan(h.loc[10, 4]) and h.loc[10, -1] == 0.1 and abs(h.loc[3, 4] - 1 / 3) < 1e-15
_, t = hp.plot_traces(hr.load("k.h5", "nan", traces=True), "loss")
assert list(t.sort_values("task_id").points) == [3, 3, 10, 10, 3, 3, 4, 4]
assert list(t.sort_values("task_id").nonfinite) == [0] * 6 + [6, 6]
PY
# the command line: every plot as a PNG with content (size, pixel spread, colours)
P="$PYTHON3 $HS_SRC/analysis/hsweep_plot.py"
check "axis" $P axis k.h5 p2.h5 --sweep grid --x x --metric xk --hue k -o axis.png
check "heatmap" $P heatmap k.h5 --sweep grid --x x --y k --metric xk -o heat.png
check "rate heatmap" $P heatmap k.h5 --sweep nan --x at_step --y steps --metric frac_nonfinite -o rate.png
check "traces" $P traces k.h5 --sweep nan --trace loss --label at_step,steps,seed -o traces.png
check "where" $P axis k.h5 --sweep failing --x x --metric x_echo --where "fail=false" -o where.png
expect_fail 2 "no trace 'x'" $P traces k.h5 --sweep failing --trace x -o none.png
check "png content" "$PYTHON3" - <<'PY'
import os
import matplotlib.image as mpimg
import numpy as np
for p in ("axis.png", "heat.png", "rate.png", "traces.png", "where.png"):
    assert os.path.getsize(p) > 8000, (p, os.path.getsize(p))
    a = mpimg.imread(p)[..., :3]
    colours = len(np.unique((a * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    # a blank or single-colour image has std ~0 and a handful of colours
    assert a.shape[0] > 200 and a.shape[1] > 300 and a.std() > 0.05 and colours > 50, (p, a.shape, a.std(), colours)
PY
finish
