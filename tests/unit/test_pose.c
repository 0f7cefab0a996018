/* hs-link: numeric */
/*
 * The pose model (include/hsweep/pose.h): gradients of every variant
 * against central finite differences, the forward algorithm against brute
 * force, log C3 against its closed form and limits, the synthetic
 * generator's determinism, triangulation of noiseless points and the
 * symmetries the model's parameterisations promise.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hsweep/numeric/status.h"
#include "hsweep/nuts.h"
#include "hsweep/pose.h"
#include "../../src/numeric/pose_obs.h"

typedef struct data {
    int T, K, C, S;
    int parents[8];
    double nominal[8];
    double P[12 * 4];
    double *y;
    hs_pose_truth truth;
} data;

static void data_make(data *d, int T, int K, int C, int S, double noise, double outl, double miss,
                      uint64_t seed)
{
    d->T = T, d->K = K, d->C = C, d->S = S;
    hs_pose_default_tree(K, d->parents, d->nominal);
    hs_pose_default_cameras(C, d->P);
    d->y = malloc(sizeof(double) * 2 * C * T * K);
    d->truth.x = malloc(sizeof(double) * 3 * T * K);
    d->truth.len = malloc(sizeof(double) * T * (K - 1));
    d->truth.state = malloc(sizeof(int) * T);
    hs_pose_synthesize(T, K, C, S, d->parents, d->nominal, d->P, HS_POSE_WIDTH, HS_POSE_HEIGHT,
                       noise, outl, miss, seed, d->y, &d->truth);
}

static void data_free(data *d)
{
    free(d->y);
    free(d->truth.x);
    free(d->truth.len);
    free(d->truth.state);
}

/* Options of the seed's own configurations (issue 20): NULL / 0 = the defaults. */
typedef struct opts {
    const double *rho_sd_b, *sigma2_mode_b, *sigma2_sd_b, *x0_hat;
    int obs_twice, prior_relative;
} opts;

/* bones: 0 raw directions (the seed's), 1 shell prior, 2 joint positions. */
static hs_pose *model_make_opts(const data *d, int positive, int mixture, int hmm, int vmf,
                                int bones, const opts *o)
{
    static const opts none = {0};
    o = o ? o : &none;
    hs_pose_config cfg = {.T = d->T,
                          .K = d->K,
                          .C = d->C,
                          .S = d->S,
                          .parents = d->parents,
                          .nominal = d->nominal,
                          .P = d->P,
                          .y = d->y,
                          .width = HS_POSE_WIDTH,
                          .height = HS_POSE_HEIGHT,
                          .lengths_positive = positive,
                          .use_mixture = mixture,
                          .use_hmm = hmm,
                          .vmf_normalized = vmf,
                          .dir_shell = bones == 1,
                          .joints = bones == 2,
                          .vmf_natural = bones == 2,
                          .eta2_mode = 1.0,
                          .eta2_sd = 1.0,
                          .sigma_obs_mode = 1.0,
                          .sigma_obs_sd = 0.5,
                          .kappa_mode = 5.0,
                          .kappa_sd = 5.0,
                          .rho_sd = 2.0,
                          .sigma2_mode = 0.25,
                          .sigma2_sd = 0.5,
                          .rho_sd_b = o->rho_sd_b,
                          .sigma2_mode_b = o->sigma2_mode_b,
                          .sigma2_sd_b = o->sigma2_sd_b,
                          .x0_hat = o->x0_hat,
                          .obs_twice = o->obs_twice,
                          .prior_relative = o->prior_relative};
    hs_pose *ps = NULL;
    char msg[256];
    int rc = hs_pose_create(&cfg, &ps, msg, sizeof msg);
    if (rc)
        fprintf(stderr, "create: %s\n", msg);
    REQUIRE(rc == 0 && ps);
    return ps;
}

static hs_pose *model_make_bones(const data *d, int positive, int mixture, int hmm, int vmf,
                                 int bones)
{
    return model_make_opts(d, positive, mixture, hmm, vmf, bones, NULL);
}

static hs_pose *model_make(const data *d, int positive, int mixture, int hmm, int vmf)
{
    return model_make_bones(d, positive, mixture, hmm, vmf, 0);
}

/*
 * Central differences, step h_i = 1e-5 max(|q_i|, 0.05) (smaller near the
 * degenerate |r| ~ 1e-3 points, where u turns on a scale |r|).  Tolerance:
 * truncation O(h^2 f''') taken as 2e-4 relative, plus rounding, bounded by
 * 100 eps (|f| + 1) / h (f is a sum of ~10^3 terms of size ~|f|/10^3).
 */
