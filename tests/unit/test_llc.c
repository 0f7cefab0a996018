/* hs-link: numeric */
/*
 * LLC targets and estimators (src/numeric/llc_*.c) against known truths:
 * finite differences for every gradient and Hessian-vector product, the
 * closed-form ELBO of a Gaussian q on a quadratic target for the STL
 * estimator's mean, exact λ on quadratic targets (full rank and singular),
 * the Aoyagi-Watanabe λ of reduced-rank regression, and non-finite runs.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hsweep/diag.h"
#include "hsweep/llc.h"
#include "hsweep/rng.h"

static hs_llc_target_config quad_config(size_t d, size_t rank, int rotate)
{
    hs_llc_target_config c;
    memset(&c, 0, sizeof c);
    c.kind = HS_LLC_QUADRATIC;
    c.n = 100;
    c.dim = d;
    c.h_min = 1;
    c.h_max = 10;
    c.h_rank = rank;
    c.h_linear = 1;
    c.rotate = rotate;
    return c;
}

static hs_llc_target_config net_config(hs_llc_kind kind)
{
    hs_llc_target_config c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.n = kind == HS_LLC_MLP ? 100 : 1000;
    c.in_dim = kind == HS_LLC_MLP ? 4 : 5;
    c.width = kind == HS_LLC_MLP ? 4 : 3;
    c.depth = 2;
    c.out_dim = 5;
    c.noise = kind == HS_LLC_MLP ? 0.1 : 1.0;
    c.data_seed = 1;
    c.fit_steps = 20000;
    c.fit_lr = 0.01;
    c.fit_tol = 1e-8;
    return c;
}

static hs_llc_target *make(const hs_llc_target_config *c)
{
    hs_llc_target *t = NULL;
    char msg[256];
    int rc = hs_llc_target_create(c, 7, &t, msg, sizeof msg);
    if (rc)
        fprintf(stderr, "target: %s\n", msg);
    REQUIRE(rc == 0 && t);
    return t;
}

static hs_llc_vi_config vi_config(double nbeta, double gamma)
{
    hs_llc_vi_config v = {.family = HS_LLC_VI_MFA,
                          .components = 8,
                          .rank = 2,
                          .ridge = 1e-5,
                          .max_norm = 10,
                          .dsqrt_min = 1e-4,
                          .dsqrt_max = 1e2,
                          .clip = 5,
                          .lr = 0.01,
                          .steps = 5000,
                          .window = 1000,
                          .elbo_tol = 1e-3,
                          .eval_samples = 64,
                          .batch = 32,
                          .nbeta = nbeta,
                          .gamma = gamma,
                          .use_f32 = 0,
                          .trace_every = 1};
    return v;
}

/* Seed 001's sizes hold; the MLP has d = 45 (in 4, width 4, depth 2). */
static void test_dims(void)
{
    hs_llc_target_config q = quad_config(10, 10, 0), m = net_config(HS_LLC_MLP),
                         r = net_config(HS_LLC_RRR);
    CHECK_EQ_INT(hs_llc_target_dim_for(&q), 10);
    CHECK_EQ_INT(hs_llc_target_dim_for(&m), 45);
    CHECK_EQ_INT(hs_llc_target_dim_for(&r), 5 * 3 + 3 * 5);
    /* seed 001: d = 10, H = diag(1..10), n = 100, β = 1/ln 100, γ = 1: λ ≈ 4.93 */
    hs_llc_target *t = make(&q);
    const double lam = hs_llc_lambda_exact(t, hs_llc_nbeta(100, 1.0), 1.0);
    CHECK_NEAR(lam, 4.934, 5e-4);
    /* the Laplace reference equals the exact λ on a quadratic */
    CHECK_REL(hs_llc_lambda_laplace(t, 21.7, 0.3, NULL), hs_llc_lambda_exact(t, 21.7, 0.3), 1e-12);
    hs_llc_target_destroy(&t);
    CHECK(t == NULL);
}

/*
 * Aoyagi & Watanabe (2005) against the values devinterp's
 * tests/slt/rrr_test.py uses for its five (M, H, N) cases, and the regular
 * case r = H where λ = d/2 = H(M + N − H)/2 (dimension of rank-H matrices).
 */
static void test_rrr_closed_form(void)
{
    CHECK_NEAR(hs_llc_rrr_lambda(5, 3, 5, 0), 6.5, 1e-12); /* case 1, odd: 51/8 + 1/8 */
    CHECK_NEAR(hs_llc_rrr_lambda(5, 4, 5, 0), 8.0, 1e-12); /* case 1, even: 64/8 */
    CHECK_NEAR(hs_llc_rrr_lambda(4, 3, 8, 0), 6.0, 1e-12); /* case 2: MH/2 */
    CHECK_NEAR(hs_llc_rrr_lambda(8, 3, 4, 0), 6.0, 1e-12); /* case 3: HN/2 */
    CHECK_NEAR(hs_llc_rrr_lambda(3, 8, 4, 0), 6.0, 1e-12); /* case 4: MN/2 */
    CHECK_NEAR(hs_llc_rrr_lambda(5, 3, 5, 3), 3 * (5 + 5 - 3) / 2.0, 1e-12);
    CHECK_NEAR(hs_llc_rrr_lambda(2, 2, 2, 2), 2.0, 1e-12);
    CHECK(isnan(hs_llc_rrr_lambda(5, 3, 5, 4)));
}

