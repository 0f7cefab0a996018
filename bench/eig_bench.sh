#!/usr/bin/env bash
# zheevd vs pzheevd on 1, 2 and 4 (oversubscribed) ranks, and OpenBLAS zgemm
# as the practical ceiling, all single-threaded (issue 6).
#   bench/eig_bench.sh [BUILD_DIR] [N ...]     (default: build, $SIZES or 1024 2048 4096)
# Needs a configured build with libhs_numeric.a built (cmake --build BUILD --target hs_numeric).
# Prints the raw table, then the crossover N (smallest N where pzheevd on 2
# ranks beats zheevd on 1 in solver time) and, last, the eigensolver's
# GFLOP/s against zgemm's at the largest N.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$src/build}
shift || true
sizes=${*:-${SIZES:-1024 2048 4096}}
export OPENBLAS_NUM_THREADS=1 OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d /tmp/eig_bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cblas_inc=$(dirname "$(find /usr/include -name cblas.h -path '*openblas*' | head -1)")
mpicc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$src/include" -I"$cblas_inc" \
    "$src/bench/eig_bench.c" "$build/libhs_numeric.a" \
    -lscalapack-openmpi -llapack -lopenblas -lm -o "$work/eig_bench"
for p in 1 2 4; do
    # shellcheck disable=SC2086
    mpiexec -n "$p" --oversubscribe "$work/eig_bench" $sizes | tee -a "$work/all.txt"
done
awk '
    /^#/ { next }
    { n = $1; p = $2
      if (p == 1) { ser[n] = $3; gfs[n] = $7; gemm[n] = $9 }
      par[n, p] = $5; if (!(n in seen)) { seen[n] = 1; ns[++k] = n } }
    END {
      printf "\nN      zheevd(1)  pzheevd(1)  pzheevd(2)  pzheevd(4)  [solver s]\n"
      for (i = 1; i <= k; i++) { n = ns[i]
        printf "%-6d %9.3f  %10.3f  %10.3f  %10.3f\n", n, ser[n], par[n, 1], par[n, 2], par[n, 4] }
      cross = "none"; for (i = 1; i <= k; i++) { n = ns[i]
        if (par[n, 2] > 0 && par[n, 2] < ser[n]) { cross = n; break } }
      big = ns[k]
      printf "crossover (pzheevd on 2 ranks faster than zheevd): N = %s; at N = %d speedup %.2f\n",
             cross, big, ser[big] / par[big, 2]
      printf "zheevd_gflops: %.2f GFLOP/s (ratio %.2f vs zgemm %.2f GFLOP/s, N = %d, 1 thread)\n",
             gfs[big], gfs[big] / gemm[big], gemm[big], big
    }' "$work/all.txt"
