/*
 * SGLD estimator of the local learning coefficient, as devinterp's
 * `optim/sgmcmc.py` (Welling & Teh 2011 with the localizer of Lau et al.
 * 2023):  w ← w − ½ε[γ(w − w*) + nβ ĝ] + √ε ξ.  On a quadratic the chain is
 * stable only if ε(nβh_max + γ) < 4, and its stationary variance along an
 * eigendirection of precision p is inflated by 1/(1 − εp/4).
 */
#include "hsweep/llc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/numeric/status.h"
#include "hsweep/rng.h"

size_t hs_llc_sgld_ndraws(const hs_llc_sgld_config *cfg)
{
    if (cfg->warmup >= cfg->steps || cfg->eval_every < 1)
        return 0;
    return (size_t)((cfg->steps - cfg->warmup + cfg->eval_every - 1) / cfg->eval_every);
}

int hs_llc_sgld_run(const hs_llc_target *t, const hs_llc_sgld_config *cfg, uint64_t seed,
                    uint64_t stream, double *draws, hs_llc_sgld_result *res)
{
    res->first_nonfinite = -1;
    res->n_draws = 0;
    const size_t d = hs_llc_target_dim(t), n = hs_llc_target_rows(t);
    const size_t nr = cfg->batch < n ? cfg->batch : n;
    const double *ws = hs_llc_target_wstar(t);
    double *w = malloc(d * sizeof *w), *g = malloc(d * sizeof *g);
    double *work = malloc(hs_llc_target_work_size(t) * sizeof *work);
    size_t *rows = cfg->batch < n ? malloc(nr * sizeof *rows) : NULL;
    int rc = HS_NUM_ENOMEM;
    if (!w || !g || !work || (cfg->batch < n && !rows))
        goto done;
    hs_rng rng;
    hs_rng_seed_stream(&rng, seed, stream);
    memcpy(w, ws, d * sizeof *w);
    const double eps = cfg->epsilon, sq = sqrt(eps), nbeta = cfg->nbeta, gamma = cfg->gamma;
    const double lstar = hs_llc_target_loss(t, ws, work);
    const size_t ndraws = hs_llc_sgld_ndraws(cfg);
    for (long s = 0; s < cfg->steps; s++) {
        if (rows)
            for (size_t i = 0; i < nr; i++)
                rows[i] = (size_t)hs_rng_below(&rng, n);
        const double lb = hs_llc_target_grad(t, w, rows, nr, g, work);
        double sum = lb;
        for (size_t i = 0; i < d; i++) {
            w[i] += -0.5 * eps * (gamma * (w[i] - ws[i]) + nbeta * g[i]) + sq * hs_rng_normal(&rng);
            sum += w[i];
        }
        if (!isfinite(sum)) {
            res->first_nonfinite = s;
            break;
        }
        if (s >= cfg->warmup && (s - cfg->warmup) % cfg->eval_every == 0 && res->n_draws < ndraws) {
            const double l = hs_llc_target_loss(t, w, work);
            if (!isfinite(l)) {
                res->first_nonfinite = s;
                break;
            }
            draws[res->n_draws++] = nbeta * (l - lstar);
        }
    }
    rc = 0;
done:
    free(w);
    free(g);
    free(work);
    free(rows);
    return rc;
}
