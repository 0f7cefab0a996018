# hs-labels: mpi
# Damaged results files: one byte flipped at ~60 places spread over a small
# file (superblock, object headers, attributes and their heap, row data,
# traces) never crashes status, collate or report: each exits 0, 1, 2 or 3
# (collate's empty table) with a message, never by a signal; where status
# exits 0 it reports every task (no silently shorter table).
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
cat > s.cfg <<'CFG'
sweeps = ( { name = "a"; kernel = "noop"; fixed = { trace_len = 3; };
             matrix = { x = [1.0, 2.0]; label = ["p", "q"]; };
             expect = ( { when = "x <= 1"; metric = "xk"; op = "<"; value = 100.0; } ); } );
CFG
check "run" mpirun_n 1 "$HSWEEP" run s.cfg -o good.h5 --quiet
"$PYTHON3" - "$HSWEEP" <<'PY' || fail "a reader crashed or gave no message on a flipped byte (above)"
import subprocess, sys
hsweep = sys.argv[1]
data = open("good.h5", "rb").read()
step = max(1, len(data) // 60)
bad, runs, damaged = [], 0, 0
for off in range(0, len(data), step):
    b = bytearray(data)
    b[off] ^= 0xFF
    open("f.h5", "wb").write(b)
    for cmd in (["status"], ["collate", "--rows", "x", "--metric", "xk"], ["report"]):
        r = subprocess.run([hsweep, cmd[0], "f.h5"] + cmd[1:], capture_output=True, text=True,
                           timeout=120)
        runs += 1
        said = (r.stderr + r.stdout).strip()
        damaged += "damaged results file" in r.stderr
        if r.returncode not in (0, 1, 2, 3) or (r.returncode and not said):
            bad.append(f"byte {off}: {cmd[0]} exit {r.returncode}: {said[-200:]}")
        if cmd[0] == "status" and r.returncode == 0 and "4 tasks, 4 done" not in r.stdout:
            bad.append(f"byte {off}: status exit 0 without all 4 tasks: {r.stdout}")
print(f"{runs} reader runs, {damaged} said 'damaged results file'")
for line in bad:
    print(line)
# the flips must reach the readers' checks, not only HDF5's own
sys.exit(1 if bad or damaged == 0 else 0)
PY
finish
