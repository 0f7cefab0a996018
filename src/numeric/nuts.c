/*
 * NUTS with a diagonal metric, after Stan (stan-dev/stan, src/stan/mcmc/):
 *   hmc/nuts/base_nuts.hpp        transition, build_tree, compute_criterion
 *   hmc/base_hmc.hpp              init_stepsize
 *   hmc/integrators/expl_leapfrog.hpp, hmc/hamiltonians/diag_e_metric.hpp
 *   stepsize_adaptation.hpp       Nesterov dual averaging (Hoffman & Gelman
 *                                 2014, section 3.2)
 *   windowed_adaptation.hpp, var_adaptation.hpp, welford_var_estimator.hpp
 *   hmc/nuts/adapt_diag_e_nuts.hpp  how the two adaptations interleave
 * Written from those files' algorithms, not translated line by line.
 *
 * Notation: q position, p momentum, g = grad log p(q), lp = log p(q);
 * potential V = -lp, kinetic K = p' M^-1 p / 2 with M^-1 = diag(minv),
 * H = V + K.  p# ("sharp") = M^-1 p = dK/dp.  rho = sum of p over a
 * (sub)trajectory.  All buffers are allocated by hs_nuts_create.
 */
#include "hsweep/nuts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A phase-space point with its density. */
typedef struct point {
    double *q, *p, *g;
    double lp;
} point;

/* Scratch of one build_tree recursion level (base_nuts.hpp locals). */
typedef struct level {
    point z_final; /* z_propose_final */
    double *p_init_end, *ps_init_end, *rho_init;
    double *p_final_beg, *ps_final_beg, *rho_final;
} level;

/* Dual averaging state (stepsize_adaptation.hpp). */
typedef struct dual_avg {
    double mu, s_bar, x_bar;
    double counter;
} dual_avg;

/* Windowed adaptation schedule (windowed_adaptation.hpp). */
typedef struct windows {
    size_t num_warmup, init_buffer, term_buffer, base_window;
    size_t counter, size, next;
} windows;

struct hs_nuts {
    hs_model model;
    hs_nuts_config cfg;
    size_t dim;
    size_t dimp;    /* dim rounded up to LANES: the sampler's vectors' length, the
                       * padding held at 0 (p, q, g, minv and sqrt_m there are 0) */
    double eps;     /* nominal step size */
    double *minv;   /* inverse metric diagonal */
    double *sqrt_m; /* 1 / sqrt(minv), to draw p ~ N(0, M) */
    point z, z_fwd, z_bck, z_sample, z_propose;
    double *p_fwd_fwd, *ps_fwd_fwd, *p_fwd_bck, *ps_fwd_bck;
    double *p_bck_fwd, *ps_bck_fwd, *p_bck_bck, *ps_bck_bck;
    double *rho, *rho_fwd, *rho_bck;
    level *lv; /* max_treedepth levels */
    /* per-transition accumulators */
    int n_leapfrog, divergent;
    double sum_metro;
    /* adaptation */
    dual_avg da;
    windows win;
    double *w_mean, *w_m2; /* Welford running mean and sum of squares */
    size_t w_n;
    size_t iter; /* transitions done */
    unsigned long long grad_evals;
    double *mem;
};

void hs_nuts_config_default(hs_nuts_config *c)
{
    /* CmdStan defaults ("MCMC sampling" config; services/util defaults). */
    c->tune = 1000;
    c->max_treedepth = 10;
    c->target_accept = 0.8;
    c->gamma = 0.05;
    c->kappa = 0.75;
    c->t0 = 10;
    c->init_stepsize = 1;
    c->init_buffer = 75;
    c->term_buffer = 50;
    c->base_window = 25;
    c->max_delta_h = 1000;
}

