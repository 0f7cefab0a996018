#!/bin/sh
# Issue 10 item 3: results I/O.  A noop sweep of TASKS tasks, each emitting a
# trace of TRACE_LEN float64 (default 1024 x 131072 x 8 B = 1 GiB), against
# dd writing the same number of bytes (1 MiB blocks) to the same directory.
# Each is timed until its file is on disk: hsweep's run plus an fsync of the
# results file (coreutils `sync FILE`), dd with conv=fsync.  MB/s are of trace
# bytes (1 MB = 1e6 B), best of REPS, runs interleaved; the files are removed
# after each run.  Target: hsweep >= 0.7 x dd.
# With per-task crash isolation (`run --isolation`), both modes are measured.
#   bench/io.sh                      TASKS=1024 TRACE_LEN=131072 NP=3 REPS=2
. "$(dirname "$0")/lib.sh"
TASKS=${TASKS:-1024}
TRACE_LEN=${TRACE_LEN:-131072}
NP=${NP:-3}
machine
bytes=$((TASKS * TRACE_LEN * 8))
mib=$((bytes / 1048576))
printf 'sweeps = ( { name = "io"; kernel = "noop"; fixed = { trace_len = %s; };\n  matrix = { k = { from = 1; to = %s; num = %s; scale = "lin"; }; }; } );\n' \
    "$TRACE_LEN" "$TASKS" "$TASKS" >"$WORK/io.cfg"
echo "  $TASKS tasks x $TRACE_LEN float64 = $mib MiB to $WORK ($(df -h "$WORK" | awk 'NR==2{print $1", "$4" free"}'))" >&2
lines=""
VARIANTS="default"
if has_isolation; then
    VARIANTS="fork none"
fi
for v in $VARIANTS; do
    case $v in
    default) opts="" label="" ;;
    *) opts="--isolation $v" label="_isolation_$v" ;;
    esac
    best_h="" best_d=""
    for rep in $(seq "$REPS"); do
        sync
        t0=$(now)
        dd if=/dev/zero of="$WORK/dd.bin" bs=1M count="$mib" conv=fsync status=none
        t1=$(now)
        rm -f "$WORK/dd.bin"
        d=$(calc "$t1 - $t0")
        sync
        t0=$(now)
        mpirun_n "$NP" "$HSWEEP" run "$WORK/io.cfg" -o "$WORK/io.h5" --overwrite --quiet $HSWEEP_RUN_OPTS $opts
        t1=$(now)
        sync "$WORK/io.h5"
        t2=$(now)
        size=$(stat -c %s "$WORK/io.h5")
        rm -f "$WORK/io.h5"
        h=$(calc "$t2 - $t0")
        echo "  $v rep $rep: dd $d s; hsweep $(calc "$t1 - $t0") s + fsync $(calc "$t2 - $t1") s = $h s (file $size B)" >&2
        if [ -z "$best_h" ] || awk "BEGIN{exit !($h < $best_h)}"; then best_h=$h; fi
        if [ -z "$best_d" ] || awk "BEGIN{exit !($d < $best_d)}"; then best_d=$d; fi
    done
    hm=$(calc "$bytes / 1e6 / $best_h")
    dm=$(calc "$bytes / 1e6 / $best_d")
    lines="${lines}io_traces$label: $hm MB/s (ratio $(calc "$hm / $dm") vs dd $dm MB/s; $mib MiB of traces, $TASKS tasks, -n $NP)
"
done
printf '%s' "$lines"
