# hs-labels: mpi
# An installed hsweep: `cmake --install` into a temporary prefix; then, with
# the source and build trees hidden (an empty tmpfs mounted over each in a
# private mount namespace, so no path into them can be used), the example
# plug-in shipped in the prefix is built against the installed files only,
# with find_package(hsweep) and with pkg-config, and the installed binary,
# started from PATH in another directory, renders a job script from its
# installed templates (also after the whole prefix is moved) and runs the
# plug-in sweep on 3 ranks; its results match the logistic map's closed forms,
# read through the installed analysis module.
. "$(dirname "$0")/lib.bash"
: "${HS_BUILD:?}"
for tool in cmake pkg-config make cc unshare; do
    need_cmd "$tool"
done
need_py h5py pandas
if [ "$(id -u)" = 0 ]; then ns=(unshare -m); else ns=(unshare -r -m); fi
"${ns[@]}" true 2>/dev/null || skip "cannot make a private mount namespace (${ns[*]}) to hide the source tree"
cd "$WORK" || exit 1
P="$WORK/prefix"
case "$P/" in "$HS_SRC"/* | "$HS_BUILD"/*) skip "the temporary directory $WORK is inside the source or build tree" ;; esac
cmake --install "$HS_BUILD" --prefix "$P" >install.log 2>&1 || { cat install.log; fail "cmake --install"; finish; exit; }
for f in bin/hsweep include/hsweep/kernel.h share/hsweep/slurm/requeue.sbatch share/hsweep/slurm/srun.sbatch \
    share/hsweep/slurm/mpirun.sbatch share/hsweep/slurm/collate.sbatch share/hsweep/analysis/hsweep_results.py \
    share/hsweep/analysis/hsweep_plot.py lib/cmake/hsweep/hsweepConfig.cmake lib/cmake/hsweep/hsweepConfigVersion.cmake \
    lib/pkgconfig/hsweep.pc share/hsweep/examples/plugin/logistic.c; do
    check "installed: $f" test -f "$P/$f"
done
check "installed binary is executable" test -x "$P/bin/hsweep"

# Everything below runs where the source and build trees are empty directories.
cat > hidden.sh <<'SH'
set -u
mount -t tmpfs -o size=1m,mode=0555 hsweep-hidden "$HS_SRC" || exit 90
[ "$HS_BUILD" = "$HS_SRC" ] || case "$HS_BUILD/" in "$HS_SRC"/*) ;; *) mount -t tmpfs -o size=1m,mode=0555 hsweep-hidden "$HS_BUILD" || exit 90 ;; esac
[ -e "$HS_SRC/CMakeLists.txt" ] || [ -e "$HS_BUILD/hsweep" ] && exit 91
exec bash "$WORK/steps.sh"
SH
cat > steps.sh <<'SH'
set -u
P="$WORK/prefix"
export PATH="$P/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
unset HSWEEP_TEMPLATES CMAKE_PREFIX_PATH PKG_CONFIG_PATH
st() { echo "$1 $2"; }
cd "$WORK" || exit 1
# find_package(hsweep): the plug-in built from the installed example.
cp -r "$P/share/hsweep/examples/plugin" viacmake
cmake -S viacmake -B viacmake/build -DCMAKE_PREFIX_PATH="$P" >cmake.log 2>&1 && cmake --build viacmake/build >>cmake.log 2>&1
st find_package_build $?
grep -q "hsweep 0.1.0 (kernel ABI $(sed -n 's/^#define HS_KERNEL_ABI \([0-9]*\)$/\1/p' "$P/include/hsweep/kernel.h")) from $P/lib/cmake/hsweep" cmake.log
st find_package_found $?
grep -rq "$P/include" viacmake/build/CMakeFiles/logistic.dir/flags.make
st find_package_include $?
# pkg-config: the same with make.
cp -r "$P/share/hsweep/examples/plugin" viapc
PKG_CONFIG_PATH="$P/lib/pkgconfig" make -C viapc >make.log 2>&1
st pkgconfig_build $?
[ "$(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --variable=templatesdir hsweep)" = "$P/share/hsweep/slurm" ]
st pkgconfig_templatesdir $?
read -r cflags < <(PKG_CONFIG_PATH="$P/lib/pkgconfig" pkg-config --cflags hsweep) && [ "$cflags" = "-I$P/include" ]
st pkgconfig_cflags $?
# The installed binary, from PATH, in another directory.
mkdir -p elsewhere/sweeps && cd elsewhere || exit 1
cp ../viacmake/build/liblogistic.so sweeps/
sed 's|results/logistic.h5|logistic.h5|' "$P/share/hsweep/examples/plugin/logistic.cfg" >sweeps/logistic.cfg
hsweep submit sweeps/logistic.cfg --time 10 --dry-run >dry.sbatch 2>dry.err
st submit_dry_run $?
grep -qxF "HS_BIN='$P/bin/hsweep'" dry.sbatch && grep -qxF "#SBATCH --requeue" dry.sbatch && bash -n dry.sbatch
st submit_script $?
timeout -k 10 300 mpiexec -n 3 --oversubscribe hsweep run sweeps/logistic.cfg --quiet
st plugin_sweep $?
HSWEEP_ANALYSIS="$P/share/hsweep/analysis" "$PYTHON3" - <<'PY'
import math, os, sys
sys.path.insert(0, os.environ["HSWEEP_ANALYSIS"])
import hsweep_results as hr
df = hr.load("logistic.h5", "logistic_r")  # output is relative to the working directory
assert len(df) == 12 and (df.status == "ok").all(), df
# r < 3: the orbit settles on x* = 1 - 1/r, whose Lyapunov exponent is ln|2 - r|.
for r in (2.5, 2.8):
    for v in df[df.r == r].lyapunov:
        assert abs(v - math.log(abs(2 - r))) < 1e-9, (r, v)
PY
st closed_forms $?
# The installed templates come before $HSWEEP_TEMPLATES.
mkdir -p ../tpl && echo 'exit 1' >../tpl/requeue.sbatch
HSWEEP_TEMPLATES="$WORK/tpl" hsweep submit sweeps/logistic.cfg --time 10 --dry-run 2>/dev/null | cmp -s - dry.sbatch
st installed_templates_first $?
# A moved prefix: the binary finds its templates relative to itself.
cd "$WORK" && cp -a "$P" moved && cd elsewhere || exit 1
"$WORK/moved/bin/hsweep" submit sweeps/logistic.cfg --template srun --dry-run >moved.sbatch 2>/dev/null &&
    grep -qxF "HS_BIN='$WORK/moved/bin/hsweep'" moved.sbatch && grep -q -- '--mpi=' moved.sbatch
st moved_prefix $?
SH
export WORK PYTHON3
out=$("${ns[@]}" bash hidden.sh 2>steps.err)
rc=$?
check "the hidden run completed (exit $rc: 90 = mount failed, 91 = tree still visible)" test "$rc" = 0
[ "$rc" = 0 ] || cat steps.err >&2
for s in find_package_build find_package_found find_package_include pkgconfig_build pkgconfig_templatesdir \
    pkgconfig_cflags submit_dry_run submit_script plugin_sweep closed_forms installed_templates_first moved_prefix; do
    check "$s (source tree hidden)" test "$(printf '%s\n' "$out" | sed -n "s/^$s //p")" = 0
done
if [ "$FAILS" -gt 0 ]; then cat steps.err cmake.log make.log elsewhere/dry.err 2>/dev/null | tail -40 >&2; fi
finish
