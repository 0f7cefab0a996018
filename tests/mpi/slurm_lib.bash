# Shared helpers for the Slurm tests (sourced after lib.bash): a private
# cluster from slurm/local-cluster.sh, stopped when the test ends; one node,
# or HS_TEST_NODES nodes emulated with network namespaces (multinode_lib.bash).
# Skips (exit 77) when not root, and for several nodes when this kernel does
# not allow network namespaces with bridges and veth pairs.  Slurm, munge,
# iproute2 and util-linux are installed by .ci/setup.sh: one missing is a
# failure, and so is a cluster that slurm/local-cluster.sh does not bring up.
. "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
need_cmd munged slurmctld slurmd sbatch squeue scontrol
[ "$(id -u)" = 0 ] || skip "the local Slurm cluster needs root (slurmd starts jobs as their user)"
HS_TEST_NODES=${HS_TEST_NODES:-1}
if [ "$HS_TEST_NODES" -gt 1 ]; then
    need_cmd ip nsenter unshare
    # The probe makes a bridge and a veth pair inside a throwaway namespace.
    probe=$(unshare --net sh -c 'ip link add b0 type bridge && ip link add v0 type veth peer name v1' 2>&1) ||
        skip "no network namespaces with bridges and veth pairs here: $probe"
fi
export HS_LOCAL_CLUSTER_DIR="$WORK/cluster"
CLUSTER="$HS_SRC/slurm/local-cluster.sh"
trap 'bash "$CLUSTER" down 2>/dev/null; rm -rf "$WORK"' EXIT
if ! bash "$CLUSTER" up --nodes "$HS_TEST_NODES" >"$WORK/cluster.env" 2>"$WORK/cluster.err"; then
    cat "$WORK/cluster.err" >&2
    echo "FAIL: slurm/local-cluster.sh up --nodes $HS_TEST_NODES did not start the cluster (log above)" >&2
    exit 1
fi
. "$WORK/cluster.env"
cd "$WORK" || exit 1

# wait_job ID SECONDS: wait until job ID has left the queue (requeues included); 1 on timeout.
wait_job() {
    for _ in $(seq $(($2 * 2))); do
        [ -z "$(squeue -h -j "$1" -o %i 2>/dev/null)" ] && return 0
        sleep 0.5
    done
    echo "job $1 still queued after $2 s:" >&2
    scontrol show job "$1" >&2
    return 1
}
# wait_running ID SECONDS: wait until job ID runs.
wait_running() {
    for _ in $(seq $(($2 * 5))); do
        [ "$(squeue -h -j "$1" -o %T 2>/dev/null)" = RUNNING ] && return 0
        sleep 0.2
    done
    return 1
}
# wait_done FILE N: wait (up to 60 s) until N tasks of FILE are done; prints how many are.
wait_done() {
    local n=0
    for _ in $(seq 600); do
        n=$("$HSWEEP" status "$1" 2>/dev/null | sed -n 's/.* \([0-9]*\) done.*/\1/p')
        [ "${n:-0}" -ge "$2" ] && break
        sleep 0.1
    done
    echo "${n:-0}"
}
# resume_check ARGS...: tests/mpi/resume_check.py (before / after / runs).
resume_check() { "$PYTHON3" "$HS_SRC/tests/mpi/resume_check.py" "$@"; }
# job_field ID NAME: a field of `scontrol show job` (kept MinJobAge=600 s after the end).
job_field() { scontrol show job "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1; }
