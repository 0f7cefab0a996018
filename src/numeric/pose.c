/*
 * The pose model's log density and hand-written gradient (model and
 * references in include/hsweep/pose.h), and its initial points.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/numeric/status.h"
#include "hsweep/pose.h"
#include "pose_obs.h"

#define LOG_2PI 1.8378770664093453 /* log(2 pi) */
#define DIR_EPS HS_POSE_DIR_EPS    /* u = r / sqrt(|r|^2 + DIR_EPS), as in the seed */
#define LOGODDS_SD 5.0             /* logodds_inlier ~ N(0, 5^2) */
#define REJECT_PX 20.0             /* triangulation: drop a camera reprojecting worse */
/*
 * dir_shell: |r| ~ N(1, SHELL_SD^2) up to the |r|^2 volume factor.  With 2 px
 * keypoint noise a bone's direction is known to ~0.01 rad, so its raw vector
 * r is pinned tangentially to ~0.01 |r|; a radial sd of 0.1 keeps the ratio
 * of scales near 10 (N(0, I3) gives ~70 at |r| = 1 and more as |r| -> 0).
 */
#define SHELL_SD 0.1

struct hs_pose {
    hs_pose_config cfg; /* pointers below are the model's own copies */
    int *parents;
    double *nominal, *P, *y;
    hs_pose_layout L;
    double xhat0[3];  /* prior mean of x_root[0]: x0_hat or frame 0's triangulated root */
    double *hyp;      /* [3][B] rho_sd, sigma2_mode, sigma2_sd per bone */
    double *tri;      /* [T][K][3] triangulated joints, gaps filled */
    double tri_sigma; /* robust scale of the triangulation's reprojection residuals */
    double log_wh;    /* log(W H): the outlier density is 1/(W H) */
    /* Gamma (shape a, rate b) of each positive parameter's prior. */
    double a_eta, b_eta, a_sobs, b_sobs, a_kap, b_kap, *a_s2, *b_s2, *a_rho, *b_rho;
    /* Workspace, allocated once (hs_pose_logp_grad never allocates).  Per-bone
     * arrays are bone-major, frames innermost (pose_obs.h). */
    double *len;                   /* [B][T] lengths l */
    double *u, *inv_s;             /* [B][3][T] unit directions, [B][T] 1/sqrt(|r|^2 + eps) */
    double *gu;                    /* [B][3][T] d logp / d u */
    double *blp, *bdl;             /* [B][T] bone Jacobian terms (joint coordinates), l - rho */
    double *emit, *gam, *hmm_work; /* [T][S], [T][S], (2S + 1)T + S^2 */
    double *est;                   /* [S][T] emissions, then the posterior gamma, state-major */
    double *mu, *km, *ubar, *dlc, *kap;    /* [S][B][3], [S][B][3], [S][B][3], [S][B], [S][B] */
    double *cs, *gsum, *log_init, *g_init; /* [S] each */
    double *log_trans, *g_trans;           /* [S][S] each */
    /* The keypoint batch (pose_obs.h): [C][K][T] keypoints, 1/0 seen, [K][T]
     * joint positions and per-joint outputs, and the number of seen keypoints. */
    double *oy0, *oy1, *oseen, *xs[3], *og[3], *olp, *ogls, *ow;
    long n_seen;
};

/* Gamma(mode m, sd s) as shape/rate (Kruschke, DBDA 2nd ed., sec. 9.2.2). */
static void gamma_mode_sd(double m, double s, double *a, double *b)
{
    *b = (m + sqrt(m * m + 4.0 * s * s)) / (2.0 * s * s);
    *a = 1.0 + m * *b;
}

/* log(1 + e^x) without overflow. */
static double softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

/*
 * log Phi(z) and the inverse Mills ratio phi(z)/Phi(z), for the truncation
 * of l ~ N(rho, sigma^2) at 0.  erfc is accurate down to z = -37; below
 * -30 the asymptotic series Phi(z) ~ phi(z)/(-z) (1 - 1/z^2 + 3/z^4)
 * (Abramowitz & Stegun 26.2.12) is used.
 */
static double log_ndtr(double z, double *mills)
{
    double lphi = -0.5 * z * z - 0.5 * LOG_2PI;
    if (z > -30.0) {
        double lcdf = log(0.5 * erfc(-z / M_SQRT2));
        *mills = exp(lphi - lcdf);
        return lcdf;
    }
    double z2 = z * z, series = 1.0 - 1.0 / z2 + 3.0 / (z2 * z2);
    *mills = -z / series;
    return lphi - log(-z) + log(series);
}

static void *xcalloc(size_t n, size_t size, int *fail)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        *fail = 1;
    return p;
}

static hs_pose_layout make_layout(const hs_pose_config *c)
{
    size_t T = (size_t)c->T, B = (size_t)c->K - 1, S = (size_t)c->S, o = 0;
    hs_pose_layout L;
    L.root = o, o += 3 * T;
    L.log_eta2 = o, o += 1;
    L.dir = o, o += 3 * T * B;
    L.len = SIZE_MAX;
    if (!c->joints)
        L.len = o, o += T * B;
    L.log_rho = o, o += B;
    L.log_sigma2 = o, o += B;
    L.log_sigma_obs = o, o += 1;
    L.logodds = SIZE_MAX;
    if (c->use_mixture)
        L.logodds = o, o += 1;
    L.mu = L.log_kappa = L.init_logit = L.trans_logit = SIZE_MAX;
    if (c->use_hmm) {
        L.mu = o, o += 3 * S * B;
        if (!c->vmf_natural)
            L.log_kappa = o, o += S * B;
        L.init_logit = o, o += S;
        L.trans_logit = o, o += S * S;
    }
    L.dim = o;
    return L;
}

