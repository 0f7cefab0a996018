# hs-labels: mpi
# ScaLAPACK pzheevd on a 2-rank gang (ranks 1-2 of 3, beside a coordinator)
# equals LAPACK zheevd on the same N = 256 matrix (issue 6); see prog_pzheevd.c.
. "$(dirname "$0")/lib.bash"
prog=
for p in "${HS_BUILD:-}/tests/prog_pzheevd" "${HS_BUILD:-}/prog_pzheevd"; do
    [ -x "$p" ] && prog=$p && break
done
[ -n "$prog" ] || { echo "FAIL: prog_pzheevd is not in the build directory (tests/CMakeLists.txt builds it)" >&2; exit 1; }
export OPENBLAS_NUM_THREADS=1
check "pzheevd on a gang of 2 == zheevd" mpirun_n 3 "$prog"
finish
