/*
 * LLC targets: quadratic, ReLU MLP teacher-student, reduced-rank regression.
 * See hsweep/llc.h for the definitions; loss and gradient are written once
 * for both precisions in llc_target_tmpl.h.
 */
#include "hsweep/llc.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/adam.h"
#include "hsweep/numeric/status.h"
#include "hsweep/rng.h"

#define HS_LLC_MAX_LAYERS 16
#define HS_LLC_MAX_DIM 4000 /* the Hessian at w* is kept as a dense d×d matrix */

/* LAPACK symmetric eigensolver (reference LAPACK / OpenBLAS). */
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
            double *work, const int *lwork, int *info, size_t ljobz, size_t luplo);

struct hs_llc_target {
    hs_llc_target_config cfg;
    size_t d, n;
    double *wstar_d;
    float *wstar_f;
    double wstar_loss, wstar_gnorm;
    double *hess; /* d×d Hessian of L_n at w* */
    double *eig;  /* its eigenvalues, ascending */
    /* quadratic */
    double *Hq_d;
    float *Hq_f;
    /* networks: layer sizes sz[0..nl]; W_l (sz[l] × sz[l−1]) at woff[l], biases at boff[l] */
    size_t nl, sz[HS_LLC_MAX_LAYERS + 1], woff[HS_LLC_MAX_LAYERS + 1], boff[HS_LLC_MAX_LAYERS + 1],
        maxsz, sumsz;
    int bias, relu;
    double *X_d, *Y_d;
    float *X_f, *Y_f;
    size_t work_size;
};

#define R double
#define F(x) x##_d
#define GEMM cblas_dgemm
#define SYMV cblas_dsymv
#define DOT cblas_ddot
#include "llc_target_tmpl.h"
#undef R
#undef F
#undef GEMM
#undef SYMV
#undef DOT
#define R float
#define F(x) x##_f
#define GEMM cblas_sgemm
#define SYMV cblas_ssymv
#define DOT cblas_sdot
#include "llc_target_tmpl.h"
#undef R
#undef F
#undef GEMM
#undef SYMV
#undef DOT

double hs_llc_nbeta(size_t n, double beta0)
{
    return (double)n * beta0 / log(n > 3 ? (double)n : 3.0);
}

/* Lay out a network: mlp has depth hidden ReLU layers of `width` and biases;
 * rrr is in → width → out, linear, no biases.  Returns d, 0 if invalid. */
static size_t net_layout(const hs_llc_target_config *c, size_t *nl, size_t *sz, size_t *woff,
                         size_t *boff, int *bias)
{
    size_t L;
    if (c->kind == HS_LLC_MLP) {
        if (c->depth + 1 > HS_LLC_MAX_LAYERS || c->in_dim == 0 || c->width == 0)
            return 0;
        L = c->depth + 1;
        sz[0] = c->in_dim;
        for (size_t l = 1; l < L; l++)
            sz[l] = c->width;
        sz[L] = 1;
        *bias = 1;
    } else {
        if (c->in_dim == 0 || c->width == 0 || c->out_dim == 0)
            return 0;
        L = 2;
        sz[0] = c->in_dim;
        sz[1] = c->width;
        sz[2] = c->out_dim;
        *bias = 0;
    }
    size_t off = 0;
    for (size_t l = 1; l <= L; l++) {
        woff[l] = off;
        off += sz[l] * sz[l - 1];
        boff[l] = off;
        if (*bias)
            off += sz[l];
    }
    *nl = L;
    return off;
}

size_t hs_llc_target_dim_for(const hs_llc_target_config *cfg)
{
    if (cfg->kind == HS_LLC_QUADRATIC)
        return cfg->dim;
    size_t nl, sz[HS_LLC_MAX_LAYERS + 1], woff[HS_LLC_MAX_LAYERS + 1], boff[HS_LLC_MAX_LAYERS + 1];
    int bias;
    return net_layout(cfg, &nl, sz, woff, boff, &bias);
}

