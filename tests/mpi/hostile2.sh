# hs-labels: fault
# Hostile input, second part (issue 26): name clashes in exec sweeps, limits
# checked before allocation, malformed command-line values, diag on
# non-finite chains, and an exec command's processes after kill -9 of the
# job.  Each bad input gets one clear line and exit code 2 (usage/input).
# The catalogue with the messages is in tests/HOSTILE_INPUTS.md.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
# exec sweep with parameter x (or $1), metrics $2 and a trace y
exec_cfg() {
    printf 'sweeps = ({ name = "a"; kernel = "exec";\n command = ["echo", "{%s}"];\n matrix = { %s = [1, 2]; };\n metrics = [%s];\n traces = { y = 10; };\n});\n' "$1" "$1" "$2"
}

# ---- name clashes with generated columns (exec) ------------------------------
exec_cfg y_len '"m"' > clash_len.cfg
case_ "parameter <trace>_len" 2 "clash_len.cfg:3: sweep 'a': key 'y_len': kernel exec: parameter 'y_len' clashes with a trace's length column" "$HSWEEP" plan clash_len.cfg
exec_cfg task_id '"m"' > clash_id.cfg
case_ "parameter task_id" 2 "clash_id.cfg:3: sweep 'a': key 'task_id': kernel exec: parameter 'task_id' clashes with the results table's own column" "$HSWEEP" plan clash_id.cfg
exec_cfg x '"m", "y_len"' > clash_mlen.cfg
case_ "metric <trace>_len" 2 "clash_mlen.cfg:4: sweep 'a': key 'metrics': kernel exec: metric 'y_len' clashes with a trace's length column" "$HSWEEP" plan clash_mlen.cfg
exec_cfg x '"crc32c"' > clash_crc.cfg
case_ "metric crc32c" 2 "metric 'crc32c' clashes with the results table's own column" "$HSWEEP" plan clash_crc.cfg
exec_cfg x '"x"' > clash_px.cfg
case_ "metric = parameter" 2 "metric 'x' clashes with a parameter" "$HSWEEP" plan clash_px.cfg
exec_cfg x '"m"' > noclash.cfg
check "no clash: plans" "$HSWEEP" plan noclash.cfg

# ---- limits before allocation; strings; identical cases ---------------------------
printf 'sweeps = ({ name = "a"; kernel = "noop";\n matrix = { x = { from = 0.0; to = 1.0; num = 100000000; }; }; });\n' > bigrange.cfg
# 1e8 values would take 800 MB: refused by the task limit under a 400 MB address space
case_ "range num = 1e8" 2 "bigrange.cfg:2: sweep 'a': key 'x': range num = 100000000 is more than the limit of 10000000 tasks" \
    bash -c 'ulimit -v 400000 && exec "$0" plan bigrange.cfg' "$HSWEEP"
