# hs-labels: mpi
# --progress: log lines (also while one long batch runs in a single process),
# a bar on a terminal (also under mpiexec, whose ranks write to pipes), the
# final line once, none and --quiet.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
printf 'sweeps = ({ name = "s"; kernel = "sleep"; matrix = { x = { from = 1.0; to = 20.0; num = 20; }; };\n  fixed = { seconds = 0.1; }; });\n' > sl.cfg
# n_lines TEXT PATTERN: lines of TEXT matching the extended regex PATTERN
n_lines() { printf '%s\n' "$1" | tr '\r' '\n' | grep -cE "$2"; }

# one process: the 20 tasks (2 s) go as one batch; log lines every 0.2 s show it advance
err=$("$HSWEEP" run sl.cfg -o a.h5 --progress log --log-every 0.2 2>&1 >/dev/null) || fail "run log: $err"
[ "$(n_lines "$err" '^hsweep: ([1-9]|1[0-9])/20 tasks done')" -ge 1 ] && pass || fail "no line while the batch ran: $err"
[ "$(n_lines "$err" '^hsweep: 20/20 tasks done')" = 1 ] && pass || fail "final line not once: $err"
case "$err" in *$'\r'*) fail "log mode wrote a bar: $err" ;; *) pass ;; esac
# tasks shorter than the task process's 100 ms wait (each answers before it
# times out): the line still advances, forked and in-process
printf 'sweeps = ({ name = "q"; kernel = "sleep"; matrix = { x = { from = 1.0; to = 40.0; num = 40; }; };\n  fixed = { seconds = 0.05; }; });\n' > short.cfg
for iso in fork none; do
    err=$("$HSWEEP" run short.cfg -o "short-$iso.h5" --isolation "$iso" --progress log --log-every 0.2 2>&1 >/dev/null) ||
        fail "run short $iso: $err"
    [ "$(n_lines "$err" '^hsweep: ([1-9]|[1-3][0-9])/40 tasks done')" -ge 2 ] && pass ||
        fail "$iso: no line while 50 ms tasks ran: $err"
done
# under mpiexec, rank 0 writes to a pipe: auto is log there
err=$(mpirun_n 2 "$HSWEEP" run sl.cfg -o b.h5 --log-every 0.2 2>&1 >/dev/null </dev/null) || fail "mpiexec log: $err"
[ "$(n_lines "$err" '^hsweep: 20/20 tasks done')" = 1 ] && pass || fail "mpiexec final line not once: $err"
case "$err" in *$'\r['*) fail "auto wrote a bar to a pipe: $err" ;; *) pass ;; esac
# --progress bar: the line rewritten in place, whatever stderr is; its final state once
err=$("$HSWEEP" run sl.cfg -o c.h5 --progress bar 2>&1 >/dev/null) || fail "run bar: $err"
case "$err" in *$'\r['*"/20]"*"tasks/s"*"ETA"*) pass ;; *) fail "no bar: $err" ;; esac
[ "$(n_lines "$err" '^\[20/20\]')" = 1 ] && pass || fail "bar: final line not once: $err"
# none: the start line, no progress; --quiet: nothing
err=$("$HSWEEP" run sl.cfg -o d.h5 --progress none 2>&1 >/dev/null) || fail "run none"
case "$err" in *"20 tasks in 1 sweep(s)"*) pass ;; *) fail "none lost the start line: $err" ;; esac
[ "$(n_lines "$err" 'tasks done|\[[0-9]+/20\]')" = 0 ] && pass || fail "none printed progress: $err"
err=$("$HSWEEP" run sl.cfg -o e.h5 --quiet 2>&1) || fail "run quiet"
[ -z "$err" ] && pass || fail "--quiet printed: $err"
expect_fail 2 "--progress needs auto, bar, log or none" "$HSWEEP" run sl.cfg --progress sometimes
# auto on a terminal: a bar, also through mpiexec (script(1) gives the run a pty)
if command -v script >/dev/null; then
    out=$(script -qec "'$MPIEXEC' -n 2 --oversubscribe '$HSWEEP' run sl.cfg -o f.h5" /dev/null) ||
        fail "mpiexec on a tty: $out"
    case "$out" in *$'\r['*"/20]"*"ETA"*) pass ;; *) fail "no bar under mpiexec on a tty: $out" ;; esac
    [ "$(n_lines "$out" '^\[20/20\]')" = 1 ] && pass || fail "tty: final line not once: $out"
    case "$out" in *"tasks done"*) fail "log lines on a tty: $out" ;; *) pass ;; esac
else
    echo "script (util-linux) is not installed: the terminal cases are not checked" >&2
fi
finish
