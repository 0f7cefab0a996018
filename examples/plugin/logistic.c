/*
 * An hsweep plug-in kernel: the logistic map x[n+1] = r x[n] (1 - x[n]) and
 * its Lyapunov exponent, lambda = mean over n of ln|r (1 - 2 x[n])| (Strogatz,
 * Nonlinear Dynamics and Chaos, 2nd ed., sec. 10.5).  For r < 3 the orbit
 * settles on x* = 1 - 1/r with lambda = ln|2 - r|; for 3 < r < 1 + sqrt(6) on
 * a 2-cycle; r = 4 is chaotic with lambda = ln 2.
 *
 * Build: see README.md.  The library needs nothing but include/hsweep/kernel.h;
 * hs_param_* and hs_out_* are resolved from the hsweep executable that loads it.
 */
#include <math.h>

#include "hsweep/kernel.h"

static const hs_param_spec params[] = {
    {"r", HS_T_REAL, NULL, 0.0, 4.0, NULL, "", "growth rate (required)"},
    {"x0", HS_T_REAL, "0.2", 0.0, 1.0, NULL, "", "initial value"},
    {"steps", HS_T_INT, "1000", 1, 1e7, NULL, "", "iterations after the burn-in (trace length)"},
    {"burn_in", HS_T_INT, "100", 0, 1e7, NULL, "", "iterations discarded first"},
};

static const hs_metric_spec metrics[] = {
    {"x_last", "", "x after burn_in + steps iterations"},
    {"lyapunov", "", "mean of ln|r (1 - 2 x)| over the recorded steps"},
};

static size_t orbit_len(const hs_params *p) { return (size_t)hs_param_int(p, "steps"); }

static const hs_trace_spec traces[] = {
    {"orbit", "", "x[burn_in + i], i = 0 .. steps-1", orbit_len},
};

static double cost(const hs_params *p)
{
    return 1e-8 * (double)(hs_param_int(p, "steps") + hs_param_int(p, "burn_in"));
}

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    double r = hs_param_real(p, "r"), x = hs_param_real(p, "x0");
    size_t steps = (size_t)hs_param_int(p, "steps");
    for (int64_t i = 0; i < hs_param_int(p, "burn_in"); i++)
        x = r * x * (1.0 - x);
    double *orbit = hs_out_trace(out, "orbit", steps);
    if (!orbit)
        return -1;
    double sum = 0.0;
    size_t n = 0;
    for (; n < steps && !hs_ctx_expired(ctx); n++) {
        orbit[n] = x;
        sum += log(fabs(r * (1.0 - 2.0 * x)));
        x = r * x * (1.0 - x);
    }
    hs_out_trace_len(out, "orbit", n);
    hs_out_set(out, "x_last", x);
    hs_out_set(out, "lyapunov", sum / (double)n);
    if (!isfinite(sum))
        hs_out_status(out, HS_ST_NONFINITE, "ln|r (1 - 2x)| = -inf: the orbit hit x = 1/2");
    return 0;
}

static const hs_kernel logistic = {
    .abi = HS_KERNEL_ABI,
    .name = "logistic",
    .summary = "logistic map orbit and Lyapunov exponent (example plug-in)",
    .doc = "x[n+1] = r x[n] (1 - x[n]); Strogatz, Nonlinear Dynamics and Chaos, sec. 10.5.",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .traces = traces,
    .n_traces = sizeof traces / sizeof traces[0],
    .cost = cost,
    .run = run,
};

/* The one symbol hsweep looks up (HS_PLUGIN_ENTRY). */
const hs_kernel *hs_plugin_kernel(void) { return &logistic; }