"$PYTHON3" -c "print('sweeps = ({ name = \"a\"; kernel = \"noop\"; fixed = { label = \"' + 'a' * 4097 + '\"; }; });')" > longstr.cfg
case_ "a 4097-byte string" 2 "longstr.cfg:1: sweep 'a': key 'label': a string of 4097 bytes is longer than the maximum of 4096" "$HSWEEP" plan longstr.cfg
"$PYTHON3" -c "print('sweeps = ({ name = \"a\"; kernel = \"noop\"; fixed = { label = \"' + 'a' * 4096 + '\"; }; });')" > str4096.cfg
check "a 4096-byte string plans" "$HSWEEP" plan str4096.cfg
# plan shows the size of the file; the file made has it (within 5%: HDF5's own metadata)
printf 'sweeps = ({ name = "a"; kernel = "noop"; fixed = { trace_len = 1000; label = "%s"; };\n matrix = { x = { from = 0.0; to = 1.0; num = 200; }; }; });\n' "$(head -c 4000 /dev/zero | tr '\0' a)" > size.cfg
est=$("$HSWEEP" plan size.cfg | sed -n 's/^results file: about \([0-9.]*\) MiB .*/\1/p')
check "a results file of that size" "$HSWEEP" run size.cfg -o size.h5 --quiet
check "plan's file size ($est MiB) is the file's" "$PYTHON3" -c "
import os, sys; est, real = float(sys.argv[1]), os.path.getsize('size.h5') / 2**20
assert abs(est - real) <= 0.05 * real, (est, real)" "${est:-0}"
printf 'sweeps = ({ name = "a"; kernel = "noop";\n fixed = { label = "ab\\x00cd"; }; });\n' > nul.cfg
case_ "a NUL byte in a string" 2 "nul.cfg:2: key 'label': a string contains a NUL byte" "$HSWEEP" plan nul.cfg
printf 'sweeps = ({ name = "a"; kernel = "noop";\n cases = ( { x = 1.0; }, { x = 2.0; }, { x = 1.0; k = 1; } ); });\n' > dupcase.cfg
case_ "identical cases" 2 "dupcase.cfg:1: sweep 'a': key 'cases': case 3 is the same task as case 1" "$HSWEEP" plan dupcase.cfg
"$PYTHON3" -c "print('sweeps = ({ name = \"a\"; kernel = \"exec\"; command = [\"true\"]; metrics = [' + ','.join('\"m%d\"' % i for i in range(20000)) + ']; });')" > manymetrics.cfg
case_ "20 000 exec metrics" 2 "manymetrics.cfg:1: sweep 'a': its results table would have 20011 columns" "$HSWEEP" plan manymetrics.cfg
# Not UTF-8 (Latin-1 bytes): the JSON written stays valid, the bytes become U+FFFD
printf 'sweeps = ({ name = "a"; kernel = "noop"; fixed = { label = "\351t\351"; }; });\n' > latin1.cfg
check "a Latin-1 string runs" "$HSWEEP" run latin1.cfg -o latin1.h5 --quiet
check "collate JSON is valid" bash -c '"$0" collate latin1.h5 --metric xk --rows label --format json | "$1" -c "
import json, sys; d = json.load(sys.stdin); assert d[\"cells\"][0][\"label\"] == \"\ufffdt\ufffd\", d"' "$HSWEEP" "$PYTHON3"
check "task JSON is valid" bash -c '"$0" task noop label=$(printf "\351") | "$1" -c "
import json, sys; d = json.load(sys.stdin); assert d[\"params\"][\"label\"] == \"\ufffd\", d"' "$HSWEEP" "$PYTHON3"

# ---- hsweep task: --seed and key=value ---------------------------------------
for s in nan 1e3 "" 1e23 12x; do
    case_ "task --seed '$s'" 2 "--seed needs an integer" "$HSWEEP" task noop --seed "$s"
done
out=$("$HSWEEP" task noop --seed -7 x=0.5)
case "$out" in *'"seed":-7'*) pass ;; *) fail "task --seed -7: $out" ;; esac
case_ "task x=1 x=2" 2 "parameter 'x' is given twice" "$HSWEEP" task noop x=1 x=2

# ---- collate: --where with nan, repeated --rows --------------------------------
printf 'sweeps = ({ name = "a"; kernel = "noop"; matrix = { x = [1.0, 2.0]; k = [1, 2]; }; });\n' > ok.cfg
check "a results file" "$HSWEEP" run ok.cfg -o ok.h5 --quiet
case_ "--where x>=nan" 2 "condition \"x>=nan\": 'nan' is not a number to compare with" "$HSWEEP" collate ok.h5 --metric xk --where "x>=nan"
case_ "--where x!=-nan" 2 "'-nan' is not a number to compare with" "$HSWEEP" collate ok.h5 --metric xk --where "x!=-nan"
check "--where x>=1 still works" "$HSWEEP" collate ok.h5 --metric xk --where "x>=1"
case_ "--rows x,x,x" 2 "--rows: 'x' is named twice" "$HSWEEP" collate ok.h5 --metric xk --rows x,x,x
case_ "--cols k,k" 2 "--cols: 'k' is named twice" "$HSWEEP" collate ok.h5 --metric xk --rows x --cols k,k

