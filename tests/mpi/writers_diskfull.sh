# hs-labels: mpi fault
# The disk filling up under hsweep run --writers node (a 1 MiB tmpfs in a
# private mount namespace, as hostile_diskfull.sh; skipped (77) only where
# the kernel refuses one): the node writer's failing block write ends the
# run with the same exit code and "cannot write" message as --writers
# rank's per-rank failure, the rows written before stay complete (the file
# resumes without --repair, keeping them), and a resume once there is room
# finishes every task.
. "$(dirname "$0")/lib.bash"
private_mounts
need_py h5py
cd "$WORK" || exit 1
printf 'sweeps = ({ name = "f"; kernel = "sleep"; fixed = { seconds = 0.05; }; matrix = { x = { from = 0.0; to = 1.0; num = 60; }; }; },\n { name = "t"; kernel = "noop"; fixed = { trace_len = 20000; }; matrix = { x = { from = 0.0; to = 1.0; num = 4; }; }; });\n' > fill.cfg
export HSWEEP_WRITERS_FLUSH_S=0.2
for mode in rank node; do
    mount_tmpfs "full_$mode" size=1m
    mpirun_n 4 "$HSWEEP" run fill.cfg -o "full_$mode/f.h5" --quiet --writers "$mode" 2> "fill_$mode.log" & pid=$!
    for _ in $(seq 1 200); do [ -e "full_$mode/f.h5" ] && break; sleep 0.05; done
    head -c 2m /dev/zero > "full_$mode/filler" 2>/dev/null
    wait "$pid"; eval "rc_$mode=$?"
    grep -q "full_$mode/f.h5: cannot write" "fill_$mode.log" && pass ||
        fail "--writers $mode: disk full message: $(head -n 3 "fill_$mode.log")"
    rm -f "full_$mode/filler"
    "$PYTHON3" - "full_$mode/f.h5" > "before_$mode.txt" <<'PY' || fail "--writers $mode: file unreadable after the failure"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
for s in ("f", "t"):
    for r in f[s + "/tasks"][:]:
        if r["status"] != 0:
            print(s, int(r["task_id"]), repr(float(r["started_unix"])))
PY
done
echo "exit codes: --writers rank $rc_rank, --writers node $rc_node; rows kept: $(wc -l < before_node.txt) (node)"
check "disk full: exit 1 with --writers rank" test "$rc_rank" = 1
check "disk full: the same exit with --writers node" test "$rc_node" = "$rc_rank"
check "resumes once there is room (no --repair: no damaged row)" \
    mpirun_n 4 "$HSWEEP" run fill.cfg -o full_node/f.h5 --resume --quiet --writers node
check "every task done, the rows written before the failure kept" "$PYTHON3" - full_node/f.h5 before_node.txt <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
kept = [l.split() for l in open(sys.argv[2])]
for s in ("f", "t"):
    assert (f[s + "/tasks"]["status"] == 1).all(), s
for s, i, t in kept:
    assert repr(float(f[s + "/tasks"]["started_unix"][int(i)])) == t, (s, i)
PY
finish
