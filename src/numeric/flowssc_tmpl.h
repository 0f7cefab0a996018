/*
 * flow_ssc's model, loss, backprop, evaluation and training loop, written
 * once over a real type.  Included by flowssc_f32.c and flowssc_f64.c with
 *   R      float | double        (every array and every operation)
 *   SFX(n) n##_f32 | n##_f64     (the one exported symbol)
 *   GEMM, DOT, SCAL, AXPY   cblas_s* | cblas_d*
 *   ADAM   hs_adam_stepf | hs_adam_step
 * <tgmath.h> makes exp/log/tanh/sqrt/fabs follow the argument type; literals
 * that are not integers go through K_() so that float code stays float.
 * Everything else here is static: each instantiation is its own unit.
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tgmath.h>

#include "flowssc_impl.h"
#include "hsweep/adam.h"
#include "hsweep/rng.h"

#define K_(x) ((R)(x))

/* Rows evaluated at a time during validation. */
#define EVAL_CHUNK 256
/* The seed's floor on log p(y | x, t) in the loss (flow_ssc.py, `clamp(min=-100.0)`). */
#define LL_FLOOR (-100)
/* torch.nn.utils.clip_grad_norm_: coef = max_norm / (norm + 1e-6). */
#define CLIP_EPS K_(1e-6)
/* Lower bound on normalisation scales (flow_ssc.py `_scale_eps`). */
#define SCALE_EPS K_(1e-6)
/* Predictions are clamped to [-100, 100] (flow_ssc.py `predict_outcome`). */
#define PRED_CLAMP K_(100)

typedef struct model {
    fs_layout ly;
    size_t cap, cap2; /* rows per batch; flow rows (2 per unlabelled row) */
    R *w, *g;
    R *xn, *yn;               /* [cap][d], [cap]: normalised batch */
    int *t;                   /* [cap]: label, -1 = unlabelled (both t evaluated) */
    size_t *src;              /* [cap2]: batch row of each flow row */
    int *rt;                  /* [cap2]: t of each flow row */
    R *C;                     /* [cap2][d+2]: context [x~, onehot(t)] */
    R *act;                   /* [L][11][cap2][H] per flow layer: h0, h1, h2 (block inputs
                              and output), then per block k = 0, 1: relu(h_k), relu(u_k),
                              the gate sigmoid(C Wg^T + bg) and v = Wb relu(u_k) + bb */
    R *raw;                   /* [L][cap2][2] */
    R *s, *b;                 /* [L][cap2] */
    R *u;                     /* [L+1][cap2]: u_0 = y~, u_{l+1} = u_l s_l + b_l */
    R *ll, *dll, *du;         /* [cap2] */
    R *ds, *db;               /* [L][cap2] */
    R *dout;                  /* [cap2][2] */
    R *t1, *t2, *dh;          /* [cap2][H] scratch */
    R *ch1, *ch2, *dc1, *dc2; /* [cap][Hc] */
    R *logit, *lp, *dlp;      /* [cap][2] */
} model;

#define N_ACT 11
static R *act_at(const model *M, size_t l, size_t k)
{
    return M->act + (l * N_ACT + k) * M->cap2 * M->ly.H;
}
static R *h_at(const model *M, size_t l, size_t k) { return act_at(M, l, k); }
static R *a1_at(const model *M, size_t l, size_t k) { return act_at(M, l, 3 + 2 * k); }
static R *a2_at(const model *M, size_t l, size_t k) { return act_at(M, l, 4 + 2 * k); }
static R *g_at(const model *M, size_t l, size_t k) { return act_at(M, l, 7 + 2 * k); }
static R *v_at(const model *M, size_t l, size_t k) { return act_at(M, l, 8 + 2 * k); }

static void destroy(void *vm)
{
    model *M = vm;
    if (!M)
        return;
    void *bufs[] = {M->w,  M->g,  M->xn,  M->yn,  M->t,   M->src, M->rt,    M->C,  M->act,  M->raw,
                    M->s,  M->b,  M->u,   M->ll,  M->dll, M->du,  M->ds,    M->db, M->dout, M->t1,
                    M->t2, M->dh, M->ch1, M->ch2, M->dc1, M->dc2, M->logit, M->lp, M->dlp};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        free(bufs[i]);
    free(M);
}

/* U(-a, a) for n entries, drawn in double so both precisions start equal. */
static void init_uniform(hs_rng *rng, R *w, size_t n, double a)
{
    for (size_t i = 0; i < n; i++)
        w[i] = (R)((2.0 * hs_rng_uniform(rng) - 1.0) * a);
}

