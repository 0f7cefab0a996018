# hs-labels: mpi slow
# sweeps_reduced.sh for the two heavy sweep files (about 45 s on 2 cores):
# seed 002's pose model and seed 003's flow training, reduced.
HS_SWEEP_FILES="gimbal_divergence flow_ssc_scaling" exec bash "$(dirname "$0")/sweeps_reduced.sh"