static int grad_check(hs_pose *ps, double *q, const char *what)
{
    hs_pose_layout L = hs_pose_get_layout(ps);
    size_t n = L.dim;
    double *g = malloc(n * sizeof *g), *g2 = malloc(n * sizeof *g2);
    double f = hs_pose_logp_grad(ps, q, g);
    int bad = 0;
    CHECK(isfinite(f));
    for (size_t i = 0; i < n; i++) {
        double h = 1e-5 * fmax(fabs(q[i]), 0.05), q0 = q[i];
        const hs_pose_config *c = hs_pose_get_config(ps);
        if (c->joints) {
            /* Joint positions: the scale is the distance to the parent, ~1e-3
             * for frame 0's joint 1 at the near-degenerate points. */
            if (i < L.root + 3 || (i >= L.dir && i < L.dir + 3))
                h = 1e-8;
        } else if (i >= L.dir && i < L.dir + 3 * (size_t)c->T * (size_t)(c->K - 1)) {
            h = 1e-5 * fmax(fabs(q[i]), 1e-4);
        }
        q[i] = q0 + h;
        double fp = hs_pose_logp_grad(ps, q, g2);
        q[i] = q0 - h;
        double fm = hs_pose_logp_grad(ps, q, g2);
        q[i] = q0;
        double fd = (fp - fm) / (2.0 * h);
        double tol = 2e-4 * fabs(fd) + 100.0 * DBL_EPSILON * (fabs(f) + 1.0) / h;
        if (!(fabs(fd - g[i]) <= tol)) {
            if (bad < 5)
                fprintf(stderr, "%s: grad[%zu] = %.10g, fd %.10g (tol %.3g)\n", what, i, g[i], fd,
                        tol);
            bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
    free(g);
    free(g2);
    return bad;
}

/*
 * Every variant: mixture x positive x (no HMM, HMM, HMM without log C3) x
 * bones (raw, shell, joints; joints only with positive lengths).
 */
static void test_gradients(void)
{
    data d;
    data_make(&d, 6, 4, 3, 3, 2.0, 0.15, 0.15, 11);
    hs_rng rng;
    hs_rng_seed(&rng, 5);
    for (int variant = 0; variant < 36; variant++) {
        int mixture = variant % 2, positive = variant / 2 % 2, hmm = variant / 4 % 3;
        int bones = variant / 12, vmf = hmm == 1;
        if (bones == 2 && !positive)
            continue;
        hs_pose *ps = model_make_bones(&d, positive, mixture, hmm > 0, vmf, bones);
        hs_pose_layout L = hs_pose_get_layout(ps);
        double *q = malloc(L.dim * sizeof *q);
        char what[128];
        for (int pt = 0; pt < 4; pt++) {
            if (pt == 0)
                hs_pose_init_triangulated(ps, &rng, 2.0, q);
            else
                hs_pose_init_nominal(ps, &rng, 2.0, q);
            if (pt == 1) {
                /* Frame 0's root behind camera 0 (at (100, 0, 30), looking at the
                 * origin): its projections take the h2 = max(h2, 1e-6) branch. */
                q[L.root] = 200.0, q[L.root + 1] = 0.0, q[L.root + 2] = 30.0;
                /* rho/sigma ~ 0.3: the truncation normaliser matters. */
                for (size_t i = L.log_rho; i < L.log_sigma2; i++)
                    q[i] = 0.3 * hs_rng_normal(&rng);
                for (size_t i = L.log_sigma2; i < L.log_sigma_obs; i++)
                    q[i] = 2.0 + 0.3 * hs_rng_normal(&rng);
            }
            if (pt >= 2) {
                /* Near-degenerate directions: |r| ~ 1e-3 for a few bones (with
                 * joints: frame 0's joint 1 within 1e-3 of the root). */
                for (size_t i = L.dir; i < L.dir + (bones == 2 ? 3 : 9); i++)
                    q[i] = (bones == 2 ? q[L.root + i - L.dir] : 0.0) +
                           1e-3 * (2.0 * hs_rng_uniform(&rng) - 1.0);
            }
            if (hmm) {
                /* kappa small (e^-8) at pt 2, large (e^6) at pt 3. */
                double lk = pt == 2 ? -8.0 : pt == 3 ? 6.0 : 1.0;
                for (size_t i = L.log_kappa; i < L.init_logit; i++)
                    q[i] = lk + 0.3 * hs_rng_normal(&rng);
                if (L.log_kappa == SIZE_MAX) /* natural: |w| = kappa */
                    for (size_t i = L.mu; i < L.init_logit; i += 3) {
                        double n = sqrt(q[i] * q[i] + q[i + 1] * q[i + 1] + q[i + 2] * q[i + 2]);
                        double kap = exp(lk + 0.3 * hs_rng_normal(&rng));
                        for (int j = 0; j < 3; j++)
                            q[i + j] *= kap / n;
                    }
            }
            snprintf(what, sizeof what, "mix=%d pos=%d hmm=%d vmf=%d bones=%d pt=%d", mixture,
                     positive, hmm > 0, vmf, bones, pt);
            grad_check(ps, q, what);
        }
        free(q);
        hs_pose_destroy(&ps);
        CHECK(ps == NULL);
    }
    data_free(&d);
}

/* Brute force: sum over all S^T state paths; T <= 6, S <= 3 (at most 729 paths). */
static double hmm_brute(int T, int S, const double *li, const double *lt, const double *e)
{
    int path[8];
    long n = 1;
    for (int t = 0; t < T; t++)
        n *= S;
    double m = -INFINITY, *v = malloc((size_t)n * sizeof *v);
    for (long id = 0; id < n; id++) {
        long x = id;
        for (int t = 0; t < T; t++, x /= S)
            path[t] = (int)(x % S);
        double s = li[path[0]] + e[path[0]];
        for (int t = 1; t < T; t++)
            s += lt[path[t - 1] * S + path[t]] + e[t * S + path[t]];
        v[id] = s;
        m = s > m ? s : m;
    }
    double acc = 0.0;
    for (long id = 0; id < n; id++)
        acc += exp(v[id] - m);
    free(v);
    return m + log(acc);
}

static void log_softmax(double *x, int n)
{
    double m = x[0], a = 0.0;
    for (int i = 1; i < n; i++)
        m = x[i] > m ? x[i] : m;
    for (int i = 0; i < n; i++)
        a += exp(x[i] - m);
    for (int i = 0; i < n; i++)
        x[i] -= m + log(a);
}

static void test_hmm(void)
{
    hs_rng rng;
    hs_rng_seed(&rng, 17);
    double li[3], lt[9], e[18], ge[18], gi[3], gt[9];
    double work[(2 * 3 + 1) * 6 + 9], w2[(2 * 3 + 1) * 6 + 9]; /* (2S + 1)T + S^2 */
    for (int S = 1; S <= 3; S++)
        for (int T = 1; T <= 6; T++) {
            for (int s = 0; s < S; s++) {
                li[s] = hs_rng_normal(&rng);
                for (int r = 0; r < S; r++)
                    lt[s * S + r] = hs_rng_normal(&rng);
                log_softmax(lt + s * S, S);
            }
            log_softmax(li, S);
            /* Emissions spread over +-300 also exercise the log-space rescaling. */
            for (int i = 0; i < T * S; i++)
                e[i] = (T == 6 ? 100.0 : 3.0) * hs_rng_normal(&rng);
            double ll = hs_pose_hmm_loglik(T, S, li, lt, e, work, ge, gi, gt);
            double bf = hmm_brute(T, S, li, lt, e);
            /* Both sum at most 729 terms in double: agreement to 1e-12 relative. */
            CHECK_NEAR(ll, bf, 1e-12 * (fabs(bf) + 1.0));
            /* Gradients (posterior marginals) against central differences, h = 1e-6:
             * truncation ~h^2, rounding ~eps |ll| / h, both below 1e-6 here. */
            double *arrs[3] = {e, li, lt}, *grads[3] = {ge, gi, gt};
            int lens[3] = {T * S, S, S * S};
            for (int a = 0; a < 3; a++)
                for (int i = 0; i < lens[a]; i++) {
                    double x0 = arrs[a][i], h = 1e-6;
                    arrs[a][i] = x0 + h;
                    double fp = hs_pose_hmm_loglik(T, S, li, lt, e, w2, NULL, NULL, NULL);
                    arrs[a][i] = x0 - h;
                    double fm = hs_pose_hmm_loglik(T, S, li, lt, e, w2, NULL, NULL, NULL);
                    arrs[a][i] = x0;
                    CHECK_NEAR(grads[a][i], (fp - fm) / (2 * h), 1e-6 * (1.0 + fabs(ll)));
                }
            /* Marginals sum to 1 at every step. */
            for (int t = 0; t < T; t++) {
                double sum = 0.0;
                for (int s = 0; s < S; s++)
                    sum += ge[t * S + s];
                CHECK_NEAR(sum, 1.0, 1e-12);
            }
        }
}

static void test_log_c3(void)
{
    /* Direct formula log k - log(4 pi sinh k) where sinh is representable and
     * not cancelling (1e-2 <= k <= 300): the two agree to ~1e-14 absolute. */
    const double ks[] = {1e-2, 0.1, 0.5, 1.0, 2.0, 10.0, 50.0, 300.0};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        double k = ks[i], d;
        double direct = log(k) - log(4.0 * M_PI * sinh(k));
        CHECK_NEAR(hs_pose_log_c3(k, &d), direct, 1e-13 * (1.0 + fabs(direct)));
        CHECK_NEAR(d, 1.0 / k - cosh(k) / sinh(k), 1e-12 * (1.0 + 1.0 / k));
    }
    /* Small-kappa limit: -log 4pi - k^2/6 (the next term k^4/180 is < 1e-18 at 2e-4);
     * derivative -k/3 + k^3/45 (the next term 2k^5/945 is < 1e-20 there). */
    const double small[] = {1e-12, 1e-8, 1e-5, 1e-4, 2e-4};
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
        double k = small[i], d;
        CHECK_NEAR(hs_pose_log_c3(k, &d), -log(4.0 * M_PI) - k * k / 6.0, 1e-14);
        CHECK_NEAR(d, -k / 3.0 + k * k * k / 45.0, 1e-15 * k + 1e-300);
    }
    /* Large-kappa limit: log k - log 2pi - k (the dropped log(1 - e^{-2k}) is e^{-2k}). */
    const double big[] = {30.0, 1e3, 5e4, 1e8};
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        double k = big[i], d;
        double lim = log(k) - log(2.0 * M_PI) - k;
        CHECK_REL(hs_pose_log_c3(k, &d), lim, 1e-15);
        CHECK_NEAR(d, 1.0 / k - 1.0, 1e-15);
    }
    /* Continuity across the series switch points (1e-4 and 1e-2): within rounding. */
    double dl, dh;
    CHECK_NEAR(hs_pose_log_c3(1e-4 * (1 - 1e-12), &dl), hs_pose_log_c3(1e-4, &dh), 1e-14);
    hs_pose_log_c3(1e-2 * (1 - 1e-12), &dl);
    hs_pose_log_c3(1e-2, &dh);
    CHECK_NEAR(dl, dh, 1e-13);
}

