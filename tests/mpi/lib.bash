# Shared helpers for the shell-driven tests (sourced, not run).
set -u
: "${HSWEEP:?}" "${HS_SRC:?}" "${MPIEXEC:=mpiexec}" "${PYTHON3:=/usr/bin/python3}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# hsweep submit finds its job templates beside a build directory only when
# that directory sits in the source tree (../slurm); the tests work from any.
export HSWEEP_TEMPLATES="${HSWEEP_TEMPLATES:-$HS_SRC/slurm}"
WORK=$(mktemp -d /tmp/hsweep_test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILS=0
CHECKS=0

fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }
# skip REASON: this test cannot run here (exit 77, which CTest shows as skipped).
# A check that already failed is never hidden by a skip.
skip() {
    [ "$FAILS" -gt 0 ] && { echo "FAIL: $FAILS check(s) failed before the skip: $*" >&2; exit 1; }
    echo "SKIP: $*" >&2
    exit 77
}
# need_py MODULE... / need_cmd PROGRAM...: dependencies that .ci/setup.sh
# installs; one missing is a failure of the set-up, never a skip.
need_py() {
    "$PYTHON3" -c "import $(IFS=,; echo "$*")" 2>/dev/null && return 0
    echo "FAIL: $PYTHON3 cannot import $*: install the python3-* packages listed in .ci/setup.sh" >&2
    exit 1
}
need_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null && continue
        echo "FAIL: $c missing: install the packages listed in .ci/setup.sh" >&2
        exit 1
    done
}
pass() { CHECKS=$((CHECKS + 1)); }
# hold_run_lock FILE: a process holds FILE's run lock as a run's rank does (a
# shared record lock on byte 2^62, src/core/store.c try_lock) for up to 60 s;
# its pid in $holder, returned once it holds it (or fails, counted).
hold_run_lock() {
    rm -f "$WORK/held"
    "$PYTHON3" -c 'import fcntl, sys, time
fd = open(sys.argv[1], "rb")
fcntl.lockf(fd, fcntl.LOCK_SH, 1, 1 << 62)
open(sys.argv[2], "w").close()
time.sleep(60)' "$1" "$WORK/held" & holder=$!
    for _ in $(seq 1 100); do [ -e "$WORK/held" ] && break; sleep 0.1; done
    [ -e "$WORK/held" ] && pass || fail "the lock holder did not start"
}
# check DESCRIPTION COMMAND...: run the command, count a failure if it fails.
check() { local d=$1; shift; if "$@"; then pass; else fail "$d"; fi; }
# private_mounts: rerun this test in a private mount namespace (unshare -m;
# as a user, in a user namespace too), where it may mount tmpfs file systems
# that no one else sees and that go away with it; skipped where the kernel
# allows no such namespace.  Call it first, right after sourcing lib.bash.
private_mounts() {
    [ -n "${HS_PRIVATE_MOUNTS:-}" ] && return 0
    need_cmd unshare mount umount
    local ns why
    if [ "$(id -u)" = 0 ]; then ns=(unshare -m); else ns=(unshare -r -m); fi
    why=$("${ns[@]}" true 2>&1) || skip "no private mount namespace here (${ns[*]}: $why)"
    rm -rf "$WORK"
    HS_PRIVATE_MOUNTS=1 exec "${ns[@]}" bash "$0"
}
# mount_tmpfs DIR OPTIONS: a tmpfs at DIR (made if missing) in the private
# namespace, unmounted when the test ends; skipped where mounting is refused.
MOUNTS=()
mount_tmpfs() {
    local why
    mkdir -p "$1"
    why=$(mount -t tmpfs -o "$2" tmpfs "$1" 2>&1) || skip "cannot mount a tmpfs (-o $2) at $1: $why"
    MOUNTS+=("$1")
    trap 'umount "${MOUNTS[@]}" 2>/dev/null; rm -rf "$WORK"' EXIT
}
# Every MPI job is bounded so that a hang fails the test instead of blocking the suite.
mpirun_n() { local n=$1; shift; timeout -k 10 "${HS_MPI_TIMEOUT:-300}" "$MPIEXEC" -n "$n" --oversubscribe "$@"; }
# expect_fail CODE NEEDLE COMMAND...: the command exits CODE and its stderr contains NEEDLE.
expect_fail() {
    local code=$1 needle=$2; shift 2
    local out rc
    out=$("$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" != "$code" ]; then fail "exit $rc (wanted $code): $* :: $out"; return; fi
    case "$out" in *"$needle"*) pass ;; *) fail "message lacks '$needle': $out" ;; esac
}
# kill_job PID PATTERN: kill -9 an mpiexec started with setsid and every rank
# of it (Open MPI may start ranks outside mpiexec's process group), and wait
# until none is left.
kill_job() {
    kill -9 -- -"$1" 2>/dev/null
    pkill -9 -f "$2" 2>/dev/null
    wait "$1" 2>/dev/null
    for _ in $(seq 1 100); do pgrep -f "$2" >/dev/null || return 0; sleep 0.1; done
}
# rank_pid PATTERN RANK: pid of MPI rank RANK of a job whose command line
# matches PATTERN (not mpiexec, not a forked task process of that rank).
rank_pid() {
    local p
    for p in $(pgrep -f "$1"); do
        [ "$(cat /proc/"$p"/comm 2>/dev/null)" = hsweep ] || continue
        [ "$(cat /proc/"$(ps -o ppid= -p "$p" | tr -d ' ')"/comm 2>/dev/null)" = hsweep ] && continue
        tr '\0' '\n' < /proc/"$p"/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$2" && { echo "$p"; return 0; }
    done
    return 1
}
# case NAME CODE NEEDLE COMMAND...: exit code, needle, exactly one line of stderr
# (hostile inputs: one clear line, never a crash)
case_() {
    local name=$1 code=$2 needle=$3; shift 3
    local err rc
    err=$("$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" != "$code" ]; then fail "$name: exit $rc (wanted $code): $err"; return; fi
    case "$err" in *"$needle"*) ;; *) fail "$name: message lacks '$needle': $err"; return ;; esac
    [ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || { fail "$name: more than one line: $err"; return; }
    pass
    printf '%-28s exit %s  %s\n' "$name" "$rc" "$err"
}
# h5same A B [--skip FIELDS]: deterministic fields and traces of every sweep are bit-identical.
h5same() { "$PYTHON3" "$HS_SRC/tests/mpi/h5compare.py" "$@"; }
# descendants PID: every process below PID
descendants() {
    local c
    for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done
}
# wait_started N: until N files started.* exist (task programs that started), 30 s at most
wait_started() {
    for _ in $(seq 1 300); do
        [ "$(ls started.* 2>/dev/null | wc -l)" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
# counts FILE: "ok pending crashed" row counts of sweep e
counts() {
    "$PYTHON3" -c "
import h5py, sys; s = h5py.File(sys.argv[1], 'r')['e/tasks']['status']
print((s == 1).sum(), (s == 0).sum(), (s == 6).sum())" "$1"
}
finish() {
    echo "$CHECKS passed, $FAILS failed"
    [ "$FAILS" -eq 0 ]
}
