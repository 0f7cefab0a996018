# hs-labels: mpi
# A plug-in's load-time code runs once per process: `hsweep run` reads the
# sweep file before MPI starts and again in the run, and each read used to
# load the library anew (its constructor and entry point ran twice in every
# rank).  The plug-in here logs "ctor PID" from a constructor and "entry PID"
# from its entry point; every process may log each at most once.  (The
# child that tries a library first is another process, with its own PID.)
. "$(dirname "$0")/lib.bash"
cd "$WORK" || exit 1
CC=${CC:-cc}
need_cmd "$CC"
cat > counted.c <<'CEOF'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsweep/kernel.h"

/* One line "WHAT PID" appended to $COUNT_LOG (O_APPEND: whole lines from concurrent processes). */
static void note(const char *what)
{
    const char *f = getenv("COUNT_LOG");
    int fd = f ? open(f, O_WRONLY | O_APPEND | O_CREAT, 0644) : -1;
    if (fd < 0)
        return;
    char line[64];
    int n = snprintf(line, sizeof line, "%s %ld\n", what, (long)getpid());
    if (write(fd, line, (size_t)n) != n)
        abort();
    close(fd);
}

__attribute__((constructor)) static void ctor(void) { note("ctor"); }

static const hs_param_spec params[] = {{"x", HS_T_REAL, "0", -1e9, 1e9, NULL, "", "echoed"}};
static const hs_metric_spec metrics[] = {{"y", "", "x"}};

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    (void)ctx;
    hs_out_set(out, "y", hs_param_real(p, "x"));
    return 0;
}

static const hs_kernel k = {.abi = HS_KERNEL_ABI, .name = "counted", .summary = "counts its loads",
                            .params = params, .n_params = 1, .metrics = metrics, .n_metrics = 1,
                            .run = run};

const hs_kernel *hs_plugin_kernel(void)
{
    note("entry");
    return &k;
}
CEOF
check "build the counting plug-in" "$CC" -shared -fPIC -std=c11 -D_POSIX_C_SOURCE=200809L \
    -I"$HS_SRC/include" -o libcounted.so counted.c
cat > c.cfg <<'EOF'
sweeps = ( { name = "c"; kernel = "plugin:libcounted.so"; matrix = { x = [1.0, 2.0, 3.0]; }; } );
EOF
# At most once per process; and at least two processes ran it (the ranks),
# so a log that stayed empty cannot pass.
once() {
    local what=$1 log=$2
    local most procs
    most=$(awk -v w="$what" '$1 == w { n[$2]++ } END { m = 0; for (p in n) if (n[p] > m) m = n[p]; print m }' "$log")
    procs=$(awk -v w="$what" '$1 == w { n[$2]++ } END { print length(n) }' "$log")
    [ "$most" = 1 ] && [ "$procs" -ge 2 ] || { echo "$what: at most $most per process, $procs processes:"; cat "$log"; return 1; }
}
export COUNT_LOG=$WORK/run.log
check "run the plug-in's sweep on 2 ranks" mpirun_n 2 "$HSWEEP" run c.cfg -o c.h5 --quiet
check "constructor once per process (run)" once ctor run.log
check "entry point once per process (run)" once entry run.log
"$PYTHON3" -c "import h5py" 2>/dev/null && check "the tasks ran" "$PYTHON3" -c "
import h5py; t = h5py.File('c.h5', 'r')['c/tasks'][:]
assert (t['status'] == 1).all() and sorted(t['y']) == [1.0, 2.0, 3.0], t"
export COUNT_LOG=$WORK/plan.log
check "plan the plug-in's sweep" "$HSWEEP" plan c.cfg
# plan is one process: its load plus the child that tried the library
check "constructor once per process (plan)" once ctor plan.log
check "entry point once per process (plan)" once entry plan.log
finish
