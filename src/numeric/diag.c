/*
 * Convergence diagnostics: rank-normalised split R-hat, bulk/tail ESS,
 * MCSE of the mean and E-BFMI.
 *
 * Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), Bayesian Analysis
 * 16(2) 667-718, sections 3-4 and appendix A; transcribed step by step from
 * R `posterior` 1.4.0 (R/convergence.R: .rhat, .ess, .ess_quantile,
 * z_scale, fold_draws, .split_chains; R/misc.R: autocovariance) so that
 * every edge case (odd chain lengths, ties, Geyer's truncation when the
 * sequence is short) matches.  Autocovariances are summed directly, lag by
 * lag, only as far as Geyer's initial positive sequence needs them.
 */
#include "hsweep/diag.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* posterior::should_return_NA: any non-finite value, or max - min < DBL_EPSILON. */
static int degenerate(const double *x, size_t len)
{
    if (len == 0)
        return 1;
    double lo = x[0], hi = x[0];
    for (size_t i = 0; i < len; i++) {
        if (!isfinite(x[i]))
            return 1;
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    return !(fabs(hi - lo) >= DBL_EPSILON);
}

/*
 * posterior::.split_chains: chain c of n draws becomes chains 2c and 2c+1
 * of h = floor(n/2) draws, the first h and the last h (an odd chain's middle
 * draw is dropped).  out holds 2m*h values.
 */
static void split_chains(const double *x, size_t n, size_t m, double *out)
{
    const size_t h = n / 2;
    for (size_t c = 0; c < m; c++) {
        memcpy(out + 2 * c * h, x + c * n, h * sizeof *out);
        memcpy(out + (2 * c + 1) * h, x + c * n + (n - h), h * sizeof *out);
    }
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct ranked {
    double v;
    size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->v != y->v)
        return (x->v > y->v) - (x->v < y->v);
    return (x->i > y->i) - (x->i < y->i);
}

/*
 * posterior::z_scale in place: average ranks r over all len values (ties
 * share their mean rank), then Phi^-1((r - 3/8) / (len + 1/4)) (Blom 1958;
 * Vehtari et al. 2021 eq. 14).  Returns 0 or -1 on allocation failure.
 */
static int z_scale(double *x, size_t len)
{
    ranked *r = malloc(len * sizeof *r);
    if (!r)
        return -1;
    for (size_t i = 0; i < len; i++) {
        r[i].v = x[i];
        r[i].i = i;
    }
    qsort(r, len, sizeof *r, cmp_ranked);
    const double denom = (double)len + 0.25;
    for (size_t a = 0; a < len;) {
        size_t b = a;
        while (b + 1 < len && r[b + 1].v == r[a].v)
            b++;
        const double rank = 0.5 * ((double)(a + 1) + (double)(b + 1));
        const double z = hs_diag_qnorm((rank - 0.375) / denom);
        for (size_t k = a; k <= b; k++)
            x[r[k].i] = z;
        a = b + 1;
    }
    free(r);
    return 0;
}

/*
 * Mean accumulated in long double, as R (mean, matrixStats::colMeans2)
 * does: chains that vary only in the 9th digit need their means to ~1e-18
 * for var(chain means) to agree with posterior.
 */
static double mean_of(const double *x, size_t len)
{
    long double s = 0;
    for (size_t i = 0; i < len; i++)
        s += x[i];
    return (double)(s / (long double)len);
}

/* Sample variance (denominator len - 1) about a given mean. */
static double var_about(const double *x, size_t len, double mu)
{
    double s = 0;
    for (size_t i = 0; i < len; i++)
        s += (x[i] - mu) * (x[i] - mu);
    return s / (double)(len - 1);
}

/* posterior::.rhat on m chains of n draws (Vehtari et al. 2021 eqs. 3-4). */
static double rhat_core(const double *x, size_t n, size_t m)
{
    if (n < 2 || m < 2 || degenerate(x, n * m))
        return NAN;
    double *mu = malloc(m * sizeof *mu);
    if (!mu)
        return NAN;
    double w = 0;
    for (size_t c = 0; c < m; c++) {
        mu[c] = mean_of(x + c * n, n);
        w += var_about(x + c * n, n, mu[c]);
    }
    w /= (double)m;
    const double b = (double)n * var_about(mu, m, mean_of(mu, m));
    free(mu);
    return sqrt((b / w + (double)n - 1) / (double)n);
}

/*
 * Mean over chains of the biased lag-k autocovariance (1/n) sum_i y_i
 * y_{i+k} of the centred chains y (posterior::autocovariance).
 */
static double acov_mean(const double *y, size_t n, size_t m, size_t k)
{
    double s = 0;
    for (size_t c = 0; c < m; c++) {
        const double *a = y + c * n;
        double t = 0;
        for (size_t i = 0; i + k < n; i++)
            t += a[i] * a[i + k];
        s += t / (double)n;
    }
    return s / (double)m;
}

/*
 * posterior::.ess on m chains of n draws (Vehtari et al. 2021 eqs. 10-11):
 * autocorrelations from the multi-chain variance estimate, Geyer's (1992)
 * initial positive then initial monotone sequence, tau floored at
 * 1/log10(nm).  Centres x in place.
 */
static double ess_core(double *x, size_t n, size_t m)
{
    if (n < 3 || degenerate(x, n * m))
        return NAN;
    double *mu = malloc(m * sizeof *mu);
    double *rho = calloc(n, sizeof *rho);
    if (!mu || !rho) {
        free(mu);
        free(rho);
        return NAN;
    }
    for (size_t c = 0; c < m; c++) {
        mu[c] = mean_of(x + c * n, n);
        for (size_t i = 0; i < n; i++)
            x[c * n + i] -= mu[c];
    }
    const double nd = (double)n;
    const double mean_var = acov_mean(x, n, m, 0) * nd / (nd - 1);
    double var_plus = mean_var * (nd - 1) / nd;
    if (m > 1)
        var_plus += var_about(mu, m, mean_of(mu, m));
#define RHO_AT(k) (1.0 - (mean_var - acov_mean(x, n, m, (k))) / var_plus)
    /* Indices are lags (posterior's rho_hat_t[k + 1]). */
    size_t t = 0;
    double even = 1.0, odd = RHO_AT(1);
    rho[0] = even;
    rho[1] = odd;
    while ((double)t < nd - 5 && !isnan(even + odd) && even + odd > 0) {
        t += 2;
        even = RHO_AT(t);
        odd = RHO_AT(t + 1);
        if (even + odd >= 0) {
            rho[t] = even;
            rho[t + 1] = odd;
        }
    }
#undef RHO_AT
    const size_t max_t = t;
    if (even > 0)
        rho[max_t] = even;
    for (t = 2; t + 2 <= max_t; t += 2) {
        if (rho[t] + rho[t + 1] > rho[t - 2] + rho[t - 1]) {
            rho[t] = 0.5 * (rho[t - 2] + rho[t - 1]);
            rho[t + 1] = rho[t];
        }
    }
    /* sum(rho_hat_t[1:max_t]); R's 1:0 is c(1, 0), i.e. rho[0] alone. */
    double sum = 0;
    for (size_t k = 0; k < (max_t ? max_t : 1); k++)
        sum += rho[k];
    const double total = nd * (double)m;
    double tau = -1 + 2 * sum + rho[max_t];
    const double bound = 1.0 / log10(total);
    if (tau < bound)
        tau = bound;
    free(mu);
    free(rho);
    return total / tau;
}

/* Which transformation to apply before splitting (see dispatch below). */
enum xform { X_RAW, X_Z, X_FOLD_Z };

static double median_sorted(const double *s, size_t len)
{
    const size_t h = len / 2;
    /* R's median averages the middle pair in long double. */
    return len % 2 ? s[h] : (double)(((long double)s[h - 1] + s[h]) / 2);
}

/* Sorted copy of len values, or NULL. */
static double *sorted_copy(const double *x, size_t len)
{
    double *s = malloc(len * sizeof *s);
    if (!s)
        return NULL;
    memcpy(s, x, len * sizeof *s);
    qsort(s, len, sizeof *s, cmp_double);
    return s;
}

/*
 * Split the draws into a fresh buffer after transformation `xf`: X_Z
 * rank-normalises the split draws (bulk); X_FOLD_Z folds about the median of
 * all n*m draws pooled, |x - median| in double as posterior's fold_draws
 * computes it (the median of an even count being the mean of the two middle
 * values, R's stats::median), then splits and rank-normalises (tail R-hat;
 * posterior folds before splitting, so an odd chain's dropped middle draw
 * still counts in the median).  Ties among the folded draws (the middle pair
 * of an even count folds to one value when their mean is exact; discrete
 * draws) get their average rank in z_scale.  Returns NULL on non-finite
 * input or allocation failure.
 */
static double *prepare(const double *draws, size_t n, size_t m, enum xform xf)
{
    const size_t len = n * m, h = n / 2;
    if (len == 0 || h == 0)
        return NULL;
    for (size_t i = 0; i < len; i++)
        if (!isfinite(draws[i]))
            return NULL;
    double *out = malloc(2 * m * h * sizeof *out);
    if (!out)
        return NULL;
    if (xf == X_FOLD_Z) {
        double *s = sorted_copy(draws, len);
        double *f = malloc(len * sizeof *f);
        if (!s || !f) {
            free(s);
            free(f);
            free(out);
            return NULL;
        }
        const double med = median_sorted(s, len);
        for (size_t i = 0; i < len; i++)
            f[i] = fabs(draws[i] - med);
        split_chains(f, n, m, out);
        free(s);
        free(f);
    } else {
        split_chains(draws, n, m, out);
    }
    if (xf != X_RAW && z_scale(out, 2 * m * h) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

static double rhat_of(const double *draws, size_t n, size_t m, enum xform xf)
{
    double *y = prepare(draws, n, m, xf);
    if (!y)
        return NAN;
    const double r = rhat_core(y, n / 2, 2 * m);
    free(y);
    return r;
}

static double ess_of(const double *draws, size_t n, size_t m, enum xform xf)
{
    double *y = prepare(draws, n, m, xf);
    if (!y)
        return NAN;
    const double e = ess_core(y, n / 2, 2 * m);
    free(y);
    return e;
}

double hs_diag_rhat_bulk(const double *draws, size_t n, size_t m)
{
    return rhat_of(draws, n, m, X_Z);
}

double hs_diag_rhat_tail(const double *draws, size_t n, size_t m)
{
    return rhat_of(draws, n, m, X_FOLD_Z);
}

double hs_diag_rhat(const double *draws, size_t n, size_t m)
{
    const double b = hs_diag_rhat_bulk(draws, n, m), t = hs_diag_rhat_tail(draws, n, m);
    if (isnan(b) || isnan(t))
        return NAN;
    return b > t ? b : t;
}

double hs_diag_ess_bulk(const double *draws, size_t n, size_t m)
{
    return ess_of(draws, n, m, X_Z);
}

double hs_diag_ess_mean(const double *draws, size_t n, size_t m)
{
    return ess_of(draws, n, m, X_RAW);
}

/*
 * R's quantile(type = 7) of sorted values s[len] (Hyndman & Fan 1996, def.
 * 7), with R's exact arithmetic (1-based index = 1 + (len - 1) p): the
 * indicator x <= q flips if q moves by one ulp.
 */
static double quantile7(const double *s, size_t len, double p)
{
    const double index = 1.0 + (double)(len - 1) * p;
    const double lo = floor(index), hi = ceil(index);
    double q = s[(size_t)lo - 1];
    if (index > lo && s[(size_t)hi - 1] != q) {
        const double h = index - lo;
        q = (1 - h) * q + h * s[(size_t)hi - 1];
    }
    return q;
}

/* posterior::.ess_quantile: split ESS of the indicator I(x <= quantile(x, p)). */
static double ess_quantile(const double *draws, size_t n, size_t m, const double *sorted, double p)
{
    const size_t len = n * m;
    double *ind = malloc(len * sizeof *ind);
    if (!ind)
        return NAN;
    const double q = quantile7(sorted, len, p);
    for (size_t i = 0; i < len; i++)
        ind[i] = draws[i] <= q ? 1.0 : 0.0;
    const double e = ess_of(ind, n, m, X_RAW);
    free(ind);
    return e;
}

double hs_diag_ess_tail(const double *draws, size_t n, size_t m)
{
    const size_t len = n * m;
    if (degenerate(draws, len))
        return NAN;
    double *s = sorted_copy(draws, len);
    if (!s)
        return NAN;
    const double e05 = ess_quantile(draws, n, m, s, 0.05);
    const double e95 = ess_quantile(draws, n, m, s, 0.95);
    free(s);
    if (isnan(e05) || isnan(e95))
        return NAN;
    return e05 < e95 ? e05 : e95;
}

double hs_diag_mcse_mean(const double *draws, size_t n, size_t m)
{
    const size_t len = n * m;
    if (len < 2 || degenerate(draws, len))
        return NAN;
    const double sd = sqrt(var_about(draws, len, mean_of(draws, len)));
    return sd / sqrt(hs_diag_ess_mean(draws, n, m));
}

double hs_diag_ebfmi(const double *energy, size_t n)
{
    if (n < 2 || degenerate(energy, n))
        return NAN;
    const double mu = mean_of(energy, n);
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            num += (energy[i] - energy[i - 1]) * (energy[i] - energy[i - 1]);
        den += (energy[i] - mu) * (energy[i] - mu);
    }
    return num / den;
}

/*
 * Wichura (1988), "Algorithm AS 241: The percentage points of the normal
 * distribution", Appl. Statist. 37(3) 477-484, PPND16 (as in R's qnorm).
 */
double hs_diag_qnorm(double p)
{
    if (isnan(p) || p < 0 || p > 1)
        return NAN;
    if (p == 0)
        return -INFINITY;
    if (p == 1)
        return INFINITY;
    const double q = p - 0.5;
    if (fabs(q) <= 0.425) {
        const double r = 0.180625 - q * q;
        return q *
               (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r +
                     67265.770927008700853) *
                        r +
                    45921.953931549871457) *
                       r +
                   13731.693765509461125) *
                      r +
                  1971.5909503065514427) *
                     r +
                 133.14166789178437745) *
                    r +
                3.387132872796366608) /
               (((((((r * 5226.495278852545925 + 28729.085735721942674) * r +
                     39307.89580009271061) *
                        r +
                    21213.794301586595867) *
                       r +
                   5394.1960214247511077) *
                      r +
                  687.1870074920579083) *
                     r +
                 42.313330701600911252) *
                    r +
                1.0);
    }
    double r = sqrt(-log(q < 0 ? p : 1 - p)), val;
    if (r <= 5) {
        r -= 1.6;
        val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r +
                    0.24178072517745061177) *
                       r +
                   1.27045825245236838258) *
                      r +
                  3.64784832476320460504) *
                     r +
                 5.7694972214606914055) *
                    r +
                4.6303378461565452959) *
                   r +
               1.42343711074968357734) /
              (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r +
                    0.0151986665636164571966) *
                       r +
                   0.14810397642748007459) *
                      r +
                  0.68976733498510000455) *
                     r +
                 1.6763848301838038494) *
                    r +
                2.05319162663775882187) *
                   r +
               1.0);
    } else {
        r -= 5;
        val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r +
                    0.0012426609473880784386) *
                       r +
                   0.026532189526576123093) *
                      r +
                  0.29656057182850489123) *
                     r +
                 1.7848265399172913358) *
                    r +
                5.4637849111641143699) *
                   r +
               6.6579046435011037772) /
              (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r +
                    1.8463183175100546818e-5) *
                       r +
                   7.868691311456132591e-4) *
                      r +
                  0.0148753612908506148525) *
                     r +
                 0.13692988092273580531) *
                    r +
                0.59983220655588793769) *
                   r +
               1.0);
    }
    return q < 0 ? -val : val;
}

