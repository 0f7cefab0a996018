# hs-labels: mpi
# Reading a results file runs no code from it: status, collate, report and
# `task --from` of a file whose sweep names a plug-in never load that library
# (a constructor that leaves a marker file must not run); tables and reports
# come from the schema stored in the file.  `task --from` loads it only when
# named with --allow-plugin.  A plug-in that crashes while loading gives an
# error (exit 2), not a crash of hsweep.
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
CC=${CC:-cc}
mkdir -p sweeps/lib
check "build the example plug-in" "$CC" -shared -fPIC -O2 -std=c11 \
    -I"$HS_SRC/include" -o sweeps/lib/liblogistic.so "$HS_SRC/examples/plugin/logistic.c" -lm
cat > sweeps/logistic.cfg <<'CFG'
sweeps = (
  { name = "logistic"; kernel = "plugin:lib/liblogistic.so";
    fixed = { steps = 50; burn_in = 200; };
    matrix = { r = [2.5, 2.8]; };
    expect = ( { when = "r <= 2.6"; metric = "lyapunov"; op = "<"; value = 0.0; } );
  } );
CFG
check "sweep the plug-in" mpirun_n 1 "$HSWEEP" run sweeps/logistic.cfg -o l.h5 --quiet
"$HSWEEP" collate l.h5 --rows r --metric lyapunov --format csv > before.csv 2>/dev/null || fail "collate before"
# The library is replaced by one whose constructor leaves a marker and then
# crashes, as a received file's named library could.
cat > evil.c <<CEOF
#include <signal.h>
#include <stdio.h>
__attribute__((constructor)) static void mark(void)
{
    FILE *f = fopen("$WORK/marker", "w");
    if (f)
        fclose(f);
    raise(SIGSEGV);
}
CEOF
check "build the marker library" "$CC" -shared -fPIC -o sweeps/lib/liblogistic.so evil.c
"$HSWEEP" status l.h5 > status.txt 2>&1; rc=$?
check "status exits 0 (got $rc)" test "$rc" = 0
check "status counts both tasks ok" grep -q "ok  *2" status.txt
"$HSWEEP" collate l.h5 --rows r --metric lyapunov --format csv > after.csv 2>collate.err; rc=$?
check "collate exits 0 (got $rc: $(cat collate.err))" test "$rc" = 0
check "collate's table is the same without the library" cmp before.csv after.csv
"$HSWEEP" report l.h5 > report.md 2>report.err; rc=$?
check "report exits 0 (got $rc: $(cat report.err))" test "$rc" = 0
# ln|2 - 2.5| < 0: the rule holds, read from the stored rules with the stored schema
check "report evaluates the stored rule" grep -q "held" report.md
expect_fail 2 "not loaded for a results file" "$HSWEEP" task --from l.h5 --id 0
check "no reader loaded the library" test ! -e "$WORK/marker"
# Named on the command line it is loaded -- in a child first: its crash is an error.
expect_fail 2 "crashed while loading" "$HSWEEP" task --from l.h5 --id 0 --allow-plugin sweeps/lib/liblogistic.so
check "--allow-plugin loads the named library" test -e "$WORK/marker"
expect_fail 2 "crashed while loading" "$HSWEEP" plan sweeps/logistic.cfg
finish