static void test_synth_determinism(void)
{
    data a, b, c;
    data_make(&a, 20, 4, 3, 3, 2.0, 0.1, 0.1, 42);
    data_make(&b, 20, 4, 3, 3, 2.0, 0.1, 0.1, 42);
    data_make(&c, 20, 4, 3, 3, 2.0, 0.1, 0.1, 43);
    size_t ny = 2 * 3 * 20 * 4;
    CHECK(memcmp(a.y, b.y, ny * sizeof(double)) == 0);
    CHECK(memcmp(a.truth.x, b.truth.x, 3 * 20 * 4 * sizeof(double)) == 0);
    CHECK(memcmp(a.y, c.y, ny * sizeof(double)) != 0);
    /* Missing and outlier fractions land near their targets (240 keypoints:
     * 0.1 +- 3 binomial sd = 0.1 +- 0.058). */
    int nan = 0;
    for (size_t i = 0; i < ny; i += 2)
        nan += isnan(a.y[i]);
    CHECK(fabs(nan / 240.0 - 0.1) < 0.06);
    /* Noiseless, outlier-free keypoints are the projections of the true joints. */
    data e;
    data_make(&e, 5, 4, 3, 2, 0.0, 0.0, 0.0, 7);
    for (int c2 = 0; c2 < 3; c2++)
        for (int t = 0; t < 5; t++)
            for (int k = 0; k < 4; k++) {
                const double *X = e.truth.x + (t * 4 + k) * 3, *Pc = e.P + 12 * c2;
                double h[3];
                for (int i = 0; i < 3; i++)
                    h[i] = Pc[4 * i] * X[0] + Pc[4 * i + 1] * X[1] + Pc[4 * i + 2] * X[2] +
                           Pc[4 * i + 3];
                const double *yk = e.y + ((c2 * 5 + t) * 4 + k) * 2;
                CHECK_NEAR(yk[0], h[0] / h[2], 1e-9);
                CHECK_NEAR(yk[1], h[1] / h[2], 1e-9);
                /* The default rig keeps the subject in front of every camera and in view. */
                CHECK(h[2] > 50.0);
                CHECK(yk[0] > 0 && yk[0] < HS_POSE_WIDTH && yk[1] > 0 && yk[1] < HS_POSE_HEIGHT);
            }
    data_free(&a);
    data_free(&b);
    data_free(&c);
    data_free(&e);
}

static void test_triangulation(void)
{
    double P[12 * 4], y[8], X[3];
    hs_pose_default_cameras(4, P);
    hs_rng rng;
    hs_rng_seed(&rng, 3);
    for (int rep = 0; rep < 50; rep++) {
        double Xt[3];
        for (int i = 0; i < 3; i++)
            Xt[i] = 20.0 * (2.0 * hs_rng_uniform(&rng) - 1.0);
        for (int c = 0; c < 4; c++) {
            const double *Pc = P + 12 * c;
            double h[3];
            for (int i = 0; i < 3; i++)
                h[i] = Pc[4 * i] * Xt[0] + Pc[4 * i + 1] * Xt[1] + Pc[4 * i + 2] * Xt[2] +
                       Pc[4 * i + 3];
            y[2 * c] = h[0] / h[2];
            y[2 * c + 1] = h[1] / h[2];
        }
        /* Noiseless: exact up to the conditioning of the normal equations
         * (entries ~1e6, solution ~10: 1e-7 absolute is a loose bound). */
        CHECK_EQ_INT(hs_pose_triangulate(4, P, y, 20.0, X), 4);
        for (int i = 0; i < 3; i++)
            CHECK_NEAR(X[i], Xt[i], 1e-7);
        /* One camera an outlier: rejected, the other three still exact. */
        double yo[8];
        memcpy(yo, y, sizeof yo);
        yo[2 * (rep % 4)] += 300.0;
        CHECK_EQ_INT(hs_pose_triangulate(4, P, yo, 20.0, X), 3);
        for (int i = 0; i < 3; i++)
            CHECK_NEAR(X[i], Xt[i], 1e-7);
        /* Two cameras missing: two suffice; three missing: no point. */
        memcpy(yo, y, sizeof yo);
        yo[0] = yo[2] = NAN;
        CHECK_EQ_INT(hs_pose_triangulate(4, P, yo, 20.0, X), 2);
        for (int i = 0; i < 3; i++)
            CHECK_NEAR(X[i], Xt[i], 1e-7);
        /* Two cameras, one an outlier: the epipolar violation shows; no point. */
        yo[5] += 300.0;
        CHECK(hs_pose_triangulate(4, P, yo, 20.0, X) < 2);
        yo[4] = NAN;
        CHECK(hs_pose_triangulate(4, P, yo, 20.0, X) < 2);
    }
    /* The triangulated initial point of noiseless data reproduces the true lengths and root. */
    data d;
    data_make(&d, 10, 4, 3, 3, 0.0, 0.0, 0.0, 9);
    for (int positive = 0; positive < 2; positive++) {
        hs_pose *ps = model_make(&d, positive, 1, 1, 1);
        hs_pose_layout L = hs_pose_get_layout(ps);
        double *q = malloc(L.dim * sizeof *q);
        hs_pose_init_triangulated(ps, &rng, 2.0, q);
        for (int i = 0; i < 10 * 3; i++)
            CHECK_NEAR(q[L.root + i], d.truth.x[(i / 3) * 12 + i % 3], 1e-7);
        for (int i = 0; i < 10 * 3; i++) {
            double l = positive ? exp(q[L.len + i]) : q[L.len + i];
            CHECK_NEAR(l, d.truth.len[i], 1e-7);
        }
        free(q);
        hs_pose_destroy(&ps);
    }
    data_free(&d);
}

