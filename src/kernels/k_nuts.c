/*
 * Kernel `nuts`: Stan's NUTS (src/numeric/nuts.c) on a reference model
 * (std_normal, funnel, eight_schools: src/numeric/models_ref.c) or the
 * GIMBAL pose model of seed 002 (nuts_pose.c), with convergence
 * diagnostics (src/numeric/diag.c).  Glue only: parameters in, chains run
 * one after another, metrics and traces out.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hsweep/diag.h"
#include "hsweep/kernel.h"
#include "hsweep/models_ref.h"
#include "hsweep/nuts.h"
#include "hsweep/rng.h"
#include "kernels/nuts_pose.h"

/* Most parameters reported in the "named subset" traces and metrics. */
#define SUBSET_MAX 16
/* Reference models report their first min(dim, SUBSET_REF) parameters. */
#define SUBSET_REF 10

static const hs_param_spec params[] = {
    {"model", HS_T_STRING, "std_normal", 0, 0, "std_normal|funnel|eight_schools|pose", "",
     "target density: N(0, I_dim); Neal's funnel (v ~ N(0, 9), x_i ~ N(0, e^v)); Rubin's "
     "eight schools (mu ~ N(0, 25), tau ~ HalfCauchy(0, 5)); or the GIMBAL pose model"},
    {"dim", HS_T_INT, "10", 1, 1e6, NULL, "", "dimension of std_normal and funnel (funnel: >= 2)"},
    {"param", HS_T_STRING, "centered", 0, 0, "centered|noncentered", "",
     "eight_schools parameterisation: theta_j, or theta_j = mu + tau eta_j"},
    {"chains", HS_T_INT, "4", 1, 256, NULL, "", "independent chains, run one after another"},
    {"tune", HS_T_INT, "1000", 0, 1e7, NULL, "iterations",
     "warmup iterations per chain (dual averaging + windowed diagonal metric; < 20: step size "
     "only)"},
    {"draws", HS_T_INT, "1000", 4, 1e7, NULL, "iterations", "sampling iterations per chain"},
    {"max_treedepth", HS_T_INT, "10", 1, 20, NULL, "", "NUTS maximum tree depth"},
    {"target_accept", HS_T_REAL, "0.8", 0.05, 0.999, NULL, "",
     "dual averaging target for the mean acceptance statistic (Stan's adapt_delta)"},
    {"init_radius", HS_T_REAL, "2", 0, 1000, NULL, "",
     "initial values uniform(-init_radius, init_radius) on the unconstrained scale (Stan: 2)"},
    HS_NUTS_POSE_PARAMS};

static const hs_metric_spec metrics[] = {
    {"divergences", "", "divergent transitions after warmup (energy error > 1000 or NaN)"},
    {"div_frac", "", "divergences / (chains * draws)"},
    {"max_rhat", "", "largest rank-normalised split R-hat over all parameters (bulk and tail)"},
    {"min_ess_bulk", "", "smallest bulk ESS over all parameters"},
    {"min_ess_tail", "", "smallest tail ESS over all parameters"},
    {"max_rhat_subset", "",
     "largest R-hat over the named subset (pose: eta, rho, sigma_obs, logodds; reference "
     "models: the first min(dim, 10) parameters)"},
    {"min_ess_bulk_subset", "", "smallest bulk ESS over the named subset"},
    {"min_ess_tail_subset", "", "smallest tail ESS over the named subset"},
    {"subset_size", "", "number of parameters in the named subset (columns of subset_draws)"},
    {"stepsize_mean", "", "mean adapted step size over chains"},
    {"treedepth_sat_frac", "", "fraction of draws whose tree reached max_treedepth"},
    {"accept_mean", "", "mean acceptance statistic over draws"},
    {"min_ebfmi", "", "smallest E-BFMI over chains (< 0.3: poor energy exploration)"},
    {"grad_evals", "",
     "log density + gradient evaluations, warmup and the pose initial metric included"},
    {"draws_per_s", "1/s", "chains * draws / wall time of the sampling phase"},
    {"ess_per_s", "1/s", "min_ess_bulk / wall time of the sampling phase"},
    {"init_logp_absmax", "",
     "largest |log density| at the chains' initial points (inf if one is not finite)"},
    {"init_nonfinite_grads", "", "non-finite gradient entries at the initial points, all chains"},
    HS_NUTS_POSE_METRICS};