static int check_config(const hs_pose_config *c, char *msg, size_t cap)
{
    if (c->T < 1 || c->K < 2 || c->K > 64 || c->C < 1 || c->C > 64 || c->S < 1 || c->S > 64) {
        snprintf(msg, cap,
                 "pose: need T >= 1, 2 <= K <= 64, 1 <= C <= 64, 1 <= S <= 64 "
                 "(got T=%d K=%d C=%d S=%d)",
                 c->T, c->K, c->C, c->S);
        return HS_NUM_EINPUT;
    }
    if (c->joints && !c->lengths_positive) {
        snprintf(msg, cap,
                 "pose: the joint-position parameterisation needs positive lengths "
                 "(free lengths have mirror modes it cannot represent)");
        return HS_NUM_EINPUT;
    }
    if (c->parents[0] != -1) {
        snprintf(msg, cap, "pose: parents[0] must be -1 (the root), got %d", c->parents[0]);
        return HS_NUM_EINPUT;
    }
    for (int k = 1; k < c->K; k++) {
        if (c->parents[k] < 0 || c->parents[k] >= k) {
            snprintf(msg, cap,
                     "pose: parents[%d] = %d: joints must be ordered so that "
                     "0 <= parents[k] < k",
                     k, c->parents[k]);
            return HS_NUM_EINPUT;
        }
        if (!(c->nominal[k - 1] > 0.0) || !isfinite(c->nominal[k - 1])) {
            snprintf(msg, cap, "pose: bone length %d must be positive and finite, got %g", k - 1,
                     c->nominal[k - 1]);
            return HS_NUM_EINPUT;
        }
    }
    const double hyp[] = {c->eta2_mode,  c->eta2_sd,  c->sigma_obs_mode, c->sigma_obs_sd,
                          c->kappa_mode, c->kappa_sd, c->rho_sd,         c->sigma2_mode,
                          c->sigma2_sd,  c->width,    c->height};
    for (size_t i = 0; i < sizeof hyp / sizeof hyp[0]; i++)
        if (!(hyp[i] > 0.0) || !isfinite(hyp[i])) {
            snprintf(msg, cap,
                     "pose: prior hyperparameters and the image size must be "
                     "positive and finite (item %zu is %g)",
                     i, hyp[i]);
            return HS_NUM_EINPUT;
        }
    const double *per_bone[3] = {c->rho_sd_b, c->sigma2_mode_b, c->sigma2_sd_b};
    static const char *const per_bone_name[3] = {"rho_sd", "sigma2_mode", "sigma2_sd"};
    for (int h = 0; h < 3; h++)
        for (int b = 0; per_bone[h] && b < c->K - 1; b++)
            if (!(per_bone[h][b] > 0.0) || !isfinite(per_bone[h][b])) {
                snprintf(msg, cap, "pose: %s of bone %d must be positive and finite, got %g",
                         per_bone_name[h], b, per_bone[h][b]);
                return HS_NUM_EINPUT;
            }
    for (int i = 0; c->x0_hat && i < 3; i++)
        if (!isfinite(c->x0_hat[i])) {
            snprintf(msg, cap, "pose: x0_hat[%d] is not finite", i);
            return HS_NUM_EINPUT;
        }
    for (int i = 0; i < c->C * 12; i++)
        if (!isfinite(c->P[i])) {
            snprintf(msg, cap, "pose: camera matrix entry %d is not finite", i);
            return HS_NUM_EINPUT;
        }
    return 0;
}

/*
 * Triangulate every joint of every frame and fill the gaps from the nearest
 * frame where it was triangulated.  Returns 0, or HS_NUM_ENOMEM.
 */
static int triangulate_all(hs_pose *ps)
{
    const hs_pose_config *c = &ps->cfg;
    int T = c->T, K = c->K, C = c->C;
    unsigned char *ok = calloc((size_t)T * K, 1);
    if (!ok)
        return HS_NUM_ENOMEM;
    double yc[2 * 64];
    for (int t = 0; t < T; t++)
        for (int k = 0; k < K; k++) {
            for (int cc = 0; cc < C; cc++)
                memcpy(yc + 2 * cc, ps->y + (((size_t)cc * T + t) * K + k) * 2, 2 * sizeof(double));
            double *X = ps->tri + ((size_t)t * K + k) * 3;
            ok[(size_t)t * K + k] = hs_pose_triangulate(C, ps->P, yc, REJECT_PX, X) >= 2;
        }
    for (int k = 0; k < K; k++)
        for (int t = 0; t < T; t++) {
            double *X = ps->tri + ((size_t)t * K + k) * 3;
            if (ok[(size_t)t * K + k] == 1)
                continue;
            int src = -1;
            for (int d = 1; d < T && src < 0; d++) {
                if (t - d >= 0 && ok[(size_t)(t - d) * K + k] == 1)
                    src = t - d;
                else if (t + d < T && ok[(size_t)(t + d) * K + k] == 1)
                    src = t + d;
            }
            if (src >= 0) {
                memcpy(X, ps->tri + ((size_t)src * K + k) * 3, 3 * sizeof(double));
            } else if (k == 0) {
                X[0] = X[1] = X[2] = 0.0;
            } else {
                /* Never seen: hang the joint above its parent at the nominal length. */
                const double *Xp = ps->tri + ((size_t)t * K + c->parents[k]) * 3;
                X[0] = Xp[0], X[1] = Xp[1], X[2] = Xp[2] + c->nominal[k - 1];
            }
            ok[(size_t)t * K + k] = 2; /* filled, not a source for other frames */
        }
    free(ok);
    memcpy(ps->xhat0, ps->cfg.x0_hat ? ps->cfg.x0_hat : ps->tri, sizeof ps->xhat0);
    ps->cfg.x0_hat = ps->xhat0;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * 1.4826 median |residual| of the triangulated points' reprojections (1 if
 * nothing is observed) into ps->tri_sigma.  Returns 0, or HS_NUM_ENOMEM.
 */
