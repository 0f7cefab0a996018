# hs-labels: fault
# Errors name the call that failed and where: real failures (a results path
# that is a directory, a results file another process holds, a truncated
# results file) give the usual one-line message, and with HSWEEP_TRACE=1 a
# trace whose "raised at" line names the source file of the failing call
# and whose "from" lines name the functions it went up through.  Readers of
# the file (HDF5's own flock, an h5py reader holding it open) are not runs:
# a --resume or --overwrite starts beside them.
. "$(dirname "$0")/lib.bash"
need_py h5py
cd "$WORK" || exit 1
printf 'sweeps = ({ name = "a"; kernel = "noop"; matrix = { x = [1.0, 2.0]; }; });\n' > ok.cfg

# has TEXT NEEDLE...: every needle is in TEXT
has() {
    local text=$1 n; shift
    for n in "$@"; do
        case "$text" in *"$n"*) ;; *) fail "lacks '$n': $text"; return ;; esac
    done
    pass
}

# 1. The results path is a directory: --overwrite builds the new file and
#    cannot move it into place (rename fails with EISDIR).
mkdir dir.h5
case_ "results path is a directory" 1 "dir.h5: cannot move the new results file into place (rename): Is a directory" \
    "$HSWEEP" run ok.cfg -o dir.h5 --overwrite --quiet
out=$(HSWEEP_TRACE=1 "$HSWEEP" run ok.cfg -o dir.h5 --overwrite --quiet 2>&1 >/dev/null)
has "$out" "hsweep: trace:" "raised at " "src/core/store.c:" "(hs_store_create)"
[ -d dir.h5 ] && [ -z "$(ls dir.h5)" ] && pass || fail "the directory was changed: $(ls -la dir.h5)"
[ -z "$(ls | grep creating)" ] && pass || fail "creation left files: $(ls)"

# 2. A results file whose run lock another process holds (as a run's ranks
#    do: a shared record lock on byte 2^62, src/core/store.c try_lock).
check "a results file" "$HSWEEP" run ok.cfg -o r.h5 --quiet
# Readers are not runs: HDF5's own flock (what h5py and hsweep status take
# while they have the file open), and an h5py reader holding it open, let a
# --resume start.
flock -s r.h5 sleep 60 & holder=$!
for _ in $(seq 1 50); do [ -n "$(pgrep -P "$holder")" ] && break; sleep 0.1; done
check "a reader's flock does not stop --resume" "$HSWEEP" run ok.cfg -o r.h5 --resume --quiet
pkill -P "$holder"; wait "$holder" 2>/dev/null
"$PYTHON3" -c 'import h5py, time; f = h5py.File("r.h5", "r"); open("reading", "w").close(); time.sleep(60)' & holder=$!
for _ in $(seq 1 100); do [ -e reading ] && break; sleep 0.1; done
check "an h5py reader does not stop --resume" "$HSWEEP" run ok.cfg -o r.h5 --resume --quiet
check "nor --overwrite" "$HSWEEP" run ok.cfg -o r.h5 --overwrite --quiet
kill "$holder"; wait "$holder" 2>/dev/null
hold_run_lock r.h5
out=$(HSWEEP_TRACE=1 "$HSWEEP" run ok.cfg -o r.h5 --resume --quiet 2>&1 >/dev/null); rc=$?
[ "$rc" = 1 ] && pass || fail "held lock: exit $rc: $out"
has "$out" "r.h5: is in use by another hsweep run" "raised at " "src/core/store.c:" "(lock_results)"
# the same under mpiexec -n 2: rank 0 prints it, once
out=$(HSWEEP_TRACE=1 mpirun_n 2 "$HSWEEP" run ok.cfg -o r.h5 --resume --quiet 2>&1 >/dev/null); rc=$?
[ "$rc" = 1 ] && pass || fail "held lock, 2 ranks: exit $rc: $out"
has "$out" "r.h5: is in use by another hsweep run" "raised at " "src/core/store.c:" "(lock_results)"
[ "$(printf '%s\n' "$out" | grep -c 'is in use')" = 1 ] && pass || fail "2 ranks: not one message: $out"
expect_fail 1 "r.h5: is in use by another hsweep run" "$HSWEEP" run ok.cfg -o r.h5 --overwrite --quiet
kill "$holder"; wait "$holder" 2>/dev/null
check "once released it resumes" "$HSWEEP" run ok.cfg -o r.h5 --resume --quiet

# 3. A results file truncated in the middle of its task table: the readers
#    call it damaged, a resume cannot open it; each names where it was found.
sz=$(stat -c %s r.h5)
cp r.h5 t.h5 && truncate -s $((sz / 2)) t.h5
case_ "status of a truncated file" 2 "t.h5: damaged results file" "$HSWEEP" status t.h5
out=$(HSWEEP_TRACE=1 "$HSWEEP" status t.h5 2>&1 >/dev/null)
has "$out" "raised at " "src/core/table.c:"
out=$(HSWEEP_TRACE=1 "$HSWEEP" run ok.cfg -o t.h5 --resume --quiet 2>&1 >/dev/null); rc=$?
[ "$rc" = 1 ] && pass || fail "resume of a truncated file: exit $rc: $out"
has "$out" "t.h5: cannot open as an HDF5 results file" "raised at " "src/core/store.c:" "(hs_store_open)"
[ "$(stat -c %s t.h5)" = $((sz / 2)) ] && pass || fail "the truncated file was changed"

# 4. Without HSWEEP_TRACE an input or I/O error stays one line (case_ above);
#    HSWEEP_TRACE=0 is off.
out=$(HSWEEP_TRACE=0 "$HSWEEP" run ok.cfg -o dir.h5 --overwrite --quiet 2>&1 >/dev/null)
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && pass || fail "HSWEEP_TRACE=0 printed a trace: $out"
finish
