# hs-labels: slurm
# A job script rendered with hsweep submit's site options (submit_options.sh
# checks each #SBATCH line) is accepted by Slurm itself: sbatch --test-only
# on the private single-node cluster (2 CPUs: 2 ranks of 1 core), for the
# srun and mpirun templates.
. "$(dirname "$0")/slurm_lib.bash"
cat > s.cfg <<'CFG'
sweeps = ( { name = "s"; kernel = "sleep"; fixed = { seconds = 0.01; };
             matrix = { x = { from = 1.0; to = 4.0; num = 4; }; }; } );
CFG
for t in srun mpirun; do
    "$HSWEEP" submit s.cfg --time 5 --nodes 1 --ntasks-per-node 2 --cpus-per-task 1 --mem 10M --mail-type NONE --sbatch-arg=--comment=t \
        --setup 'true' --template "$t" --script "$WORK/$t.sbatch" --dry-run >"$t.sbatch" 2>"$t.err" ||
        fail "$t: submit --dry-run: $(cat "$t.err")"
    check "$t: sbatch --test-only accepts the script" sbatch --test-only "$t.sbatch"
done
finish
