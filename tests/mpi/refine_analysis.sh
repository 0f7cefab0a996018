# hs-labels: analysis
# analysis/ on a sweep with a refine block: the loader keeps the rows in use
# (origin >= 0) with their origin, traces line up with them, and the axis
# plot marks the refined points.  Fails when python3 lacks h5py, pandas
# or matplotlib (.ci/setup.sh installs them).
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py pandas matplotlib
cat > r.cfg <<'CFG'
sweeps = ( { name = "r"; kernel = "step"; fixed = { loc = 0.3137; };
             matrix = { x = [0.0, 0.5, 1.0]; }; seeds = [1, 2];
             expect = ( { metric = "y"; op = "<"; value = 0.5; } );
             refine = ( { rule = 1; axis = "x"; tol = 0.01; points = 3; } ); },
           { name = "t"; kernel = "nonfinite"; matrix = { steps = [4, 8]; at_step = [2, 9]; };
             expect = ( { metric = "first_nonfinite"; op = "<"; value = 0; } );
             refine = ( { rule = 1; axis = "at_step"; tol = 1; } ); } );
CFG
check "run" "$HSWEEP" run r.cfg -o r.h5 --quiet
export PYTHONPATH=$HS_SRC/analysis MPLBACKEND=Agg PYTHONDONTWRITEBYTECODE=1
check "loader and plot" "$PYTHON3" - <<'PY'
import h5py, numpy as np
import hsweep_results as hr, hsweep_plot as hp
raw = h5py.File("r.h5", "r")["r/tasks"][:]
df = hr.load("r.h5", "r")
assert len(df) == (raw["origin"] >= 0).sum() < len(raw), (len(df), len(raw))
assert (df.status == "ok").all() and sorted(set(df.origin))[0] == 0 and df.origin.max() >= 1
assert (df[df.origin == 0].x.isin([0.0, 0.5, 1.0])).all() and len(df[df.origin == 0]) == 6
# 0.5 -> 0.3137 needs [0.3125, 0.3203125]: 3 rounds of 3 points
assert df.origin.max() == 3 and (df.origin >= 1).sum() == 2 * 9, df.origin.value_counts()
fig, s = hp.plot_axis(df, "x", "y")
assert s["refined"].sum() == 18 and s[s.x.isin([0.0, 0.5, 1.0])]["refined"].sum() == 0
fig.savefig("r.png")
# traces line up with the rows in use: loss has length steps, NaN from at_step
t = hr.load("r.h5", "t", traces=True)
assert (t.origin >= 1).any()
for _, r in t.iterrows():
    assert len(r["loss"]) == r["steps"], (r["steps"], r["loss"])
    k = min(r["at_step"], r["steps"])
    assert np.isfinite(r["loss"][:k]).all() and np.isnan(r["loss"][k:]).all()
print("rows in use", len(df), "of", len(raw), "; refined", int((df.origin >= 1).sum()))
PY
check "plot CLI" "$PYTHON3" "$HS_SRC/analysis/hsweep_plot.py" axis r.h5 --sweep r --x x --metric y -o cli.png
[ -s cli.png ] && pass || fail "no PNG"
finish
