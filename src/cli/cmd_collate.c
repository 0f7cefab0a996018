/*
 * hsweep collate: pivot tables of one or more results files of the same
 * sweep(s).  Exit 0 with a table, 3 when the table is empty (the warnings
 * on stderr say which --where condition matched nothing), 2 bad input.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hsweep/collate.h"

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
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        const char **slot = strcmp(a, "--sweep") == 0    ? &o.sweep
                            : strcmp(a, "--rows") == 0   ? &o.rows
                            : strcmp(a, "--cols") == 0   ? &o.cols
                            : strcmp(a, "--agg") == 0    ? &o.agg
                            : strcmp(a, "--contrast") == 0 ? &o.contrast
                            : strcmp(a, "--format") == 0 ? &o.format
                            : strcmp(a, "--metric") == 0 ? &metrics[o.n_metrics]
                            : strcmp(a, "--where") == 0  ? &where[o.n_where]
                                                         : NULL;
        if (slot) {
            if (++i >= argc) {
                rc = hs_cli_usage("collate", "%s needs a value", a);
                break;
            }
            *slot = argv[i];
            o.n_metrics += slot == &metrics[o.n_metrics];
            o.n_where += slot == &where[o.n_where];
        } else if (a[0] == '-') {
            rc = hs_cli_usage("collate", "unknown option '%s'", a);
        } else {
            files[o.n_files++] = a;
        }
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
