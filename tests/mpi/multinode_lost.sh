# hs-labels: slurm multinode
# A node lost mid-run: every process of emulated node hsn3 (its Open MPI
# daemon and its two ranks) is killed while a sweep runs on 3 nodes.  The
# job ends by itself (mpiexec sees its daemon gone and ends the others), the
# results file opens and says what remains, and `--resume` on the two
# remaining nodes completes it, keeping the tasks done before the loss and
# equal bit for bit to an uninterrupted run.
. "$(dirname "$0")/multinode_lib.bash"

cat > l.cfg <<'CFG'
sweeps = ( { name = "l"; kernel = "sleep"; fixed = { seconds = 1.0; };
             matrix = { x = { from = 1.0; to = 40.0; num = 40; }; }; } );
CFG
check "reference" mpirun_n 9 "$HSWEEP" run l.cfg -o ref.h5 --quiet

setsid timeout -k 10 300 "$MPIEXEC" "${MPIN[@]}" --host hsn1:2,hsn2:2,hsn3:2 -n 6 "$HSWEEP" run l.cfg -o l.h5 --quiet 2>run.log &
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
"$HSWEEP" status l.h5 >status.txt || fail "status of the file after the loss"
check "the file says what remains" grep -q "task(s) remain" status.txt
resume_check before l.h5 l >before.txt || fail "file unreadable after the loss"
check "resume on hsn1 and hsn2" mpin hsn1:2,hsn2:2 4 "$HSWEEP" run l.cfg -o l.h5 --resume --quiet
check "bit-identical to the uninterrupted run" h5same ref.h5 l.h5
check "every task once, done ones kept" resume_check after l.h5 l 40 before.txt
finish
