# hs-labels: build
# Every global symbol hsweep defines starts with hs_: in each static library
# (nm of libhs_*.a), in the example plug-in (its dynamic symbols) and among
# the dynamic symbols the hsweep executable exports to plug-ins
# (ENABLE_EXPORTS).  Allowed besides: main, names starting with _ (the
# compiler's, the linker's and the C runtime's own), the C runtime's
# data_start, and the executable's copies of shared libraries' data (copy
# relocations: stderr, environ, MPI's and HDF5's predefined handles).  Every
# function of include/hsweep/kernel.h is exported by hsweep, since plug-ins
# resolve them from it.
. "$(dirname "$0")/lib.bash"
: "${HS_BUILD:?}"
need_cmd nm readelf cc
cd "$WORK" || exit 1
# check_syms WHAT FILE: FILE lists "TYPE NAME" of defined globals; fail on any not allowed.
check_syms() {
    local bad
    [ -s "$2" ] || { fail "$1: nm listed no defined symbols"; return; }
    bad=$(awk '$2 !~ /^hs_/ && $2 !~ /^_/ && $2 != "main" && $2 != "data_start" {print $2}' "$2" | sort -u)
    if [ -n "$bad" ]; then fail "$1 defines global symbols without the hs_ prefix:" $bad; else pass; fi
}
libs=$(ls "$HS_BUILD"/libhs_*.a 2>/dev/null)
for l in numeric kernel_rt kernels core; do
    case " $(echo $libs) " in *"/libhs_$l.a "*) ;; *) fail "no library libhs_$l.a in $HS_BUILD" ;; esac
done
for lib in $libs; do
    nm -g --defined-only "$lib" | awk 'NF == 3 {print $2, $3}' > lib.txt
    check_syms "$(basename "$lib")" lib.txt
done
check "build the example plug-in" cc -shared -fPIC -O2 -std=c11 -I"$HS_SRC/include" \
    -o liblogistic.so "$HS_SRC/examples/plugin/logistic.c" -lm
nm -D --defined-only liblogistic.so | awk 'NF == 3 {print $2, $3}' > plugin.txt
check_syms liblogistic.so plugin.txt
grep -q ' hs_plugin_kernel$' plugin.txt || fail "the plug-in does not export hs_plugin_kernel"
# hsweep: dynamic symbols it defines, less the copies of shared libraries'
# data (by address, which also drops their aliases: environ for __environ).
readelf -W -r "$HSWEEP" | awk '$3 ~ /_COPY$/ {print $1}' | sed 's/^0*//' | sort -u > copies.txt
[ -s copies.txt ] || echo none > copies.txt
nm -D --defined-only "$HSWEEP" | awk 'NF == 3 {n = $3; sub("@.*", "", n); a = $1; sub("^0*", "", a); print a, $2, n}' \
    | awk 'NR == FNR {c[$1] = 1; next} !($1 in c) {print $2, $3}' copies.txt - > hsweep.txt
check_syms hsweep hsweep.txt
grep -q ' hs_param_int$' hsweep.txt || fail "hsweep exports no hs_param_int (ENABLE_EXPORTS?)"
for f in $(sed -n 's/^[a-z].*\b\(hs_[a-z_]*\)(.*/\1/p' "$HS_SRC/include/hsweep/kernel.h"); do
    grep -q " $f\$" hsweep.txt || fail "hsweep does not export $f (include/hsweep/kernel.h)"
done
echo "$CHECKS checks, $FAILS failures"
[ "$FAILS" = 0 ]