/* nn.Linear's default init (kaiming_uniform with a = sqrt 5 gives bound
 * 1/sqrt(fan_in) for W; the bias uses the same bound), or U(-1e-3, 1e-3)
 * for the last Linear of each residual block (nflows `zero_initialization`,
 * nflows/nn/nets/resnet.py) and, with out_init near_zero, for each flow
 * conditioner's output layer.  Both draw the same number of uniforms, so
 * the other layers start the same either way. */
static void init_linear(hs_rng *rng, R *W, size_t out, size_t in, int near_zero)
{
    double a = near_zero ? 1e-3 : 1.0 / sqrt((double)in);
    init_uniform(rng, W, out * in, a);
    init_uniform(rng, W + out * in, out, a);
}

/* malloc of n >= 0 elements (at least one, so NULL always means failure). */
static void *alloc_n(size_t n, size_t size) { return malloc((n > 0 ? n : 1) * size); }

static void *create(const fs_layout *ly, size_t cap, uint64_t seed, hs_flowssc_out_init out_init)
{
    model *M = calloc(1, sizeof *M);
    if (!M)
        return NULL;
    M->ly = *ly;
    M->cap = cap;
    M->cap2 = 2 * cap;
    size_t d = ly->d, H = ly->H, Hc = ly->Hc, L = ly->L, c2 = M->cap2;
    int ok = 1;
#define ALLOC_(p, n) ok &= ((p) = alloc_n((n), sizeof *(p))) != NULL
    ALLOC_(M->w, ly->np);
    ALLOC_(M->g, ly->np);
    ALLOC_(M->xn, cap * d);
    ALLOC_(M->yn, cap);
    ALLOC_(M->t, cap);
    ALLOC_(M->src, c2);
    ALLOC_(M->rt, c2);
    ALLOC_(M->C, c2 * ly->dc);
    ALLOC_(M->act, L * N_ACT * c2 * H);
    ALLOC_(M->raw, L * c2 * 2);
    ALLOC_(M->s, L * c2);
    ALLOC_(M->b, L * c2);
    ALLOC_(M->u, (L + 1) * c2);
    ALLOC_(M->ll, c2);
    ALLOC_(M->dll, c2);
    ALLOC_(M->du, c2);
    ALLOC_(M->ds, L * c2);
    ALLOC_(M->db, L * c2);
    ALLOC_(M->dout, c2 * 2);
    ALLOC_(M->t1, c2 * H);
    ALLOC_(M->t2, c2 * H);
    ALLOC_(M->dh, c2 * H);
    ALLOC_(M->ch1, cap * Hc);
    ALLOC_(M->ch2, cap * Hc);
    ALLOC_(M->dc1, cap * Hc);
    ALLOC_(M->dc2, cap * Hc);
    ALLOC_(M->logit, cap * 2);
    ALLOC_(M->lp, cap * 2);
    ALLOC_(M->dlp, cap * 2);
#undef ALLOC_
    if (!ok) {
        destroy(M);
        return NULL;
    }
    hs_rng rng;
    hs_rng_seed_stream(&rng, seed, 0);
    R *w = M->w;
    init_linear(&rng, w + ly->cw1, Hc, d, 0);
    init_linear(&rng, w + ly->cw2, Hc, Hc, 0);
    init_linear(&rng, w + ly->cw3, 2, Hc, 0);
    for (size_t l = 0; l < L; l++) {
        R *P = w + ly->flow0 + l * ly->fl_size;
        init_linear(&rng, P, H, ly->dc, 0);
        for (size_t k = 0; k < 2; k++) {
            R *blk = P + ly->o_blk + k * ly->blk_size;
            init_linear(&rng, blk, H, H, 0);
            init_linear(&rng, blk + H * H + H, H, H, 1);
            init_linear(&rng, blk + 2 * (H * H + H), H, ly->dc, 0);
        }
        init_linear(&rng, P + ly->o_wout, 2, H, out_init == HS_FLOWSSC_OUT_NEAR_ZERO);
    }
    return M;
}

/* Z [n][out] = A [n][in] W^T + bias, or Z += that when acc. */
static void lin_fwd(const R *A, size_t n, size_t in, const R *W, size_t out, R *Z, int acc)
{
    const R *bias = W + out * in;
    for (size_t i = 0; i < n; i++) {
        if (acc)
            AXPY((int)out, 1, bias, 1, Z + i * out, 1);
        else
            memcpy(Z + i * out, bias, out * sizeof *Z);
    }
    GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)out, (int)in, 1, A, (int)in, W,
         (int)in, 1, Z, (int)out);
}

