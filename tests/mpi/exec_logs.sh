# hs-labels: mpi
# Exec tasks' whole stdout and stderr: per-task log files beside the results
# file, complete byte for byte (1 MiB each way, a crash, a timeout), earlier
# attempts kept (retries, --resume --retry-failed), --logs DIR and --no-logs,
# planted symbolic links refused, shown by status and task --from.  Also:
# a declared metric never printed fails the task; {seed32} is accepted by
# numpy where {seed} is not; plan --show-commands prints the argv each task
# received; cost_s feeds plan's estimate; kernels lists and documents exec.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py numpy

cat > prog.py <<'PY'
import json, os, signal, sys, time
import numpy as np
mode, n = sys.argv[1], int(sys.argv[2])
seed, seed32 = int(sys.argv[3]), int(sys.argv[4])
tid = os.environ["HSWEEP_TASK_ID"]
with open("argv.%s.json" % tid, "w") as f:
    json.dump(sys.argv[1:], f)
# Output that a test can regenerate: line i of stdout is "out <tid> <i>", of stderr "err <tid> <i>".
for i in range(n):
    sys.stdout.write("out %s %d\n" % (tid, i))
    sys.stderr.write("err %s %d\n" % (tid, i))
sys.stdout.flush(); sys.stderr.flush()
ok32 = int(seed32 == (seed ^ (seed >> 32)) & 0xFFFFFFFF and seed32 == int(os.environ["HSWEEP_SEED32"]))
np.random.seed(seed32)          # accepted: a 32-bit seed
try:
    np.random.seed(seed)        # a 64-bit seed is refused unless it happens to be < 2**32
    ok64 = 0 if seed >= 2**32 else 1
except ValueError:
    ok64 = 1
if mode == "segv":
    os.kill(os.getpid(), signal.SIGSEGV)
if mode == "hang":
    open("written.%s" % tid, "w").close()  # every line is out: the log must hold all of them
    time.sleep(120)
if mode == "fail":
    attempt = len([f for f in os.listdir(".") if f.startswith("attempt.%s." % tid)])
    open("attempt.%s.%d" % (tid, attempt), "w").close()
    print("attempt %d" % attempt)
    sys.exit(3)
if mode == "miss":
    print(json.dumps({"ok32": ok32}))
elif mode == "missdiv":
    print(json.dumps({"ok32": ok32, "status": "diverged", "detail": "gave up"}))
elif mode == "uesc":
    print('{"\\u006fk32": %d, "ok64": %d, "status": "diverged", "detail": "caf\\u00e9 \\ud83d\\ude00"}' % (ok32, ok64))
elif mode == "ubad":
    print('{"ok32": 1, "ok64": 1, "detail": "\\udc00"}')
else:
    print(json.dumps({"ok32": ok32, "ok64": ok64}))
PY
cat > logs.cfg <<EOF
output = "res/logs.h5";
sweeps = (
  { name = "t"; kernel = "exec";
    command = ["$PYTHON3", "{sweep_dir}/prog.py", "{mode}", "{n}", "{seed}", "{seed32}", "{label}"];
    workdir = "work";
    metrics = ["ok32", "ok64"];
    cost_s = "0.5 + n / 1000";
    fixed = { label = "it's a b"; };
    cases = ( { mode = "ok"; n = 30000; }, { mode = "segv"; n = 2000; }, { mode = "miss"; n = 1; },
              { mode = "missdiv"; n = 1; }, { mode = "uesc"; n = 1; }, { mode = "ubad"; n = 1; } );
  },
  { name = "r"; kernel = "exec"; retries = 2;
    command = ["$PYTHON3", "{sweep_dir}/prog.py", "{mode}", "{n}", "{seed}", "{seed32}", "x"];
    workdir = "work_r"; metrics = ["ok32", "ok64"];
    cases = ( { mode = "fail"; n = 2; } );
  } );
EOF
cat > hang.cfg <<EOF
output = "res/hang.h5";
sweeps = ( { name = "h"; kernel = "exec"; timeout_s = 20;
    command = ["$PYTHON3", "{sweep_dir}/prog.py", "hang", "3000", "{seed}", "{seed32}", "x"];
    workdir = "work_h"; metrics = ["ok32", "ok64"]; } );
