/* hsweep diag FILE.csv: R-hat, bulk and tail ESS of one quantity's chains
 * (one column per chain, one row per draw), for chains from anywhere. */
#include <stdio.h>

#include "cli.h"
#include "hsweep/diag.h"

int hs_cmd_diag(int argc, char **argv)
{
    if (argc != 2)
        return hs_cli_usage("diag", "needs one CSV file (one column per chain, one row per draw)");
    char msg[1024];
    if (hs_diag_csv(argv[1], stdout, msg, sizeof msg) != 0) {
        fprintf(stderr, "hsweep: %s\n", msg);
        return 2;
    }
    return 0;
}
