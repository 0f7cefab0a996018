/* Test kernel `fail`: returns an error with a message (or succeeds when fail = false). */
#include "hsweep/kernel.h"

static const hs_param_spec params[] = {
    {"fail", HS_T_BOOL, "true", 0, 0, NULL, "", "fail if true, succeed otherwise"},
    {"message", HS_T_STRING, "requested failure", 0, 0, NULL, "", "the failure's detail text"},
    {"x", HS_T_REAL, "0", -1e300, 1e300, NULL, "", "free axis for sweeps; echoed"},
};

static const hs_metric_spec metrics[] = {{"x_echo", "", "the parameter x (set before failing)"}};

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    (void)ctx;
    hs_out_set(out, "x_echo", hs_param_real(p, "x"));
    if (hs_param_bool(p, "fail")) {
        hs_out_status(out, HS_ST_FAILED, "%s", hs_param_str(p, "message"));
        return -1;
    }
    return 0;
}

const hs_kernel hs_kernel_fail = {
    .abi = HS_KERNEL_ABI,
    .name = "fail",
    .summary = "test kernel: fails with a message",
    .doc = "A runner test kernel (not numeric).",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .run = run,
    .is_test = 1,
};