/* Central differences with step h; error O(h²) ≈ 1e-8 relative for smooth losses. */
static void check_grad_fd(const hs_llc_target *t, const char *what)
{
    const size_t d = hs_llc_target_dim(t), n = hs_llc_target_rows(t);
    double *w = malloc(d * sizeof *w), *g = malloc(d * sizeof *g), *g2 = malloc(d * sizeof *g2);
    double *v = malloc(d * sizeof *v), *hv = malloc(d * sizeof *hv);
    double *work = malloc(hs_llc_target_work_size(t) * sizeof *work);
    float *wf = malloc(d * sizeof *wf), *gf = malloc(d * sizeof *gf);
    float *workf = malloc(hs_llc_target_work_size(t) * sizeof *workf);
    REQUIRE(w && g && g2 && v && hv && work && wf && gf && workf);
    hs_rng rng;
    hs_rng_seed(&rng, 3);
    const double *ws = hs_llc_target_wstar(t);
    for (size_t i = 0; i < d; i++) {
        w[i] = ws[i] + 0.1 * hs_rng_normal(&rng);
        v[i] = hs_rng_normal(&rng);
    }
    size_t rows[7] = {0, 3, 3, 9, 11, 2, 5};
    for (int mb = 0; mb < 2; mb++) {
        const size_t *r = mb ? rows : NULL;
        const size_t nr = mb ? 7 : n;
        const double l0 = hs_llc_target_grad(t, w, r, nr, g, work);
        if (!mb)
            CHECK_REL(l0, hs_llc_target_loss(t, w, work), 1e-14);
        double err = 0, scale = 0;
        for (size_t i = 0; i < d; i++) {
            const double h = 1e-5, wi = w[i];
            w[i] = wi + h;
            double lp = hs_llc_target_grad(t, w, r, nr, g2, work);
            w[i] = wi - h;
            double lm = hs_llc_target_grad(t, w, r, nr, g2, work);
            w[i] = wi;
            err = fmax(err, fabs((lp - lm) / (2 * h) - g[i]));
            scale = fmax(scale, fabs(g[i]));
        }
        if (!(err <= 1e-6 * fmax(scale, 1.0)))
            fprintf(stderr, "%s: gradient vs FD max error %g (scale %g)\n", what, err, scale);
        CHECK(err <= 1e-6 * fmax(scale, 1.0));
    }
    /* HVP vs central differences of the gradient along v (ReLU kinks are
     * measure-zero: a 1e-6 step crosses none at these random points) */
    hs_llc_target_hvp(t, w, v, hv, work);
    const double h = 1e-6;
    for (size_t i = 0; i < d; i++)
        w[i] += h * v[i];
    hs_llc_target_grad(t, w, NULL, n, g, work);
    for (size_t i = 0; i < d; i++)
        w[i] -= 2 * h * v[i];
    hs_llc_target_grad(t, w, NULL, n, g2, work);
    for (size_t i = 0; i < d; i++)
        w[i] += h * v[i];
    double err = 0, scale = 0;
    for (size_t i = 0; i < d; i++) {
        err = fmax(err, fabs((g[i] - g2[i]) / (2 * h) - hv[i]));
        scale = fmax(scale, fabs(hv[i]));
    }
    if (!(err <= 1e-5 * fmax(scale, 1.0)))
        fprintf(stderr, "%s: HVP vs FD max error %g (scale %g)\n", what, err, scale);
    CHECK(err <= 1e-5 * fmax(scale, 1.0));
    /* f32 gradient agrees with f64 to single precision (sums of <= 100 terms: 1e-4) */
    for (size_t i = 0; i < d; i++)
        wf[i] = (float)w[i];
    const double lf = hs_llc_target_gradf(t, wf, NULL, n, gf, workf);
    const double ld = hs_llc_target_grad(t, w, NULL, n, g, work);
    CHECK_REL(lf, ld, 1e-4);
    err = 0;
    scale = 0;
    for (size_t i = 0; i < d; i++) {
        err = fmax(err, fabs((double)gf[i] - g[i]));
        scale = fmax(scale, fabs(g[i]));
    }
    CHECK(err <= 1e-4 * fmax(scale, 1.0));
    free(w);
    free(g);
    free(g2);
    free(v);
    free(hv);
    free(work);
    free(wf);
    free(gf);
    free(workf);
}

static void test_target_gradients(void)
{
    hs_llc_target_config q = quad_config(6, 4, 1);
    q.h_linear = 0;
    hs_llc_target *t = make(&q);
    check_grad_fd(t, "quadratic");
    /* H = Q diag(h) Qᵀ: its trace is the sum of the log-spaced h (1 .. 10, 4 values) */
    const double *H = hs_llc_target_hessian(t);
    double tr = 0;
    for (size_t i = 0; i < 6; i++)
        tr += H[i * 6 + i];
    CHECK_NEAR(tr, 1 + pow(10, 1.0 / 3) + pow(10, 2.0 / 3) + 10, 1e-12);
    hs_llc_target_destroy(&t);

    hs_llc_target_config m = net_config(HS_LLC_MLP);
    t = make(&m);
    check_grad_fd(t, "mlp");
    /* w* is a fitted minimum: small gradient, L_n(w*) near the noise variance 0.01 */
    CHECK(hs_llc_target_wstar_grad_norm(t) < 1e-2);
    CHECK(hs_llc_target_wstar_loss(t) < 0.02);
    hs_llc_target_destroy(&t);

    hs_llc_target_config r = net_config(HS_LLC_RRR);
    t = make(&r);
    check_grad_fd(t, "rrr");
    /* the rank-3 least-squares fit is reached (linear networks have no spurious minima) */
    CHECK(hs_llc_target_wstar_grad_norm(t) <= 1e-8);
    hs_llc_target_destroy(&t);
}

static hs_llc_vi *make_vi(const hs_llc_target *t, const hs_llc_vi_config *v)
{
    hs_llc_vi *vi = NULL;
    char msg[256];
    int rc = hs_llc_vi_create(t, v, &vi, msg, sizeof msg);
    if (rc)
        fprintf(stderr, "vi: %s\n", msg);
    REQUIRE(rc == 0 && vi);
    return vi;
}

