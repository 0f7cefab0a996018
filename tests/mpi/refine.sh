# hs-labels: mpi
# Adaptive refinement (sweep key `refine`) on the `step` test kernel, whose
# flip points are known in closed form: every final bracket contains its
# flip point and meets tol within ceil(log2(range / tol)) rounds (real,
# integer, log and linear axes, a bracket from 0 on log scale), lines that
# never flip get no tasks, a non-monotone bracket is refined on each change,
# a budget runs out, the report says so, and 1, 2 and 4 ranks write
# bit-identical files.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
cat > r.cfg <<'CFG'
sweeps = (
  { name = "lin"; kernel = "step";
    matrix = { loc = [0.3137, 5.0]; x = [0.0, 0.25, 0.5, 0.75, 1.0]; };
    seeds = [1, 2];
    expect = ( { metric = "y"; op = "<"; value = 0.5; } );
    refine = ( { rule = 1; axis = "x"; tol = 0.001; max_tasks = 200; points = 3; } ); },
  { name = "sig"; kernel = "step"; fixed = { loc = 0.6; width = 0.05; };
    matrix = { x = [0.0, 0.5, 1.0]; };
    expect = ( { metric = "y"; op = "<"; value = 0.5; } );
    refine = ( { rule = 1; axis = "x"; tol = 1e-4; points = 1; } ); },
  { name = "logx"; kernel = "step"; fixed = { loc = 3.3e-4; };
    matrix = { x = { from = 1e-6; to = 1.0; num = 4; scale = "log"; }; };
    expect = ( { metric = "y"; op = "<"; value = 0.5; } );
    refine = ( { rule = 1; axis = "x"; scale = "log"; tol = 0.01; points = 2; } ); },
  { name = "zero"; kernel = "step"; fixed = { loc = 1e-7; };
    matrix = { x = [0.0, 0.05]; };
    expect = ( { metric = "y"; op = "<"; value = 0.5; } );
    refine = ( { rule = 1; axis = "x"; scale = "log"; min = 1e-12; tol = 0.05; points = 4; } ); },
  { name = "intn"; kernel = "step"; fixed = { nloc = 537; };
    matrix = { n = [0, 250, 500, 750, 1000]; };
    expect = ( { metric = "yn"; op = "<"; value = 0.5; } );
    refine = ( { rule = 1; axis = "n"; tol = 1; points = 3; } ); },
  { name = "bump"; kernel = "step"; fixed = { loc = 0.4; loc2 = 0.6; loc3 = 0.9; };
    matrix = { x = [0.0, 1.0]; };
    expect = ( { claim = "no bump"; metric = "bump"; op = "<"; value = 0.5; } );
    refine = ( { rule = "no bump"; axis = "x"; tol = 0.001; points = 3; } ); },
  { name = "sel"; kernel = "step";
    matrix = { loc = [0.3137, 0.6]; x = [0.0, 0.5, 1.0]; };
    expect = ( { when = "loc <= 0.5"; metric = "y"; op = "<"; value = 0.5; } );
    refine = ( { rule = 1; axis = "x"; tol = 0.01; max_tasks = 10; } ); },
  { name = "budget"; kernel = "step"; fixed = { loc = 0.3137; };
    matrix = { x = [0.0, 1.0]; };
    seeds = [1, 2];
    expect = ( { metric = "y"; op = "<"; value = 0.5; } );
    refine = ( { rule = 1; axis = "x"; tol = 1e-9; points = 1; max_tasks = 6; } ); }
);
CFG
check "plain run" "$HSWEEP" run r.cfg -o n0.h5 --quiet
for n in 1 2 4; do
    check "mpiexec -n $n" mpirun_n "$n" "$HSWEEP" run r.cfg -o "n$n.h5" --quiet
    check "n=$n identical to the plain run" h5same n0.h5 "n$n.h5"
done
check "brackets contain the flip points, meet tol in the rounds allowed" "$PYTHON3" - <<'PY'
import math, h5py, numpy as np
f = h5py.File("n0.h5", "r")

def used(s):
    t = f[s]["tasks"][:]
    return t[t["origin"] >= 0]

def brackets(t, axis, metric, lt=0.5):
    """Neighbouring axis values (over every row) whose group mean check differs."""
    xs = np.unique(t[axis])
    held = [bool(np.mean(t[metric][t[axis] == x]) < lt) for x in xs]
    return [(xs[i], xs[i + 1]) for i in range(len(xs) - 1) if held[i] != held[i + 1]]

def one(s, axis, metric, flip, tol, rounds, rel=False, t=None):
    t = used(s) if t is None else t
    assert (t["status"] == 1).all(), s
    br = brackets(t, axis, metric)
    assert len(br) == 1, (s, br)
    a, b = br[0]
    assert a < flip <= b, (s, a, b, flip)
    w = (b / a - 1) if rel and a > 0 else (b - a)
    assert w <= tol, (s, a, b, w, tol)
    r = int(t["origin"].max())
    assert 1 <= r <= rounds, (s, r, rounds)
    print(f"{s}: [{a:.9g}, {b:.9g}] width {w:.3g} in {r} round(s) (at most {rounds})")

