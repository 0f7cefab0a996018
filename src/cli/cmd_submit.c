/* hsweep submit: placeholder until its module lands. */
#include <stdio.h>

#include "cli.h"

int hs_cmd_submit(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "hsweep: hsweep submit (Slurm) is not built yet\n");
    return 2;
}
