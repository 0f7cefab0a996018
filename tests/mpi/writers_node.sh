# hs-labels: mpi fault
# hsweep run --writers node: the lowest worker rank of the node writes its
# workers' rows in blocks.  On 3, 5 and 8 ranks the file is bit-identical to
# --writers rank (traces of several widths, retried failures, refinement
# rows), the writer
# runs no task, and (HSWEEP_IO_TRACE) it issues fewer writes than rank-mode
# writing does.  kill -9 of the writer mid-run leaves a file that resumes
# without --repair (every row complete or pending) to the same bits, every
# task once and the rows done before each kill kept.  Gang sweeps and a
# flush interval (HSWEEP_WRITERS_FLUSH_S) that is not a number are refused
# with a clear error.
. "$(dirname "$0")/lib.bash"
need_py h5py
cd "$WORK" || exit 1

cat > w.cfg <<'CFG'
sweeps = ( { name = "t"; kernel = "noop"; seeds = [1, 2];
             matrix = { x = { from = 0.0; to = 1.0; num = 30; }; trace_len = [0, 7, 300]; }; },
           { name = "f"; kernel = "fail"; retries = 2;
             matrix = { x = [1.0, 2.0, 3.0, 4.0, 5.0]; fail = [true, false]; }; },
           { name = "c"; kernel = "crash"; retries = 1; fixed = { mode = "exit"; every = 3; };
             matrix = { x = { from = 0.0; to = 11.0; num = 12; }; }; },
           { name = "r"; kernel = "step"; fixed = { loc = 0.3137; }; matrix = { x = [0.0, 0.5, 1.0]; };
             expect = ( { metric = "y"; op = "<"; value = 0.5; } );
             refine = ( { rule = 1; axis = "x"; tol = 1e-4; points = 1; } ); } );
CFG
# exit 4: the failing tasks of sweeps f and c, by design
ran4() { "$@"; local rc=$?; [ "$rc" = 4 ] || { echo "exit $rc (wanted 4): $*" >&2; return 1; }; }
check "reference, --writers rank" ran4 mpirun_n 3 "$HSWEEP" run w.cfg -o ref.h5 --quiet --writers rank
check "retries ran in the reference" "$PYTHON3" -c "
import h5py; f = h5py.File('ref.h5', 'r')
assert (f['f/tasks']['attempts'][f['f/tasks']['status'] == 4] == 3).all()
assert (f['c/tasks']['attempts'] == 2).sum() == 4"
for n in 3 5 8; do
    check "--writers node on $n ranks" ran4 mpirun_n "$n" "$HSWEEP" run w.cfg -o n$n.h5 --quiet --writers node
    check "$n ranks: bit-identical to --writers rank" h5same ref.h5 n$n.h5
    # One node here: rank 1 is its writer and runs no task; the others all write through it.
    check "$n ranks: the writer (rank 1) ran no task, every worker did" "$PYTHON3" - n$n.h5 "$n" <<'PY'
import sys, h5py
f, n = h5py.File(sys.argv[1], "r"), int(sys.argv[2])
ranks = set()
for s in ("t", "f", "c", "r"):
    t = f[s + "/tasks"][:]
    ranks |= {int(r) for r in t["rank"][t["status"] != 0]}  # refinement rows not used stay pending
assert 1 not in ranks and ranks <= set(range(2, n)), ranks
PY
    # every row's crc32c matches its bytes: a resume refuses damaged rows
    check "$n ranks: resumes as complete" ran4 mpirun_n 3 "$HSWEEP" run w.cfg -o n$n.h5 --resume --quiet --writers node
done

# The writes themselves: HSWEEP_IO_TRACE lists every store write after creation.
writes() { cat "$1"/rank-*.txt 2>/dev/null | wc -l; }
mkdir -p io_rank io_node
check "traced, --writers rank" ran4 mpirun_n 5 env HSWEEP_IO_TRACE="$WORK/io_rank" "$HSWEEP" run w.cfg -o io_rank.h5 --quiet
check "traced, --writers node" ran4 mpirun_n 5 env HSWEEP_IO_TRACE="$WORK/io_node" HSWEEP_WRITERS_FLUSH_S=30 \
    "$HSWEEP" run w.cfg -o io_node.h5 --quiet --writers node
