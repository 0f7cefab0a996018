# hs-labels: fault
# Runs racing for one results file: two new runs of different sweep files on
# the same output (each builds its own temporary file; exactly one wins, the
# other says so, the final path always holds one complete file), and
# --overwrite of a file that a running run holds (refused, like --resume).
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
printf 'sweeps = ({ name = "a"; kernel = "noop"; matrix = { x = [1.0, 2.0]; }; });\n' > a.cfg
printf 'sweeps = ({ name = "b"; kernel = "noop"; matrix = { x = [1.0, 2.0, 3.0]; }; seeds = [1, 2]; });\n' > b.cfg
# complete FILE: exactly one of the sweeps a (2 rows) or b (6 rows), every row ok
complete() {
    "$PYTHON3" - "$1" <<'EOF'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
names = sorted(k for k in f.keys())
want = {"a": 2, "b": 6}
assert len(names) == 1 and names[0] in want, names
t = f[names[0]]["tasks"]
assert t.shape == (want[names[0]],), t.shape
assert (t["status"] == 1).all(), t["status"]
EOF
}
for round in 1 2 3 4 5; do
    rm -f r.h5
    "$HSWEEP" run a.cfg -o r.h5 --quiet 2> a.err & pa=$!
    "$HSWEEP" run b.cfg -o r.h5 --quiet 2> b.err & pb=$!
    wait "$pa"; ra=$?
    wait "$pb"; rb=$?
    # exactly one wins; the loser exits 1 with one line saying why
    if [ "$ra$rb" = 01 ]; then loser=b.err; elif [ "$ra$rb" = 10 ]; then loser=a.err; else
        fail "round $round: exits $ra and $rb (wanted 0 and 1): $(cat a.err b.err)"; continue
    fi
    pass
    if grep -qE "r.h5: (results file exists|another run created this results file)" "$loser" &&
        [ "$(wc -l < "$loser")" = 1 ]; then pass; else fail "round $round: loser says: $(cat "$loser")"; fi
    check "round $round: r.h5 is one complete file" complete r.h5
    left=$(ls -A | grep -c '^r\.h5\.creating' || true)
    [ "$left" = 0 ] && pass || fail "round $round: temporary files left: $(ls -A)"
done

# --overwrite while another run holds the file: refused, and the running run
# finishes its own file.  The file appears only once its run holds it.
printf 'sweeps = ({ name = "s"; kernel = "sleep"; fixed = { seconds = 0.5; }; matrix = { x = { from = 0.0; to = 1.0; num = 40; }; }; });\n' > slow.cfg
"$HSWEEP" run slow.cfg -o busy.h5 --quiet 2> slow.err & ps=$!
for _ in $(seq 1 600); do [ -e busy.h5 ] && break; sleep 0.05; done
expect_fail 1 "busy.h5: is in use by another hsweep run" "$HSWEEP" run a.cfg -o busy.h5 --overwrite
kill -TERM "$ps"
wait "$ps"; rs=$?
[ "$rs" = 3 ] && pass || fail "the held run: exit $rs (wanted 3, stopped): $(cat slow.err)"
check "the held file is still the slow run's" "$PYTHON3" -c "
import h5py; f = h5py.File('busy.h5', 'r'); assert list(f.keys()) == ['s'], list(f.keys())"
# once no run holds it, --overwrite replaces it
check "--overwrite of a file no run holds" "$HSWEEP" run a.cfg -o busy.h5 --overwrite --quiet
check "replaced" complete busy.h5
finish
