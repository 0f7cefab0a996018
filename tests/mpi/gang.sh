# hs-labels: mpi
# ranks_per_task: workers form fixed gangs; every member runs the task on the
# gang communicator and the leader writes the row.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
cat > gang.cfg <<'CFG'
sweeps = ( { name = "g"; kernel = "gang"; ranks_per_task = 2;
             matrix = { x = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0]; }; },
           { name = "single"; kernel = "noop"; matrix = { x = [1.0, 2.0, 3.0]; }; } );
CFG
check "5 ranks = coordinator + 2 gangs of 2" mpirun_n 5 "$HSWEEP" run gang.cfg -o g5.h5 --quiet
check "3 ranks = coordinator + 1 gang" mpirun_n 3 "$HSWEEP" run gang.cfg -o g3.h5 --quiet
check "gang rows" "$PYTHON3" - <<'PY'
import h5py, numpy as np
for name, leaders in (("g5.h5", {1, 3}), ("g3.h5", {1})):
    f = h5py.File(name, "r")
    t = f["g/tasks"][:]
    assert (t["status"] == 1).all(), t["status"]
    assert (t["members"] == 2).all(), t["members"]
    assert np.array_equal(t["x_sum"], t["x"]), (t["x_sum"], t["x"])
    assert set(t["rank"]) <= leaders, (name, set(t["rank"]))
    s = f["single/tasks"][:]
    assert (s["status"] == 1).all() and set(s["rank"]) <= leaders
print("ok")
PY
expect_fail 2 "ranks_per_task = 2 needs at least 3 MPI ranks" mpirun_n 2 "$HSWEEP" run gang.cfg -o g2.h5
check "one process runs gang tasks alone" "$HSWEEP" run gang.cfg -o g1.h5 --quiet
finish
