# hs-labels: fault
# A results file in a directory the user cannot write: the message names
# the call (H5Fcreate) and the reason, the trace where it was raised.  Root
# writes anywhere, so as root the run is made as user nobody (setpriv).
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
printf 'sweeps = ({ name = "a"; kernel = "noop"; matrix = { x = [1.0, 2.0]; }; });\n' > ok.cfg
mkdir ro && chmod 555 ro
as=()
if [ "$(id -u)" = 0 ]; then
    need_cmd setpriv
    as=(setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp)
    chmod 755 "$WORK"
    "${as[@]}" test -x "$HSWEEP" || { echo "user nobody cannot run $HSWEEP (its directories are not open to others)" >&2; exit 77; }
fi
case_ "results in a read-only directory" 1 "ro/x.h5: cannot create the results file (H5Fcreate): Permission denied" \
    "${as[@]}" "$HSWEEP" run ok.cfg -o ro/x.h5 --quiet
out=$("${as[@]}" env HSWEEP_TRACE=1 "$HSWEEP" run ok.cfg -o ro/x.h5 --quiet 2>&1 >/dev/null)
case "$out" in *"raised at "*"src/core/store.c:"*"(hs_store_create)"*) pass ;; *) fail "trace: $out" ;; esac
[ -z "$(ls ro)" ] && pass || fail "left files: $(ls ro)"
finish
