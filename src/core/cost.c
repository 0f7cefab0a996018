/* Cost models fitted from finished tasks (the model is described in include/hsweep/cost.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/cost.h"
#include "hsweep/table.h"

double hs_cost_hint(const hs_kernel *k, const hs_value *v)
{
    hs_params p = {k, (hs_value *)v};
    return k->cost ? k->cost(&p) : 1e-3;
}

/* A sample with a logarithm. */
static int sample_ok(double hint_s, double wall_s)
{
    return hint_s > 0 && wall_s > 0 && isfinite(hint_s) && isfinite(wall_s);
}

/* Room for cap samples in o (no change if it has it); HS_ENOMEM leaves o as it was. */
static int obs_reserve(hs_cost_obs *o, size_t cap, hs_err *e)
{
    if (cap <= o->cap)
        return 0;
    double *x = realloc(o->x, cap * sizeof *x);
    if (!x)
        return HS_FAIL(e, HS_ENOMEM, "out of memory for %zu timing samples", cap);
    o->x = x;
    double *y = realloc(o->y, cap * sizeof *y);
    if (!y)
        return HS_FAIL(e, HS_ENOMEM, "out of memory for %zu timing samples", cap);
    o->y = y;
    o->cap = cap;
    return 0;
}

int hs_cost_obs_add(hs_cost_obs *o, double hint_s, double wall_s, hs_err *e)
{
    if (!sample_ok(hint_s, wall_s))
        return 0;
    if (o->n == o->cap)
        HS_CALL(obs_reserve(o, o->cap ? 2 * o->cap : 64, e));
    o->x[o->n] = log(hint_s);
    o->y[o->n] = log(wall_s);
    o->n++;
    return 0;
}