/* dW += dZ^T A, db += column sums of dZ, dA = dZ W (skipped when NULL). */
static void lin_bwd(const R *A, const R *dZ, size_t n, size_t in, size_t out, const R *W, R *dW,
                    R *dA)
{
    R *dbias = dW + out * in;
    GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)out, (int)in, (int)n, 1, dZ, (int)out, A,
         (int)in, 1, dW, (int)in);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < out; j++)
            dbias[j] += dZ[i * out + j];
    if (dA)
        GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)in, (int)out, 1, dZ, (int)out,
             W, (int)in, 0, dA, (int)in);
}

/*
 * Elementwise loops run in chunks of 8 with a fixed inner trip count: GCC's
 * -O2 cost model ("very cheap") vectorises only such loops, and these passes
 * over [rows][H] would otherwise cost as much as the GEMMs at batch 256.
 * relu keeps NaN (as torch.relu does), so a non-finite value is not hidden.
 */
#define CHUNK 8
static void relu_to(R *restrict y, const R *restrict x, size_t n)
{
    size_t i = 0;
    for (; i + CHUNK <= n; i += CHUNK)
        for (size_t k = 0; k < CHUNK; k++)
            y[i + k] = x[i + k] < 0 ? 0 : x[i + k];
    for (; i < n; i++)
        y[i] = x[i] < 0 ? 0 : x[i];
}

static void relu_inplace(R *x, size_t n)
{
    size_t i = 0;
    for (; i + CHUNK <= n; i += CHUNK)
        for (size_t k = 0; k < CHUNK; k++)
            x[i + k] = x[i + k] < 0 ? 0 : x[i + k];
    for (; i < n; i++)
        x[i] = x[i] < 0 ? 0 : x[i];
}

/* d *= [a > 0], a a ReLU output (the derivative of relu at its input). */
static void relu_mask(R *restrict d, const R *restrict a, size_t n)
{
    size_t i = 0;
    for (; i + CHUNK <= n; i += CHUNK)
        for (size_t k = 0; k < CHUNK; k++)
            d[i + k] = a[i + k] > 0 ? d[i + k] : 0;
    for (; i < n; i++)
        d[i] = a[i] > 0 ? d[i] : 0;
}

/* Flow rows for batch rows 0..n-1: one per labelled row, two (t = 0, 1) per
 * unlabelled row; fills src, rt, C and u_0.  Returns the row count. */
static size_t build_rows(model *M, size_t n)
{
    size_t d = M->ly.d, dc = M->ly.dc, m = 0;
    for (size_t i = 0; i < n; i++) {
        int lo = M->t[i] >= 0 ? M->t[i] : 0, hi = M->t[i] >= 0 ? M->t[i] : 1;
        for (int tv = lo; tv <= hi; tv++, m++) {
            M->src[m] = i;
            M->rt[m] = tv;
            R *c = M->C + m * dc;
            memcpy(c, M->xn + i * d, d * sizeof *c);
            c[d] = tv == 0;
            c[d + 1] = tv == 1;
            M->u[m] = M->yn[i];
        }
    }
    return m;
}

/* The conditioners of all flow layers on m flow rows: fills act, raw, s, b. */
static void cond_fwd(model *M, size_t m)
{
    const fs_layout *ly = &M->ly;
    size_t H = ly->H, c2 = M->cap2;
    for (size_t l = 0; l < ly->L; l++) {
        const R *P = M->w + ly->flow0 + l * ly->fl_size;
        lin_fwd(M->C, m, ly->dc, P, H, h_at(M, l, 0), 0);
        for (size_t k = 0; k < 2; k++) {
            const R *blk = P + ly->o_blk + k * ly->blk_size;
            R *hk = h_at(M, l, k), *hn = h_at(M, l, k + 1);
            R *a1 = a1_at(M, l, k), *a2 = a2_at(M, l, k);
            R *g = g_at(M, l, k), *v = v_at(M, l, k);
            relu_to(a1, hk, m * H);
            lin_fwd(a1, m, H, blk, H, M->t1, 0);
            relu_to(a2, M->t1, m * H);
            lin_fwd(a2, m, H, blk + H * H + H, H, v, 0);
            /* nflows ResidualBlock: h + glu(cat(v, Linear(context))) = h + v sigmoid(.) */
            lin_fwd(M->C, m, ly->dc, blk + 2 * (H * H + H), H, g, 0);
            for (size_t i = 0; i < m * H; i++) {
                g[i] = 1 / (1 + exp(-g[i]));
                hn[i] = hk[i] + v[i] * g[i];
            }
        }
        R *raw = M->raw + l * c2 * 2, *s = M->s + l * c2, *b = M->b + l * c2;
        lin_fwd(h_at(M, l, 2), m, H, P + ly->o_wout, 2, raw, 0);
        for (size_t r = 0; r < m; r++) {
            b[r] = 5 * tanh(raw[2 * r]);
            s[r] = 1 / (1 + exp(-(raw[2 * r + 1] + 2))) + K_(1e-3);
        }
    }
}