static int residual_scale(hs_pose *ps)
{
    const hs_pose_config *c = &ps->cfg;
    size_t n = 0, cap = (size_t)c->T * c->C * c->K * 2;
    double *r = malloc(cap * sizeof *r);
    if (!r)
        return HS_NUM_ENOMEM;
    for (int t = 0; t < c->T; t++)
        for (int cc = 0; cc < c->C; cc++)
            for (int k = 0; k < c->K; k++) {
                const double *yk = ps->y + (((size_t)cc * c->T + t) * c->K + k) * 2;
                const double *X = ps->tri + ((size_t)t * c->K + k) * 3;
                const double *Pc = ps->P + 12 * cc;
                if (isnan(yk[0]) || isnan(yk[1]))
                    continue;
                double h[3];
                for (int i = 0; i < 3; i++)
                    h[i] = Pc[4 * i] * X[0] + Pc[4 * i + 1] * X[1] + Pc[4 * i + 2] * X[2] +
                           Pc[4 * i + 3];
                double z = h[2] > HS_POSE_H2_MIN ? h[2] : HS_POSE_H2_MIN;
                r[n++] = fabs(h[0] / z - yk[0]);
                r[n++] = fabs(h[1] / z - yk[1]);
            }
    ps->tri_sigma = 1.0;
    if (n > 0) {
        qsort(r, n, sizeof *r, cmp_double);
        ps->tri_sigma = 1.4826 * r[n / 2];
    }
    free(r);
    return 0;
}

int hs_pose_create(const hs_pose_config *cfg, hs_pose **out, char *msg, size_t cap)
{
    *out = NULL;
    int rc = check_config(cfg, msg, cap);
    if (rc)
        return rc;
    hs_pose *ps = calloc(1, sizeof *ps);
    if (!ps) {
        snprintf(msg, cap, "pose: out of memory");
        return HS_NUM_ENOMEM;
    }
    ps->cfg = *cfg;
    size_t T = (size_t)cfg->T, K = (size_t)cfg->K, C = (size_t)cfg->C, S = (size_t)cfg->S;
    size_t B = K - 1, ny = C * T * K * 2;
    int fail = 0;
    ps->parents = xcalloc(K, sizeof(int), &fail);
    ps->nominal = xcalloc(B, sizeof(double), &fail);
    ps->P = xcalloc(12 * C, sizeof(double), &fail);
    ps->y = xcalloc(ny, sizeof(double), &fail);
    ps->tri = xcalloc(T * K * 3, sizeof(double), &fail);
    ps->a_rho = xcalloc(B, sizeof(double), &fail);
    ps->b_rho = xcalloc(B, sizeof(double), &fail);
    ps->a_s2 = xcalloc(B, sizeof(double), &fail);
    ps->b_s2 = xcalloc(B, sizeof(double), &fail);
    ps->hyp = xcalloc(3 * B, sizeof(double), &fail);
    ps->len = xcalloc(T * B, sizeof(double), &fail);
    ps->u = xcalloc(T * B * 3, sizeof(double), &fail);
    ps->inv_s = xcalloc(T * B, sizeof(double), &fail);
    ps->gu = xcalloc(T * B * 3, sizeof(double), &fail);
    ps->blp = xcalloc(T * B, sizeof(double), &fail);
    ps->bdl = xcalloc(T * B, sizeof(double), &fail);
    ps->oy0 = xcalloc(C * T * K, sizeof(double), &fail);
    ps->oy1 = xcalloc(C * T * K, sizeof(double), &fail);
    ps->oseen = xcalloc(C * T * K, sizeof(double), &fail);
    for (int d = 0; d < 3; d++) {
        ps->xs[d] = xcalloc(T * K, sizeof(double), &fail);
        ps->og[d] = xcalloc(T * K, sizeof(double), &fail);
    }
    ps->olp = xcalloc(T * K, sizeof(double), &fail);
    ps->ogls = xcalloc(T * K, sizeof(double), &fail);
    ps->ow = xcalloc(T * K, sizeof(double), &fail);
    if (cfg->use_hmm) {
        ps->emit = xcalloc(T * S, sizeof(double), &fail);
        ps->gam = xcalloc(T * S, sizeof(double), &fail);
        ps->est = xcalloc(T * S, sizeof(double), &fail);
        ps->hmm_work = xcalloc((2 * S + 1) * T + S * S, sizeof(double), &fail);
        ps->mu = xcalloc(S * B * 3, sizeof(double), &fail);
        ps->km = xcalloc(S * B * 3, sizeof(double), &fail);
        ps->ubar = xcalloc(S * B * 3, sizeof(double), &fail);
        ps->dlc = xcalloc(S * B, sizeof(double), &fail);
        ps->kap = xcalloc(S * B, sizeof(double), &fail);
        ps->cs = xcalloc(S, sizeof(double), &fail);
        ps->gsum = xcalloc(S, sizeof(double), &fail);
        ps->log_init = xcalloc(S, sizeof(double), &fail);
        ps->g_init = xcalloc(S, sizeof(double), &fail);
        ps->log_trans = xcalloc(S * S, sizeof(double), &fail);
        ps->g_trans = xcalloc(S * S, sizeof(double), &fail);
    }
    if (fail) {
        hs_pose_destroy(&ps);
        snprintf(msg, cap, "pose: out of memory (T = %zu)", T);
        return HS_NUM_ENOMEM;
    }
    memcpy(ps->parents, cfg->parents, K * sizeof(int));
    memcpy(ps->nominal, cfg->nominal, B * sizeof(double));
    memcpy(ps->P, cfg->P, 12 * C * sizeof(double));
    memcpy(ps->y, cfg->y, ny * sizeof(double));
    ps->cfg.parents = ps->parents;
    ps->cfg.nominal = ps->nominal;
    ps->cfg.P = ps->P;
    ps->cfg.y = ps->y;
    for (size_t cc = 0; cc < C; cc++)
        for (size_t t = 0; t < T; t++)
            for (size_t k = 0; k < K; k++) {
                const double *yk = ps->y + ((cc * T + t) * K + k) * 2;
                size_t o = (cc * K + k) * T + t; /* joint-major (pose_obs.h) */
                int seen = !isnan(yk[0]) && !isnan(yk[1]);
                ps->oy0[o] = seen ? yk[0] : 0.0;
                ps->oy1[o] = seen ? yk[1] : 0.0;
                ps->oseen[o] = seen;
                ps->n_seen += seen;
            }
    ps->L = make_layout(&ps->cfg);
    ps->log_wh = log(cfg->width * cfg->height);
    gamma_mode_sd(cfg->eta2_mode, cfg->eta2_sd, &ps->a_eta, &ps->b_eta);
    gamma_mode_sd(cfg->sigma_obs_mode, cfg->sigma_obs_sd, &ps->a_sobs, &ps->b_sobs);
    gamma_mode_sd(cfg->kappa_mode, cfg->kappa_sd, &ps->a_kap, &ps->b_kap);
    double *rho_sd = ps->hyp, *s2_mode = ps->hyp + B, *s2_sd = ps->hyp + 2 * B;
    for (size_t b = 0; b < B; b++) {
        const double l = cfg->prior_relative ? cfg->nominal[b] : 1.0;
        rho_sd[b] = (cfg->rho_sd_b ? cfg->rho_sd_b[b] : cfg->rho_sd) * l;
        s2_mode[b] = (cfg->sigma2_mode_b ? cfg->sigma2_mode_b[b] : cfg->sigma2_mode) * l * l;
        s2_sd[b] = (cfg->sigma2_sd_b ? cfg->sigma2_sd_b[b] : cfg->sigma2_sd) * l * l;
        gamma_mode_sd(s2_mode[b], s2_sd[b], &ps->a_s2[b], &ps->b_s2[b]);
        gamma_mode_sd(cfg->nominal[b], rho_sd[b], &ps->a_rho[b], &ps->b_rho[b]);
    }
    ps->cfg.rho_sd_b = rho_sd, ps->cfg.sigma2_mode_b = s2_mode, ps->cfg.sigma2_sd_b = s2_sd;
    ps->cfg.prior_relative = 0;
    if (triangulate_all(ps) != 0 || residual_scale(ps) != 0) {
        hs_pose_destroy(&ps);
        snprintf(msg, cap, "pose: out of memory (T = %zu)", T);
        return HS_NUM_ENOMEM;
    }
    *out = ps;
    return 0;
}

