/* hsweep plan: validate and expand without MPI or running anything. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hsweep/config.h"
#include "hsweep/cost.h"
#include "hsweep/store.h"
#include "hsweep/submit.h"

static void print_value_list(const hs_sweep *s, const hs_axis *a, size_t q)
{
    const hs_param_spec *spec = &s->kernel->params[a->param[q]];
    char buf[128];
    size_t show = a->n <= 8 ? a->n : 6;
    for (size_t j = 0; j < show; j++) {
        hs_value_format(spec, &a->values[j * a->n_params + q], buf, sizeof buf);
        printf("%s%s", j ? ", " : "", buf);
    }
    if (show < a->n) {
        hs_value_format(spec, &a->values[(a->n - 1) * a->n_params + q], buf, sizeof buf);
        printf(", ... , %s", buf);
    }
}

/* A sweep's cost: by the kernel's hints and by a fitted model (core-seconds). */
typedef struct sweep_cost {
    double hint_s, model_s;
    double max_hint_s, max_model_s; /* the longest task (wall seconds) */
} sweep_cost;

static void cost_of(const hs_sweep *s, const hs_cost_model *m, hs_value *v, sweep_cost *c)
{
    memset(c, 0, sizeof *c);
    double per_task = (double)s->n_seeds * s->ranks_per_task;
    for (uint64_t id = 0; id < s->n_tasks; id += s->n_seeds) { /* seeds share a hint */
        int64_t seed;
        uint64_t rs;
        hs_sweep_task(s, id, v, &seed, &rs);
        double h = hs_cost_hint(s->kernel, v), p = hs_cost_predict(m, h);
        c->hint_s += h * per_task;
        c->model_s += p * per_task;
        c->max_hint_s = h > c->max_hint_s ? h : c->max_hint_s;
        c->max_model_s = p > c->max_model_s ? p : c->max_model_s;
    }
}

/*
 * About how many bytes sweep s adds to the results file (it is allocated
 * whole when the run starts): per task its row of the tasks table (the fixed
 * columns of DESIGN.md's results file, the parameters, metrics and trace
 * lengths) and its NaN-padded trace rows, as wide as the longest task's.
 */
static double file_bytes(const hs_sweep *s, hs_value *v)
{
    const hs_kernel *k = s->kernel;
    double row = 3 * 8 + 1 + 2 * 4 + HS_HOST_LEN + 3 * 8 + HS_DETAIL_LEN + 4 /* crc32c */;
    for (size_t p = 0; p < k->n_params; p++)
        row += k->params[p].type == HS_T_STRING ? (double)s->str_width[p]
               : k->params[p].type == HS_T_BOOL ? 1
                                                : 8;
    row += 8.0 * (double)k->n_metrics + 4.0 * (double)k->n_traces;
    double width = 0;
    for (size_t t = 0; t < k->n_traces; t++) {
        size_t w = 0;
        for (uint64_t id = 0; id < s->n_tasks; id += s->n_seeds) {
            int64_t seed;
            uint64_t rs;
            hs_sweep_task(s, id, v, &seed, &rs);
            hs_params pr = {k, v};
            size_t n = k->traces[t].len(&pr);
            w = n > w ? n : w;
        }
        width += (double)w;
    }
    if (s->n_refine)
        row += 4; /* origin */
    return (double)(s->n_tasks + s->n_refine_rows) * (row + 8.0 * width);
}

