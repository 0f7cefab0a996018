/* hs-link: numeric */
/*
 * NUTS sampler and reference models: gradients against finite differences,
 * moments of a 100-d standard normal, and eight schools' known behaviour
 * (Stan: divergences centered, none noncentered; tau's posterior mean).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "hsweep/diag.h"
#include "hsweep/models_ref.h"
#include "hsweep/nuts.h"
#include "hsweep/rng.h"

/*
 * Central differences with step h = 1e-5 (scaled by max(1, |q_i|)): error
 * O(h^2 f''') ~ 1e-9 plus rounding eps |f| / h ~ 1e-10 |f|; tolerance
 * 1e-6 relative to max(1, |g|).
 */
static void check_gradient(const hs_model *m, hs_rng *rng, double scale, double shift0)
{
    const size_t d = m->dim;
    REQUIRE(d > 0);
    double *q = malloc(d * sizeof *q), *g = malloc(d * sizeof *g), *tmp = malloc(d * sizeof *tmp);
    REQUIRE(q && g && tmp);
    for (size_t i = 0; i < d; i++)
        q[i] = scale * (2 * hs_rng_uniform(rng) - 1) + (i == 0 ? shift0 : 0.0);
    m->logp_grad(m->self, q, g);
    for (size_t i = 0; i < d; i++) {
        const double qi = q[i], h = 1e-5 * fmax(1.0, fabs(qi));
        q[i] = qi + h;
        const double fp = m->logp_grad(m->self, q, tmp);
        q[i] = qi - h;
        const double fm = m->logp_grad(m->self, q, tmp);
        q[i] = qi;
        const double fd = (fp - fm) / (2 * h);
        CHECK_NEAR(g[i], fd, 1e-6 * fmax(1.0, fabs(g[i])));
    }
    free(q);
    free(g);
    free(tmp);
}

static void test_gradients(void)
{
    hs_rng rng;
    hs_rng_seed(&rng, 7);
    const hs_ref_kind kinds[] = {HS_REF_STD_NORMAL, HS_REF_FUNNEL, HS_REF_EIGHT_CENTERED,
                                 HS_REF_EIGHT_NONCENTERED};
    for (size_t k = 0; k < 4; k++) {
        hs_ref_model rm;
        hs_model m;
        REQUIRE(hs_ref_model_init(&rm, kinds[k], 7, &m) == 0);
        for (int rep = 0; rep < 5; rep++)
            check_gradient(&m, &rng, 2.0, 0.0);
        /* Near-degenerate: the funnel's neck (v = -6) and mouth (v = +6); tiny tau. */
        check_gradient(&m, &rng, 0.5, -6.0);
        check_gradient(&m, &rng, 0.5, 6.0);
        if (kinds[k] >= HS_REF_EIGHT_CENTERED) {
            double q[HS_REF_EIGHT_DIM] = {1, -6, 1.1, 0.9, 1, 1.05, 0.95, 1, 1.02, 0.98};
            double g[HS_REF_EIGHT_DIM], t[HS_REF_EIGHT_DIM];
            m.logp_grad(m.self, q, g);
            for (int i = 0; i < HS_REF_EIGHT_DIM; i++) {
                const double qi = q[i], h = 1e-6;
                q[i] = qi + h;
                const double fp = m.logp_grad(m.self, q, t);
                q[i] = qi - h;
                const double fm = m.logp_grad(m.self, q, t);
                q[i] = qi;
                /* |g| up to ~1e5 here (1/tau^2 = e^12); relative tolerance. */
                CHECK_NEAR(g[i], (fp - fm) / (2 * h), 1e-5 * fmax(1.0, fabs(g[i])));
            }
        }
    }
    hs_ref_model rm;
    hs_model m;
    CHECK(hs_ref_model_init(&rm, HS_REF_FUNNEL, 1, &m) != 0);
    CHECK(hs_ref_model_init(&rm, HS_REF_STD_NORMAL, 0, &m) != 0);
}

/* Draws of every parameter, [param][chain * draws + i], plus summed diagnostics. */
typedef struct run {
    size_t dim, chains, draws;
    double *x;
    int divergent;
    int saturated;
} run;

