/* hsweep run: MPI setup around hs_run. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hsweep/config.h"
#include "hsweep/sched.h"

#include <cblas.h>

int hs_cmd_run(int argc, char **argv)
{
    hs_run_opts o = {.isolation = HS_ISO_FORK, .grace_s = 60};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (++i >= argc)
                return hs_cli_usage("run", "%s needs a file name", a);
            o.output = argv[i];
        } else if (strcmp(a, "--resume") == 0) {
            o.resume = 1;
        } else if (strcmp(a, "--reduced") == 0) {
            o.reduced = 1;
        } else if (strcmp(a, "--force") == 0) {
            o.force = 1;
        } else if (strcmp(a, "--overwrite") == 0) {
            o.overwrite = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            o.quiet = 1;
        } else if (strcmp(a, "--retry-failed") == 0) {
            o.retry_failed = 1;
        } else if (strcmp(a, "--repair") == 0) {
            o.repair = 1;
        } else if (strcmp(a, "--isolation") == 0) {
            if (++i >= argc || (strcmp(argv[i], "fork") != 0 && strcmp(argv[i], "none") != 0))
                return hs_cli_usage("run", "--isolation needs fork or none");
            o.isolation = strcmp(argv[i], "fork") == 0 ? HS_ISO_FORK : HS_ISO_NONE;
        } else if (strcmp(a, "--timeout") == 0 || strcmp(a, "--retries") == 0 ||
                   strcmp(a, "--mem-limit") == 0 || strcmp(a, "--grace") == 0) {
            char *end;
            if (++i >= argc)
                return hs_cli_usage("run", "%s needs a number", a);
            double x = strtod(argv[i], &end);
            if (*end || !(x >= 0) || x > 1e12)
                return hs_cli_usage("run", "%s needs a number >= 0, got '%s'", a, argv[i]);
            if (strcmp(a, "--timeout") == 0)
                o.timeout_s = x;
            else if (strcmp(a, "--retries") == 0)
                o.retries = (int)x;
            else if (strcmp(a, "--mem-limit") == 0)
                o.mem_limit_mb = (long)x;
            else
                o.grace_s = x;
        } else if (strcmp(a, "--max-tasks") == 0 || strcmp(a, "--log-every") == 0) {
            char *end;
            if (++i >= argc)
                return hs_cli_usage("run", "%s needs a number", a);
            double x = strtod(argv[i], &end);
            if (*end || !(x > 0))
                return hs_cli_usage("run", "%s needs a positive number, got '%s'", a, argv[i]);
            if (a[2] == 'm')
                o.max_tasks = (uint64_t)x;
            else
                o.log_every = x;
        } else if (a[0] == '-') {
            return hs_cli_usage("run", "unknown option '%s'", a);
        } else if (!o.sweep_path) {
            o.sweep_path = a;
        } else {
            return hs_cli_usage("run", "one sweep file only ('%s' and '%s')", o.sweep_path, a);
        }
    }
    if (!o.sweep_path)
        return hs_cli_usage("run", "needs a sweep file");
    if ((o.force || o.retry_failed || o.repair) && !o.resume)
        return hs_cli_usage("run", "--force, --retry-failed and --repair go with --resume");
    if (o.resume && o.overwrite)
        return hs_cli_usage("run", "--resume and --overwrite exclude each other");
    /* ROMIO rather than ompio for MPI-IO: ompio is known slow/buggy under
     * HDF5 (REFERENCES.md).  A user's own setting wins. */
    setenv("OMPI_MCA_io", "^ompio", 0);
    /* Open MPI's ob1 messaging (shared memory, TCP) rather than its default
     * search, which tries UCX and libfabric first: MPI_Init takes ~0.1 s
     * instead of ~0.3 s, and hsweep's messages are a few small ones per task
     * batch.  A user's own setting wins (e.g. OMPI_MCA_pml=ucx for spectral
     * gangs across InfiniBand nodes). */
    setenv("OMPI_MCA_pml", "ob1", 0);
    /* One BLAS thread per rank: ranks fill the cores, results must not
     * depend on the thread count (DESIGN.md). */
    openblas_set_num_threads(1);
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    hs_sched_install_signals();
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    hs_err e = {0};
    int rc = hs_run(&o, MPI_COMM_WORLD, &e);
    int code = 0;
    if (rc) {
        if (rank == 0)
            code = hs_cli_fail(&e);
        else
            code = hs_err_exit_code(rc);
    }
    MPI_Finalize();
    return code;
}
