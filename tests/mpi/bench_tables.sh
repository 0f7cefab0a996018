#!/bin/bash
# bench/README.md's tables are exactly what bench/tables.py derives from the
# committed logs in bench/results/ (no benchmark is run), so a figure typed by
# hand fails.  Then, on logs written here: a result line reaches its table
# with its ratio and source; the newest section that exited 0 counts; a
# target below its threshold reads "no"; a benchmark with no log gives a
# table that says so, and figures shown for it fail --check.  Last,
# bench/run_all.sh on two stand-in scripts: its log's header, sections,
# settings, output and exit statuses, read back by tables.py.
# hs-labels: bench
set -u
src=${HS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
py=/usr/bin/python3
tables=$src/bench/tables.py
fail() { echo "bench_tables: $*" >&2; exit 1; }

"$py" "$tables" --check >/dev/null ||
    fail "bench/README.md's tables differ from bench/results/ (run bench/tables.py; diff: bench/tables.py --check)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A hand edit of one figure in a copy of the README is caught.
"$py" - "$src/bench/README.md" "$tmp/edited.md" <<'PY' || fail "found no figure to edit in bench/README.md's tables"
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"<!-- table:targets -->\n(.*?)<!-- /table -->", text, re.S)
body = m.group(1)
d = re.search(r"\| [^|\n]*?([0-9]\.[0-9])", body)
assert d, "no digit"
i = m.start(1) + d.start(1)
text = text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:]
open(sys.argv[2], "w").write(text)
PY
"$py" "$tables" --check --readme "$tmp/edited.md" >/dev/null 2>&1
[ $? = 1 ] || fail "--check did not fail on a README with one figure changed"

# Logs written here: an old one (ratio 0.9), a newer failed one (0.1), the newest (0.4).
mkdir "$tmp/res"
log() { # FILE DATE RC RATIO
    cat >"$tmp/res/$1" <<LOG
# hsweep bench log 1
# commit: c0ffee$3
# dirty: no
# date: $2
# machine: 3 cores, Test CPU
@@bench begin dispatch
# env: N=7
@@bench stdout
# a comment line
dispatch_n2: 10 tasks/s (ratio $4 vs baseline_dispatch 20 tasks/s)
dispatch_n2: detail of the run
@@bench stderr
noise: 1 (ratio 99 vs nothing)
@@bench end dispatch rc=$3 seconds=1.0
LOG
}
log a.log 2026-01-01T00:00:00Z 0 0.9
log b.log 2026-01-03T00:00:00Z 1 0.1
log c.log 2026-01-02T00:00:00Z 0 0.4
printf '# t\n<!-- table:dispatch -->\nold\n<!-- /table -->\n<!-- table:targets -->\n<!-- /table -->\n<!-- table:stan_vs_hsweep -->\n<!-- /table -->\n' >"$tmp/R.md"
"$py" "$tables" --readme "$tmp/R.md" --results "$tmp/res" || fail "tables.py failed on the test logs"
grep -qF '| dispatch_n2 | 10 tasks/s | 0.4 | vs baseline_dispatch 20 tasks/s | detail of the run |' "$tmp/R.md" ||
    fail "the newest successful section's result line is not in the table: $(cat "$tmp/R.md")"
grep -qF 'From `'"$tmp/res/c.log"'`, hsweep at c0ffee0, 2026-01-02T00:00:00Z, 3 cores, Test CPU, settings: `N=7`.' "$tmp/R.md" ||
    fail "the table does not name its log, commit and machine: $(cat "$tmp/R.md")"
grep -qF '| dispatch_n2 0.4 (10 tasks/s) | 0.4 | no |' "$tmp/R.md" ||
    fail "a ratio of 0.4 against the target 0.5 does not read 'no': $(grep 'item 1' "$tmp/R.md")"
grep -q 'noise\|0\.9\|0\.1 ' "$tmp/R.md" && fail "stderr, an older or a failed section reached the tables"
grep -qF 'No log of `bench/stan_vs_hsweep.sh` yet' "$tmp/R.md" || fail "a benchmark without a log has no placeholder"
"$py" "$tables" --check --readme "$tmp/R.md" --results "$tmp/res" || fail "--check fails right after regenerating"
sed -i 's/^No log of `bench\/stan_vs_hsweep.sh` yet.*/| nuts | 5 draws\/s |/' "$tmp/R.md"
"$py" "$tables" --check --readme "$tmp/R.md" --results "$tmp/res" >/dev/null 2>&1
[ $? = 1 ] || fail "--check accepts figures for a benchmark that has no log"
printf '<!-- table:nosuch -->\n<!-- /table -->\n' >"$tmp/U.md"
"$py" "$tables" --check --readme "$tmp/U.md" --results "$tmp/res" >/dev/null 2>&1
[ $? = 2 ] || fail "an unknown table name is not an error"

# bench/run_all.sh writes a log tables.py reads: a stand-in benchmark (named
# dispatch, so that its table shows it) prints a result line and stderr and
# exits 0; a second one exits 3; VAR=value reaches the next script only.
mkdir "$tmp/b" "$tmp/rr"
cat >"$tmp/b/dispatch.sh" <<'SH'
#!/bin/sh
# N=${N:-5}
echo "dispatch_n2: ${N:-5} tasks/s (ratio 0.75 vs baseline_dispatch 8 tasks/s)"
echo "on stderr" >&2
SH
printf '#!/bin/sh
echo "N is ${N:-unset}"
exit 3
' >"$tmp/b/broken.sh"
RESULTS=$tmp/rr bash "$src/bench/run_all.sh" N=6 "$tmp/b/dispatch.sh" "$tmp/b/broken.sh" >"$tmp/ra.out" 2>"$tmp/ra.err"
[ $? = 1 ] || fail "run_all.sh did not exit 1 with a failing benchmark: $(cat "$tmp/ra.err")"
set -- "$tmp"/rr/*.log
[ $# = 1 ] && [ -f "$1" ] || fail "run_all.sh wrote no log (or several) in \$RESULTS: $(ls "$tmp/rr")"
rl=$1
for k in command commit dirty date machine nice 'load before' 'load after'; do
    grep -q "^# $k: ." "$rl" || fail "the log has no '# $k:' line: $(cat "$rl")"
done
case $(basename "$rl") in 20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9][0-9][0-9][0-9]Z-*.log) ;;
    *) fail "log name $(basename "$rl") is not DATE-COMMIT.log" ;; esac
grep -qx '@@bench begin dispatch' "$rl" && grep -qx '# env: N=6' "$rl" &&
    grep -qx 'dispatch_n2: 6 tasks/s (ratio 0.75 vs baseline_dispatch 8 tasks/s)' "$rl" &&
    grep -qx 'on stderr' "$rl" && grep -q '^@@bench end dispatch rc=0 ' "$rl" &&
    grep -qx 'N is unset' "$rl" && grep -q '^@@bench end broken rc=3 ' "$rl" ||
    fail "the log lacks a section marker, the settings, the output or the exit status: $(cat "$rl")"
printf '<!-- table:dispatch -->\n<!-- /table -->\n' >"$tmp/D.md"
"$py" "$tables" --readme "$tmp/D.md" --results "$tmp/rr" || fail "tables.py failed on run_all.sh's log"
grep -qF '| dispatch_n2 | 6 tasks/s | 0.75 | vs baseline_dispatch 8 tasks/s |' "$tmp/D.md" ||
    fail "run_all.sh's log did not reach the table: $(cat "$tmp/D.md")"
echo "bench_tables: ok"
