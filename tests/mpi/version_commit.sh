# hs-labels: cli
# The version header (cmake/version.cmake, run at every build) names the
# commit checked out when it runs, not when cmake configured: on a scratch
# repository, a second commit changes it, and a run with nothing changed
# leaves the file as it was (nothing recompiles).  The binary built from
# this tree says the commit its header holds.
. "$(dirname "$0")/lib.bash"
need_cmd git cmake
repo=$WORK/repo
out=$WORK/hs_version.h
g() { git -C "$repo" -c user.name=t -c user.email=t@t "$@"; }
gen() {
    cmake -DSRC="$repo" -DIN="$HS_SRC/src/core/version.h.in" -DOUT="$out" -DPROJECT_VERSION=9.8.7 \
        -P "$HS_SRC/cmake/version.cmake"
}
mkdir -p "$repo" && g init -q && echo a >"$repo/f" && g add f && g commit -qm a
a=$(g rev-parse --short=12 HEAD)
gen
check "first commit named" grep -q "HS_GIT_COMMIT \"$a\"" "$out"
check "version from the project" grep -q 'HS_VERSION "9.8.7"' "$out"
before=$(stat -c %y "$out")
sleep 1
gen
check "unchanged commit: the header is not rewritten" test "$(stat -c %y "$out")" = "$before"
echo b >"$repo/f" && g commit -qam b
b=$(g rev-parse --short=12 HEAD)
gen
check "second commit named" grep -q "HS_GIT_COMMIT \"$b\"" "$out"
rm -rf "$repo/.git"
gen
check "no repository: unknown" grep -q 'HS_GIT_COMMIT "unknown"' "$out"
# the binary under test: its --version and its header agree
hdr=$(dirname "$HSWEEP")/generated/hs_version.h
c=$(sed -n 's/.*HS_GIT_COMMIT "\(.*\)".*/\1/p' "$hdr")
check "the build's version header names a commit ($hdr)" test -n "$c"
check "hsweep --version says its header's commit" sh -c "\"$HSWEEP\" --version | grep -qx 'commit $c'"
finish