t = used("lin")
one("lin", "x", "y", 0.3137, 0.001, math.ceil(math.log2(1.0 / 0.001)), t=t[t["loc"] == 0.3137])
far = t[t["loc"] == 5.0]
assert len(far) == 10 and (far["origin"] == 0).all(), "a line without a flip got tasks"
one("sig", "x", "y", 0.6, 1e-4, math.ceil(math.log2(1.0 / 1e-4)))
one("logx", "x", "y", 3.3e-4, 0.01, math.ceil(math.log2(math.log(1e6) / math.log(1.01))), rel=True)
# from 0: the first round's points start at min (one round more than from min)
one("zero", "x", "y", 1e-7, 0.05, math.ceil(math.log2(math.log(0.05 / 1e-12) / math.log(1.05))) + 1, rel=True)
one("intn", "n", "yn", 537, 1, math.ceil(math.log2(1000)))
# non-monotone: three changes inside the one grid bracket, each pinned
t = used("bump")
br = brackets(t, "x", "bump")
assert len(br) == 3, br
for (a, b), flip in zip(br, (0.4, 0.6, 0.9)):
    assert a <= flip <= b and b - a <= 0.001, (a, b, flip)
# budget: 6 rows = 3 points of 2 seeds, one per round, and the bracket still wide
t = used("budget")
assert (t["origin"] >= 1).sum() == 6 and t["origin"].max() == 3, t["origin"]
a, b = brackets(t, "x", "y")[0]
assert a < 0.3137 <= b and b - a == 0.125, (a, b)
print("non-monotone: 3 brackets; budget: 6 tasks, width", b - a)
# rows are preallocated only for the lines the rule's `when` selects: 2 brackets x 10
raw = f["sel"]["tasks"][:]
assert len(raw) == 6 + 2 * 10, len(raw)
t = used("sel")
assert (t["origin"][t["loc"] == 0.6] == 0).all() and (t["origin"] >= 1).sum() == 9
PY
rep=$("$HSWEEP" report n0.h5 --full)
for want in "| loc=0.3137 | [0.313477, 0.314453] | 0.000976562 | 0 | 1 | 24 | tol met |" \
            "| (all) | [536, 537] | 1 | 0 | 1 |" "not monotone" "budget spent" "b/a - 1"; do
    case "$rep" in *"$want"*) pass ;; *) fail "report lacks '$want'" ;; esac
done
check "report --format json: the brackets" "$PYTHON3" -c '
import json, subprocess, sys
d = json.loads(subprocess.run([sys.argv[1], "report", "n0.h5", "--format", "json"], capture_output=True, text=True).stdout)
sw = {s["name"]: s for s in d["sweeps"]}
(lin,) = sw["lin"]["refine"]
(b,) = lin["brackets"]
assert b["line"] == {"loc": 0.3137} and b["a"] < 0.3137 <= b["b"] and b["width"] <= 0.001, b
assert b["metric_a"] == 0 and b["metric_b"] == 1 and b["tasks_added"] == 24 and b["stop"] == "tol" and b["monotone"]
bump = sw["bump"]["refine"][0]["brackets"]
assert len(bump) == 3 and not any(x["monotone"] for x in bump)
assert sw["budget"]["refine"][0]["brackets"][0]["stop"] == "budget"
' "$HSWEEP"
# bad refine blocks: one clear error naming file, line and key
bad() {
    printf 'sweeps = ( { name = "b"; kernel = "step"; matrix = { x = [0.0, 1.0]; loc = [0.5, 0.7]; };\n  expect = ( { metric = "y"; op = "<"; value = 0.5; }, { metric = "y"; op = "<"; ref = "loc = 0.5"; } );\n  refine = ( { %s } ); } );\n' "$1" > bad.cfg
    case_ "$2" 2 "$3" "$HSWEEP" run bad.cfg -o bad.h5 --quiet
}
bad 'rule = 1; axis = "x";' "no tol" "bad.cfg:3: sweep 'b': key 'refine': a refine block needs rule, axis and tol"
bad 'rule = 3; axis = "x"; tol = 0.1;' "rule out of range" "key 'refine.rule': rule 3: the sweep has 2 expect rule(s)"
bad 'rule = 2; axis = "x"; tol = 0.1;' "rule with a reference" "needs a rule with a constant value"
bad 'rule = 1; axis = "n"; tol = 0.1;' "not an axis" "key 'refine.axis': 'n' is not a matrix axis"
bad 'rule = 1; axis = "x"; tol = 0.1; scale = "log";' "log from 0" "key 'refine.min': axis 'x' has the value 0"
bad 'rule = 1; axis = "x"; tol = -1;' "negative tol" "key 'refine.tol': expected a width > 0"
bad 'rule = 1; axis = "x"; tol = 0.1; step = 2;' "unknown key" "key 'refine.step': unknown key"
finish