/*
 * Joint positions and natural vMF parameters against the raw ones, full
 * model (mixture and HMM):
 * for the pose x, the raw point with r = v = x_k - x_parent (so that both
 * compute u = v / sqrt(|v|^2 + 1e-8)) and lambda = log l has density
 *   raw = rest - |v|^2 / 2 + lambda  (r's prior and l = e^lambda's Jacobian),
 * the joint-position density is rest - 2 log l (pose.h), so per bone
 * raw - joints = -|v|^2 / 2 + 3 log l.  Checked at three poses on a
 * three-level tree (K = 5), with the gradients of the blocks both share.
 */
static void test_joints_parameterisation(void)
{
    data d;
    data_make(&d, 7, 5, 3, 3, 2.0, 0.1, 0.1, 23);
    hs_rng rng;
    hs_rng_seed(&rng, 13);
    hs_pose *jo = model_make_bones(&d, 1, 1, 1, 1, 2), *raw = model_make_bones(&d, 1, 1, 1, 1, 0);
    hs_pose_layout Lj = hs_pose_get_layout(jo), Lr = hs_pose_get_layout(raw);
    CHECK(Lj.len == SIZE_MAX && Lj.log_kappa == SIZE_MAX);
    CHECK_EQ_INT((int)(Lr.dim - Lj.dim), 7 * 4 + 3 * 4);
    size_t B = 4, T = 7;
    double *qj = malloc(Lj.dim * sizeof *qj), *qr = malloc(Lr.dim * sizeof *qr);
    double *gj = malloc(Lj.dim * sizeof *gj), *gr = malloc(Lr.dim * sizeof *gr);
    double *len = malloc(T * B * sizeof *len);
    for (int pt = 0; pt < 3; pt++) {
        hs_pose_init_triangulated(jo, &rng, 2.0, qj);
        for (size_t i = 0; i < Lj.dim; i++)
            qj[i] += (pt == 0 ? 0.05 : 0.5) * hs_rng_normal(&rng);
        memcpy(qr + Lr.root, qj + Lj.root, 3 * T * sizeof *qr);
        qr[Lr.log_eta2] = qj[Lj.log_eta2];
        memcpy(qr + Lr.log_rho, qj + Lj.log_rho, (Lj.mu + 3 * 3 * B - Lj.log_rho) * sizeof *qr);
        memcpy(qr + Lr.init_logit, qj + Lj.init_logit, (3 + 9) * sizeof *qr);
        hs_pose_bone_lengths(jo, qj, len);
        double expect = 0.0;
        /* vMF: m = w, log kappa = log sqrt(|w|^2 + eps); raw has the extra terms
         * -|m|^2 / 2 (m's prior) and 3 log kappa (kappa^2 Jacobian, log scale). */
        for (size_t sb = 0; sb < 3 * B; sb++) {
            const double *w = qj + Lj.mu + 3 * sb;
            double ww = w[0] * w[0] + w[1] * w[1] + w[2] * w[2];
            qr[Lr.log_kappa + sb] = 0.5 * log(ww + 1e-8);
            expect += -0.5 * ww + 1.5 * log(ww + 1e-8);
        }
        for (size_t t = 0; t < T; t++)
            for (size_t k = 1; k <= B; k++) {
                size_t i = t * B + k - 1;
                int par = d.parents[k];
                const double *xp =
                    par == 0 ? qj + Lj.root + 3 * t : qj + Lj.dir + 3 * (t * B + (size_t)par - 1);
                double vv = 0.0;
                for (int j = 0; j < 3; j++) {
                    double v = qj[Lj.dir + 3 * i + j] - xp[j];
                    qr[Lr.dir + 3 * i + j] = v;
                    vv += v * v;
                }
                CHECK_NEAR(len[i], sqrt(vv + 1e-8), 1e-12 * len[i]);
                qr[Lr.len + i] = log(len[i]);
                expect += -0.5 * vv + 3.0 * log(len[i]);
            }
        double fj = hs_pose_logp_grad(jo, qj, gj), fr = hs_pose_logp_grad(raw, qr, gr);
        CHECK(isfinite(fj) && isfinite(fr));
        CHECK_NEAR(fr - fj, expect, 1e-10 * fabs(fr));
        /* The shared blocks (priors' parameters, HMM logits) have equal gradients. */
        for (size_t i = 0; i < Lj.mu - Lj.log_rho; i++)
            CHECK_NEAR(gj[Lj.log_rho + i], gr[Lr.log_rho + i],
                       1e-7 * (fabs(gr[Lr.log_rho + i]) + 1.0));
        for (size_t i = 0; i < 3 + 9; i++)
            CHECK_NEAR(gj[Lj.init_logit + i], gr[Lr.init_logit + i],
                       1e-7 * (fabs(gr[Lr.init_logit + i]) + 1.0));
    }
    free(qj);
    free(qr);
    free(gj);
    free(gr);
    free(len);
    hs_pose_destroy(&jo);
    hs_pose_destroy(&raw);
    data_free(&d);
}

/*
 * Free lengths without the HMM: (l, r) and (-l, -r) give the same pose and
 * the same likelihood (the seed's mirror modes); the density differs only
 * through the length prior, by sum_t [(l - rho)^2 - (l + rho)^2] / (2 sigma^2)
 * = -2 rho sum_t l / sigma^2.  Positive lengths: the density is the free
 * one at l = e^lambda plus the Jacobian lambda minus the truncation
 * normaliser T log Phi(rho/sigma) per bone.
 */