/* log p(u_0 | context) for m rows, u_0 already in M->u; fills u_1..u_L, ll. */
static void flow_ll(model *M, size_t m)
{
    size_t L = M->ly.L, c2 = M->cap2;
    const R half_log_2pi = K_(0.91893853320467274178);
    for (size_t r = 0; r < m; r++) {
        R lds = 0;
        for (size_t l = 0; l < L; l++) {
            R sl = M->s[l * c2 + r];
            M->u[(l + 1) * c2 + r] = M->u[l * c2 + r] * sl + M->b[l * c2 + r];
            lds += log(sl);
        }
        R z = M->u[L * c2 + r];
        M->ll[r] = -K_(0.5) * z * z - half_log_2pi + lds;
    }
}

/* Classifier on n rows of xn: ch1, ch2 (post-ReLU), logit, lp = log softmax. */
static void clf_fwd(model *M, size_t n)
{
    const fs_layout *ly = &M->ly;
    size_t Hc = ly->Hc;
    lin_fwd(M->xn, n, ly->d, M->w + ly->cw1, Hc, M->ch1, 0);
    relu_inplace(M->ch1, n * Hc);
    lin_fwd(M->ch1, n, Hc, M->w + ly->cw2, Hc, M->ch2, 0);
    relu_inplace(M->ch2, n * Hc);
    lin_fwd(M->ch2, n, Hc, M->w + ly->cw3, 2, M->logit, 0);
    for (size_t i = 0; i < n; i++) {
        R a = M->logit[2 * i], c = M->logit[2 * i + 1], mx = a > c ? a : c;
        R lse = mx + log(exp(a - mx) + exp(c - mx));
        M->lp[2 * i] = a - lse;
        M->lp[2 * i + 1] = c - lse;
    }
}

/* Backprop of the conditioners given ds, db per layer (flow rows m). */
static void cond_bwd(model *M, size_t m)
{
    const fs_layout *ly = &M->ly;
    size_t H = ly->H, c2 = M->cap2;
    for (size_t l = 0; l < ly->L; l++) {
        const R *P = M->w + ly->flow0 + l * ly->fl_size;
        R *G = M->g + ly->flow0 + l * ly->fl_size;
        const R *s = M->s + l * c2, *b = M->b + l * c2;
        for (size_t r = 0; r < m; r++) {
            R sg = s[r] - K_(1e-3);
            /* d(5 tanh q)/dq = 5 (1 - tanh^2 q) = 5 - b^2 / 5 */
            M->dout[2 * r] = M->db[l * c2 + r] * (5 - b[r] * b[r] / 5);
            M->dout[2 * r + 1] = M->ds[l * c2 + r] * sg * (1 - sg);
        }
        lin_bwd(h_at(M, l, 2), M->dout, m, H, 2, P + ly->o_wout, G + ly->o_wout, M->dh);
        for (size_t k = 2; k-- > 0;) {
            const R *blk = P + ly->o_blk + k * ly->blk_size;
            R *gblk = G + ly->o_blk + k * ly->blk_size;
            const R *a1 = a1_at(M, l, k), *a2 = a2_at(M, l, k);
            const R *g = g_at(M, l, k), *v = v_at(M, l, k);
            for (size_t i = 0; i < m * H; i++) {
                M->t2[i] = M->dh[i] * g[i];                     /* d v */
                M->t1[i] = M->dh[i] * v[i] * g[i] * (1 - g[i]); /* d gate input */
            }
            lin_bwd(M->C, M->t1, m, ly->dc, H, blk + 2 * (H * H + H), gblk + 2 * (H * H + H), NULL);
            lin_bwd(a2, M->t2, m, H, H, blk + H * H + H, gblk + H * H + H, M->t1);
            relu_mask(M->t1, a2, m * H);
            lin_bwd(a1, M->t1, m, H, H, blk, gblk, M->t2);
            relu_mask(M->t2, a1, m * H);
            AXPY((int)(m * H), 1, M->t2, 1, M->dh, 1);
        }
        lin_bwd(M->C, M->dh, m, ly->dc, H, P, G, NULL);
    }
}

/*
 * Loss of the batch in xn, yn, t (n rows) and, if want_grad, its gradient in
 * M->g.  parts = {loss, labelled, unlabelled}.  Flow_ssc.py `loss` without
 * the detached flow_x term (it has no gradient; see the kernel's doc).
 */