EOF
mkdir -p work
# cost_s: (0.5 + 30) + (0.5 + 2) + 4 x (0.5 + 0.001) = 35.004 core-seconds; sweep r: 1 s
out=$("$HSWEEP" plan logs.cfg --show-commands 6 2>&1)
check "plan: cost_s estimate" grep -q "estimated cost: 35 core-seconds" <<<"$out"
# submit's estimate too: 35.004 + 1 core-seconds, one worker beside the coordinator
sub=$("$HSWEEP" submit logs.cfg --dry-run --nodes 1 --ntasks-per-node 2 2>&1 >/dev/null)
check "submit: cost_s estimate" grep -qF "estimated 0.01 core-hours (kernels' cost hints); on 1 node(s) x 2 rank(s): about 36 s of wall time" <<<"$sub"
# a bad cost_s names file, line and key
printf 'sweeps = ( { name = "t"; kernel = "exec"; command = ["x"];\n  metrics = ["a"]; cost_s = "2 * epochs"; matrix = { n = [1, 2]; }; } );\n' > badcost.cfg
expect_fail 2 "badcost.cfg:2: sweep 't': key 'cost_s': \"2 * epochs\": unknown name epochs" "$HSWEEP" plan badcost.cfg
printf 'sweeps = ( { name = "t"; kernel = "exec"; command = ["x"];\n  metrics = ["a"]; cost_s = 0; matrix = { n = [1, 2]; }; } );\n' > badcost.cfg
expect_fail 2 "badcost.cfg:2: sweep 't': key 'cost_s': expected seconds in (0, 1e9], got 0" "$HSWEEP" plan badcost.cfg
check "kernels lists exec" sh -c '"$HSWEEP" kernels | grep -q "^  exec "'
kd=$("$HSWEEP" kernels exec)
for key in command parse metrics traces workdir env cost_s "{seed32}" HSWEEP_SEED32 ".out.1"; do
    check "kernels exec documents $key" grep -qF -- "$key" <<<"$kd"
done

# (tasks fail by design: exit 4)
expect_fail 4 "task(s) ended failed, timeout or crashed" mpirun_n 3 "$HSWEEP" run logs.cfg --quiet
expect_fail 4 "task(s) ended failed, timeout or crashed" "$HSWEEP" run hang.cfg --quiet
L=res/logs.logs
check "log directory beside the results file" test -d $L/t -a -d $L/r -a -d res/hang.logs/h
check "the hanging task wrote all its lines before its deadline" test -e work_h/written.0
# Whole output, byte for byte, also for the task killed by SIGSEGV and the one killed at its deadline.
for t in "$L/t 0 30000" "$L/t 1 2000" "res/hang.logs/h 0 3000"; do
    set -- $t
    "$PYTHON3" - "$2" "$3" "$1" <<'PY' || fail "task $t: logs not complete"
import sys
tid, n, d = sys.argv[1], int(sys.argv[2]), sys.argv[3]
out = "".join("out %s %d\n" % (tid, i) for i in range(n))
err = "".join("err %s %d\n" % (tid, i) for i in range(n))
got_out, got_err = open("%s/%s.out" % (d, tid)).read(), open("%s/%s.err" % (d, tid)).read()
if n == 30000:
    out += '{"ok32": 1, "ok64": 1}\n'
assert got_err == err, ("stderr", len(got_err), len(err))
assert got_out == out, ("stdout", len(got_out), len(out))
PY
    pass
done
check "the 30000-line task's stdout is over 256 KiB" test "$(stat -c %s $L/t/0.out)" -gt 262144
"$PYTHON3" - <<'PY' || fail "statuses, details and metrics"
import h5py
t = h5py.File("res/logs.h5", "r")["t/tasks"][:]
st = [int(s) for s in t["status"]]
d = [x.decode() for x in t["detail"]]
# 1 ok, 6 crashed, 4 failed (missing metric), 3 diverged (own status: may leave metrics out)
assert st == [1, 6, 4, 3, 3, 4], st
assert t["ok32"][0] == 1 and t["ok64"][0] == 1, (t["ok32"][0], t["ok64"][0])
assert d[2].startswith("no value for declared metric ok64"), d[2]
assert t["ok32"][2] == 1, "a metric that was printed is kept"
assert d[3] == "gave up", d[3]
assert d[4] == "caf\u00e9 \U0001F600", d[4]          # \u escapes and a surrogate pair decoded
assert t["ok32"][4] == 1, "a key written with \\u escapes names its metric"
assert "low surrogate" in d[5] and d[5].startswith("malformed JSON"), d[5]
assert int(h5py.File("res/hang.h5", "r")["h/tasks"]["status"][0]) == 5, "timeout"
PY
pass
# Every task received exactly the argv plan --show-commands printed (parsed as a POSIX shell would).
"$PYTHON3" - "$out" <<'PY' || fail "plan --show-commands differs from the argv the tasks got"
import json, re, shlex, sys
lines = [l for l in sys.argv[1].splitlines() if re.match(r"^    \d+: ", l)][:6]  # sweep t's
assert len(lines) == 6, lines
for l in lines:
    tid, cmd = l.strip().split(": ", 1)
    words = shlex.split(cmd)
    assert words[:2] == ["cd", "work"] and words[2] == "&&", words
    got = json.load(open("work/argv.%s.json" % tid))
    assert words[5:] == got, (words, got)
    assert got[-1] == "it's a b"
