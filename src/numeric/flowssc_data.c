/*
 * Tables for flow_ssc: the synthetic NHEFS-like generator (structural model
 * in include/hsweep/flowssc.h) and a CSV loader for a user's own table.
 * Covariate scales follow the NHEFS codebook summaries in Hernan & Robins,
 * "Causal Inference: What If" (2020), ch. 12 (table 12.1 and its data).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/flowssc.h"
#include "hsweep/rng.h"

void hs_flowssc_data_free(hs_flowssc_data *d)
{
    free(d->x);
    free(d->t);
    free(d->y);
    free(d->mu0);
    free(d->mu1);
    free(d->prop);
    *d = (hs_flowssc_data){0};
    d->noise_sd = d->ate = NAN;
}

static int data_alloc(hs_flowssc_data *d, size_t n, size_t dx, int truth)
{
    *d = (hs_flowssc_data){.n = n, .d_x = dx, .noise_sd = NAN, .ate = NAN};
    d->x = malloc(n * dx * sizeof *d->x);
    d->t = malloc(n * sizeof *d->t);
    d->y = malloc(n * sizeof *d->y);
    if (truth) {
        d->mu0 = malloc(n * sizeof *d->mu0);
        d->mu1 = malloc(n * sizeof *d->mu1);
        d->prop = malloc(n * sizeof *d->prop);
    }
    if (!d->x || !d->t || !d->y || (truth && (!d->mu0 || !d->mu1 || !d->prop))) {
        hs_flowssc_data_free(d);
        return -1;
    }
    return 0;
}

static double clampd(double v, double lo, double hi) { return v < lo ? lo : v > hi ? hi : v; }

static double sigmoid(double a) { return 1.0 / (1.0 + exp(-a)); }

/* One-hot categorical: column of the drawn category set to 1. */
static void one_hot(hs_rng *r, const double *p, int k, double *x)
{
    double u = hs_rng_uniform(r), acc = 0.0;
    int c = k - 1;
    for (int j = 0; j < k; j++) {
        acc += p[j];
        if (u < acc) {
            c = j;
            break;
        }
    }
    for (int j = 0; j < k; j++)
        x[j] = j == c;
}

/* Column indices of the covariates the structural model uses. */
enum {
    C_AGE,
    C_SCHOOL,
    C_SMOKEINT,
    C_SMOKEYRS,
    C_WT71,
    C_HT,
    C_SBP,
    C_DBP,
    C_CHOL,
    C_PRICE71,
    C_PRICE82,
    C_TAX71,
    C_TAX82,
    C_ALCAMT,
    N_CONT,
    C_EDU = N_CONT,            /* 5: < 8 y, HS dropout, HS, college dropout, college */
    C_EXER = C_EDU + 5,        /* 3: much, moderate, little exercise */
    C_ACTIVE = C_EXER + 3,     /* 4: very, moderately, inactive, bedridden-ish */
    C_ALCFREQ = C_ACTIVE + 4,  /* 5 */
    C_MARITAL = C_ALCFREQ + 5, /* 5 */
    C_FLAGS = C_MARITAL + 5,
    C_FEMALE = C_FLAGS,
    C_NONWHITE,
    C_HBP
};

/* Prevalences of the binary flags (sex, race, then NHEFS medical history:
 * hbp, asthma, bronch, tb, hf, pepticulcer, colitis, hepatitis, chroniccough,
 * hayfever, diabetes, polio, tumor, nervousbreak, alcoholpy, headache,
 * otherpain, weakheart, allergies, nerves, lackpep, hbpmed, boweltrouble,
 * wtloss, infection, pica, birthcontrol). */
static const double flag_p[] = {0.49, 0.13, 0.30, 0.05,  0.09,  0.015, 0.005, 0.10, 0.03, 0.02,
                                0.05, 0.08, 0.04, 0.013, 0.024, 0.03,  0.87,  0.62, 0.24, 0.02,
                                0.06, 0.14, 0.05, 0.20,  0.16,  0.03,  0.30,  0.03, 0.30};
#define N_FLAGS (sizeof flag_p / sizeof flag_p[0])

_Static_assert(C_FLAGS + sizeof flag_p / sizeof flag_p[0] == HS_NHEFS_DX,
               "the NHEFS-like table has 65 covariates");

/* True effect of quitting on weight change (kg) and the outcome noise sd:
 * NHEFS' adjusted estimate is about 3.4 kg (What If, ch. 12-13). */
#define NHEFS_TAU 3.5
#define NHEFS_SIGMA 7.3
#define NHEFS_TREATED 0.26