static void loss_grad(model *M, size_t n, R wu, R parts[3], int want_grad)
{
    const fs_layout *ly = &M->ly;
    size_t L = ly->L, c2 = M->cap2, Hc = ly->Hc;
    size_t m = build_rows(M, n);
    clf_fwd(M, n);
    cond_fwd(M, m);
    flow_ll(M, m);
    size_t n_l = 0;
    for (size_t i = 0; i < n; i++)
        n_l += M->t[i] >= 0;
    size_t n_u = n - n_l;
    R inv_l = n_l ? 1 / (R)n_l : 0, inv_u = n_u ? 1 / (R)n_u : 0;
    R lab = 0, ulb = 0;
    for (size_t i = 0; i < 2 * n; i++)
        M->dlp[i] = 0;
    for (size_t r = 0; r < m; r++) {
        size_t i = M->src[r];
        /* torch.clamp: NaN passes through, the gradient is cut below the floor */
        int floored = M->ll[r] < LL_FLOOR;
        R llc = floored ? LL_FLOOR : M->ll[r];
        if (M->t[i] >= 0) {
            lab += -llc - M->lp[2 * i + M->t[i]];
            M->dll[r] = floored ? 0 : -inv_l;
            M->dlp[2 * i + M->t[i]] = -inv_l;
        } else if (M->rt[r] == 1) {
            /* rows r - 1 (t = 0) and r (t = 1) of unlabelled row i */
            int floored0 = M->ll[r - 1] < LL_FLOOR;
            R ll0 = floored0 ? LL_FLOOR : M->ll[r - 1];
            R a0 = M->lp[2 * i] + ll0, a1 = M->lp[2 * i + 1] + llc, mx = a0 > a1 ? a0 : a1;
            R e0 = exp(a0 - mx), e1 = exp(a1 - mx), lse = mx + log(e0 + e1);
            ulb -= lse;
            R p0 = e0 / (e0 + e1), p1 = e1 / (e0 + e1);
            M->dlp[2 * i] = -wu * inv_u * p0;
            M->dlp[2 * i + 1] = -wu * inv_u * p1;
            M->dll[r - 1] = floored0 ? 0 : -wu * inv_u * p0;
            M->dll[r] = floored ? 0 : -wu * inv_u * p1;
        }
    }
    parts[1] = lab * inv_l;
    parts[2] = ulb * inv_u;
    parts[0] = parts[1] + wu * parts[2];
    if (!want_grad)
        return;
    memset(M->g, 0, ly->np * sizeof *M->g);
    /* flow: z = u_L, ll = -z^2/2 + sum_l log s_l; u_{l+1} = u_l s_l + b_l */
    for (size_t r = 0; r < m; r++) {
        R du = -M->u[L * c2 + r] * M->dll[r];
        for (size_t l = L; l-- > 0;) {
            R sl = M->s[l * c2 + r];
            M->ds[l * c2 + r] = du * M->u[l * c2 + r] + M->dll[r] / sl;
            M->db[l * c2 + r] = du;
            du *= sl;
        }
    }
    cond_bwd(M, m);
    /* classifier: d logit_j = d lp_j - softmax_j sum_k d lp_k */
    for (size_t i = 0; i < n; i++) {
        R sum = M->dlp[2 * i] + M->dlp[2 * i + 1];
        M->dlp[2 * i] -= exp(M->lp[2 * i]) * sum;
        M->dlp[2 * i + 1] -= exp(M->lp[2 * i + 1]) * sum;
    }
    R *g = M->g, *w = M->w;
    lin_bwd(M->ch2, M->dlp, n, Hc, 2, w + ly->cw3, g + ly->cw3, M->dc2);
    relu_mask(M->dc2, M->ch2, n * Hc);
    lin_bwd(M->ch1, M->dc2, n, Hc, Hc, w + ly->cw2, g + ly->cw2, M->dc1);
    relu_mask(M->dc1, M->ch1, n * Hc);
    lin_bwd(M->xn, M->dc1, n, ly->d, Hc, w + ly->cw1, g + ly->cw1, NULL);
}

static void get_params(const void *vm, double *w)
{
    const model *M = vm;
    for (size_t i = 0; i < M->ly.np; i++)
        w[i] = (double)M->w[i];
}

static void set_params(void *vm, const double *w)
{
    model *M = vm;
    for (size_t i = 0; i < M->ly.np; i++)
        M->w[i] = (R)w[i];
}

