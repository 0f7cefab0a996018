# hs-labels: mpi
# Provenance of exec sweeps in the results file: the SHA-256 of the
# command's files under the sweep directory (checked against sha256sum; a
# file outside it or named through a parameter is not listed), `git
# describe --always --dirty` of that directory (against git itself, clean
# and dirty; "" outside a work tree), the interpreter's path and --version;
# shown by hsweep status, and a resume that runs a changed script says so.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
need_py h5py
need_cmd git
git() { command git -c user.name=hsweep -c user.email=hsweep@localhost -c safe.directory='*' "$@"; }

mkdir -p proj/lib outside
cat > proj/train.py <<'PY'
import json
print(json.dumps({"v": 1}))
PY
echo "helper = 1" > proj/lib/helper.py
echo "data" > outside/data.txt
echo "other" > proj/other.py
cat > proj/prov.cfg <<EOF
output = "res/prov.h5";
sweeps = (
  { name = "p"; kernel = "exec";
    command = ["$PYTHON3", "{sweep_dir}/train.py", "--lib", "lib/helper.py", "--data", "$WORK/outside/data.txt",
               "--x", "{sweep_dir}/{script}.py", "{sweep_dir}/train.py"];
    workdir = "{sweep_dir}";
    metrics = ["v"];
    fixed = { script = "other"; };
  },
  { name = "sh"; kernel = "exec";
    command = ["{sweep_dir}/run.sh"];
    metrics = ["v"];
  } );
EOF
printf '#!/bin/sh\necho "v=2"\necho "{\\"v\\": 2}"\n' > proj/run.sh
chmod +x proj/run.sh

# Not a git work tree: no describe.
check "run outside git" "$HSWEEP" run proj/prov.cfg -o nogit.h5 --quiet
git -C proj init -q && git -C proj add -A && git -C proj commit -qm one
check "run clean" "$HSWEEP" run proj/prov.cfg -o clean.h5 --quiet
echo "# changed" >> proj/train.py
check "run dirty" "$HSWEEP" run proj/prov.cfg -o dirty.h5 --quiet
want_clean=$(git -C proj describe --always)
want_dirty=$(git -C proj describe --always --dirty)
"$PYTHON3" - "$WORK" "$PYTHON3" "$want_clean" "$want_dirty" "$("$PYTHON3" --version 2>&1)" <<'PY' || fail "provenance attributes"
import hashlib, os, sys
import h5py
work, py, clean, dirty, pyver = sys.argv[1:]
def sha(p):
    return hashlib.sha256(open(os.path.join(work, "proj", p), "rb").read()).hexdigest()
def attrs(f, s):
    g = h5py.File(os.path.join(work, f), "r")[s]
    return {k: (list(v) if hasattr(v, "__len__") and not isinstance(v, str) else v)
            for k, v in g.attrs.items() if k.startswith("exec_")}
a = attrs("nogit.h5", "p")
assert a["exec_git_describe"] == "" and a["exec_git_dirty"] == "", a
# train.py once (named twice), lib/helper.py relative to the workdir; not data.txt (outside) nor other.py (a parameter)
assert a["exec_files"] == ["train.py", "lib/helper.py"], a["exec_files"]
assert a["exec_interpreter"] == os.path.realpath(py), a["exec_interpreter"]
assert a["exec_interpreter_version"] == pyver, (a["exec_interpreter_version"], pyver)
c = attrs("clean.h5", "p")
assert c["exec_git_describe"] == clean and c["exec_git_dirty"] == "false", c
assert not clean.endswith("-dirty") and dirty == clean + "-dirty", (clean, dirty)
d = attrs("dirty.h5", "p")
assert d["exec_git_describe"] == dirty and d["exec_git_dirty"] == "true", d
assert d["exec_files_sha256"] == [sha("train.py"), sha("lib/helper.py")], d["exec_files_sha256"]
assert c["exec_files_sha256"][0] != d["exec_files_sha256"][0], "train.py changed between the runs"
assert c["exec_files_sha256"][1] == d["exec_files_sha256"][1]
s = attrs("dirty.h5", "sh")
# a script run directly: hashed, and no interpreter
assert s["exec_files"] == ["run.sh"] and s["exec_files_sha256"] == [sha("run.sh")], s
assert s["exec_interpreter"] == "" and s["exec_interpreter_version"] == "", s
PY
pass
st=$("$HSWEEP" status dirty.h5)
check "status: git describe" grep -qF "provenance: git $want_dirty (uncommitted changes); $(readlink -f "$PYTHON3"): $("$PYTHON3" --version 2>&1)" <<<"$st"
check "status: file hashes" grep -qF "train.py  sha256 $(sha256sum proj/train.py | cut -c1-64)" <<<"$st"
check "status: no git" sh -c '"$HSWEEP" status nogit.h5 | grep -qF "provenance: git (not a git work tree)"'

# A resume that runs a changed script says so, and the file keeps what it was created with.
printf '#!/bin/sh\necho "{\\"v\\": 3}"\n' > proj/run.sh
"$PYTHON3" -c "
import h5py
f = h5py.File('dirty.h5', 'r+')
t = f['sh/tasks']; r = t[0]; r['status'] = 0; t[0] = r
" 2>/dev/null
err=$("$HSWEEP" run proj/prov.cfg -o dirty.h5 --resume 2>&1 >/dev/null)
check "resume notes the changed script" grep -qF "sweep sh: run.sh changed since the results file was created" <<<"$err"
if grep -q "sweep p:.*changed since" <<<"$err"; then fail "resume notes an unchanged script: $err"; else pass; fi
finish