static void test_parameterisations(void)
{
    data d;
    data_make(&d, 8, 4, 3, 2, 2.0, 0.1, 0.1, 21);
    hs_rng rng;
    hs_rng_seed(&rng, 8);
    hs_pose *fr = model_make(&d, 0, 1, 0, 1), *po = model_make(&d, 1, 1, 0, 1);
    hs_pose_layout L = hs_pose_get_layout(fr);
    double *q = malloc(L.dim * sizeof *q), *g = malloc(L.dim * sizeof *g);
    hs_pose_init_triangulated(fr, &rng, 2.0, q);
    double f0 = hs_pose_logp_grad(fr, q, g);
    for (int t = 0; t < 8; t++) {
        size_t i = (size_t)t * 3 + 1; /* bone 1 of frame t */
        q[L.len + i] = -q[L.len + i];
        for (int j = 0; j < 3; j++)
            q[L.dir + 3 * i + j] = -q[L.dir + 3 * i + j];
    }
    /* Bone 1's (l, r) flipped in every frame; sums of ~300 terms: 1e-10 relative. */
    double sum_l = 0.0;
    for (int t = 0; t < 8; t++)
        sum_l -= q[L.len + (size_t)t * 3 + 1];
    double shift = -2.0 * exp(q[L.log_rho + 1] - q[L.log_sigma2 + 1]) * sum_l;
    CHECK_NEAR(hs_pose_logp_grad(fr, q, g), f0 + shift, 1e-10 * fabs(f0));
    hs_pose_init_triangulated(fr, &rng, 2.0, q);
    double ff = hs_pose_logp_grad(fr, q, g), corr = 0.0;
    for (size_t i = L.len; i < L.len + 8 * 3; i++) {
        corr += log(q[i]);
        q[i] = log(q[i]);
    }
    for (int b = 0; b < 3; b++) {
        double z = exp(q[L.log_rho + b]) / exp(0.5 * q[L.log_sigma2 + b]);
        corr -= 8 * log(0.5 * erfc(-z / sqrt(2.0)));
    }
    /* Sums of ~300 terms of size |f|/300: rounding ~1e-13 relative. */
    CHECK_NEAR(hs_pose_logp_grad(po, q, g), ff + corr, 1e-10 * fabs(ff));
    /* The shell prior changes only the raw directions' radial term: the
     * difference is sum over bones of |r|^2/2 - (|r| - 1)^2 / (2 0.1^2). */
    hs_pose *sh = model_make_bones(&d, 1, 1, 0, 1, 1);
    double diff = 0.0;
    for (size_t i = L.dir; i < L.len; i += 3) {
        double rn = sqrt(q[i] * q[i] + q[i + 1] * q[i + 1] + q[i + 2] * q[i + 2]);
        diff += 0.5 * rn * rn - 0.5 * (rn - 1.0) * (rn - 1.0) / 0.01;
    }
    CHECK_NEAR(hs_pose_logp_grad(sh, q, g), hs_pose_logp_grad(po, q, g) + diff, 1e-10 * fabs(ff));
    hs_pose_destroy(&sh);
    free(q);
    free(g);
    hs_pose_destroy(&fr);
    hs_pose_destroy(&po);
    data_free(&d);
    test_joints_parameterisation();
}

/*
 * The keypoint term, computed independently: joints from q by the chain
 * x_k = x_parent + l u, pinhole projections, and per keypoint log N or
 * log(p N + (1 - p)/(W H)) in long double.  The model's keypoint term is
 * logp(q; y) - logp(q; y'), where y' keeps only frame 0's root keypoints
 * (so the triangulated prior mean xhat0 is the same): it must equal the
 * independent sum over every other observed keypoint -- once, not twice as
 * in the seed's model.
 */
static void test_keypoint_term(void)
{
    data d;
    data_make(&d, 5, 4, 3, 2, 2.0, 0.2, 0.1, 31);
    for (int i = 0; i < 3; i++) /* frame 0's root seen by every camera */
        if (isnan(d.y[(i * 5 * 4) * 2]))
            d.y[(i * 5 * 4) * 2] = d.y[(i * 5 * 4) * 2 + 1] = 400.0;
    size_t ny = 2 * 3 * 5 * 4;
    double *y_full = malloc(ny * sizeof *y_full);
    memcpy(y_full, d.y, ny * sizeof *y_full);
    hs_rng rng;
    hs_rng_seed(&rng, 4);
    const opts twice_opts = {.obs_twice = 1};
    for (int mixture = 0; mixture < 2; mixture++) {
        hs_pose *full = model_make(&d, 1, mixture, 0, 1);
        hs_pose *full2 = model_make_opts(&d, 1, mixture, 0, 1, 0, &twice_opts);
        for (int c = 0; c < 3; c++)
            for (int t = 0; t < 5; t++)
                for (int k = 0; k < 4; k++)
                    if (t > 0 || k > 0)
                        d.y[((c * 5 + t) * 4 + k) * 2] = d.y[((c * 5 + t) * 4 + k) * 2 + 1] = NAN;
        hs_pose *bare = model_make(&d, 1, mixture, 0, 1);
        hs_pose *bare2 = model_make_opts(&d, 1, mixture, 0, 1, 0, &twice_opts);
        memcpy(d.y, y_full, ny * sizeof *y_full);
        hs_pose_layout L = hs_pose_get_layout(full);
        double *q = malloc(L.dim * sizeof *q), *g = malloc(L.dim * sizeof *g);
        hs_pose_init_triangulated(full, &rng, 2.0, q);
        for (size_t i = 0; i < L.dim; i++) /* off the triangulated point */
            q[i] += 0.05 * hs_rng_normal(&rng);
        double model_term = hs_pose_logp_grad(full, q, g) - hs_pose_logp_grad(bare, q, g);
        double twice_term = hs_pose_logp_grad(full2, q, g) - hs_pose_logp_grad(bare2, q, g);
        long double sum = 0.0L, sig = expl(q[L.log_sigma_obs]);
        long double p = mixture ? 1.0L / (1.0L + expl(-(long double)q[L.logodds])) : 1.0L;
        for (int t = 0; t < 5; t++) {
            long double X[4][3];
            for (int j = 0; j < 3; j++)
                X[0][j] = q[L.root + 3 * t + j];
            for (int k = 1; k < 4; k++) {
                const double *r = q + L.dir + 3 * (t * 3 + k - 1);
                long double n = sqrtl((long double)r[0] * r[0] + (long double)r[1] * r[1] +
                                      (long double)r[2] * r[2] + 1e-8L);
                long double l = expl(q[L.len + t * 3 + k - 1]);
                for (int j = 0; j < 3; j++)
                    X[k][j] = X[d.parents[k]][j] + l * r[j] / n;
            }
            for (int c = 0; c < 3; c++)
                for (int k = 0; k < 4; k++) {
                    const double *yk = y_full + ((c * 5 + t) * 4 + k) * 2;
                    if ((t == 0 && k == 0) || isnan(yk[0]))
                        continue;
                    long double h[3];
                    for (int i = 0; i < 3; i++)
                        h[i] = d.P[12 * c + 4 * i] * X[k][0] + d.P[12 * c + 4 * i + 1] * X[k][1] +
                               d.P[12 * c + 4 * i + 2] * X[k][2] + d.P[12 * c + 4 * i + 3];
                    long double e0 = yk[0] - h[0] / h[2], e1 = yk[1] - h[1] / h[2];
                    long double log_dens = -(e0 * e0 + e1 * e1) / (2 * sig * sig) -
                                           logl(2.0L * 3.14159265358979323846L * sig * sig);
                    sum +=
                        mixture
                            ? logl(p * expl(log_dens) + (1 - p) / (HS_POSE_WIDTH * HS_POSE_HEIGHT))
                            : log_dens;
                }
        }
        /* ~100 terms of size ~10 summed in double: 1e-11 relative is ample. */
        CHECK_NEAR(model_term, (double)sum, 1e-11 * fabsl(sum));
        /* obs_twice (the seed's bug): exactly twice the same term */
        CHECK_NEAR(twice_term, 2.0 * (double)sum, 2e-11 * fabsl(sum));
        grad_check(full2, q, mixture ? "obs_twice mixture" : "obs_twice gaussian");
        free(q);
        free(g);
        hs_pose_destroy(&full);
        hs_pose_destroy(&bare);
        hs_pose_destroy(&full2);
        hs_pose_destroy(&bare2);
    }
    free(y_full);
    data_free(&d);
}

