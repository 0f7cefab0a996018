/*
 * Metropolis-adjusted Langevin on the local posterior, preconditioned by a
 * variational factor (contract in hsweep/llc.h).
 *
 * In x (w = w* + Cx) the target is log π(x) = −nβ(L_n(w) − L_n(w*)) − ½γ‖Cx‖²
 * (the Jacobian of the linear map is constant), with gradient
 * ∇_x log π = Cᵀ(−nβ∇L_n(w) − γ(w − w*)).  The proposal kernel is
 * k(x' | x) = N(x'; x + ½h∇_x log π(x), hI), so
 *   log A = log π(x') − log π(x) − (‖x − x' − ½h g'‖² − ‖x' − x − ½h g‖²)/(2h).
 * Warmup adapts log h by Robbins-Monro, log h += (a_t − a*)/(t + 1)^0.6 with
 * a_t = min(1, A), from h₀ = 1.65²·d^(−1/3) (the optimal scale for N(0, I_d),
 * Roberts & Rosenthal 1998), and keeps the mean of log h over the second half
 * of warmup: the kept steps use one fixed h, so the chain is a proper
 * Metropolis-Hastings chain and p is its invariant law.
 *
 * Why a chain and not a reweighting of q: on reduced-rank regression the
 * local posterior concentrates near the cone of low-rank products BA, and
 * the reverse-KL Gaussian sits inside it; self-normalised importance
 * weights p/q (with q inflated, or as a Student-t) then have an effective
 * sample size of a handful of draws in 10⁵ at d = 30, whereas the chain
 * needs q only to be a good local metric.
 */
#include "hsweep/llc.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/numeric/status.h"
#include "hsweep/rng.h"

typedef struct mala_state {
    double *x, *w, *g, *gx; /* position (x and w), ∇_w L_n, ∇_x log π */
    double logpi, loss;
} mala_state;

/* w = w* + Cx, L_n(w), log π(x) and ∇_x log π(x); returns 0 or −1 if non-finite. */
static int mala_eval(const hs_llc_target *t, const hs_llc_mala_config *cfg, const double *C,
                     const double *ws, double lstar, mala_state *s, double *tmp, double *work)
{
    const size_t d = hs_llc_target_dim(t);
    if (C)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0, C, (int)d, s->x, 1, 0.0, tmp,
                    1);
    else
        memcpy(tmp, s->x, d * sizeof *tmp);
    double r2 = 0;
    for (size_t i = 0; i < d; i++) {
        s->w[i] = ws[i] + tmp[i];
        r2 += tmp[i] * tmp[i];
    }
    s->loss = hs_llc_target_grad(t, s->w, NULL, 0, s->g, work);
    s->logpi = -cfg->nbeta * (s->loss - lstar) - 0.5 * cfg->gamma * r2;
    for (size_t i = 0; i < d; i++)
        tmp[i] = -cfg->nbeta * s->g[i] - cfg->gamma * tmp[i];
    if (C)
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)d, 1.0, C, (int)d, tmp, 1, 0.0, s->gx,
                    1);
    else
        memcpy(s->gx, tmp, d * sizeof *tmp);
    double sum = s->logpi;
    for (size_t i = 0; i < d; i++)
        sum += s->gx[i];
    return isfinite(sum) ? 0 : -1;
}

int hs_llc_mala_run(const hs_llc_target *t, const hs_llc_mala_config *cfg, const double *C,
                    uint64_t seed, uint64_t stream, double *draws, hs_llc_mala_result *res)
{
    memset(res, 0, sizeof *res);
    res->first_nonfinite = -1;
    res->lambda_mean = res->accept = res->step = NAN;
    const long kept = cfg->steps - cfg->warmup;
    if (cfg->warmup < 0 || kept < 1 || cfg->n_draws > (size_t)kept ||
        !(cfg->accept_target > 0 && cfg->accept_target < 1))
        return HS_NUM_EINPUT;
    const size_t d = hs_llc_target_dim(t);
    const double *ws = hs_llc_target_wstar(t);
    double *mem = malloc(10 * d * sizeof *mem);
    double *work = malloc(hs_llc_target_work_size(t) * sizeof *work);
    int rc = HS_NUM_ENOMEM;
    if (!mem || !work)
        goto done;
    mala_state cur = {mem, mem + d, mem + 2 * d, mem + 3 * d, 0, 0};
    mala_state prop = {mem + 4 * d, mem + 5 * d, mem + 6 * d, mem + 7 * d, 0, 0};
    double *tmp = mem + 8 * d, *xi = mem + 9 * d;
    hs_rng rng;
    hs_rng_seed_stream(&rng, seed, stream);
    const double lstar = hs_llc_target_loss(t, ws, work);
    for (size_t i = 0; i < d; i++)
        cur.x[i] = hs_rng_normal(&rng);
    rc = 0;
    if (mala_eval(t, cfg, C, ws, lstar, &cur, tmp, work)) {
        res->first_nonfinite = 0;
        goto done;
    }
    double logh = log(1.65 * 1.65 / cbrt((double)d)), logh_sum = 0, acc = 0, lsum = 0;
    long logh_n = 0;
    const long every = kept / (long)(cfg->n_draws ? cfg->n_draws : 1);
    for (long st = 0; st < cfg->steps; st++) {
        const int warm = st < cfg->warmup;
        if (!warm && st == cfg->warmup && logh_n)
            logh = logh_sum / (double)logh_n;
        const double h = exp(logh), sh = sqrt(h);
        for (size_t i = 0; i < d; i++) {
            xi[i] = hs_rng_normal(&rng);
            prop.x[i] = cur.x[i] + 0.5 * h * cur.gx[i] + sh * xi[i];
        }
        const double u = hs_rng_uniform(&rng);
        double a = 0;
        if (!mala_eval(t, cfg, C, ws, lstar, &prop, tmp, work)) {
            double fwd = 0, bwd = 0;
            for (size_t i = 0; i < d; i++) {
                const double b = cur.x[i] - prop.x[i] - 0.5 * h * prop.gx[i];
                fwd += xi[i] * xi[i] * h; /* ‖x' − x − ½hg‖² = h‖ξ‖² */
                bwd += b * b;
            }
            const double la = prop.logpi - cur.logpi - (bwd - fwd) / (2 * h);
            a = la >= 0 ? 1.0 : exp(la);
            if (u < a) {
                mala_state sw = cur;
                cur = prop;
                prop = sw;
            }
        }
        if (warm) {
            logh += (a - cfg->accept_target) / pow((double)st + 1.0, 0.6);
            if (st >= cfg->warmup / 2) {
                logh_sum += logh;
                logh_n++;
            }
            continue;
        }
        const long k = st - cfg->warmup;
        const double lam = cfg->nbeta * (cur.loss - lstar);
        acc += a;
        lsum += lam;
        if (k % every == 0 && res->n_draws < cfg->n_draws)
            draws[res->n_draws++] = lam;
    }
    res->lambda_mean = lsum / (double)kept;
    res->accept = acc / (double)kept;
    res->step = exp(logh);
done:
    free(mem);
    free(work);
    return rc;
}