# ---- diag on non-finite and constant chains ---------------------------------------
printf 'a,b\n0.1,1\n0.2,nan\n0.3,2\n0.5,3\n' > nan.csv
case_ "diag with a nan draw" 2 "nan.csv: draw 2 of chain 2 is nan" "$HSWEEP" diag nan.csv
printf '0.1,1\n0.2,2\n0.3,inf\n0.5,3\n' > inf.csv
case_ "diag with an inf draw" 2 "inf.csv: draw 3 of chain 2 is inf" "$HSWEEP" diag inf.csv
printf '2,2\n2,2\n2,2\n2,2\n' > const.csv
out=$("$HSWEEP" diag const.csv); rc=$?
[ "$rc" = 0 ] && pass || fail "diag of constant chains: exit $rc"
case "$out" in *"rhat: nan"*"note: every draw is 2: R-hat and ESS are undefined"*) pass ;;
    *) fail "diag of constant chains says why: $out" ;; esac

# ---- --isolation none: a task that ignores the stop ends at the grace deadline ----
# The exec command runs inside the worker's process and does not look at the
# stop request; after SIGUSR1 the run must say so, exit 3 once --grace (1 s)
# has passed, and leave the task pending.  (The command would run 300 s:
# the timeout only bounds a hang.)
printf 'sweeps = ({ name = "h"; kernel = "exec";\n command = ["sh", "-c", "echo > {sweep_dir}/started.{task_id}; exec sleep 300"];\n matrix = { x = [1, 2]; };\n metrics = ["m"];\n});\n' > hang.cfg
timeout -k 5 120 "$HSWEEP" run hang.cfg -o hang.h5 --isolation none --grace 1 --quiet 2> hang.log & pid=$!
for _ in $(seq 1 600); do [ -e started.0 ] && break; sleep 0.05; done
kill -USR1 "$(pgrep -P "$pid" -x hsweep)" # hsweep itself, not timeout
wait "$pid"; rc=$?
[ "$rc" = 3 ] && pass || fail "--isolation none stop: exit $rc (wanted 3): $(cat hang.log)"
grep -q "stop requested while a task runs inside this process (--isolation none" hang.log && pass ||
    fail "--isolation none stop: no progress line saying why: $(cat hang.log)"
grep -q "did not return within the grace period (1 s): exiting (code 3) with it left pending" hang.log && pass ||
    fail "--isolation none stop: no exit message: $(cat hang.log)"
out=$("$HSWEEP" status hang.h5)
case "$out" in *"pending    2"*) pass ;; *) fail "--isolation none stop: tasks not left pending: $out" ;; esac

# ---- kill -9 of the job: nothing of an exec task's process group survives ----------
# The command leaves two processes behind in its group (a background and a
# foreground sleep); after kill -9 of mpiexec and every rank, the group must
# empty.  Zombies (state Z) are dead: they only wait for a reaper.  The 60 s
# wait only bounds a failure: the group dies within milliseconds when it works.
group_alive() { ps -eo pgid=,stat=,pid=,args= | awk -v g="$1" '$1 == g && $2 !~ /^Z/'; }
printf 'sweeps = ({ name = "o"; kernel = "exec";\n command = ["sh", "-c", "echo $$ > {sweep_dir}/pgid.{task_id}; sleep 300 & sleep 300"];\n matrix = { x = [1, 2]; };\n metrics = ["m"];\n});\n' > orph.cfg
for iso in fork none; do
    rm -f pgid.* orph.h5
    setsid "$MPIEXEC" -n 2 --oversubscribe "$HSWEEP" run orph.cfg -o "$WORK/orph.h5" --quiet --isolation "$iso" & job=$!
    for _ in $(seq 1 600); do [ -s pgid.0 ] && [ -n "$(group_alive "$(cat pgid.0)" | grep 'sleep 300$')" ] && break; sleep 0.05; done
    pg=$(cat pgid.0 2>/dev/null)
    if [ -z "$pg" ]; then fail "orphans ($iso): the command never started"; kill_job "$job" "orph.cfg -o $WORK/orph.h5"; continue; fi
    kill_job "$job" "orph.cfg -o $WORK/orph.h5"
    for _ in $(seq 1 1200); do [ -z "$(group_alive "$pg")" ] && break; sleep 0.05; done
    left=$(group_alive "$pg")
    [ -z "$left" ] && pass || fail "orphans ($iso): the task's group survived kill -9 of the job: $left"
    kill -9 -- -"$pg" 2>/dev/null
done
finish