/*
 * The vectorised e^x (x in [-700, 0]), log(1 + e) (e in [0, 1]) and log x
 * (pose_obs.c) against long-double libm, on dense grids with the range
 * reduction's boundaries (k ln2 +- ln2/2; every binade of x, subnormals
 * included) and the ends: within 4 ulp everywhere, exact at 0 and 1, and
 * libm's values at NaN, negative x, 0 and infinity.
 */
static void test_exp_log1p(void)
{
    double worst_exp = 0.0, worst_log = 0.0;
    for (long i = 0; i <= 700000; i++) {
        double x = -(double)i / 1000.0;
        for (int side = -1; side <= 1; side++) {
            double xs = side == 0 ? x : fmin(fmax(x + side * 0.34657359027997264, -700.0), 0.0);
            long double ref = expl((long double)xs);
            double err = (double)(fabsl(hs_pose_exp_neg(xs) - ref) / ref) / DBL_EPSILON;
            worst_exp = fmax(worst_exp, err);
        }
    }
    for (long i = 0; i <= 1000000; i++) {
        double e = i < 1000 ? ldexp(1.0, -(int)i) : (double)(i - 1000) / 999000.0;
        if (e == 0.0)
            continue;
        long double ref = log1pl((long double)e);
        worst_log =
            fmax(worst_log, (double)(fabsl(hs_pose_log1p_unit(e) - ref) / ref) / DBL_EPSILON);
    }
    /* log x: every binade from subnormals to the largest doubles, densely near 1. */
    double worst_lx = 0.0;
    for (long i = 0; i <= 2000000; i++) {
        double x = i < 1000000 ? ldexp(1.0 + (double)(i % 1000) / 1000.0, (int)(i / 1000) - 1070)
                               : 0.5 + (double)(i - 1000000) / 1000000.0;
        long double ref = logl((long double)x);
        if (ref == 0.0L) {
            CHECK(hs_pose_log_pos(x) == 0.0);
            continue;
        }
        worst_lx =
            fmax(worst_lx, (double)(fabsl(hs_pose_log_pos(x) - ref) / fabsl(ref)) / DBL_EPSILON);
    }
    CHECK(worst_exp <= 4.0);
    CHECK(worst_log <= 4.0);
    CHECK(worst_lx <= 4.0);
    CHECK(hs_pose_exp_neg(0.0) == 1.0);
    CHECK(hs_pose_log1p_unit(0.0) == 0.0);
    CHECK(hs_pose_log_pos(1.0) == 0.0);
    CHECK(isnan(hs_pose_log_pos(NAN)) && isnan(hs_pose_log_pos(-1.0)));
    CHECK(hs_pose_log_pos(0.0) == -INFINITY && hs_pose_log_pos(INFINITY) == INFINITY);
    CHECK(hs_pose_log_pos(DBL_MAX) == log(DBL_MAX));
    printf("# exp_neg worst %.2f ulp, log1p_unit worst %.2f ulp, log_pos worst %.2f ulp\n",
           worst_exp, worst_log, worst_lx);
}

/*
 * hs_pose_init_metric against the plain diagonal of the Hessian, one
 * coordinate at a time by central differences of the gradient, without the
 * HMM (the only coupling of frames more than one apart besides the global
 * parameters): the colouring must not change a single entry beyond the
 * finite differences' error.  Then a chain started from it keeps it as its
 * metric, and a zero entry is refused.
 */
static void test_init_metric(void)
{
    data d;
    data_make(&d, 9, 4, 3, 3, 2.0, 0.1, 0.1, 17);
    hs_rng rng;
    hs_rng_seed(&rng, 3);
    for (int bones = 0; bones < 3; bones += 2) {
        hs_pose *ps = model_make_bones(&d, 1, 1, 0, 1, bones);
        hs_pose_layout L = hs_pose_get_layout(ps);
        size_t n = L.dim;
        double *q = malloc(n * sizeof *q), *minv = malloc(n * sizeof *minv);
        double *work = malloc(3 * n * sizeof *work), *g1 = malloc(n * sizeof *g1);
        double *g2 = malloc(n * sizeof *g2);
        hs_pose_init_triangulated(ps, &rng, 2.0, q);
        size_t used = hs_pose_init_metric(ps, q, work, minv);
        size_t per_frame = bones == 2 ? 12 : 15, globals = n - 9 * per_frame;
        CHECK_EQ_INT((int)used, (int)(1 + 3 * per_frame + globals));
        int bad = 0, concave = 0;
        for (size_t i = 0; i < n; i++) {
            double q0 = q[i], h = 1e-5 * fmax(fabs(q0), 1.0);
            q[i] = q0 + h;
            hs_pose_logp_grad(ps, q, g1);
            q[i] = q0 - h;
            hs_pose_logp_grad(ps, q, g2);
            q[i] = q0;
            double hii = -(g1[i] - g2[i]) / (2.0 * h);
            double want = hii > 0.0 ? fmin(fmax(1.0 / hii, 1e-8), 1e4) : 1.0;
            concave += hii > 0.0;
            if (!(fabs(minv[i] - want) <= 1e-3 * want) && bad++ < 5)
                fprintf(stderr, "bones=%d minv[%zu] = %g, plain %g\n", bones, i, minv[i], want);
        }
        CHECK_EQ_INT(bad, 0);
        CHECK(concave > (int)n / 2);
        /* The chain starts from it; a zero entry is an argument error. */
        hs_model m = hs_pose_model(ps);
        hs_nuts_config cfg;
        hs_nuts_config_default(&cfg);
        hs_nuts *s = NULL;
        REQUIRE(hs_nuts_create(&m, &cfg, &s) == 0);
        CHECK_EQ_INT(hs_nuts_start_metric(s, q, minv, &rng), 0);
        CHECK(memcmp(hs_nuts_inv_metric(s), minv, n * sizeof *minv) == 0);
        minv[n / 2] = 0.0;
        CHECK_EQ_INT(hs_nuts_start_metric(s, q, minv, &rng), HS_NUTS_EARG);
        hs_nuts_destroy(&s);
        free(q);
        free(minv);
        free(work);
        free(g1);
        free(g2);
        hs_pose_destroy(&ps);
    }
    data_free(&d);
}

