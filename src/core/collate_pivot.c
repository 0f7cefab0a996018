/*
 * `hsweep collate`, tables: the options parsed, each sweep's tasks selected
 * (--where, --contrast) and aggregated into cells by row and column key, and
 * the sweeps' rows merged; collate_format.c prints the result.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/collate_impl.h"
#include "hsweep/collate.h"
#include "hsweep/kernel.h"

const char *const hs_agg_names[] = {"mean", "median", "std",     "min",     "max",
                                    "sum",  "count",  "frac_ok", "mean±std"};

/* ---- aggregation ----------------------------------------------------------- */

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double hs_aggregate(const char *agg, double *v, size_t n)
{
    if (strcmp(agg, "count") == 0)
        return (double)n;
    if (n == 0)
        return NAN;
    if (strcmp(agg, "min") == 0 || strcmp(agg, "max") == 0) {
        int want_min = agg[1] == 'i';
        double m = v[0];
        for (size_t i = 1; i < n; i++)
            m = want_min ? (v[i] < m ? v[i] : m) : (v[i] > m ? v[i] : m);
        return m;
    }
    if (strcmp(agg, "median") == 0) {
        qsort(v, n, sizeof *v, dcmp);
        return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    if (strcmp(agg, "sum") == 0)
        return s;
    double mean = s / (double)n;
    if (strcmp(agg, "mean") == 0)
        return mean;
    if (strcmp(agg, "std") != 0 || n < 2)
        return NAN;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    return sqrt(ss / (double)(n - 1));
}

static int parse_agg(const char *s)
{
    if (!s)
        return HS_AGG_MEAN;
    if (strcmp(s, "meanstd") == 0 || strcmp(s, "mean+-std") == 0)
        return HS_AGG_MEANSTD;
    for (int i = 0; i <= HS_AGG_MEANSTD; i++)
        if (strcmp(s, hs_agg_names[i]) == 0)
            return i;
    return -1;
}

static int parse_format(const char *f)
{
    static const char *const names[] = {"md", "csv", "tsv", "json", "long-csv", "long-tsv"};
    for (int i = 0; i <= HS_FMT_LONG_TSV; i++)
        if (strcmp(f, names[i]) == 0)
            return i;
    return -1;
}

/*
 * Split a copy of `text` at commas and spaces into names[0..*n); *buf owns
 * the copy.  HS_EINPUT naming `what` if there are more than max names or
 * one is named twice.
 */
static int split_list(const char *text, const char *what, char **buf, char **names, size_t max,
                      size_t *n, hs_err *e)
{
    *n = 0;
    if (!(*buf = strdup(text)))
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    char *save = NULL;
    for (char *s = strtok_r(*buf, ", ", &save); s; s = strtok_r(NULL, ", ", &save)) {
        if (*n == max)
            return HS_FAIL(e, HS_EINPUT, "%s: at most %zu names", what, max);
        if (hs_collate_in_list(names, *n, s))
            return HS_FAIL(e, HS_EINPUT, "%s: '%s' is named twice", what, s);
        names[(*n)++] = s;
    }
    return 0;
}

/* The comma-joined --metric options (with frac_ok as the default for --agg frac_ok). */
static int parse_metric_names(hs_pivot *p, hs_err *e)
{
    const hs_collate_opts *o = p->o;
    size_t len = sizeof "frac_ok";
    for (size_t i = 0; i < o->n_metrics; i++)
        len += strlen(o->metrics[i]) + 1;
    char *all = malloc(len);
    if (!all)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    all[0] = 0;
    for (size_t i = 0; i < o->n_metrics; i++)
        strcat(strcat(all, i ? "," : ""), o->metrics[i]);
    if (o->n_metrics == 0 && p->agg == HS_AGG_FRAC_OK)
        strcpy(all, "frac_ok");
    int rc = split_list(all, "--metric", &p->mbuf, p->mname, HS_MAX_METRICS, &p->n_m, e);
    free(all);
    HS_CALL(rc);
    if (p->n_m == 0)
        return HS_FAIL(e, HS_EINPUT, "collate needs --metric NAME (a metric, status or frac_ok)");
    return 0;
}

/* --contrast AXIS=A-B or AXIS=A/B: the axis and the value text (split per sweep later). */
static int parse_contrast(hs_pivot *p, hs_err *e)
{
    const char *c = p->o->contrast;
    if (!c)
        return 0;
    if (!(p->conbuf = strdup(c)))
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    char *eq = strchr(p->conbuf, '=');
    if (!eq || eq == p->conbuf || !strpbrk(eq + 1, "-/"))
        return HS_FAIL(e, HS_EINPUT,
                       "--contrast %s: expected AXIS=A-B (difference) or AXIS=A/B (ratio)", c);
    *eq = 0;
    p->con_axis = p->conbuf;
    p->con_text = eq + 1;
    if (p->agg == HS_AGG_MEANSTD)
        return HS_FAIL(e, HS_EINPUT, "--contrast: use --agg mean or std, not mean±std");
    for (size_t m = 0; m < p->n_m; m++)
        if (strcmp(p->mname[m], "status") == 0)
            return HS_FAIL(e, HS_EINPUT,
                           "--contrast: 'status' gives counts per status, which are not contrasted "
                           "(use frac_ok)");
    return 0;
}

static int axis_col(const hs_rowset *rs, const char *name, hs_err *e)
{
    const hs_table *t = &rs->t[0];
    int c = hs_table_col(t, name);
    if (c < 0 || (strcmp(name, "seed") != 0 && !hs_collate_in_list(t->params, t->n_params, name))) {
        char axes[1024];
        hs_collate_join(rs->axes, rs->n_axes, axes, sizeof axes);
        return HS_FAIL(e, HS_EINPUT, "%s: sweep '%s' has no axis or parameter '%s' (axes: %s)",
                       rs->file[0], rs->sweep, name, rs->n_axes ? axes : "none");
    }
    return c;
}

/*
 * Row and column axis names, checked against each other and --contrast.
 * Without --rows: every axis of the first sweep but seed, the column axes
 * and the contrast axis that every other sweep also has.
 */
static int parse_axis_names(hs_pivot *p, hs_err *e)
{
    const hs_collate_opts *o = p->o;
    if (o->cols)
        HS_CALL(split_list(o->cols, "--cols", &p->cbuf, p->cname, HS_MAX_AXES, &p->n_c, e));
    if (o->rows) {
        HS_CALL(split_list(o->rows, "--rows", &p->rbuf, p->rname, HS_MAX_AXES, &p->n_r, e));
    } else {
        const hs_rowset *rs0 = &p->p[0].rs;
        for (size_t a = 0; a < rs0->n_axes && p->n_r < HS_MAX_AXES; a++) {
            char *name = rs0->axes[a];
            int everywhere = hs_table_col(&rs0->t[0], name) >= 0;
            for (size_t s = 1; s < p->n_p; s++)
                everywhere &= hs_collate_in_list(p->p[s].rs.axes, p->p[s].rs.n_axes, name);
            if (everywhere && strcmp(name, "seed") != 0 &&
                !hs_collate_in_list(p->cname, p->n_c, name) &&
                !(p->con_axis && strcmp(name, p->con_axis) == 0))
                p->rname[p->n_r++] = name;
        }
    }
    for (size_t r = 0; r < p->n_r; r++)
        if (hs_collate_in_list(p->cname, p->n_c, p->rname[r]))
            return HS_FAIL(e, HS_EINPUT, "'%s' is given both as --rows and --cols", p->rname[r]);
    if (p->con_axis && (hs_collate_in_list(p->rname, p->n_r, p->con_axis) ||
                        hs_collate_in_list(p->cname, p->n_c, p->con_axis)))
        return HS_FAIL(e, HS_EINPUT,
                       "--contrast %s=%s: '%s' cannot also be a --rows or --cols axis", p->con_axis,
                       p->con_text, p->con_axis);
    return 0;
}

/* Columns of sweep q for the metrics, rows and cols; HS_EINPUT naming the sweep lacking one. */
static int part_columns(const hs_pivot *p, hs_part *q, hs_err *e)
{
    for (size_t m = 0; m < p->n_m; m++) {
        const char *name = p->mname[m];
        int c = strcmp(name, "status") == 0 ? HS_COL_STATUS : hs_rowset_col(&q->rs, name);
        if (c == -1 || (c >= 0 && !hs_rowset_numeric(&q->rs, c)) ||
            (c >= 0 && c == q->rs.status_col)) {
            char ms[1024];
            hs_collate_join(q->rs.t[0].metrics, q->rs.t[0].n_metrics, ms, sizeof ms);
            return HS_FAIL(
                e, HS_EINPUT,
                "%s: sweep '%s' has no numeric column '%s' (metrics: %s; also status, frac_ok, "
                "wall_s, peak_rss_kb, attempts)",
                q->rs.file[0], q->rs.sweep, name, ms);
        }
        q->mcol[m] = c;
    }
    for (size_t r = 0; r < p->n_r; r++)
        if ((q->rcol[r] = axis_col(&q->rs, p->rname[r], e)) < 0)
            return e->code;
    for (size_t c = 0; c < p->n_c; c++)
        if ((q->ccol[c] = axis_col(&q->rs, p->cname[c], e)) < 0)
            return e->code;
    return 0;
}

/* "v1, v2, ..." into buf: the distinct values of column col over every finished task. */
static int axis_values(const hs_rowset *rs, int col, char *buf, size_t cap, hs_err *e)
{
    unsigned char *all = malloc(rs->n + 1);
    size_t *key_of = malloc((rs->n + 1) * sizeof *key_of);
    if (!all || !key_of) {
        free(all);
        free(key_of);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    memset(all, 1, rs->n + 1);
    hs_keys k;
    int rc = hs_keys_build(rs, &col, 1, all, key_of, &k, e);
    if (rc == 0) {
        hs_collate_join(k.text, k.n, buf, cap);
        hs_keys_free(&k);
    }
    free(all);
    free(key_of);
    return rc;
}

/* Number of tasks with sel[i] != 0 (every task if sel is NULL) that satisfy f. */
static size_t count_matches(hs_rowset *rs, const unsigned char *sel, const hs_filter *f)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->n; i++)
        n += (!sel || sel[i]) && hs_rowset_match(rs, i, f);
    return n;
}

