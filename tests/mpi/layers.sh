# hs-labels: build
# The layers link only downward: hsweep (src/cli) -> hs_core -> hs_kernels ->
# hs_kernel_rt -> hs_numeric.  Every undefined symbol of every object of a
# library that some hsweep library or the CLI defines must be defined in
# that library or one below it (nm), and each library links, whole, against
# only the libraries below it (cmake/layers.cmake's hs_layer_* executables).
. "$(dirname "$0")/lib.bash"
: "${HS_BUILD:?}"
command -v nm >/dev/null || { echo "nm (binutils) missing" >&2; exit 77; }
for l in numeric kernel_rt kernels core; do
    [ -f "$HS_BUILD/libhs_$l.a" ] || fail "no library $HS_BUILD/libhs_$l.a"
done
cli=$(ls "$HS_BUILD"/CMakeFiles/hsweep.dir/src/cli/*.o 2>/dev/null)
[ -n "$cli" ] || fail "no object files of hsweep under $HS_BUILD/CMakeFiles/hsweep.dir"
[ "$FAILS" = 0 ] || exit 1
# One line per symbol: LAYER OBJECT TYPE SYMBOL.
for l in numeric kernel_rt kernels core; do
    nm -g "$HS_BUILD/libhs_$l.a" | awk -v L="$l" '/:$/ {o = $1; sub(":$", "", o); next}
        NF == 2 && $1 == "U" {print L, o, "U", $2} NF == 3 {print L, o, $2, $3}'
done > syms.txt
for o in $cli; do
    nm -g "$o" | awk -v o="$(basename "$o")" 'NF == 2 && $1 == "U" {print "cli", o, "U", $2}
        NF == 3 {print "cli", o, $2, $3}'
done >> syms.txt
"$PYTHON3" - syms.txt <<'PY' || fail "a call goes up the layers (above)"
import sys
order = {"numeric": 0, "kernel_rt": 1, "kernels": 2, "core": 3, "cli": 4}
defined, used = {}, []
for line in open(sys.argv[1]):
    layer, obj, typ, sym = line.split()
    if typ == "U":
        used.append((layer, obj, sym))
    elif typ not in "wvN":
        defined.setdefault(sym, (layer, obj))
bad = [(l, o, s, defined[s]) for l, o, s in used if s in defined and order[defined[s][0]] > order[l]]
for l, o, s, (dl, do) in bad:
    print(f"layer {l} ({o}) uses {s}, defined in layer {dl} ({do}) above it", file=sys.stderr)
if not defined or not used:
    sys.exit("nm listed no symbols")
sys.exit(1 if bad else 0)
PY
check "each library links against only the libraries below it" \
    cmake --build "$HS_BUILD" --target hs_layer_checks
for l in numeric kernel_rt kernels core; do
    check "layer executable for $l" test -x "$HS_BUILD/layers/hs_layer_$l"
done
echo "$CHECKS checks, $FAILS failures"
[ "$FAILS" = 0 ]
