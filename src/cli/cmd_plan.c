/* hsweep plan: validate and expand without MPI or running anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hsweep/config.h"
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

int hs_cmd_plan(int argc, char **argv)
{
    const char *path = NULL;
    long rows = 10, cores = sysconf(_SC_NPROCESSORS_ONLN);
    hs_load_opts lo = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            rows = atol(argv[++i]);
        else if (strcmp(argv[i], "--cores-per-node") == 0 && i + 1 < argc)
            cores = atol(argv[++i]);
        else if (strcmp(argv[i], "--reduced") == 0)
            lo.reduced = 1;
        else if (strcmp(argv[i], "--max-tasks") == 0 && i + 1 < argc)
            lo.max_tasks = strtoull(argv[++i], NULL, 10);
        else if (argv[i][0] == '-')
            return hs_cli_usage("plan", "unknown option '%s'", argv[i]);
        else if (!path)
            path = argv[i];
        else
            return hs_cli_usage("plan", "one sweep file only");
    }
    if (!path)
        return hs_cli_usage("plan", "needs a sweep file");
    if (cores < 1)
        return hs_cli_usage("plan", "--cores-per-node needs a positive number");
    hs_sweepset *set;
    hs_err e;
    if (hs_sweepset_load(path, &lo, &set, &e) != 0)
        return hs_cli_fail(&e);
    uint64_t total = 0;
    double total_cost = 0;
    printf("%s: valid; output %s%s\n", path, set->output,
           set->reduced ? " (reduced run: each sweep's `reduced` settings applied)" : "");
    for (size_t i = 0; i < set->n_sweeps; i++) {
        const hs_sweep *s = &set->sweeps[i];
        const hs_kernel *k = s->kernel;
        total += s->n_tasks;
        printf("\nsweep %s  (kernel %s, line %d)\n", s->name, k->name, s->line);
        printf("  tasks: %llu = %zu case(s)", (unsigned long long)s->n_tasks, s->n_cases);
        for (size_t a = 0; a < s->n_axes; a++)
            printf(" x %zu", s->axes[a].n);
        printf(" x %zu seed(s)\n", s->n_seeds);
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
        /* Cost: the kernel's hint, once per parameter set (seeds share it). */
        hs_value *v = calloc(k->n_params + 1, sizeof *v);
        double cost = 0;
        for (uint64_t id = 0; v && id < s->n_tasks; id += s->n_seeds) {
            int64_t seed;
            uint64_t rs;
            hs_sweep_task(s, id, v, &seed, &rs);
            hs_params p = {k, v};
            cost += (k->cost ? k->cost(&p) : 1e-3) * (double)s->n_seeds * s->ranks_per_task;
        }
        total_cost += cost;
        printf("  estimated cost: %.3g core-seconds (kernel's hint)\n", cost);
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
        for (size_t r = 0; r < s->n_rules; r++)
            printf("  expect: %s%s%s %s %g\n", s->rules[r].when_text ? "when " : "",
                   s->rules[r].when_text ? s->rules[r].when_text : "", s->rules[r].when_text ? ": " : "",
                   s->rules[r].metric, s->rules[r].value);
        free(v);
    }
    printf("\ntotal: %llu tasks, estimated %.3g core-seconds (%.3g core-hours)\n",
           (unsigned long long)total, total_cost, total_cost / 3600.0);
    /* One node, one rank per core: rank 0 coordinates, the others work. */
    hs_estimate est;
    hs_estimate_sweepset(set, &est);
    double wall = hs_estimate_wall_s(&est, 1, (int)cores);
    printf("node-hours: about %.3g on %ld-core nodes (rank 0 coordinates); longest task %.3g s\n",
           wall / 3600.0, cores, est.max_task_s);
    hs_sweepset_free(&set);
    return 0;
}