/* Column of a condition's parameter (or the seed) in rs. */
static int cond_col(const hs_rowset *rs, const hs_cond *c)
{
    return c->param < 0 ? rs->seed_col : rs->param_col[c->param];
}

static const char *cond_name(const hs_rowset *rs, const hs_cond *c)
{
    return c->param < 0 ? "seed" : rs->kernel->params[c->param].name;
}

/* f: the condition "AXIS = value" parsed for rs's kernel. */
static int value_filter(const hs_rowset *rs, const char *axis, const char *value, hs_filter *f,
                        hs_err *e)
{
    size_t len = strlen(axis) + strlen(value) + sizeof " = ";
    char *cond = malloc(len);
    if (!cond)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    snprintf(cond, len, "%s = %s", axis, value);
    int rc = hs_filter_parse(rs->kernel, cond, f, e);
    free(cond);
    return rc;
}

/*
 * --contrast: split the value text at the one '-' or '/' that leaves two
 * values of the axis each held by some selected task; mark those tasks 1
 * (first value) or 2 (second), every other task 0.  HS_EINPUT naming the
 * value the axis does not have, or an ambiguous split.
 */
static int part_contrast(hs_pivot *p, hs_part *q, hs_err *e)
{
    hs_rowset *rs = &q->rs;
    if (axis_col(rs, p->con_axis, e) < 0)
        return e->code;
    const char *t = p->con_text;
    size_t len = strlen(t), n_split = 0, chosen = 0, n_ok = 0, missing = 0;
    char missing_val[HS_TEXT_CAP] = "";
    for (size_t pos = 1; pos + 1 < len; pos++) {
        if (t[pos] != '-' && t[pos] != '/')
            continue;
        n_split++;
        size_t n[2] = {0, 0};
        char val[2][HS_TEXT_CAP];
        snprintf(val[0], sizeof val[0], "%.*s", (int)pos, t);
        snprintf(val[1], sizeof val[1], "%s", t + pos + 1);
        for (int s = 0; s < 2; s++) {
            hs_filter f = {0};
            hs_err pe;
            if (value_filter(rs, p->con_axis, val[s], &f, &pe) == 0)
                n[s] = count_matches(rs, q->sel, &f);
            hs_filter_free(&f);
        }
        if (n[0] && n[1]) {
            n_ok++;
            chosen = pos;
            memcpy(q->con_val, val, sizeof val);
        } else {
            missing = n[0] ? 1 : 0;
            snprintf(missing_val, sizeof missing_val, "%s", val[missing]);
        }
    }
    char values[1024];
    HS_CALL(axis_values(rs, hs_table_col(&rs->t[0], p->con_axis), values, sizeof values, e));
    const char *after = p->o->n_where ? " selected by --where" : "";
    if (n_ok > 1)
        return HS_FAIL(e, HS_EINPUT,
                       "--contrast %s=%s: ambiguous: '%s' splits into two values of %s in more "
                       "than one way (%s has %s)",
                       p->con_axis, t, t, p->con_axis, p->con_axis, values);
    if (n_ok == 0 && n_split == 1)
        return HS_FAIL(
            e, HS_EINPUT, "--contrast %s=%s: sweep '%s' has no task%s with %s = %s (%s has %s)",
            p->con_axis, t, rs->sweep, after, p->con_axis, missing_val, p->con_axis, values);
    if (n_ok == 0)
        return HS_FAIL(e, HS_EINPUT,
                       "--contrast %s=%s: no split of '%s' at '-' or '/' gives two values of %s "
                       "held by tasks%s of sweep '%s' (%s has %s)",
                       p->con_axis, t, t, p->con_axis, after, rs->sweep, p->con_axis, values);
    if (!p->con_op) {
        p->con_op = t[chosen];
        p->con_part = q;
    } else if (p->con_op != t[chosen])
        return HS_FAIL(e, HS_EINPUT, "--contrast %s=%s: splits differently in sweep '%s'",
                       p->con_axis, t, rs->sweep);
    for (int s = 0; s < 2; s++) {
        hs_filter f = {0};
        HS_CALL(value_filter(rs, p->con_axis, q->con_val[s], &f, e));
        for (size_t i = 0; i < rs->n; i++)
            if (q->sel[i] == 1 && hs_rowset_match(rs, i, &f)) /* 2, 4: apart from 1 until done */
                q->sel[i] = (unsigned char)(s ? 4 : 2);
        hs_filter_free(&f);
    }
    for (size_t i = 0; i < rs->n; i++)
        q->sel[i] = q->sel[i] == 2 ? 1 : q->sel[i] == 4 ? 2 : 0;
    return 0;
}