static size_t per_draw_len(const hs_params *p)
{
    return (size_t)hs_param_int(p, "chains") * (size_t)hs_param_int(p, "draws");
}

static size_t subset_len(const hs_params *p)
{
    size_t k = SUBSET_MAX;
    if (strcmp(hs_param_str(p, "model"), "eight_schools") == 0)
        k = SUBSET_REF;
    else if (strcmp(hs_param_str(p, "model"), "pose") != 0) {
        const size_t d = (size_t)hs_param_int(p, "dim");
        k = d < SUBSET_REF ? d : SUBSET_REF;
    }
    return per_draw_len(p) * k;
}

static const hs_trace_spec traces[] = {
    {"lp", "", "log density of each draw, chains concatenated (chain c at c * draws)",
     per_draw_len},
    {"stepsize", "", "step size of each draw, chains concatenated", per_draw_len},
    {"treedepth", "", "tree depth of each draw, chains concatenated", per_draw_len},
    {"divergent", "", "1 if the draw's trajectory diverged, chains concatenated", per_draw_len},
    {"energy", "", "Hamiltonian at each draw, chains concatenated", per_draw_len},
    {"subset_draws", "",
     "draws of the named subset (unconstrained scale): entry ((c * draws + i) * subset_size + k)",
     subset_len},
};

/* Rough seconds per log density + gradient evaluation of a reference model. */
static double ref_grad_cost(const hs_params *p)
{
    const char *m = hs_param_str(p, "model");
    if (strcmp(m, "eight_schools") == 0)
        return 1e-7;
    return 5e-8 + 3e-9 * (double)hs_param_int(p, "dim");
}

static double cost(const hs_params *p)
{
    if (strcmp(hs_param_str(p, "model"), "pose") == 0)
        return hs_nuts_pose_cost(p);
    /* ~2^5 leapfrog steps per iteration on average; the funnel needs more. */
    const double steps = strcmp(hs_param_str(p, "model"), "funnel") == 0 ? 128 : 32;
    return (double)hs_param_int(p, "chains") *
           (double)(hs_param_int(p, "tune") + hs_param_int(p, "draws")) * steps * ref_grad_cost(p);
}