void hs_pose_destroy(hs_pose **pose)
{
    if (!pose || !*pose)
        return;
    hs_pose *ps = *pose;
    double *bufs[] = {ps->nominal,  ps->P,     ps->y,        ps->tri,    ps->a_rho,     ps->b_rho,
                      ps->a_s2,     ps->b_s2,  ps->hyp,      ps->len,    ps->u,         ps->inv_s,
                      ps->gu,       ps->blp,   ps->bdl,      ps->emit,   ps->gam,       ps->est,
                      ps->hmm_work, ps->mu,    ps->km,       ps->ubar,   ps->dlc,       ps->kap,
                      ps->cs,       ps->gsum,  ps->log_init, ps->g_init, ps->log_trans, ps->g_trans,
                      ps->oy0,      ps->oy1,   ps->oseen,    ps->xs[0],  ps->xs[1],     ps->xs[2],
                      ps->og[0],    ps->og[1], ps->og[2],    ps->olp,    ps->ogls,      ps->ow};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    free(ps->parents);
    free(ps);
    *pose = NULL;
}

hs_pose_layout hs_pose_get_layout(const hs_pose *pose) { return pose->L; }

const hs_pose_config *hs_pose_get_config(const hs_pose *pose) { return &pose->cfg; }

/* The HMM term: adds log p(u | HMM) to the return value and its gradient to ps->gu and g. */
static double hmm_term(hs_pose *ps, const double *q, double *g)
{
    const hs_pose_config *c = &ps->cfg;
    const hs_pose_layout *L = &ps->L;
    int T = c->T, S = c->S, B = c->K - 1;
    double lp = 0.0;
    for (int s = 0; s < S; s++) {
        ps->cs[s] = ps->gsum[s] = 0.0;
        for (int b = 0; b < B; b++) {
            size_t sb = (size_t)s * B + b;
            const double *m = q + L->mu + 3 * sb;
            double ism = 1.0 / sqrt(m[0] * m[0] + m[1] * m[1] + m[2] * m[2] + DIR_EPS);
            double kap, lk;
            if (c->vmf_natural) {
                /* w = kappa mu: kappa = sqrt(|w|^2 + eps), prior Gamma(kappa) / kappa^2
                 * (the Jacobian of (kappa, mu) -> w; mu uniform on the sphere). */
                kap = 1.0 / ism, lk = log(kap);
                double gk = (ps->a_kap - 3.0) / kap - ps->b_kap;
                lp += (ps->a_kap - 3.0) * lk - ps->b_kap * kap;
                for (int i = 0; i < 3; i++)
                    g[L->mu + 3 * sb + i] += gk * m[i] * ism;
            } else {
                lk = q[L->log_kappa + sb], kap = exp(lk);
                lp += ps->a_kap * lk - ps->b_kap * kap;
                g[L->log_kappa + sb] += ps->a_kap - ps->b_kap * kap;
                for (int i = 0; i < 3; i++) {
                    lp -= 0.5 * m[i] * m[i];
                    g[L->mu + 3 * sb + i] -= m[i];
                }
            }
            ps->kap[sb] = kap;
            for (int i = 0; i < 3; i++) {
                ps->mu[3 * sb + i] = m[i] * ism;
                ps->km[3 * sb + i] = kap * m[i] * ism;
                ps->ubar[3 * sb + i] = 0.0;
            }
            if (c->vmf_normalized)
                ps->cs[s] += hs_pose_log_c3(kap, &ps->dlc[sb]);
        }
    }
    /* e[t, s] = log C3 + sum_i km[s, i] u[i, t], i = 3 b + axis, frames in lanes. */
    for (int s = 0; s < S; s++) {
        double *es = ps->est + (size_t)s * T;
        const double *km = ps->km + (size_t)s * B * 3;
        for (int t = 0; t < T; t++)
            es[t] = ps->cs[s];
        for (int i = 0; i < 3 * B; i++)
            hs_pose_axpy((size_t)T, km[i], ps->u + (size_t)i * T, es);
        for (int t = 0; t < T; t++)
            ps->emit[(size_t)t * S + s] = es[t];
    }
    /* Initial and transition logits ~ N(0, 1), rows log-softmaxed. */
    for (int row = -1; row < S; row++) {
        size_t off = row < 0 ? L->init_logit : L->trans_logit + (size_t)row * S;
        double *out = row < 0 ? ps->log_init : ps->log_trans + (size_t)row * S;
        double m = q[off];
        for (int s = 1; s < S; s++)
            m = q[off + s] > m ? q[off + s] : m;
        double acc = 0.0;
        for (int s = 0; s < S; s++)
            acc += exp(q[off + s] - m);
        double lse = m + log(acc);
        for (int s = 0; s < S; s++) {
            out[s] = q[off + s] - lse;
            lp -= 0.5 * q[off + s] * q[off + s];
            g[off + s] -= q[off + s];
        }
    }
    lp += hs_pose_hmm_loglik(T, S, ps->log_init, ps->log_trans, ps->emit, ps->hmm_work, ps->gam,
                             ps->g_init, ps->g_trans);
    for (int row = -1; row < S; row++) {
        size_t off = row < 0 ? L->init_logit : L->trans_logit + (size_t)row * S;
        const double *lsm = row < 0 ? ps->log_init : ps->log_trans + (size_t)row * S;
        const double *gl = row < 0 ? ps->g_init : ps->g_trans + (size_t)row * S;
        double tot = 0.0;
        for (int s = 0; s < S; s++)
            tot += gl[s];
        for (int s = 0; s < S; s++)
            g[off + s] += gl[s] - exp(lsm[s]) * tot;
    }
    /* Through the emissions: gu += sum_s gamma[t, s] km[s], and per state the
     * sums over frames sum_t gamma and ubar = sum_t gamma u (in lanes). */
    for (int s = 0; s < S; s++) {
        double *gs = ps->est + (size_t)s * T;
        const double *km = ps->km + (size_t)s * B * 3;
        double *ub = ps->ubar + (size_t)s * B * 3;
        for (int t = 0; t < T; t++)
            gs[t] = ps->gam[(size_t)t * S + s];
        ps->gsum[s] = hs_pose_lane_sum((size_t)T, gs);
        for (int i = 0; i < 3 * B; i++) {
            ub[i] = hs_pose_lane_dot((size_t)T, gs, ps->u + (size_t)i * T);
            hs_pose_axpy((size_t)T, km[i], gs, ps->gu + (size_t)i * T);
        }
    }
    /* e = kappa mu . u + log C3(kappa): through km = kappa mu, mu = m/|m|, kappa = e^lk. */
    for (int s = 0; s < S; s++)
        for (int b = 0; b < B; b++) {
            size_t sb = (size_t)s * B + b;
            const double *mu = ps->mu + 3 * sb, *ub = ps->ubar + 3 * sb, *m = q + L->mu + 3 * sb;
            double kap = ps->kap[sb];
            double ism = 1.0 / sqrt(m[0] * m[0] + m[1] * m[1] + m[2] * m[2] + DIR_EPS);
            double mu_ub = mu[0] * ub[0] + mu[1] * ub[1] + mu[2] * ub[2];
            double dkap = mu_ub + (c->vmf_normalized ? ps->gsum[s] * ps->dlc[sb] : 0.0);
            if (c->vmf_natural) {
                /* d/dw of e = w . u + log C3(|w|): u, plus dlogC3 mu. */
                for (int i = 0; i < 3; i++)
                    g[L->mu + 3 * sb + i] += ub[i] + (dkap - mu_ub) * mu[i];
                continue;
            }
            g[L->log_kappa + sb] += kap * dkap;
            for (int i = 0; i < 3; i++)
                g[L->mu + 3 * sb + i] += kap * ism * (ub[i] - mu[i] * mu_ub);
        }
    return lp;
}