void hs_cost_obs_free(hs_cost_obs *o)
{
    free(o->x);
    free(o->y);
    memset(o, 0, sizeof *o);
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of r[0..n) (n > 0); sorts r. */
static double median(double *r, size_t n)
{
    qsort(r, n, sizeof *r, dcmp);
    return n % 2 ? r[n / 2] : 0.5 * (r[n / 2 - 1] + r[n / 2]);
}

/* Fit o's samples; the exponent only if `slope` and the samples allow it. */
static int fit(const hs_cost_obs *o, int slope, hs_cost_model *m, hs_err *e)
{
    *m = (hs_cost_model){.n = 0, .c = 0, .b = 1, .m = 0};
    if (o->n == 0)
        return 0;
    double *r = malloc(o->n * sizeof *r);
    if (!r)
        return HS_FAIL(e, HS_ENOMEM, "out of memory fitting %zu timing samples", o->n);
    double lo = o->x[0], hi = o->x[0], mx = 0;
    for (size_t i = 0; i < o->n; i++) {
        lo = o->x[i] < lo ? o->x[i] : lo;
        hi = o->x[i] > hi ? o->x[i] : hi;
        mx += o->x[i];
    }
    mx /= (double)o->n;
    double b = 1, center = 0;
    if (slope && o->n >= HS_COST_MIN_SLOPE && hi - lo >= log(HS_COST_MIN_SPREAD)) {
        double my = 0, sxy = 0, sxx = 0;
        for (size_t i = 0; i < o->n; i++)
            my += o->y[i];
        my /= (double)o->n;
        for (size_t i = 0; i < o->n; i++) {
            sxy += (o->x[i] - mx) * (o->y[i] - my);
            sxx += (o->x[i] - mx) * (o->x[i] - mx);
        }
        b = sxy / sxx;
        b = b < HS_COST_SLOPE_MIN   ? HS_COST_SLOPE_MIN
            : b > HS_COST_SLOPE_MAX ? HS_COST_SLOPE_MAX
                                    : b;
        center = mx;
    }
    for (size_t i = 0; i < o->n; i++)
        r[i] = o->y[i] - b * (o->x[i] - center);
    *m = (hs_cost_model){.n = o->n, .c = median(r, o->n), .b = b, .m = center};
    free(r);
    return 0;
}

int hs_cost_fit(const hs_cost_obs *o, hs_cost_model *m, hs_err *e) { return fit(o, 1, m, e); }

/* Append src's samples to dst. */
static int obs_append(hs_cost_obs *dst, const hs_cost_obs *src, hs_err *e)
{
    HS_CALL(obs_reserve(dst, dst->n + src->n, e));
    if (src->n) {
        memcpy(dst->x + dst->n, src->x, src->n * sizeof *src->x);
        memcpy(dst->y + dst->n, src->y, src->n * sizeof *src->y);
    }
    dst->n += src->n;
    return 0;
}

double hs_cost_predict(const hs_cost_model *m, double hint_s)
{
    if (m->n == 0)
        return hint_s;
    if (m->b == 1)
        return exp(m->c - m->m) * hint_s;
    return hint_s > 0 ? exp(m->c + m->b * (log(hint_s) - m->m)) : 0;
}

void hs_cost_format(const hs_cost_model *m, char *buf, size_t cap)
{
    double a = exp(m->c - m->b * m->m);
    if (m->n == 0)
        snprintf(buf, cap, "wall_s = hint");
    else if (fabs(m->b - 1) < 5e-4) /* prints as 1 */
        snprintf(buf, cap, "wall_s = %.3g x hint", a);
    else
        snprintf(buf, cap, "wall_s = %.3g x hint^%.3g", a, m->b);
}

/* ---- calibration from a results file ---------------------------------- */

static int is_sample_status(int s)
{
    return s == HS_ST_OK || s == HS_ST_NONFINITE || s == HS_ST_DIVERGED;
}

/* Task r's parameter values from its row (strings point into text, one TEXT_CAP slot each). */
enum { TEXT_CAP = 1024 };
static void row_values(const hs_table *t, size_t r, const hs_kernel *k, const int *col, hs_value *v,
                       char *text)
{
    for (size_t p = 0; p < k->n_params; p++) {
        switch (k->params[p].type) {
        case HS_T_INT:
            v[p].i = (int64_t)hs_table_num(t, r, col[p]);
            break;
        case HS_T_REAL:
            v[p].r = hs_table_num(t, r, col[p]);
            break;
        case HS_T_BOOL:
            v[p].b = hs_table_num(t, r, col[p]) != 0;
            break;
        case HS_T_STRING:
            v[p].s = hs_table_text(t, r, col[p], text + p * TEXT_CAP, TEXT_CAP);
            break;
        }
    }
}

/* Fit one sweep from its table t in file path. */
static int calibrate_table(const hs_sweepset *set, const hs_sweep *s, const char *path,
                           const hs_table *t, hs_cost_calib *c, hs_err *e)
{
    const hs_kernel *k = s->kernel;
    if (strcmp(t->kernel, k->name) != 0)
        return HS_FAIL(e, HS_EINPUT,
                       "%s: sweep '%s' ran kernel '%s', but %s:%d runs '%s': its times say nothing "
                       "of this sweep's cost",
                       path, s->name, t->kernel, set->path, s->line, k->name);
    int status = hs_table_col(t, "status"), wall = hs_table_col(t, "wall_s");
    if (status < 0 || wall < 0)
        return HS_FAIL(e, HS_EINPUT, "%s: sweep '%s' has no %s column: not an hsweep results file",
                       path, s->name, status < 0 ? "status" : "wall_s");
    int *col = calloc(k->n_params + 1, sizeof *col);
    hs_value *v = calloc(k->n_params + 1, sizeof *v);
    char *text = malloc((k->n_params + 1) * TEXT_CAP);
    int rc = col && v && text ? 0 : HS_FAIL(e, HS_ENOMEM, "out of memory");
    for (size_t p = 0; rc == 0 && p < k->n_params; p++) {
        col[p] = hs_table_col(t, k->params[p].name);
        int want_text = k->params[p].type == HS_T_STRING;
        if (col[p] < 0 || want_text != (t->col[col[p]].kind == HS_COL_STRING))
            rc = HS_FAIL(e, HS_EINPUT,
                         "%s: sweep '%s' has no %s column '%s' (written by another version of "
                         "kernel '%s'): cannot compute its tasks' cost hints",
                         path, s->name, want_text ? "string" : "numeric", k->params[p].name,
                         k->name);
    }
    double ranks = (double)s->ranks_per_task;
    for (size_t r = 0; rc == 0 && r < t->n_rows; r++) {
        int st = (int)hs_table_num(t, r, status);
        if (t->damage[r]) /* its wall_s may be any bytes: not a sample */
            continue;
        if (is_sample_status(st)) {
            row_values(t, r, k, col, v, text);
            rc = hs_cost_obs_add(&c->obs, hs_cost_hint(k, v), hs_table_num(t, r, wall), e);
        } else if (st != HS_ST_PENDING) {
            c->n_other++;
        }
    }
    if (rc == 0)
        rc = hs_cost_fit(&c->obs, &c->model, e);
    for (size_t r = 0; rc == 0 && r < t->n_rows; r++)
        if ((int)hs_table_num(t, r, status) == HS_ST_PENDING) {
            row_values(t, r, k, col, v, text);
            double h = hs_cost_hint(k, v);
            c->n_pending++;
            c->pending_hint_s += h * ranks;
            c->pending_model_s += hs_cost_predict(&c->model, h) * ranks;
        }
    c->found = 1;
    free(col);
    free(v);
    free(text);
    return rc;
}

/* "a, b, c" of up to cap bytes. */
static void join_names(char *const *names, size_t n, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", names[i]);
}

int hs_cost_calibrate(const hs_sweepset *set, const char *path, hs_cost_calib *calib, hs_err *e)
{
    memset(calib, 0, set->n_sweeps * sizeof *calib);
    for (size_t i = 0; i < set->n_sweeps; i++)
        calib[i].model.b = 1;
    char **names;
    size_t nn, matched = 0;
    HS_CALL(hs_table_list(path, &names, &nn, e));
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < set->n_sweeps; i++) {
        const hs_sweep *s = &set->sweeps[i];
        int has = 0;
        for (size_t j = 0; j < nn; j++)
            has |= strcmp(names[j], s->name) == 0;
        if (!has)
            continue;
        hs_table t;
        rc = hs_table_read(path, s->name, &t, e);
        if (rc == 0) {
            rc = calibrate_table(set, s, path, &t, &calib[i], e);
            hs_table_free(&t);
        }
        matched++;
    }
    if (rc == 0 && matched == 0) {
        char have[512], want[512];
        join_names(names, nn, have, sizeof have);
        size_t n = 0;
        char *mine[64];
        for (size_t i = 0; i < set->n_sweeps && n < 64; i++)
            mine[n++] = set->sweeps[i].name;
        join_names(mine, n, want, sizeof want);
        rc =
            HS_FAIL(e, HS_EINPUT,
                    "%s: holds none of the sweeps of %s (it holds: %s; %s has: %s): calibrate with "
                    "a results file of the same sweeps",
                    path, set->path, have, set->path, want);
    }
    hs_table_list_free(names, nn);
    if (rc)
        hs_cost_calib_free(calib, set->n_sweeps);
    return rc;
}

