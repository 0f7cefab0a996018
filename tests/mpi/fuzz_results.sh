# hs-labels: fuzz slow
# A bounded libFuzzer run (ASan + UBSan) over the readers of results files
# (hs_table_list/read as status reads them, collate, report), seeded with
# small files hsweep wrote: mutated files give a table or an error, never a
# crash, a leak or a hang.  HS_FUZZ_SECONDS sets its length (default 25).
# A damaged file can crash the HDF5 library itself; hsweep reads each file
# once in a child first, so a memory error HDF5 makes there is not ours:
# only reports whose first frames are in hsweep's sources fail the test.
# A file HDF5 loops on counts as damaged after the harness's 2 s check limit
# (60 s in hsweep), well inside the fuzzer's -timeout.
. "$(dirname "$0")/lib.bash"
need_cmd clang mpicc
cd "$WORK" || exit 1
S=$HS_SRC
GEN=$(dirname "$HSWEEP")/generated
H5INC=$(pkg-config --cflags hdf5-openmpi 2>/dev/null || echo -I/usr/include/hdf5/openmpi)
H5LIB=$(pkg-config --libs hdf5-openmpi 2>/dev/null || echo "-L/usr/lib/x86_64-linux-gnu/hdf5/openmpi -lhdf5")
srcs="$S/tests/fuzz/fuzz_results.c $S/src/core/table.c $S/src/core/collate.c $S/src/core/collate_pivot.c
      $S/src/core/collate_format.c $S/src/core/report.c $S/src/core/report_md.c $S/src/core/report_json.c
      $S/src/core/mpi_util.c $S/src/core/stats.c
      $S/src/core/store.c $S/src/core/config.c $S/src/core/config_text.c $S/src/core/config_grid.c
      $S/src/core/config_rules.c $S/src/core/config_exec.c $S/src/core/expand.c $S/src/core/hash.c
      $S/src/core/refine.c $S/src/core/filter.c $S/src/core/sha256.c
      $S/src/core/task.c $S/src/kernel_rt/kernel_rt.c $S/src/core/error.c $S/src/core/crc32c.c $S/src/core/plugin.c
      $S/src/core/json.c $S/src/numeric/rng.c
      $S/src/kernels/k_noop.c $S/src/kernels/k_sleep.c $S/src/kernels/k_nonfinite.c
      $S/src/kernels/k_fail.c $S/src/kernels/k_crash.c $S/src/kernels/exec*.c"
if ! clang -g -O1 -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
        -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$S/include" -I"$S/src" -I"$GEN" $H5INC $(mpicc --showme:compile) $srcs \
        $(pkg-config --cflags --libs libconfig) $H5LIB $(mpicc --showme:link) -ldl -lm \
        -o fuzz_results 2> build.log; then
    cat build.log >&2
    grep -q "fuzzer" build.log && echo "FAIL: the libFuzzer runtime is missing (libclang-rt-14-dev, listed in .ci/setup.sh)" >&2
    exit 1
fi
mkdir corpus
cat > a.cfg <<'CFG'
sweeps = ( { name = "a"; kernel = "noop"; fixed = { trace_len = 3; };
             matrix = { x = [1.0, 2.0]; label = ["p", "q"]; };
             expect = ( { when = "x <= 1"; metric = "xk"; op = "<"; value = 100.0; } ); },
           { name = "b"; kernel = "nonfinite"; matrix = { at_step = [-1, 3]; }; } );
CFG
cat > c.cfg <<'CFG'
sweeps = ( { name = "c"; kernel = "noop"; matrix = { x = [1.0]; }; seeds = [1, 2]; } );
CFG
check "write seed files" mpirun_n 1 "$HSWEEP" run a.cfg -o corpus/a.h5 --quiet
check "write seed files" mpirun_n 1 "$HSWEEP" run c.cfg -o corpus/c.h5 --quiet
# and a file HDF5 loops on (found by this test): damaged after the check
# limit, never a timeout
cp "$S/tests/data/hdf5_heap_loop.h5" corpus/
# libconfig's own scanner leak (see fuzz.sh) and HDF5's allocations on its
# error paths are not hsweep's: suppressed; any other leak fails the test.
printf 'leak:libconfig.so\nleak:libhdf5\n' > lsan.supp
export LSAN_OPTIONS="suppressions=$WORK/lsan.supp:print_suppressions=0"
secs=${HS_FUZZ_SECONDS:-25}
./fuzz_results -max_total_time="$secs" -timeout=30 -rss_limit_mb=4096 -max_len=32768 \
    -print_final_stats=1 corpus > fuzz.log 2>&1
rc=$?
if [ "$rc" = 0 ]; then
    tail -8 fuzz.log
else  # the whole report (where it crashed, leaked or hung) and the input
    sed -n '/ERROR: \|^ALARM: /,$p' fuzz.log | head -150
    for a in crash-* leak-* timeout-* oom-*; do
        [ -f "$a" ] && { echo "input $a ($(wc -c <"$a") bytes), base64:"; base64 -w 0 "$a" | head -c 6000; echo; }
    done
fi
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' fuzz.log | tail -1)  # the fuzzer's own, printed last
echo "inputs tried: ${runs:-?}"
[ "$rc" = 0 ] && pass || fail "the fuzzer found a problem (exit $rc): see above"
# Memory errors reported in the checking child: hsweep's if frame #0, or #1
# under an interceptor, is in its sources.
ours=$(awk -v src="$S/src/" '
    /ERROR: AddressSanitizer/ { inrep = 1; next }
    inrep && /^ *#0 / { f0 = $0; next }
    inrep && /^ *#1 / { if (index(f0, src) || (f0 ~ /__asan|__interceptor|mem(cpy|move|set)/ && index($0, src))) print f0 " / " $0; inrep = 0 }
' fuzz.log)
[ -z "$ours" ] && pass || fail "a memory error in hsweep's code: $ours"
finish