static double log_sum_exp(double a, double b)
{
    if (a == -INFINITY)
        return b;
    if (b == -INFINITY)
        return a;
    return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

static void point_copy(const hs_nuts *s, point *dst, const point *src)
{
    const size_t n = s->dimp * sizeof(double);
    memcpy(dst->q, src->q, n);
    memcpy(dst->p, src->p, n);
    memcpy(dst->g, src->g, n);
    dst->lp = src->lp;
}

/* dst takes src's state by exchanging buffers (src's old state is dead). */
static void point_take(point *dst, point *src)
{
    const point t = *dst;
    *dst = *src;
    *src = t;
}

/*
 * Sums over the coordinates run in LANES partial sums, lane i % LANES,
 * added together in a fixed order at the end (lanes_total): the order is
 * the same on every machine and vector width, and the LANES chains are
 * independent, so the loop is not bound by one addition's latency.
 */
#define LANES 8

/*
 * The passes over the coordinates get one clone per vector width; CMake
 * builds this file with -ffp-contract=off, so no clone fuses a multiply-add
 * and every clone gives the same bits.
 */
#define CLONES __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))

static double lanes_total(const double *acc)
{
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

CLONES static double kinetic(const hs_nuts *s, const double *p)
{
    const size_t d = s->dimp;
    const double *minv = s->minv;
    double acc[LANES] = {0};
    for (size_t b = 0; b < d; b += LANES)
        for (size_t l = 0; l < LANES; l++)
            acc[l] += p[b + l] * (minv[b + l] * p[b + l]);
    return 0.5 * lanes_total(acc);
}

/* H(z); NaN (e.g. from lp = NaN) is mapped to +inf as base_nuts.hpp does. */
static double hamiltonian(const hs_nuts *s, const point *z)
{
    const double h = -z->lp + kinetic(s, z->p);
    return isnan(h) ? INFINITY : h;
}

static void sharp(const hs_nuts *s, const double *p, double *ps)
{
    for (size_t i = 0; i < s->dimp; i++)
        ps[i] = s->minv[i] * p[i];
}

static void eval(hs_nuts *s, point *z)
{
    z->lp = s->model.logp_grad(s->model.self, z->q, z->g);
    s->grad_evals++;
}

/* First half of a leapfrog step: half kick p += e/2 g, then drift q += e M^-1 p. */
static void kick_drift(size_t d, double e, double *restrict q, double *restrict p,
                       const double *restrict g, const double *restrict minv)
{
    for (size_t i = 0; i < d; i++) {
        p[i] += 0.5 * e * g[i];
        q[i] += e * minv[i] * p[i];
    }
}

/*
 * Leapfrog step of size e (expl_leapfrog.hpp: half kick, drift, half kick).
 * Returns H at the new point, NaN mapped to +inf (base_nuts.hpp).
 */
static double leapfrog(hs_nuts *s, point *z, double e)
{
    kick_drift(s->dimp, e, z->q, z->p, z->g, s->minv);
    eval(s, z);
    for (size_t i = 0; i < s->dimp; i++)
        z->p[i] += 0.5 * e * z->g[i];
    const double H = -z->lp + kinetic(s, z->p);
    return isnan(H) ? INFINITY : H;
}

/*
 * The leapfrog step of a tree's leaf, with the leaf's bookkeeping fused
 * into its two passes over the coordinates (one pass each instead of the
 * six copies they replace; the values are the same): the new point also
 * goes to *zp (the leaf's multinomial sample), p to p_beg and p_end, p# to
 * ps_beg and ps_end, and p is added to rho.  Returns H as leapfrog does.
 */
CLONES static double leapfrog_leaf(hs_nuts *s, double e, point *zp, double *restrict ps_beg,
                                   double *restrict ps_end, double *restrict p_beg,
                                   double *restrict p_end, double *restrict rho)
{
    const size_t d = s->dimp;
    point *z = &s->z;
    double *restrict q = z->q, *restrict p = z->p, *restrict zq = zp->q, *restrict zpp = zp->p;
    const double *restrict minv = s->minv;
    for (size_t i = 0; i < d; i++) {
        p[i] += 0.5 * e * z->g[i];
        q[i] += e * minv[i] * p[i];
        zq[i] = q[i];
    }
    eval(s, z);
    memcpy(zp->g, z->g, d * sizeof *zp->g);
    zp->lp = z->lp;
    const double *restrict g = z->g;
    double acc[LANES] = {0};
    for (size_t b = 0; b < d; b += LANES)
        for (size_t l = 0; l < LANES; l++) {
            const size_t i = b + l;
            p[i] += 0.5 * e * g[i];
            const double v = minv[i] * p[i];
            ps_beg[i] = ps_end[i] = v;
            acc[l] += p[i] * v;
            rho[i] += p[i];
            zpp[i] = p_beg[i] = p_end[i] = p[i];
        }
    const double H = -z->lp + 0.5 * lanes_total(acc);
    return isnan(H) ? INFINITY : H;
}

static void sample_momentum(hs_nuts *s, hs_rng *rng, point *z)
{
    for (size_t i = 0; i < s->dim; i++)
        z->p[i] = hs_rng_normal(rng) * s->sqrt_m[i];
}

/*
 * Generalised no-U-turn criterion (base_nuts.hpp compute_criterion;
 * Betancourt 2017 appendix A.4.2): p#_minus . rho > 0 and p#_plus . rho > 0.
 */
CLONES static int criterion(size_t d, const double *restrict ps_minus,
                            const double *restrict ps_plus, const double *restrict rho)
{
    double up[LANES] = {0}, um[LANES] = {0};
    for (size_t b = 0; b < d; b += LANES)
        for (size_t l = 0; l < LANES; l++) {
            up[l] += ps_plus[b + l] * rho[b + l];
            um[l] += ps_minus[b + l] * rho[b + l];
        }
    return lanes_total(up) > 0 && lanes_total(um) > 0;
}

/* The criterion on rho = a + b without forming the sum. */
CLONES static int criterion_sum(size_t d, const double *restrict ps_minus,
                                const double *restrict ps_plus, const double *restrict a,
                                const double *restrict b)
{
    double up[LANES] = {0}, um[LANES] = {0};
    for (size_t k = 0; k < d; k += LANES)
        for (size_t l = 0; l < LANES; l++) {
            const double r = a[k + l] + b[k + l];
            up[l] += ps_plus[k + l] * r;
            um[l] += ps_minus[k + l] * r;
        }
    return lanes_total(up) > 0 && lanes_total(um) > 0;
}

/*
 * The merge of a subtree's two halves, in one pass: rho += rho_init +
 * rho_final, and the criterion across the merged subtree, then between its
 * halves (the extra checks) -- the three criterion_sum calls' dot products,
 * each summed in the same lanes and order, so the same values.
 */
CLONES static int merge_criteria(size_t d, double *restrict rho, const level *L,
                                 const double *restrict ps_beg, const double *restrict ps_end)
{
    const double *restrict ri = L->rho_init, *restrict rf = L->rho_final;
    const double *restrict psf = L->ps_final_beg, *restrict pf = L->p_final_beg;
    const double *restrict psi = L->ps_init_end, *restrict pi = L->p_init_end;
    double a[6][LANES] = {{0}};
    for (size_t b = 0; b < d; b += LANES)
        for (size_t l = 0; l < LANES; l++) {
            const size_t i = b + l;
            const double r1 = ri[i] + rf[i], r2 = ri[i] + pf[i], r3 = rf[i] + pi[i];
            rho[i] += r1;
            a[0][l] += ps_end[i] * r1;
            a[1][l] += ps_beg[i] * r1;
            a[2][l] += psf[i] * r2;
            a[3][l] += ps_beg[i] * r2;
            a[4][l] += ps_end[i] * r3;
            a[5][l] += psi[i] * r3;
        }
    for (int k = 0; k < 6; k++)
        if (!(lanes_total(a[k]) > 0))
            return 0;
    return 1;
}

/*
 * base_nuts.hpp build_tree: extend s->z by 2^depth leapfrog steps of size
 * e, accumulating into rho and *lsw (log sum of weights e^(H0 - H)).  The
 * multinomial sample of the subtree goes to z_propose; p and p# at the
 * subtree's two ends to p_beg/ps_beg and p_end/ps_end.  Returns 0 when the
 * subtree diverged or made a U-turn (the caller then discards it).
 */
static int build_tree(hs_nuts *s, int depth, point *z_propose, double *ps_beg, double *ps_end,
                      double *rho, double *p_beg, double *p_end, double H0, double e, double *lsw,
                      hs_rng *rng)
{
    const size_t d = s->dimp;
    if (depth == 0) {
        const double h = leapfrog_leaf(s, e, z_propose, ps_beg, ps_end, p_beg, p_end, rho);
        s->n_leapfrog++;
        if (h - H0 > s->cfg.max_delta_h)
            s->divergent = 1;
        *lsw = log_sum_exp(*lsw, H0 - h);
        s->sum_metro += H0 - h > 0 ? 1.0 : exp(H0 - h);
        return !s->divergent;
    }
    level *L = &s->lv[depth];
    double lsw_init = -INFINITY, lsw_final = -INFINITY;
    memset(L->rho_init, 0, d * sizeof *L->rho_init);
    if (!build_tree(s, depth - 1, z_propose, ps_beg, L->ps_init_end, L->rho_init, p_beg,
                    L->p_init_end, H0, e, &lsw_init, rng))
        return 0;
    memset(L->rho_final, 0, d * sizeof *L->rho_final);
    if (!build_tree(s, depth - 1, &L->z_final, L->ps_final_beg, ps_end, L->rho_final,
                    L->p_final_beg, p_end, H0, e, &lsw_final, rng))
        return 0;
    /* Multinomial choice between the halves, weighted by their total weights. */
    const double lsw_sub = log_sum_exp(lsw_init, lsw_final);
    *lsw = log_sum_exp(*lsw, lsw_sub);
    if (lsw_final > lsw_sub || hs_rng_uniform(rng) < exp(lsw_final - lsw_sub))
        point_take(z_propose, &L->z_final);
    return merge_criteria(d, rho, L, ps_beg, ps_end);
}

/* One NUTS transition without adaptation (base_nuts.hpp transition). */
static void nuts_step(hs_nuts *s, hs_rng *rng, hs_nuts_iter *it)
{
    const size_t d = s->dimp, bytes = d * sizeof(double);
    const double eps = s->eps;
    sample_momentum(s, rng, &s->z);
    const double H0 = hamiltonian(s, &s->z);
    point_copy(s, &s->z_fwd, &s->z);
    point_copy(s, &s->z_bck, &s->z);
    point_copy(s, &s->z_sample, &s->z);
    memcpy(s->p_fwd_fwd, s->z.p, bytes);
    sharp(s, s->z.p, s->ps_fwd_fwd);
    memcpy(s->p_fwd_bck, s->z.p, bytes);
    memcpy(s->ps_fwd_bck, s->ps_fwd_fwd, bytes);
    memcpy(s->p_bck_fwd, s->z.p, bytes);
    memcpy(s->ps_bck_fwd, s->ps_fwd_fwd, bytes);
    memcpy(s->p_bck_bck, s->z.p, bytes);
    memcpy(s->ps_bck_bck, s->ps_fwd_fwd, bytes);
    memcpy(s->rho, s->z.p, bytes);
    double lsw = 0; /* log(e^(H0 - H0)) */
    s->n_leapfrog = 0;
    s->sum_metro = 0;
    s->divergent = 0;
    int depth = 0;
    while (depth < s->cfg.max_treedepth) {
        double lsw_sub = -INFINITY;
        int valid;
        memset(s->rho_fwd, 0, bytes);
        memset(s->rho_bck, 0, bytes);
        if (hs_rng_uniform(rng) > 0.5) {
            /* Extend forward: the old trajectory becomes the backward subtree. */
            point_copy(s, &s->z, &s->z_fwd);
            memcpy(s->rho_bck, s->rho, bytes);
            memcpy(s->p_bck_fwd, s->p_fwd_fwd, bytes);
            memcpy(s->ps_bck_fwd, s->ps_fwd_fwd, bytes);
            valid = build_tree(s, depth, &s->z_propose, s->ps_fwd_bck, s->ps_fwd_fwd, s->rho_fwd,
                               s->p_fwd_bck, s->p_fwd_fwd, H0, eps, &lsw_sub, rng);
            point_copy(s, &s->z_fwd, &s->z);
        } else {
            point_copy(s, &s->z, &s->z_bck);
            memcpy(s->rho_fwd, s->rho, bytes);
            memcpy(s->p_fwd_bck, s->p_bck_bck, bytes);
            memcpy(s->ps_fwd_bck, s->ps_bck_bck, bytes);
            valid = build_tree(s, depth, &s->z_propose, s->ps_bck_fwd, s->ps_bck_bck, s->rho_bck,
                               s->p_bck_fwd, s->p_bck_bck, H0, -eps, &lsw_sub, rng);
            point_copy(s, &s->z_bck, &s->z);
        }
        if (!valid)
            break;
        depth++;
        /* Biased progressive sampling (Betancourt 2017, A.3.2). */
        if (lsw_sub > lsw || hs_rng_uniform(rng) < exp(lsw_sub - lsw))
            point_take(&s->z_sample, &s->z_propose);
        lsw = log_sum_exp(lsw, lsw_sub);
        for (size_t i = 0; i < d; i++)
            s->rho[i] = s->rho_bck[i] + s->rho_fwd[i];
        /* Across the merged trajectory, then between its two subtrees. */
        if (!(criterion(d, s->ps_bck_bck, s->ps_fwd_fwd, s->rho) &&
              criterion_sum(d, s->ps_bck_bck, s->ps_fwd_bck, s->rho_bck, s->p_fwd_bck) &&
              criterion_sum(d, s->ps_bck_fwd, s->ps_fwd_fwd, s->rho_fwd, s->p_bck_fwd)))
            break;
    }
    point_copy(s, &s->z, &s->z_sample);
    /* Mean acceptance over all leapfrog steps, rejected subtrees included. */
    it->accept_stat = s->n_leapfrog ? s->sum_metro / s->n_leapfrog : 0.0;
    it->logp = s->z.lp;
    it->stepsize = eps;
    it->energy = -s->z.lp + kinetic(s, s->z.p);
    it->treedepth = depth;
    it->n_leapfrog = s->n_leapfrog;
    it->divergent = s->divergent;
}

/*
 * base_hmc.hpp init_stepsize: from the current point, double or halve the
 * step size until one leapfrog step's acceptance e^(H0 - H) crosses 0.8.
 */
static int init_stepsize(hs_nuts *s, hs_rng *rng)
{
    if (s->eps == 0 || s->eps > 1e7 || isnan(s->eps))
        return 0;
    const double log08 = log(0.8);
    point_copy(s, &s->z_sample, &s->z);
    int direction = 0;
    for (;;) {
        point_copy(s, &s->z, &s->z_sample);
        sample_momentum(s, rng, &s->z);
        const double H0 = hamiltonian(s, &s->z);
        const double dH = H0 - leapfrog(s, &s->z, s->eps);
        if (direction == 0) {
            direction = dH > log08 ? 1 : -1;
            continue;
        }
        if ((direction == 1 && !(dH > log08)) || (direction == -1 && !(dH < log08)))
            break;
        s->eps = direction == 1 ? 2 * s->eps : 0.5 * s->eps;
        if (s->eps > 1e7 || s->eps == 0) {
            point_copy(s, &s->z, &s->z_sample);
            return HS_NUTS_EIMPROPER;
        }
    }
    point_copy(s, &s->z, &s->z_sample);
    return 0;
}

/* stepsize_adaptation.hpp restart and learn_stepsize. */
static void da_restart(dual_avg *da, double mu)
{
    da->mu = mu;
    da->counter = 0;
    da->s_bar = 0;
    da->x_bar = 0;
}

static void da_learn(hs_nuts *s, double accept)
{
    dual_avg *da = &s->da;
    da->counter += 1;
    const double a = accept > 1 ? 1 : accept;
    const double eta = 1.0 / (da->counter + s->cfg.t0);
    da->s_bar = (1 - eta) * da->s_bar + eta * (s->cfg.target_accept - a);
    const double x = da->mu - da->s_bar * sqrt(da->counter) / s->cfg.gamma;
    const double xe = pow(da->counter, -s->cfg.kappa);
    da->x_bar = (1 - xe) * da->x_bar + xe * x;
    s->eps = exp(x);
}

/*
 * windowed_adaptation.hpp set_window_params + restart: windows after an
 * init buffer, doubling, then a term buffer; if warmup is too short for
 * init + base + term, use 15% / 75% / 10%; below 20 warmup iterations no
 * metric adaptation at all (num_warmup 0).
 */
static void win_init(windows *w, const hs_nuts_config *c)
{
    memset(w, 0, sizeof *w);
    if (c->tune < 20)
        return;
    w->num_warmup = c->tune;
    if (c->init_buffer + c->base_window + c->term_buffer > c->tune) {
        w->init_buffer = (size_t)(0.15 * (double)c->tune);
        w->term_buffer = (size_t)(0.1 * (double)c->tune);
        w->base_window = c->tune - (w->init_buffer + w->term_buffer);
    } else {
        w->init_buffer = c->init_buffer;
        w->term_buffer = c->term_buffer;
        w->base_window = c->base_window;
    }
    w->counter = 0;
    w->size = w->base_window;
    w->next = w->init_buffer + w->size - 1;
}

static int win_in_window(const windows *w)
{
    return w->num_warmup > 0 && w->counter >= w->init_buffer &&
           w->counter < w->num_warmup - w->term_buffer && w->counter != w->num_warmup;
}

static int win_at_end(const windows *w)
{
    return w->num_warmup > 0 && w->counter == w->next && w->counter != w->num_warmup;
}

static void win_next(windows *w)
{
    const size_t last = w->num_warmup - w->term_buffer - 1;
    if (w->next == last)
        return;
    w->size *= 2;
    w->next = w->counter + w->size;
    /* Stretch this window to the term buffer if the following one would not fit. */
    if (w->next != last && w->next + 2 * w->size >= w->num_warmup - w->term_buffer)
        w->next = last;
}

/*
 * var_adaptation.hpp learn_variance: Welford-accumulate q inside a window;
 * at a window's end set the inverse metric to the regularised variance
 * var n/(n + 5) + 1e-3 * 5/(n + 5).  Returns 1 when the metric changed.
 */
static int learn_variance(hs_nuts *s)
{
    windows *w = &s->win;
    const size_t d = s->dim;
    if (win_in_window(w)) {
        s->w_n++;
        for (size_t i = 0; i < d; i++) {
            const double delta = s->z.q[i] - s->w_mean[i];
            s->w_mean[i] += delta / (double)s->w_n;
            s->w_m2[i] += (s->z.q[i] - s->w_mean[i]) * delta;
        }
    }
    if (win_at_end(w)) {
        win_next(w);
        const double n = (double)s->w_n;
        for (size_t i = 0; i < d; i++) {
            const double var = s->w_n > 1 ? s->w_m2[i] / (n - 1) : 0.0;
            s->minv[i] = (n / (n + 5.0)) * var + 1e-3 * (5.0 / (n + 5.0));
            s->sqrt_m[i] = 1.0 / sqrt(s->minv[i]);
        }
        s->w_n = 0;
        memset(s->w_mean, 0, d * sizeof *s->w_mean);
        memset(s->w_m2, 0, d * sizeof *s->w_m2);
        w->counter++;
        return 1;
    }
    w->counter++;
    return 0;
}

int hs_nuts_transition(hs_nuts *s, hs_rng *rng, hs_nuts_iter *it)
{
    hs_nuts_iter local;
    hs_nuts_iter *r = it ? it : &local;
    nuts_step(s, rng, r);
    int rc = 0;
    if (s->iter < s->cfg.tune) {
        /* adapt_diag_e_nuts.hpp transition */
        da_learn(s, r->accept_stat);
        if (learn_variance(s)) {
            rc = init_stepsize(s, rng);
            da_restart(&s->da, log(10 * s->eps));
        }
        if (s->iter + 1 == s->cfg.tune) /* end of warmup: complete_adaptation */
            s->eps = exp(s->da.x_bar);
    }
    s->iter++;
    return rc;
}

int hs_nuts_start(hs_nuts *s, const double *q0, hs_rng *rng)
{
    return hs_nuts_start_metric(s, q0, NULL, rng);
}

int hs_nuts_start_metric(hs_nuts *s, const double *q0, const double *inv_metric, hs_rng *rng)
{
    const size_t d = s->dim;
    if (inv_metric)
        for (size_t i = 0; i < d; i++)
            if (!(inv_metric[i] > 0.0) || !isfinite(inv_metric[i]))
                return HS_NUTS_EARG;
    memcpy(s->z.q, q0, d * sizeof *q0);
    eval(s, &s->z);
    if (!isfinite(s->z.lp))
        return HS_NUTS_EINIT;
    for (size_t i = 0; i < d; i++)
        if (!isfinite(s->z.g[i]))
            return HS_NUTS_EINIT;
    for (size_t i = 0; i < d; i++) {
        s->minv[i] = inv_metric ? inv_metric[i] : 1.0;
        s->sqrt_m[i] = 1.0 / sqrt(s->minv[i]);
    }
    s->iter = 0;
    s->w_n = 0;
    memset(s->w_mean, 0, d * sizeof *s->w_mean);
    memset(s->w_m2, 0, d * sizeof *s->w_m2);
    win_init(&s->win, &s->cfg);
    s->eps = s->cfg.init_stepsize;
    /* Stan's services set mu = log(10 eps0) before the initial search. */
    da_restart(&s->da, log(10 * s->cfg.init_stepsize));
    return init_stepsize(s, rng);
}

int hs_nuts_create(const hs_model *model, const hs_nuts_config *cfg, hs_nuts **out)
{
    *out = NULL;
    if (!model || !model->logp_grad || model->dim == 0 || cfg->max_treedepth < 1 ||
        cfg->max_treedepth > 30 || !(cfg->init_stepsize > 0) || !(cfg->gamma > 0) ||
        !(cfg->t0 >= 0) || !(cfg->target_accept > 0 && cfg->target_accept < 1))
        return HS_NUTS_EARG;
    hs_nuts *s = calloc(1, sizeof *s);
    if (!s)
        return HS_NUTS_ENOMEM;
    const size_t d = (model->dim + LANES - 1) / LANES * LANES, L = (size_t)cfg->max_treedepth;
    /* 5 points x 3 + 8 end momenta + 3 rho + minv, sqrt_m, w_mean, w_m2 = 30; 9 per level. */
    const size_t nvec = 30 + 9 * L;
    s->mem = calloc(nvec * d, sizeof *s->mem);
    s->lv = calloc(L, sizeof *s->lv);
    if (!s->mem || !s->lv) {
        hs_nuts_destroy(&s);
        return HS_NUTS_ENOMEM;
    }
    double *m = s->mem;
#define TAKE() (m += d, m - d)
    point *pts[5] = {&s->z, &s->z_fwd, &s->z_bck, &s->z_sample, &s->z_propose};
    for (int k = 0; k < 5; k++) {
        pts[k]->q = TAKE();
        pts[k]->p = TAKE();
        pts[k]->g = TAKE();
    }
    double **vecs[] = {&s->p_fwd_fwd, &s->ps_fwd_fwd, &s->p_fwd_bck, &s->ps_fwd_bck,
                       &s->p_bck_fwd, &s->ps_bck_fwd, &s->p_bck_bck, &s->ps_bck_bck,
                       &s->rho,       &s->rho_fwd,    &s->rho_bck,   &s->minv,
                       &s->sqrt_m,    &s->w_mean,     &s->w_m2};
    for (size_t k = 0; k < sizeof vecs / sizeof vecs[0]; k++)
        *vecs[k] = TAKE();
    for (size_t l = 0; l < L; l++) {
        level *v = &s->lv[l];
        v->z_final.q = TAKE();
        v->z_final.p = TAKE();
        v->z_final.g = TAKE();
        v->p_init_end = TAKE();
        v->ps_init_end = TAKE();
        v->rho_init = TAKE();
        v->p_final_beg = TAKE();
        v->ps_final_beg = TAKE();
        v->rho_final = TAKE();
    }
#undef TAKE
    s->model = *model;
    s->cfg = *cfg;
    s->dim = model->dim;
    s->dimp = d;
    s->eps = cfg->init_stepsize;
    for (size_t i = 0; i < s->dim; i++)
        s->minv[i] = s->sqrt_m[i] = 1.0;
    *out = s;
    return 0;
}

void hs_nuts_destroy(hs_nuts **s)
{
    if (!s || !*s)
        return;
    free((*s)->mem);
    free((*s)->lv);
    free(*s);
    *s = NULL;
}

const double *hs_nuts_position(const hs_nuts *s) { return s->z.q; }

const double *hs_nuts_inv_metric(const hs_nuts *s) { return s->minv; }

double hs_nuts_stepsize(const hs_nuts *s) { return s->eps; }

unsigned long long hs_nuts_grad_evals(const hs_nuts *s) { return s->grad_evals; }