void hs_cost_calib_free(hs_cost_calib *calib, size_t n)
{
    for (size_t i = 0; calib && i < n; i++) {
        hs_cost_obs_free(&calib[i].obs);
        calib[i].found = 0;
    }
}

/* ---- the work left in a run --------------------------------------------- */

/* Bins of 1/16 octave over hints from 2^-40 to 2^40 s (outside: the end bins). */
enum { BINS_PER_OCTAVE = 16, OCTAVE_LO = -40, N_BINS = 80 * BINS_PER_OCTAVE };
/* Samples kept per sweep during a run (1 MiB): past that, each new one
 * replaces the oldest, so rank 0's memory does not grow with the run. */
enum { LEFT_MAX_SAMPLES = 1 << 16 };

typedef struct left_sweep {
    int64_t count[N_BINS];
    double sum[N_BINS]; /* sum of the hints in each bin */
    hs_cost_obs obs;
    size_t seen; /* samples observed, kept or not */
    hs_cost_model model;
    size_t fitted; /* seen when model was fitted */
} left_sweep;

struct hs_cost_left {
    size_t n;
    left_sweep *s;
    hs_cost_model pooled; /* one factor over every sweep's samples */
    size_t pooled_n;      /* samples in all when pooled was fitted */
};

int hs_cost_left_create(size_t n_sweeps, const hs_cost_calib *calib, hs_cost_left **out, hs_err *e)
{
    hs_cost_left *l = calloc(1, sizeof *l);
    if (l)
        l->s = calloc(n_sweeps ? n_sweeps : 1, sizeof *l->s);
    if (!l || !l->s) {
        free(l);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    l->n = n_sweeps;
    l->pooled.b = 1;
    int rc = 0;
    for (size_t i = 0; i < n_sweeps; i++) {
        l->s[i].model.b = 1;
        for (size_t j = 0; rc == 0 && calib && j < calib[i].obs.n; j++)
            rc = hs_cost_left_observe(l, i, exp(calib[i].obs.x[j]), exp(calib[i].obs.y[j]), e);
    }
    if (rc)
        hs_cost_left_destroy(&l);
    *out = l;
    return rc;
}

void hs_cost_left_destroy(hs_cost_left **l)
{
    if (!*l)
        return;
    for (size_t i = 0; i < (*l)->n; i++)
        hs_cost_obs_free(&(*l)->s[i].obs);
    free((*l)->s);
    free(*l);
    *l = NULL;
}

static int bin_of(double hint_s)
{
    double j = hint_s > 0 ? floor(BINS_PER_OCTAVE * (log2(hint_s) - OCTAVE_LO)) : 0;
    return j < 0 ? 0 : j >= N_BINS ? N_BINS - 1 : (int)j;
}

void hs_cost_left_count(hs_cost_left *l, size_t si, double hint_s, int sign)
{
    left_sweep *s = &l->s[si];
    int j = bin_of(hint_s);
    s->count[j] += sign;
    s->sum[j] += sign * hint_s;
    if (s->count[j] <= 0) { /* no rounding residue left behind */
        s->count[j] = 0;
        s->sum[j] = 0;
    }
}

int hs_cost_left_observe(hs_cost_left *l, size_t si, double hint_s, double wall_s, hs_err *e)
{
    left_sweep *s = &l->s[si];
    if (!sample_ok(hint_s, wall_s))
        return 0;
    if (s->obs.n < LEFT_MAX_SAMPLES) {
        HS_CALL(hs_cost_obs_add(&s->obs, hint_s, wall_s, e));
    } else {
        s->obs.x[s->seen % LEFT_MAX_SAMPLES] = log(hint_s);
        s->obs.y[s->seen % LEFT_MAX_SAMPLES] = log(wall_s);
    }
    s->seen++;
    return 0;
}

/* Refit a sweep's model once its samples grew by a twentieth (each new one while few). */
static void refit(left_sweep *s)
{
    size_t n = s->seen;
    if (n == s->fitted || (s->fitted >= 20 && n < s->fitted + s->fitted / 20))
        return;
    hs_err e;
    if (hs_cost_fit(&s->obs, &s->model, &e) == 0)
        s->fitted = n;
}

const hs_cost_model *hs_cost_left_model(hs_cost_left *l, size_t si)
{
    refit(&l->s[si]);
    return &l->s[si].model;
}

/* The factor over every sweep's samples, for sweeps without samples of their own. */
static void refit_pooled(hs_cost_left *l, size_t total)
{
    if (total == l->pooled_n || (l->pooled_n >= 20 && total < l->pooled_n + l->pooled_n / 20))
        return;
    hs_cost_obs all = {0};
    hs_err e;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < l->n; i++)
        rc = obs_append(&all, &l->s[i].obs, &e);
    /* One factor: the hints of different kernels share no exponent. */
    if (rc == 0 && fit(&all, 0, &l->pooled, &e) == 0)
        l->pooled_n = total;
    hs_cost_obs_free(&all);
}

double hs_cost_left_seconds(hs_cost_left *l, size_t min_samples)
{
    size_t total = 0;
    int64_t left = 0;
    for (size_t i = 0; i < l->n; i++) {
        total += l->s[i].seen;
        for (int j = 0; j < N_BINS; j++)
            left += l->s[i].count[j];
    }
    if (left == 0)
        return 0;
    if (total < min_samples)
        return NAN;
    refit_pooled(l, total);
    double sec = 0;
    for (size_t i = 0; i < l->n; i++) {
        left_sweep *s = &l->s[i];
        const hs_cost_model *m = s->obs.n ? hs_cost_left_model(l, i) : &l->pooled;
        for (int j = 0; j < N_BINS; j++)
            if (s->count[j] > 0)
                sec += (double)s->count[j] * hs_cost_predict(m, s->sum[j] / (double)s->count[j]);
    }
    return sec;
}