/* Offset in q of joint k's position at frame t in the joint-position parameterisation. */
static size_t joint_off(const hs_pose_layout *L, int B, size_t t, int k)
{
    return k == 0 ? L->root + 3 * t : L->dir + 3 * (t * (size_t)B + (size_t)k - 1);
}

double hs_pose_logp_grad(hs_pose *ps, const double *q, double *g)
{
    const hs_pose_config *c = &ps->cfg;
    const hs_pose_layout *L = &ps->L;
    const int T = c->T, K = c->K, B = K - 1;
    const size_t Tz = (size_t)T;
    memset(g, 0, L->dim * sizeof *g);
    double lp = 0.0;

    /* Root: x_root[0] ~ N(xhat0, I), increments ~ N(0, eta^2 I), eta^2 ~ Gamma (log scale). */
    const double *xr = q + L->root;
    double *gxr = g + L->root;
    double le2 = q[L->log_eta2], eta2 = exp(le2), ie2 = 1.0 / eta2, ss = 0.0;
    for (int i = 0; i < 3; i++) {
        double d = xr[i] - ps->xhat0[i];
        lp -= 0.5 * d * d;
        gxr[i] -= d;
    }
    for (size_t i = 3; i < 3 * Tz; i++) {
        double d = xr[i] - xr[i - 3];
        ss += d * d;
        gxr[i] -= d * ie2;
        gxr[i - 3] += d * ie2;
    }
    lp += -0.5 * ss * ie2 - 1.5 * (T - 1) * le2 + ps->a_eta * le2 - ps->b_eta * eta2;
    g[L->log_eta2] += 0.5 * ss * ie2 - 1.5 * (T - 1) + ps->a_eta - ps->b_eta * eta2;

    /* Keypoint noise and the mixture's weights. */
    double lso = q[L->log_sigma_obs], sobs = exp(lso), is2 = 1.0 / (sobs * sobs);
    double lgc = -2.0 * lso - LOG_2PI, lp_in = 0.0, lp_out = 0.0;
    if (c->use_mixture) {
        double lo = q[L->logodds];
        lp_in = -softplus(-lo);
        lp_out = -softplus(lo) - ps->log_wh;
    }
    double rho[64], is2b[64];
    for (int b = 0; b < B; b++) {
        rho[b] = exp(q[L->log_rho + b]);
        is2b[b] = exp(-q[L->log_sigma2 + b]);
    }

    /* Every frame's joint positions, joint-major (raw coordinates: forward
     * through the tree, frame by frame). */
    double X[64][3], gX[64][3];
    if (c->joints)
        for (int k = 0; k < K; k++) {
            const double *x = q + joint_off(L, B, 0, k);
            const size_t stride = k == 0 ? 3 : 3 * (size_t)B;
            double *x0 = ps->xs[0] + k * Tz, *x1 = ps->xs[1] + k * Tz, *x2 = ps->xs[2] + k * Tz;
            for (size_t t = 0; t < Tz; t++, x += stride)
                x0[t] = x[0], x1[t] = x[1], x2[t] = x[2];
        }
    for (size_t t = 0; t < Tz && !c->joints; t++) {
        for (int j = 0; j < 3; j++)
            X[0][j] = xr[3 * t + j];
        for (int k = 1; k < K; k++) {
            size_t i = t * B + k - 1, o = (size_t)(k - 1) * Tz + t;
            const double *r = q + L->dir + 3 * i;
            double rr = r[0] * r[0] + r[1] * r[1] + r[2] * r[2];
            double is = 1.0 / sqrt(rr + DIR_EPS), lam = q[L->len + i];
            double l = c->lengths_positive ? exp(lam) : lam;
            if (c->dir_shell) {
                double dr = sqrt(rr) - 1.0;
                lp -= 0.5 * dr * dr / (SHELL_SD * SHELL_SD);
            } else {
                lp -= 0.5 * rr;
            }
            ps->inv_s[o] = is;
            ps->len[o] = l;
            for (int j = 0; j < 3; j++) {
                double u = r[j] * is;
                ps->u[(3 * (size_t)(k - 1) + j) * Tz + t] = u;
                X[k][j] = X[c->parents[k]][j] + l * u;
            }
        }
        for (int k = 0; k < K; k++)
            for (int j = 0; j < 3; j++)
                ps->xs[j][k * Tz + t] = X[k][j];
    }

    /* The keypoints of every frame at once, then their sums in a fixed order. */
    pose_obs_args ob = {.n = Tz * K,
                        .C = c->C,
                        .mixture = c->use_mixture,
                        .P = ps->P,
                        .x = {ps->xs[0], ps->xs[1], ps->xs[2]},
                        .y0 = ps->oy0,
                        .y1 = ps->oy1,
                        .seen = ps->oseen,
                        .is2 = is2,
                        .lgc = lgc,
                        .lp_in = lp_in,
                        .lp_out = lp_out,
                        .g = {ps->og[0], ps->og[1], ps->og[2]},
                        .lp = ps->olp,
                        .gls = ps->ogls,
                        .w = ps->ow};
    hs_pose_obs_batch(&ob);
    /* obs_twice (the seed's bug): the keypoint term and all its gradients doubled. */
    const double obs_k = c->obs_twice ? 2.0 : 1.0;
    double obs_lp = obs_k * hs_pose_lane_sum(ob.n, ps->olp);
    double obs_gls = obs_k * hs_pose_lane_sum(ob.n, ps->ogls);
    double obs_w = obs_k * hs_pose_lane_sum(ob.n, ps->ow);
    for (int j = 0; c->obs_twice && j < 3; j++)
        for (size_t i = 0; i < ob.n; i++)
            ps->og[j][i] *= 2.0;

    /* Joint coordinates: every bone at once.  Raw: per frame, backward through the tree. */
    pose_bones_args ba = {.T = Tz,
                          .K = K,
                          .parents = c->parents,
                          .x = {ps->xs[0], ps->xs[1], ps->xs[2]},
                          .rho = rho,
                          .is2b = is2b,
                          .g = {ps->og[0], ps->og[1], ps->og[2]},
                          .u = ps->u,
                          .il = ps->inv_s,
                          .len = ps->len,
                          .lp = ps->blp,
                          .dl = ps->bdl};
    if (c->joints) {
        hs_pose_bones_batch(&ba);
        lp += hs_pose_lane_sum(Tz * B, ps->blp);
        memset(ps->gu, 0, 3 * Tz * B * sizeof *ps->gu);
    }
    for (size_t t = 0; t < Tz && !c->joints; t++) {
        for (int k = 0; k < K; k++)
            for (int j = 0; j < 3; j++)
                gX[k][j] = ps->og[j][k * Tz + t];
        for (int k = K - 1; k >= 1; k--) {
            size_t i = t * B + k - 1, o = (size_t)(k - 1) * Tz + t;
            int b = k - 1, par = c->parents[k];
            const double *u = ps->u + 3 * (size_t)b * Tz + t; /* axis j at u[j Tz] */
            double l = ps->len[o], dl = l - rho[b];
            double gl = gX[k][0] * u[0] + gX[k][1] * u[Tz] + gX[k][2] * u[2 * Tz] - dl * is2b[b];
            ps->bdl[o] = dl;
            for (int j = 0; j < 3; j++) {
                ps->gu[(3 * (size_t)b + j) * Tz + t] = l * gX[k][j];
                gX[par][j] += gX[k][j];
            }
            if (c->lengths_positive) {
                lp += q[L->len + i]; /* Jacobian of l = exp(lambda) */
                g[L->len + i] = gl * l + 1.0;
            } else {
                g[L->len + i] = gl;
            }
        }
        for (int j = 0; j < 3; j++)
            gxr[3 * t + j] += gX[0][j];
    }

    /* Keypoint noise prior and the mixture weight's prior. */
    lp += obs_lp + ps->a_sobs * lso - ps->b_sobs * sobs;
    g[L->log_sigma_obs] += obs_gls + ps->a_sobs - ps->b_sobs * sobs;
    if (c->use_mixture) {
        double lo = q[L->logodds], p = 1.0 / (1.0 + exp(-lo));
        lp -= 0.5 * lo * lo / (LOGODDS_SD * LOGODDS_SD);
        g[L->logodds] += obs_w - obs_k * p * (double)ps->n_seen - lo / (LOGODDS_SD * LOGODDS_SD);
    }

    /* Bone lengths l ~ N(rho, sigma^2) (truncated at 0), rho and sigma^2 ~ Gamma (log scale). */
    for (int b = 0; b < B; b++) {
        const double *dl = ps->bdl + (size_t)b * Tz;
        double s1 = hs_pose_lane_sum(Tz, dl), s2 = hs_pose_lane_dot(Tz, dl, dl);
        double ls2 = q[L->log_sigma2 + b];
        double glr = s1 * is2b[b], gls = 0.5 * s2 * is2b[b] - 0.5 * T;
        lp += -0.5 * s2 * is2b[b] - 0.5 * T * ls2;
        if (c->lengths_positive) {
            double sd = exp(0.5 * ls2), z = rho[b] / sd, mills;
            lp -= T * log_ndtr(z, &mills);
            glr -= T * mills / sd;
            gls += 0.5 * T * mills * z;
        }
        lp += ps->a_rho[b] * q[L->log_rho + b] - ps->b_rho[b] * rho[b];
        g[L->log_rho + b] += glr * rho[b] + ps->a_rho[b] - ps->b_rho[b] * rho[b];
        lp += ps->a_s2[b] * ls2 - ps->b_s2[b] / is2b[b];
        g[L->log_sigma2 + b] += gls + ps->a_s2[b] - ps->b_s2[b] / is2b[b];
    }

    if (c->use_hmm)
        lp += hmm_term(ps, q, g);

    if (c->joints) {
        /* The HMM's gradient through u = v / l, then every joint's into q's layout. */
        if (c->use_hmm)
            hs_pose_bones_tangent(&ba, ps->gu);
        for (int k = 0; k < K; k++) {
            double *gk = g + joint_off(L, B, 0, k);
            const size_t stride = k == 0 ? 3 : 3 * (size_t)B;
            const double *g0 = ps->og[0] + k * Tz, *g1 = ps->og[1] + k * Tz;
            const double *g2 = ps->og[2] + k * Tz;
            for (size_t t = 0; t < Tz; t++, gk += stride)
                gk[0] += g0[t], gk[1] += g1[t], gk[2] += g2[t];
        }
        return lp;
    }

    /*
     * u = r / sqrt(|r|^2 + eps): du/dr = (I - u u^T) / sqrt(|r|^2 + eps).  Prior
     * gradient -r for N(0, I3); -(|r| - 1) / (SHELL_SD^2 |r|) r for the shell
     * (0 at r = 0, where that density is flat in every direction).
     */
    for (size_t t = 0; t < Tz; t++)
        for (int b = 0; b < B; b++) {
            size_t i = t * B + b, o = (size_t)b * Tz + t;
            const double *u = ps->u + 3 * (size_t)b * Tz + t, *gu = ps->gu + 3 * (size_t)b * Tz + t;
            const double *r = q + L->dir + 3 * i;
            double ug = u[0] * gu[0] + u[Tz] * gu[Tz] + u[2 * Tz] * gu[2 * Tz];
            double is = ps->inv_s[o], pr = 1.0;
            if (c->dir_shell) {
                double rn = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
                pr = rn > 0.0 ? (rn - 1.0) / (SHELL_SD * SHELL_SD * rn) : 0.0;
            }
            for (int j = 0; j < 3; j++)
                g[L->dir + 3 * i + j] = (gu[j * Tz] - u[j * Tz] * ug) * is - pr * r[j];
        }
    return lp;
}

