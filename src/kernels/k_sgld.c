/*
 * Kernel `sgld`: learning coefficient by stochastic-gradient Langevin
 * dynamics on the local posterior (devinterp style; src/numeric/llc_sgld.c),
 * `chains` chains from w*, R-hat and ESS across them.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/diag.h"
#include "hsweep/kernel.h"
#include "hsweep/llc.h"
#include "llc_kernel.h"

static const hs_param_spec params[] = {
    HS_LLC_TARGET_PARAMS{"epsilon", HS_T_REAL, "1e-3", 1e-15, 1e6, NULL, "",
                         "step ε (stable on a quadratic only if ε(nβh_max + γ) < 4)"},
    {"steps", HS_T_INT, "20000", 1, 1e9, NULL, "steps", "SGLD steps per chain, warmup included"},
    {"warmup", HS_T_INT, "1000", 0, 1e9, NULL, "steps", "steps before the first draw"},
    {"eval_every", HS_T_INT, "10", 1, 1e9, NULL, "steps", "a draw every this many steps"},
    {"chains", HS_T_INT, "4", 1, 256, NULL, "", "independent chains, all started at w*"},
};

static const hs_metric_spec metrics[] = {
    HS_LLC_COMMON_METRICS{"ess_bulk", "draws",
                          "bulk effective sample size of the λ draws across chains"},
    {"ess_tail", "draws", "tail effective sample size of the λ draws across chains"},
    {"mcse", "",
     "Monte Carlo standard error of lambda_hat: sd of the draws / √ESS of their mean "
     "(posterior::mcse_mean); the discretisation bias of ε is not in it"},
};

static hs_llc_sgld_config config_of(const hs_params *p)
{
    hs_llc_sgld_config c = {
        .epsilon = hs_param_real(p, "epsilon"),
        .steps = (long)hs_param_int(p, "steps"),
        .warmup = (long)hs_param_int(p, "warmup"),
        .eval_every = (long)hs_param_int(p, "eval_every"),
        .batch = (size_t)hs_param_int(p, "batch"),
        .nbeta = hs_llc_nbeta((size_t)hs_param_int(p, "n"), hs_param_real(p, "beta0")),
        .gamma = hs_param_real(p, "gamma"),
    };
    return c;
}

static size_t draws_len(const hs_params *p)
{
    hs_llc_sgld_config c = config_of(p);
    size_t n = hs_llc_sgld_ndraws(&c);
    return (size_t)hs_param_int(p, "chains") * (n ? n : 1);
}

static const hs_trace_spec traces[] = {
    {"lambda_t", "", "per-draw λ̂_t = nβ(L_n(w_t) − L_n(w*)) after warmup, chain-major", draws_len},
};

static double cost(const hs_params *p)
{
    hs_llc_sgld_config c = config_of(p);
    const double d = (double)hs_llck_dim(p), n = (double)hs_param_int(p, "n");
    const int quad = !strcmp(hs_param_str(p, "target"), "quadratic");
    const double rows = quad ? d : ((double)c.batch < n ? (double)c.batch : n);
    const double per_step = 5e-8 * d + 6e-9 * rows * d;
    const double per_draw = quad ? 2e-9 * d * d : 6e-9 * n * d;
    return hs_llck_target_cost(p) +
           (double)hs_param_int(p, "chains") *
               ((double)c.steps * per_step + (double)hs_llc_sgld_ndraws(&c) * per_draw);
}

static int check(const hs_params *p, char *msg, size_t cap, const char **key)
{
    return hs_llck_check(p, msg, cap, key);
}

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    const hs_llc_sgld_config cfg = config_of(p);
    const size_t chains = (size_t)hs_param_int(p, "chains"), n = hs_llc_sgld_ndraws(&cfg);
    if (n == 0) {
        hs_out_set(out, "trace_samples", 0);
        hs_out_status(out, HS_ST_FAILED,
                      "no draws: warmup (%ld) >= steps (%ld) leaves nothing to estimate λ from",
                      cfg.warmup, cfg.steps);
        return 0;
    }
    hs_llc_target *t = NULL;
    if (hs_llck_target(p, ctx->seed, &t, out))
        return 0;
    double *draws = hs_out_trace(out, "lambda_t", chains * n);
    double *est = malloc(chains * sizeof *est);
    if (!draws || !est) {
        hs_out_status(out, HS_ST_FAILED, "out of memory");
        goto done;
    }
    long first_nf = -1;
    size_t bad_chain = 0, written = 0, chains_run = 0;
    for (size_t c = 0; c < chains; c++) {
        est[c] = NAN;
        if (hs_ctx_expired(ctx))
            continue;
        hs_llc_sgld_result r;
        if (hs_llc_sgld_run(t, &cfg, ctx->seed, c, draws + c * n, &r)) {
            hs_out_status(out, HS_ST_FAILED, "sgld: out of memory in chain %zu", c);
            goto done;
        }
        chains_run++;
        written += r.n_draws;
        if (r.first_nonfinite >= 0 && (first_nf < 0 || r.first_nonfinite < first_nf)) {
            first_nf = r.first_nonfinite;
            bad_chain = c;
        }
        if (r.first_nonfinite < 0 && r.n_draws == n) {
            double s = 0;
            for (size_t i = 0; i < n; i++)
                s += draws[c * n + i];
            est[c] = s / (double)n;
        }
    }
    const size_t ok = hs_llck_report(p, t, est, chains, draws, n, first_nf, out);
    hs_out_set(out, "trace_samples", (double)written);
    if (ok == chains) {
        hs_out_set(out, "ess_bulk", hs_diag_ess_bulk(draws, n, chains));
        hs_out_set(out, "ess_tail", hs_diag_ess_tail(draws, n, chains));
        hs_out_set(out, "mcse", hs_diag_mcse_mean(draws, n, chains));
    }
    if (first_nf >= 0)
        hs_out_status(out, HS_ST_NONFINITE,
                      "chain %zu: non-finite state at step %ld (ε too large?); %zu of %zu chains "
                      "finished",
                      bad_chain, first_nf, ok, chains);
    else if (chains_run < chains)
        hs_out_status(out, HS_ST_TIMEOUT, "deadline passed after %zu of %zu chains", chains_run,
                      chains);
    else if (written == 0)
        hs_out_status(out, HS_ST_FAILED, "no λ draws were written");
done:
    hs_llc_target_destroy(&t);
    free(est);
    return 0;
}

const hs_kernel hs_kernel_sgld = {
    .abi = HS_KERNEL_ABI,
    .name = "sgld",
    .summary = "learning coefficient by SGLD on the localized posterior",
    .doc = "λ̂ = mean of nβ(L_n(w_t) − L_n(w*)) over SGLD draws (devinterp optim/sgmcmc.py: "
           "w <- w − ½ε[γ(w − w*) + nβĝ] + √ε ξ), on a quadratic (exact λ), a ReLU MLP or "
           "reduced-rank regression (Aoyagi & Watanabe 2005) target.",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .traces = traces,
    .n_traces = sizeof traces / sizeof traces[0],
    .cost = cost,
    .check = check,
    .run = run,
};
