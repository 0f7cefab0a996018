# hs-labels: mpi
# Cost models from finished tasks: `plan --calibrate FILE` fits each sweep's
# factor to the wall_s recorded in FILE and says from how many tasks; a file
# of another kernel or of other sweeps is refused; `run --resume` orders the
# remaining tasks longest-first by the fitted model, not by the hints.
# Checks compare printed numbers with what the file records (wall_s, set
# below with h5py to known multiples of the sleep kernel's hint = seconds),
# never with how long anything took.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
cat > cal.cfg <<'CFG'
output = "cal.h5";
sweeps = (
  { name = "a"; kernel = "sleep";
    matrix = { seconds = [0.002, 0.004]; x = [1, 2, 3, 4]; }; },
  { name = "b"; kernel = "sleep";
    fixed = { seconds = 0.003; };
    matrix = { x = [1, 2, 3, 4]; }; } );
CFG
check "run" "$HSWEEP" run cal.cfg --quiet

# Real timings: the printed factor is exp(median(log(wall_s / hint))) of the file's tasks.
"$HSWEEP" plan cal.cfg --calibrate cal.h5 > real.txt 2>&1 || fail "plan --calibrate: $(cat real.txt)"
check "factor of the recorded times" "$PYTHON3" - <<'PY'
import h5py, numpy as np, re
out = open("real.txt").read()
f = h5py.File("cal.h5", "r")
for sw in ("a", "b"):
    t = f[sw + "/tasks"][:]
    want = float(np.exp(np.median(np.log(t["wall_s"] / t["seconds"]))))
    m = re.search(r"sweep %s .*?calibrated cost: ([0-9.e+-]+) core-seconds, ([0-9.e+-]+) x the hint; "
                  r"fitted to (\d+) finished task" % sw, out, re.S)
    assert m, out
    assert int(m.group(3)) == len(t), (sw, m.group(3))
    got = float(m.group(2))
    assert abs(got - want) <= 5e-3 * want, (sw, got, want)  # printed to 3 digits
    assert abs(float(m.group(1)) - want * t["seconds"].sum()) <= 5e-3 * want * t["seconds"].sum()
print("factors as recorded")
PY

# Known times: sweep a took 3x its hints, b half of them; one task of a
# failed after 100 s (not a timing sample) and two of b are still pending.
"$PYTHON3" - <<'PY' || fail "preparing known.h5"
import h5py, shutil
shutil.copy("cal.h5", "known.h5")
with h5py.File("known.h5", "r+") as f:
    for sw, factor in (("a", 3.0), ("b", 0.5)):
        t = f[sw + "/tasks"][:]
        t["wall_s"] = factor * t["seconds"]
        if sw == "a":
            t["status"][0], t["wall_s"][0] = 4, 100.0
        else:
            t["status"][2:] = 0
        f[sw + "/tasks"][:] = t
PY
"$PYTHON3" "$HS_SRC/tests/mpi/h5crc.py" known.h5 || fail "checksums of the edited rows"
# a damaged row (its checksum does not match) is no timing sample: its wall_s may be any bytes
cp known.h5 damaged.h5
"$PYTHON3" - <<'PY'
import h5py
with h5py.File("damaged.h5", "r+") as f:
    t = f["a/tasks"][:]
    t["wall_s"][1] = 1e9
    f["a/tasks"][:] = t
PY
"$HSWEEP" plan cal.cfg --calibrate known.h5 > known.txt 2>&1 || fail "plan --calibrate known.h5: $(cat known.txt)"
check "estimates corrected to the recorded times" "$PYTHON3" - <<'PY'
import h5py, re
out = open("known.txt").read()
f = h5py.File("known.h5", "r")
def num(pat):
    m = re.search(pat, out, re.S)
    assert m, (pat, out)
    return [float(g) for g in m.groups()]
hint_a = f["a/tasks"]["seconds"].sum()            # every task of a, as planned
hint_b = f["b/tasks"]["seconds"].sum()
est_a, = num(r"sweep a .*?estimated cost: ([0-9.e+-]+) core-seconds \(kernel's hint\)")
cal_a, fac_a, n_a = num(r"sweep a .*?calibrated cost: ([0-9.e+-]+) core-seconds, ([0-9.e+-]+) x the hint; "
                        r"fitted to (\d+) finished")
cal_b, fac_b, n_b = num(r"sweep b .*?calibrated cost: ([0-9.e+-]+) core-seconds, ([0-9.e+-]+) x the hint; "
                        r"fitted to (\d+) finished")
