# Shared helpers for the multi-node tests (sourced): a private Slurm cluster
# of 3 nodes emulated with network namespaces (slurm/local-cluster.sh up
# --nodes 3), removed when the test ends.  Skips (exit 77) when not root,
# when Slurm's Debian packages or iproute2/util-linux are missing, or when
# this kernel does not allow network namespaces, bridges and veth pairs;
# once those hold, a cluster that does not come up is a failure.
. "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
skip() { echo "SKIP: $*" >&2; exit 77; }
[ "$(id -u)" = 0 ] || skip "the emulated nodes need root (network namespaces, slurmd)"
for b in munged slurmctld slurmd sbatch squeue scontrol; do
    command -v "$b" >/dev/null ||
        skip "Slurm is not installed ($b missing): apt-get install slurmd slurmctld slurm-client munge"
done
for b in ip nsenter unshare; do
    command -v "$b" >/dev/null || skip "$b missing: apt-get install iproute2 util-linux"
done
# The probe makes a bridge and a veth pair inside a throwaway namespace.
probe=$(unshare --net sh -c 'ip link add b0 type bridge && ip link add v0 type veth peer name v1' 2>&1) ||
    skip "no network namespaces with bridges and veth pairs here: $probe"
"$PYTHON3" -c "import h5py" 2>/dev/null || skip "python3-h5py missing"
export HS_LOCAL_CLUSTER_DIR="$WORK/cluster"
CLUSTER="$HS_SRC/slurm/local-cluster.sh"
trap 'bash "$CLUSTER" down 2>/dev/null; rm -rf "$WORK"' EXIT
if ! bash "$CLUSTER" up --nodes 3 >"$WORK/cluster.env" 2>"$WORK/cluster.err"; then
    cat "$WORK/cluster.err" >&2
    echo "FAIL: slurm/local-cluster.sh up --nodes 3 (log above)" >&2
    exit 1
fi
. "$WORK/cluster.env"
cd "$WORK" || exit 1

# mpin HOSTS N ARGS...: mpiexec of N ranks on the emulated nodes (HOSTS as
# for --host, e.g. hsn1:2,hsn2:2), started in the nodes' namespaces by the
# cluster's rsh agent, bounded like mpirun_n.
mpin() {
    local hosts=$1 n=$2; shift 2
    timeout -k 10 "${HS_MPI_TIMEOUT:-300}" "$MPIEXEC" --mca plm_rsh_agent "$HS_CLUSTER_AGENT" \
        --mca btl tcp,self,vader --host "$hosts" -n "$n" "$@"
}
# row_hosts FILE SWEEP: the distinct hosts of the rows, sorted, one line.
row_hosts() {
    "$PYTHON3" -c "import sys, h5py
t = h5py.File(sys.argv[1], 'r')[sys.argv[2] + '/tasks'][:]
print(' '.join(sorted({h.decode() for h in t['host']})))" "$1" "$2"
}
