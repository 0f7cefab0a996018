# hs-labels: fault
# Hostile places, read-only (see hostile.sh): results file on a read-only
# mount -> exit 1 and one line naming it; resume of a results file whose file
# system was remounted read-only since -> exit 1 and one line with the cause.
# Root ignores permission bits, so both are real read-only tmpfs mounts, in a
# private mount namespace; skipped (77) only where the kernel refuses those.
. "$(dirname "$0")/lib.bash"
private_mounts
cd "$WORK" || exit 1
printf 'sweeps = ({ name = "a"; kernel = "noop"; matrix = { x = [1.0, 2.0]; }; });\n' > ok.cfg
mount_tmpfs ro ro,size=1m
mount_tmpfs rofs size=1m
# the second case remounts rofs read-only: see first that this kernel lets us
why=$(mount -o remount,ro rofs 2>&1 && mount -o remount,rw rofs 2>&1) ||
    skip "cannot remount a tmpfs read-only and back: $why"
case_ "output on a read-only mount" 1 "ro/x.h5: cannot create" "$HSWEEP" run ok.cfg -o ro/x.h5
[ -z "$(ls -A ro)" ] && pass || fail "the read-only mount holds: $(ls -A ro)"
check "a results file on the tmpfs" "$HSWEEP" run ok.cfg -o rofs/x.h5 --quiet
sum=$(sha256sum rofs/x.h5)
check "remount read-only" mount -o remount,ro rofs
case_ "resume on a read-only file system" 1 \
    "rofs/x.h5: cannot resume: the file cannot be written: Read-only file system" \
    "$HSWEEP" run ok.cfg -o rofs/x.h5 --resume
[ "$sum" = "$(sha256sum rofs/x.h5)" ] && pass || fail "rofs/x.h5 changed"
finish