void hs_pose_bone_lengths(const hs_pose *ps, const double *q, double *len)
{
    const hs_pose_config *c = &ps->cfg;
    const hs_pose_layout *L = &ps->L;
    int B = c->K - 1;
    for (int t = 0; t < c->T; t++)
        for (int k = 1; k <= B; k++) {
            size_t i = (size_t)t * B + k - 1;
            if (!c->joints) {
                len[i] = c->lengths_positive ? exp(q[L->len + i]) : q[L->len + i];
                continue;
            }
            const double *x = q + L->dir + 3 * i, *xp = q + joint_off(L, B, t, c->parents[k]);
            double v0 = x[0] - xp[0], v1 = x[1] - xp[1], v2 = x[2] - xp[2];
            len[i] = sqrt(v0 * v0 + v1 * v1 + v2 * v2 + DIR_EPS);
        }
}

/* Is q[i] a per-frame coordinate?  Its frame in *t and offset within the frame in *j. */
static int frame_coord(const hs_pose_layout *L, int T, int B, size_t i, size_t *t, size_t *j)
{
    size_t fb = 3 + 3 * (size_t)B; /* root, then joints / raw directions */
    if (i < L->root + 3 * (size_t)T) {
        *t = (i - L->root) / 3, *j = (i - L->root) % 3;
        return 1;
    }
    if (i >= L->dir && i < L->dir + 3 * (size_t)T * B) {
        *t = (i - L->dir) / (3 * (size_t)B), *j = 3 + (i - L->dir) % (3 * (size_t)B);
        return 1;
    }
    if (L->len != SIZE_MAX && i >= L->len && i < L->len + (size_t)T * B) {
        *t = (i - L->len) / (size_t)B, *j = fb + (i - L->len) % (size_t)B;
        return 1;
    }
    return 0;
}

