/*
 * hsweep collate: pivot tables of one or more results files of the same
 * sweep(s).  Exit 0 with a table, 3 when the table is empty (the warnings
 * on stderr say which --where condition matched nothing), 2 bad input.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hsweep/collate.h"

enum { O_SWEEP = 256, O_ROWS, O_COLS, O_METRIC, O_WHERE, O_CONTRAST, O_AGG, O_FORMAT };

static const hs_cli_opt collate_opts[] = {
    {"sweep", O_SWEEP, "S[,S...]", "the sweep(s); several are put side by side"},
    {"rows", O_ROWS, "AXIS[,AXIS...]", "row axes (default: every axis but seed and the others)"},
    {"cols", O_COLS, "AXIS[,AXIS...]", "column axes"},
    {"metric", O_METRIC, "M[,M...]",
     "metrics (repeatable); also wall_s, peak_rss_kb,\n"
     "frac_ok, status"},
    {"where", O_WHERE, "COND", "e.g. \"T>=200\"; repeatable, all must hold"},
    {"contrast", O_CONTRAST, "A=a-b", "each cell: the aggregate at A=a minus (A=a/b: over) A=b"},
    {"agg", O_AGG, "mean|median|std|min|max|sum|count|frac_ok|meanstd",
     "the aggregate of a cell (default mean; meanstd: mean±std)"},
    {"format", O_FORMAT, "md|csv|tsv|json|long-csv|long-tsv", "output format (default md)"},
    {0},
};

const hs_cli_spec hs_cli_collate = {
    "collate", "FILE.h5 [FILE.h5...]",
    "Pivot metrics (or status counts) by axes, aggregated over seeds.\n"
    "Cells aggregate over seeds and the remaining axes; several files of the same\n"
    "sweep are merged.  Exit 0 with a table, 3 when the table is empty (stderr says\n"
    "why), 2 bad input or usage.",
    collate_opts};

int hs_cmd_collate(int argc, char **argv)
{
    hs_collate_opts o = {.notes = stderr, .warnings = stderr};
    /* argv outlives the call: the lists point into it. */
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    const char **metrics = calloc((size_t)argc + 1, sizeof *metrics);
    const char **where = calloc((size_t)argc + 1, sizeof *where);
    if (!files || !metrics || !where) {
        free(files);
        free(metrics);
        free(where);
        return hs_cli_usage("collate", "out of memory");
    }
    o.files = files;
    o.metrics = metrics;
    o.where = where;
    int rc = 0;
    hs_cli_parser p;
    hs_cli_begin(&p, &hs_cli_collate, argc, argv);
    char *v;
    for (int k; rc == 0 && (k = hs_cli_next(&p, &v)) != HS_CLI_END;) {
        const char **slot = k == O_SWEEP      ? &o.sweep
                            : k == O_ROWS     ? &o.rows
                            : k == O_COLS     ? &o.cols
                            : k == O_AGG      ? &o.agg
                            : k == O_CONTRAST ? &o.contrast
                            : k == O_FORMAT   ? &o.format
                            : k == O_METRIC   ? &metrics[o.n_metrics++]
                            : k == O_WHERE    ? &where[o.n_where++]
                            : k == HS_CLI_ARG ? &files[o.n_files++]
                                              : NULL;
        if (slot)
            *slot = v;
        else
            rc = k == HS_CLI_HELP ? -1 : 2;
    }
    if (rc < 0) {
        free(files);
        free(metrics);
        free(where);
        return 0;
    }
    if (rc == 0 && o.n_files == 0)
        rc = hs_cli_usage("collate", "needs a results file");
    hs_err e;
    size_t n_cells = 0;
    if (rc == 0 && hs_collate(&o, stdout, &n_cells, &e) != 0)
        rc = hs_cli_fail(&e);
    else if (rc == 0 && n_cells == 0)
        rc = 3;
    free(files);
    free(metrics);
    free(where);
    return rc;
}
