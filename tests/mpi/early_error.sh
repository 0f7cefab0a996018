# hs-labels: mpi slow
# A run that stops on bad input exits 2, every time: the sweep file is judged
# before MPI starts, so no rank ever reaches MPI_Finalize on that path (Open MPI
# crashed there now and then, exit 139, when the job ran in the background).
# Repeated 200 times, 8 jobs at a time in the background, under mpiexec -n 2.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
printf 'sweeps = ({ name = "a"; kernel = "noop";\n  matrix = { x = [1.0];\n    bach_size = [10]; }; });\n' > typo.cfg
N=${HS_EARLY_N:-200}
one() { mpirun_n 2 "$HSWEEP" run typo.cfg -o "t$1.h5" >/dev/null 2>"err.$1"; echo "$?" > "rc.$1"; }
for ((i = 0; i < N; i += 8)); do
    for ((j = i; j < i + 8 && j < N; j++)); do one "$j" & done
    wait
done
codes=$(cat rc.* | sort | uniq -c | tr -s ' ' | tr '\n' ';')
[ "$codes" = " $N 2;" ] && pass || fail "exit codes of $N runs (count code): $codes"
# one message, from rank 0 only, naming file, line and key
bad=0
for ((j = 0; j < N; j++)); do
    [ "$(grep -c "^hsweep: typo.cfg:3: sweep 'a': key 'bach_size'" "err.$j")" = 1 ] || bad=$((bad + 1))
done
[ "$bad" = 0 ] && pass || fail "$bad of $N runs did not print the error exactly once: $(cat err.0)"
ls t*.h5 >/dev/null 2>&1 && fail "a rejected run created its output" || pass
# the same without mpiexec
expect_fail 2 "typo.cfg:3: sweep 'a': key 'bach_size'" "$HSWEEP" run typo.cfg -o t.h5
finish
