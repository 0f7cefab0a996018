/*
 * Test kernel `noop`: does (almost) nothing, for the runner's own tests and
 * dispatch benchmarks.  Its outputs are simple functions of its parameters
 * and seed, so tests know every expected value.
 */
#include <math.h>

#include "hsweep/kernel.h"
#include "hsweep/rng.h"

static const hs_param_spec params[] = {
    {"x", HS_T_REAL, "0", -1e300, 1e300, NULL, "", "echoed to metric x_echo"},
    {"k", HS_T_INT, "1", -1e9, 1e9, NULL, "", "metric xk = x * k"},
    {"label", HS_T_STRING, "a", 0, 0, NULL, "", "any string; its length goes to metric label_len"},
    {"flag", HS_T_BOOL, "false", 0, 0, NULL, "", "metric flag_val = 1 if true"},
    {"trace_len", HS_T_INT, "0", 0, 1e7, NULL, "", "length of trace ramp"},
};

static const hs_metric_spec metrics[] = {
    {"x_echo", "", "the parameter x"},
    {"xk", "", "x * k"},
    {"label_len", "chars", "length of label"},
    {"flag_val", "", "1 if flag else 0"},
    {"u", "", "first uniform(0,1) draw of the task's RNG (checks seed derivation)"},
};

static size_t ramp_len(const hs_params *p) { return (size_t)hs_param_int(p, "trace_len"); }

static const hs_trace_spec traces[] = {
    {"ramp", "", "ramp[i] = x + i", ramp_len},
};

static double cost(const hs_params *p)
{
    (void)p;
    return 1e-6;
}

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    double x = hs_param_real(p, "x");
    const char *label = hs_param_str(p, "label");
    size_t n = 0;
    while (label[n])
        n++;
    hs_rng rng;
    hs_rng_seed(&rng, ctx->seed);
    hs_out_set(out, "x_echo", x);
    hs_out_set(out, "xk", x * (double)hs_param_int(p, "k"));
    hs_out_set(out, "label_len", (double)n);
    hs_out_set(out, "flag_val", hs_param_bool(p, "flag") ? 1.0 : 0.0);
    hs_out_set(out, "u", hs_rng_uniform(&rng));
    size_t len = ramp_len(p);
    if (len) {
        double *r = hs_out_trace(out, "ramp", len);
        if (!r)
            return -1;
        for (size_t i = 0; i < len; i++)
            r[i] = x + (double)i;
    }
    return 0;
}

const hs_kernel hs_kernel_noop = {
    .abi = HS_KERNEL_ABI,
    .name = "noop",
    .summary = "test kernel: echoes its parameters, costs nothing",
    .doc = "A runner test kernel (not numeric): metrics are simple functions of the parameters "
           "and the task seed so that tests know every expected value.",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .traces = traces,
    .n_traces = sizeof traces / sizeof traces[0],
    .cost = cost,
    .run = run,
    .is_test = 1,
};