/*
 * Q Haar-distributed on O(d): modified Gram-Schmidt on a Gaussian matrix,
 * i.e. the QR factor with positive diag(R) (Mezzadri 2007, "How to generate
 * random matrices from the classical compact groups", Notices AMS 54(5)).
 * Columns of Q are stored as rows of q (q[j*d + i] = Q_ij).
 */
static void haar_orthogonal(size_t d, hs_rng *rng, double *q)
{
    for (size_t k = 0; k < d * d; k++)
        q[k] = hs_rng_normal(rng);
    for (size_t j = 0; j < d; j++) {
        double *v = q + j * d;
        for (size_t k = 0; k < j; k++) {
            const double *u = q + k * d;
            double p = cblas_ddot((int)d, u, 1, v, 1);
            cblas_daxpy((int)d, -p, u, 1, v, 1);
        }
        cblas_dscal((int)d, 1.0 / cblas_dnrm2((int)d, v, 1), v, 1);
    }
}

static int quadratic_build(hs_llc_target *t, uint64_t seed)
{
    const hs_llc_target_config *c = &t->cfg;
    const size_t d = t->d, k = c->h_rank;
    double *h = calloc(d, sizeof *h), *q = malloc(d * d * sizeof *q);
    if (!h || !q) {
        free(h);
        free(q);
        return HS_NUM_ENOMEM;
    }
    for (size_t i = 0; i < k; i++) {
        double f = k > 1 ? (double)i / (double)(k - 1) : 1.0;
        h[i] = c->h_linear ? c->h_min + (c->h_max - c->h_min) * f
                           : c->h_min * pow(c->h_max / c->h_min, f);
    }
    if (c->rotate) {
        hs_rng rng;
        hs_rng_seed_stream(&rng, seed, 0x51);
        haar_orthogonal(d, &rng, q);
    } else {
        memset(q, 0, d * d * sizeof *q);
        for (size_t i = 0; i < d; i++)
            q[i * d + i] = 1.0;
    }
    /* H = Σ_k h_k q_k q_kᵀ */
    memset(t->Hq_d, 0, d * d * sizeof(double));
    for (size_t j = 0; j < k; j++)
        cblas_dsyr(CblasRowMajor, CblasUpper, (int)d, h[j], q + j * d, 1, t->Hq_d, (int)d);
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < i; j++)
            t->Hq_d[i * d + j] = t->Hq_d[j * d + i];
    for (size_t i = 0; i < d * d; i++)
        t->Hq_f[i] = (float)t->Hq_d[i];
    /* w* = 0: any point would do, the loss is translation-invariant. */
    memset(t->wstar_d, 0, d * sizeof(double));
    memcpy(t->hess, t->Hq_d, d * d * sizeof(double));
    /* eigenvalues ascending: the zeros, then the h_k ascending */
    for (size_t i = 0; i < d; i++)
        t->eig[i] = i < d - k ? 0.0 : h[i - (d - k)];
    free(h);
    free(q);
    return 0;
}

/* Weights ~ N(0, 2/fan_in) (He et al. 2015), biases ~ N(0, 0.1²). */
static void net_init(const hs_llc_target *t, hs_rng *rng, double *w)
{
    for (size_t l = 1; l <= t->nl; l++) {
        const size_t a = t->sz[l - 1], b = t->sz[l];
        const double sd = sqrt(2.0 / (double)a);
        for (size_t k = 0; k < a * b; k++)
            w[t->woff[l] + k] = sd * hs_rng_normal(rng);
        if (t->bias)
            for (size_t k = 0; k < b; k++)
                w[t->boff[l] + k] = 0.1 * hs_rng_normal(rng);
    }
}

/*
 * Data and w*.  mlp: X ~ N(0, I), y = teacher(X) + noise·N(0,1) with the
 * teacher an independent draw of the same architecture; rrr: y = noise·N(0, I)
 * (true map 0, true rank 0, as devinterp's tests/slt/rrr_test.py).  w* by
 * full-batch Adam from net_init, learning rate fit_lr halved every
 * fit_steps/5 steps, stopped at ‖∇L_n‖₂ <= fit_tol or after fit_steps.
 * A ReLU network's minimum can sit on a kink (a row whose pre-activation is
 * 0 there), where ∇L_n does not vanish on either side: with the defaults the
 * d = 45 MLP ends at ‖∇L_n‖ ≈ 6e-3 and damped Newton steps from there
 * increase L_n.  The metric wstar_grad_norm reports it for every task.
 */