/* A generic θ away from the initialisation: ρ ∈ ±0.5 (no clip), A ~ 0.4 N, α ~ N. */
static void random_theta(hs_llc_vi *vi, double *theta, size_t d, hs_rng *rng)
{
    const size_t np = hs_llc_vi_nparam(vi);
    for (size_t k = 0; k < np; k++)
        theta[k] = k < d ? 0.5 * (2 * hs_rng_uniform(rng) - 1) : 0.4 * hs_rng_normal(rng);
}

/*
 * ELBO pieces vs finite differences (f64): ∇_w log q, ∂log q/∂θ at fixed w
 * (the logits part is the score r − π the RB estimator uses), and the STL
 * path gradient ∂/∂θ [log p̃(T_θ) − log q_θ0(T_θ)] with q frozen at θ0.
 */
static void check_pieces(const hs_llc_target *t, hs_llc_vi_family fam, const char *what)
{
    const size_t d = hs_llc_target_dim(t);
    hs_llc_vi_config v = vi_config(21.7, 0.7);
    v.family = fam;
    v.laplace_precondition = 1;
    v.components = 3;
    v.rank = 2;
    hs_llc_vi *vi = make_vi(t, &v);
    const int mfa = fam == HS_LLC_VI_MFA;
    const size_t np = hs_llc_vi_nparam(vi), M = mfa ? 3 : 0, r = 2;
    /* the path-gradient block: ρ and A (mfa), ℓ and N (gaussian) */
    const size_t npath = mfa ? d + M * d * r : np;
    double *th = malloc(np * sizeof *th), *gth = malloc(np * sizeof *gth);
    double *gp = malloc(np * sizeof *gp), *w = malloc(d * sizeof *w), *gw = malloc(d * sizeof *gw);
    double *w2 = malloc(d * sizeof *w2), *eps = malloc(d * sizeof *eps);
    REQUIRE(th && gth && gp && w && gw && w2 && eps);
    hs_rng rng;
    hs_rng_seed(&rng, 5);
    random_theta(vi, th, d, &rng);
    /* N's entries O(1/√d): a unit lower triangular N with O(1) entries has an
     * inverse growing like 2^d, and the differences below would measure rounding */
    for (size_t k = d; k < np && !mfa; k++)
        th[k] /= sqrt((double)d);
    double z[2];
    for (size_t i = 0; i < d; i++)
        eps[i] = hs_rng_normal(&rng);
    z[0] = hs_rng_normal(&rng);
    z[1] = hs_rng_normal(&rng);
    const size_t m = 1;
    hs_llc_vi_sample(vi, th, m, z, eps, w);
    hs_llc_vi_logq(vi, th, w, gw, gth);
    const double h = 1e-6;
    /* ∇_w log q */
    double err = 0, sc = 0;
    for (size_t i = 0; i < d; i++) {
        memcpy(w2, w, d * sizeof *w);
        w2[i] += h;
        double lp = hs_llc_vi_logq(vi, th, w2, NULL, NULL);
        w2[i] -= 2 * h;
        double lm = hs_llc_vi_logq(vi, th, w2, NULL, NULL);
        err = fmax(err, fabs((lp - lm) / (2 * h) - gw[i]));
        sc = fmax(sc, fabs(gw[i]));
    }
    if (!(err <= 1e-6 * fmax(sc, 1)))
        fprintf(stderr, "%s: grad_w log q error %g (scale %g)\n", what, err, sc);
    CHECK(err <= 1e-6 * fmax(sc, 1));
    /* ∂ log q/∂θ at fixed w */
    err = 0;
    sc = 0;
    for (size_t k = 0; k < np; k++) {
        const double tk = th[k];
        th[k] = tk + h;
        double lp = hs_llc_vi_logq(vi, th, w, NULL, NULL);
        th[k] = tk - h;
        double lm = hs_llc_vi_logq(vi, th, w, NULL, NULL);
        th[k] = tk;
        err = fmax(err, fabs((lp - lm) / (2 * h) - gth[k]));
        sc = fmax(sc, fabs(gth[k]));
    }
    if (!(err <= 1e-6 * fmax(sc, 1)))
        fprintf(stderr, "%s: dlogq/dtheta error %g\n", what, err);
    CHECK(err <= 1e-6 * fmax(sc, 1));
    /* STL path gradient for ρ and A; RB logits term (f − b)(r − π) */
    const double base = 0.25;
    const double f = hs_llc_vi_grad(vi, th, m, z, eps, base, gp);
    const double nbeta = v.nbeta, gamma = v.gamma;
    const double *ws = hs_llc_target_wstar(t);
    double *work = malloc(hs_llc_target_work_size(t) * sizeof *work);
    REQUIRE(work);
    const double lstar = hs_llc_target_loss(t, ws, work);
    double *th2 = malloc(np * sizeof *th2);
    REQUIRE(th2);
    err = 0;
    sc = 0;
    for (size_t k = 0; k < npath; k++) {
        double val[2];
        for (int s = 0; s < 2; s++) {
            memcpy(th2, th, np * sizeof *th2);
            th2[k] += s ? -h : h;
            hs_llc_vi_sample(vi, th2, m, z, eps, w2);
            double dd = 0;
            for (size_t i = 0; i < d; i++)
                dd += (w2[i] - ws[i]) * (w2[i] - ws[i]);
            val[s] = -nbeta * (hs_llc_target_loss(t, w2, work) - lstar) - 0.5 * gamma * dd -
                     hs_llc_vi_logq(vi, th, w2, NULL, NULL);
        }
        err = fmax(err, fabs((val[0] - val[1]) / (2 * h) - gp[k]));
        sc = fmax(sc, fabs(gp[k]));
    }
    if (!(err <= 1e-5 * fmax(sc, 1)))
        fprintf(stderr, "%s: STL path gradient error %g (scale %g)\n", what, err, sc);
    CHECK(err <= 1e-5 * fmax(sc, 1));
    for (size_t k = 0; k < M; k++)
        CHECK_NEAR(gp[d + M * d * r + k], (f - base) * gth[d + M * d * r + k], 1e-12);
    free(work);
    free(th2);
    free(th);
    free(gth);
    free(gp);
    free(w);
    free(gw);
    free(w2);
    free(eps);
    hs_llc_vi_destroy(&vi);
}

