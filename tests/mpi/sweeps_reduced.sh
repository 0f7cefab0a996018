# hs-labels: mpi
# Every shipped sweep file run reduced (its sweeps' `reduced = { ... }`
# groups): plan --reduced, run --reduced on 2 ranks (1 + ranks_per_task for
# gang sweeps), then report.  Per sweep, the report says it is a reduced run,
# its whole section (verdict table, flip lines, groups) fits a screen (at most
# HS_REPORT_LINES = 60 lines), and every expect
# rule gets a verdict: none is "no data" (a `when` that matches nothing in
# the reduced grid).  On quickstart.cfg also the
# mechanism itself: the reduced task count, the file's `reduced` attribute,
# a resume without --reduced refused, and bad `reduced` keys refused with
# file, line and key.  The two heavy files are in sweeps_reduced_slow.sh.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
MAX_LINES=$(sed -n 's/^#define HS_REPORT_LINES \([0-9]*\).*/\1/p' "$HS_SRC/include/hsweep/collate.h")
FILES=${HS_SWEEP_FILES:-"quickstart music_blend llc_degenerate nuts_reference vi_gamma_ridge llc_sgld_vs_vi spectral_scaling"}

for f in $FILES; do
    cfg=$HS_SRC/sweeps/$f.cfg
    [ -f "$cfg" ] || { fail "$f: no $cfg"; continue; }
    grep -q '^ *reduced = {' "$cfg" || fail "$f: has no reduced group"
    check "$f: plan" sh -c '"$1" plan "$2" > /dev/null' _ "$HSWEEP" "$cfg"
    check "$f: plan --reduced" sh -c '"$1" plan --reduced "$2" > "$3"' _ "$HSWEEP" "$cfg" "$f.plan"
    grep -q "reduced run" "$f.plan" || fail "$f: plan --reduced does not say it is reduced"
    g=$(sed -n 's/^ *ranks_per_task = \([0-9]*\);.*/\1/p' "$cfg" | sort -n | tail -1)
    check "$f: run --reduced" mpirun_n $((1 + ${g:-1})) "$HSWEEP" run --reduced --quiet "$cfg" -o "$f.h5"
    "$HSWEEP" report "$f.h5" > "$f.md" 2> "$f.err"
    rc=$?
    # 0: no rule violated, 4: some rule violated (a refuted claim is a result)
    if [ "$rc" != 0 ] && [ "$rc" != 4 ]; then fail "$f: report exit $rc: $(cat "$f.err")"; continue; fi
    pass
    grep -q "A reduced run" "$f.md" || fail "$f: the report does not say the run was reduced"
    check "$f: per sweep a verdict table, every rule a verdict, at most $MAX_LINES lines" \
        "$PYTHON3" - "$f.md" "$cfg" "$MAX_LINES" <<'PY'
import re, sys
md, cfg = open(sys.argv[1]).read(), open(sys.argv[2]).read()
limit = int(sys.argv[3])
parts = re.split(r"(?m)^(?=## sweep )", md)
sweeps = [p for p in parts if p.startswith("## sweep ")]
names = re.findall(r'(?m)^\s*\{ name = "([^"]+)"', cfg)
ok = len(sweeps) == len(names)
if not ok:
    print(f"{len(sweeps)} sweep sections for {len(names)} sweeps")
for p in sweeps:
    name = p.split()[2]
    verdicts = p.partition("\nGroups (")[0]
    # the section, without the report's closing line after the last sweep
    n = re.sub(r"\n\d+ rules?: .*\n*$", "\n", p).rstrip("\n").count("\n") + 1
    if n > limit:
        print(f"sweep {name}: {n} lines > {limit}"); ok = False
    if "| rule | claim | verdict" not in verdicts and "expect = (" in cfg:
        print(f"sweep {name}: no verdict table"); ok = False
    if "no data" in p:
        line = next(l for l in p.splitlines() if "no data" in l)
        print(f"sweep {name}: a rule has no data: {line}"); ok = False
# Every rule of the file appears in its sweep's verdict table (by its claim).
for c in re.findall(r'claim = "([^"]+)"', cfg):
    if c[:40] not in md:
        print(f"claim not in the report: {c[:60]}"); ok = False
sys.exit(0 if ok else 1)
PY
done

if [ -z "${HS_SWEEP_FILES:-}" ]; then
    # The README's verdict table is a copy of a committed report's.
    check "README table in its report" "$PYTHON3" - "$HS_SRC" <<'PY'
