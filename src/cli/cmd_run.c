/* hsweep run: MPI setup around hs_run. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hsweep/config.h"
#include "hsweep/sched.h"

#include <cblas.h>

enum { O_RESUME = 256, O_FORCE, O_REPAIR, O_OVERWRITE, O_RETRY_FAILED, O_MAX_TASKS, O_LOG_EVERY,
       O_REDUCED, O_ISOLATION, O_TIMEOUT, O_RETRIES, O_MEM_LIMIT, O_GRACE, O_LOGS, O_NO_LOGS };

static const hs_cli_opt run_opts[] = {
    {"output", 'o', "FILE", "results file (default: the sweep file's `output`,\n"
                            "else results/<name>.h5)"},
    {"resume", O_RESUME, NULL, "continue an existing results file: run its pending tasks"},
    {"force", O_FORCE, NULL, "with --resume: accept a changed sweep file whose tasks\n"
                             "are unchanged"},
    {"retry-failed", O_RETRY_FAILED, NULL, "with --resume: run failed, timeout and crashed rows again"},
    {"repair", O_REPAIR, NULL, "with --resume: run damaged rows again"},
    {"overwrite", O_OVERWRITE, NULL, "replace an existing results file"},
    {"reduced", O_REDUCED, NULL, "apply each sweep's `reduced = { ... };` (a quick rerun)"},
    {"max-tasks", O_MAX_TASKS, "N", "raise the expansion limit (default 10 million tasks)"},
    {"log-every", O_LOG_EVERY, "SECONDS", "seconds between progress lines when stderr is no\n"
                                          "terminal (default 10)"},
    {"quiet", 'q', NULL, "no progress output"},
    {"isolation", O_ISOLATION, "fork|none", "run single-rank tasks in a forked task process\n"
                                            "(fork, the default) or in the worker"},
    {"timeout", O_TIMEOUT, "SECONDS", "time limit per task for sweeps without timeout_s\n"
                                      "(0: none)"},
    {"retries", O_RETRIES, "N", "re-dispatches of a failed task for sweeps without retries"},
    {"mem-limit", O_MEM_LIMIT, "MB", "address-space limit per task for sweeps without\n"
                                     "mem_limit_mb (0: none)"},
    {"grace", O_GRACE, "SECONDS", "on a stop request, how long running tasks may finish\n"
                                  "(default 60)"},
    {"logs", O_LOGS, "DIR", "exec tasks' whole stdout and stderr in DIR/<sweep>/<task_id>.out\n"
                            "and .err (default: the results file's name, .h5 -> .logs)"},
    {"no-logs", O_NO_LOGS, NULL, "keep no exec task logs"},
    {0},
};

const hs_cli_spec hs_cli_run = {
    "run", "SWEEP.cfg",
    "Run the sweep file's tasks; under `mpiexec -n N` rank 0 coordinates.\n"
    "Exit 0 when every task has a result, 1 runtime error, 2 bad input or usage,\n"
    "3 stopped by SIGINT/SIGTERM/SIGUSR1 (the file is intact: --resume continues it).",
    run_opts};

/* Options into o: 0, or the exit code (2 a usage error, -1 help printed). */
static int parse_run(int argc, char **argv, hs_run_opts *o)
{
    hs_cli_parser p;
    hs_cli_begin(&p, &hs_cli_run, argc, argv);
    char *v;
    double x;
    for (int k; (k = hs_cli_next(&p, &v)) != HS_CLI_END;) {
        switch (k) {
        case HS_CLI_HELP:
            return -1;
        case HS_CLI_ERROR:
            return 2;
        case HS_CLI_ARG:
            if (o->sweep_path)
                return hs_cli_usage("run", "one sweep file only ('%s' and '%s')", o->sweep_path, v);
            o->sweep_path = v;
            break;
        case 'o':
            o->output = v;
            break;
        case O_RESUME:
            o->resume = 1;
            break;
        case O_REDUCED:
            o->reduced = 1;
            break;
        case O_FORCE:
            o->force = 1;
            break;
        case O_OVERWRITE:
            o->overwrite = 1;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case O_RETRY_FAILED:
            o->retry_failed = 1;
            break;
        case O_REPAIR:
            o->repair = 1;
            break;
        case O_LOGS:
            if (!*v)
                return hs_cli_usage("run", "--logs needs a directory");
            o->logs = v;
            break;
        case O_NO_LOGS:
            o->no_logs = 1;
            break;
        case O_ISOLATION:
            if (strcmp(v, "fork") != 0 && strcmp(v, "none") != 0)
                return hs_cli_usage("run", "--isolation needs fork or none");
            o->isolation = strcmp(v, "fork") == 0 ? HS_ISO_FORK : HS_ISO_NONE;
            break;
        case O_TIMEOUT:
        case O_RETRIES:
        case O_MEM_LIMIT:
        case O_GRACE: {
            char *end;
            x = strtod(v, &end);
            if (!*v || *end || !(x >= 0) || x > 1e12)
                return hs_cli_usage("run", "--%s needs a number >= 0, got '%s'", p.opt->name, v);
            if (k == O_TIMEOUT)
                o->timeout_s = x;
            else if (k == O_RETRIES)
                o->retries = (int)x;
            else if (k == O_MEM_LIMIT)
                o->mem_limit_mb = (long)x;
            else
                o->grace_s = x;
            break;
        }
        case O_MAX_TASKS:
        case O_LOG_EVERY: {
            char *end;
            x = strtod(v, &end);
            if (!*v || *end || !(x > 0))
                return hs_cli_usage("run", "--%s needs a positive number, got '%s'", p.opt->name, v);
            if (k == O_MAX_TASKS)
                o->max_tasks = (uint64_t)x;
            else
                o->log_every = x;
            break;
        }
        }
    }
    return 0;
}

int hs_cmd_run(int argc, char **argv)
{
    hs_run_opts o = {.isolation = HS_ISO_FORK, .grace_s = 60};
    int prc = parse_run(argc, argv, &o);
    if (prc)
        return prc < 0 ? 0 : prc;
    if (!o.sweep_path)
        return hs_cli_usage("run", "needs a sweep file");
    if ((o.force || o.retry_failed || o.repair) && !o.resume)
        return hs_cli_usage("run", "--force, --retry-failed and --repair go with --resume");
    if (o.resume && o.overwrite)
        return hs_cli_usage("run", "--resume and --overwrite exclude each other");
    if (o.logs && o.no_logs)
        return hs_cli_usage("run", "--logs and --no-logs exclude each other");
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