static void test_elbo_pieces(void)
{
    hs_llc_target_config q = quad_config(6, 4, 1);
    hs_llc_target *t = make(&q);
    check_pieces(t, HS_LLC_VI_MFA, "quadratic");
    check_pieces(t, HS_LLC_VI_GAUSSIAN, "quadratic, gaussian");
    hs_llc_target_destroy(&t);
    hs_llc_target_config m = net_config(HS_LLC_MLP);
    m.fit_steps = 200;
    t = make(&m);
    check_pieces(t, HS_LLC_VI_MFA, "mlp");
    check_pieces(t, HS_LLC_VI_GAUSSIAN, "mlp, gaussian");
    hs_llc_target_destroy(&t);
}

/* log det of a small SPD matrix by Cholesky (test helper). */
static double logdet_spd(double *a, size_t d)
{
    double ld = 0;
    for (size_t j = 0; j < d; j++) {
        for (size_t i = j; i < d; i++) {
            double s = a[i * d + j];
            for (size_t k = 0; k < j; k++)
                s -= a[i * d + k] * a[j * d + k];
            a[i * d + j] = i == j ? sqrt(s) : s / a[j * d + j];
        }
        ld += 2 * log(a[j * d + j]);
    }
    return ld;
}

/*
 * Closed-form ELBO of one Gaussian component (M = 1, ridge 0) on a quadratic:
 *   ELBO = −½ tr((nβH + γI)Σ) + ½ log det Σ + (d/2)(1 + log 2π),  Σ = S(I + AAᵀ)S.
 */
static double elbo_closed(const double *th, const double *H, size_t d, size_t r, double nbeta,
                          double gamma)
{
    double s[8], sig[64];
    for (size_t i = 0; i < d; i++)
        s[i] = th[i] > 0 ? th[i] + log1p(exp(-th[i])) : log1p(exp(th[i]));
    const double *A = th + d;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++) {
            double v = i == j;
            for (size_t k = 0; k < r; k++)
                v += A[i * r + k] * A[j * r + k];
            sig[i * d + j] = s[i] * v * s[j];
        }
    double tr = 0;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            tr += (nbeta * H[i * d + j] + gamma * (i == j)) * sig[j * d + i];
    return -0.5 * tr + 0.5 * logdet_spd(sig, d) + 0.5 * (double)d * (1 + log(2 * M_PI));
}

/*
 * The STL estimator (with the entropy's path term) is unbiased: its mean
 * over 40000 draws matches the finite-difference gradient of the closed-form
 * ELBO within 5 Monte Carlo standard errors (+1e-6 for the differences).
 * Leaving out the entropy path term shifts the ρ gradients by O(1) here,
 * hundreds of standard errors.
 */