/* Gamma(mode m, sd s) shape and rate, written out again (Kruschke 2015, sec. 9.2.2). */
static void gamma_ab(long double m, long double s, long double *a, long double *b)
{
    *b = (m + sqrtl(m * m + 4 * s * s)) / (2 * s * s);
    *a = 1 + m * *b;
}

/*
 * Per-bone prior hyperparameters: against the scalar defaults at the same
 * point, log p changes by exactly sum_b [(a' - a) log x - (b' - b) x] over
 * x = rho_b and sigma_b^2 (the Gamma log densities up to their constants),
 * and the gradients in log rho_b, log sigma_b^2 by (a' - a) - (b' - b) x.
 * Lists equal to the scalars give the same bits; the model reports them.
 */
static void test_bone_priors(void)
{
    data d;
    data_make(&d, 5, 4, 3, 2, 2.0, 0.1, 0.1, 41);
    const double rho_sd[3] = {1.0, 0.5, 3.0}, s2m[3] = {0.1, 0.2, 0.3}, s2s[3] = {0.4, 0.5, 0.6};
    const double same_r[3] = {2.0, 2.0, 2.0}, same_m[3] = {0.25, 0.25, 0.25};
    const double same_s[3] = {0.5, 0.5, 0.5};
    const opts per = {.rho_sd_b = rho_sd, .sigma2_mode_b = s2m, .sigma2_sd_b = s2s};
    const opts same = {.rho_sd_b = same_r, .sigma2_mode_b = same_m, .sigma2_sd_b = same_s};
    for (int bones = 0; bones < 3; bones += 2) {
        hs_pose *base = model_make_bones(&d, 1, 1, 1, 1, bones);
        hs_pose *pb = model_make_opts(&d, 1, 1, 1, 1, bones, &per);
        hs_pose *sb = model_make_opts(&d, 1, 1, 1, 1, bones, &same);
        const hs_pose_config *pc = hs_pose_get_config(pb), *bc = hs_pose_get_config(base);
        for (int b = 0; b < 3; b++) {
            CHECK(pc->rho_sd_b[b] == rho_sd[b] && pc->sigma2_mode_b[b] == s2m[b] &&
                  pc->sigma2_sd_b[b] == s2s[b]);
            CHECK(bc->rho_sd_b[b] == 2.0 && bc->sigma2_mode_b[b] == 0.25 &&
                  bc->sigma2_sd_b[b] == 0.5);
        }
        hs_pose_layout L = hs_pose_get_layout(base);
        double *q = malloc(L.dim * sizeof *q), *g0 = malloc(L.dim * sizeof *g0);
        double *g1 = malloc(L.dim * sizeof *g1);
        REQUIRE(q && g0 && g1);
        hs_rng rng;
        hs_rng_seed(&rng, 8);
        hs_pose_init_triangulated(base, &rng, 2.0, q);
        for (int b = 0; b < 3; b++) /* away from the empirical values */
            q[L.log_rho + b] += 0.3 * (b - 1), q[L.log_sigma2 + b] -= 0.5 * b;
        double f0 = hs_pose_logp_grad(base, q, g0);
        CHECK(hs_pose_logp_grad(sb, q, g1) == f0);
        double f1 = hs_pose_logp_grad(pb, q, g1);
        long double want = 0;
        for (int b = 0; b < 3; b++) {
            long double a0, b0, a1, b1, x = expl(q[L.log_rho + b]);
            gamma_ab(d.nominal[b], 2.0L, &a0, &b0);
            gamma_ab(d.nominal[b], rho_sd[b], &a1, &b1);
            want += (a1 - a0) * q[L.log_rho + b] - (b1 - b0) * x;
            CHECK_NEAR(g1[L.log_rho + b] - g0[L.log_rho + b], (double)((a1 - a0) - (b1 - b0) * x),
                       1e-9 * (fabs(g0[L.log_rho + b]) + 1));
            x = expl(q[L.log_sigma2 + b]);
            gamma_ab(0.25L, 0.5L, &a0, &b0);
            gamma_ab(s2m[b], s2s[b], &a1, &b1);
            want += (a1 - a0) * q[L.log_sigma2 + b] - (b1 - b0) * x;
            CHECK_NEAR(g1[L.log_sigma2 + b] - g0[L.log_sigma2 + b],
                       (double)((a1 - a0) - (b1 - b0) * x),
                       1e-9 * (fabs(g0[L.log_sigma2 + b]) + 1));
        }
        /* differences of O(1e2) between sums of size |f0| ~ 1e3..1e4 */
        CHECK_NEAR(f1 - f0, (double)want, 1e-10 * (fabs(f0) + 1));
        grad_check(pb, q, bones ? "per-bone priors, joints" : "per-bone priors, raw");
        free(q), free(g0), free(g1);
        hs_pose_destroy(&base), hs_pose_destroy(&pb), hs_pose_destroy(&sb);
    }
    /*
     * prior_relative: the default tree's bones are 10, 8, 8; multiples 0.25 L,
     * 0.0625 L^2 and 0.125 L^2 are exact in binary, so the relative scalars and
     * the absolute lists they stand for give the same model to the bit; relative
     * lists scale bone by bone.
     */
    const double abs_r[3] = {2.5, 2.0, 2.0}, abs_m[3] = {6.25, 4.0, 4.0};
    const double abs_s[3] = {12.5, 8.0, 8.0}, rel_r[3] = {0.25, 0.5, 0.125};
    /* relative rho_sd list, with the scalar sigma2 0.25 and 0.5 relative too */
    const double rel_abs_r[3] = {2.5, 4.0, 1.0}, rel_abs_m[3] = {25.0, 16.0, 16.0};
    const double rel_abs_s[3] = {50.0, 32.0, 32.0};
    const opts abs_lists = {.rho_sd_b = abs_r, .sigma2_mode_b = abs_m, .sigma2_sd_b = abs_s};
    const opts rel_lists = {.rho_sd_b = rel_r, .prior_relative = 1};
    const opts rel_abs = {
        .rho_sd_b = rel_abs_r, .sigma2_mode_b = rel_abs_m, .sigma2_sd_b = rel_abs_s};
    hs_pose_config rc = {.T = d.T,
                         .K = d.K,
                         .C = d.C,
                         .S = d.S,
                         .parents = d.parents,
                         .nominal = d.nominal,
                         .P = d.P,
                         .y = d.y,
                         .width = HS_POSE_WIDTH,
                         .height = HS_POSE_HEIGHT,
                         .lengths_positive = 1,
                         .use_mixture = 1,
                         .eta2_mode = 1,
                         .eta2_sd = 1,
                         .sigma_obs_mode = 1,
                         .sigma_obs_sd = 0.5,
                         .kappa_mode = 5,
                         .kappa_sd = 5,
                         .rho_sd = 0.25,
                         .sigma2_mode = 0.0625,
                         .sigma2_sd = 0.125,
                         .prior_relative = 1};
    hs_pose *rel = NULL, *ab = model_make_opts(&d, 1, 1, 0, 1, 0, &abs_lists);
    char rmsg[256];
    REQUIRE(hs_pose_create(&rc, &rel, rmsg, sizeof rmsg) == 0);
    hs_pose *rl = model_make_opts(&d, 1, 1, 0, 1, 0, &rel_lists);
    hs_pose *ra = model_make_opts(&d, 1, 1, 0, 1, 0, &rel_abs);
    const hs_pose_config *relc = hs_pose_get_config(rel);
    CHECK_EQ_INT(relc->prior_relative, 0);
    for (int b = 0; b < 3; b++)
        CHECK(relc->rho_sd_b[b] == abs_r[b] && relc->sigma2_mode_b[b] == abs_m[b] &&
              relc->sigma2_sd_b[b] == abs_s[b]);
    {
        hs_pose_layout L = hs_pose_get_layout(rel);
        double *q = malloc(L.dim * sizeof *q), *g = malloc(L.dim * sizeof *g);
        REQUIRE(q && g);
        hs_rng rng;
        hs_rng_seed(&rng, 12);
        hs_pose_init_triangulated(rel, &rng, 2.0, q);
        CHECK(hs_pose_logp_grad(rel, q, g) == hs_pose_logp_grad(ab, q, g));
        CHECK(hs_pose_logp_grad(rl, q, g) == hs_pose_logp_grad(ra, q, g));
        free(q), free(g);
    }
    hs_pose_destroy(&rel), hs_pose_destroy(&ab), hs_pose_destroy(&rl), hs_pose_destroy(&ra);

    const double bad[3] = {1.0, -1.0, 1.0};
    hs_pose_config c2 = {.T = d.T,
                         .K = d.K,
                         .C = d.C,
                         .S = d.S,
                         .parents = d.parents,
                         .nominal = d.nominal,
                         .P = d.P,
                         .y = d.y,
                         .width = HS_POSE_WIDTH,
                         .height = HS_POSE_HEIGHT,
                         .lengths_positive = 1,
                         .eta2_mode = 1,
                         .eta2_sd = 1,
                         .sigma_obs_mode = 1,
                         .sigma_obs_sd = 0.5,
                         .kappa_mode = 5,
                         .kappa_sd = 5,
                         .rho_sd = 2,
                         .sigma2_mode = 0.25,
                         .sigma2_sd = 0.5,
                         .sigma2_sd_b = bad};
    hs_pose *ps = NULL;
    char msg[256] = "";
    CHECK_EQ_INT(hs_pose_create(&c2, &ps, msg, sizeof msg), HS_NUM_EINPUT);
    CHECK_CONTAINS(msg, "sigma2_sd of bone 1");
    data_free(&d);
}

