/*
 * Test kernel `crash`: misbehaves on purpose (segfault, abort, exit, runs
 * out of memory, or hangs), for the crash-isolation tests.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hsweep/kernel.h"

static const hs_param_spec params[] = {
    {"mode", HS_T_STRING, "none", 0, 0, "none|segv|abort|exit|oom|hang", "",
     "how to misbehave (none: return normally)"},
    {"x", HS_T_REAL, "0", -1e300, 1e300, NULL, "", "free axis; echoed"},
    {"oom_mb", HS_T_INT, "4096", 1, 1e7, NULL, "MiB", "mode oom: how much memory to touch"},
    {"every", HS_T_INT, "1", 1, 1e9, NULL, "",
     "misbehave only when the integer part of x is a multiple of every (1: always)"},
};

static const hs_metric_spec metrics[] = {{"x_echo", "", "the parameter x"}};

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    const char *mode = hs_param_str(p, "mode");
    double x = hs_param_real(p, "x");
    hs_out_set(out, "x_echo", x);
    if (fmod(trunc(x), (double)hs_param_int(p, "every")) != 0)
        mode = "none";
    if (strcmp(mode, "segv") == 0) {
        raise(SIGSEGV);
    } else if (strcmp(mode, "abort") == 0) {
        abort();
    } else if (strcmp(mode, "exit") == 0) {
        exit(3);
    } else if (strcmp(mode, "oom") == 0) {
        size_t mb = (size_t)hs_param_int(p, "oom_mb");
        char *blocks[1 << 14];
        size_t n = 0;
        for (size_t i = 0; i < mb && n < sizeof blocks / sizeof blocks[0]; i++) {
            char *b = malloc(1 << 20);
            if (!b) {
                /* Out of address space: report it like a careful kernel would. */
                for (size_t j = 0; j < n; j++)
                    free(blocks[j]);
                hs_out_status(out, HS_ST_FAILED, "out of memory after %zu MiB", i);
                return -1;
            }
            memset(b, 1, 1 << 20);
            blocks[n++] = b;
        }
        for (size_t j = 0; j < n; j++)
            free(blocks[j]);
    } else if (strcmp(mode, "hang") == 0) {
        (void)ctx; /* ignores its deadline on purpose */
        for (;;)
            pause();
    }
    return 0;
}

const hs_kernel hs_kernel_crash = {
    .abi = HS_KERNEL_ABI,
    .name = "crash",
    .summary = "test kernel: segfaults, aborts, exits, exhausts memory or hangs on request",
    .doc = "A runner test kernel (not numeric) for crash isolation; run it with isolation = "
           "\"fork\" (the default): in-process its crashes take the worker down.",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .run = run,
    .is_test = 1,
};
