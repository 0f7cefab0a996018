/* hsweep report: the verdicts of each sweep's expect rules, then its groups. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hsweep/collate.h"

enum { O_SWEEP = 256, O_FORMAT, O_STRICT, O_FULL };

static const hs_cli_opt report_opts[] = {
    {"sweep", O_SWEEP, "S", "only this sweep"},
    {"format", O_FORMAT, "md|json", "output format (default md)"},
    {"strict", O_STRICT, NULL,
     "exit 5 when no rule is violated but one is incomplete or\n"
     "has no data"},
    {"full", O_FULL, NULL, "every group (default: 40 at most)"},
    {0},
};

const hs_cli_spec hs_cli_report = {
    "report", "FILE.h5 [FILE.h5...]",
    "Each sweep's expect-rule verdicts, where they flip, then its groups.\n"
    "Exit 0 if no rule is violated, 4 if one is; with --strict, 5 if none is but one\n"
    "is incomplete or has no data; 1 if the report could not be made, 2 bad input.",
    report_opts};

int hs_cmd_report(int argc, char **argv)
{
    hs_report_opts o = {0};
    int strict = 0, rc = 0;
    /* argv outlives the call: the file list points into it. */
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    if (!files)
        return hs_cli_usage("report", "out of memory");
    o.files = files;
    hs_cli_parser p;
    hs_cli_begin(&p, &hs_cli_report, argc, argv);
    char *v;
    for (int k; rc == 0 && (k = hs_cli_next(&p, &v)) != HS_CLI_END;) {
        if (k == O_STRICT)
            strict = 1;
        else if (k == O_FULL)
            o.full = 1;
        else if (k == O_SWEEP)
            o.sweep = v;
        else if (k == O_FORMAT)
            o.format = v;
        else if (k == HS_CLI_ARG)
            files[o.n_files++] = v;
        else
            rc = k == HS_CLI_HELP ? -1 : 2;
    }
    if (rc < 0) {
        free(files);
        return 0;
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
