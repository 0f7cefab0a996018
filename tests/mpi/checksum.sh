# hs-labels: mpi
# Per-row checksums (crc32c): a byte flipped in a finished row or in its
# trace row is found by status, collate and resume, which name the rows by
# task id; `run --resume --repair` reruns exactly those rows, after which
# the file equals an undamaged run.  A status byte out of range is a damaged
# row too, rerun by --retry-failed.  A file without the column (format 1)
# is still read.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py
cat > s.cfg <<'CFG'
sweeps = ( { name = "a"; kernel = "noop"; fixed = { trace_len = 3; };
             matrix = { x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; }; } );
CFG
check "run" mpirun_n 2 "$HSWEEP" run s.cfg -o good.h5 --quiet
cp good.h5 bad.h5
"$HSWEEP" status good.h5 > st0.txt; rc=$?
check "status of an intact file exits 0 (got $rc)" test "$rc" = 0
check "format_version 2" "$PYTHON3" -c "import h5py,sys; sys.exit(int(h5py.File('good.h5','r').attrs['format_version']) != 2)"
# Flip one byte of task 1's metric xk (row data) and one of task 4's ramp trace.
"$PYTHON3" - <<'PY' || fail "flip bytes"
import h5py
f = h5py.File("bad.h5", "r")
d, tr = f["a/tasks"], f["a/traces/ramp"]
row = d.id.get_offset() + 1 * d.dtype.itemsize + d.dtype.fields["xk"][1]
tro = tr.id.get_offset() + 4 * tr.shape[1] * 8 + 8
f.close()
with open("bad.h5", "r+b") as g:
    for at in (row, tro):
        g.seek(at); b = g.read(1); g.seek(at); g.write(bytes([b[0] ^ 0x10]))
PY
"$HSWEEP" status bad.h5 > st1.txt 2>&1; rc=$?
check "status of a damaged file exits 1 (got $rc)" test "$rc" = 1
check "status names the damaged rows: $(cat st1.txt)" grep -q "2 damaged rows: 1, 4" st1.txt
"$HSWEEP" collate bad.h5 --rows x --metric xk --format md > c.md 2>&1 || fail "collate of a damaged file"
check "collate leaves them out and says so: $(cat c.md)" grep -q "2 damaged row(s) are not included.*tasks 1, 4" c.md
check "collate has no cell of a damaged row" test "$(grep -c '^| [0-9]' c.md)" = 4
expect_fail 1 "sweep 'a': 2 damaged rows: 1, 4" mpirun_n 1 "$HSWEEP" run s.cfg -o bad.h5 --resume
check "resume --repair" mpirun_n 2 "$HSWEEP" run s.cfg -o bad.h5 --resume --repair --quiet
check "repaired file equals the intact run" h5same good.h5 bad.h5
check "status after repair exits 0" "$HSWEEP" status bad.h5
# A status byte out of the enum: damaged, rerun by --retry-failed.
cp good.h5 st.h5
"$PYTHON3" - <<'PY' || fail "set status 9"
import h5py
f = h5py.File("st.h5", "r")
d = f["a/tasks"]
at = d.id.get_offset() + 2 * d.dtype.itemsize + d.dtype.fields["status"][1]
f.close()
with open("st.h5", "r+b") as g:
    g.seek(at); g.write(bytes([9]))
PY
"$HSWEEP" status st.h5 > st2.txt 2>&1; rc=$?
check "a status byte of 9 is a damaged row (exit $rc): $(cat st2.txt)" grep -q "1 damaged row: 2" st2.txt
check "resume --retry-failed reruns it" mpirun_n 1 "$HSWEEP" run s.cfg -o st.h5 --resume --retry-failed --quiet
check "status after the retry exits 0" "$HSWEEP" status st.h5
# A trace header widened past what the file holds (an unallocated dataset
# reads as fill values: gigabytes of them for a wider one) is a damaged
# file, said at once, not read.
cp good.h5 wide.h5
"$PYTHON3" - <<'PY' || fail "widen a trace"
import h5py
with h5py.File("wide.h5", "r+") as f:
    del f["a/traces/ramp"]
    f.create_dataset("a/traces/ramp", shape=(6, 1 << 22), dtype="<f8")
PY
"$HSWEEP" status wide.h5 > st4.txt 2>&1; rc=$?
check "a trace wider than the file is damaged (exit $rc): $(cat st4.txt)" \
    grep -q "wide.h5: damaged results file: sweep .a.: a trace dataset is larger than the file" st4.txt
# Format 1: the same table without crc32c is still read (status only).
"$PYTHON3" - <<'PY' || fail "write a format-1 file"
import h5py, numpy as np
src, dst = h5py.File("good.h5", "r"), h5py.File("v1.h5", "w")
for k, v in src.attrs.items():
    dst.attrs[k] = v
dst.attrs["format_version"] = 1
g = dst.create_group("a")
for k, v in src["a"].attrs.items():
    g.attrs[k] = v
t = src["a/tasks"][:]
names = [n for n in t.dtype.names if n != "crc32c"]
g.create_dataset("tasks", data=np.array(t[names].tolist(), dtype=[(n, t.dtype.fields[n][0]) for n in names]))
src.copy("a/traces", g)
PY
"$HSWEEP" status v1.h5 > st3.txt 2>&1; rc=$?
check "a format-1 file reads (exit $rc): $(cat st3.txt)" grep -q "6 tasks, 6 done" st3.txt
finish
