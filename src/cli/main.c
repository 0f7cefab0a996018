/* hsweep: a distributed MPI parameter-sweep runner. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5.h>
#include <mpi.h>

#include "cli.h"
#include "hs_version.h"

/* submit parses its own options (cmd_submit.c); its entry in the overview: */
static const char submit_usage[] =
    "  submit SWEEP.cfg [-o FILE] [--nodes N] [--ntasks-per-node M] [--time T]\n"
    "                   [--partition P] [--account A] [--template requeue|srun|mpirun|FILE]\n"
    "                   [--launcher srun|mpirun] [--signal-offset S] [--collate \"ARGS\"]\n"
    "                   [--script FILE] [--dry-run] [--setup LINE] [--mpi PLUGIN] ...\n"
    "                   (hsweep submit --help lists every option)\n"
    "      Write a Slurm job script from slurm/ (by default one that requeues itself\n"
    "      at the time limit and resumes) and sbatch it; --dry-run prints it.\n";

static const hs_cli_spec *const specs[] = {&hs_cli_run,     &hs_cli_plan, &hs_cli_status,
                                           &hs_cli_kernels, &hs_cli_task, &hs_cli_collate,
                                           &hs_cli_report,  &hs_cli_diag};

static void print_usage(FILE *f)
{
    fputs("Usage: hsweep COMMAND [ARGS]\n"
          "  or:  hsweep COMMAND --help    (every option of COMMAND)\n"
          "  or:  hsweep --version\n"
          "A distributed MPI parameter-sweep runner.\n\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++)
        hs_cli_print_synopsis(specs[i], f);
    fputs(submit_usage, f);
    fputs("\n"
          "Options: --opt=value or --opt value; long options are written out in full;\n"
          "-- ends the options.\n"
          "\n"
          "Exit codes: 0 done, 1 runtime error, 2 bad input or usage, 3 stopped by a\n"
          "signal (the results file is intact and resumable); run: 4 tasks ended failed,\n"
          "timeout or crashed (or --halt stopped it); report: 4 a rule is violated,\n"
          "5 (--strict) a rule is incomplete; collate: 3 an empty table.\n",
          f);
}

/* Version, commit, and the MPI and HDF5 libraries (neither needs initialising for this). */
static int print_version(void)
{
    char mpi[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    if (MPI_Get_library_version(mpi, &len) != MPI_SUCCESS)
        len = snprintf(mpi, sizeof mpi, "unknown (MPI_Get_library_version failed)");
    while (len > 0 && (mpi[len - 1] == '\n' || mpi[len - 1] == ' ' || mpi[len - 1] == 0))
        len--;
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    printf("hsweep %s\ncommit %s\nMPI: %.*s\nHDF5: %u.%u.%u\n", HS_VERSION, HS_GIT_COMMIT, len, mpi,
           maj, min, rel);
    return 0;
}

int hs_cli_fail(const hs_err *e)
{
    fprintf(stderr, "hsweep: %s\n", e->msg);
    /* Where it went wrong inside hsweep: always for MPI, HDF5 and memory
     * failures, for the rest when HSWEEP_TRACE is set. */
    const char *want = getenv("HSWEEP_TRACE");
    if (e->code == HS_EMPI || e->code == HS_EHDF5 || e->code == HS_ENOMEM ||
        (want && *want && strcmp(want, "0") != 0)) {
        char trace[4096];
        if (*hs_err_trace(e, trace, sizeof trace))
            fprintf(stderr, "hsweep: trace:\n%s", trace);
    }
    return hs_err_exit_code(e->code);
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        (strcmp(argv[1], "help") == 0 && argc == 2)) {
        print_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
        return print_version();
    /* hsweep help CMD: as hsweep CMD --help */
    static char help_opt[] = "--help";
    char *help_argv[] = {argv[argc - 1], help_opt, NULL};
    int sub_argc = argc - 1;
    char **sub_argv = argv + 1;
    if (strcmp(argv[1], "help") == 0) {
        if (argc > 3)
            return hs_cli_usage("help", "one command only");
        sub_argc = 2;
        sub_argv = help_argv;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"run", hs_cmd_run},         {"plan", hs_cmd_plan}, {"status", hs_cmd_status},
                {"kernels", hs_cmd_kernels}, {"task", hs_cmd_task}, {"collate", hs_cmd_collate},
                {"report", hs_cmd_report},   {"diag", hs_cmd_diag}, {"submit", hs_cmd_submit}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(sub_argv[0], cmds[i].name) == 0)
            return cmds[i].fn(sub_argc, sub_argv);
    fprintf(stderr, "hsweep: unknown command '%s'\n\n", sub_argv[0]);
    print_usage(stderr);
    return 2;
}