static int net_build(hs_llc_target *t)
{
    const hs_llc_target_config *c = &t->cfg;
    const size_t n = t->n, in = t->sz[0], out = t->sz[t->nl], d = t->d;
    hs_rng rng;
    hs_rng_seed_stream(&rng, c->data_seed, 0xda7a);
    for (size_t k = 0; k < n * in; k++)
        t->X_d[k] = hs_rng_normal(&rng);
    double *w = malloc(d * sizeof *w), *g = malloc(d * sizeof *g);
    double *work = malloc(t->work_size * sizeof *work);
    hs_adam adam;
    int rc = HS_NUM_ENOMEM;
    hs_adam_init(&adam, d, c->fit_lr);
    if (!w || !g || !work)
        goto done;
    if (c->kind == HS_LLC_MLP) {
        /* teacher: forward with Y = 0 gives the teacher's outputs as residuals */
        net_init(t, &rng, w);
        memset(t->Y_d, 0, n * out * sizeof(double));
        double *act[HS_LLC_MAX_LAYERS + 1];
        net_forward_d(t, w, NULL, n, work, act);
        for (size_t k = 0; k < n * out; k++)
            t->Y_d[k] = act[t->nl][k] + c->noise * hs_rng_normal(&rng);
    } else {
        for (size_t k = 0; k < n * out; k++)
            t->Y_d[k] = c->noise * hs_rng_normal(&rng);
    }
    hs_rng_seed_stream(&rng, c->data_seed, 0x57d);
    net_init(t, &rng, w);
    const long decay_every = c->fit_steps >= 5 ? c->fit_steps / 5 : 1;
    double loss = 0, gn = INFINITY;
    for (long s = 0; s <= c->fit_steps; s++) {
        loss = target_grad_d(t, w, NULL, n, g, work);
        gn = cblas_dnrm2((int)d, g, 1);
        if (gn <= c->fit_tol || s == c->fit_steps || !isfinite(gn))
            break;
        if (s > 0 && s % decay_every == 0)
            adam.lr *= 0.5;
        if (hs_adam_step(&adam, w, g))
            goto done;
    }
    memcpy(t->wstar_d, w, d * sizeof *w);
    t->wstar_loss = loss;
    t->wstar_gnorm = gn;
    rc = 0;
done:
    hs_adam_free(&adam);
    free(w);
    free(g);
    free(work);
    return rc;
}

/*
 * Exact Hessian-vector product of the network loss by Pearlmutter's R-op
 * (Pearlmutter 1994, "Fast exact multiplication by the Hessian", Neural
 * Comput. 6(1)): forward R{z_l} = V_l a_{l−1} + W_l R{a_{l−1}} + c_l,
 * R{a_l} = relu'(z_l) R{z_l}; backward R{δ_L} = 2R{f}/(n·out),
 * R{∂W_l} = R{δ_l} a_{l−1}ᵀ + δ_l R{a_{l−1}}ᵀ, R{δ_{l−1}} = relu'(z_{l−1}) ⊙
 * (W_lᵀR{δ_l} + V_lᵀδ_l).  ReLU'' = 0 almost everywhere.
 */
