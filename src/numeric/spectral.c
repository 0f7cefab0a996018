/*
 * DOA covariances, seed 004's loss and MUSIC; see include/hsweep/spectral.h.
 */
#include "hsweep/spectral.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "hsweep/eig.h"
#include "hsweep/numeric/status.h"
#include "hsweep/rng.h"

void zgesvd_(const char *jobu, const char *jobvt, const int *m, const int *n, double complex *a,
             const int *lda, double *s, double complex *u, const int *ldu, double complex *vt,
             const int *ldvt, double complex *work, const int *lwork, double *rwork, int *info,
             size_t ljobu, size_t ljobvt);

struct hs_doa {
    int n, k;
    double *theta;         /* k, degrees ascending */
    double complex *blend; /* n x n */
    double complex *us;    /* n x k, range(A) */
    double complex *usamp; /* n x k, top-k of R_samp */
};

/* RNG sub-streams of the task seed, one per random ingredient. */
enum { STREAM_ANGLES = 1, STREAM_SOURCES = 2, STREAM_NOISE = 3, STREAM_HAT = 4 };

static double complex cnormal(hs_rng *r)
{
    double re = hs_rng_normal(r), im = hs_rng_normal(r);
    return (re + I * im) * M_SQRT1_2; /* circular, unit variance */
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/*
 * Top r left singular vectors u (n x r) and singular values s[r] of the
 * n x m matrix x (r <= min(n, m)) by zgesvd.  Returns 0 or a negative code.
 */
static int top_left_sv(int n, int m, const double complex *x, int r, double complex *u, double *s)
{
    int mn = n < m ? n : m, info = 0, lwork = -1, one = 1;
    double complex *xc = malloc(sizeof *xc * (size_t)n * (size_t)m);
    double complex *uf = malloc(sizeof *uf * (size_t)n * (size_t)mn);
    double *sf = malloc(sizeof *sf * (size_t)mn), *rwork = malloc(sizeof *rwork * 5 * (size_t)mn);
    double complex wq, vt;
    int rc = HS_NUM_ENOMEM;
    if (xc && uf && sf && rwork) {
        memcpy(xc, x, sizeof *xc * (size_t)n * (size_t)m);
        zgesvd_("S", "N", &n, &m, xc, &n, sf, uf, &n, &vt, &one, &wq, &lwork, rwork, &info, 1, 1);
        lwork = (int)creal(wq);
        double complex *work = info == 0 ? malloc(sizeof *work * (size_t)lwork) : NULL;
        if (work)
            zgesvd_("S", "N", &n, &m, xc, &n, sf, uf, &n, &vt, &one, work, &lwork, rwork, &info, 1,
                    1);
        rc = info < 0 ? HS_NUM_EINPUT : info > 0 ? HS_NUM_ENOCONV : work ? 0 : HS_NUM_ENOMEM;
        free(work);
    }
    if (rc == 0) {
        memcpy(u, uf, sizeof *u * (size_t)n * (size_t)r);
        if (s)
            memcpy(s, sf, sizeof *s * (size_t)r);
    }
    free(xc), free(uf), free(sf), free(rwork);
    return rc;
}

/*
 * k angles uniform on [-60, 60] degrees given pairwise separation >= sep:
 * sort k uniforms on [0, 120 - (k-1) sep] and add i * sep to the i-th, a
 * bijection onto the allowed configurations that keeps them uniform.
 */
static void draw_angles(hs_rng *r, int k, double sep, double *theta)
{
    double span = 120.0 - (k - 1) * sep;
    for (int i = 0; i < k; i++)
        theta[i] = span * hs_rng_uniform(r);
    qsort(theta, (size_t)k, sizeof *theta, cmp_double);
    for (int i = 0; i < k; i++)
        theta[i] += -60.0 + i * sep;
}

static void steering(int n, double theta_deg, double complex *a)
{
    double ph = M_PI * sin(theta_deg * M_PI / 180.0);
    for (int m = 0; m < n; m++)
        a[m] = cexp(I * ph * m);
}

static double trace_re(int n, const double complex *a)
{
    double t = 0.0;
    for (int i = 0; i < n; i++)
        t += creal(a[(size_t)i * n + i]);
    return t;
}

/*
 * R_blend from the snapshots x (n x L) or the steering matrix a (n x k) and
 * noise power sigma2 (blend_with true), and the factor f (n x r); see
 * spectral.h.
 */
static void build_blend(const hs_doa_spec *sp, const double complex *x, const double complex *a,
                        double sigma2, const double complex *f, double complex *b)
{
    int n = sp->n, r = sp->rank_hat, L = sp->snapshots;
    size_t nn = (size_t)n * (size_t)n;
    double ff = 0.0, xx = 0.0;
    for (size_t i = 0; i < (size_t)n * (size_t)r; i++)
        ff += creal(f[i] * conj(f[i]));
    for (size_t i = 0; i < (size_t)n * (size_t)L; i++)
        xx += creal(x[i] * conj(x[i]));
    /* tr(F F^H) = ||F||_F^2 and tr(X X^H) = ||X||_F^2 */
    double complex al = ff > 0 ? (1.0 - sp->beta) / ff : 0.0, be = 0.0;
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasConjTrans, n, n, r, &al, f, n, f, n, &be, b, n);
    for (int i = 0; i < n; i++)
        b[(size_t)i * n + i] += (1.0 - sp->beta) * sp->ridge;
    be = 1.0;
    if (sp->blend_with == HS_DOA_REF_TRUE) {
        /* R_true = A A^H + sigma^2 I, tr(R_true) = n (k + sigma^2) */
        double tr = (double)n * (sp->k + sigma2);
        al = sp->beta / tr;
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasConjTrans, n, n, sp->k, &al, a, n, a, n, &be,
                    b, n);
        for (int i = 0; i < n; i++)
            b[(size_t)i * n + i] += sp->beta * sigma2 / tr;
    } else {
        al = xx > 0 ? sp->beta / xx : 0.0;
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasConjTrans, n, n, L, &al, x, n, x, n, &be, b,
                    n);
    }
    for (int j = 0; j < n; j++)
        for (int i = j; i < n; i++) {
            double complex h = 0.5 * (b[(size_t)j * n + i] + conj(b[(size_t)i * n + j]));
            b[(size_t)j * n + i] = h, b[(size_t)i * n + j] = conj(h);
        }
    double t = trace_re(n, b);
    if (t > 0)
        for (size_t i = 0; i < nn; i++)
            b[i] /= t;
}

