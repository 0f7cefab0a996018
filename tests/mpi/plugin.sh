# hs-labels: mpi
# Plug-in kernels: examples/plugin built here with cc, swept on 3 ranks and
# checked against the logistic map's closed forms; libraries of another
# kernel ABI, without the entry point, or missing are refused (exit 2).
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py
CC=${CC:-cc}
mkdir -p sweeps/lib
check "build the example plug-in" "$CC" -shared -fPIC -O2 -std=c11 -Wall -Wextra -Wpedantic -Werror \
    -I"$HS_SRC/include" -o sweeps/lib/liblogistic.so "$HS_SRC/examples/plugin/logistic.c" -lm
cat > sweeps/logistic.cfg <<'EOF'
sweeps = (
  { name = "logistic"; kernel = "plugin:lib/liblogistic.so";   # relative to this file
    fixed = { steps = 200; burn_in = 2000; };
    matrix = { r = [2.5, 2.8, 3.2, 4.0]; x0 = [0.2, 0.3]; };
    seeds = [1, 2];
  } );
EOF
check "sweep the plug-in on 3 ranks" mpirun_n 3 "$HSWEEP" run sweeps/logistic.cfg -o l.h5 --quiet
"$HSWEEP" collate l.h5 --rows r --metric x_last,lyapunov --format json > l.json || fail "collate"
check "closed forms" "$PYTHON3" - <<'PY'
import h5py, json, math
t = h5py.File("l.h5", "r")["logistic/tasks"][:]
assert len(t) == 16 and (t["status"] == 1).all() and (t["orbit_len"] == 200).all(), t
assert h5py.File("l.h5", "r")["logistic"].attrs["kernel"] == "logistic"
cells = {c["r"]: c for c in json.load(open("l.json"))["cells"] if c["metric"] == "lyapunov"}
# r < 3: fixed point x* = 1 - 1/r, lambda = ln|r (1 - 2x*)| = ln|2 - r|; after 2000 steps of
# burn-in the distance to x* is below 0.8^2000, so only rounding (~1e-15) remains.
for r in (2.5, 2.8):
    assert abs(cells[r]["value"] - math.log(abs(2 - r))) < 1e-12, cells[r]
# r = 3.2: the 2-cycle x = ((r+1) +- sqrt((r-3)(r+1))) / (2r) (Strogatz ex. 10.3.1);
# lambda = ln|r^2 (1-2x+)(1-2x-)| / 2, averaged over an even number of steps.
r = 3.2
s = math.sqrt((r - 3) * (r + 1))
xp, xm = (r + 1 + s) / (2 * r), (r + 1 - s) / (2 * r)
assert abs(cells[r]["value"] - 0.5 * math.log(abs(r * r * (1 - 2 * xp) * (1 - 2 * xm)))) < 1e-9
# r = 4: chaotic, lambda = ln 2; 200 steps of 8 orbits: a statistical estimate only, so the
# check is loose (the per-orbit standard error is about 0.05 at n = 200).
assert abs(cells[4.0]["value"] - math.log(2)) < 0.15, cells[4.0]
PY

# Another ABI: refused before anything runs, naming the file, the line and both ABIs.
cat > old_abi.c <<'EOF'
#include "hsweep/kernel.h"
static const hs_kernel k = {.abi = HS_KERNEL_ABI - 1, .name = "old"};
const hs_kernel *hs_plugin_kernel(void) { return &k; }
EOF
cat > no_entry.c <<'EOF'
int not_the_entry_point(void) { return 0; }
EOF
"$CC" -shared -fPIC -I"$HS_SRC/include" -o libold.so old_abi.c || fail "build libold.so"
"$CC" -shared -fPIC -o libnoentry.so no_entry.c || fail "build libnoentry.so"
abi=$(sed -n 's/^#define HS_KERNEL_ABI \([0-9]*\)$/\1/p' "$HS_SRC/include/hsweep/kernel.h")
plugin() { printf 'sweeps = (\n { name = "p";\n   kernel = "plugin:%s"; matrix = { r = [1.0]; }; } );\n' "$1" > p.cfg; }
plugin libold.so
expect_fail 2 "p.cfg:3: sweep 'p': key 'kernel': plug-in $(realpath "$WORK")/libold.so was built against kernel ABI $((abi - 1)), this hsweep has kernel ABI $abi" \
    mpirun_n 3 "$HSWEEP" run p.cfg -o p.h5
check "nothing written for a refused plug-in" test ! -e p.h5
plugin libnoentry.so
expect_fail 2 "does not export hs_plugin_kernel()" "$HSWEEP" plan p.cfg
plugin nowhere/libmissing.so
expect_fail 2 "cannot load plug-in" "$HSWEEP" plan p.cfg
plugin "$WORK/sweeps/lib/liblogistic.so"
check "an absolute path" bash -c "'$HSWEEP' plan p.cfg >/dev/null"
finish
