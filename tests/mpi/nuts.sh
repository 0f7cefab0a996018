# hs-labels: mpi
# Kernel nuts through the runner: identical results with 1 and 3 ranks, the
# centred eight schools diverges where the non-centred one does not (as in
# Stan), a small pose task runs with its diagnostics filled in in each of its
# coordinate systems, and coords = "joints" with free lengths is refused
# before any task runs.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
cat > n.cfg <<'CFG'
sweeps = (
  { name = "schools"; kernel = "nuts";
    fixed = { model = "eight_schools"; chains = 2; tune = 300; draws = 300; };
    matrix = { param = ["centered", "noncentered"]; };
    seeds = [1, 2, 3];
    expect = ( { when = "param = noncentered"; metric = "div_frac"; op = "<"; value = 0.005; } ); },
  { name = "pose"; kernel = "nuts";
    fixed = { model = "pose"; T = 8; chains = 2; tune = 60; draws = 30; use_hmm = true; use_mixture = true; };
    matrix = { coords = ["auto", "raw", "shell"]; };
    seeds = [1]; }
);
CFG
check "plain run" "$HSWEEP" run n.cfg -o one.h5 --quiet
check "3 ranks" mpirun_n 3 "$HSWEEP" run n.cfg -o three.h5 --quiet
# draws/s and ESS/s are timings: everything else must be bit-identical
check "identical but for timings" "$PYTHON3" - <<'PY'
import h5py, numpy as np
a, b = h5py.File("one.h5", "r"), h5py.File("three.h5", "r")
skip = {"rank", "host", "wall_s", "started_unix", "peak_rss_kb", "crc32c", "draws_per_s", "ess_per_s"}
for s in ("schools", "pose"):
    ta, tb = a[s]["tasks"][:], b[s]["tasks"][:]
    for n in ta.dtype.names:
        if n in skip:
            continue
        x, y = ta[n], tb[n]
        same = np.array_equal(x.view(np.uint64), y.view(np.uint64)) if x.dtype.kind == "f" else np.array_equal(x, y)
        assert same, (s, n)
    for tr in a[s]["traces"]:
        assert np.array_equal(a[s]["traces"][tr][:].view(np.uint64), b[s]["traces"][tr][:].view(np.uint64)), tr
t = a["schools"]["tasks"][:]
cen = t[t["param"] == b"centered"]["divergences"]
non = t[t["param"] == b"noncentered"]["divergences"]
print("divergences centered", list(cen), "noncentered", list(non))
assert cen.sum() > 0 and cen.sum() > 5 * non.sum()
p = a["pose"]["tasks"][:]
assert (p["status"] == 1).all() and np.isfinite(p["max_rhat"]).all() and (p["grad_evals"] > 0).all()
assert (p["neg_length_frac"] == 0).all() and np.isfinite(p["kappa_max_mean"]).all()
assert np.isfinite(p["length_rmse"]).all() and (p["length_rmse"] < 5).all(), p["length_rmse"]
PY
cat > bad.cfg <<'CFG'
sweeps = ( { name = "p"; kernel = "nuts";
  fixed = { model = "pose"; T = 8;
            lengths = "free"; coords = "joints"; }; } );
CFG
expect_fail 2 "bad.cfg:3" "$HSWEEP" run bad.cfg -o bad.h5
expect_fail 2 "key 'coords'" "$HSWEEP" run bad.cfg -o bad.h5
check "no file for a refused sweep" test ! -e bad.h5
out=$("$HSWEEP" report one.h5 --sweep schools) || fail "report"
case "$out" in *"| **held** |"*) pass ;; *) fail "the non-centred rule: $out" ;; esac
finish