close = lambda x, y: abs(x - y) <= 5e-3 * abs(y)   # three printed digits
assert (n_a, n_b) == (7, 2), (n_a, n_b)             # the failed and the pending rows are not samples
assert close(est_a, hint_a) and close(fac_a, 3.0) and close(fac_b, 0.5), (est_a, fac_a, fac_b)
# The truth for a is 3x its hints: the calibrated estimate is it, the hint is 3x off.
assert close(cal_a, 3 * hint_a) and abs(cal_a - 3 * hint_a) < abs(est_a - 3 * hint_a)
assert close(cal_b, 0.5 * hint_b), cal_b
assert "1 failed, timed-out or crashed task(s) of known.h5 not used" in out, out
pend, pcal, phint = num(r"known.h5 still has (\d+) pending task\(s\) of 'b': ([0-9.e+-]+) core-seconds "
                        r"calibrated, ([0-9.e+-]+) by the hint")
assert pend == 2 and close(phint, 0.006) and close(pcal, 0.003), (pend, pcal, phint)
tot, = num(r"calibrated: ([0-9.e+-]+) core-seconds .* from 9 finished task\(s\) of known.h5")
assert close(tot, 3 * hint_a + 0.5 * hint_b), tot
print("calibrated", cal_a, cal_b, "from", n_a, n_b, "tasks")
PY
"$HSWEEP" plan cal.cfg --calibrate damaged.h5 > damaged.txt 2>&1 || fail "plan --calibrate damaged.h5: $(cat damaged.txt)"
grep -Eq "sweep a .*x the hint; fitted to 6 finished" <(tr '\n' ' ' < damaged.txt) && pass ||
    fail "a damaged row was taken as a timing sample: $(cat damaged.txt)"

# Refusals: the same sweep name with another kernel; a file of other sweeps; no file.
cat > other_kernel.cfg <<'CFG'
sweeps = ( { name = "a"; kernel = "noop"; matrix = { x = [1.0, 2.0]; }; } );
CFG
expect_fail 2 "sweep 'a' ran kernel 'sleep', but other_kernel.cfg:1 runs 'noop'" \
    "$HSWEEP" plan other_kernel.cfg --calibrate known.h5
cat > other_sweep.cfg <<'CFG'
sweeps = ( { name = "z"; kernel = "sleep"; matrix = { x = [1.0, 2.0]; }; } );
CFG
expect_fail 2 "known.h5: holds none of the sweeps of other_sweep.cfg (it holds: a, b" \
    "$HSWEEP" plan other_sweep.cfg --calibrate known.h5
out=$("$HSWEEP" plan cal.cfg --calibrate missing.h5 2>&1) && fail "a missing calibration file is accepted"
case "$out" in *missing.h5*) pass ;; *) fail "error does not name the file: $out" ;; esac

# Resume: sweep a's remaining tasks (hints 2-4 ms, 3x as long by the file's
# times) run before b's (hint 3 ms, half as long); by the hints alone, b's
# would come between a's 4 ms and 2 ms tasks.  One process runs the queue in order.
"$PYTHON3" - <<'PY' || fail "preparing order.h5"
import h5py, shutil
shutil.copy("cal.h5", "order.h5")
with h5py.File("order.h5", "r+") as f:
    for sw, factor in (("a", 3.0), ("b", 0.5)):
        t = f[sw + "/tasks"][:]
        t["wall_s"] = factor * t["seconds"]
        t["status"][t["x"] >= 3] = 0
        f[sw + "/tasks"][:] = t
PY
"$PYTHON3" "$HS_SRC/tests/mpi/h5crc.py" order.h5 || fail "checksums of the edited rows"
"$HSWEEP" run cal.cfg -o order.h5 --resume --isolation none > resume.txt 2>&1 || fail "resume: $(cat resume.txt)"
check "resume says what it fitted" grep -q "from the times of 6 finished task(s) in order.h5" resume.txt
check "longest first by the fitted model" "$PYTHON3" - <<'PY'
import h5py
f = h5py.File("order.h5", "r")
a, b = f["a/tasks"][:], f["b/tasks"][:]
assert (a["status"] == 1).all() and (b["status"] == 1).all()
ra = a["started_unix"][a["x"] >= 3]
rb = b["started_unix"][b["x"] >= 3]
assert ra.max() < rb.min(), (sorted(ra), sorted(rb))
# within a, longest first: the 4 ms tasks before the 2 ms ones
sel = a["x"] >= 3
assert a["started_unix"][sel & (a["seconds"] > 0.003)].max() < a["started_unix"][sel & (a["seconds"] < 0.003)].min()
print("order ok")
PY
finish
