/*
 * Test kernel `nonfinite`: a "loss" trace that turns NaN at step `at_step`,
 * reported as status nonfinite with the step, as a numeric kernel must.
 */
#include <math.h>

#include "hsweep/kernel.h"

static const hs_param_spec params[] = {
    {"steps", HS_T_INT, "10", 1, 1e6, NULL, "", "length of the loss trace"},
    {"at_step", HS_T_INT, "5", -1, 1e6, NULL, "",
     "first step whose loss is NaN (-1 or >= steps: never)"},
};

static const hs_metric_spec metrics[] = {
    {"first_nonfinite", "step", "first step with a non-finite loss, -1 if none"},
    {"final_loss", "", "last loss value"},
};

static size_t loss_len(const hs_params *p) { return (size_t)hs_param_int(p, "steps"); }

static const hs_trace_spec traces[] = {{"loss", "", "1/(1+step), NaN from at_step on", loss_len}};

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    (void)ctx;
    long steps = (long)hs_param_int(p, "steps"), at = (long)hs_param_int(p, "at_step");
    double *loss = hs_out_trace(out, "loss", (size_t)steps);
    if (!loss)
        return -1;
    long first = -1;
    for (long i = 0; i < steps; i++) {
        loss[i] = (at >= 0 && i >= at) ? NAN : 1.0 / (1.0 + (double)i);
        if (first < 0 && !isfinite(loss[i]))
            first = i;
    }
    hs_out_set(out, "first_nonfinite", (double)first);
    hs_out_set(out, "final_loss", loss[steps - 1]);
    if (first >= 0)
        hs_out_status(out, HS_ST_NONFINITE, "loss became NaN at step %ld", first);
    return 0;
}

const hs_kernel hs_kernel_nonfinite = {
    .abi = HS_KERNEL_ABI,
    .name = "nonfinite",
    .summary = "test kernel: a loss that becomes NaN at a given step",
    .doc = "A runner test kernel (not numeric).",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .traces = traces,
    .n_traces = sizeof traces / sizeof traces[0],
    .run = run,
    .is_test = 1,
};
