# hs-labels: mpi
# GPUs for exec tasks, environment values only (no GPU needed): under mpiexec,
# with a GPU list in CUDA_VISIBLE_DEVICES (or only in SLURM_STEP_GPUS) set by
# this test as Slurm would, each exec task prints the CUDA_VISIBLE_DEVICES it
# got; every worker's tasks see the worker's share of its node's list
# (hsweep/gpu.h): one GPU each, round-robin when there are more workers,
# blocks when there are fewer, the whole list when alone, its own list when
# workers were given different ones (srun --gpus-per-task); HSWEEP_GPU_BIND=none
# and no list leave the environment as it is; a bad HSWEEP_GPU_BIND is refused.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py
cat > g.cfg <<'CFG'
sweeps = ( { name = "g"; kernel = "exec";
             command = ["sh", "-c", "printf '%s\\n' \"${{CUDA_VISIBLE_DEVICES-unset}}\" > \"$0/gpu-$1\"; echo '{{\"one\": 1}}'",
                        "{sweep_dir}", "{task_id}"];
             metrics = ["one"];
             matrix = { x = { from = 1; to = 12; num = 12; }; }; } );
CFG
unset CUDA_VISIBLE_DEVICES SLURM_STEP_GPUS SLURM_JOB_GPUS HSWEEP_GPU_BIND
# gpus NAME EXPECTED MPIEXEC-ARGS...: run the sweep; every task's CUDA_VISIBLE_DEVICES must
# be EXPECTED[rank], given as "rank=list rank=list ...".
gpus() {
    local name=$1 want=$2; shift 2
    rm -f gpu-* g.h5
    mpirun_n "$@" >run.log 2>&1 || { fail "$name: run failed: $(tail -n 3 run.log)"; return; }
    check "$name" "$PYTHON3" - "$want" <<'PY'
import sys, h5py
want = dict(kv.split("=", 1) for kv in sys.argv[1].split())
t = h5py.File("g.h5", "r")["g/tasks"][:]
assert len(t) == 12 and (t["status"] == 1).all(), t["status"]
seen = {}
for row in t:
    got = open("gpu-%d" % row["task_id"]).read().rstrip("\n")
    seen.setdefault(int(row["rank"]), set()).add(got)
for rank, lists in seen.items():
    assert lists == {want[str(rank)]}, (rank, lists, want)
assert set(map(str, seen)) <= set(want), (seen, want)
PY
}
run() { echo "$HSWEEP" run g.cfg -o g.h5 --quiet; }
# Four workers (ranks 1-4; rank 0 coordinates), four GPUs: one each.
CUDA_VISIBLE_DEVICES=0,1,2,3 gpus "4 workers, 4 GPUs" "1=0 2=1 3=2 4=3" 5 $(run)
# Three workers, two GPUs given only as Slurm's list: round-robin.
SLURM_STEP_GPUS=4,7 gpus "3 workers, 2 GPUs (SLURM_STEP_GPUS)" "1=4 2=7 3=4" 4 $(run)
# Two workers, four GPUs: two each.
CUDA_VISIBLE_DEVICES=GPU-a,GPU-b,GPU-c,GPU-d gpus "2 workers, 4 GPUs" "1=GPU-a,GPU-b 2=GPU-c,GPU-d" 3 $(run)
# CUDA_VISIBLE_DEVICES wins over SLURM_JOB_GPUS (it is what the processes see).
CUDA_VISIBLE_DEVICES=2,3 SLURM_JOB_GPUS=0,1,2,3 gpus "CUDA_VISIBLE_DEVICES first" "1=2 2=3" 3 $(run)
# One process runs the tasks itself: the whole list.
CUDA_VISIBLE_DEVICES=0,1,2 gpus "1 process" "0=0,1,2" 1 $(run)
# Workers given different lists (as srun --gpus-per-task does) keep their own.
gpus "own lists kept" "1=2 2=3 3=4,5" 1 env CUDA_VISIBLE_DEVICES=0,1 $(run) : \
    -n 2 env CUDA_VISIBLE_DEVICES=2,3 $(run) : -n 1 env CUDA_VISIBLE_DEVICES=4,5 $(run)
# Left alone: HSWEEP_GPU_BIND=none, and no GPU list at all.
HSWEEP_GPU_BIND=none CUDA_VISIBLE_DEVICES=0,1 gpus "HSWEEP_GPU_BIND=none" "1=0,1 2=0,1" 3 $(run)
gpus "no GPUs" "1=unset 2=unset" 3 $(run)
HSWEEP_GPU_BIND=auto CUDA_VISIBLE_DEVICES=0,1 gpus "HSWEEP_GPU_BIND=auto" "1=0 2=1" 3 $(run)
# Refused: a bad HSWEEP_GPU_BIND, a list with an empty entry (exit 2, nothing run).
HSWEEP_GPU_BIND=yes expect_fail 2 "HSWEEP_GPU_BIND is auto (the default) or none, not 'yes'" mpirun_n 3 $(run)
CUDA_VISIBLE_DEVICES=0,,1 expect_fail 2 "CUDA_VISIBLE_DEVICES: GPU list '0,,1' has an empty entry" mpirun_n 3 $(run)
finish
