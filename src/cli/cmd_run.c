/* hsweep run: MPI setup around hs_sched_run. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hsweep/config.h"
#include "hsweep/mpi_util.h"
#include "hsweep/sched.h"
#include "hsweep/signals.h"

#include <cblas.h>

enum {
    O_RESUME = 256,
    O_FORCE,
    O_REPAIR,
    O_OVERWRITE,
    O_RETRY_FAILED,
    O_MAX_TASKS,
    O_LOG_EVERY,
    O_REDUCED,
    O_ISOLATION,
    O_TIMEOUT,
    O_RETRIES,
    O_MEM_LIMIT,
    O_GRACE,
    O_HALT,
    O_PROGRESS,
    O_LOGS,
    O_NO_LOGS,
    O_WRITERS
};

static const hs_cli_opt run_opts[] = {
    {"output", 'o', "FILE",
     "results file (default: the sweep file's `output`,\n"
     "else results/<name>.h5)"},
    {"resume", O_RESUME, NULL, "continue an existing results file: run its pending tasks"},
    {"force", O_FORCE, NULL,
     "with --resume: accept a changed sweep file whose tasks\n"
     "are unchanged"},
    {"retry-failed", O_RETRY_FAILED, NULL,
     "with --resume: run failed, timeout and crashed rows again"},
    {"repair", O_REPAIR, NULL, "with --resume: run damaged rows again"},
    {"overwrite", O_OVERWRITE, NULL, "replace an existing results file"},
    {"reduced", O_REDUCED, NULL, "apply each sweep's `reduced = { ... };` (a quick rerun)"},
    {"max-tasks", O_MAX_TASKS, "N", "raise the expansion limit (default 10 million tasks)"},
    {"log-every", O_LOG_EVERY, "SECONDS", "seconds between progress log lines (default 10)"},
    {"progress", O_PROGRESS, "auto|bar|log|none",
     "bar: one line rewritten in place; log: a line every\n"
     "--log-every seconds; auto (default): bar when hsweep (or\n"
     "mpiexec) was started on a terminal, else log"},
    {"quiet", 'q', NULL, "no output but errors (no progress)"},
    {"isolation", O_ISOLATION, "fork|none",
     "run single-rank tasks in a forked task process\n"
     "(fork, the default) or in the worker"},
    {"timeout", O_TIMEOUT, "SECONDS",
     "time limit per task for sweeps without timeout_s\n"
     "(0: none)"},
    {"retries", O_RETRIES, "N", "re-dispatches of a failed task for sweeps without retries"},
    {"mem-limit", O_MEM_LIMIT, "MB",
     "address-space limit per task for sweeps without\n"
     "mem_limit_mb (0: none)"},
    {"grace", O_GRACE, "SECONDS",
     "on a stop request, how long running tasks may finish\n"
     "(default 60)"},
    {"logs", O_LOGS, "DIR",
     "exec tasks' whole stdout and stderr in DIR/<sweep>/<task_id>.out\n"
     "and .err (default: the results file's name, .h5 -> .logs)"},
    {"no-logs", O_NO_LOGS, NULL, "keep no exec task logs"},
    {"writers", O_WRITERS, "node|rank",
     "who writes the rows: rank (default), each worker its own;\n"
     "node, one rank per node for the node's workers, in large\n"
     "blocks (it runs no tasks; not with ranks_per_task > 1)"},
    {"halt", O_HALT, "WHEN,fail=N|P%",
     "stop once N tasks (P% of those to run) failed, timed out\n"
     "or crashed: WHEN soon lets running tasks finish, now\n"
     "abandons them (they stay pending); never (default)"},
    {0},
};

const hs_cli_spec hs_cli_run = {
    "run", "SWEEP.cfg",
    "Run the sweep file's tasks; under `mpiexec -n N` rank 0 coordinates.\n"
    "Exit 0 when every task has a result and none failed, 1 runtime error, 2 bad\n"
    "input or usage, 3 stopped by SIGINT/SIGTERM/SIGUSR1 (the file is intact:\n"
    "--resume continues it), 4 some task ended failed, timeout or crashed, or\n"
    "--halt stopped the run.",
    run_opts};

/*
 * --halt's value as GNU parallel has it: never, soon,fail=N, now,fail=N,
 * soon,fail=P%, now,fail=P% (and its short forms 0, 1, 2, P%).  0 or a
 * usage error's 2.
 */