size_t hs_pose_init_metric(hs_pose *ps, const double *q, double *work, double *minv)
{
    const hs_pose_layout *L = &ps->L;
    const int T = ps->cfg.T, B = ps->cfg.K - 1;
    const size_t n = L->dim, per_frame = 3 + 3 * (size_t)B + (L->len != SIZE_MAX ? (size_t)B : 0);
    double *g0 = work, *g1 = work + n, *qp = work + 2 * n;
    for (size_t i = 0; i < n; i++)
        minv[i] = 1.0;
    size_t used = 1;
    if (!isfinite(hs_pose_logp_grad(ps, q, g0)))
        return 0;
    memcpy(qp, q, n * sizeof *qp);
    /* Probes: (colour, offset) for the frames, then each global coordinate. */
    size_t n_frame_probes = 3 * per_frame;
    for (size_t probe = 0; probe < n_frame_probes + n; probe++) {
        size_t t, j, gi = probe - n_frame_probes;
        if (probe >= n_frame_probes && frame_coord(L, T, B, gi, &t, &j))
            continue;
        for (size_t i = 0; i < n; i++) {
            int hit = probe < n_frame_probes
                          ? frame_coord(L, T, B, i, &t, &j) && t % 3 == probe / per_frame &&
                                j == probe % per_frame
                          : i == gi;
            if (hit)
                qp[i] = q[i] + 1e-5 * fmax(fabs(q[i]), 1.0);
        }
        double lp = hs_pose_logp_grad(ps, qp, g1);
        used++;
        for (size_t i = 0; i < n; i++) {
            if (qp[i] == q[i])
                continue;
            double h = qp[i] - q[i], hii = -(g1[i] - g0[i]) / h;
            if (isfinite(lp) && isfinite(hii) && hii > 0.0)
                minv[i] = fmin(fmax(1.0 / hii, 1e-8), 1e4);
            qp[i] = q[i];
        }
    }
    return used;
}

