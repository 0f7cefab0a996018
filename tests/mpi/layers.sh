# hs-labels: build
# The layers link only downward: hsweep (src/cli) -> hs_core -> hs_kernels ->
# hs_kernel_rt -> hs_numeric.  Every undefined symbol of every object of a
# library that some hsweep library or the CLI defines must be defined in
# that library or one below it (nm), and each library links, whole, against
# only the libraries below it (cmake/layers.cmake's hs_layer_* executables,
# built with everything else).
. "$(dirname "$0")/lib.bash"
: "${HS_BUILD:?}"
need_cmd nm
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
# The same at the include level: a kernel reads its data through the kernel
# runtime (hsweep/datafile.h), not HDF5; numeric has its own status codes.
bad=$(grep -l '#include <hdf5.h>' "$HS_SRC"/src/kernels/*.[ch] 2>/dev/null)
[ -z "$bad" ] || fail "kernels include hdf5.h:" $bad
bad=$(grep -l '#include "hsweep/\(error\|task\|kernel\|config\|store\|sched\)\.h"' \
    "$HS_SRC"/src/numeric/*.[ch] 2>/dev/null)
[ -z "$bad" ] || fail "numeric includes a header of a layer above it:" $bad
# cmake/layers.cmake links hs_layer_L (part of the build) from library L
# whole and the libraries below it: it exists and is newer than L only if
# that link succeeded after L last changed.
for l in numeric kernel_rt kernels core; do
    exe=$HS_BUILD/layers/hs_layer_$l
    if [ ! -x "$exe" ]; then
        fail "$exe missing: libhs_$l.a does not link against the layers below it (build log)"
    elif [ "$exe" -ot "$HS_BUILD/libhs_$l.a" ]; then
        fail "$exe is older than libhs_$l.a: its link failed or was not rebuilt"
    else
        pass
    fi
done
echo "$CHECKS checks, $FAILS failures"
[ "$FAILS" = 0 ]