static void net_hvp(const hs_llc_target *t, const double *w, const double *v, double *hv,
                    double *work)
{
    const size_t n = t->n, nl = t->nl, out = t->sz[nl];
    double *act[HS_LLC_MAX_LAYERS + 1], *ract[HS_LLC_MAX_LAYERS + 1];
    net_forward_d(t, w, NULL, n, work, act);
    double *p = work + n * t->sumsz;
    for (size_t l = 0; l <= nl; l++) {
        ract[l] = p;
        p += n * t->sz[l];
    }
    double *dl = p, *rdl = dl + n * t->maxsz, *dprev = rdl + n * t->maxsz,
           *rdprev = dprev + n * t->maxsz;
    memset(ract[0], 0, n * t->sz[0] * sizeof(double));
    for (size_t l = 1; l <= nl; l++) {
        const size_t a = t->sz[l - 1], b = t->sz[l];
        double *rz = ract[l];
        if (t->bias)
            for (size_t i = 0; i < n; i++)
                memcpy(rz + i * b, v + t->boff[l], b * sizeof(double));
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)b, (int)a, 1.0,
                    act[l - 1], (int)a, v + t->woff[l], (int)a, t->bias ? 1.0 : 0.0, rz, (int)b);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)b, (int)a, 1.0,
                    ract[l - 1], (int)a, w + t->woff[l], (int)a, 1.0, rz, (int)b);
        if (l < nl && t->relu)
            for (size_t k = 0; k < n * b; k++)
                if (!(act[l][k] > 0))
                    rz[k] = 0;
    }
    const double scale = 2.0 / (double)(n * out);
    for (size_t k = 0; k < n * out; k++) {
        dl[k] = scale * act[nl][k];
        rdl[k] = scale * ract[nl][k];
    }
    for (size_t l = nl; l >= 1; l--) {
        const size_t a = t->sz[l - 1], b = t->sz[l];
        double *hw = hv + t->woff[l];
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)b, (int)a, (int)n, 1.0, rdl,
                    (int)b, act[l - 1], (int)a, 0.0, hw, (int)a);
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)b, (int)a, (int)n, 1.0, dl,
                    (int)b, ract[l - 1], (int)a, 1.0, hw, (int)a);
        if (t->bias) {
            double *hb = hv + t->boff[l];
            for (size_t k = 0; k < b; k++)
                hb[k] = 0;
            for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < b; k++)
                    hb[k] += rdl[i * b + k];
        }
        if (l == 1)
            break;
        const double *W = w + t->woff[l], *V = v + t->woff[l];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)a, (int)b, 1.0, dl,
                    (int)b, W, (int)a, 0.0, dprev, (int)a);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)a, (int)b, 1.0, rdl,
                    (int)b, W, (int)a, 0.0, rdprev, (int)a);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)a, (int)b, 1.0, dl,
                    (int)b, V, (int)a, 1.0, rdprev, (int)a);
        if (t->relu)
            for (size_t k = 0; k < n * a; k++)
                if (!(act[l - 1][k] > 0))
                    dprev[k] = rdprev[k] = 0;
        double *s1 = dl, *s2 = rdl;
        dl = dprev;
        rdl = rdprev;
        dprev = s1;
        rdprev = s2;
    }
}

void hs_llc_target_hvp(const hs_llc_target *t, const double *w, const double *v, double *hv,
                       double *work)
{
    (void)work;
    if (t->cfg.kind == HS_LLC_QUADRATIC)
        cblas_dsymv(CblasRowMajor, CblasUpper, (int)t->d, 1.0, t->Hq_d, (int)t->d, v, 1, 0.0, hv,
                    1);
    else
        net_hvp(t, w, v, hv, work);
}

/* Hessian at w* column by column (d HVPs), symmetrised, and its spectrum. */
static int hessian_build(hs_llc_target *t)
{
    const size_t d = t->d;
    double *e = calloc(d, sizeof *e), *work = malloc(t->work_size * sizeof *work);
    double *a = malloc(d * d * sizeof *a);
    int rc = HS_NUM_ENOMEM;
    if (!e || !work || !a)
        goto done;
    for (size_t j = 0; j < d; j++) {
        e[j] = 1.0;
        net_hvp(t, t->wstar_d, e, a + j * d, work);
        e[j] = 0.0;
    }
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            t->hess[i * d + j] = 0.5 * (a[i * d + j] + a[j * d + i]);
    memcpy(a, t->hess, d * d * sizeof *a);
    int nn = (int)d, lwork = -1, info = 0;
    double q;
    dsyev_("N", "U", &nn, a, &nn, t->eig, &q, &lwork, &info, 1, 1);
    lwork = (int)q;
    double *wk = malloc((size_t)lwork * sizeof *wk);
    if (!wk)
        goto done;
    dsyev_("N", "U", &nn, a, &nn, t->eig, wk, &lwork, &info, 1, 1);
    free(wk);
    if (info != 0)
        for (size_t i = 0; i < d; i++)
            t->eig[i] = NAN;
    rc = 0;
done:
    free(e);
    free(work);
    free(a);
    return rc;
}