static double pose_logp_grad_cb(void *self, const double *q, double *grad)
{
    return hs_pose_logp_grad(self, q, grad);
}

hs_model hs_pose_model(hs_pose *pose)
{
    hs_model m = {pose->L.dim, pose_logp_grad_cb, pose};
    return m;
}

void hs_pose_init_nominal(const hs_pose *pose, hs_rng *rng, double radius, double *q)
{
    const hs_pose_config *c = &pose->cfg;
    const hs_pose_layout *L = &pose->L;
    int B = c->K - 1;
    for (size_t i = 0; i < L->dim; i++)
        q[i] = radius * (2.0 * hs_rng_uniform(rng) - 1.0);
    for (int t = 0; t < c->T; t++)
        for (int b = 0; b < B; b++) {
            size_t i = (size_t)t * B + b;
            double l = c->nominal[b];
            if (!c->joints) {
                q[L->len + i] = c->lengths_positive ? log(l) : l;
                continue;
            }
            /* Joints are in tree order (parents[k] < k): the parent is placed. */
            const double *xp = q + joint_off(L, B, (size_t)t, c->parents[b + 1]);
            double *x = q + L->dir + 3 * i;
            double n = sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]);
            if (!(n > 0.0))
                x[2] = n = 1.0;
            for (int j = 0; j < 3; j++)
                x[j] = xp[j] + l * x[j] / n;
        }
    for (int b = 0; b < B; b++)
        q[L->log_rho + b] = log(c->nominal[b]);
}

void hs_pose_init_triangulated(const hs_pose *pose, hs_rng *rng, double radius, double *q)
{
    const hs_pose_config *c = &pose->cfg;
    const hs_pose_layout *L = &pose->L;
    int T = c->T, K = c->K, B = K - 1;
    for (size_t i = 0; i < L->dim; i++)
        q[i] = radius * (2.0 * hs_rng_uniform(rng) - 1.0);
    double ss = 0.0;
    for (int t = 0; t < T; t++) {
        const double *Xt = pose->tri + (size_t)t * K * 3;
        for (int j = 0; j < 3; j++) {
            q[L->root + 3 * (size_t)t + j] = Xt[j];
            if (t > 0) {
                double d = Xt[j] - Xt[j - 3 * K];
                ss += d * d;
            }
        }
        for (int k = 1; k < K; k++) {
            size_t i = (size_t)t * B + k - 1;
            const double *Xp = Xt + 3 * c->parents[k];
            double d[3] = {Xt[3 * k] - Xp[0], Xt[3 * k + 1] - Xp[1], Xt[3 * k + 2] - Xp[2]};
            double l = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            if (!(l > 1e-6)) {
                d[0] = d[1] = 0.0, d[2] = 1.0;
                l = c->nominal[k - 1];
            } else {
                d[0] /= l, d[1] /= l, d[2] /= l;
            }
            if (c->joints) {
                memcpy(q + L->dir + 3 * i, Xt + 3 * k, 3 * sizeof(double));
                continue;
            }
            memcpy(q + L->dir + 3 * i, d, sizeof d);
            q[L->len + i] = c->lengths_positive ? log(l) : l;
        }
    }
    double eta2 = T > 1 ? ss / (3.0 * (T - 1)) : c->eta2_mode;
    q[L->log_eta2] = log(fmin(fmax(eta2, 1e-4), 1e4));
    for (int b = 0; b < B; b++) {
        double s1 = 0.0, s2 = 0.0;
        for (int t = 0; t < T; t++) {
            const double *X = pose->tri + ((size_t)t * K + b + 1) * 3;
            const double *Xp = pose->tri + ((size_t)t * K + c->parents[b + 1]) * 3;
            double d0 = X[0] - Xp[0], d1 = X[1] - Xp[1], d2 = X[2] - Xp[2];
            double l = sqrt(d0 * d0 + d1 * d1 + d2 * d2);
            if (!(l > 1e-6))
                l = c->nominal[b];
            s1 += l;
            s2 += l * l;
        }
        double mean = s1 / T, var = s2 / T - mean * mean;
        q[L->log_rho + b] = log(mean);
        q[L->log_sigma2 + b] = log(fmax(var, 1e-2));
    }
    q[L->log_sigma_obs] = log(fmin(fmax(pose->tri_sigma, 0.1), 100.0));
    if (c->use_mixture)
        q[L->logodds] = 2.0;
    if (c->use_hmm && !c->vmf_natural)
        for (size_t i = 0; i < (size_t)c->S * B; i++)
            q[L->log_kappa + i] = log(c->kappa_mode);
    if (c->use_hmm && c->vmf_natural)
        for (size_t i = 0; i < (size_t)c->S * B; i++) {
            double *w = q + L->mu + 3 * i;
            double n = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
            if (!(n > 0.0))
                w[2] = n = 1.0;
            for (int j = 0; j < 3; j++)
                w[j] *= c->kappa_mode / n;
        }
}
