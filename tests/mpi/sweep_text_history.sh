# hs-labels: mpi
# A resume with a changed sweep file (--force) records the new text beside the
# old ones; each row names the text whose run wrote it, and `task --from`
# reruns a row with that text, not with the newest or the oldest.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
# three texts of one sweep: same task table, another command (v = k, k + 100, k + 200)
for add in 0 100 200; do
    printf 'sweeps = ( { name = "s"; kernel = "exec"; parse = "key=value"; metrics = ["v"];\n  command = ["sh", "-c", "echo v=$(( {k} + %s ))"];\n  matrix = { k = [1, 2, 3, 4]; }; } );\n' "$add" > "t$add.cfg"
done
# mark_pending IDS...: those rows back to pending, as a stop before they ran leaves them
mark_pending() {
    "$PYTHON3" - "$@" <<'PY'
import sys, h5py
with h5py.File("r.h5", "r+") as f:
    t = f["s/tasks"]
    a = t[:]
    for i in sys.argv[1:]:
        a["status"][int(i)] = 0
    t[...] = a
PY
}
check "run text 0" "$HSWEEP" run t0.cfg -o r.h5 --quiet
check "one text: no history kept (the file is as before)" "$PYTHON3" -c "
import h5py
f = h5py.File('r.h5', 'r')
assert 'config_texts' not in f.attrs and 'config_index' not in f['s'], list(f.attrs)
"
mark_pending 2 3
expect_fail 1 "different sweep file" "$HSWEEP" run t100.cfg -o r.h5 --resume
check "--force with text 100, 3 ranks" mpirun_n 3 "$HSWEEP" run t100.cfg -o r.h5 --resume --force --quiet
mark_pending 3
check "--force with text 200" "$HSWEEP" run t200.cfg -o r.h5 --resume --force --quiet
# the newest text is config_text now: a plain resume takes it, and adds nothing
check "plain resume with the newest text" "$HSWEEP" run t200.cfg -o r.h5 --resume --quiet
check "history: every accepted text, its time and path; each row's writer" "$PYTHON3" - <<'PY'
import hashlib, re, h5py
f = h5py.File("r.h5", "r")
texts = [open(n).read() for n in ("t0.cfg", "t100.cfg", "t200.cfg")]
got = [t.decode() if isinstance(t, bytes) else t for t in f.attrs["config_texts"]]
assert got == texts, got
times = [t.decode() if isinstance(t, bytes) else t for t in f.attrs["config_accepted_utc"]]
assert len(times) == 3 and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", t) for t in times), times
created = f.attrs["created_utc"]
assert times[0] == (created.decode() if isinstance(created, bytes) else created)
assert times[0] <= times[1] <= times[2], times
paths = [p.decode() if isinstance(p, bytes) else p for p in f.attrs["config_paths"]]
assert paths == ["t0.cfg", "t100.cfg", "t200.cfg"], paths
assert f.attrs["config_text"] == texts[2] and f.attrs["config_path"] == "t200.cfg"
assert f.attrs["config_sha256"] == hashlib.sha256(texts[2].encode()).hexdigest()
assert list(f["s/config_index"][:]) == [0, 0, 1, 2], f["s/config_index"][:]
assert list(f["s/tasks"]["v"]) == [1, 2, 103, 204], f["s/tasks"]["v"]
import pandas
assert list(pandas.DataFrame(f["s/tasks"][:])["v"]) == [1, 2, 103, 204]
PY
for id_v in 0:1 1:2 2:103 3:204; do
    id=${id_v%:*} v=${id_v#*:}
    out=$("$HSWEEP" task --from r.h5 --id "$id" 2>err) || fail "task --from --id $id: $(cat err)"
    case "$out" in *'"v":'"$v"[,}]*) pass ;; *) fail "task --from --id $id reran v != $v: $out" ;; esac
    if [ "$id" = 3 ]; then
        [ ! -s err ] && pass || fail "newest text needs no note: $(cat err)"
    else
        case "$(cat err)" in *"task $id was written by the run of sweep text"*) pass ;; *) fail "note: $(cat err)" ;; esac
    fi
done
check "status and collate read it" bash -c "'$HSWEEP' status r.h5 >/dev/null && '$HSWEEP' collate r.h5 --rows k --metric v >/dev/null"
# a row that names a text the file does not hold is a damaged file, not a crash
"$PYTHON3" -c "
import h5py
with h5py.File('r.h5', 'r+') as f:
    f['s/config_index'][1] = 7
"
expect_fail 1 "names sweep text 7, but the file records 3" "$HSWEEP" task --from r.h5 --id 1

# kill -9 of runs that each bring a new text (v = k + 100 i for the i-th), each
# once a few of its tasks ran: every finished row names the text that computed it
text_i() {
    printf 'sweeps = ( { name = "s"; kernel = "exec"; parse = "key=value"; metrics = ["v"];\n  command = ["sh", "-c", "sleep 0.05; echo . >> %s/ran; echo v=$(( {k} + %d ))"];\n  matrix = { k = { from = 1; to = 120; num = 120; }; }; } );\n' "$WORK" $((100 * $1)) > k.cfg
}
ran() { [ -e ran ] && wc -l < ran || echo 0; }
RANDOM=11
kills=0
i=0
while [ "$i" -lt 6 ]; do
    text_i "$i"
    if [ -e kk.h5 ]; then resume="--resume --force"; else resume=; fi
    n0=$(ran)
    setsid "$MPIEXEC" -n 3 --oversubscribe "$HSWEEP" run k.cfg -o kk.h5 $resume --quiet &
    pid=$!
    for _ in $(seq 1 1200); do
        [ "$(ran)" -ge $((n0 + 6)) ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    sleep "0.$((RANDOM % 10))"
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid"
        break # it finished
    fi
    kill_job "$pid" "hsweep run k.cfg -o kk.h5"
    kills=$((kills + 1))
    wait "$pid" 2>/dev/null
    i=$((i + 1))
done
text_i "$i"
check "final resume after $kills kills" "$HSWEEP" run k.cfg -o kk.h5 --resume --force --quiet
check "each row names the text that computed it" "$PYTHON3" - "$kills" "$i" <<'PY'
import re, sys, h5py
f = h5py.File("kk.h5", "r")
t = f["s/tasks"][:]
idx = f["s/config_index"][:]
texts = [x.decode() if isinstance(x, bytes) else x for x in f.attrs["config_texts"]]
assert (t["status"] == 1).all(), t["status"]
# a run killed before it opened the file recorded nothing: read each entry's own offset
add = [int(re.search(r"\+ (\d+) \)\)", x).group(1)) for x in texts]
assert add == sorted(set(add)) and add[-1] == 100 * int(sys.argv[2]), add
bad = [(int(r["task_id"]), int(r["k"]), float(r["v"]), int(i)) for r, i in zip(t, idx) if r["v"] != r["k"] + add[i]]
assert not bad, bad[:5]
used = sorted(set(int(i) for i in idx))
print(f"{len(texts)} texts (offsets {add}), rows written by {len(used)} of them after {sys.argv[1]} kills")
assert len(used) >= 2, used
PY
for id in 0 60 119; do
    want=$("$PYTHON3" -c "import h5py; print(int(h5py.File('kk.h5','r')['s/tasks']['v'][$id]))")
    out=$("$HSWEEP" task --from kk.h5 --id "$id" 2>/dev/null)
    case "$out" in *'"v":'"$want"[,}]*) pass ;; *) fail "task --from kk.h5 --id $id: want v=$want: $out" ;; esac
done
finish