int hs_llc_target_create(const hs_llc_target_config *cfg, uint64_t seed, hs_llc_target **out,
                         char *msg, size_t cap)
{
    *out = NULL;
    hs_llc_target *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(msg, cap, "out of memory");
        return HS_NUM_ENOMEM;
    }
    t->cfg = *cfg;
    t->n = cfg->n;
    int rc = HS_NUM_EINPUT;
    if (cfg->kind == HS_LLC_QUADRATIC) {
        t->d = cfg->dim;
        if (cfg->h_rank > cfg->dim || !(cfg->h_min > 0) || !(cfg->h_max >= cfg->h_min)) {
            snprintf(msg, cap, "quadratic needs h_rank <= dim and 0 < h_min <= h_max");
            goto fail;
        }
    } else {
        t->d = net_layout(cfg, &t->nl, t->sz, t->woff, t->boff, &t->bias);
        t->relu = cfg->kind == HS_LLC_MLP;
        if (t->d == 0) {
            snprintf(msg, cap, "network sizes must be >= 1 and depth < %d", HS_LLC_MAX_LAYERS);
            goto fail;
        }
        for (size_t l = 0; l <= t->nl; l++) {
            t->sumsz += t->sz[l];
            if (t->sz[l] > t->maxsz)
                t->maxsz = t->sz[l];
        }
    }
    if (t->d == 0 || t->d > HS_LLC_MAX_DIM || t->n < 1) {
        snprintf(msg, cap, "the target has d = %zu parameters; need 1 <= d <= %d and n >= 1", t->d,
                 HS_LLC_MAX_DIM);
        goto fail;
    }
    const size_t d = t->d, n = t->n;
    /* activations + R-activations + two pairs of delta buffers (net_hvp), or 2d (quadratic) */
    t->work_size = 2 * d + 2 * n * t->sumsz + 4 * n * t->maxsz;
    rc = HS_NUM_ENOMEM;
    t->wstar_d = calloc(d, sizeof(double));
    t->wstar_f = calloc(d, sizeof(float));
    t->hess = malloc(d * d * sizeof(double));
    t->eig = malloc(d * sizeof(double));
    if (!t->wstar_d || !t->wstar_f || !t->hess || !t->eig)
        goto nomem;
    if (cfg->kind == HS_LLC_QUADRATIC) {
        t->Hq_d = malloc(d * d * sizeof(double));
        t->Hq_f = malloc(d * d * sizeof(float));
        if (!t->Hq_d || !t->Hq_f)
            goto nomem;
        rc = quadratic_build(t, seed);
        t->wstar_loss = 0;
        t->wstar_gnorm = 0;
    } else {
        const size_t in = t->sz[0], o = t->sz[t->nl];
        t->X_d = malloc(n * in * sizeof(double));
        t->Y_d = malloc(n * o * sizeof(double));
        t->X_f = malloc(n * in * sizeof(float));
        t->Y_f = malloc(n * o * sizeof(float));
        if (!t->X_d || !t->Y_d || !t->X_f || !t->Y_f)
            goto nomem;
        rc = net_build(t);
        if (!rc)
            rc = hessian_build(t);
        for (size_t k = 0; k < n * in; k++)
            t->X_f[k] = (float)t->X_d[k];
        for (size_t k = 0; k < n * o; k++)
            t->Y_f[k] = (float)t->Y_d[k];
    }
    if (rc)
        goto nomem;
    for (size_t i = 0; i < d; i++)
        t->wstar_f[i] = (float)t->wstar_d[i];
    *out = t;
    return 0;
nomem:
    snprintf(msg, cap, "out of memory");
fail:
    hs_llc_target_destroy(&t);
    return rc;
}