int hs_doa_create(const hs_doa_spec *sp, uint64_t seed, hs_doa **out)
{
    *out = NULL;
    int n = sp->n, k = sp->k, L = sp->snapshots, r = sp->rank_hat;
    int rr = r > k ? r : k; /* singular pairs needed from the snapshots */
    if (n < 2 || k < 1 || k >= n || r < 1 || r > n || L < rr || sp->min_sep_deg < 0 ||
        (k - 1) * sp->min_sep_deg > 120.0 || sp->beta < 0 || sp->beta > 1 ||
        (sp->blend_with != HS_DOA_REF_SAMPLE && sp->blend_with != HS_DOA_REF_TRUE))
        return HS_NUM_EINPUT;
    hs_doa *d = calloc(1, sizeof *d);
    double complex *a = malloc(sizeof *a * (size_t)n * (size_t)k);
    double complex *x = malloc(sizeof *x * (size_t)n * (size_t)L);
    double complex *s = malloc(sizeof *s * (size_t)k * (size_t)L);
    double complex *f = malloc(sizeof *f * (size_t)n * (size_t)rr);
    double *sv = malloc(sizeof *sv * (size_t)rr);
    int rc = HS_NUM_ENOMEM;
    if (d && a && x && s && f && sv) {
        d->n = n, d->k = k;
        d->theta = malloc(sizeof *d->theta * (size_t)k);
        d->blend = malloc(sizeof *d->blend * (size_t)n * (size_t)n);
        d->us = malloc(sizeof *d->us * (size_t)n * (size_t)k);
        d->usamp = malloc(sizeof *d->usamp * (size_t)n * (size_t)k);
        if (d->theta && d->blend && d->us && d->usamp)
            rc = 0;
    }
    hs_rng rng;
    const double sigma = pow(10.0, -sp->snr_db / 20.0);
    if (rc == 0) {
        hs_rng_seed_stream(&rng, seed, STREAM_ANGLES);
        draw_angles(&rng, k, sp->min_sep_deg, d->theta);
        for (int j = 0; j < k; j++)
            steering(n, d->theta[j], a + (size_t)j * n);
        hs_rng_seed_stream(&rng, seed, STREAM_SOURCES);
        for (size_t i = 0; i < (size_t)k * (size_t)L; i++)
            s[i] = cnormal(&rng);
        /* X = A S + sigma N */
        hs_rng_seed_stream(&rng, seed, STREAM_NOISE);
        for (size_t i = 0; i < (size_t)n * (size_t)L; i++)
            x[i] = sigma * cnormal(&rng);
        const double complex one = 1.0;
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, L, k, &one, a, n, s, k, &one, x,
                    n);
        rc = top_left_sv(n, k, a, k, d->us, NULL);
    }
    if (rc == 0)
        rc = top_left_sv(n, L, x, rr, f, sv);
    if (rc == 0) {
        memcpy(d->usamp, f, sizeof *f * (size_t)n * (size_t)k);
        /* F0 = U_r diag(sqrt(eig(R_samp))), eig(R_samp) = s^2 / L */
        double f0 = 0.0, g2 = 0.0; /* ||F0||_F^2 and ||perturbation||_F^2 */
        for (int j = 0; j < r; j++) {
            f0 += sv[j] * sv[j] / L;
            for (int i = 0; i < n; i++)
                f[(size_t)j * n + i] *= sv[j] / sqrt((double)L);
        }
        hs_rng_seed_stream(&rng, seed, STREAM_HAT);
        double complex *pert = malloc(sizeof *pert * (size_t)n * (size_t)r);
        if (!pert) {
            rc = HS_NUM_ENOMEM;
        } else {
            for (size_t i = 0; i < (size_t)n * (size_t)r; i++)
                pert[i] = cnormal(&rng), g2 += creal(pert[i] * conj(pert[i]));
            double c = g2 > 0 ? sp->hat_noise * sqrt(f0 / g2) : 0.0;
            for (int j = 0; j < r; j++)
                for (int i = 0; i < n; i++)
                    f[(size_t)j * n + i] = (sp->hat == HS_DOA_HAT_STRUCTURAL && i >= r)
                                               ? 0.0
                                               : f[(size_t)j * n + i] + c * pert[(size_t)j * n + i];
            build_blend(sp, x, a, sigma * sigma, f, d->blend);
            free(pert);
        }
    }
    free(a), free(x), free(s), free(f), free(sv);
    if (rc != 0) {
        hs_doa_destroy(&d);
        return rc;
    }
    *out = d;
    return 0;
}

