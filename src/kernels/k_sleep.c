/* Test kernel `sleep`: sleeps a given time (scaling benchmarks, interruption tests). */
#include <errno.h>
#include <time.h>

#include "hsweep/kernel.h"

static const hs_param_spec params[] = {
    {"seconds", HS_T_REAL, "0.01", 0, 86400, NULL, "s", "time to sleep"},
    {"x", HS_T_REAL, "0", -1e300, 1e300, NULL, "", "free axis for sweeps; echoed"},
};

static const hs_metric_spec metrics[] = {
    {"slept_s", "s", "the requested sleep"},
    {"x_echo", "", "the parameter x"},
};

static double cost(const hs_params *p) { return hs_param_real(p, "seconds"); }

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    double s = hs_param_real(p, "seconds");
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        if (hs_ctx_expired(ctx)) {
            hs_out_status(out, HS_ST_TIMEOUT, "deadline passed while sleeping");
            return 0;
        }
    }
    hs_out_set(out, "slept_s", s);
    hs_out_set(out, "x_echo", hs_param_real(p, "x"));
    return 0;
}

const hs_kernel hs_kernel_sleep = {
    .abi = HS_KERNEL_ABI,
    .name = "sleep",
    .summary = "test kernel: sleeps `seconds`",
    .doc = "A runner test kernel (not numeric): the ideal wall time of a sweep is known.",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .cost = cost,
    .run = run,
    .is_test = 1,
};
