/*
 * Test kernel `step`: metrics that flip at known places, for testing the
 * refinement of an axis (sweep key `refine`).  y is a step (width = 0) or a
 * logistic sigmoid of width `width` centred at `loc` along x; bump is 1 on
 * [loc, loc2] and from loc3 on, 0 elsewhere (up to three flips); yn steps from 0 to 1 at the
 * integer n >= nloc.  Every value is a closed form of the parameters (the
 * seed is not used), so the flip points are known exactly.
 */
#include <math.h>
#include <time.h>

#include "hsweep/kernel.h"

static const hs_param_spec params[] = {
    {"x", HS_T_REAL, "0", -1e300, 1e300, NULL, "", "position along the real axis"},
    {"n", HS_T_INT, "0", -1e15, 1e15, NULL, "", "position along the integer axis"},
    {"loc", HS_T_REAL, "0.5", -1e300, 1e300, NULL, "", "where y and bump rise"},
    {"loc2", HS_T_REAL, "1e300", -1e300, 1e300, NULL, "", "where bump falls back to 0"},
    {"loc3", HS_T_REAL, "1e300", -1e300, 1e300, NULL, "", "where bump rises again"},
    {"nloc", HS_T_INT, "10", -1e15, 1e15, NULL, "", "first n with yn = 1"},
    {"width", HS_T_REAL, "0", 0, 1e300, NULL, "", "0: y is a step; > 0: logistic of this width"},
    {"sleep_ms", HS_T_REAL, "0", 0, 1e6, NULL, "ms", "time each task sleeps (benchmarks)"},
};

static const hs_metric_spec metrics[] = {
    {"y", "", "step or logistic of (x - loc) / width, in [0, 1]"},
    {"bump", "", "1 if loc <= x <= loc2 or x >= loc3, else 0"},
    {"yn", "", "1 if n >= nloc, else 0"},
};

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    (void)ctx;
    double x = hs_param_real(p, "x"), loc = hs_param_real(p, "loc"),
           loc2 = hs_param_real(p, "loc2"), loc3 = hs_param_real(p, "loc3"),
           w = hs_param_real(p, "width");
    double ms = hs_param_real(p, "sleep_ms");
    if (ms > 0) {
        struct timespec ts = {(time_t)(ms / 1000), (long)(fmod(ms, 1000.0) * 1e6)};
        nanosleep(&ts, NULL);
    }
    hs_out_set(out, "y", w > 0 ? 1.0 / (1.0 + exp(-(x - loc) / w)) : (x >= loc ? 1.0 : 0.0));
    hs_out_set(out, "bump", (x >= loc && x <= loc2) || x >= loc3 ? 1.0 : 0.0);
    hs_out_set(out, "yn", hs_param_int(p, "n") >= hs_param_int(p, "nloc") ? 1.0 : 0.0);
    return 0;
}

const hs_kernel hs_kernel_step = {
    .abi = HS_KERNEL_ABI,
    .name = "step",
    .summary = "test kernel: metrics that flip at known axis values",
    .doc = "A runner test kernel (not numeric).",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .run = run,
    .is_test = 1,
};
