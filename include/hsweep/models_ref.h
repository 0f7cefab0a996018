/*
 * Reference log densities with known behaviour under NUTS, used to test and
 * benchmark the sampler (kernel `nuts`, models std_normal, funnel and
 * eight_schools).  All are on the unconstrained scale with hand-written
 * gradients.
 *
 * - std_normal (dim): q ~ N(0, I).
 * - funnel (dim >= 2): Neal's funnel (Neal 2003, "Slice sampling", Ann.
 *   Statist. 31(3), section 8): v = q[0] ~ N(0, 3^2), q[i] ~ N(0, e^v) for
 *   i = 1..dim-1.
 * - eight_schools (dim 10): Rubin's (1981) SAT coaching data as in Gelman et
 *   al., BDA3 section 5.5: y = 28, 8, -3, 7, -1, 1, 18, 12; sigma = 15, 10,
 *   16, 11, 9, 11, 10, 18; mu ~ N(0, 5^2), tau ~ HalfCauchy(0, 5) sampled as
 *   log tau (with its Jacobian), theta_j ~ N(mu, tau^2), y_j ~ N(theta_j,
 *   sigma_j^2).  q = (mu, log tau, theta_1..8) when centered; noncentered
 *   samples eta_j ~ N(0, 1) with theta_j = mu + tau eta_j, q = (mu, log tau,
 *   eta_1..8) (Betancourt & Girolami 2015).
 */
#ifndef HSWEEP_MODELS_REF_H
#define HSWEEP_MODELS_REF_H

#include <stddef.h>

#include "hsweep/model.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hs_ref_kind {
    HS_REF_STD_NORMAL = 0,
    HS_REF_FUNNEL = 1,
    HS_REF_EIGHT_CENTERED = 2,
    HS_REF_EIGHT_NONCENTERED = 3
} hs_ref_kind;

/* Eight schools: number of schools and the dimension of its parameter vector. */
#define HS_REF_EIGHT_J 8
#define HS_REF_EIGHT_DIM 10

/* A reference model's settings; the caller owns it and it must outlive the hs_model. */
typedef struct hs_ref_model {
    hs_ref_kind kind;
    size_t dim;
} hs_ref_model;

/*
 * Set up `rm` for `kind` with dimension `dim` (ignored for eight schools,
 * which is always HS_REF_EIGHT_DIM) and fill *out with its log density.
 * Returns 0, or -1 if dim is invalid (0, or < 2 for the funnel); *out is
 * then untouched.
 */
int hs_ref_model_init(hs_ref_model *rm, hs_ref_kind kind, size_t dim, hs_model *out);

/*
 * Posterior mean of tau in eight schools (either parameterisation: the same
 * posterior), by one-dimensional quadrature of p(tau | y) after integrating
 * mu and theta out in closed form (BDA3 eqs. 5.20-5.21 with the N(0, 5^2)
 * prior on mu).  Accurate to about 1e-8 relative.
 */
double hs_ref_eight_tau_mean(void);

#ifdef __cplusplus
}
#endif
#endif
