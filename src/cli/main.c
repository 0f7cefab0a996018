/* hsweep: a distributed MPI parameter-sweep runner. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hs_version.h"

static const char usage[] =
    "usage: hsweep COMMAND [ARGS]\n"
    "\n"
    "  run SWEEP.cfg [-o FILE] [--resume [--force] [--repair]] [--overwrite] [--max-tasks N]\n"
    "                [--log-every SECONDS] [--quiet] [--reduced]\n"
    "      Run the sweep file's tasks; under `mpiexec -n N` rank 0 coordinates.\n"
    "      --reduced applies each sweep's `reduced = { ... };` (a quick rerun).\n"
    "  plan SWEEP.cfg [--rows N] [--max-tasks N] [--cores-per-node N] [--reduced]\n"
    "                 [--calibrate FILE.h5]\n"
    "      Validate and expand without running: tasks, axes, first rows, cost.\n"
    "      --calibrate corrects the cost by the times of FILE's finished tasks.\n"
    "  status FILE [--all]\n"
    "      Counts by status per sweep, and the tasks that did not end ok.\n"
    "  kernels [NAME]\n"
    "      The registered kernels; with NAME its parameter and output schema.\n"
    "  task KERNEL [key=value ...] [--seed N]\n"
    "  task --from FILE --id N [--sweep NAME] [--allow-plugin LIB]\n"
    "      Run one task in this process (no MPI) and print its result as JSON.\n"
    "  collate FILE [FILE...] [--sweep S] [--rows AXIS[,AXIS...]] [--cols AXIS]\n"
    "          --metric M[,M...] [--where COND]... [--format md|csv|tsv|json]\n"
    "          [--agg mean|median|std|min|max|count|frac_ok|meanstd]\n"
    "      Pivot metrics (or status counts) by axes, aggregated over seeds and the\n"
    "      remaining axes; several files of the same sweep are merged.\n"
    "  report FILE [FILE...] [--sweep S] [--format md|json] [--strict] [--full]\n"
    "      Each sweep's expect-rule verdicts, where they flip, then its groups\n"
    "      (40 at most without --full).  Exit 4 if a rule is violated; with\n"
    "      --strict, 5 if none is but one is incomplete or has no data.\n"
    "  diag FILE.csv\n"
    "      R-hat, bulk and tail ESS of chains from anywhere (one column per chain).\n"
    "  submit SWEEP.cfg [-o FILE] [--nodes N] [--ntasks-per-node M] [--time T]\n"
    "                   [--partition P] [--account A] [--template requeue|srun|mpirun|FILE]\n"
    "                   [--launcher srun|mpirun] [--signal-offset S] [--collate \"ARGS\"]\n"
    "                   [--script FILE] [--dry-run] [--setup LINE] [--mpi PLUGIN] ...\n"
    "                   (hsweep submit --help lists every option)\n"
    "      Write a Slurm job script from slurm/ (by default one that requeues itself\n"
    "      at the time limit and resumes) and sbatch it; --dry-run prints it.\n"
    "\n"
    "Exit codes: 0 done, 1 runtime error, 2 bad input or usage, 3 stopped by a\n"
    "signal (the results file is intact and resumable).\n";

int hs_cli_fail(const hs_err *e)
{
    fprintf(stderr, "hsweep: %s\n", e->msg);
    return hs_err_exit_code(e->code);
}

int hs_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "hsweep %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see hsweep --help)\n");
    va_end(ap);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("hsweep %s (%s)\n", HS_VERSION, HS_GIT_COMMIT);
        return 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {{"run", hs_cmd_run},         {"plan", hs_cmd_plan},       {"status", hs_cmd_status},
                {"kernels", hs_cmd_kernels}, {"task", hs_cmd_task},       {"collate", hs_cmd_collate},
                {"report", hs_cmd_report},   {"diag", hs_cmd_diag},       {"submit", hs_cmd_submit}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (strcmp(argv[1], cmds[i].name) == 0)
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "hsweep: unknown command '%s'\n\n%s", argv[1], usage);
    return 2;
}