static int loss_grad_api(void *vm, const double *xn, const int *t, const double *yn, size_t n,
                         double wu, double parts[3], double *grad)
{
    model *M = vm;
    if (n > M->cap)
        return -1;
    for (size_t i = 0; i < n * M->ly.d; i++)
        M->xn[i] = (R)xn[i];
    for (size_t i = 0; i < n; i++) {
        M->yn[i] = (R)yn[i];
        M->t[i] = t[i] < 0 ? -1 : t[i];
    }
    R p[3];
    loss_grad(M, n, (R)wu, p, grad != NULL);
    for (int k = 0; k < 3; k++)
        parts[k] = (double)p[k];
    if (grad)
        for (size_t i = 0; i < M->ly.np; i++)
            grad[i] = (double)M->g[i];
    return 0;
}

/* Normalisation state: shift and scale of x (d) and y. */
typedef struct stats {
    R *xs, *xsc, ys, ysc;
    int init;
} stats;

/* Mean and population std of rows idx[0..n) (or 0..n if idx NULL) of X, Y. */
static void batch_stats(const R *X, const R *Y, size_t d, const size_t *idx, size_t n, R *mx, R *sx,
                        R *my, R *sy)
{
    for (size_t j = 0; j < d; j++)
        mx[j] = sx[j] = 0;
    *my = *sy = 0;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx ? idx[k] : k;
        for (size_t j = 0; j < d; j++)
            mx[j] += X[i * d + j];
        *my += Y[i];
    }
    for (size_t j = 0; j < d; j++)
        mx[j] /= (R)n;
    *my /= (R)n;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx ? idx[k] : k;
        for (size_t j = 0; j < d; j++) {
            R e = X[i * d + j] - mx[j];
            sx[j] += e * e;
        }
        *sy += (Y[i] - *my) * (Y[i] - *my);
    }
    for (size_t j = 0; j < d; j++) {
        sx[j] = sqrt(sx[j] / (R)n);
        sx[j] = sx[j] > SCALE_EPS ? sx[j] : SCALE_EPS;
    }
    *sy = sqrt(*sy / (R)n);
    *sy = *sy > SCALE_EPS ? *sy : SCALE_EPS;
}

/* flow_ssc.py `_update_stats`: the first batch initialises, then an EMA. */
static void stats_update(stats *st, const R *X, const R *Y, size_t d, const size_t *idx, size_t n,
                         R mom, R *tmp)
{
    R *mx = tmp, *sx = tmp + d, my, sy;
    batch_stats(X, Y, d, idx, n, mx, sx, &my, &sy);
    if (!st->init) {
        memcpy(st->xs, mx, d * sizeof *mx);
        memcpy(st->xsc, sx, d * sizeof *sx);
        st->ys = my;
        st->ysc = sy;
        st->init = 1;
        return;
    }
    for (size_t j = 0; j < d; j++) {
        st->xs[j] = (1 - mom) * st->xs[j] + mom * mx[j];
        st->xsc[j] = (1 - mom) * st->xsc[j] + mom * sx[j];
        st->xsc[j] = st->xsc[j] > SCALE_EPS ? st->xsc[j] : SCALE_EPS;
    }
    st->ys = (1 - mom) * st->ys + mom * my;
    st->ysc = (1 - mom) * st->ysc + mom * sy;
    st->ysc = st->ysc > SCALE_EPS ? st->ysc : SCALE_EPS;
}

/* Normalise rows idx[0..n) (or first..first+n) of X, Y into M->xn, M->yn. */
static void normalise(model *M, const stats *st, const R *X, const R *Y, const size_t *idx,
                      size_t first, size_t n)
{
    size_t d = M->ly.d;
    for (size_t k = 0; k < n; k++) {
        size_t i = idx ? idx[k] : first + k;
        for (size_t j = 0; j < d; j++)
            M->xn[k * d + j] = (X[i * d + j] - st->xs[j]) / st->xsc[j];
        M->yn[k] = (Y[i] - st->ys) / st->ysc;
    }
}

typedef struct eval {
    double rmse, acc, ate;
} eval;

/*
 * Validation rows [v0, v0 + nv): outcome = mean of S flow inversions,
 * de-normalised and clamped as flow_ssc.py `predict_outcome`; the 1-D flow is
 * affine in z given the context, so the mean of S inversions is the
 * inversion of the mean of S normals, drawn as N(0, 1/S).  Treatment =
 * argmax_t log softmax_t + log p(y|x,t) (`predict_treatment_proba`).
 */
