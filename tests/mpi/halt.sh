# hs-labels: mpi
# Exit codes after failed tasks, --halt (GNU parallel's soon/now, fail=N or
# P%), and status grouping identical failures.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
H() { "$PYTHON3" -c "
import sys, h5py, collections
f = h5py.File(sys.argv[1], 'r')
print(' '.join(f'{s}:{k}={v}' for s in ('slow', 'bad') if s in f
      for k, v in sorted(collections.Counter(int(x) for x in f[s]['tasks']['status'][:]).items())))" "$1"; }
# statuses: 0 pending, 1 ok, 4 failed
count() { "$PYTHON3" -c "
import sys, h5py
print(int((h5py.File(sys.argv[1], 'r')[sys.argv[2]]['tasks']['status'][:] == int(sys.argv[3])).sum()))" "$@"; }
# two sleeping tasks (longest first: handed out first) and 400 failing ones
cat > h.cfg <<'CFG'
sweeps = (
  { name = "slow"; kernel = "sleep"; matrix = { x = [1.0, 2.0]; }; fixed = { seconds = SECONDS; }; },
  { name = "bad"; kernel = "fail"; matrix = { x = { from = 0.0; to = 399.0; num = 400; }; }; }
);
CFG
sed 's/SECONDS/2.0/' h.cfg > soon.cfg
sed 's/SECONDS/120.0/' h.cfg > now.cfg
printf 'sweeps = ({ name = "good"; kernel = "noop"; matrix = { x = [1.0, 2.0]; }; });\n' > good.cfg
printf 'sweeps = ({ name = "c"; kernel = "crash"; matrix = { x = [1.0, 2.0, 3.0, 4.0]; };\n  fixed = { mode = "abort"; every = 2; }; });\n' > crash.cfg

# no failure: 0; a failed or crashed task: 4, saying how many, the file complete
check "all ok exits 0" mpirun_n 2 "$HSWEEP" run good.cfg -o good.h5 --quiet
expect_fail 4 "400 task(s) ended failed, timeout or crashed (hsweep status" \
    mpirun_n 3 "$HSWEEP" run soon.cfg -o all.h5 --quiet
[ "$(H all.h5)" = "slow:1=2 bad:4=400" ] && pass || fail "all.h5: $(H all.h5)"
expect_fail 4 "2 task(s) ended failed, timeout or crashed" "$HSWEEP" run crash.cfg -o crash.h5 --quiet
# a resume that adds no failure still ends 4: the file holds failed tasks
expect_fail 4 "2 task(s) ended failed, timeout or crashed" "$HSWEEP" run crash.cfg -o crash.h5 --resume --quiet

# --halt soon,fail=1: no task handed out after the first failure is known; the
# sleeping tasks (handed out first) finish ok; the rest stay pending
expect_fail 4 "halted by --halt with" mpirun_n 4 "$HSWEEP" run soon.cfg -o soon.h5 --halt soon,fail=1 --quiet
[ "$(count soon.h5 slow 1)" = 2 ] && pass || fail "soon: the running tasks did not finish ok: $(H soon.h5)"
f=$(count soon.h5 bad 4); p=$(count soon.h5 bad 0)
[ "$f" -ge 1 ] && [ "$p" -ge 1 ] && [ $((f + p)) = 400 ] && pass || fail "soon: $(H soon.h5)"
# --halt now,fail=1: the sleeping tasks are abandoned and stay pending
expect_fail 4 "halted by --halt" mpirun_n 4 "$HSWEEP" run now.cfg -o now.h5 --halt now,fail=1 --quiet
[ "$(count now.h5 slow 0)" = 2 ] && pass || fail "now: the running tasks were not abandoned: $(H now.h5)"
[ "$(count now.h5 bad 4)" -ge 1 ] && [ "$(count now.h5 bad 0)" -ge 1 ] && pass || fail "now: $(H now.h5)"
# resume --retry-failed without --halt completes the file (the failures fail again: 4)
expect_fail 4 "400 task(s) ended failed" "$HSWEEP" run soon.cfg -o soon.h5 --resume --retry-failed --quiet
[ "$(H soon.h5)" = "slow:1=2 bad:4=400" ] && pass || fail "resumed: $(H soon.h5)"
# a percentage of the tasks to run (402): 10% is 41 failures; one process
expect_fail 4 "halted by --halt" "$HSWEEP" run soon.cfg -o pct.h5 --halt soon,fail=10% --quiet
f=$(count pct.h5 bad 4)
[ "$f" -ge 41 ] && [ "$f" -lt 400 ] && pass || fail "10%: $(H pct.h5)"
# a limit not reached: every task runs
expect_fail 4 "400 task(s) ended failed" "$HSWEEP" run soon.cfg -o high.h5 --halt now,fail=401 --quiet
[ "$(H high.h5)" = "slow:1=2 bad:4=400" ] && pass || fail "fail=401: $(H high.h5)"
expect_fail 2 "--halt needs never, soon,fail=N" "$HSWEEP" run soon.cfg --halt soon,fail=0
expect_fail 2 "--halt needs never" "$HSWEEP" run soon.cfg --halt later

# status groups identical failures: one line per (status, detail)
out=$("$HSWEEP" status all.h5) || fail "status"
case "$out" in *"400 tasks failed: requested failure — e.g. tasks 0 (x=0), 1, 2, 3, 4 ..."*) pass ;;
*) fail "status groups: $out" ;; esac
[ "$(printf '%s\n' "$out" | grep -c "requested failure")" = 1 ] && pass || fail "status repeats: $out"
out=$("$HSWEEP" status crash.h5) || fail "status crash"
case "$out" in *"2 tasks crashed: "*"— tasks 1 (x=2), 3"*) pass ;; *) fail "status crash: $out" ;; esac
out=$("$HSWEEP" status all.h5 --all) || fail "status --all"
[ "$(printf '%s\n' "$out" | grep -c "requested failure")" = 400 ] && pass || fail "--all lists each"
finish