check "traced runs identical" h5same io_rank.h5 io_node.h5
tasks=$("$PYTHON3" -c "
import h5py; f = h5py.File('io_node.h5', 'r'); print(sum(int((f[s + '/tasks']['status'] != 0).sum()) for s in ('t', 'f', 'c', 'r')))")
wr=$(writes io_rank) wn=$(writes io_node)
echo "store writes for $tasks tasks: --writers rank $wr, --writers node $wn"
# rank mode: a row and its status at least, per task
check "rank mode traced its writes ($wr for $tasks tasks)" test "$wr" -ge $((2 * tasks))
check "node mode: fewer writes than rank mode ($wn < $wr)" test "$wn" -gt 0 -a "$wn" -lt "$wr"
check "node mode: fewer writes than tasks ($wn < $tasks)" test "$wn" -lt "$tasks"
check "node mode: only the writer (rank 1) wrote" bash -c "[ -s io_node/rank-1.txt ] && ! ls io_node | grep '^rank-' | grep -qv '^rank-1.txt$'"

# kill -9 of the writer at a few points mid-run; each time the file resumes.
# (Names of their own: kill_job and rank_pid find the processes by them.)
cat > wkill.cfg <<'CFG'
sweeps = ( { name = "k"; kernel = "sleep"; fixed = { seconds = 0.02; };
             matrix = { x = { from = 0.0; to = 1.0; num = 300; }; }; },
           { name = "t"; kernel = "noop"; matrix = { x = { from = 0.0; to = 1.0; num = 20; }; trace_len = [10, 1000]; }; } );
CFG
check "uninterrupted reference" mpirun_n 4 "$HSWEEP" run wkill.cfg -o wkill_ref.h5 --quiet --writers rank
export HSWEEP_WRITERS_FLUSH_S=0.2
# done_rows FILE: how many tasks of FILE are done (nothing while it cannot be
# read).  hsweep status takes HDF5's own flock while it reads, as any HDF5
# reader does; a resume starting meanwhile must not take it for a run's hold
# (errors_located.sh tests that directly).
done_rows() {
    "$HSWEEP" status "$1" 2>/dev/null |
        sed -n 's/.* \([0-9]*\) done.*/\1/p' | paste -sd+ | bc
}
RANDOM=11
kills=0
round=0
while [ "$kills" -lt 3 ] && [ "$round" -lt 8 ]; do
    round=$((round + 1))
    [ -e wkill.h5 ] && resume=--resume || resume=
    before=$( [ -e wkill.h5 ] && done_rows wkill.h5 || echo 0)
    setsid "$MPIEXEC" -n 4 --oversubscribe "$HSWEEP" run wkill.cfg -o wkill.h5 $resume --quiet --writers node 2>kill$round.log &
    pid=$!
    # some blocks written by this run, then a random moment within a flush period or two
    for _ in $(seq 300); do [ "$(done_rows wkill.h5)" -gt $((${before:-0} + 20)) ] 2>/dev/null && break; sleep 0.1; done
    sleep "$(printf '0.%02d' $((RANDOM % 40)))"
    wp=
    for _ in $(seq 50); do wp=$(rank_pid "run wkill.cfg -o wkill.h5" 1) && break; sleep 0.05; done
    if [ -n "$wp" ] && kill -9 "$wp" 2>/dev/null; then
        kills=$((kills + 1))
        echo "round $round: killed the writer (pid $wp)"
    fi
    kill_job "$pid" "hsweep run wkill.cfg -o wkill.h5"
    [ -e wkill.h5 ] || continue
    "$PYTHON3" - "$round" "$kills" <<'PY' || fail "file unreadable after round $round"
import json, os, sys, h5py
f = h5py.File("wkill.h5", "r")
log = json.load(open("done.json")) if os.path.exists("done.json") else {}
n = 0
for s in ("k", "t"):
    for r in f[s + "/tasks"][:]:
        if r["status"] == 0:
            continue
        key = f"{s}/{int(r['task_id'])}"
        assert log.get(key, float(r["started_unix"])) == float(r["started_unix"]), f"{key} recomputed"
        log[key] = float(r["started_unix"])
        n += 1
json.dump(log, open("done.json", "w"))
print(f"after round {sys.argv[1]}: {n} rows complete")
if n == len(f["k/tasks"]) + len(f["t/tasks"]) and int(sys.argv[2]) < 3:
    # finished before the kill: start over, so that every kill lands mid-run
    os.remove("wkill.h5"); os.remove("done.json")
PY
done
check "the writer was killed mid-run ($kills times in $round runs)" test "$kills" -ge 3
check "every resume took the file as it was (no damaged row)" bash -c '! grep -H "damaged\|in use" kill*.log' 
[ -e wkill.h5 ] && resume=--resume || resume=
check "resume after the kills (no --repair: no damaged row)" mpirun_n 4 "$HSWEEP" run wkill.cfg -o wkill.h5 $resume --quiet --writers node
check "identical to the uninterrupted run" h5same wkill_ref.h5 wkill.h5
check "every task once, rows done before the kills kept" "$PYTHON3" - <<'PY'
import json, os, h5py
f = h5py.File("wkill.h5", "r")
log = json.load(open("done.json")) if os.path.exists("done.json") else {}
for s in ("k", "t"):
    t = f[s + "/tasks"][:]
    assert (t["status"] == 1).all() and (t["attempts"] == 1).all(), s
    assert sorted(t["task_id"]) == list(range(len(t))), s
    for r in t:
        key = f"{s}/{int(r['task_id'])}"
        if key in log:
            assert float(r["started_unix"]) == log[key], key
print(f"{len(log)} rows kept across the kills")
PY
unset HSWEEP_WRITERS_FLUSH_S

# Gang sweeps write from their leaders: --writers node refuses them, naming why.
cat > g.cfg <<'CFG'
sweeps = ( { name = "g"; kernel = "gang"; ranks_per_task = 2; matrix = { x = [1.0, 2.0]; }; } );
CFG
expect_fail 2 "--writers node does not take sweeps with ranks_per_task > 1" \
    mpirun_n 3 "$HSWEEP" run g.cfg -o g.h5 --quiet --writers node
expect_fail 2 "--writers needs node or rank, got 'disk'" "$HSWEEP" run w.cfg --writers disk
# A flush interval that is not a number of seconds is refused before any file
# is made (it was once taken as 1 s without a word); --writers rank ignores it.
for bad in abc -1 1s nan; do
    expect_fail 2 "HSWEEP_WRITERS_FLUSH_S needs a number of seconds >= 0, got '$bad'" \
        mpirun_n 3 env HSWEEP_WRITERS_FLUSH_S="$bad" "$HSWEEP" run w.cfg -o bad.h5 --quiet --writers node
done
check "a refused flush interval made no file" test ! -e bad.h5
check "--writers rank ignores HSWEEP_WRITERS_FLUSH_S" ran4 \
    mpirun_n 3 env HSWEEP_WRITERS_FLUSH_S=abc "$HSWEEP" run w.cfg -o bad.h5 --quiet --writers rank
finish