int hs_flowssc_data_nhefs_like(hs_flowssc_data *d, uint64_t seed, int leak, char *err, size_t cap)
{
    size_t n = HS_NHEFS_N, dx = HS_NHEFS_DX + (leak ? 1 : 0);
    if (data_alloc(d, n, dx, 1) != 0) {
        snprintf(err, cap, "nhefs_like: out of memory");
        return -1;
    }
    static const double edu_p[5] = {0.186, 0.416, 0.102, 0.127, 0.169};
    static const double exer_p[3] = {0.19, 0.42, 0.39};
    static const double act_p[4] = {0.45, 0.42, 0.09, 0.04};
    static const double alc_p[5] = {0.20, 0.20, 0.26, 0.13, 0.21};
    static const double mar_p[5] = {0.04, 0.83, 0.04, 0.07, 0.02};
    hs_rng r;
    hs_rng_seed_stream(&r, seed, 0x6e686566); /* "nhef" */
    double *lin = malloc(n * sizeof *lin);
    if (!lin) {
        hs_flowssc_data_free(d);
        snprintf(err, cap, "nhefs_like: out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        double *x = d->x + i * dx;
        double age = clampd(43.9 + 12.0 * hs_rng_normal(&r), 25, 74);
        x[C_AGE] = age;
        x[C_SCHOOL] = round(clampd(11.2 + 3.1 * hs_rng_normal(&r), 0, 17));
        x[C_SMOKEINT] = round(clampd(9.5 * hs_rng_gamma(&r, 2.2), 1, 80));
        x[C_SMOKEYRS] = round(clampd(age - 17 + 5 * hs_rng_normal(&r), 1, 64));
        x[C_WT71] = clampd(70.9 + 15.6 * hs_rng_normal(&r), 36, 170);
        x[C_HT] = 168.7 + 9.1 * hs_rng_normal(&r);
        x[C_SBP] = 128.7 + 19.1 * hs_rng_normal(&r);
        x[C_DBP] = 77.7 + 10.9 * hs_rng_normal(&r);
        x[C_CHOL] = 220.0 + 45.4 * hs_rng_normal(&r);
        x[C_PRICE71] = 2.14 + 0.23 * hs_rng_normal(&r);
        x[C_PRICE82] = 1.81 + 0.13 * hs_rng_normal(&r);
        x[C_TAX71] = 1.06 + 0.22 * hs_rng_normal(&r);
        x[C_TAX82] = 0.58 + 0.11 * hs_rng_normal(&r);
        x[C_ALCAMT] = round(1.4 * hs_rng_gamma(&r, 2.0));
        one_hot(&r, edu_p, 5, x + C_EDU);
        one_hot(&r, exer_p, 3, x + C_EXER);
        one_hot(&r, act_p, 4, x + C_ACTIVE);
        one_hot(&r, alc_p, 5, x + C_ALCFREQ);
        one_hot(&r, mar_p, 5, x + C_MARITAL);
        for (size_t j = 0; j < N_FLAGS; j++)
            x[C_FLAGS + j] = hs_rng_uniform(&r) < flag_p[j];
        double inactive = x[C_ACTIVE + 2] + x[C_ACTIVE + 3];
        lin[i] = 0.045 * (age - 44) - 0.45 * x[C_FEMALE] - 0.6 * x[C_NONWHITE] -
                 0.03 * (x[C_SMOKEINT] - 21) + 0.3 * x[C_EDU + 4] + 0.25 * inactive;
        d->mu0[i] = 2.5 - 0.16 * (age - 44) - 0.005 * (age - 44) * (age - 44) +
                    0.06 * (x[C_SMOKEINT] - 21) - 0.05 * (x[C_WT71] - 71) - 1.2 * x[C_HBP] +
                    1.0 * inactive + 0.8 * (x[C_SCHOOL] < 12);
        d->mu1[i] = d->mu0[i] + NHEFS_TAU;
    }
    /* Intercept a0 with mean_i sigmoid(a0 + lin_i) = 0.26 (monotone in a0). */
    double lo = -20, hi = 20;
    for (int it = 0; it < 100; it++) {
        double mid = 0.5 * (lo + hi), m = 0;
        for (size_t i = 0; i < n; i++)
            m += sigmoid(mid + lin[i]);
        if (m / (double)n < NHEFS_TREATED)
            lo = mid;
        else
            hi = mid;
    }
    for (size_t i = 0; i < n; i++) {
        d->prop[i] = sigmoid(0.5 * (lo + hi) + lin[i]);
        d->t[i] = hs_rng_uniform(&r) < d->prop[i];
        d->y[i] = (d->t[i] ? d->mu1[i] : d->mu0[i]) + NHEFS_SIGMA * hs_rng_normal(&r);
        if (leak)
            d->x[i * dx + HS_NHEFS_DX] = d->x[i * dx + C_WT71] + d->y[i];
    }
    free(lin);
    d->noise_sd = NHEFS_SIGMA;
    d->ate = NHEFS_TAU;
    return 0;
}

/* ---- CSV ---------------------------------------------------------------- */

/* Number of comma-separated fields of a line. */
static size_t count_fields(const char *line)
{
    size_t k = 1;
    for (; *line; line++)
        k += *line == ',';
    return k;
}

/* Split `line` in place at commas; trims spaces and one pair of quotes.
 * Returns the number of fields (f receives at most cap of them). */
static size_t split_csv(char *line, char **f, size_t cap)
{
    size_t k = 0;
    char *p = line;
    for (;;) {
        char *q = strchr(p, ',');
        if (q)
            *q = '\0';
        while (isspace((unsigned char)*p))
            p++;
        char *e = p + strlen(p);
        while (e > p && isspace((unsigned char)e[-1]))
            *--e = '\0';
        if (e - p >= 2 && *p == '"' && e[-1] == '"') {
            e[-1] = '\0';
            p++;
        }
        if (k < cap)
            f[k] = p;
        k++;
        if (!q)
            break;
        p = q + 1;
    }
    return k;
}

static int is_missing(const char *s)
{
    return !*s || strcmp(s, "NA") == 0 || strcmp(s, "na") == 0 || strcmp(s, "nan") == 0 ||
           strcmp(s, "NaN") == 0;
}

static int find_col(char **hdr, size_t nh, const char *name)
{
    for (size_t j = 0; j < nh; j++)
        if (strcmp(hdr[j], name) == 0)
            return (int)j;
    return -1;
}

/* Read a whole line (any length) into *buf; returns its length or -1 at EOF. */
static long read_line(FILE *f, char **buf, size_t *cap)
{
    size_t len = 0;
    int ch;
    while ((ch = fgetc(f)) != EOF && ch != '\n') {
        if (len + 2 > *cap) {
            size_t nc = *cap ? 2 * *cap : 4096;
            char *nb = realloc(*buf, nc);
            if (!nb)
                return -2;
            *buf = nb;
            *cap = nc;
        }
        (*buf)[len++] = (char)ch;
    }
    if (ch == EOF && len == 0)
        return -1;
    if (!*buf) {
        *buf = malloc(1);
        if (!*buf)
            return -2;
        *cap = 1;
    }
    if (len && (*buf)[len - 1] == '\r')
        len--;
    (*buf)[len] = '\0';
    return (long)len;
}

typedef struct csv_state {
    FILE *f;
    char *line, *hline, **hdr, **fld;
    size_t line_cap, hline_cap, nh;
    int *xc;
    double *x, *y;
    int *t;
} csv_state;

static void csv_state_free(csv_state *s)
{
    if (s->f)
        fclose(s->f);
    free(s->line);
    free(s->hline);
    free(s->hdr);
    free(s->fld);
    free(s->xc);
    free(s->x);
    free(s->y);
    free(s->t);
}

#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static int
csv_fail(csv_state *s, hs_flowssc_data *d, char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    csv_state_free(s);
    *d = (hs_flowssc_data){.noise_sd = NAN, .ate = NAN};
    return -1;
}

int hs_flowssc_data_csv(hs_flowssc_data *d, const char *path, const char *x_cols, const char *t_col,
                        const char *y_col, char *err, size_t cap)
{
    csv_state s = {0};
    s.f = fopen(path, "r");
    if (!s.f)
        return csv_fail(&s, d, err, cap, "%s: cannot open: %s", path, strerror(errno));
    long len = read_line(s.f, &s.hline, &s.hline_cap);
    if (len < 0)
        return csv_fail(&s, d, err, cap, "%s:1: empty file (expected a header line)", path);
    size_t nh = count_fields(s.hline);
    s.hdr = malloc(nh * sizeof *s.hdr);
    s.fld = malloc(nh * sizeof *s.fld);
    s.xc = malloc(nh * sizeof *s.xc);
    if (!s.hdr || !s.fld || !s.xc)
        return csv_fail(&s, d, err, cap, "%s: out of memory", path);
    split_csv(s.hline, s.hdr, nh);
    s.nh = nh;
    int tc = find_col(s.hdr, nh, t_col), yc = find_col(s.hdr, nh, y_col);
    if (tc < 0)
        return csv_fail(&s, d, err, cap, "%s:1: no column named '%s' (t_col)", path, t_col);
    if (yc < 0)
        return csv_fail(&s, d, err, cap, "%s:1: no column named '%s' (y_col)", path, y_col);
    size_t dx = 0;
    if (!x_cols || !*x_cols || strcmp(x_cols, "*") == 0) {
        for (size_t j = 0; j < nh; j++)
            if ((int)j != tc && (int)j != yc)
                s.xc[dx++] = (int)j;
    } else {
        char *names = strdup(x_cols);
        if (!names)
            return csv_fail(&s, d, err, cap, "%s: out of memory", path);
        size_t nx = count_fields(names);
        char **nm = malloc(nx * sizeof *nm);
        if (!nm) {
            free(names);
            return csv_fail(&s, d, err, cap, "%s: out of memory", path);
        }
        split_csv(names, nm, nx);
        for (size_t k = 0; k < nx; k++) {
            int c = find_col(s.hdr, nh, nm[k]);
            if (c < 0) {
                char msg[256];
                snprintf(msg, sizeof msg, "%s", nm[k]);
                free(nm);
                free(names);
                return csv_fail(&s, d, err, cap, "%s:1: no column named '%s' (x_cols)", path, msg);
            }
            if (dx >= nh) {
                free(nm);
                free(names);
                return csv_fail(&s, d, err, cap,
                                "%s:1: x_cols names more columns than the file has", path);
            }
            s.xc[dx++] = c;
        }
        free(nm);
        free(names);
    }
    if (dx == 0)
        return csv_fail(&s, d, err, cap, "%s:1: no covariate columns", path);
    size_t n = 0, rows_cap = 0, lineno = 1;
    while ((len = read_line(s.f, &s.line, &s.line_cap)) != -1) {
        lineno++;
        if (len == -2)
            return csv_fail(&s, d, err, cap, "%s:%zu: out of memory", path, lineno);
        if (len == 0)
            continue;
        size_t nf = split_csv(s.line, s.fld, nh);
        if (nf != nh)
            return csv_fail(&s, d, err, cap, "%s:%zu: %zu fields, the header has %zu", path, lineno,
                            nf, nh);
        if (is_missing(s.fld[tc]) || is_missing(s.fld[yc]))
            continue;
        int skip = 0;
        for (size_t k = 0; k < dx; k++)
            skip |= is_missing(s.fld[s.xc[k]]);
        if (skip)
            continue;
        if (n == rows_cap) {
            rows_cap = rows_cap ? 2 * rows_cap : 1024;
            double *nx = realloc(s.x, rows_cap * dx * sizeof *nx);
            if (nx)
                s.x = nx;
            double *ny = realloc(s.y, rows_cap * sizeof *ny);
            if (ny)
                s.y = ny;
            int *nt = realloc(s.t, rows_cap * sizeof *nt);
            if (nt)
                s.t = nt;
            if (!nx || !ny || !nt)
                return csv_fail(&s, d, err, cap, "%s:%zu: out of memory", path, lineno);
        }
        for (size_t k = 0; k <= dx + 1; k++) {
            int c = k < dx ? s.xc[k] : k == dx ? tc : yc;
            char *end;
            errno = 0;
            double v = strtod(s.fld[c], &end);
            if (end == s.fld[c] || *end || errno == ERANGE || !isfinite(v))
                return csv_fail(&s, d, err, cap, "%s:%zu: column '%s': '%s' is not a finite number",
                                path, lineno, s.hdr[c], s.fld[c]);
            if (k < dx)
                s.x[n * dx + k] = v;
            else if (k == dx) {
                if (v != 0.0 && v != 1.0)
                    return csv_fail(&s, d, err, cap,
                                    "%s:%zu: column '%s' (t_col) must be 0 or 1, got '%s'", path,
                                    lineno, s.hdr[c], s.fld[c]);
                s.t[n] = v == 1.0;
            } else
                s.y[n] = v;
        }
        n++;
    }
    if (n < 2)
        return csv_fail(&s, d, err, cap, "%s:%zu: %zu complete rows; need at least 2", path, lineno,
                        n);
    *d = (hs_flowssc_data){
        .n = n, .d_x = dx, .x = s.x, .t = s.t, .y = s.y, .noise_sd = NAN, .ate = NAN};
    s.x = NULL;
    s.y = NULL;
    s.t = NULL;
    csv_state_free(&s);
    return 0;
}
