/* hsweep kernels [NAME]: the registry and each kernel's schema. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "hsweep/exec.h"
#include "hsweep/task.h"

static const char *type_name(hs_type t)
{
    static const char *const n[] = {"int", "real", "bool", "string"};
    return n[t];
}

static void print_schema(const hs_kernel *k)
{
    printf("kernel %s%s: %s\n", k->name, k->is_test ? " (test kernel)" : "", k->summary);
    if (k->doc)
        printf("\n%s\n", k->doc);
    if (k->gang)
        printf("\nRuns on a gang of ranks when the sweep sets ranks_per_task > 1.\n");
    printf("\nparameters:\n");
    for (size_t i = 0; i < k->n_params; i++) {
        const hs_param_spec *p = &k->params[i];
        char range[128] = "";
        if (p->type == HS_T_INT || p->type == HS_T_REAL)
            snprintf(range, sizeof range, "[%g, %g]", p->min, p->max);
        else if (p->type == HS_T_STRING && p->choices)
            snprintf(range, sizeof range, "%s", p->choices);
        printf("  %-18s %-6s default %-10s %-22s %-6s %s\n", p->name, type_name(p->type),
               p->def ? p->def : "(required)", range, p->unit && *p->unit ? p->unit : "-",
               p->doc ? p->doc : "");
    }
    printf("\nmetrics (float64 columns of the task table):\n");
    for (size_t i = 0; i < k->n_metrics; i++)
        printf("  %-22s %-8s %s\n", k->metrics[i].name,
               k->metrics[i].unit && *k->metrics[i].unit ? k->metrics[i].unit : "-",
               k->metrics[i].doc ? k->metrics[i].doc : "");
    printf("\ntraces (float64 rows, NaN-padded; length in <name>_len):\n");
    if (!k->n_traces)
        printf("  (none)\n");
    for (size_t i = 0; i < k->n_traces; i++)
        printf("  %-22s %-8s %s\n", k->traces[i].name,
               k->traces[i].unit && *k->traces[i].unit ? k->traces[i].unit : "-",
               k->traces[i].doc ? k->traces[i].doc : "");
}

/* kernel = "exec": its keys, as the sweep file declares its schema. */
static void print_exec(void)
{
    printf("kernel exec: runs the sweep's command once per task and reads its results from "
           "stdout\n\nkeys of the sweep:\n");
    for (const hs_exec_key_doc *d = hs_exec_key_docs; d->key; d++) {
        printf("  %-9s %-28s ", d->key, d->example);
        for (const char *c = d->doc; *c; c++)
            if (*c == '\n')
                printf("\n%41s", "");
            else
                putchar(*c);
        printf("\n");
    }
    printf("\n%s", hs_exec_doc_text);
}

static const hs_cli_opt kernels_opts[] = {{0}};

const hs_cli_spec hs_cli_kernels = {
    "kernels", "[NAME]", "The registered kernels; with NAME its parameter and output schema.",
    kernels_opts};

int hs_cmd_kernels(int argc, char **argv)
{
    const char *name = NULL;
    hs_cli_parser p;
    hs_cli_begin(&p, &hs_cli_kernels, argc, argv);
    char *v;
    for (int k; (k = hs_cli_next(&p, &v)) != HS_CLI_END;) {
        if (k == HS_CLI_HELP || k == HS_CLI_ERROR)
            return k == HS_CLI_HELP ? 0 : 2;
        if (name)
            return hs_cli_usage("kernels", "at most one kernel name");
        name = v;
    }
    if (name && strcmp(name, "exec") == 0) {
        print_exec();
        return 0;
    }
    if (name) {
        const hs_kernel *k = hs_kernel_find(name);
        if (!k) {
            fprintf(stderr, "hsweep: unknown kernel '%s' (hsweep kernels lists them)\n", name);
            return 2;
        }
        print_schema(k);
        return 0;
    }
    for (int test = 0; test < 2; test++) {
        printf(test ? "\ntest kernels (for hsweep's own tests and benchmarks):\n" : "kernels:\n");
        for (size_t i = 0; hs_builtin_kernels[i]; i++)
            if (hs_builtin_kernels[i]->is_test == test)
                printf("  %-12s %s\n", hs_builtin_kernels[i]->name, hs_builtin_kernels[i]->summary);
        if (!test)
            printf("  %-12s %s\n", "exec",
                   "your own program, once per task: its schema is declared "
                   "in the sweep (hsweep kernels exec)");
    }
    return 0;
}
