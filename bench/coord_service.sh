#!/bin/bash
# The coordinator's service time as the workers grow, from hsweep's own
# counters (HSWEEP_STATS, README "Measuring a run"): rank 0's thread CPU
# time from receiving a message to sending its reply, per request and per
# task handed out, the wall service time's p50 and p99 and the queue length
# at each request, on R ranks (W = R - 1 workers).  Two cases:
#   sleep200ms  `sleep` tasks of 0.2 s, TPW tasks per worker: the workers
#               mostly sleep, so requests arrive one by one (one task each)
#   sleep1ms    `sleep` tasks of 1 ms, TPW_SHORT per worker: guided
#               self-scheduling hands them out in batches (up to 50 ms of
#               expected work), so a request carries many tasks
# then a least-squares fit of CPU us/request = a + b*W per case, and the
# growth from the fewest to the most ranks.  Ranks past the cores are
# oversubscribed (said on each line); tasks run --isolation none (no task
# process beside each worker: R processes in all).  A 256-rank run takes
# ~90 s (mostly start-up) and ~2.5 GB.  BASELINE=PATH: another hsweep binary
# (one with HSWEEP_STATS) measured at each point right after this one; each
# line then says the ratio of CPU per request, this one's over the other's.
#   bench/coord_service.sh      RANKS="2 4 8 16 32 64 128 256" TPW=10 TPW_SHORT=100 REPS=1 BASELINE=
REPS=${REPS:-1}
. "$(dirname "$0")/lib.sh"
RANKS=${RANKS:-2 4 8 16 32 64 128 256}
TPW=${TPW:-10}
TPW_SHORT=${TPW_SHORT:-100}
BASELINE=${BASELINE:-}
bins=("$HSWEEP")
[ -n "$BASELINE" ] && bins+=("$(cd "$(dirname "$BASELINE")" && pwd)/$(basename "$BASELINE")")
[ -n "$BASELINE" ] && echo "# baseline: $BASELINE, $("${bins[1]}" --version 2>&1 | sed -n 2p)"
machine
: >"$WORK/points"
for case in sleep200ms sleep1ms; do
    case $case in
    sleep200ms) sec=0.2 tpw=$TPW ;;
    sleep1ms) sec=0.001 tpw=$TPW_SHORT ;;
    esac
    for np in $RANKS; do
        w=$((np - 1))
        m=$((tpw * w))
        printf 'sweeps = ( { name = "c"; kernel = "sleep"; fixed = { seconds = %s; };\n  matrix = { x = { from = 1; to = %s; num = %s; }; }; } );\n' \
            "$sec" "$m" "$m" >"$WORK/c.cfg"
        for rep in $(seq "$REPS"); do
            for b in "${!bins[@]}"; do
                t0=$(now)
                # Under a heavy load a rank of a large job may fail to start
                # (Open MPI reports it exiting before MPI_Init): one more try,
                # then the point is left out for this binary, and said so.
                ok=0
                for try in 1 2; do
                    rm -f "$WORK/s.json"
                    if HSWEEP_STATS=$WORK/s.json mpirun_n "$np" "${bins[$b]}" run "$WORK/c.cfg" -o "$WORK/c.h5" \
                        --overwrite --quiet --isolation none $HSWEEP_RUN_OPTS; then
                        ok=1
                        break
                    fi
                    echo "  $case -n $np rep $rep binary $b: try $try failed" >&2
                done
                t1=$(now)
                rm -f "$WORK/c.h5"
                if [ "$ok" = 0 ]; then
                    echo "# $case -n $np binary $b: no run started (left out)"
                    continue
                fi
                echo "  $case -n $np rep $rep binary $b: $m tasks, mpiexec $(calc "$t1 - $t0") s" >&2
                "$PYTHON3" - "$WORK/s.json" "$case" "$np" "$b" >>"$WORK/points" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
c = s["coord"]
# one point: case, ranks, binary (0 this, 1 baseline), workers, requests, tasks,
# cpu us/request, cpu us/task, p50, p99 wall us, queue mean, busy wall s, loop wall s
print(sys.argv[2], sys.argv[3], sys.argv[4], s["workers"], c["requests"], c["tasks_dispatched"],
      1e6 * c["busy_cpu_s"] / c["requests"], 1e6 * c["busy_cpu_s"] / c["tasks_dispatched"],
      c["service_wall_us"]["p50"], c["service_wall_us"]["p99"], c["queue_len_mean"],
      c["busy_wall_s"], c["loop_wall_s"])
PY
            done
        done
    done
done
# Per case and rank count the repetition with the least CPU per request; the fit over those.
"$PYTHON3" - "$WORK/points" "$NPROC" <<'PY'
import sys
nproc = int(sys.argv[2])
best = {}
for ln in open(sys.argv[1]):
    f = ln.split()
    key = (f[0], int(f[1]), int(f[2]))
    v = [float(x) for x in f[3:]]
    if key not in best or v[3] < best[key][3]:
        best[key] = v
cases = list(dict.fromkeys(k[0] for k in best))
for case in cases:
    pts = sorted((r, v) for (c, r, b), v in best.items() if c == case and b == 0)
    for r, (w, req, tasks, cpu_req, cpu_task, p50, p99, qmean, bwall, lwall) in pts:
        over = ", oversubscribed %d ranks on %d cores" % (r, nproc) if r > nproc else ""
        base = best.get((case, r, 1))
        vs = " (ratio %.3g vs baseline %.3g us)" % (cpu_req / base[3], base[3]) if base else ""
        print("coord_service_n%d_%s: %.3g us CPU/request%s; %d requests, %d tasks, %.3g us CPU/task, "
              "wall p50 %.3g us p99 %.3g us, queue_len_mean %.4g, busy wall %.3g s of %.3g s loop%s"
              % (r, case, cpu_req, vs, req, tasks, cpu_task, p50, p99, qmean, bwall, lwall, over))
    ws = [v[0] for _, v in pts]
    ys = [v[3] for _, v in pts]
    n = len(ws)
    if n >= 2:
        mw, my = sum(ws) / n, sum(ys) / n
        sxx = sum((x - mw) ** 2 for x in ws)
        b = sum((x - mw) * (y - my) for x, y in zip(ws, ys)) / sxx if sxx else 0.0
        a = my - b * mw
        res = max(abs(y - (a + b * x)) for x, y in zip(ws, ys))
        print("coord_service_fit_%s: CPU us/request = %.4g + %.4g * W (least squares over W = %s; "
              "largest residual %.3g us)" % (case, a, b, ",".join("%d" % x for x in ws), res))
        (r0, v0), (r1, v1) = pts[0], pts[-1]
        print("coord_service_growth_%s: %.3g us CPU/request at %d ranks (ratio %.3g vs %d ranks %.3g us)"
              % (case, v1[3], r1, v1[3] / v0[3], r0, v0[3]))
PY
