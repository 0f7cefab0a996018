/* hsweep report: placeholder until its module lands. */
#include <stdio.h>

#include "cli.h"

int hs_cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "hsweep: hsweep report (decision rules) is not built yet\n");
    return 2;
}