/*
 * Why sweep q's table is empty, on p->o->warnings: each --where condition
 * that no task satisfies (with the values its axis has), else that the
 * conditions only together exclude everything, or that no task finished.
 */
static int warn_empty(hs_pivot *p, hs_part *q, hs_err *e)
{
    FILE *w = p->o->warnings;
    hs_rowset *rs = &q->rs;
    if (!w || q->n_sel)
        return 0;
    if (rs->n == 0) {
        fprintf(w, "hsweep: warning: sweep '%s' has no finished task\n", rs->sweep);
        return 0;
    }
    size_t named = 0;
    int rc = 0;
    for (size_t c = 0; c < q->where.n && rc == 0; c++) {
        const hs_cond *cd = &q->where.c[c];
        hs_filter one = {1, (hs_cond *)cd};
        if (count_matches(rs, NULL, &one))
            continue;
        char values[1024] = "?";
        if (cond_col(rs, cd) >= 0)
            rc = axis_values(rs, cond_col(rs, cd), values, sizeof values, e);
        if (rc == 0)
            fprintf(
                w,
                "hsweep: warning: --where \"%s %s %s\" matches no task of sweep '%s' (%s has %s)\n",
                cond_name(rs, cd), hs_op_name(cd->op), cd->text, rs->sweep, cond_name(rs, cd),
                values);
        named++;
    }
    if (rc == 0 && named == 0)
        fprintf(w, "hsweep: warning: the --where conditions together match no task of sweep '%s'\n",
                rs->sweep);
    return rc;
}

