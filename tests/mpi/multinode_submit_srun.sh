# hs-labels: slurm multinode slow
# multinode_submit.sh with --launcher srun: the same 3-node requeued job,
# its ranks started by srun (skipped where srun has no PMIx plugin).
HS_MN_LAUNCHER=srun . "$(dirname "$0")/multinode_submit.sh"
