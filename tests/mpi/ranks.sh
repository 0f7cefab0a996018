# hs-labels: mpi
# The same sweep file gives bit-identical results with 1 (no mpiexec), 1, 2
# and 3 ranks, every row written exactly once.
. "$(dirname "$0")/lib.bash"
cfg=$HS_SRC/tests/data/runner.cfg
# (its sweep "failing" fails 2 tasks by design: exit 4)
expect_fail 4 "2 task(s) ended failed" "$HSWEEP" run "$cfg" -o "$WORK/plain.h5" --quiet
for n in 1 2 3; do
    expect_fail 4 "2 task(s) ended failed" mpirun_n "$n" "$HSWEEP" run "$cfg" -o "$WORK/n$n.h5" --quiet
    check "n=$n identical to plain" h5same "$WORK/plain.h5" "$WORK/n$n.h5"
done
check "rows complete, once, by workers" "$PYTHON3" - "$WORK" <<'PY'
import sys, h5py, numpy as np
w = sys.argv[1]
for n in (1, 2, 3):
    f = h5py.File(f"{w}/n{n}.h5", "r")
    assert f.attrs["ranks"] == n
    for s in ("echo", "nan", "failing"):
        t = f[s]["tasks"][:]
        assert (t["status"] != 0).all(), (n, s, "pending rows left")
        assert (t["attempts"] == 1).all()
        assert sorted(t["task_id"]) == list(range(len(t)))
        # with a coordinator, only worker ranks run tasks
        if n > 1:
            assert set(t["rank"]) <= set(range(1, n)), set(t["rank"])
    e = f["echo"]["tasks"][:]
    assert len(e) == 2 * 4 * 3 * 3
    assert np.array_equal(e["xk"], e["x"] * e["k"])
    assert (e["status"] == 1).all()
    nan = f["nan"]["tasks"][:]
    # at_step -1 never goes non-finite; 0, 4, 9 do, at that step
    assert list(nan["status"]) == [1, 2, 2, 2], list(nan["status"])
    assert list(nan["first_nonfinite"]) == [-1, 0, 4, 9]
    fl = f["failing"]["tasks"][:]
    assert list(fl["status"]) == [4, 4, 1, 1]
    assert fl["detail"][0] == b"requested failure"
print("rows ok")
PY
finish
