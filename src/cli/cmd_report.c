/* hsweep report: the verdicts of each sweep's expect rules, then its groups. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hsweep/collate.h"

/*
 * Exit code: 0 if no rule is violated, 4 if one is; with --strict, 5 if
 * none is violated but one is incomplete or has no data; 1 if the report
 * could not be made, 2 for bad usage or input.
 */
int hs_cmd_report(int argc, char **argv)
{
    hs_report_opts o = {0};
    int strict = 0, rc = 0;
    /* argv outlives the call: the file list points into it. */
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    if (!files)
        return hs_cli_usage("report", "out of memory");
    o.files = files;
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--strict") == 0) {
            strict = 1;
        } else if (strcmp(a, "--full") == 0) {
            o.full = 1;
        } else if (strcmp(a, "--sweep") == 0 || strcmp(a, "--format") == 0) {
            if (++i >= argc)
                rc = hs_cli_usage("report", "%s needs a value", a);
            else if (a[2] == 's')
                o.sweep = argv[i];
            else
                o.format = argv[i];
        } else if (a[0] == '-') {
            rc = hs_cli_usage("report", "unknown option '%s'", a);
        } else {
            files[o.n_files++] = a;
        }
    }
    if (rc == 0 && o.n_files == 0)
        rc = hs_cli_usage("report", "needs a results file");
    hs_err e;
    hs_report_summary s;
    if (rc == 0 && hs_report(&o, stdout, &s, &e) != 0)
        rc = hs_cli_fail(&e);
    else if (rc == 0 && s.violated)
        rc = 4;
    else if (rc == 0 && strict && (s.incomplete || s.no_data))
        rc = 5;
    free(files);
    return rc;
}