/* Growable row-major table of doubles read from the CSV. */
typedef struct table {
    double *v;
    size_t rows, cols, cap;
} table;

/* Store x as field k of the row being read. */
static int table_put(table *t, size_t k, double x)
{
    const size_t at = t->rows * t->cols + k;
    if (at >= t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 1024;
        while (cap <= at)
            cap *= 2;
        double *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return -1;
        t->v = v;
        t->cap = cap;
    }
    t->v[at] = x;
    return 0;
}

/*
 * Parse one CSV line into t (a new row).  Returns the number of fields, or
 * -1 with *bad set to the 1-based column of a field that is not a number,
 * or -2 on allocation failure.  Fields may carry surrounding blanks.
 */
static long parse_row(char *line, table *t, size_t *bad, int dry)
{
    long nf = 0;
    char *p = line;
    for (;;) {
        char *end;
        const double x = strtod(p, &end);
        char *e = end;
        while (*e == ' ' || *e == '\t')
            e++;
        if (end == p || (*e != ',' && *e != '\0')) {
            *bad = (size_t)nf + 1;
            return -1;
        }
        if (!dry && table_put(t, (size_t)nf, x) != 0)
            return -2;
        nf++;
        if (*e == '\0')
            return nf;
        p = e + 1;
    }
}