static void test_stl_unbiased(void)
{
    const size_t d = 4, r = 2;
    hs_llc_target_config q = quad_config(d, d, 1);
    hs_llc_target *t = make(&q);
    hs_llc_vi_config v = vi_config(5.0, 0.5);
    v.components = 1;
    v.rank = r;
    v.ridge = 0;
    hs_llc_vi *vi = make_vi(t, &v);
    const size_t np = hs_llc_vi_nparam(vi);
    double th[16], g[16], sum[16] = {0}, sum2[16] = {0}, eps[4], z[2];
    REQUIRE(np == d + d * r + 1);
    hs_rng rng;
    hs_rng_seed(&rng, 9);
    random_theta(vi, th, d, &rng);
    const int N = 40000;
    for (int s = 0; s < N; s++) {
        for (size_t i = 0; i < d; i++)
            eps[i] = hs_rng_normal(&rng);
        z[0] = hs_rng_normal(&rng);
        z[1] = hs_rng_normal(&rng);
        hs_llc_vi_grad(vi, th, 0, z, eps, 0.0, g);
        for (size_t k = 0; k < np; k++) {
            sum[k] += g[k];
            sum2[k] += g[k] * g[k];
        }
    }
    const double *H = hs_llc_target_hessian(t);
    int bad = 0;
    for (size_t k = 0; k + 1 < np; k++) {
        const double h = 1e-5, tk = th[k];
        th[k] = tk + h;
        double ep = elbo_closed(th, H, d, r, v.nbeta, v.gamma);
        th[k] = tk - h;
        double em = elbo_closed(th, H, d, r, v.nbeta, v.gamma);
        th[k] = tk;
        const double fd = (ep - em) / (2 * h), mean = sum[k] / N;
        const double se = sqrt(fmax(sum2[k] / N - mean * mean, 0) / N);
        if (!(fabs(mean - fd) <= 5 * se + 1e-6)) {
            fprintf(stderr, "STL mean gradient [%zu]: %g vs closed form %g (se %g)\n", k, mean, fd,
                    se);
            bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
    hs_llc_vi_destroy(&vi);
    hs_llc_target_destroy(&t);
}

/* Fit `chains` VI chains; returns the mean plain and control-variated λ̂. */
static void vi_fit(const hs_llc_target *t, const hs_llc_vi_config *v, size_t chains, double *plain,
                   double *cv)
{
    hs_llc_vi *vi = make_vi(t, v);
    double *draws = malloc(v->eval_samples * sizeof *draws);
    REQUIRE(draws);
    hs_llc_vi_trace tr;
    memset(&tr, 0, sizeof tr);
    *plain = *cv = 0;
    for (size_t c = 0; c < chains; c++) {
        hs_llc_vi_result res;
        REQUIRE(hs_llc_vi_run(vi, 21, c, &tr, draws, &res) == 0);
        CHECK_EQ_INT(res.first_nonfinite, -1);
        CHECK_EQ_INT(res.n_draws, v->eval_samples);
        CHECK(v->family != HS_LLC_VI_MFA || res.c_min_eig >= 1.0); /* C_m = (1 + ridge)I + AᵀA */
        *plain += res.lambda_hat / (double)chains;
        *cv += res.lambda_cv / (double)chains;
    }
    free(draws);
    hs_llc_vi_destroy(&vi);
}

/*
 * Seed 001's test: d = 10, H = diag(1..10), n = 100, β = 1/ln 100, γ = 1.
 * The exact posterior N(w*, (nβH + γI)⁻¹) is in the family (A = 0), so the
 * fitted λ is unbiased up to optimisation noise.  Plain estimate: 4 × 1024
 * draws of a λ with sd ≈ 2.2 give a Monte Carlo sd of 0.035 (0.7%): 5% is 7
 * sd.  The control-variated estimate has no Monte Carlo error on a quadratic
 * (L − L* = ½δᵀHδ), so 3% bounds the fit's own bias (Adam noise at lr 0.01
 * leaves A slightly nonzero, ~1%).  f32 runs the same fit in float.
 */
static void test_vi_quadratic(void)
{
    hs_llc_target_config q = quad_config(10, 10, 0);
    hs_llc_target *t = make(&q);
    const double nb = hs_llc_nbeta(100, 1.0), exact = hs_llc_lambda_exact(t, nb, 1.0);
    hs_llc_vi_config v = vi_config(nb, 1.0);
    v.eval_samples = 1024;
    double plain, cv;
    vi_fit(t, &v, 4, &plain, &cv);
    CHECK_REL(plain, exact, 0.05);
    CHECK_REL(cv, exact, 0.03);
    v.use_f32 = 1;
    vi_fit(t, &v, 2, &plain, &cv);
    CHECK_REL(plain, exact, 0.05);
    CHECK_REL(cv, exact, 0.03);
    hs_llc_target_destroy(&t);

    /*
     * Singular quadratic: rank 3 of 10, γ = 1e-3 → λ = ½Σ_3 nβh/(nβh+γ) ≈ 1.5
     * (rank/2 minus 7e-5).  The 7 flat directions do not enter L, so the fit
     * must find the 3 curved ones; 5% of rank/2.
     */
    q = quad_config(10, 3, 0);
    t = make(&q);
    v = vi_config(nb, 1e-3);
    v.eval_samples = 1024;
    const double ex3 = hs_llc_lambda_exact(t, nb, 1e-3);
    CHECK_NEAR(ex3, 1.5, 1e-3);
    vi_fit(t, &v, 2, &plain, &cv);
    CHECK_REL(cv, 1.5, 0.05);
    CHECK_REL(plain, 1.5, 0.05);
    hs_llc_target_destroy(&t);
}

/*
 * Fit one Gaussian VI chain and check it against the exact λ of the
 * quadratic target t (rotated, possibly singular): the control-variated
 * estimate nβE_q[½δᵀHδ] has no Monte Carlo error, so 5% bounds the fitted
 * covariance's error (measured <= 0.5% with lr 1e-3); the plain estimate has
 * Monte Carlo sd(draw)/√S, checked within 4 of its standard errors plus 5%.
 * The fit must stop at the plateau.  Returns the control-variated λ̂.
 */
static double check_gaussian_fit(const hs_llc_target *t, const hs_llc_vi_config *v,
                                 const char *what)
{
    hs_llc_vi *vi = make_vi(t, v);
    double *draws = malloc(v->eval_samples * sizeof *draws);
    REQUIRE(draws);
    hs_llc_vi_trace tr;
    memset(&tr, 0, sizeof tr);
    hs_llc_vi_result res;
    REQUIRE(hs_llc_vi_run(vi, 21, 0, &tr, draws, &res) == 0);
    const double exact = hs_llc_lambda_exact(t, v->nbeta, v->gamma);
    const double se = sqrt(res.var_plain / (double)v->eval_samples);
    int ok = res.converged == 1 && res.first_nonfinite == -1 &&
             fabs(res.lambda_cv - exact) <= 0.05 * exact &&
             fabs(res.lambda_hat - exact) <= 4 * se + 0.05 * exact;
    if (!ok)
        fprintf(stderr, "%s: exact %g, cv %g, plain %g (se %g), converged %d after %ld\n", what,
                exact, res.lambda_cv, res.lambda_hat, se, res.converged, res.steps_done);
    CHECK(ok);
    CHECK(isnan(res.c_min_eig) && res.ridge_used == 0);
    free(draws);
    hs_llc_vi_destroy(&vi);
    return res.lambda_cv;
}

/*
 * family = gaussian on rotated quadratics (Haar Q from three target seeds),
 * d = 3, 6, 10, ranks 1 .. d, γ = 1e-4 .. 1: the exact local posterior
 * N(w*, (nβH + γI)⁻¹) is in the family, so the fitted λ is exact up to the
 * optimiser's jitter.  With the Laplace factor the fit starts at the answer
 * and must stay there (a wrong path gradient or log q moves it away within
 * the first window); without it (P = I, d = 4, γ = 1) Adam must find it.
 */
static void test_vi_gaussian_quadratic(void)
{
    static const size_t dims[] = {3, 6, 10};
    static const double gammas[] = {1e-4, 1e-2, 1.0};
    const double nb = hs_llc_nbeta(100, 1.0);
    for (size_t a = 0; a < 3; a++)
        for (size_t rk = 1; rk <= dims[a]; rk += (dims[a] + 2) / 3)
            for (size_t g = 0; g < 3; g++) {
                hs_llc_target_config q = quad_config(dims[a], rk, 1);
                hs_llc_target *t = NULL;
                char msg[256], what[96];
                REQUIRE(hs_llc_target_create(&q, 100 + a * 10 + rk + g, &t, msg, sizeof msg) == 0);
                hs_llc_vi_config v = vi_config(nb, gammas[g]);
                v.family = HS_LLC_VI_GAUSSIAN;
                v.laplace_precondition = 1;
                v.lr = 1e-3;
                v.steps = 20000;
                v.window = 500;
                v.eval_samples = 256;
                snprintf(what, sizeof what, "gaussian d %zu rank %zu gamma %g", dims[a], rk,
                         gammas[g]);
                check_gaussian_fit(t, &v, what);
                hs_llc_target_destroy(&t);
            }
    hs_llc_target_config q = quad_config(4, 2, 1);
    hs_llc_target *t = make(&q);
    hs_llc_vi_config v = vi_config(nb, 1.0);
    v.family = HS_LLC_VI_GAUSSIAN;
    v.laplace_precondition = 0;
    v.steps = 20000;
    v.window = 500;
    v.eval_samples = 256;
    check_gaussian_fit(t, &v, "gaussian d 4 rank 2, no preconditioning");
    hs_llc_target_destroy(&t);
}

/*
 * The seeds' family on the same kind of target, measured (the README's
 * statement): rotated rank 1 of d = 10, γ = 1e-4, exact λ = 0.5.  Its
 * covariance S(I + A_mA_mᵀ)S can be narrow along the rotated stiff
 * direction only with every s_i small, and its rank-2 factors cannot carry
 * the width of the 9 flat directions: λ̂ lands near d/2 or above (measured
 * 9-12; see bench/llc_vi_bias.log).  Asserted: more than 4 times too large,
 * so that a change that removes the bias is noticed and the README updated.
 */
static void test_vi_mfa_bias(void)
{
    hs_llc_target_config q = quad_config(10, 1, 1);
    hs_llc_target *t = make(&q);
    const double nb = hs_llc_nbeta(100, 1.0);
    hs_llc_vi_config v = vi_config(nb, 1e-4);
    v.window = 500;
    double plain, cv;
    vi_fit(t, &v, 1, &plain, &cv);
    CHECK(cv > 4 * hs_llc_lambda_exact(t, nb, 1e-4));
    hs_llc_target_destroy(&t);
}

/*
 * `chains` SGLD chains (seed 31, streams 0..chains−1): the mean of all their
 * draws and its Monte Carlo standard error, the larger of two estimates made
 * from the draws: posterior::mcse_mean (sd / √ESS, autocorrelations within
 * and across chains) and the spread of the chain means / √chains (chains
 * independent).  The discretisation bias of ε is in neither.
 */
static double sgld_mcse(const hs_llc_target *t, const hs_llc_sgld_config *c, size_t chains,
                        double *mcse)
{
    const size_t n = hs_llc_sgld_ndraws(c);
    double *draws = malloc(chains * n * sizeof *draws), *mean = malloc(chains * sizeof *mean);
    REQUIRE(draws && mean);
    double m = 0, ss = 0;
    for (size_t ch = 0; ch < chains; ch++) {
        hs_llc_sgld_result res;
        REQUIRE(hs_llc_sgld_run(t, c, 31, ch, draws + ch * n, &res) == 0);
        CHECK_EQ_INT(res.first_nonfinite, -1);
        CHECK_EQ_INT(res.n_draws, n);
        mean[ch] = 0;
        for (size_t i = 0; i < n; i++)
            mean[ch] += draws[ch * n + i] / (double)n;
        m += mean[ch] / (double)chains;
    }
    for (size_t ch = 0; ch < chains; ch++)
        ss += (mean[ch] - m) * (mean[ch] - m);
    const double between = sqrt(ss / (double)(chains - 1) / (double)chains);
    const double within = hs_diag_mcse_mean(draws, n, chains);
    *mcse = within > between ? within : between;
    free(draws);
    free(mean);
    return m;
}

/* Mean of `chains` SGLD chains' draws (sgld_mcse without its error). */
static double sgld_mean(const hs_llc_target *t, const hs_llc_sgld_config *c, size_t chains)
{
    double mcse;
    return sgld_mcse(t, c, chains, &mcse);
}

/*
 * SGLD on seed 001's quadratic with ε = 1e-3.  Its stationary law along an
 * eigendirection of precision p_i = nβh_i + γ has variance 1/(p_i(1 − εp_i/4)),
 * so E[λ_t] = ½ Σ (nβh_i/p_i)/(1 − εp_i/4) (about 2.7% above λ).  Slowest
 * relaxation 2/(εp_min) ≈ 90 steps: 4 chains × 100000 steps give an sd of
 * about 0.4% of λ; 1.5% of the discretised value and 5% of λ.
 */
static void test_sgld_quadratic(void)
{
    hs_llc_target_config q = quad_config(10, 10, 0);
    hs_llc_target *t = make(&q);
    const double nb = hs_llc_nbeta(100, 1.0), exact = hs_llc_lambda_exact(t, nb, 1.0);
    hs_llc_sgld_config c = {.epsilon = 1e-3,
                            .steps = 100000,
                            .warmup = 1000,
                            .eval_every = 10,
                            .batch = 32,
                            .nbeta = nb,
                            .gamma = 1.0};
    double disc = 0;
    for (int i = 1; i <= 10; i++) {
        const double p = nb * i + 1.0;
        disc += 0.5 * (nb * i / p) / (1 - c.epsilon * p / 4);
    }
    const double m = sgld_mean(t, &c, 4);
    CHECK_REL(m, disc, 0.015);
    CHECK_REL(m, exact, 0.05);
    hs_llc_target_destroy(&t);
}

/*
 * SGLD on rotated quadratics against the exact λ = ½Σ nβh_i/(nβh_i + γ),
 * within 3 Monte Carlo standard errors (sgld_mcse).  Its stationary law is
 * Gaussian with precision p_i(1 − εp_i/4) per eigendirection (p_i = nβh_i
 * + γ), so its mean is λ_ε = ½Σ (nβh_i/p_i)/(1 − εp_i/4): ε = 1e-4 (5e-5
 * on the stiffest case) keeps λ_ε − λ (0.15 to 0.5% of λ) below the MCSE,
 * and the test asserts that of its own settings.  The MCSE is asserted below
 * 1.5% of λ (measured 0.8 to 1.4%), so 3 MCSE is at most 4.5%: loose against
 * ε = 1e-3's bias (3 to 5% above λ), tight against VI's failures (×2 to ×40).
 * The d = 6 case also holds VI's Gaussian fit to the same target.
 */
static void test_sgld_rotated(void)
{
    static const struct {
        size_t d, rank;
        double gamma, epsilon;
        long steps;
    } cases[] = {
        {6, 3, 1e-2, 1e-4, 400000}, {10, 1, 1e-4, 1e-4, 400000}, {10, 10, 1.0, 5e-5, 200000}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        hs_llc_target_config q = quad_config(cases[k].d, cases[k].rank, 1);
        hs_llc_target *t = make(&q);
        const double nb = hs_llc_nbeta(100, 1.0), gamma = cases[k].gamma;
        const double exact = hs_llc_lambda_exact(t, nb, gamma);
        hs_llc_sgld_config c = {.epsilon = cases[k].epsilon,
                                .steps = cases[k].steps,
                                .warmup = 5000,
                                .eval_every = 10,
                                .batch = 32,
                                .nbeta = nb,
                                .gamma = gamma};
        double disc = 0;
        for (size_t i = 0; i < cases[k].rank; i++) { /* quad_config: linear h in [1, 10] */
            const double f = cases[k].rank > 1 ? (double)i / (double)(cases[k].rank - 1) : 1.0;
            const double h = 1 + 9 * f, p = nb * h + gamma;
            disc += 0.5 * (nb * h / p) / (1 - c.epsilon * p / 4);
        }
        double mcse;
        const double m = sgld_mcse(t, &c, 8, &mcse);
        fprintf(stderr, "sgld d %zu rank %zu gamma %g: %g (mcse %g), exact %g, lambda_eps %g\n",
                cases[k].d, cases[k].rank, gamma, m, mcse, exact, disc);
        CHECK(fabs(m - exact) <= 3 * mcse);
        CHECK(disc - exact <= mcse); /* the discretisation bias is below the MCSE */
        CHECK(mcse < 0.015 * exact); /* the check above discriminates at 4.5% or better */
        if (k == 0) {
            hs_llc_vi_config v = vi_config(nb, gamma);
            v.family = HS_LLC_VI_GAUSSIAN;
            v.laplace_precondition = 1;
            v.lr = 1e-3;
            v.steps = 20000;
            v.window = 500;
            v.eval_samples = 256;
            const double vi_cv = check_gaussian_fit(t, &v, "gaussian d 6 rank 3 (vs sgld)");
            if (!(fabs(m - vi_cv) <= 4 * mcse))
                fprintf(stderr, "sgld %g (mcse %g), vi %g\n", m, mcse, vi_cv);
            CHECK(fabs(m - vi_cv) <= 4 * mcse);
        }
        hs_llc_target_destroy(&t);
    }
}

/*
 * SGLD on reduced-rank regression M = 5, H = 3, N = 5 (devinterp's case 1,
 * odd; λ = 6.5), n = 1000 pure-noise rows, batch 100, at γ = 1e-2, where
 * the localizer barely lowers the finite-n local posterior's λ (an exact
 * MALA chain gives 6.51 there; at γ = 1 it gives 6.28): within 3 MCSE of
 * Aoyagi-Watanabe's value.  ε = 2.5e-5: λ̂ rises with ε (measured with 16
 * chains over εT = 4: 6.81 at 2e-4, 6.68 at 1e-4, 6.53 at 5e-5, 6.56 at
 * 2.5e-5), a slope of about 1.3e3 per unit ε, so the bias here is ~0.03,
 * below the MCSE (measured 6.54, MCSE 0.094 = 1.4% of λ, the spread of the
 * chain means; asserted < 1.5%): 3 MCSE is 4.3%, so 6.5 × 1.05 fails, and
 * so does the former bound's 6.5 × 1.15.
 * 8 chains × 160 000 steps (εT = 4, a draw every 40 steps).  At γ = 1e-2
 * the flat directions relax over 2/γ = 200 time units, far beyond εT: like
 * devinterp's, the estimate is of the posterior near w* after εT = 4, and
 * the MCSE, from the draws, does not see that drift.
 */
static void test_sgld_rrr(void)
{
    hs_llc_target_config r = net_config(HS_LLC_RRR);
    hs_llc_target *t = make(&r);
    const double nb = hs_llc_nbeta(1000, 1.0), gamma = 1e-2;
    hs_llc_sgld_config c = {.epsilon = 2.5e-5,
                            .steps = 160000,
                            .warmup = 16000,
                            .eval_every = 40,
                            .batch = 100,
                            .nbeta = nb,
                            .gamma = gamma};
    CHECK_NEAR(hs_llc_lambda_exact(t, nb, gamma), 6.5, 1e-12);
    double mcse;
    const double m = sgld_mcse(t, &c, 8, &mcse);
    fprintf(stderr, "sgld rrr gamma %g: %g (mcse %g), Aoyagi-Watanabe 6.5\n", gamma, m, mcse);
    CHECK(fabs(m - 6.5) <= 3 * mcse);
    CHECK(mcse < 0.015 * 6.5);
    hs_llc_target_destroy(&t);
}

/*
 * VI on reduced-rank regression at llc_sgld_vs_vi.cfg's sizes (M 5, H 3,
 * N 5, n 1000, λ = 6.5), family = gaussian (lr 1e-3): the README's
 * statement.  At γ = 1 the local posterior is singular and no Gaussian
 * centred at w* follows it: λ̂ is far above Aoyagi-Watanabe's value
 * (measured 9.3 to 9.8, +43 to +51%; asserted > 1.3×, so that a change that removes the
 * bias is noticed).  At γ = 100 the localizer makes the posterior nearly
 * Gaussian and VI agrees with SGLD (measured 3.6 and 3.5): within 10%, over
 * SGLD's Monte Carlo error (4 chains × 900 draws, sd of the mean ≈ 1%).
 */
static void test_vi_rrr(void)
{
    hs_llc_target_config r = net_config(HS_LLC_RRR);
    hs_llc_target *t = make(&r);
    const double nb = hs_llc_nbeta(1000, 1.0);
    for (int k = 0; k < 2; k++) {
        const double gamma = k ? 100.0 : 1.0;
        hs_llc_vi_config v = vi_config(nb, gamma);
        v.family = HS_LLC_VI_GAUSSIAN;
        v.laplace_precondition = 1;
        v.lr = 1e-3;
        v.steps = 20000;
        v.window = 500;
        v.batch = 100;
        v.eval_samples = 256;
        double plain, cv;
        vi_fit(t, &v, 1, &plain, &cv);
        if (!k) {
            CHECK(cv > 1.3 * 6.5);
            continue;
        }
        hs_llc_sgld_config c = {.epsilon = 1e-4,
                                .steps = 10000,
                                .warmup = 1000,
                                .eval_every = 10,
                                .batch = 100,
                                .nbeta = nb,
                                .gamma = gamma};
        const double sg = sgld_mean(t, &c, 4);
        if (!(fabs(cv - sg) <= 0.1 * sg))
            fprintf(stderr, "rrr gamma 100: vi %g, sgld %g\n", cv, sg);
        CHECK(fabs(cv - sg) <= 0.1 * sg);
    }
    hs_llc_target_destroy(&t);
}

/*
 * Non-finite runs are results with their step.  SGLD with ε(nβh_max + γ) ≈
 * 2000 >> 4 grows by |1 − εp/2| ≈ 1000 per step and overflows within a few
 * hundred steps.  VI with an absurd lr (1e10) in f32 on the MLP, with the
 * D_sqrt guard lifted (dsqrt_max 1e30): the first step sends D_sqrt to ~1e10
 * and the loss overflows float.  (With the default guards the same lr stays
 * finite: a collapsed, useless q, but no NaN.)
 */
static void test_nonfinite(void)
{
    hs_llc_target_config q = quad_config(10, 10, 0);
    hs_llc_target *t = make(&q);
    const double nb = hs_llc_nbeta(100, 1.0);
    hs_llc_sgld_config c = {.epsilon = 10,
                            .steps = 5000,
                            .warmup = 0,
                            .eval_every = 1,
                            .batch = 32,
                            .nbeta = nb,
                            .gamma = 1.0};
    double draws[5000];
    hs_llc_sgld_result sr;
    REQUIRE(hs_llc_sgld_run(t, &c, 1, 0, draws, &sr) == 0);
    CHECK(sr.first_nonfinite > 0 && sr.first_nonfinite < 1000);
    CHECK(sr.n_draws <= (size_t)sr.first_nonfinite);
    hs_llc_target_destroy(&t);

    hs_llc_target_config m = net_config(HS_LLC_MLP);
    m.fit_steps = 200;
    t = make(&m);
    hs_llc_vi_config v = vi_config(nb, 1.0);
    v.lr = 1e10;
    v.dsqrt_max = 1e30;
    v.use_f32 = 1;
    v.steps = 100;
    hs_llc_vi *vi = make_vi(t, &v);
    double elbo[100];
    for (int i = 0; i < 100; i++)
        elbo[i] = NAN;
    hs_llc_vi_trace tr;
    memset(&tr, 0, sizeof tr);
    tr.elbo = elbo;
    hs_llc_vi_result res;
    REQUIRE(hs_llc_vi_run(vi, 1, 0, &tr, draws, &res) == 0);
    CHECK(res.first_nonfinite >= 1 && res.first_nonfinite < 100);
    CHECK_EQ_INT(res.n_draws, 0);
    CHECK(isnan(res.lambda_hat));
    CHECK_EQ_INT(res.trace_len, (size_t)res.first_nonfinite);
    CHECK(isfinite(elbo[0]));
    hs_llc_vi_destroy(&vi);
    hs_llc_target_destroy(&t);
}

int main(void)
{
    test_dims();
    test_rrr_closed_form();
    test_target_gradients();
    test_elbo_pieces();
    test_stl_unbiased();
    test_vi_quadratic();
    test_vi_gaussian_quadratic();
    test_vi_mfa_bias();
    test_sgld_quadratic();
    test_sgld_rotated();
    test_sgld_rrr();
    test_vi_rrr();
    test_nonfinite();
    return CHECK_DONE();
}
