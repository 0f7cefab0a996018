# hs-labels: slurm multinode
# hsweep run --writers node on 3 emulated nodes of 3 ranks (multinode_lib.bash):
# each node's lowest worker rank writes for the node's other workers.  The
# file is bit-identical to a one-node --writers rank run, the writers (ranks
# 1, 3 and 6) run no task, and each row's host is its worker's node.  Then a
# node lost mid-run (kill-node hsn3, its writer with it): the job ends by
# itself, and --resume --writers node on the two remaining nodes completes
# the file, every task once, the rows done before the loss kept, equal bit
# for bit to an uninterrupted run.
. "$(dirname "$0")/multinode_lib.bash"

cat > w.cfg <<'CFG'
sweeps = ( { name = "t"; kernel = "noop"; seeds = [1, 2];
             matrix = { x = { from = 0.0; to = 1.0; num = 20; }; trace_len = [0, 7, 300]; }; },
           { name = "f"; kernel = "fail"; retries = 1;
             matrix = { x = [1.0, 2.0, 3.0]; fail = [true, false]; }; } );
CFG
ran4() { "$@"; local rc=$?; [ "$rc" = 4 ] || { echo "exit $rc (wanted 4): $*" >&2; return 1; }; }
check "reference, one node, --writers rank" ran4 mpirun_n 3 "$HSWEEP" run w.cfg -o ref.h5 --quiet --writers rank
check "3 nodes x 3 ranks, --writers node" ran4 mpin hsn1:3,hsn2:3,hsn3:3 9 "$HSWEEP" run w.cfg -o w.h5 --quiet --writers node
check "bit-identical to the reference" h5same ref.h5 w.h5
check "the writers ran no task; each row on its worker's node" "$PYTHON3" - <<'PY'
import h5py
f = h5py.File("w.h5", "r")
ranks = set()
for s in ("t", "f"):
    t = f[s + "/tasks"][:]
    for r, h in zip(t["rank"], t["host"]):
        assert h.decode() == "hsn%d" % (r // 3 + 1), (s, int(r), h)
        ranks.add(int(r))
assert ranks == {2, 4, 5, 7, 8}, ranks
print(sorted(ranks), "wrote through the writers 1, 3 and 6")
PY

cat > l.cfg <<'CFG'
sweeps = ( { name = "l"; kernel = "sleep"; fixed = { seconds = 1.0; };
             matrix = { x = { from = 1.0; to = 40.0; num = 40; }; }; } );
CFG
check "reference of the loss" mpirun_n 5 "$HSWEEP" run l.cfg -o lref.h5 --quiet
setsid timeout -k 10 300 "$MPIEXEC" "${MPIN[@]}" --host hsn1:3,hsn2:3,hsn3:3 -n 9 "$HSWEEP" run l.cfg -o l.h5 --quiet --writers node 2>run.log &
pid=$!
n=$(wait_done l.h5 5)
check "5 tasks done before the loss ($n)" test "$n" -ge 5
check "kill-node hsn3" bash "$CLUSTER" kill-node hsn3
wait "$pid"
rc=$?
echo "mpiexec exit code after the loss: $rc"
check "the job ended by itself (exit $rc, not the 300 s bound)" test "$rc" != 0 -a "$rc" != 124 -a "$rc" != 137
for _ in $(seq 300); do pgrep -f "[r]un l.cfg -o l.h5" >/dev/null || break; sleep 0.1; done
check "no rank left on the other nodes" bash -c '! pgrep -f "[r]un l.cfg -o l.h5"'
resume_check before l.h5 l >before.txt || fail "file unreadable after the loss"
check "resume on hsn1 and hsn2, --writers node" mpin hsn1:3,hsn2:3 6 "$HSWEEP" run l.cfg -o l.h5 --resume --quiet --writers node
check "bit-identical to the uninterrupted run" h5same lref.h5 l.h5
check "every task once, done ones kept" resume_check after l.h5 l 40 before.txt
finish