static void print_bytes(const char *what, double b)
{
    static const char *const unit[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (b >= 1024 && u < 5) {
        b /= 1024;
        u++;
    }
    printf("%s%.*f %s", what, u ? 1 : 0, b, unit[u]);
}

/* What --calibrate FILE did for sweep s. */
static void print_calibration(const hs_sweep *s, const hs_cost_calib *c, const sweep_cost *sc,
                              const char *file)
{
    if (!c->found) {
        printf("  calibrated: no: %s has no sweep '%s' (the hint stands)\n", file, s->name);
    } else if (c->model.n == 0) {
        printf("  calibrated: no: %s has no finished task of '%s' that ran to the end (the hint "
               "stands)\n",
               file, s->name);
    } else {
        char model[96];
        hs_cost_format(&c->model, model, sizeof model);
        printf("  calibrated cost: %.3g core-seconds, %.3g x the hint; fitted to %zu finished "
               "task(s) of %s: %s\n",
               sc->model_s, sc->hint_s > 0 ? sc->model_s / sc->hint_s : 1.0, c->model.n, file,
               model);
    }
    if (c->n_other)
        printf("    (%llu failed, timed-out or crashed task(s) of %s not used)\n",
               (unsigned long long)c->n_other, file);
    if (c->n_pending)
        printf("    %s still has %llu pending task(s) of '%s': %.3g core-seconds calibrated, %.3g "
               "by the hint\n",
               file, (unsigned long long)c->n_pending, s->name, c->pending_model_s,
               c->pending_hint_s);
}

/*
 * The commands of an exec sweep's first n tasks as they will run: one line
 * each, `[cd WORKDIR &&] [env NAME=value ...] PROGRAM ARG...`, every word
 * quoted for a POSIX shell where it needs it (pasting the line runs the task).
 */
static void print_commands(const hs_sweep *s, hs_value *v, uint64_t n)
{
    printf("  commands:\n");
    for (uint64_t id = 0; id < s->n_tasks && id < n; id++) {
        int64_t seed;
        uint64_t rs;
        hs_exec_cmdline c;
        hs_sweep_task(s, id, v, &seed, &rs);
        if (hs_exec_command(s->exec, v, rs, seed, &c) != 0) {
            printf("    (out of memory)\n");
            return;
        }
        printf("    %llu: ", (unsigned long long)id);
        if (c.workdir) {
            printf("cd ");
            hs_cli_put_shell_word(c.workdir);
            printf(" && ");
        }
        if (c.n_env)
            printf("env ");
        for (size_t i = 0; i < c.n_env; i++) {
            hs_cli_put_shell_word(c.env[i]);
            putchar(' ');
        }
        for (size_t i = 0; i < c.argc; i++) {
            if (i)
                putchar(' ');
            hs_cli_put_shell_word(c.argv[i]);
        }
        putchar('\n');
        hs_exec_cmdline_free(&c);
    }
    if (s->n_tasks > n)
        printf("    ... %llu more\n", (unsigned long long)(s->n_tasks - n));
}

/*
 * Rules with their operator and right-hand side (a constant or a
 * reference group), and the claim they state.
 */
static void print_rules(const hs_sweep *s)
{
    for (size_t r = 0; r < s->n_rules; r++) {
        char buf[1024];
        hs_rule_text(&s->rules[r], buf, sizeof buf);
        printf("  expect (line %d): %s\n", s->rules[r].line, buf);
        if (s->rules[r].claim)
            printf("    claim: %s\n", s->rules[r].claim);
    }
}

/* Wall time and a Slurm --time on one node of `cores` ranks for the estimate est. */
static void print_time_advice(const hs_estimate *est, long cores, const char *by)
{
    double wall = hs_estimate_wall_s(est, 1, (int)cores);
    /* Half again as long as expected, at least 5 minutes: start-up, a slow
     * node, tasks that run longer than their model; a job that still hits the
     * limit requeues and resumes (hsweep submit's default template). */
    long limit = (long)ceil(fmax(1.5 * wall, 300) / 60) * 60;
    char t[32];
    hs_slurm_time_format(limit, t, sizeof t);
    printf(
        "node-hours: about %.3g on %ld-core nodes (rank 0 coordinates; %s); longest task %.3g s\n",
        wall / 3600.0, cores, by, est->max_task_s);
    printf(
        "time limit: --time %s for 1 node x %ld ranks (1.5 x %.3g s of wall time, at least 5 min)\n",
        t, cores, wall);
}

enum { O_ROWS = 256, O_MAX_TASKS, O_CORES, O_REDUCED, O_CALIBRATE, O_SHOW_COMMANDS };

static const hs_cli_opt plan_opts[] = {
    {"rows", O_ROWS, "N", "print the first N tasks of each sweep (default 10)"},
    {"max-tasks", O_MAX_TASKS, "N", "raise the expansion limit (default 10 million tasks)"},
    {"cores-per-node", O_CORES, "N",
     "cores of a node for the time advice (default: this\n"
     "machine's)"},
    {"reduced", O_REDUCED, NULL, "apply each sweep's `reduced = { ... };`"},
    {"calibrate", O_CALIBRATE, "FILE.h5", "correct the cost by the times of FILE's finished tasks"},
    {"show-commands", O_SHOW_COMMANDS, "N",
     "exec sweeps: the exact command of the first N tasks,\n"
     "each argument one shell word"},
    {0},
};

const hs_cli_spec hs_cli_plan = {
    "plan", "SWEEP.cfg",
    "Validate and expand without running: tasks, axes, first rows, cost.\n"
    "Exit 0 when the sweep file is valid, 2 when it is not (naming file, line and key).",
    plan_opts};

/* What `plan` was asked. */
typedef struct plan_args {
    const char *path, *calib_file;
    long rows, cores, show_cmds;
    hs_load_opts lo;
} plan_args;

/* The options into a; 0 to go on, else the exit code (-1: --help, exit 0). */
static int parse_args(int argc, char **argv, plan_args *a)
{
    hs_cli_parser p;
    hs_cli_begin(&p, &hs_cli_plan, argc, argv);
    char *v;
    double x;
    for (int k; (k = hs_cli_next(&p, &v)) != HS_CLI_END;) {
        if (k == HS_CLI_HELP || k == HS_CLI_ERROR)
            return k == HS_CLI_HELP ? -1 : 2;
        if (k == HS_CLI_ARG && a->path)
            return hs_cli_usage("plan", "one sweep file only");
        if (k == HS_CLI_ARG)
            a->path = v;
        else if (k == O_REDUCED)
            a->lo.reduced = 1;
        else if (k == O_CALIBRATE)
            a->calib_file = v;
        else if (hs_cli_number("plan", p.opt->name, v, k == O_ROWS || k == O_SHOW_COMMANDS ? 0 : 1,
                               1e18, &x) != 0)
            return 2;
        else if (k == O_SHOW_COMMANDS)
            a->show_cmds = (long)x;
        else if (k == O_ROWS)
            a->rows = (long)x;
        else if (k == O_CORES)
            a->cores = (long)x;
        else
            a->lo.max_tasks = (uint64_t)x;
    }
    if (!a->path)
        return hs_cli_usage("plan", "needs a sweep file");
    if (a->cores < 1)
        return hs_cli_usage("plan", "--cores-per-node needs a positive number");
    return 0;
}

/* Sums over the sweeps of a sweep file. */
typedef struct plan_totals {
    uint64_t tasks;
    size_t used; /* finished tasks the calibration used */
    double file_bytes;
    hs_estimate by_hint, by_model;
} plan_totals;

/* A sweep's heading: kernel, task count and how it factors, refinement, ranks, axes, seeds. */
static void print_sweep_head(const hs_sweep *s)
{
    const hs_kernel *k = s->kernel;
    printf("\nsweep %s  (kernel %s, line %d)\n", s->name, k->name, s->line);
    printf("  tasks: %llu = %zu case(s)", (unsigned long long)s->n_tasks, s->n_cases);
    for (size_t a = 0; a < s->n_axes; a++)
        printf(" x %zu", s->axes[a].n);
    printf(" x %zu seed(s)\n", s->n_seeds);
    if (s->n_refine)
        printf("  refinement: at most %llu more task(s) (rows preallocated; refine blocks: %zu)\n",
               (unsigned long long)s->n_refine_rows, s->n_refine);
    if (s->ranks_per_task > 1)
        printf("  ranks per task: %d\n", s->ranks_per_task);
    for (size_t a = 0; a < s->n_axes; a++) {
        const hs_axis *ax = &s->axes[a];
        printf("  %s %s", ax->is_zip ? "zip   " : "matrix", "");
        for (size_t q = 0; q < ax->n_params; q++) {
            printf("%s%s = [", q ? "; " : "", k->params[ax->param[q]].name);
            print_value_list(s, ax, q);
            printf("]");
        }
        printf("  (%zu values, line %d)\n", ax->n, ax->line);
    }
    printf("  seeds: [");
    for (size_t j = 0; j < s->n_seeds; j++)
        printf("%s%lld", j ? ", " : "", (long long)s->seeds[j]);
    printf("]\n");
}

/* The first `rows` tasks of s (v: room for the kernel's parameters, NULL: none printed). */
static void print_first_tasks(const hs_sweep *s, hs_value *v, long rows)
{
    const hs_kernel *k = s->kernel;
    const char *axes[HS_MAX_AXES * 4 + 2];
    size_t na = hs_sweep_axes(s, axes, sizeof axes / sizeof axes[0]);
    printf("  first tasks:\n    %8s %6s", "task_id", "seed");
    int col[HS_MAX_AXES * 4 + 2];
    for (size_t a = 0; a < na; a++) {
        col[a] = hs_kernel_param_index(k, axes[a]);
        if (col[a] >= 0)
            printf(" %14s", axes[a]);
    }
    printf("\n");
    for (uint64_t id = 0; v && id < s->n_tasks && (long)id < rows; id++) {
        int64_t seed;
        uint64_t rs;
        hs_sweep_task(s, id, v, &seed, &rs);
        printf("    %8llu %6lld", (unsigned long long)id, (long long)seed);
        for (size_t a = 0; a < na; a++) {
            if (col[a] < 0)
                continue;
            char buf[64];
            hs_value_format(&k->params[col[a]], &v[col[a]], buf, sizeof buf);
            printf(" %14s", buf);
        }
        printf("\n");
    }
    if (s->n_tasks > (uint64_t)rows)
        printf("    ... %llu more\n", (unsigned long long)(s->n_tasks - (uint64_t)rows));
}

/* One sweep's section (calibration c), its cost and size added to t. */
static void plan_sweep(const plan_args *a, const hs_sweep *s, const hs_cost_calib *c,
                       plan_totals *t)
{
    t->tasks += s->n_tasks;
    print_sweep_head(s);
    hs_value *v = calloc(s->kernel->n_params + 1, sizeof *v);
    sweep_cost sc = {0};
    if (v)
        cost_of(s, &c->model, v, &sc);
    t->by_hint.core_s += sc.hint_s;
    t->by_model.core_s += sc.model_s;
    t->by_hint.max_task_s = fmax(t->by_hint.max_task_s, sc.max_hint_s);
    t->by_model.max_task_s = fmax(t->by_model.max_task_s, sc.max_model_s);
    t->used += c->model.n;
    printf("  estimated cost: %.3g core-seconds (kernel's hint)\n", sc.hint_s);
    double bytes = v ? file_bytes(s, v) : 0;
    t->file_bytes += bytes;
    print_bytes("  results file: about ", bytes);
    printf("\n");
    if (a->calib_file)
        print_calibration(s, c, &sc, a->calib_file);
    print_first_tasks(s, v, a->rows);
    if (s->exec && a->show_cmds > 0 && v)
        print_commands(s, v, (uint64_t)a->show_cmds);
    print_rules(s);
    free(v);
}

/* The totals over the sweep file: tasks, cost, file size, and the time advice. */
static void print_totals(const plan_args *a, plan_totals *t)
{
    t->by_hint.n_tasks = t->by_model.n_tasks = t->tasks;
    printf(
        "\ntotal: %llu tasks, estimated %.3g core-seconds (%.3g core-hours) by the kernels' hints\n",
        (unsigned long long)t->tasks, t->by_hint.core_s, t->by_hint.core_s / 3600.0);
    print_bytes("results file: about ", t->file_bytes);
    printf(" (allocated when the run starts)\n");
    if (a->calib_file)
        printf(
            "calibrated: %.3g core-seconds (%.3g core-hours), %.3g x the hints, from %zu finished "
            "task(s) of %s\n",
            t->by_model.core_s, t->by_model.core_s / 3600.0,
            t->by_hint.core_s > 0 ? t->by_model.core_s / t->by_hint.core_s : 1.0, t->used,
            a->calib_file);
    /* One node, one rank per core: rank 0 coordinates, the others work. */
    print_time_advice(a->calib_file ? &t->by_model : &t->by_hint, a->cores,
                      a->calib_file ? "calibrated" : "kernels' hints");
}

int hs_cmd_plan(int argc, char **argv)
{
    plan_args a = {.rows = 10, .cores = sysconf(_SC_NPROCESSORS_ONLN)};
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? 0 : rc;
    hs_sweepset *set;
    hs_err e;
    if (hs_sweepset_load(a.path, &a.lo, &set, &e) != 0)
        return hs_cli_fail(&e);
    hs_cost_calib *calib = calloc(set->n_sweeps + 1, sizeof *calib);
    if (!calib || (a.calib_file && hs_cost_calibrate(set, a.calib_file, calib, &e) != 0)) {
        if (!calib)
            HS_FAIL(&e, HS_ENOMEM, "out of memory");
        free(calib);
        hs_sweepset_free(&set);
        return hs_cli_fail(&e);
    }
    plan_totals t = {0};
    printf("%s: valid; output %s%s\n", a.path, set->output,
           set->reduced ? " (reduced run: each sweep's `reduced` settings applied)" : "");
    for (size_t i = 0; i < set->n_sweeps; i++)
        plan_sweep(&a, &set->sweeps[i], &calib[i], &t);
    print_totals(&a, &t);
    hs_cost_calib_free(calib, set->n_sweeps);
    free(calib);
    hs_sweepset_free(&set);
    return 0;
}
