# Sourced by the bench/*.sh scripts: paths, MPI launch, timing helpers.
#   HSWEEP            hsweep binary (default build/hsweep)
#   BENCH_BUILD       where bench programs are built (default <dir of HSWEEP>/bench)
#   BENCH_WORK        scratch directory on the disk to measure (default $TMPDIR or /tmp);
#                     a fresh subdirectory is made and removed on exit
#   MPIEXEC, PYTHON3  launchers (default mpiexec, /usr/bin/python3)
#   HSWEEP_RUN_OPTS   extra options for every `hsweep run` (e.g. --isolation none)
#   REPS              repetitions of each measurement; the best (shortest) counts
set -eu
BENCH_SRC=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$BENCH_SRC/.." && pwd)
HSWEEP=${HSWEEP:-$ROOT/build/hsweep}
HSWEEP=$(cd "$(dirname "$HSWEEP")" && pwd)/$(basename "$HSWEEP")
BENCH_BUILD=${BENCH_BUILD:-$(dirname "$HSWEEP")/bench}
MPIEXEC=${MPIEXEC:-mpiexec}
PYTHON3=${PYTHON3:-/usr/bin/python3}  # Debian's, where h5py and numpy are
HSWEEP_RUN_OPTS=${HSWEEP_RUN_OPTS:-}
REPS=${REPS:-2}
NPROC=$(nproc)
# ROMIO for MPI-IO and ob1 messaging, as hsweep itself sets them
# (src/cli/cmd_run.c), so every MPI program here starts the same way.
export OMPI_MCA_io=${OMPI_MCA_io:-^ompio}
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
[ -x "$HSWEEP" ] || { echo "bench: no hsweep binary at $HSWEEP (set HSWEEP)" >&2; exit 1; }
WORK=$(mktemp -d "${BENCH_WORK:-${TMPDIR:-/tmp}}/hsweep-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# Seconds since the epoch, ns resolution.
now() { date +%s.%N; }
# Arithmetic on decimals: calc 'expr' (awk).
calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }

# mpirun_n N CMD...: mpiexec -n N, with --oversubscribe when N exceeds the cores.
mpirun_n() {
    _np=$1
    shift
    if [ "$_np" -gt "$NPROC" ]; then
        $MPIEXEC -n "$_np" --oversubscribe "$@"
    else
        $MPIEXEC -n "$_np" "$@"
    fi
}

# The final tasks/s that hsweep run logs (its dispatch phase: from the end of
# file creation to the last result), from a captured stderr file.
hsweep_rate() { grep -o '[0-9.]* tasks/s' "$1" | tail -1 | cut -d' ' -f1; }

# Whether this hsweep accepts `run --isolation` (crash isolation by fork).
has_isolation() {
    ! "$HSWEEP" run "$WORK/none.cfg" --isolation none 2>&1 | grep -q "unknown option"
}

# Builds bench/ programs if needed.
build_bench() { make -s -C "$BENCH_SRC" O="$BENCH_BUILD" >&2; }

# The machine, for the record.
machine() {
    echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# From bench/rank0.sh's record (GNU time may put an exit-status line first):
rank0_cpu() { tail -1 "$1" | awk '{print $1 + $2}'; }
rank0_rss_kb() { tail -1 "$1" | awk '{print $3}'; }