static eval evaluate(model *M, const stats *st, const R *X, const R *Y, const int *T, size_t v0,
                     size_t nv, size_t S, hs_rng *rng)
{
    size_t L = M->ly.L, c2 = M->cap2;
    R zs = (R)(1.0 / sqrt((double)S));
    R se = 0, eff = 0;
    size_t hit = 0;
    for (size_t c0 = 0; c0 < nv; c0 += M->cap) {
        size_t n = nv - c0 < M->cap ? nv - c0 : M->cap;
        normalise(M, st, X, Y, NULL, v0 + c0, n);
        for (size_t i = 0; i < n; i++)
            M->t[i] = -1;
        size_t m = build_rows(M, n);
        clf_fwd(M, n);
        cond_fwd(M, m);
        flow_ll(M, m);
        for (size_t i = 0; i < n; i++) {
            R pred[2];
            for (size_t tv = 0; tv < 2; tv++) {
                size_t r = 2 * i + tv;
                R u = zs * (R)hs_rng_normal(rng);
                for (size_t l = L; l-- > 0;)
                    u = (u - M->b[l * c2 + r]) / M->s[l * c2 + r];
                R y = u * st->ysc + st->ys;
                pred[tv] = y < -PRED_CLAMP ? -PRED_CLAMP : y > PRED_CLAMP ? PRED_CLAMP : y;
            }
            int to = T[v0 + c0 + i];
            R e = pred[to] - Y[v0 + c0 + i];
            se += e * e;
            eff += pred[1] - pred[0];
            R a0 = M->lp[2 * i] + M->ll[2 * i], a1 = M->lp[2 * i + 1] + M->ll[2 * i + 1];
            hit += (a1 > a0 ? 1 : 0) == to;
        }
    }
    eval ev = {sqrt((double)se / (double)nv), (double)hit / (double)nv, (double)eff / (double)nv};
    return ev;
}

static R mean_of(const R *a, size_t n)
{
    R s = 0;
    for (size_t j = 0; j < n; j++)
        s += a[j];
    return s / (R)n;
}

typedef struct work {
    model *M;
    R *X, *Y, *tmp;
    int *Tl; /* training labels after label_ratio (-1 = hidden) */
    size_t *idx;
    stats st;
    hs_adam opt;
} work;

static void work_free(work *W)
{
    destroy(W->M);
    free(W->X);
    free(W->Y);
    free(W->tmp);
    free(W->Tl);
    free(W->idx);
    free(W->st.xs);
    free(W->st.xsc);
    hs_adam_free(&W->opt);
}

static void put(double *trace, size_t e, double v)
{
    if (trace)
        trace[e] = v;
}