static int part_select(hs_pivot *p, hs_part *q, hs_err *e)
{
    const hs_collate_opts *o = p->o;
    hs_rowset *rs = &q->rs;
    if ((o->n_where || p->con_axis) && !rs->kernel)
        return HS_FAIL(e, HS_EINPUT, "%s: this hsweep does not know kernel '%s' of sweep '%s'",
                       o->n_where ? "--where" : "--contrast", rs->kernel_name, rs->sweep);
    for (size_t i = 0; i < o->n_where; i++)
        HS_CALL(hs_filter_parse(rs->kernel, o->where[i], &q->where, e));
    q->sel = malloc(rs->n + 1);
    if (!q->sel)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    for (size_t i = 0; i < rs->n; i++) {
        q->sel[i] = q->where.n == 0 || hs_rowset_match(rs, i, &q->where);
        q->n_sel += q->sel[i];
    }
    q->n_where_out = rs->n - q->n_sel;
    HS_CALL(warn_empty(p, q, e));
    if (p->con_axis && q->n_sel) {
        HS_CALL(part_contrast(p, q, e));
        q->n_sel = 0;
        for (size_t i = 0; i < rs->n; i++)
            q->n_sel += q->sel[i] != 0;
    }
    return 0;
}

/* Aggregate the tasks idx[0..n) of one cell (one contrast side) for metric m into c. */
static void fill_cell(const hs_pivot *p, hs_part *q, size_t m, const size_t *idx, size_t n,
                      double *vals, hs_cell *c)
{
    int col = q->mcol[m];
    for (size_t t = 0; t < n; t++) {
        size_t i = idx[t];
        int s = hs_rowset_status(&q->rs, i);
        c->n_tasks++;
        if (s >= 0 && s < HS_ST_COUNT)
            c->st[s]++;
        if (col == HS_COL_STATUS)
            continue;
        double v = hs_rowset_value(&q->rs, i, col);
        if (!isnan(v)) {
            vals[c->n_vals++] = v;
        } else {
            c->n_na++;
            if (s == HS_ST_OK || s == HS_ST_NONFINITE || s == HS_ST_DIVERGED)
                q->na_value[m]++;
            else if (s >= 0 && s < HS_ST_COUNT)
                q->na_status[m][s]++;
        }
    }
    c->sd = NAN;
    switch (p->agg) {
    case HS_AGG_FRAC_OK:
        c->v = c->n_tasks ? (double)c->st[HS_ST_OK] / (double)c->n_tasks : NAN;
        break;
    case HS_AGG_MEANSTD:
        c->sd = hs_aggregate("std", vals, c->n_vals);
        c->v = hs_aggregate("mean", vals, c->n_vals);
        break;
    default:
        c->v = hs_aggregate(hs_agg_names[p->agg], vals, c->n_vals);
        break;
    }
}