void hs_doa_destroy(hs_doa **dp)
{
    if (!dp || !*dp)
        return;
    hs_doa *d = *dp;
    free(d->theta), free(d->blend), free(d->us), free(d->usamp), free(d);
    *dp = NULL;
}

const double complex *hs_doa_blend(const hs_doa *d) { return d->blend; }
const double *hs_doa_angles(const hs_doa *d) { return d->theta; }
const double complex *hs_doa_true_basis(const hs_doa *d) { return d->us; }
const double complex *hs_doa_samp_basis(const hs_doa *d) { return d->usamp; }

void hs_doa_loss_cols(const hs_doa_loss *l, int n, int *cols)
{
    for (int c = 0; c < l->k; c++)
        cols[c] = n - l->k + c;
}

double hs_doa_loss_eval(const hs_doa_loss *l, int n, const double *w, const double complex *v,
                        double *wbar, double complex *vbar)
{
    int k = l->k;
    const double complex *vs = v + (size_t)(n - k) * n;
    double complex *c = malloc(sizeof *c * (size_t)k * (size_t)k);
    if (!c)
        return NAN;
    const double complex one = 1.0, zero = 0.0;
    /* C = us^H V_s; ||C||_F^2 = tr(P_true P_s) */
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, k, k, n, &one, l->us, n, vs, n, &zero,
                c, k);
    double cc = 0.0;
    for (size_t i = 0; i < (size_t)k * (size_t)k; i++)
        cc += creal(c[i] * conj(c[i]));
    double gap = w[n - k] - w[n - k - 1];
    int hinge = l->margin - gap > 0;
    double loss = l->w_gap * (hinge ? l->margin - gap : 0.0) + l->w_sub * (k - cc);
    if (wbar && vbar) {
        memset(wbar, 0, sizeof *wbar * (size_t)n);
        wbar[n - k] = hinge ? -l->w_gap : 0.0;
        wbar[n - k - 1] = hinge ? l->w_gap : 0.0;
        /* d(-v^H P v) = Re((-2 P v)^H dv): Vbar_s = -2 w_sub us C */
        const double complex alpha = -2.0 * l->w_sub;
        cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, k, k, &alpha, l->us, n, c, k,
                    &zero, vbar, n);
    }
    free(c);
    return loss;
}

