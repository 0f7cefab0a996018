# hs-labels: mpi
# Kernel `train` through the runner: a small sweep gives bit-identical rows
# and traces with 1 and 3 ranks, a huge learning rate is a result (status
# nonfinite or diverged, with its update index), and a bad CSV is a failed
# task whose detail names the file and line.
. "$(dirname "$0")/lib.bash"
cat > "$WORK/train.cfg" <<EOF
output = "$WORK/unused.h5";
sweeps = (
  { name = "small";
    kernel = "train";
    fixed = { epochs = 2; flow_hidden = 16; clf_hidden = 16; n_train = 60; batch_size = 16;
              pred_samples = 10; label_ratio = 0.5; };
    matrix = { lr = [5e-4, 1e3]; precision = ["f32", "f64"]; };
    seeds = [1, 2];
  },
  { name = "badcsv";
    kernel = "train";
    fixed = { data = "csv"; csv_path = "$WORK/bad.csv"; t_col = "t"; y_col = "y"; n_train = 2; };
  }
);
EOF
printf 'a,t,y\n1,0,2\n2,1,3\n3,0,oops\n' > "$WORK/bad.csv"
# (sweep "badcsv" fails its task by design: exit 4)
expect_fail 4 "1 task(s) ended failed" "$HSWEEP" run "$WORK/train.cfg" -o "$WORK/plain.h5" --quiet
expect_fail 4 "1 task(s) ended failed" mpirun_n 3 "$HSWEEP" run "$WORK/train.cfg" -o "$WORK/n3.h5" --quiet
check "n=3 identical to plain" h5same "$WORK/plain.h5" "$WORK/n3.h5"
check "statuses and failure signals" "$PYTHON3" - "$WORK/n3.h5" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
t = f["small"]["tasks"][:]
assert len(t) == 8, len(t)
ok = t["lr"] < 1
assert (t["status"][ok] == 1).all(), t["status"]
assert np.all(t["first_nonfinite"][ok] == -1) and np.all(t["diverged_at"][ok] == -1)
assert np.all(t["updates"][ok] == 2 * 4)
# lr = 1e3: Adam moves every weight by 1e3 at the first step
bad = ~ok
assert set(t["status"][bad]) <= {2, 3}, t["status"][bad]
idx = np.maximum(t["first_nonfinite"][bad], t["diverged_at"][bad])
assert np.all(idx >= 1) and np.all(idx <= 8), idx
tr = f["small"]["traces"]["val_rmse"][:]
assert tr.shape[1] == 2 and np.isfinite(tr[ok]).all()
assert np.all(t["val_rmse_len"][ok] == 2)
b = f["badcsv"]["tasks"][:]
assert b["status"][0] == 4, b["status"]
assert b"bad.csv:4: column 'y': 'oops' is not a finite number" in b["detail"][0], b["detail"][0]
print("train rows ok")
PY
finish