/* Cell c from its contrast sides: first op second, counts added; blank unless both have tasks. */
static void contrast_cell(char op, const hs_cell *a, const hs_cell *b, hs_cell *c)
{
    *c = (hs_cell){.v = NAN, .sd = NAN};
    if (!a->n_tasks || !b->n_tasks)
        return;
    c->n_tasks = a->n_tasks + b->n_tasks;
    c->n_vals = a->n_vals + b->n_vals;
    c->n_na = a->n_na + b->n_na;
    for (int s = 0; s < HS_ST_COUNT; s++)
        c->st[s] = a->st[s] + b->st[s];
    c->side[0] = a->v;
    c->side[1] = b->v;
    c->v = op == '-' ? a->v - b->v : a->v / b->v;
}

static int part_compute(const hs_pivot *p, hs_part *q, hs_err *e)
{
    hs_rowset *rs = &q->rs;
    q->rkey = malloc((rs->n + 1) * sizeof *q->rkey);
    q->ckey = malloc((rs->n + 1) * sizeof *q->ckey);
    if (!q->rkey || !q->ckey)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    HS_CALL(hs_keys_build(rs, q->rcol, p->n_r, q->sel, q->rkey, &q->rk, e));
    HS_CALL(hs_keys_build(rs, q->ccol, p->n_c, q->sel, q->ckey, &q->ck, e));
    if (p->n_c == 0)
        q->ck.n = 1; /* one column per metric even when no task is selected */
    size_t nside = p->con_op ? 2 : 1, nc = q->ck.n, ncell = q->rk.n * nc;
    for (size_t i = 0; i < rs->n; i++)
        if (q->sel[i]) /* from here on: the task's cell and contrast side */
            q->rkey[i] = (q->rkey[i] * nc + q->ckey[i]) * nside + (q->sel[i] - 1u);
    size_t *start, *idx;
    HS_CALL(hs_bucket(ncell * nside, q->rkey, rs->n, &start, &idx, e));
    q->cells = calloc(ncell * p->n_m + 1, sizeof *q->cells);
    double *vals = malloc((rs->n + 1) * sizeof *vals);
    int rc = q->cells && vals ? 0 : HS_FAIL(e, HS_ENOMEM, "out of memory");
    for (size_t c = 0; rc == 0 && c < ncell; c++)
        for (size_t m = 0; m < p->n_m; m++) {
            hs_cell side[2] = {{0}, {0}};
            for (size_t s = 0; s < nside; s++) {
                size_t b = c * nside + s;
                fill_cell(p, q, m, idx + start[b], start[b + 1] - start[b], vals, &side[s]);
            }
            if (p->con_op)
                contrast_cell(p->con_op, &side[0], &side[1], &q->cells[c * p->n_m + m]);
            else
                q->cells[c * p->n_m + m] = side[0];
        }
    for (size_t c = 0; rc == 0 && c < ncell; c++)
        for (int s = 0; s < HS_ST_COUNT; s++)
            q->st_total[s] += q->cells[c * p->n_m].st[s];
    free(vals);
    free(start);
    free(idx);
    return rc;
}

