/*
 * The No-U-Turn Sampler as Stan implements it (stan-dev/stan
 * src/stan/mcmc/hmc/nuts/base_nuts.hpp; Stan Reference Manual, "MCMC
 * sampling"; Betancourt 2017, arXiv:1701.02434, appendix A): multinomial
 * sampling over the trajectory with biased progressive sampling at the top
 * level, the generalised no-U-turn criterion with the extra checks across
 * merged subtrees, a diagonal-metric leapfrog integrator, divergence when
 * the energy error exceeds 1000 (NaN energy counts), and Stan's warmup:
 * dual-averaging step size adaptation (stepsize_adaptation.hpp) and windowed
 * diagonal metric adaptation (windowed_adaptation.hpp, var_adaptation.hpp).
 *
 * One hs_nuts is one chain.  The caller drives it one iteration at a time
 * with hs_nuts_transition; the first `tune` transitions adapt, the rest
 * sample with the adapted step size and metric.  Nothing is allocated after
 * hs_nuts_create.
 */
#ifndef HSWEEP_NUTS_H
#define HSWEEP_NUTS_H

#include <stddef.h>

#include "hsweep/model.h"
#include "hsweep/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Settings; hs_nuts_config_default gives CmdStan's defaults. */
typedef struct hs_nuts_config {
    size_t tune;          /* warmup iterations (CmdStan num_warmup 1000) */
    int max_treedepth;    /* 10 */
    double target_accept; /* dual averaging delta, 0.8 */
    double gamma;         /* 0.05 */
    double kappa;         /* 0.75 */
    double t0;            /* 10 */
    double init_stepsize; /* 1 */
    size_t init_buffer;   /* 75 */
    size_t term_buffer;   /* 50 */
    size_t base_window;   /* 25 */
    double max_delta_h;   /* divergence threshold on H - H0, 1000 */
} hs_nuts_config;

void hs_nuts_config_default(hs_nuts_config *c);

/* What one iteration produced (Stan's sampler diagnostics, output.csv columns). */
typedef struct hs_nuts_iter {
    double logp;        /* lp__ at the new draw */
    double accept_stat; /* mean over the trajectory's leapfrog steps of min(1, e^(H0 - H)) */
    double stepsize;    /* step size used by this iteration */
    double energy;      /* H at the new draw (potential + kinetic) */
    int treedepth;
    int n_leapfrog;
    int divergent;
} hs_nuts_iter;

typedef struct hs_nuts hs_nuts;

/* Return codes beyond 0. */
enum {
    HS_NUTS_EINIT = -1,     /* log density or gradient not finite at the initial point */
    HS_NUTS_EIMPROPER = -2, /* step size search ran away (> 1e7 or 0): improper posterior */
    HS_NUTS_ENOMEM = -3,
    HS_NUTS_EARG = -4 /* invalid configuration (dim 0, max_treedepth < 1 or > 30, ...) */
};

/*
 * Create a chain for `model` (which must outlive it) with settings `cfg`
 * (copied).  Returns 0 and *out, or HS_NUTS_ENOMEM / HS_NUTS_EARG with *out
 * NULL.
 */
int hs_nuts_create(const hs_model *model, const hs_nuts_config *cfg, hs_nuts **out);

/* Free the chain and set *s to NULL; NULL-safe. */
void hs_nuts_destroy(hs_nuts **s);

/*
 * Start (or restart) the chain at q0[dim]: evaluate the density, then run
 * Stan's initial step size heuristic (base_hmc.hpp init_stepsize), drawing
 * from rng.  Returns 0, HS_NUTS_EINIT if log p or its gradient is not
 * finite at q0 (nothing else is done), or HS_NUTS_EIMPROPER.
 */
int hs_nuts_start(hs_nuts *s, const double *q0, hs_rng *rng);

/*
 * hs_nuts_start with an initial inverse metric inv_metric[dim] (diagonal,
 * finite and positive; NULL: the unit metric, as hs_nuts_start), CmdStan's
 * `metric_file`: warmup starts from it and adapts it as usual.  Returns
 * as hs_nuts_start, or HS_NUTS_EARG for a non-positive or non-finite entry.
 */
int hs_nuts_start_metric(hs_nuts *s, const double *q0, const double *inv_metric, hs_rng *rng);

/*
 * One NUTS iteration from the current draw; the chain's position becomes
 * the new draw.  While fewer than cfg->tune transitions have run, the step
 * size and metric adapt (Stan's adapt_diag_e_nuts::transition); at the end
 * of warmup the step size is fixed to the dual-averaging average.  Writes
 * the iteration's diagnostics to *it (may be NULL).  Returns 0 or
 * HS_NUTS_EIMPROPER (the step size search after a metric update ran away).
 */
int hs_nuts_transition(hs_nuts *s, hs_rng *rng, hs_nuts_iter *it);

/* Current draw q[dim]; valid until the next call on s. */
const double *hs_nuts_position(const hs_nuts *s);

/* Current inverse metric (diagonal, dim entries: the adapted variances). */
const double *hs_nuts_inv_metric(const hs_nuts *s);

/* Current step size. */
double hs_nuts_stepsize(const hs_nuts *s);

/* Number of log density + gradient evaluations so far (including start). */
unsigned long long hs_nuts_grad_evals(const hs_nuts *s);

#ifdef __cplusplus
}
#endif
#endif
