/* hsweep diag FILE.csv: R-hat, bulk and tail ESS of one quantity's chains
 * (one column per chain, one row per draw), for chains from anywhere. */
#include <stdio.h>

#include "cli.h"
#include "hsweep/diag.h"

static const hs_cli_opt diag_opts[] = {{0}};

const hs_cli_spec hs_cli_diag = {
    "diag", "FILE.csv",
    "R-hat, bulk and tail ESS of chains from anywhere (one column per chain).\n"
    "One row per draw, a header line of chain names.  Exit 2 on a malformed file or\n"
    "a non-finite draw (naming file and line).",
    diag_opts};

int hs_cmd_diag(int argc, char **argv)
{
    const char *file = NULL;
    hs_cli_parser p;
    hs_cli_begin(&p, &hs_cli_diag, argc, argv);
    char *v;
    for (int k; (k = hs_cli_next(&p, &v)) != HS_CLI_END;) {
        if (k == HS_CLI_HELP || k == HS_CLI_ERROR)
            return k == HS_CLI_HELP ? 0 : 2;
        if (file)
            return hs_cli_usage("diag", "one CSV file only ('%s' and '%s')", file, v);
        file = v;
    }
    if (!file)
        return hs_cli_usage("diag", "needs one CSV file (one column per chain, one row per draw)");
    char msg[1024];
    if (hs_diag_csv(file, stdout, msg, sizeof msg) != 0) {
        fprintf(stderr, "hsweep: %s\n", msg);
        return 2;
    }
    return 0;
}