double hs_music_grid_deg(int i, int g) { return -90.0 + 180.0 * i / (g - 1); }

int hs_music_spectrum(int n, int k, const double complex *es, int g, double *spec_db)
{
    double complex *a = malloc(sizeof *a * (size_t)n), *c = malloc(sizeof *c * (size_t)k);
    if (!a || !c) {
        free(a), free(c);
        return HS_NUM_ENOMEM;
    }
    const double complex one = 1.0, zero = 0.0;
    for (int i = 0; i < g; i++) {
        steering(n, hs_music_grid_deg(i, g), a);
        cblas_zgemv(CblasColMajor, CblasConjTrans, n, k, &one, es, n, a, 1, &zero, c, 1);
        double cc = 0.0;
        for (int j = 0; j < k; j++)
            cc += creal(c[j] * conj(c[j]));
        /* a^H (I - Es Es^H) a = n - ||Es^H a||^2, floored at n eps against rounding */
        double den = fmax(n - cc, n * DBL_EPSILON);
        spec_db[i] = 10.0 * log10(n / den);
    }
    free(a), free(c);
    return 0;
}

int hs_music_peaks(const double *spec, int g, int k, double *est)
{
    int *best = malloc(sizeof *best * (size_t)k), m = 0;
    if (!best)
        return 0;
    for (int i = 1; i + 1 < g; i++) {
        if (!(spec[i] > spec[i - 1] && spec[i] >= spec[i + 1]))
            continue;
        /* keep the k highest, best[] sorted by height, descending */
        int pos = m < k ? m++ : k;
        while (pos > 0 && spec[best[pos - 1]] < spec[i]) {
            if (pos < k)
                best[pos] = best[pos - 1];
            pos--;
        }
        if (pos < k)
            best[pos] = i;
    }
    for (int j = 0; j < m; j++)
        est[j] = hs_music_grid_deg(best[j], g);
    qsort(est, (size_t)m, sizeof *est, cmp_double);
    free(best);
    return m;
}

double hs_music_rmse(const double *est, int m, const double *truth, int k)
{
    if (m <= 0)
        return NAN;
    double s = 0.0;
    for (int j = 0; j < k; j++) {
        double e = INFINITY;
        if (m == k)
            e = est[j] - truth[j];
        else
            for (int i = 0; i < m; i++)
                e = fabs(est[i] - truth[j]) < fabs(e) ? est[i] - truth[j] : e;
        s += e * e;
    }
    return sqrt(s / k);
}
