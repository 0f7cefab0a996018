# Shared helpers for the multi-node tests (sourced): slurm_lib.bash with a
# private Slurm cluster of 3 nodes emulated with network namespaces
# (slurm/local-cluster.sh up --nodes 3; skips as slurm_lib.bash says), and
# python3-h5py.
HS_TEST_NODES=3
. "$(dirname "${BASH_SOURCE[0]}")/slurm_lib.bash"
need_py h5py

# mpin HOSTS N ARGS...: mpiexec of N ranks on the emulated nodes (HOSTS as
# for --host, e.g. hsn1:2,hsn2:2), started in the nodes' namespaces by the
# cluster's rsh agent, bounded like mpirun_n.  The ranks yield when idle:
# the slots are emulated, the cores are shared with everything else.
MPIN=(--mca plm_rsh_agent "$HS_CLUSTER_AGENT" --mca btl tcp,self,vader --mca mpi_yield_when_idle 1)
mpin() {
    local hosts=$1 n=$2; shift 2
    timeout -k 10 "${HS_MPI_TIMEOUT:-300}" "$MPIEXEC" "${MPIN[@]}" --host "$hosts" -n "$n" "$@"
}
# row_hosts FILE SWEEP: the distinct hosts of the sweep's rows, sorted, on one line.
row_hosts() {
    "$PYTHON3" -c "import sys, h5py
t = h5py.File(sys.argv[1], 'r')[sys.argv[2] + '/tasks'][:]
print(' '.join(sorted({h.decode() for h in t['host']})))" "$1" "$2"
}