void hs_llc_target_destroy(hs_llc_target **tp)
{
    if (!tp || !*tp)
        return;
    hs_llc_target *t = *tp;
    free(t->wstar_d);
    free(t->wstar_f);
    free(t->hess);
    free(t->eig);
    free(t->Hq_d);
    free(t->Hq_f);
    free(t->X_d);
    free(t->Y_d);
    free(t->X_f);
    free(t->Y_f);
    free(t);
    *tp = NULL;
}

size_t hs_llc_target_dim(const hs_llc_target *t) { return t->d; }
size_t hs_llc_target_rows(const hs_llc_target *t) { return t->n; }
const double *hs_llc_target_wstar(const hs_llc_target *t) { return t->wstar_d; }
double hs_llc_target_wstar_loss(const hs_llc_target *t) { return t->wstar_loss; }
double hs_llc_target_wstar_grad_norm(const hs_llc_target *t) { return t->wstar_gnorm; }
const double *hs_llc_target_hessian(const hs_llc_target *t) { return t->hess; }
size_t hs_llc_target_work_size(const hs_llc_target *t) { return t->work_size; }

double hs_llc_target_loss(const hs_llc_target *t, const double *w, double *work)
{
    return target_loss_d(t, w, NULL, t->n, work);
}

double hs_llc_target_lossf(const hs_llc_target *t, const float *w, float *work)
{
    return target_loss_f(t, w, NULL, t->n, work);
}

double hs_llc_target_grad(const hs_llc_target *t, const double *w, const size_t *rows, size_t nrows,
                          double *g, double *work)
{
    return target_grad_d(t, w, rows, nrows, g, work);
}

float hs_llc_target_gradf(const hs_llc_target *t, const float *w, const size_t *rows, size_t nrows,
                          float *g, float *work)
{
    return target_grad_f(t, w, rows, nrows, g, work);
}

double hs_llc_lambda_exact(const hs_llc_target *t, double nbeta, double gamma)
{
    if (t->cfg.kind == HS_LLC_QUADRATIC)
        return hs_llc_lambda_laplace(t, nbeta, gamma, NULL);
    if (t->cfg.kind == HS_LLC_RRR)
        return hs_llc_rrr_lambda((int)t->sz[0], (int)t->sz[1], (int)t->sz[2], 0);
    return NAN;
}

double hs_llc_lambda_laplace(const hs_llc_target *t, double nbeta, double gamma, double *hmin)
{
    double lam = 0;
    for (size_t i = 0; i < t->d; i++) {
        double h = t->eig[i] > 0 ? t->eig[i] : 0.0;
        if (h > 0)
            lam += 0.5 * nbeta * h / (nbeta * h + gamma);
    }
    if (hmin)
        *hmin = t->eig[0];
    return lam;
}

/*
 * Aoyagi & Watanabe (2005), Main Theorem, for input M, output N, hidden H and
 * true rank r:
 *   N + r <= M + H, M + r <= N + H, H + r <= M + N:
 *       λ = [2(H + r)(M + N) − (M − N)² − (H + r)²]/8, plus 1/8 if M + H + N + r is odd;
 *   M + H < N + r:  λ = [HM − Hr + Nr]/2;
 *   N + H < M + r:  λ = [HN − Hr + Mr]/2;
 *   M + N < H + r:  λ = MN/2.
 * With r = 0 these are the four cases of devinterp's tests/slt/rrr_test.py.
 */
double hs_llc_rrr_lambda(int M, int H, int N, int r)
{
    if (M <= 0 || H <= 0 || N <= 0 || r < 0 || r > M || r > H || r > N)
        return NAN;
    if (M + H < N + r)
        return 0.5 * (double)(H * M - H * r + N * r);
    if (N + H < M + r)
        return 0.5 * (double)(H * N - H * r + M * r);
    if (M + N < H + r)
        return 0.5 * (double)(M * N);
    double lam = (double)(2 * (H + r) * (M + N) - (M - N) * (M - N) - (H + r) * (H + r)) / 8.0;
    if ((M + H + N + r) % 2)
        lam += 1.0 / 8.0;
    return lam;
}