static int check(const hs_params *p, char *msg, size_t cap, const char **key)
{
    if (strcmp(hs_param_str(p, "model"), "pose") == 0)
        return hs_nuts_pose_check(p, msg, cap, key);
    if (strcmp(hs_param_str(p, "model"), "funnel") == 0 && hs_param_int(p, "dim") < 2) {
        snprintf(msg, cap, "the funnel needs dim >= 2 (v and at least one x), got %lld",
                 (long long)hs_param_int(p, "dim"));
        *key = "dim";
        return -1;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The task's model: a reference density or the pose model. */
typedef struct target {
    hs_ref_model ref;
    hs_nuts_pose *pose;
    hs_model model;
    double init_radius;
    size_t subset[SUBSET_MAX];
    size_t n_subset;
} target;

static int target_create(const hs_params *p, const hs_ctx *ctx, target *t, char *msg, size_t cap)
{
    const char *m = hs_param_str(p, "model");
    memset(t, 0, sizeof *t);
    t->init_radius = hs_param_real(p, "init_radius");
    if (strcmp(m, "pose") == 0) {
        if (hs_nuts_pose_create(p, ctx->seed, &t->pose, msg, cap) != 0)
            return -1;
        t->model = hs_nuts_pose_model(t->pose);
        t->n_subset = hs_nuts_pose_subset(t->pose, t->subset, SUBSET_MAX);
        if (t->n_subset > SUBSET_MAX)
            t->n_subset = SUBSET_MAX;
        return 0;
    }
    hs_ref_kind kind = HS_REF_STD_NORMAL;
    if (strcmp(m, "funnel") == 0)
        kind = HS_REF_FUNNEL;
    else if (strcmp(m, "eight_schools") == 0)
        kind = strcmp(hs_param_str(p, "param"), "noncentered") == 0 ? HS_REF_EIGHT_NONCENTERED
                                                                    : HS_REF_EIGHT_CENTERED;
    if (hs_ref_model_init(&t->ref, kind, (size_t)hs_param_int(p, "dim"), &t->model) != 0) {
        snprintf(msg, cap, "model %s: invalid dim %lld", m, (long long)hs_param_int(p, "dim"));
        return -1;
    }
    t->n_subset = t->model.dim < SUBSET_REF ? t->model.dim : SUBSET_REF;
    for (size_t k = 0; k < t->n_subset; k++)
        t->subset[k] = k;
    return 0;
}

/* Initial point of one chain: the pose model's `init`, else Stan's uniform(-r, r). */
static void target_init(target *t, hs_rng *rng, double *q)
{
    if (t->pose) {
        hs_nuts_pose_init(t->pose, rng, q);
        return;
    }
    for (size_t i = 0; i < t->model.dim; i++)
        q[i] = t->init_radius * (2 * hs_rng_uniform(rng) - 1);
}

/* Per-draw outputs for the traces: chains concatenated, [chains * draws]. */
typedef struct per_draw {
    double *lp, *stepsize, *treedepth, *divergent, *energy, *subset;
} per_draw;

/*
 * Diagnostics over parameters idx[0..k) (all when idx is NULL, k = dim) of
 * draws [m][n][dim]: max R-hat, min bulk and tail ESS (NaN parameters,
 * e.g. constant ones, are skipped; all NaN gives NaN).
 */
static int param_diag(const double *draws, size_t n, size_t m, size_t dim, const size_t *idx,
                      size_t k, double *rhat, double *ess_b, double *ess_t)
{
    double *x = malloc(n * m * sizeof *x);
    if (!x)
        return -1;
    *rhat = *ess_b = *ess_t = NAN;
    for (size_t j = 0; j < k; j++) {
        const size_t col = idx ? idx[j] : j;
        for (size_t c = 0; c < m; c++)
            for (size_t i = 0; i < n; i++)
                x[c * n + i] = draws[(c * n + i) * dim + col];
        *rhat = fmax(*rhat, hs_diag_rhat(x, n, m));
        *ess_b = fmin(*ess_b, hs_diag_ess_bulk(x, n, m));
        *ess_t = fmin(*ess_t, hs_diag_ess_tail(x, n, m));
    }
    free(x);
    return 0;
}

/* Check the initial points: |log p| and non-finite gradient entries. */
static int check_inits(const target *t, const double *q0, size_t chains, hs_out *out)
{
    const size_t d = t->model.dim;
    double *g = malloc(d * sizeof *g);
    if (!g)
        return -1;
    double lp_max = 0;
    size_t bad_g = 0;
    int bad_chain = -1;
    for (size_t c = 0; c < chains; c++) {
        const double lp = t->model.logp_grad(t->model.self, q0 + c * d, g);
        size_t nb = 0;
        for (size_t i = 0; i < d; i++)
            nb += !isfinite(g[i]);
        lp_max = isfinite(lp) ? fmax(lp_max, fabs(lp)) : INFINITY;
        bad_g += nb;
        if ((!isfinite(lp) || nb) && bad_chain < 0)
            bad_chain = (int)c;
    }
    free(g);
    hs_out_set(out, "init_logp_absmax", lp_max);
    hs_out_set(out, "init_nonfinite_grads", (double)bad_g);
    if (bad_chain >= 0)
        hs_out_status(out, HS_ST_NONFINITE,
                      "initial point of chain %d: log density or gradient not finite "
                      "(%zu non-finite gradient entries over all chains)",
                      bad_chain, bad_g);
    return bad_chain >= 0;
}

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    const size_t chains = (size_t)hs_param_int(p, "chains");
    const size_t tune = (size_t)hs_param_int(p, "tune"), n = (size_t)hs_param_int(p, "draws");
    char msg[512] = "";
    target t;
    if (target_create(p, ctx, &t, msg, sizeof msg) != 0) {
        hs_out_status(out, HS_ST_FAILED, "%s", msg);
        return 0;
    }
    const size_t d = t.model.dim, ns = t.n_subset;
    hs_nuts_config cfg;
    hs_nuts_config_default(&cfg);
    cfg.tune = tune;
    cfg.max_treedepth = (int)hs_param_int(p, "max_treedepth");
    cfg.target_accept = hs_param_real(p, "target_accept");

    hs_nuts *s = NULL;
    hs_rng *rng = malloc(chains * sizeof *rng);
    double *q0 = malloc(chains * d * sizeof *q0);
    double *draws = malloc(chains * n * d * sizeof *draws);
    double *minv = malloc(d * sizeof *minv);
    if (!rng || !q0 || !draws || !minv || hs_nuts_create(&t.model, &cfg, &s) != 0) {
        hs_out_status(out, HS_ST_FAILED, "out of memory (%zu parameters x %zu draws x %zu chains)",
                      d, n, chains);
        goto done;
    }
    for (size_t c = 0; c < chains; c++) {
        hs_rng_seed_stream(&rng[c], ctx->seed, c);
        target_init(&t, &rng[c], q0 + c * d);
    }
    if (check_inits(&t, q0, chains, out) != 0)
        goto done;

    const size_t len = chains * n;
    per_draw pd = {
        hs_out_trace(out, "lp", len),        hs_out_trace(out, "stepsize", len),
        hs_out_trace(out, "treedepth", len), hs_out_trace(out, "divergent", len),
        hs_out_trace(out, "energy", len),    hs_out_trace(out, "subset_draws", len * ns)};
    if (!pd.lp || !pd.stepsize || !pd.treedepth || !pd.divergent || !pd.energy || !pd.subset) {
        hs_out_status(out, HS_ST_FAILED, "trace buffers unavailable");
        goto done;
    }
    double sample_s = 0, accept = 0, eps_sum = 0, ebfmi = NAN;
    size_t div = 0, sat = 0, done_draws = 0, metric_grads = 0;
    int stopped = 0;
    for (size_t c = 0; c < chains && !stopped; c++) {
        size_t mg = t.pose ? hs_nuts_pose_metric(t.pose, q0 + c * d, minv) : 0;
        metric_grads += mg;
        int e = mg > 0 ? hs_nuts_start_metric(s, q0 + c * d, minv, &rng[c])
                       : hs_nuts_start(s, q0 + c * d, &rng[c]);
        hs_nuts_iter it;
        for (size_t k = 0; k < tune && e == 0 && !stopped; k++) {
            e = hs_nuts_transition(s, &rng[c], &it);
            stopped = hs_ctx_expired(ctx);
        }
        const double t0 = now_s();
        for (size_t i = 0; i < n && e == 0 && !stopped; i++) {
            e = hs_nuts_transition(s, &rng[c], &it);
            const size_t at = c * n + i;
            const double *q = hs_nuts_position(s);
            memcpy(draws + at * d, q, d * sizeof *q);
            pd.lp[at] = it.logp;
            pd.stepsize[at] = it.stepsize;
            pd.treedepth[at] = it.treedepth;
            pd.divergent[at] = it.divergent;
            pd.energy[at] = it.energy;
            for (size_t k = 0; k < ns; k++)
                pd.subset[at * ns + k] = q[t.subset[k]];
            div += (size_t)it.divergent;
            sat += it.treedepth >= cfg.max_treedepth;
            accept += it.accept_stat;
            done_draws++;
            stopped = hs_ctx_expired(ctx);
        }
        sample_s += now_s() - t0;
        eps_sum += hs_nuts_stepsize(s);
        if (e != 0) { /* HS_NUTS_EIMPROPER: check_inits excluded HS_NUTS_EINIT */
            hs_out_status(out, HS_ST_DIVERGED,
                          "chain %zu: step size search ran away (posterior improper?)", c);
            goto done;
        }
        if (!stopped)
            ebfmi = fmin(ebfmi, hs_diag_ebfmi(pd.energy + c * n, n));
    }
    hs_out_set(out, "grad_evals", (double)(hs_nuts_grad_evals(s) + metric_grads));
    if (stopped) {
        const char *names[] = {"lp", "stepsize", "treedepth", "divergent", "energy"};
        for (size_t k = 0; k < 5; k++)
            hs_out_trace_len(out, names[k], done_draws);
        hs_out_trace_len(out, "subset_draws", done_draws * ns);
        hs_out_set(out, "divergences", (double)div);
        hs_out_status(out, HS_ST_TIMEOUT, "deadline reached after %zu of %zu draws", done_draws,
                      len);
        goto done;
    }
    hs_out_set(out, "divergences", (double)div);
    hs_out_set(out, "div_frac", (double)div / (double)len);
    hs_out_set(out, "stepsize_mean", eps_sum / (double)chains);
    hs_out_set(out, "treedepth_sat_frac", (double)sat / (double)len);
    hs_out_set(out, "accept_mean", accept / (double)len);
    hs_out_set(out, "min_ebfmi", ebfmi);
    hs_out_set(out, "draws_per_s", (double)len / sample_s);
    hs_out_set(out, "subset_size", (double)ns);
    double rhat, ess_b, ess_t;
    if (param_diag(draws, n, chains, d, t.subset, ns, &rhat, &ess_b, &ess_t) != 0) {
        hs_out_status(out, HS_ST_FAILED, "out of memory in diagnostics");
        goto done;
    }
    hs_out_set(out, "max_rhat_subset", rhat);
    hs_out_set(out, "min_ess_bulk_subset", ess_b);
    hs_out_set(out, "min_ess_tail_subset", ess_t);
    if (param_diag(draws, n, chains, d, NULL, d, &rhat, &ess_b, &ess_t) != 0) {
        hs_out_status(out, HS_ST_FAILED, "out of memory in diagnostics");
        goto done;
    }
    hs_out_set(out, "max_rhat", rhat);
    hs_out_set(out, "min_ess_bulk", ess_b);
    hs_out_set(out, "min_ess_tail", ess_t);
    hs_out_set(out, "ess_per_s", ess_b / sample_s);
    if (t.pose)
        hs_nuts_pose_report(t.pose, draws, n, chains, out);
done:
    hs_nuts_destroy(&s);
    hs_nuts_pose_destroy(&t.pose);
    free(draws);
    free(minv);
    free(q0);
    free(rng);
    return 0;
}

const hs_kernel hs_kernel_nuts = {
    .abi = HS_KERNEL_ABI,
    .name = "nuts",
    .summary = "Stan's NUTS with diagnostics on reference models and the GIMBAL pose model",
    .doc = "NUTS as in stan-dev/stan base_nuts.hpp (multinomial sampling, generalised U-turn "
           "with checks across merged subtrees, divergence at energy error > 1000) with "
           "Stan's warmup (dual averaging, windowed diagonal metric). Chains start from "
           "uniform(-init_radius, init_radius) on the unconstrained scale, each from its own "
           "stream of the task seed. Diagnostics follow Vehtari et al. (2021) as in R "
           "`posterior`: rank-normalised split R-hat (max of bulk and tail), bulk and tail "
           "ESS; E-BFMI per chain (Betancourt 2016). draws_per_s and ess_per_s time the "
           "sampling phase only. Status nonfinite when an initial log density or gradient is "
           "not finite; diverged when the step size search runs away.",
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
