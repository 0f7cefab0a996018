/*
 * Reference models for the NUTS sampler: standard normal, Neal's funnel and
 * Rubin's eight schools (centered and noncentered).  See models_ref.h for
 * the densities and their sources.
 */
#include "hsweep/models_ref.h"

#include <math.h>

/* Rubin (1981); Gelman et al., BDA3, table 5.2. */
static const double eight_y[HS_REF_EIGHT_J] = {28, 8, -3, 7, -1, 1, 18, 12};
static const double eight_sigma[HS_REF_EIGHT_J] = {15, 10, 16, 11, 9, 11, 10, 18};
static const double eight_mu_sd = 5.0;     /* mu ~ N(0, 5^2) */
static const double eight_tau_scale = 5.0; /* tau ~ HalfCauchy(0, 5) */

static double std_normal_lp(void *self, const double *q, double *grad)
{
    const hs_ref_model *rm = self;
    double s = 0;
    for (size_t i = 0; i < rm->dim; i++) {
        s += q[i] * q[i];
        grad[i] = -q[i];
    }
    return -0.5 * s;
}

/* log N(v; 0, 9) + sum_i log N(x_i; 0, e^v), constants dropped. */
static double funnel_lp(void *self, const double *q, double *grad)
{
    const hs_ref_model *rm = self;
    const double v = q[0], ev = exp(-v);
    const double k = (double)(rm->dim - 1);
    double ss = 0;
    for (size_t i = 1; i < rm->dim; i++) {
        ss += q[i] * q[i];
        grad[i] = -q[i] * ev;
    }
    grad[0] = -v / 9.0 - 0.5 * k + 0.5 * ss * ev;
    return -v * v / 18.0 - 0.5 * ss * ev - 0.5 * k * v;
}

/*
 * Prior terms shared by both parameterisations: log N(mu; 0, 5^2) +
 * log HalfCauchy(tau; 0, 5) + log tau (Jacobian of tau = e^s).  Adds the
 * gradient to g[0] (mu) and g[1] (s).
 */
static double eight_prior(double mu, double s, double *g)
{
    const double tau2 = exp(2 * s), c2 = eight_tau_scale * eight_tau_scale;
    g[0] = -mu / (eight_mu_sd * eight_mu_sd);
    g[1] = 1.0 - 2.0 * tau2 / (c2 + tau2);
    return -0.5 * mu * mu / (eight_mu_sd * eight_mu_sd) - log1p(tau2 / c2) + s;
}

static double eight_centered_lp(void *self, const double *q, double *grad)
{
    (void)self;
    const double mu = q[0], s = q[1], itau2 = exp(-2 * s);
    double lp = eight_prior(mu, s, grad), ss = 0;
    for (int j = 0; j < HS_REF_EIGHT_J; j++) {
        const double th = q[2 + j], d = th - mu;
        const double is2 = 1.0 / (eight_sigma[j] * eight_sigma[j]), r = eight_y[j] - th;
        ss += d * d;
        grad[0] += d * itau2;
        grad[2 + j] = -d * itau2 + r * is2;
        lp -= 0.5 * r * r * is2;
    }
    grad[1] += ss * itau2 - HS_REF_EIGHT_J;
    return lp - 0.5 * ss * itau2 - HS_REF_EIGHT_J * s;
}

static double eight_noncentered_lp(void *self, const double *q, double *grad)
{
    (void)self;
    const double mu = q[0], s = q[1], tau = exp(s);
    double lp = eight_prior(mu, s, grad), dtau = 0;
    for (int j = 0; j < HS_REF_EIGHT_J; j++) {
        const double eta = q[2 + j];
        const double is2 = 1.0 / (eight_sigma[j] * eight_sigma[j]);
        const double r = eight_y[j] - mu - tau * eta, w = r * is2;
        lp -= 0.5 * eta * eta + 0.5 * r * w;
        grad[0] += w;
        dtau += w * eta;
        grad[2 + j] = -eta + tau * w;
    }
    grad[1] += tau * dtau;
    return lp;
}

int hs_ref_model_init(hs_ref_model *rm, hs_ref_kind kind, size_t dim, hs_model *out)
{
    double (*fn)(void *, const double *, double *) = NULL;
    switch (kind) {
    case HS_REF_STD_NORMAL:
        fn = std_normal_lp;
        break;
    case HS_REF_FUNNEL:
        fn = funnel_lp;
        break;
    case HS_REF_EIGHT_CENTERED:
        fn = eight_centered_lp;
        dim = HS_REF_EIGHT_DIM;
        break;
    case HS_REF_EIGHT_NONCENTERED:
        fn = eight_noncentered_lp;
        dim = HS_REF_EIGHT_DIM;
        break;
    }
    if (!fn || dim == 0 || (kind == HS_REF_FUNNEL && dim < 2))
        return -1;
    rm->kind = kind;
    rm->dim = dim;
    out->dim = dim;
    out->logp_grad = fn;
    out->self = rm;
    return 0;
}

/*
 * log p(tau | y) + const: the HalfCauchy prior times the marginal likelihood
 * with mu ~ N(0, 5^2) and theta integrated out, y_j | mu ~ N(mu, sigma_j^2 +
 * tau^2) (BDA3 section 5.4).
 */
static double eight_log_post_tau(double tau)
{
    const double m2 = eight_mu_sd * eight_mu_sd;
    double prec = 1.0 / m2, sy = 0, syy = 0, slv = 0;
    for (int j = 0; j < HS_REF_EIGHT_J; j++) {
        const double v = eight_sigma[j] * eight_sigma[j] + tau * tau;
        prec += 1.0 / v;
        sy += eight_y[j] / v;
        syy += eight_y[j] * eight_y[j] / v;
        slv += log(v);
    }
    const double c = eight_tau_scale;
    return -log1p(tau * tau / (c * c)) - 0.5 * slv - 0.5 * log(m2 * prec) - 0.5 * syy +
           0.5 * sy * sy / prec;
}

double hs_ref_eight_tau_mean(void)
{
    /*
     * Composite Simpson on tau = t / (1 - t), t in (0, 1); the integrand
     * decays like tau^-9 (prior tau^-2, likelihood tau^-7), so it vanishes
     * smoothly at t = 1.  200000 intervals: error far below 1e-8.
     */
    const int n = 200000;
    const double h = 1.0 / n, ref = eight_log_post_tau(1.0);
    double z = 0, m = 0;
    for (int i = 0; i < n; i++) { /* the t = 1 endpoint contributes 0 */
        const double t = i * h;
        const double tau = t / (1 - t), jac = 1.0 / ((1 - t) * (1 - t));
        const double w = (i == 0) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        const double f = exp(eight_log_post_tau(tau) - ref) * jac;
        z += w * f;
        m += w * f * tau;
    }
    return m / z;
}