int hs_diag_csv(const char *path, FILE *out, char *msg, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(msg, cap, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    table t = {0};
    char *line = NULL;
    size_t lcap = 0, lineno = 0;
    ssize_t got;
    int rc = -1, first = 1;
    while ((got = getline(&line, &lcap, f)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        size_t k = 0;
        while (line[k] == ' ' || line[k] == '\t')
            k++;
        if (line[k] == '\0')
            continue;
        size_t bad = 0;
        if (first) {
            first = 0;
            long nf = parse_row(line, &t, &bad, 1);
            if (nf < 0) /* a header row: count its fields, skip it */
                continue;
        }
        if (t.cols == 0) { /* first data row fixes the number of chains */
            size_t nf = 1;
            for (const char *c = line; *c; c++)
                nf += *c == ',';
            t.cols = nf;
        }
        long nf = parse_row(line, &t, &bad, 0);
        if (nf == -2) {
            snprintf(msg, cap, "%s:%zu: out of memory", path, lineno);
            goto done;
        }
        if (nf < 0) {
            snprintf(msg, cap, "%s:%zu: column %zu is not a number", path, lineno, bad);
            goto done;
        }
        if ((size_t)nf != t.cols) {
            snprintf(msg, cap, "%s:%zu: expected %zu columns (chains), got %ld", path, lineno,
                     t.cols, nf);
            goto done;
        }
        t.rows++;
    }
    if (ferror(f)) {
        snprintf(msg, cap, "%s:%zu: read error", path, lineno);
        goto done;
    }
    if (t.rows < 4) {
        snprintf(msg, cap, "%s:%zu: need at least 4 draws per chain, got %zu", path, lineno,
                 t.rows);
        goto done;
    }
    double *d = malloc(t.rows * t.cols * sizeof *d);
    if (!d) {
        snprintf(msg, cap, "%s: out of memory", path);
        goto done;
    }
    int constant = 1;
    for (size_t r = 0; r < t.rows; r++)
        for (size_t c = 0; c < t.cols; c++) {
            double x = t.v[r * t.cols + c];
            if (!isfinite(x)) {
                snprintf(msg, cap,
                         "%s: draw %zu of chain %zu is %g: R-hat and ESS need finite draws", path,
                         r + 1, c + 1, x);
                free(d);
                goto done;
            }
            constant &= x == t.v[0];
            d[c * t.rows + r] = x;
        }
    /* %.17g: every digit of the double, so results compare to the last bit. */
    fprintf(out, "rhat: %.17g\ness_bulk: %.17g\ness_tail: %.17g\n", hs_diag_rhat(d, t.rows, t.cols),
            hs_diag_ess_bulk(d, t.rows, t.cols), hs_diag_ess_tail(d, t.rows, t.cols));
    fprintf(out, "rhat_bulk: %.17g\nrhat_tail: %.17g\n", hs_diag_rhat_bulk(d, t.rows, t.cols),
            hs_diag_rhat_tail(d, t.rows, t.cols));
    fprintf(out, "draws: %zu\nchains: %zu\n", t.rows, t.cols);
    if (constant)
        fprintf(out,
                "note: every draw is %.17g: R-hat and ESS are undefined (nan) for constant "
                "chains\n",
                t.v[0]);
    free(d);
    rc = 0;
done:
    free(line);
    free(t.v);
    fclose(f);
    return rc;
}
