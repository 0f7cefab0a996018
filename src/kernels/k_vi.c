/*
 * Kernel `vi`: learning coefficient by a variational fit of the local
 * posterior with a mixture of factor analyzers (seed 000's estimator, with
 * its sign and entropy-path problems corrected; derivation in
 * src/numeric/llc_vi.c), over `chains` independent fits.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/kernel.h"
#include "hsweep/llc.h"
#include "llc_kernel.h"

static const hs_param_spec params[] = {
    HS_LLC_TARGET_PARAMS{
        "family", HS_T_STRING, "mfa", 0, 0, "mfa|gaussian", "",
        "mfa: the seeds' mixture of factor analyzers with its clamps (biased on rotated or "
        "singular targets); gaussian: one full-covariance Gaussian, no clamps, exact on "
        "quadratic targets"},
    {"estimator", HS_T_STRING, "mean", 0, 0, "mean|mala", "",
     "mean: λ̂ = nβ·E_q[L_n − L_n(w*)] over eval_samples draws of the fitted q (biased where "
     "q cannot match the local posterior: rrr, mlp at small γ); mala (family gaussian): a "
     "Metropolis-adjusted Langevin chain per fit on the local posterior itself, started at a "
     "draw of q and preconditioned by q's covariance factor, λ̂ = nβ·mean(L_n − L_n(w*)) over "
     "its kept steps (exact up to Monte-Carlo error; see hsweep/llc.h)"},
    {"mala_steps", HS_T_INT, "20000", 2, 1e8, NULL, "steps",
     "estimator mala: steps per chain, full-batch L_n (warmup included)"},
    {"mala_warmup", HS_T_INT, "5000", 1, 1e8, NULL, "steps",
     "estimator mala: first steps that adapt the step size towards acceptance 0.574 and are "
     "discarded"},
    {"precondition", HS_T_STRING, "laplace", 0, 0, "laplace|none", "",
     "gaussian: laplace = covariance P·N·diag(e^ℓ)·(…)ᵀ with P the factor of (nβH + γI)⁻¹ "
     "(the fit starts at the Laplace approximation); none = P = I (starts at N(w*, I))"},
    {"components", HS_T_INT, "8", 1, 64, NULL, "", "mfa: mixture components M"},
    {"factor_rank", HS_T_INT, "2", 1, 64, NULL, "",
     "mfa: factor rank r of each component (the issue's `rank`: that name is the runner's "
     "MPI-rank column)"},
    {"ridge", HS_T_REAL, "1e-5", 0, 1, NULL, "",
     "mfa: Cholesky ridge: C_m = (1 + ridge)·I + A_mᵀA_m (the seed's knob: 1e-6 -> 1e-4)"},
    {"max_norm", HS_T_REAL, "10", 1e-6, 1e30, NULL, "",
     "mfa: every column of A_m is scaled to norm <= max_norm after each step (seed: 10 -> 3)"},
    {"dsqrt_min", HS_T_REAL, "1e-4", 1e-30, 1e30, NULL, "",
     "mfa: lower clip of D_sqrt = softplus(ρ)"},
    {"dsqrt_max", HS_T_REAL, "1e2", 1e-30, 1e30, NULL, "", "mfa: upper clip of D_sqrt"},
    {"clip", HS_T_REAL, "5", 1e-12, 1e30, NULL, "", "global gradient-norm clip"},
    {"lr", HS_T_REAL, "0.01", 1e-12, 1e30, NULL, "",
     "Adam learning rate (seed 001: 0.005 at γ 1e-3 and 0.1, 0.001 at γ 1; gaussian with "
     "laplace: 1e-3, Adam's jitter around the optimum grows with lr)"},
    {"steps", HS_T_INT, "20000", 1, 1e8, NULL, "steps",
     "most ELBO ascent steps per chain (the fit stops earlier at the ELBO plateau)"},
    {"window", HS_T_INT, "2000", 2, 1e8, NULL, "steps",
     "plateau rule: a block of `window` steps is flat if its mean single-draw ELBO exceeds "
     "the previous block's by at most elbo_tol + 2 standard errors; the fit stops after two "
     "consecutive flat blocks (derivation in src/numeric/llc_vi.c)"},
    {"elbo_tol", HS_T_REAL, "1e-3", 0, 1e30, NULL, "nats",
     "plateau rule: ELBO gain per block still counted as a plateau"},
    {"eval_samples", HS_T_INT, "64", 2, 1e7, NULL, "draws", "draws of q for λ̂ per chain"},
    {"chains", HS_T_INT, "4", 1, 256, NULL, "", "independent fits (R-hat across them)"},
    {"precision", HS_T_STRING, "f64", 0, 0, "f32|f64", "",
     "arithmetic of the fit and of the λ draws (the control variate's Hessian terms are f64)"},
    {"trace_every", HS_T_INT, "1", 1, 1e8, NULL, "steps",
     "record the per-step traces every this many steps"},
};

static const hs_metric_spec metrics[] = {
    HS_LLC_COMMON_METRICS{
        "lambda_hat_cv", "",
        "λ̂ with the control variate ½δᵀHδ and its exact mean under q (NaN for estimator mala, "
        "whose draws are not from q)"},
    {"rel_error_cv", "", "|lambda_hat_cv − lambda_exact| / lambda_exact"},
    {"variance_reduction", "",
     "variance of the plain λ draws / variance of the control-variated ones (pooled over "
     "chains; +inf if the latter is exactly 0; ~1e29 on quadratic, where only rounding is "
     "left)"},
    {"elbo_final", "",
     "mean single-draw ELBO over each chain's last complete `window` block, mean over chains"},
    {"converged", "",
     "1 if every chain stopped at the ELBO plateau, 0 if some chain ran all `steps` (detail "
     "says which)"},
    {"steps_done", "steps", "ascent steps run, mean over chains"},
    {"mala_accept", "",
     "estimator mala: mean Metropolis acceptance probability over the kept steps, mean over "
     "chains (NaN for mean)"},
    {"mala_step", "",
     "estimator mala: adapted step h in q's whitened coordinates, mean over "
     "chains (NaN for mean)"},
    {"c_min_eig", "", "mfa: smallest eigenvalue of any C_m over the run (at traced steps)"},
    {"ridge_used", "", "mfa: largest Cholesky ridge the factorisations actually needed"},
};

static size_t per_chain(const hs_params *p)
{
    int64_t s = hs_param_int(p, "steps"), e = hs_param_int(p, "trace_every");
    return (size_t)((s + e - 1) / e);
}

static size_t step_len(const hs_params *p)
{
    return (size_t)hs_param_int(p, "chains") * per_chain(p);
}

static size_t draws_len(const hs_params *p)
{
    return (size_t)(hs_param_int(p, "chains") * hs_param_int(p, "eval_samples"));
}

#define STEP_DOC(what) what "; chain-major: entry c·T + k is step k·trace_every of chain c"
static const hs_trace_spec traces[] = {
    {"elbo", "nats", STEP_DOC("single-draw ELBO estimate (minibatch; log p̃ shifted by nβL_n(w*))"),
     step_len},
    {"lambda", "", STEP_DOC("single-draw nβ(L_B(w) − L_n(w*)) of the step's draw"), step_len},
    {"grad_norm", "", STEP_DOC("global gradient norm before clipping"), step_len},
    {"dsqrt_min", "", STEP_DOC("min of D_sqrt (gaussian: of e^ℓ)"), step_len},
    {"dsqrt_max", "", STEP_DOC("max of D_sqrt (gaussian: of e^ℓ)"), step_len},
    {"acol_min", "",
     STEP_DOC("min column norm over all A_m (gaussian: of N·diag(e^ℓ), whitened by P)"), step_len},
    {"acol_max", "", STEP_DOC("max column norm over all A_m (gaussian: as acol_min)"), step_len},
    {"pi_min", "", STEP_DOC("min mixture weight"), step_len},
    {"pi_max", "", STEP_DOC("max mixture weight"), step_len},
    {"lambda_draws", "",
     "nβ(L_n(w_s) − L_n(w*)) for the eval_samples draws of each fitted q, chain-major "
     "(estimator mala: eval_samples states of each chain, evenly spaced over its kept steps)",
     draws_len},
};
#define N_STEP_TRACES 9

static double cost(const hs_params *p)
{
    const double d = (double)hs_llck_dim(p), M = (double)hs_param_int(p, "components");
    const double r = (double)hs_param_int(p, "factor_rank");
    double rows = (double)hs_param_int(p, "batch"), n = (double)hs_param_int(p, "n");
    rows = strcmp(hs_param_str(p, "target"), "quadratic") ? (rows < n ? rows : n) : d;
    const double fam = strcmp(hs_param_str(p, "family"), "mfa") ? 3.0 * d * d : M * d * r * 3.0;
    const double per_step = 1e-6 + 4e-9 * (fam + rows * d * 3.0);
    const double mala =
        strcmp(hs_param_str(p, "estimator"), "mala")
            ? 0.0
            : (double)hs_param_int(p, "mala_steps") *
                  (8e-9 * d * (strcmp(hs_param_str(p, "target"), "quadratic") ? n : d) +
                   4e-9 * d * d);
    return hs_llck_target_cost(p) +
           (double)hs_param_int(p, "chains") *
               ((double)hs_param_int(p, "steps") * per_step + mala +
                (double)hs_param_int(p, "eval_samples") * (rows * d * 4e-9 + d * d * 2e-9));
}

static int check(const hs_params *p, char *msg, size_t cap, const char **key)
{
    if (strcmp(hs_param_str(p, "estimator"), "mala"))
        return hs_llck_check(p, msg, cap, key);
    if (strcmp(hs_param_str(p, "family"), "gaussian")) {
        snprintf(msg, cap,
                 "estimator = \"mala\" needs family = \"gaussian\" (its covariance "
                 "factor preconditions the chain)");
        *key = "estimator";
        return -1;
    }
    const int64_t kept = hs_param_int(p, "mala_steps") - hs_param_int(p, "mala_warmup");
    if (kept < hs_param_int(p, "eval_samples")) {
        snprintf(msg, cap,
                 "mala_steps − mala_warmup = %lld kept steps, fewer than "
                 "eval_samples = %lld draws to record",
                 (long long)kept, (long long)hs_param_int(p, "eval_samples"));
        *key = "mala_warmup";
        return -1;
    }
    return hs_llck_check(p, msg, cap, key);
}

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    hs_llc_target *t = NULL;
    if (hs_llck_target(p, ctx->seed, &t, out))
        return 0;
    const size_t chains = (size_t)hs_param_int(p, "chains"), T = per_chain(p);
    const size_t S = (size_t)hs_param_int(p, "eval_samples");
    hs_llc_vi_config cfg = {
        .family = strcmp(hs_param_str(p, "family"), "mfa") ? HS_LLC_VI_GAUSSIAN : HS_LLC_VI_MFA,
        .laplace_precondition = !strcmp(hs_param_str(p, "precondition"), "laplace"),
        .window = (long)hs_param_int(p, "window"),
        .elbo_tol = hs_param_real(p, "elbo_tol"),
        .components = (size_t)hs_param_int(p, "components"),
        .rank = (size_t)hs_param_int(p, "factor_rank"),
        .ridge = hs_param_real(p, "ridge"),
        .max_norm = hs_param_real(p, "max_norm"),
        .dsqrt_min = hs_param_real(p, "dsqrt_min"),
        .dsqrt_max = hs_param_real(p, "dsqrt_max"),
        .clip = hs_param_real(p, "clip"),
        .lr = hs_param_real(p, "lr"),
        .steps = (long)hs_param_int(p, "steps"),
        .eval_samples = S,
        .batch = (size_t)hs_param_int(p, "batch"),
        .nbeta = hs_llc_nbeta((size_t)hs_param_int(p, "n"), hs_param_real(p, "beta0")),
        .gamma = hs_param_real(p, "gamma"),
        .use_f32 = !strcmp(hs_param_str(p, "precision"), "f32"),
        .trace_every = (long)hs_param_int(p, "trace_every"),
    };
    const int mala = !strcmp(hs_param_str(p, "estimator"), "mala");
    const hs_llc_mala_config mcfg = {
        .steps = (long)hs_param_int(p, "mala_steps"),
        .warmup = (long)hs_param_int(p, "mala_warmup"),
        .n_draws = S,
        .accept_target = 0.574,
        .nbeta = cfg.nbeta,
        .gamma = cfg.gamma,
    };
    const size_t d = hs_llc_target_dim(t);
    hs_llc_vi *vi = NULL;
    char msg[256];
    double *est = calloc(chains, sizeof *est), *est_cv = calloc(chains, sizeof *est_cv);
    double *C = mala ? malloc(d * d * sizeof *C) : NULL, macc = 0, mstep = 0;
    double *step[N_STEP_TRACES];
    for (size_t k = 0; k < N_STEP_TRACES; k++)
        step[k] = hs_out_trace(out, traces[k].name, chains * T);
    double *draws = hs_out_trace(out, "lambda_draws", chains * S);
    if (!est || !est_cv || !draws || (mala && !C)) {
        hs_out_status(out, HS_ST_FAILED, "out of memory");
        goto done;
    }
    if (hs_llc_vi_create(t, &cfg, &vi, msg, sizeof msg)) {
        hs_out_status(out, HS_ST_FAILED, "vi: %s", msg);
        goto done;
    }
    long first_nf = -1;
    size_t bad_chain = 0, written = 0, chains_run = 0, unconverged = 0, first_unconv = 0;
    int bad_in_mala = 0;
    double vplain = 0, vcv = 0, elbo = 0, cmin = INFINITY, ridge = 0, steps_done = 0;
    for (size_t c = 0; c < chains; c++) {
        est[c] = est_cv[c] = NAN;
        if (hs_ctx_expired(ctx))
            continue;
        hs_llc_vi_trace tr;
        double **f[N_STEP_TRACES] = {&tr.elbo,      &tr.lambda,    &tr.grad_norm,
                                     &tr.dsqrt_min, &tr.dsqrt_max, &tr.acol_min,
                                     &tr.acol_max,  &tr.pi_min,    &tr.pi_max};
        for (size_t k = 0; k < N_STEP_TRACES; k++)
            *f[k] = step[k] ? step[k] + c * T : NULL;
        hs_llc_vi_result r;
        if (hs_llc_vi_run(vi, ctx->seed, c, &tr, draws + c * S, &r)) {
            hs_out_status(out, HS_ST_FAILED, "vi: out of memory in chain %zu", c);
            goto done;
        }
        chains_run++;
        steps_done += (double)r.steps_done;
        if (!r.converged && r.first_nonfinite < 0 && unconverged++ == 0)
            first_unconv = c;
        cmin = fmin(cmin, r.c_min_eig);
        ridge = fmax(ridge, r.ridge_used);
        if (r.first_nonfinite >= 0 && (first_nf < 0 || r.first_nonfinite < first_nf)) {
            first_nf = r.first_nonfinite;
            bad_chain = c;
            bad_in_mala = 0;
        }
        if (mala && r.n_draws == S) {
            /* the chain's own stream: fits use streams 0..chains−1 */
            hs_llc_mala_result mr;
            hs_llc_vi_factor(vi, C);
            if (hs_llc_mala_run(t, &mcfg, C, ctx->seed, (1ull << 32) + c, draws + c * S, &mr)) {
                hs_out_status(out, HS_ST_FAILED, "vi: mala: out of memory in chain %zu", c);
                goto done;
            }
            if (mr.first_nonfinite >= 0) {
                /* no draws of p: the chain's slots hold NaN, not q's draws */
                for (size_t i = 0; i < S; i++)
                    draws[c * S + i] = NAN;
                r.first_nonfinite = r.steps_done + mr.first_nonfinite;
                r.n_draws = 0;
                if (first_nf < 0 || r.first_nonfinite < first_nf) {
                    first_nf = r.first_nonfinite;
                    bad_chain = c;
                    bad_in_mala = 1;
                }
            } else {
                macc += mr.accept;
                mstep += mr.step;
            }
            r.lambda_hat = mr.lambda_mean;
            r.lambda_cv = r.var_plain = r.var_cv = NAN;
        }
        written += r.n_draws;
        if (r.n_draws == S) {
            est[c] = r.lambda_hat;
            est_cv[c] = r.lambda_cv;
            vplain += r.var_plain;
            vcv += r.var_cv;
            elbo += r.elbo_final;
        }
    }
    const size_t ok = hs_llck_report(p, t, est, chains, draws, S, first_nf, out);
    double scv = 0;
    for (size_t c = 0; c < chains; c++)
        if (isfinite(est[c]))
            scv += est_cv[c];
    const double exact = hs_llc_lambda_exact(t, cfg.nbeta, cfg.gamma);
    hs_out_set(out, "lambda_hat_cv", ok ? scv / (double)ok : NAN);
    hs_out_set(out, "rel_error_cv", ok ? fabs(scv / (double)ok - exact) / exact : NAN);
    hs_out_set(out, "variance_reduction", !ok || mala ? NAN : vcv > 0 ? vplain / vcv : INFINITY);
    hs_out_set(out, "elbo_final", ok ? elbo / (double)ok : NAN);
    hs_out_set(out, "converged", chains_run && !unconverged && first_nf < 0 ? 1.0 : 0.0);
    hs_out_set(out, "steps_done", chains_run ? steps_done / (double)chains_run : NAN);
    hs_out_set(out, "mala_accept", mala && ok ? macc / (double)ok : NAN);
    hs_out_set(out, "mala_step", mala && ok ? mstep / (double)ok : NAN);
    hs_out_set(out, "c_min_eig", cfg.family == HS_LLC_VI_MFA ? cmin : NAN);
    hs_out_set(out, "ridge_used", ridge);
    hs_out_set(out, "trace_samples", (double)written);
    if (first_nf >= 0 && bad_in_mala)
        hs_out_status(out, HS_ST_NONFINITE,
                      "chain %zu: mala: non-finite log density or gradient at the chain's start "
                      "(a draw of the fitted q; first_nonfinite = fit steps + 0) (%zu of %zu "
                      "chains finished)",
                      bad_chain, ok, chains);
    else if (first_nf >= 0)
        hs_out_status(out, HS_ST_NONFINITE,
                      "chain %zu: non-finite ELBO, gradient or Cholesky at step %ld (%zu of %zu "
                      "chains finished)",
                      bad_chain, first_nf, ok, chains);
    else if (chains_run < chains)
        hs_out_status(out, HS_ST_TIMEOUT, "deadline passed after %zu of %zu chains", chains_run,
                      chains);
    else if (written == 0)
        hs_out_status(out, HS_ST_FAILED, "no λ draws were written (eval_samples = %zu)", S);
    else if (unconverged)
        hs_out_status(out, HS_ST_OK,
                      "not converged: %zu of %zu chains (first: chain %zu) ran all %ld steps "
                      "without the ELBO plateau (window %ld, elbo_tol %g)",
                      unconverged, chains, first_unconv, cfg.steps, cfg.window, cfg.elbo_tol);
done:
    hs_llc_vi_destroy(&vi);
    hs_llc_target_destroy(&t);
    free(est);
    free(est_cv);
    free(C);
    return 0;
}

const hs_kernel hs_kernel_vi = {
    .abi = HS_KERNEL_ABI,
    .name = "vi",
    .summary = "learning coefficient by a variational fit (mixture of factor analyzers or a "
               "full-covariance Gaussian)",
    .doc = "λ̂ = nβ(E_q[L_n] − L_n(w*)) with q centred at w* (the seeds' mixture of factor "
           "analyzers, or one full-covariance Gaussian), fitted by STL (+ Rao-Blackwellised "
           "logits) ELBO ascent with Adam until the ELBO plateaus (estimator = mala: then a "
           "Metropolis-adjusted Langevin chain on the local posterior preconditioned by the "
           "fitted Gaussian), on a quadratic (exact λ), a "
           "ReLU MLP or reduced-rank regression (Aoyagi & Watanabe 2005) target.  Seeds 000, 001; "
           "derivation in src/numeric/llc_vi.c.",
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
