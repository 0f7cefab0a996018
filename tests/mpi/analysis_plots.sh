# hs-labels: analysis
# analysis/: the loader's DataFrame and each plot, on sweeps of the test
# kernels with known values (tests/data/collate_known.cfg).  Fails when
# python3 lacks h5py, pandas or matplotlib (.ci/setup.sh installs them).
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py pandas matplotlib
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
# what each plot shows, read back from matplotlib's objects: labels, legend
# entries, cells, colours; from a small file whose values are known
cat > shown.cfg <<'CFG'
sweeps = (
  { name = "fine"; kernel = "noop";           # xk = x * k on an exact log grid
    matrix = { x = { from = 1e-4; to = 1e-3; num = 3; scale = "log"; }; k = [1, 2]; }; },
  { name = "close"; kernel = "noop";          # cells that differ in the 5th digit
    matrix = { x = [1.0, 1.0001, 1.0002]; k = [1, 3]; }; },
  { name = "many"; kernel = "nonfinite";      # 48 tasks: more than the 40 drawn by default
    matrix = { at_step = [-1, 2, 5]; steps = [6, 8]; }; seeds = [1, 2, 3, 4, 5, 6, 7, 8]; }
);
CFG
check "run shown" "$HSWEEP" run shown.cfg -o s.h5 --quiet
check "plot objects" "$PYTHON3" - <<'PY'
import matplotlib.colors as mc
import numpy as np
from matplotlib.lines import Line2D
import hsweep_plot as hp
import hsweep_results as hr

def texts(ax):
    return [t.get_text() for t in ax.texts]

# traces: colour by one axis, line style by another; legend names the values, off the axes
many = hr.load("s.h5", "many", traces=True)
fig, drawn = hp.plot_traces(many, "loss", color="at_step", style="steps")
ax = fig.axes[0]
leg = ax.get_legend()
assert [t.get_text() for t in leg.get_texts()] == [
    "at_step=-1", "at_step=2", "at_step=5", "steps=6", "steps=8", "became non-finite"], leg.get_texts()
fig.canvas.draw()
r = fig.canvas.get_renderer()
assert leg.get_window_extent(r).x0 >= ax.get_window_extent(r).x1, "legend overlaps the axes"
assert len(drawn) == 40 and "showing the first 40 of 48 tasks" in ax.get_title(), ax.get_title()
assert "became non-finite" in ax.get_title()
curves = [l for l in ax.get_lines() if l.get_marker() in ("None", None, "")]
assert len(curves) == 40
col = {-1: "C0", 2: "C1", 5: "C2"}
sty = {6: "-", 8: "--"}
for line, (_, row) in zip(curves, many.head(40).iterrows()):
    assert mc.same_color(line.get_color(), col[row.at_step]), (line.get_color(), row.at_step)
    assert line.get_linestyle() == sty[row.steps], (line.get_linestyle(), row.steps)