static void run_chains(const hs_model *m, uint64_t seed, size_t chains, size_t tune, size_t draws,
                       run *r)
{
    hs_nuts_config cfg;
    hs_nuts_config_default(&cfg);
    cfg.tune = tune;
    r->dim = m->dim;
    r->chains = chains;
    r->draws = draws;
    r->divergent = r->saturated = 0;
    r->x = malloc(m->dim * chains * draws * sizeof *r->x);
    double *q0 = malloc(m->dim * sizeof *q0);
    REQUIRE(r->x && q0);
    for (size_t c = 0; c < chains; c++) {
        hs_rng rng;
        hs_rng_seed_stream(&rng, seed, c);
        for (size_t i = 0; i < m->dim; i++)
            q0[i] = 4 * hs_rng_uniform(&rng) - 2; /* Stan's uniform(-2, 2) */
        hs_nuts *s;
        REQUIRE(hs_nuts_create(m, &cfg, &s) == 0);
        REQUIRE(hs_nuts_start(s, q0, &rng) == 0);
        hs_nuts_iter it;
        for (size_t t = 0; t < tune; t++)
            REQUIRE(hs_nuts_transition(s, &rng, &it) == 0);
        for (size_t t = 0; t < draws; t++) {
            REQUIRE(hs_nuts_transition(s, &rng, &it) == 0);
            r->divergent += it.divergent;
            r->saturated += it.treedepth == cfg.max_treedepth;
            const double *q = hs_nuts_position(s);
            for (size_t i = 0; i < m->dim; i++)
                r->x[i * chains * draws + c * draws + t] = q[i];
        }
        hs_nuts_destroy(&s);
    }
    free(q0);
}

static void test_std_normal(void)
{
    hs_ref_model rm;
    hs_model m;
    REQUIRE(hs_ref_model_init(&rm, HS_REF_STD_NORMAL, 100, &m) == 0);
    run r;
    run_chains(&m, 2024, 4, 1000, 1000, &r);
    const size_t n = r.draws, N = r.chains * n;
    double max_rhat = 0, worst_mean = 0, worst_var = 0;
    double *sq = malloc(N * sizeof *sq);
    REQUIRE(sq != NULL);
    for (size_t i = 0; i < r.dim; i++) {
        const double *x = r.x + i * N;
        double mean = 0, m2 = 0;
        for (size_t k = 0; k < N; k++) {
            mean += x[k];
            sq[k] = x[k] * x[k];
            m2 += sq[k];
        }
        mean /= (double)N;
        m2 /= (double)N;
        /*
         * 4 MCSE: each of the 100 coordinates fails with probability 6e-5 if
         * the sampler is right, so all pass with probability 0.994 (and the
         * seed is fixed).  The variance is checked as E[x^2] = 1 (the mean is
         * 0), whose MCSE is the MCSE of the mean of x^2.
         */
        const double se = hs_diag_mcse_mean(x, n, r.chains);
        const double se2 = hs_diag_mcse_mean(sq, n, r.chains);
        CHECK(fabs(mean) < 4 * se);
        CHECK(fabs(m2 - 1) < 4 * se2);
        worst_mean = fmax(worst_mean, fabs(mean) / se);
        worst_var = fmax(worst_var, fabs(m2 - 1) / se2);
        const double rh = hs_diag_rhat(x, n, r.chains);
        max_rhat = fmax(max_rhat, rh);
        CHECK(rh < 1.01);
    }
    fprintf(stderr,
            "std_normal d=100: max |mean|/MCSE %.2f, max |E x^2 - 1|/MCSE %.2f, "
            "max rhat %.4f, divergent %d\n",
            worst_mean, worst_var, max_rhat, r.divergent);
    CHECK_EQ_INT(r.divergent, 0);
    free(sq);
    free(r.x);
}

static void test_eight_schools(void)
{
    const double tau_true = hs_ref_eight_tau_mean();
    /* Published value ~3.6 (e.g. PyMC/ArviZ examples with these priors). */
    CHECK(tau_true > 3.4 && tau_true < 3.8);
    int div_centered = 0, div_nc = 0;
    size_t total = 0;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        hs_ref_model rc, rn;
        hs_model mc, mn;
        REQUIRE(hs_ref_model_init(&rc, HS_REF_EIGHT_CENTERED, 0, &mc) == 0);
        REQUIRE(hs_ref_model_init(&rn, HS_REF_EIGHT_NONCENTERED, 0, &mn) == 0);
        run a, b;
        run_chains(&mc, seed, 4, 1000, 1000, &a);
        run_chains(&mn, seed, 4, 1000, 1000, &b);
        div_centered += a.divergent;
        div_nc += b.divergent;
        total += b.chains * b.draws;
        /* tau = exp(q[1]) from the noncentered run. */
        const size_t N = b.chains * b.draws;
        double *tau = malloc(N * sizeof *tau);
        REQUIRE(tau != NULL);
        double mean = 0;
        for (size_t k = 0; k < N; k++) {
            tau[k] = exp(b.x[1 * N + k]);
            mean += tau[k];
        }
        mean /= (double)N;
        const double se = hs_diag_mcse_mean(tau, b.draws, b.chains);
        fprintf(stderr,
                "eight schools seed %d: centered divergent %d, noncentered %d; "
                "tau mean %.4f (quadrature %.4f, MCSE %.4f)\n",
                (int)seed, a.divergent, b.divergent, mean, tau_true, se);
        /* 4 MCSE: a correct sampler fails with probability 6e-5 per seed. */
        CHECK(fabs(mean - tau_true) < 4 * se);
        free(tau);
        free(a.x);
        free(b.x);
    }
    CHECK(div_centered > 0);
    CHECK((double)div_nc < 0.005 * (double)total);
}

