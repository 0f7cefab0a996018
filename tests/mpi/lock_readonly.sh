# hs-labels: fault
# A results file this user cannot write may still be one a run is writing:
# another user's run, or this user's on a file made read-only since it began.
# --overwrite cannot take the exclusive run lock on it (that needs the file
# open for writing) and asks whether anyone holds it instead
# (src/core/store.c lock_held): while a run's lock is held it refuses and the
# file stays as it was; once released, the same command replaces it.  Run as
# the user nobody (setpriv), since root can open any file for writing.
. "$(dirname "$0")/lib.bash"
need_cmd setpriv
[ "$(id -u)" = 0 ] || skip "needs root, to run hsweep as the user nobody (setpriv)"
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
chmod 755 "$WORK"
as_nobody "$HSWEEP" --version >/dev/null 2>&1 ||
    skip "the user nobody cannot run $HSWEEP (a directory above it is not searchable)"
d=$WORK/shared
mkdir "$d" && chmod 777 "$d" && cd "$d" || exit 1
printf 'sweeps = ({ name = "a"; kernel = "noop"; matrix = { x = [1.0, 2.0]; }; });\n' > ok.cfg
check "a results file" "$HSWEEP" run ok.cfg -o r.h5 --quiet
chmod 444 r.h5
sum0=$(sha256sum < r.h5)

# A run's rank holds the shared run lock.
hold_run_lock r.h5
out=$(HSWEEP_TRACE=1 as_nobody "$HSWEEP" run ok.cfg -o r.h5 --overwrite --quiet 2>&1 >/dev/null); rc=$?
[ "$rc" = 1 ] && pass || fail "--overwrite of a held read-only file: exit $rc: $out"
case "$out" in
*"r.h5: is in use by another hsweep run"*"raised at "*"src/core/store.c:"*) pass ;;
*) fail "--overwrite of a held read-only file: $out" ;;
esac
[ "$(sha256sum < r.h5)" = "$sum0" ] && [ "$(stat -c %U r.h5)" = root ] && pass ||
    fail "the held file was replaced: $(ls -l r.h5)"
[ -z "$(ls | grep creating)" ] && pass || fail "the refused run left files: $(ls)"
kill "$holder"; wait "$holder" 2>/dev/null

# Released: the same command replaces it (the new file is nobody's).
check "--overwrite once released" as_nobody "$HSWEEP" run ok.cfg -o r.h5 --overwrite --quiet
[ "$(stat -c %U r.h5)" = nobody ] && pass || fail "not replaced once released: $(ls -l r.h5)"
check "status of the new file" "$HSWEEP" status r.h5
finish
