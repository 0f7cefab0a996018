/*
 * Glue shared by kernels `vi` and `sgld`; see llc_kernel.h.
 */
#include "llc_kernel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/diag.h"

static hs_llc_target_config config_of(const hs_params *p)
{
    hs_llc_target_config c;
    memset(&c, 0, sizeof c);
    const char *k = hs_param_str(p, "target");
    c.kind = !strcmp(k, "mlp") ? HS_LLC_MLP : !strcmp(k, "rrr") ? HS_LLC_RRR : HS_LLC_QUADRATIC;
    c.n = (size_t)hs_param_int(p, "n");
    c.dim = (size_t)hs_param_int(p, "dim");
    c.h_min = hs_param_real(p, "h_min");
    c.h_max = hs_param_real(p, "h_max");
    int64_t hr = hs_param_int(p, "h_rank");
    c.h_rank = hr < 0 ? c.dim : (size_t)hr;
    c.h_linear = !strcmp(hs_param_str(p, "h_spacing"), "linear");
    c.rotate = hs_param_bool(p, "rotate");
    c.in_dim = (size_t)hs_param_int(p, "in_dim");
    c.width = (size_t)hs_param_int(p, "width");
    c.depth = (size_t)hs_param_int(p, "depth");
    c.out_dim = (size_t)hs_param_int(p, "out_dim");
    c.noise = hs_param_real(p, "noise");
    c.data_seed = (uint64_t)hs_param_int(p, "data_seed");
    c.fit_steps = (long)hs_param_int(p, "fit_steps");
    c.fit_lr = hs_param_real(p, "fit_lr");
    c.fit_tol = hs_param_real(p, "fit_tol");
    return c;
}

size_t hs_llck_dim(const hs_params *p)
{
    hs_llc_target_config c = config_of(p);
    return hs_llc_target_dim_for(&c);
}

int hs_llck_check(const hs_params *p, char *msg, size_t cap, const char **key)
{
    hs_llc_target_config c = config_of(p);
    if (c.kind == HS_LLC_QUADRATIC && c.h_rank > c.dim) {
        snprintf(msg, cap, "h_rank (%zu) must be <= dim (%zu)", c.h_rank, c.dim);
        *key = "h_rank";
        return -1;
    }
    if (c.kind == HS_LLC_QUADRATIC && c.h_min > c.h_max) {
        snprintf(msg, cap, "h_min (%g) must be <= h_max (%g)", c.h_min, c.h_max);
        *key = "h_min";
        return -1;
    }
    size_t d = hs_llc_target_dim_for(&c);
    if (d == 0 || d > 4000) {
        snprintf(msg, cap, "the %s target has d = %zu parameters; 1 <= d <= 4000 is supported",
                 hs_param_str(p, "target"), d);
        *key = c.kind == HS_LLC_QUADRATIC ? "dim" : "width";
        return -1;
    }
    return 0;
}

int hs_llck_target(const hs_params *p, uint64_t seed, hs_llc_target **t, hs_out *out)
{
    hs_llc_target_config c = config_of(p);
    char msg[256];
    if (hs_llc_target_create(&c, seed, t, msg, sizeof msg)) {
        hs_out_status(out, HS_ST_FAILED, "target: %s", msg);
        return -1;
    }
    return 0;
}

double hs_llck_target_cost(const hs_params *p)
{
    hs_llc_target_config c = config_of(p);
    double d = (double)hs_llc_target_dim_for(&c);
    if (c.kind == HS_LLC_QUADRATIC)
        return 1e-9 * d * d * d;
    /* full-batch gradient ≈ 8 flops per row and parameter at ~1 GFlop/s, plus d HVPs */
    return 8e-9 * (double)c.n * d * ((double)c.fit_steps + 3.0 * d);
}

size_t hs_llck_report(const hs_params *p, const hs_llc_target *t, const double *est, size_t chains,
                      const double *draws, size_t n, long first_nonfinite, hs_out *out)
{
    const double nbeta = hs_llc_nbeta((size_t)hs_param_int(p, "n"), hs_param_real(p, "beta0"));
    const double gamma = hs_param_real(p, "gamma");
    size_t ok = 0;
    double sum = 0, ss = 0;
    for (size_t c = 0; c < chains; c++)
        if (isfinite(est[c])) {
            ok++;
            sum += est[c];
        }
    const double mean = ok ? sum / (double)ok : NAN;
    for (size_t c = 0; c < chains; c++)
        if (isfinite(est[c]))
            ss += (est[c] - mean) * (est[c] - mean);
    const double exact = hs_llc_lambda_exact(t, nbeta, gamma);
    double hmin;
    hs_out_set(out, "lambda_hat", mean);
    hs_out_set(out, "lambda_hat_std", ok > 1 ? sqrt(ss / (double)(ok - 1)) : NAN);
    hs_out_set(out, "lambda_exact", exact);
    hs_out_set(out, "rel_error", fabs(mean - exact) / exact);
    hs_out_set(out, "lambda_laplace", hs_llc_lambda_laplace(t, nbeta, gamma, &hmin));
    hs_out_set(out, "hessian_min_eig", hmin);
    hs_out_set(out, "wstar_loss", hs_llc_target_wstar_loss(t));
    hs_out_set(out, "wstar_grad_norm", hs_llc_target_wstar_grad_norm(t));
    hs_out_set(out, "nbeta", nbeta);
    hs_out_set(out, "first_nonfinite", (double)first_nonfinite);
    hs_out_set(out, "chains_ok", (double)ok);
    /* R-hat over the chains whose draws are complete and finite */
    size_t full = 0;
    const size_t total = chains * n;
    double *buf = malloc((total ? total : 1) * sizeof *buf);
    if (buf) {
        for (size_t c = 0; c < chains; c++) {
            int good = isfinite(est[c]);
            for (size_t i = 0; i < n && good; i++)
                good = isfinite(draws[c * n + i]);
            if (good)
                memcpy(buf + full++ * n, draws + c * n, n * sizeof *buf);
        }
        hs_out_set(out, "r_hat", full >= 1 ? hs_diag_rhat(buf, n, full) : NAN);
        free(buf);
    }
    return ok;
}
