/* hsweep diag: placeholder until its module lands. */
#include <stdio.h>

#include "cli.h"

int hs_cmd_diag(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "hsweep: hsweep diag is not built yet\n");
    return 2;
}