PY
pass
# Retries: attempts 1, 2 and 3 of task 0 of sweep r; the latest is r/0.out, the earlier .out.1, .out.2.
check "retry logs kept" test -f $L/r/0.out -a -f $L/r/0.out.1 -a -f $L/r/0.out.2 -a ! -e $L/r/0.out.3
check "attempt order" sh -c "grep -q 'attempt 0' $L/r/0.out.1 && grep -q 'attempt 1' $L/r/0.out.2 && grep -q 'attempt 2' $L/r/0.out"
check "stderr of attempts paired" test -f $L/r/0.err.1 -a -f $L/r/0.err.2
expect_fail 4 "task(s) ended failed, timeout or crashed" mpirun_n 2 "$HSWEEP" run logs.cfg --resume --retry-failed --quiet
# (a --retry-failed row has used its retries: it runs once more)
check "a rerun keeps the earlier attempts" sh -c "grep -q 'attempt 0' $L/r/0.out.1 && grep -q 'attempt 2' $L/r/0.out.3 && grep -q 'attempt 3' $L/r/0.out"
# status shows the log directory and each not-ok task's files; task --from the end of stderr.
st=$("$HSWEEP" status res/logs.h5)
check "status: logs directory" grep -qF "logs: $WORK/res/logs.logs/t" <<<"$st"
check "status: a failed task's files" grep -qF "$WORK/res/logs.logs/t/1.out (" <<<"$st"
check "status: earlier attempts counted" grep -qF "0.err (16 bytes); 3 earlier attempts" <<<"$st"
tf=$("$HSWEEP" task --from res/logs.h5 --sweep t --id 1 2>&1 >/dev/null)
check "task --from: paths" grep -qF "$WORK/res/logs.logs/t/1.out (20890 bytes), 1.err (20890 bytes)" <<<"$tf"
check "task --from: the end of stderr" grep -qx "err 1 1999" <<<"$tf"
check "task --from writes no log" test -e $L/t/1.out.1 -a ! -e $L/t/1.out.2

# --logs DIR: recorded, used by a resume, shown by status; --no-logs: none.
expect_fail 4 "task(s) ended failed, timeout or crashed" mpirun_n 2 "$HSWEEP" run logs.cfg -o b.h5 --logs other --quiet
check "logs in --logs DIR" test -f other/t/0.out -a ! -e b.logs
check "status finds --logs DIR" sh -c '"$HSWEEP" status b.h5 | grep -qF "logs: '"$WORK"'/other/t"'
expect_fail 4 "task(s) ended failed, timeout or crashed" mpirun_n 2 "$HSWEEP" run logs.cfg -o b.h5 --resume --retry-failed --quiet
check "resume wrote there" test -f other/r/0.out.3
expect_fail 4 "task(s) ended failed, timeout or crashed" mpirun_n 2 "$HSWEEP" run logs.cfg -o c.h5 --no-logs --quiet
check "no log directory" test ! -e c.logs
check "status says none" sh -c '"$HSWEEP" status c.h5 | grep -qF "logs: (none kept)"'
expect_fail 2 "exclude each other" "$HSWEEP" run logs.cfg --logs x --no-logs

# Symbolic links are never followed: at the log directory (the run refuses) or a sweep's (its tasks fail).
mkdir -p elsewhere
ln -s elsewhere d.logs
expect_fail 1 "d.logs: a symbolic link or not a directory: refused" mpirun_n 2 "$HSWEEP" run logs.cfg -o d.h5 --quiet
check "nothing written through the link" test -z "$(ls elsewhere)"
mkdir -p e.logs && ln -s ../elsewhere e.logs/t
expect_fail 4 "task(s) ended failed, timeout or crashed" mpirun_n 2 "$HSWEEP" run logs.cfg -o e.h5 --quiet
"$PYTHON3" - <<'PY' || fail "planted link: tasks not failed with the reason"
import h5py
t = h5py.File("e.h5", "r")["t/tasks"][:]
assert all(int(s) == 4 for s in t["status"]), list(t["status"])
assert "a symbolic link or not a directory: refused" in t["detail"][0].decode(), t["detail"][0]
PY
pass
check "nothing written through the sweep link" test -z "$(ls elsewhere)"
check "the other sweep logs" test -f e.logs/r/0.out
finish
