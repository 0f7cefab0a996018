/* hsweep collate: pivot tables of a results file. */
#include <string.h>

#include "cli.h"
#include "hsweep/collate.h"

int hs_cmd_collate(int argc, char **argv)
{
    hs_collate_opts o = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = strcmp(a, "--sweep") == 0    ? &o.sweep
                            : strcmp(a, "--rows") == 0   ? &o.rows
                            : strcmp(a, "--cols") == 0   ? &o.cols
                            : strcmp(a, "--metric") == 0 ? &o.metric
                            : strcmp(a, "--agg") == 0    ? &o.agg
                            : strcmp(a, "--format") == 0 ? &o.format
                                                         : NULL;
        if (slot) {
            if (++i >= argc)
                return hs_cli_usage("collate", "%s needs a value", a);
            *slot = argv[i];
        } else if (a[0] == '-') {
            return hs_cli_usage("collate", "unknown option '%s'", a);
        } else if (!o.file) {
            o.file = a;
        } else {
            return hs_cli_usage("collate", "one results file only");
        }
    }
    if (!o.file)
        return hs_cli_usage("collate", "needs a results file");
    hs_err e;
    if (hs_collate(&o, stdout, &e) != 0)
        return hs_cli_fail(&e);
    return 0;
}