/*
 * x0_hat: the root's prior centre.  Against the default (the first frame's
 * triangulated root, which the model reports), log p changes by
 * -|x - x0_hat|^2 / 2 + |x - tri|^2 / 2 and the root's frame-0 gradient by
 * x0_hat - tri; nothing else moves.
 */
static void test_x0_hat(void)
{
    data d;
    data_make(&d, 4, 4, 3, 2, 2.0, 0.0, 0.0, 43);
    const double x0[3] = {1.5, -2.0, 12.0};
    const opts with = {.x0_hat = x0};
    hs_pose *base = model_make_bones(&d, 1, 1, 1, 1, 2);
    hs_pose *xm = model_make_opts(&d, 1, 1, 1, 1, 2, &with);
    const double *tri = hs_pose_get_config(base)->x0_hat, *got = hs_pose_get_config(xm)->x0_hat;
    /* the default centre is the triangulated root of frame 0, near the truth */
    for (int i = 0; i < 3; i++) {
        CHECK(got[i] == x0[i]);
        CHECK_NEAR(tri[i], d.truth.x[i], 0.5);
    }
    hs_pose_layout L = hs_pose_get_layout(base);
    double *q = malloc(L.dim * sizeof *q), *g0 = malloc(L.dim * sizeof *g0);
    double *g1 = malloc(L.dim * sizeof *g1);
    REQUIRE(q && g0 && g1);
    hs_rng rng;
    hs_rng_seed(&rng, 3);
    hs_pose_init_triangulated(base, &rng, 2.0, q);
    double f0 = hs_pose_logp_grad(base, q, g0), f1 = hs_pose_logp_grad(xm, q, g1);
    long double want = 0;
    for (int i = 0; i < 3; i++) {
        long double a = q[L.root + i] - (long double)x0[i], b = q[L.root + i] - (long double)tri[i];
        want += -a * a / 2 + b * b / 2;
        CHECK_NEAR(g1[L.root + i] - g0[L.root + i], x0[i] - tri[i],
                   1e-9 * (fabs(g0[L.root + i]) + 1));
    }
    CHECK_NEAR(f1 - f0, (double)want, 1e-10 * (fabs(f0) + 1));
    int others = 0;
    for (size_t i = L.root + 3; i < L.dim; i++)
        others += g1[i] != g0[i];
    CHECK_EQ_INT(others, 0);
    const double nan3[3] = {0, NAN, 0};
    hs_pose_config c2 = *hs_pose_get_config(base);
    c2.x0_hat = nan3;
    hs_pose *ps = NULL;
    char msg[256] = "";
    CHECK_EQ_INT(hs_pose_create(&c2, &ps, msg, sizeof msg), HS_NUM_EINPUT);
    CHECK_CONTAINS(msg, "x0_hat[1]");
    free(q), free(g0), free(g1);
    hs_pose_destroy(&base), hs_pose_destroy(&xm);
    data_free(&d);
}

int main(void)
{
    test_bone_priors();
    test_x0_hat();
    test_init_metric();
    test_log_c3();
    test_hmm();
    test_synth_determinism();
    test_triangulation();
    test_parameterisations();
    test_exp_log1p();
    test_keypoint_term();
    test_gradients();
    return CHECK_DONE();
}