/* The printed rows: every sweep's row keys merged and sorted as one key list. */
static int merge_rows(hs_pivot *p, hs_err *e)
{
    size_t total = 0, nr = p->n_r;
    for (size_t s = 0; s < p->n_p; s++)
        total += p->p[s].rk.n;
    hs_keys all = {.n_cols = nr, .n = total};
    all.text = malloc((total * nr + 1) * sizeof *all.text);
    all.num = malloc((total * nr + 1) * sizeof *all.num);
    size_t *owner = malloc((total + 1) * sizeof *owner), *key = malloc((total + 1) * sizeof *key);
    size_t *perm = malloc((total + 1) * sizeof *perm), *tmp = malloc((total + 1) * sizeof *tmp);
    p->row_key = malloc((total * p->n_p + 1) * sizeof *p->row_key);
    p->rtext = malloc((total * nr + 1) * sizeof *p->rtext);
    int rc = all.text && all.num && owner && key && perm && tmp && p->row_key && p->rtext
                 ? 0
                 : HS_FAIL(e, HS_ENOMEM, "out of memory");
    for (size_t s = 0, j = 0; rc == 0 && s < p->n_p; s++)
        for (size_t k = 0; k < p->p[s].rk.n; k++, j++) {
            memcpy(all.text + j * nr, p->p[s].rk.text + k * nr, nr * sizeof *all.text);
            memcpy(all.num + j * nr, p->p[s].rk.num + k * nr, nr * sizeof *all.num);
            owner[j] = s;
            key[j] = k;
            perm[j] = j;
        }
    if (rc == 0)
        hs_keys_sort(&all, perm, tmp, total);
    for (size_t j = 0; rc == 0 && j < total; j++) {
        size_t a = perm[j];
        if (j == 0 || hs_keys_cmp(&all, perm[j - 1], a) != 0) {
            for (size_t s = 0; s < p->n_p; s++)
                p->row_key[p->n_rows * p->n_p + s] = HS_NO_KEY;
            for (size_t r = 0; r < nr; r++)
                p->rtext[p->n_rows * nr + r] = all.text[a * nr + r];
            p->n_rows++;
        }
        p->row_key[(p->n_rows - 1) * p->n_p + owner[a]] = key[a];
    }
    free(all.text); /* the texts themselves belong to the sweeps' keys */
    free(all.num);
    free(owner);
    free(key);
    free(perm);
    free(tmp);
    return rc;
}

