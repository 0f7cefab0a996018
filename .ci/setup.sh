#!/usr/bin/env bash
# Install what hsweep needs on Debian (if missing), build it, then run the
# quickstart sweep or the whole test suite.
#   bash .ci/setup.sh quickstart   # build, run sweeps/quickstart.cfg on 2 ranks, print its table
#   bash .ci/setup.sh test         # build, run every CTest test (not bench/)
#   bash .ci/setup.sh build        # build only
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-build}

pkgs=(build-essential cmake pkg-config git
      openmpi-bin libopenmpi-dev libhdf5-openmpi-dev hdf5-tools
      libscalapack-openmpi-dev libopenblas-dev liblapack-dev liblapacke-dev libconfig-dev
      python3 python3-numpy python3-h5py python3-pandas python3-matplotlib
      clang libclang-rt-14-dev clang-format
      help2man                              # the man page, build/hsweep.1
      slurmd slurmctld slurm-client munge    # tests/mpi/slurm_*.sh: a local Slurm cluster
      iproute2 util-linux)                   # tests/mpi/multinode_*.sh: nodes as network namespaces
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    echo "installing: ${missing[*]}"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"

if [ "$(id -u)" = 0 ]; then
    # Open MPI refuses to start as root without these.
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
case "$what" in
build) ;;
quickstart)
    mpiexec -n 2 --oversubscribe build/hsweep run sweeps/quickstart.cfg --overwrite
    build/hsweep status results/quickstart.h5
    build/hsweep collate results/quickstart.h5 --sweep vi_quadratic --rows gamma --cols precision \
        --metric lambda_hat_cv,lambda_exact
    build/hsweep report results/quickstart.h5
    ;;
test)
    cd build
    ctest --output-on-failure --timeout 1500
    ;;
*)
    echo "usage: bash .ci/setup.sh [quickstart|test|build]" >&2
    exit 2
    ;;
esac