static int parse_halt(const char *v, hs_run_opts *o)
{
    const char *spec = strcmp(v, "0") == 0   ? "never"
                       : strcmp(v, "1") == 0 ? "soon,fail=1"
                       : strcmp(v, "2") == 0 ? "now,fail=1"
                                             : v;
    if (strcmp(spec, "never") == 0) {
        o->halt = HS_HALT_NEVER;
        return 0;
    }
    const char *n = spec;
    if (strncmp(spec, "soon,fail=", 10) == 0 || strncmp(spec, "now,fail=", 9) == 0) {
        o->halt = spec[1] == 'o' && spec[2] == 'o' ? HS_HALT_SOON : HS_HALT_NOW;
        n = strchr(spec, '=') + 1;
    } else {
        o->halt = HS_HALT_SOON; /* P% alone */
    }
    char *end;
    double x = strtod(n, &end);
    o->halt_pct = *end == '%';
    if (n == end || end[o->halt_pct] || !(x > 0) ||
        (o->halt_pct ? x > 100 : x != floor(x) || x > 1e15) || (n == spec && !o->halt_pct))
        return hs_cli_usage("run",
                            "--halt needs never, soon,fail=N, now,fail=N, soon,fail=P%% or "
                            "now,fail=P%% (N a count >= 1, P a percentage in (0, 100]), got '%s'",
                            v);
    o->halt_fail = x;
    return 0;
}

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
        case O_HALT:
            if (parse_halt(v, o) != 0)
                return 2;
            break;
        case O_PROGRESS: {
            static const char *const modes[] = {"auto", "bar", "log", "none"};
            int m = 0;
            while (m < 4 && strcmp(v, modes[m]) != 0)
                m++;
            if (m == 4)
                return hs_cli_usage("run", "--progress needs auto, bar, log or none, got '%s'", v);
            o->progress = m; /* HS_PROGRESS_* in this order */
            break;
        }
        case O_WRITERS:
            if (strcmp(v, "node") != 0 && strcmp(v, "rank") != 0)
                return hs_cli_usage("run", "--writers needs node or rank, got '%s'", v);
            o->writers = strcmp(v, "node") == 0 ? HS_WRITERS_NODE : HS_WRITERS_RANK;
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
                return hs_cli_usage("run", "--%s needs a positive number, got '%s'", p.opt->name,
                                    v);
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

/*
 * --progress auto: a bar when the terminal hsweep was started from shows it,
 * else log lines.  Under Open MPI's mpiexec rank 0's stderr is a pipe to
 * mpiexec (and its stdout a pseudo-terminal whatever mpiexec writes to), so
 * rank 0 looks at the stderr of its parent, mpiexec on the same node.
 */
static int progress_auto(void)
{
    if (isatty(2))
        return HS_PROGRESS_BAR;
    if (getenv("OMPI_COMM_WORLD_RANK")) {
        char fd[64], target[256];
        snprintf(fd, sizeof fd, "/proc/%ld/fd/2", (long)getppid());
        ssize_t n = readlink(fd, target, sizeof target - 1);
        target[n > 0 ? n : 0] = 0;
        if (strncmp(target, "/dev/pts/", 9) == 0 || strncmp(target, "/dev/tty", 8) == 0)
            return HS_PROGRESS_BAR;
    }
    return HS_PROGRESS_LOG;
}

/* This process's rank as its launcher set it, before MPI_Init (0 when there is none). */
static int launch_rank(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK",
                                       "SLURM_PROCID"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return atoi(v);
    }
    return 0;
}

int hs_cmd_run(int argc, char **argv)
{
    hs_run_opts o = {.isolation = HS_ISO_FORK, .grace_s = 60, .writers_flush_s = 1.0};
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
    const char *flush = getenv("HSWEEP_WRITERS_FLUSH_S");
    if (o.writers == HS_WRITERS_NODE && flush && *flush) {
        char *end;
        o.writers_flush_s = strtod(flush, &end);
        if (*end || !isfinite(o.writers_flush_s) || o.writers_flush_s < 0)
            return hs_cli_usage(
                "run", "HSWEEP_WRITERS_FLUSH_S needs a number of seconds >= 0, got '%s'", flush);
    }
    /* What one process can judge is judged before MPI starts: the sweep file
     * (syntax, keys, values, the kernels' checks).  Every rank reads the same
     * file with the same options and reaches the same verdict, so on bad input
     * every rank exits 2 and MPI is never started: no MPI_Finalize after an
     * error, where Open MPI sometimes crashed (exit 139).  Rank 0 says why; the
     * others exit a little later, so that rank 0 is the first to exit (a
     * launcher ends the job at the first process that exits non-zero, and
     * would cut rank 0 off before it writes the message). */
    hs_load_opts lo = {.max_tasks = o.max_tasks, .reduced = o.reduced};
    hs_sweepset *set = NULL;
    hs_err e = {0};
    if (hs_sweepset_load(o.sweep_path, &lo, &set, &e) != 0) {
        hs_sweepset_free(&set);
        if (launch_rank() == 0)
            return hs_cli_fail(&e);
        sleep(2);
        return hs_err_exit_code(e.code);
    }
    hs_sweepset_free(&set);
    if (o.progress == HS_PROGRESS_AUTO)
        o.progress = progress_auto();
    /* ROMIO rather than ompio for MPI-IO: ompio is known slow/buggy under
     * HDF5 (REFERENCES.md).  A user's own setting wins.  These two are
     * advice: where setenv fails, Open MPI's defaults are used. */
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
    int provided, rank = 0;
    if (MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "hsweep: MPI_Init_thread failed\n");
        return 1;
    }
    /* Failed MPI calls return codes, so that the error names the call. */
    int rc = hs_mpi_errors_return(MPI_COMM_WORLD, &e);
    if (rc == 0)
        rc = hs_signals_install(&e);
    if (rc == 0)
        rc = HS_MPI_CHECK(&e, MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    if (rc == 0)
        rc = hs_sched_run(&o, MPI_COMM_WORLD, &e);
    int code = 0;
    if (rc) {
        if (rank == 0 ||
            rc == HS_EMPI) /* a worker's own MPI failure: rank 0 may never hear of it */
            code = hs_cli_fail(&e);
        else
            code = hs_err_exit_code(rc);
    }
    /* After a failed MPI call other ranks may wait for this one forever. */
    if (rc == HS_EMPI)
        MPI_Abort(MPI_COMM_WORLD, code);
    if (MPI_Finalize() != MPI_SUCCESS && code == 0) {
        fprintf(stderr, "hsweep: MPI_Finalize failed\n");
        code = 1;
    }
    return code;
}