/* Cells with at least one task, over every sweep. */
static size_t count_cells(const hs_pivot *p)
{
    size_t n = 0;
    for (size_t s = 0; s < p->n_p; s++) {
        const hs_part *q = &p->p[s];
        for (size_t c = 0; c < q->rk.n * q->ck.n * p->n_m; c++)
            n += q->cells[c].n_tasks > 0;
    }
    return n;
}

static void part_free(hs_part *q)
{
    hs_filter_free(&q->where);
    free(q->sel);
    free(q->rkey);
    free(q->ckey);
    free(q->cells);
    hs_keys_free(&q->rk);
    hs_keys_free(&q->ck);
    hs_rowset_free(&q->rs);
}

static void pivot_free(hs_pivot *p)
{
    for (size_t s = 0; p->p && s < p->n_p; s++)
        part_free(&p->p[s]);
    free(p->p);
    free(p->row_key);
    free(p->rtext);
    free(p->mbuf);
    free(p->rbuf);
    free(p->cbuf);
    free(p->sbuf);
    free(p->conbuf);
}

/* Options, then each sweep's rows, selection and cells, then the merged rows. */
static int pivot_build(hs_pivot *p, hs_err *e)
{
    const hs_collate_opts *o = p->o;
    const char *f = o->format ? o->format : "md";
    if (p->agg < 0)
        return HS_FAIL(e, HS_EINPUT,
                       "--agg %s: expected mean, median, std, min, max, sum, count, frac_ok or "
                       "mean±std (meanstd)",
                       o->agg);
    if ((p->fmt = parse_format(f)) < 0)
        return HS_FAIL(e, HS_EINPUT,
                       "--format %s: expected md, csv, tsv, json, long-csv or long-tsv", f);
    HS_CALL(parse_metric_names(p, e));
    HS_CALL(parse_contrast(p, e));
    if (o->sweep)
        HS_CALL(split_list(o->sweep, "--sweep", &p->sbuf, p->sname, HS_MAX_SWEEPS, &p->n_p, e));
    size_t n = p->n_p ? p->n_p : 1;
    if (!(p->p = calloc(n, sizeof *p->p)))
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    p->n_p = 0;
    for (size_t s = 0; s < n; s++) {
        HS_CALL(
            hs_rowset_load(o->files, o->n_files, o->sweep ? p->sname[s] : NULL, &p->p[s].rs, e));
        p->n_p++;
    }
    HS_CALL(parse_axis_names(p, e));
    for (size_t s = 0; s < p->n_p; s++) {
        HS_CALL(part_columns(p, &p->p[s], e));
        HS_CALL(part_select(p, &p->p[s], e));
        HS_CALL(part_compute(p, &p->p[s], e));
    }
    return merge_rows(p, e);
}

int hs_collate(const hs_collate_opts *o, FILE *out, size_t *n_cells, hs_err *e)
{
    static hs_pivot zero;
    hs_pivot *p = malloc(sizeof *p);
    if (!p)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    *p = zero;
    p->o = o;
    p->agg = parse_agg(o->agg);
    int rc = pivot_build(p, e);
    if (rc == 0) {
        rc = hs_pivot_print(p, out, e);
        if (n_cells)
            *n_cells = count_cells(p);
    }
    pivot_free(p);
    free(p);
    return rc;
}