crosses = [l for l in ax.get_lines() if l.get_marker() == "x"]
assert len(crosses) == len(many.head(40).query("at_step >= 0")), len(crosses)
# nothing became non-finite: the title does not say so, and nothing was left out
fig, _ = hp.plot_traces(hr.select(many, "at_step=-1"), "loss", style="steps", max_tasks=100)
title = fig.axes[0].get_title()
assert "non-finite" not in title and "showing" not in title, title
assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["steps=6", "steps=8"]
# heatmap: one cell per (x, k); tick labels as hsweep's tables print the exact grid
fig, val = hp.plot_heatmap(hr.load("s.h5", "fine"), "x", "k", "xk")
ax = fig.axes[0]
assert ax.images[0].get_array().shape == (2, 3) and len(texts(ax)) == 6
assert [t.get_text() for t in ax.get_xticklabels()] == ["0.0001", "0.000316228", "0.001"]
assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2"]
# cells: the fewest digits (3 at least) that tell them apart
assert texts(ax) == ["0.0001", "0.000316", "0.001", "0.0002", "0.000632", "0.002"], texts(ax)
# enough digits to tell the cells apart
fig, _ = hp.plot_heatmap(hr.load("s.h5", "close"), "x", "k", "x_echo")
assert texts(fig.axes[0]) == ["1", "1.0001", "1.0002"] * 2, texts(fig.axes[0])
assert hp.cell_digits([1.0, 1.0001, 1.0002]) == 5 and hp.cell_digits([2.0, 2.0]) == 3
# every cell equal: a scale around the value, the cells at its middle, and said so
fig, _ = hp.plot_heatmap(hr.load("s.h5", "close"), "x", "k", "label_len")
im = fig.axes[0].images[0]
assert im.norm.vmin < 1 < im.norm.vmax and abs(im.norm(1.0) - 0.5) < 1e-12, (im.norm.vmin, im.norm.vmax)
assert "every cell 1" in fig.axes[0].get_title(), fig.axes[0].get_title()
# a reference value: diverging scale centred on it; above red, below blue
fig, _ = hp.plot_heatmap(hr.load("s.h5", "close"), "x", "k", "xk", ref=2.0)
im = fig.axes[0].images[0]
assert isinstance(im.norm, mc.TwoSlopeNorm) and im.norm.vcenter == 2.0
assert "reference 2" in fig.axes[0].get_title()
lo, hi = im.cmap(im.norm(1.0)), im.cmap(im.norm(3.0))
assert lo[2] > lo[0] and hi[0] > hi[2], (lo, hi)
assert any(abs(l.get_ydata()[0] - 2.0) < 1e-12 for l in fig.axes[1].get_lines())
PY
# analysis/README.md's examples name sweeps (and their files) that exist in sweeps/
check "README names existing sweeps" "$PYTHON3" - "$HS_SRC" <<'PY'
import os, re, sys
src = sys.argv[1]
text = open(os.path.join(src, "analysis/README.md")).read()
cmds = re.findall(r"results/(\w+)\.h5((?:[^\n]|\\\n)*)", text)
assert len(cmds) >= 8, cmds
for stem, rest in cmds:
    cfg = open(os.path.join(src, "sweeps", stem + ".cfg")).read()
    names = re.findall(r'\{\s*name\s*=\s*"([^"]+)"', cfg)
    m = re.search(r"--sweep (\S+)", rest)
    if m:
        assert m.group(1) in names, (stem, m.group(1), names)
    elif "hr.sweeps" not in rest and "--" in rest:
        assert len(names) == 1, (stem, "needs --sweep: it holds", names)
loads = re.findall(r'hr\.load\("results/(\w+)\.h5", "(\w+)"', text)
assert loads, "no hr.load example"
for stem, name in loads:
    cfg = open(os.path.join(src, "sweeps", stem + ".cfg")).read()
    assert f'name = "{name}"' in cfg, (stem, name)
PY
# the command line: every plot as a PNG with content (size, pixel spread, colours)
P="$PYTHON3 $HS_SRC/analysis/hsweep_plot.py"
check "axis" $P axis k.h5 p2.h5 --sweep grid --x x --metric xk --hue k -o axis.png
check "heatmap" $P heatmap k.h5 --sweep grid --x x --y k --metric xk -o heat.png
check "rate heatmap" $P heatmap k.h5 --sweep nan --x at_step --y steps --metric frac_nonfinite -o rate.png
check "traces" $P traces k.h5 --sweep nan --trace loss --label at_step,steps,seed -o traces.png
check "traces by colour and style" $P traces s.h5 --sweep many --trace loss --color at_step --style steps -o styled.png
check "heatmap with a reference" $P heatmap s.h5 --sweep close --x x --y k --metric xk --ref 2 -o ref.png
check "where" $P axis k.h5 --sweep failing --x x --metric x_echo --where "fail=false" -o where.png
expect_fail 2 "no trace 'x'" $P traces k.h5 --sweep failing --trace x -o none.png
check "png content" "$PYTHON3" - <<'PY'
import os
import matplotlib.image as mpimg
import numpy as np
for p in ("axis.png", "heat.png", "rate.png", "traces.png", "where.png", "styled.png", "ref.png"):
    assert os.path.getsize(p) > 8000, (p, os.path.getsize(p))
    a = mpimg.imread(p)[..., :3]
    colours = len(np.unique((a * 255).astype(np.uint8).reshape(-1, 3), axis=0))
    # a blank or single-colour image has std ~0 and a handful of colours
    assert a.shape[0] > 200 and a.shape[1] > 300 and a.std() > 0.05 and colours > 50, (p, a.shape, a.std(), colours)
PY
finish