import re, sys
src = sys.argv[1]
readme = open(f"{src}/README.md").read()
m = re.search(r"<!-- verdict table from (\S+) -->\n((?:\|.*\n)+)", readme)
assert m, "README has no verdict table marker"
report = open(f"{src}/{m.group(1)}").read()
rows = m.group(2).splitlines()
assert len(rows) >= 3, rows
missing = [r for r in rows if r not in report.splitlines()]
assert not missing, f"not in {m.group(1)}: {missing}"
PY
    # quickstart reduced: 3 gamma x 2 precision x 1 seed + 3 nonfinite tasks
    check "reduced task count" grep -q "^total: 9 tasks" quickstart.plan
    check "full task count" sh -c '"$1" plan "$2" | grep -q "^total: 15 tasks"' _ "$HSWEEP" "$HS_SRC/sweeps/quickstart.cfg"
    check "root attribute reduced = true" sh -c 'h5dump -a /reduced quickstart.h5 | grep -q "\"true\""'
    expect_fail 1 "resume it with --reduced" "$HSWEEP" run --resume "$HS_SRC/sweeps/quickstart.cfg" -o quickstart.h5
    check "resume with --reduced" "$HSWEEP" run --resume --reduced --quiet "$HS_SRC/sweeps/quickstart.cfg" -o quickstart.h5
    # task --from re-runs a reduced row with the reduced parameters (steps 500, not 2000).
    check "task --from a reduced file" sh -c '"$1" task --from quickstart.h5 --sweep vi_quadratic --id 1 > t1.json' _ "$HSWEEP"
    check "task --from gives the row" "$PYTHON3" - <<'PY'
import h5py, json
d = json.loads(open("t1.json").read())
row = h5py.File("quickstart.h5")["vi_quadratic/tasks"][1]
assert d["params"]["steps"] == 500 == row["steps"], (d["params"], row["steps"])
assert d["metrics"]["lambda_hat"] == row["lambda_hat"], (d["metrics"]["lambda_hat"], row["lambda_hat"])
PY
    check "full run" "$HSWEEP" run --quiet "$HS_SRC/sweeps/quickstart.cfg" -o full.h5
    check "root attribute reduced = false" sh -c 'h5dump -a /reduced full.h5 | grep -q "\"false\""'
    expect_fail 1 "resume it without --reduced" "$HSWEEP" run --resume --reduced "$HS_SRC/sweeps/quickstart.cfg" -o full.h5
    # Bad reduced groups: refused by plan (with or without --reduced) and run.
    cat > bad.cfg <<'CFG'
sweeps = (
  { name = "q"; kernel = "noop";
    fixed = { label = "a"; trace_len = 4; };
    matrix = { x = [0.5, 1.0]; };
    zip = { k = [1, 2]; flag = [true, false]; };
    reduced = { REPLACE };
  } );
CFG
    bad() { sed "s/REPLACE/$1/" bad.cfg > b.cfg; expect_fail 2 "$2" "$HSWEEP" plan b.cfg; expect_fail 2 "$2" "$HSWEEP" plan --reduced b.cfg; }
    bad 'xx = 1;' "b.cfg:6: sweep 'q': key 'xx': unknown parameter of kernel 'noop' (did you mean 'x'?)"
    bad 'x = 1.0;' "b.cfg:6: sweep 'q': key 'x': an axis needs a list"
    bad 'trace_len = [1, 2];' "b.cfg:6: sweep 'q': key 'trace_len': expected an integer (only a matrix axis takes a list here)"
    bad 'k = [1];' "b.cfg:6: sweep 'q': key 'k': a member of a zip group cannot be reduced on its own"
    bad 'trace_len = -1;' "b.cfg:6: sweep 'q': key 'trace_len'"
    bad 'seeds = [1, 1];' "b.cfg:6: sweep 'q': key 'seeds': seed 1 is repeated"
    bad 'x = [2.0, 2.0];' "b.cfg:6: sweep 'q': key 'x': value number 2 repeats value number 1"
    sed 's/REPLACE/x = [3.0]; label = "b"; seeds = [7, 8];/' bad.cfg > good.cfg
    check "reduced noop run" "$HSWEEP" run --reduced --quiet good.cfg -o good.h5
    check "reduced values reach the tasks" "$PYTHON3" - <<'PY'
import h5py
t = h5py.File("good.h5")["q/tasks"][:]
assert len(t) == 1 * 2 * 2, len(t)
assert set(t["x"]) == {3.0} and set(t["label"]) == {b"b"} and set(t["seed"]) == {7, 8}, t
PY
fi
finish