/* log density that is NaN outside |q| < 3: any trajectory leaving it diverges. */
static double walled(void *self, const double *q, double *g)
{
    (void)self;
    g[0] = -q[0];
    return fabs(q[0]) < 3 ? -0.5 * q[0] * q[0] : NAN;
}

static void test_edge_cases(void)
{
    hs_model m = {1, walled, NULL};
    hs_nuts_config cfg;
    hs_nuts_config_default(&cfg);
    cfg.tune = 10; /* < 20: step size adapts, the metric does not */
    hs_nuts *s;
    hs_rng rng;
    hs_rng_seed(&rng, 3);
    REQUIRE(hs_nuts_create(&m, &cfg, &s) == 0);
    const double bad = 5.0, good = 0.5;
    CHECK_EQ_INT(hs_nuts_start(s, &bad, &rng), HS_NUTS_EINIT);
    REQUIRE(hs_nuts_start(s, &good, &rng) == 0);
    int div = 0, depth_ok = 1;
    hs_nuts_iter it;
    for (int t = 0; t < 300; t++) {
        REQUIRE(hs_nuts_transition(s, &rng, &it) == 0);
        div += it.divergent;
        depth_ok &= it.treedepth >= 0 && it.treedepth <= cfg.max_treedepth;
        CHECK(fabs(hs_nuts_position(s)[0]) < 3);
        CHECK(isfinite(it.energy) && isfinite(it.logp));
    }
    CHECK(div > 0); /* N(0, 1) reaches |q| = 3 on some trajectories */
    CHECK(depth_ok);
    CHECK_NEAR(hs_nuts_inv_metric(s)[0], 1.0, 0.0);
    hs_nuts_destroy(&s);
    CHECK(s == NULL);
    cfg.max_treedepth = 0;
    CHECK_EQ_INT(hs_nuts_create(&m, &cfg, &s), HS_NUTS_EARG);
}

/*
 * Stan's warmup windows (windowed_adaptation.hpp): with tune 1000 the metric
 * is updated after iterations 100, 150, 250, 450 and 950 (75 init buffer,
 * windows 25, 50, 100, 200, the last stretched to 500, 50 term buffer); with
 * tune 100 the 15% / 75% / 10% fallback gives one window ending at 90; below
 * 20 warmup iterations there is none.
 */
static void expect_windows(size_t tune, const size_t *ends, size_t n_ends)
{
    hs_ref_model rm;
    hs_model m;
    REQUIRE(hs_ref_model_init(&rm, HS_REF_STD_NORMAL, 2, &m) == 0);
    hs_nuts_config cfg;
    hs_nuts_config_default(&cfg);
    cfg.tune = tune;
    hs_nuts *s;
    hs_rng rng;
    hs_rng_seed(&rng, 11);
    REQUIRE(hs_nuts_create(&m, &cfg, &s) == 0);
    const double q0[2] = {0.5, -0.5};
    REQUIRE(hs_nuts_start(s, q0, &rng) == 0);
    size_t found = 0;
    double prev = hs_nuts_inv_metric(s)[0];
    for (size_t t = 1; t <= tune + 50; t++) {
        REQUIRE(hs_nuts_transition(s, &rng, NULL) == 0);
        const double cur = hs_nuts_inv_metric(s)[0];
        if (cur != prev) {
            CHECK(found < n_ends);
            if (found < n_ends)
                CHECK_EQ_INT(t, ends[found]);
            found++;
        }
        prev = cur;
    }
    CHECK_EQ_INT(found, n_ends);
    hs_nuts_destroy(&s);
}

static void test_windows(void)
{
    const size_t e1000[] = {100, 150, 250, 450, 950}, e100[] = {90}, e150[] = {100};
    expect_windows(1000, e1000, 5);
    expect_windows(100, e100, 1);
    expect_windows(150, e150, 1);
    expect_windows(19, NULL, 0);
}

int main(void)
{
    test_windows();
    test_gradients();
    test_edge_cases();
    test_std_normal();
    test_eight_schools();
    return CHECK_DONE();
}