static int train(const hs_flowssc_config *c, const hs_flowssc_data *D, const hs_flowssc_traces *tr,
                 hs_flowssc_result *res, char *err, size_t cap)
{
    size_t n = D->n, d = D->d_x, ntr = c->n_train, nva = n - ntr;
    size_t B = c->batch_size < ntr ? c->batch_size : ntr;
    fs_layout ly;
    hs_fs_layout_init(&ly, d, c->flow_layers, c->flow_hidden, c->clf_hidden);
    work W;
    memset(&W, 0, sizeof W);
    W.M = create(&ly, B > EVAL_CHUNK ? B : EVAL_CHUNK, c->seed, c->out_init);
    W.X = malloc(n * d * sizeof *W.X);
    W.Y = malloc(n * sizeof *W.Y);
    W.tmp = malloc(2 * d * sizeof *W.tmp);
    W.Tl = malloc(ntr * sizeof *W.Tl);
    W.idx = malloc(ntr * sizeof *W.idx);
    W.st.xs = malloc(d * sizeof *W.st.xs);
    W.st.xsc = malloc(d * sizeof *W.st.xsc);
    if (!W.M || !W.X || !W.Y || !W.tmp || !W.Tl || !W.idx || !W.st.xs || !W.st.xsc ||
        hs_adam_init(&W.opt, ly.np, c->lr) != 0) {
        work_free(&W);
        snprintf(err, cap, "flow_ssc: out of memory (%zu parameters, %zu rows)", ly.np, n);
        return -1;
    }
    model *M = W.M;
    for (size_t i = 0; i < n * d; i++)
        W.X[i] = (R)D->x[i];
    for (size_t i = 0; i < n; i++)
        W.Y[i] = (R)D->y[i];

    /* Which training rows keep their label: a permutation from label_seed. */
    hs_rng rl, rs, rp;
    hs_rng_seed(&rl, c->label_seed);
    hs_rng_seed_stream(&rs, c->seed, 1);
    hs_rng_seed_stream(&rp, c->seed, 2);
    for (size_t i = 0; i < ntr; i++)
        W.idx[i] = i;
    hs_rng_shuffle(&rl, W.idx, ntr);
    size_t n_lab = (size_t)llround(c->label_ratio * (double)ntr);
    for (size_t k = 0; k < ntr; k++)
        W.Tl[W.idx[k]] = k < n_lab ? D->t[W.idx[k]] : -1;
    if (c->stats_full)
        batch_stats(W.X, W.Y, d, NULL, ntr, W.st.xs, W.st.xsc, &W.st.ys, &W.st.ysc);

    memset(res, 0, sizeof *res);
    res->first_nonfinite = res->diverged_at = -1;
    res->best_val_rmse = INFINITY;
    res->best_val_acc = -INFINITY;
    res->val_rmse = res->val_acc = res->ate_est = res->ate_err = res->train_loss = NAN;
    double lmin = INFINITY;
    long clipped = 0, k = 0;
    R clip = (R)c->clip, wu = (R)c->ulb_weight, mom = (R)c->stat_momentum;
    for (size_t e = 0; e < c->epochs && res->first_nonfinite < 0; e++) {
        if (c->expired && c->expired(c->expired_arg)) {
            res->stopped = 1;
            break;
        }
        res->epochs_run = e + 1;
        for (size_t i = 0; i < ntr; i++)
            W.idx[i] = i;
        hs_rng_shuffle(&rs, W.idx, ntr);
        double sum[3] = {0, 0, 0}, gmax = 0;
        size_t nb = 0;
        for (size_t b0 = 0; b0 < ntr; b0 += B, k++) {
            size_t nbt = ntr - b0 < B ? ntr - b0 : B;
            const size_t *bi = W.idx + b0;
            if (!c->stats_full)
                stats_update(&W.st, W.X, W.Y, d, bi, nbt, mom, W.tmp);
            normalise(M, &W.st, W.X, W.Y, bi, 0, nbt);
            for (size_t i = 0; i < nbt; i++)
                M->t[i] = W.Tl[bi[i]];
            R parts[3];
            loss_grad(M, nbt, wu, parts, 1);
            R norm = sqrt(DOT((int)ly.np, M->g, 1, M->g, 1));
            for (int q = 0; q < 3; q++)
                sum[q] += (double)parts[q];
            nb++;
            if (!isfinite(parts[0]) || !isfinite(norm)) {
                res->first_nonfinite = k;
                break;
            }
            if ((double)norm > gmax)
                gmax = (double)norm;
            if (parts[0] > K_(1e6) && res->diverged_at < 0)
                res->diverged_at = k;
            if (clip > 0) {
                R coef = clip / (norm + CLIP_EPS);
                if (coef < 1) {
                    SCAL((int)ly.np, coef, M->g, 1);
                    clipped++;
                }
            }
            if (ADAM(&W.opt, M->w, M->g) != 0) {
                work_free(&W);
                snprintf(err, cap, "flow_ssc: out of memory in Adam");
                return -1;
            }
            res->updates++;
        }
        double lbar = sum[0] / (double)nb;
        if (res->diverged_at < 0 && lbar > 100 * (lmin > 1 ? lmin : 1))
            res->diverged_at = k - 1;
        lmin = lbar < lmin ? lbar : lmin;
        res->train_loss = lbar;
        if (gmax > res->max_grad_norm)
            res->max_grad_norm = gmax;
        eval ev = evaluate(M, &W.st, W.X, W.Y, D->t, ntr, nva, c->pred_samples, &rp);
        res->val_rmse = ev.rmse;
        res->val_acc = ev.acc;
        res->ate_est = ev.ate;
        if (ev.rmse < res->best_val_rmse)
            res->best_val_rmse = ev.rmse;
        if (ev.acc > res->best_val_acc)
            res->best_val_acc = ev.acc;
        put(tr->loss, e, lbar);
        put(tr->loss_lab, e, sum[1] / (double)nb);
        put(tr->loss_ulb, e, sum[2] / (double)nb);
        put(tr->val_rmse, e, ev.rmse);
        put(tr->val_acc, e, ev.acc);
        put(tr->grad_max, e, gmax);
        put(tr->x_shift, e, (double)mean_of(W.st.xs, d));
        put(tr->x_scale, e, (double)mean_of(W.st.xsc, d));
        put(tr->y_shift, e, (double)W.st.ys);
        put(tr->y_scale, e, (double)W.st.ysc);
    }
    if (!isfinite(res->best_val_rmse))
        res->best_val_rmse = NAN;
    if (!isfinite(res->best_val_acc))
        res->best_val_acc = NAN;
    res->ate_err = res->ate_est - D->ate;
    res->clip_frac = res->updates ? (double)clipped / (double)res->updates : 0;
    res->outcome = res->first_nonfinite >= 0 ? HS_FLOWSSC_NONFINITE
                   : res->diverged_at >= 0   ? HS_FLOWSSC_DIVERGED
                                             : HS_FLOWSSC_OK;
    work_free(&W);
    return 0;
}

const fs_ops SFX(hs_fs_ops) = {create, destroy, get_params, set_params, loss_grad_api, train};
