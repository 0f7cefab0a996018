# hs-labels: fault
# Hostile places, a full disk (see hostile.sh), on a 1 MiB tmpfs in a
# private mount namespace (skipped (77) only where the kernel refuses one):
# a results file too big for it -> exit 1, one line naming it, nothing left
# behind; the disk filling up while tasks run -> the failing write stops the
# run with exit 1 and "cannot write", the rows written so far stay readable,
# and a resume once there is room finishes every task.
. "$(dirname "$0")/lib.bash"
private_mounts
need_py h5py
cd "$WORK" || exit 1
mount_tmpfs full size=1m
printf 'sweeps = ({ name = "big"; kernel = "noop"; fixed = { trace_len = 100000; }; matrix = { x = { from = 0.0; to = 1.0; num = 50; }; }; });\n' > big.cfg
case_ "disk full at creation" 1 "full/big.h5" "$HSWEEP" run big.cfg -o full/big.h5
[ -z "$(ls -A full)" ] && pass || fail "disk full left files: $(ls -A full)"
printf 'sweeps = ({ name = "f"; kernel = "sleep"; fixed = { seconds = 0.05; }; matrix = { x = { from = 0.0; to = 1.0; num = 60; }; }; },\n { name = "t"; kernel = "noop"; fixed = { trace_len = 20000; }; matrix = { x = { from = 0.0; to = 1.0; num = 4; }; }; });\n' > fill.cfg
"$HSWEEP" run fill.cfg -o full/f.h5 --quiet 2> fill.log & pid=$!
for _ in $(seq 1 100); do [ -e full/f.h5 ] && break; sleep 0.05; done
head -c 2m /dev/zero > full/filler 2>/dev/null
wait "$pid"; rc=$?
[ "$rc" = 1 ] && pass || fail "disk full while running: exit $rc ($(cat fill.log))"
grep -q "full/f.h5: cannot write" fill.log && pass || fail "disk full message: $(cat fill.log)"
rm -f full/filler
check "the file still reads" "$HSWEEP" status full/f.h5
check "and resumes once there is room" "$HSWEEP" run fill.cfg -o full/f.h5 --resume --quiet
check "complete" "$PYTHON3" -c "
import h5py; f = h5py.File('full/f.h5', 'r')
assert all((f[s]['tasks']['status'] == 1).all() for s in ('f', 't'))"
finish
