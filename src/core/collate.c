/* `hsweep collate`: pivot a metric of a results file by one or two axes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/collate.h"
#include "hsweep/kernel.h"
#include "hsweep/table.h"

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
        double m = v[0];
        for (size_t i = 1; i < n; i++)
            m = agg[1] == 'i' ? (v[i] < m ? v[i] : m) : (v[i] > m ? v[i] : m);
        return m;
    }
    if (strcmp(agg, "median") == 0) {
        qsort(v, n, sizeof *v, dcmp);
        return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
    }
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    double mean = s / (double)n;
    if (strcmp(agg, "mean") == 0)
        return mean;
    /* std: sample standard deviation (ddof 1), NaN for a single value. */
    if (n < 2)
        return NAN;
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (v[i] - mean) * (v[i] - mean);
    return sqrt(ss / (double)(n - 1));
}

typedef struct keyset {
    char **text;
    double *num;
    size_t n;
} keyset;

static size_t key_index(keyset *k, const char *text, double num)
{
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->text[i], text) == 0)
            return i;
    k->text = realloc(k->text, (k->n + 1) * sizeof *k->text);
    k->num = realloc(k->num, (k->n + 1) * sizeof *k->num);
    k->text[k->n] = strdup(text);
    k->num[k->n] = num;
    return k->n++;
}

/* Sort keys numerically when they are numbers, else as text; perm[i] = old index. */
static void key_order(const keyset *k, size_t *perm)
{
    for (size_t i = 0; i < k->n; i++)
        perm[i] = i;
    for (size_t i = 1; i < k->n; i++)
        for (size_t j = i; j > 0; j--) {
            size_t a = perm[j - 1], b = perm[j];
            int gt = (!isnan(k->num[a]) && !isnan(k->num[b])) ? k->num[a] > k->num[b]
                                                               : strcmp(k->text[a], k->text[b]) > 0;
            if (!gt)
                break;
            perm[j - 1] = b;
            perm[j] = a;
        }
}

static void keyset_free(keyset *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->text[i]);
    free(k->text);
    free(k->num);
}

static int axis_col(const hs_table *t, const char *name, const char *file, hs_err *e)
{
    int c = hs_table_col(t, name);
    if (c < 0 || strcmp(name, "status") == 0)
        return HS_FAIL(e, HS_EINPUT, "%s: sweep '%s' has no axis or parameter '%s' (axes: %s%s%s)",
                       file, t->sweep, name, t->n_axes ? t->axes[0] : "none",
                       t->n_axes > 1 ? ", " : "", t->n_axes > 1 ? t->axes[1] : "");
    return c;
}

int hs_collate(const hs_collate_opts *o, FILE *out, hs_err *e)
{
    const char *agg = o->agg ? o->agg : "mean";
    const char *fmt = o->format ? o->format : "md";
    static const char *const aggs[] = {"mean", "median", "min", "max", "std", "count"};
    int agg_ok = 0;
    for (size_t i = 0; i < 6; i++)
        agg_ok |= strcmp(agg, aggs[i]) == 0;
    if (!agg_ok)
        return HS_FAIL(e, HS_EINPUT, "--agg %s: expected mean, median, min, max, std or count", agg);
    if (strcmp(fmt, "md") != 0 && strcmp(fmt, "csv") != 0)
        return HS_FAIL(e, HS_EINPUT, "--format %s: expected md or csv", fmt);
    if (!o->metric)
        return HS_FAIL(e, HS_EINPUT, "collate needs --metric NAME");
    char **names;
    size_t nn;
    HS_CALL(hs_table_list(o->file, &names, &nn, e));
    const char *sweep = o->sweep;
    if (!sweep && nn > 1) {
        hs_table_list_free(names, nn);
        return HS_FAIL(e, HS_EINPUT, "%s: holds %zu sweeps; choose one with --sweep", o->file, nn);
    }
    hs_table t;
    int rc = hs_table_read(o->file, sweep ? sweep : names[0], &t, e);
    hs_table_list_free(names, nn);
    if (rc)
        return rc;
    int mc = hs_table_col(&t, o->metric);
    int rcol = o->rows ? axis_col(&t, o->rows, o->file, e) : -2;
    int ccol = o->cols ? axis_col(&t, o->cols, o->file, e) : -2;
    int sc = hs_table_col(&t, "status");
    if (mc < 0 || t.col[mc].kind == HS_COL_STRING) {
        rc = HS_FAIL(e, HS_EINPUT, "%s: sweep '%s' has no numeric column '%s'", o->file, t.sweep,
                     o->metric);
    } else if (rcol == -1 || ccol == -1) {
        rc = e->code;
    }
    if (rc) {
        hs_table_free(&t);
        return rc;
    }
    keyset rk = {0}, ck = {0};
    size_t *ri = calloc(t.n_rows + 1, sizeof *ri), *ci = calloc(t.n_rows + 1, sizeof *ci);
    size_t pending = 0;
    char buf[512];
    for (size_t r = 0; r < t.n_rows; r++) {
        if (hs_table_num(&t, r, sc) == 0) {
            pending++;
            ri[r] = (size_t)-1;
            continue;
        }
        ri[r] = rcol >= 0 ? key_index(&rk, hs_table_text(&t, r, rcol, buf, sizeof buf),
                                      t.col[rcol].kind == HS_COL_STRING ? NAN : hs_table_num(&t, r, rcol))
                          : key_index(&rk, "all", NAN);
        ci[r] = ccol >= 0 ? key_index(&ck, hs_table_text(&t, r, ccol, buf, sizeof buf),
                                      t.col[ccol].kind == HS_COL_STRING ? NAN : hs_table_num(&t, r, ccol))
                          : key_index(&ck, o->metric, NAN);
    }
    size_t *rp = calloc(rk.n + 1, sizeof *rp), *cp = calloc(ck.n + 1, sizeof *cp);
    double *vals = malloc((t.n_rows + 1) * sizeof *vals);
    key_order(&rk, rp);
    key_order(&ck, cp);
    int md = strcmp(fmt, "md") == 0;
    const char *rname = o->rows ? o->rows : "";
    /* header */
    if (md) {
        if (o->cols)
            fprintf(out, "| %s \\ %s |", rname, o->cols);
        else
            fprintf(out, "| %s |", rname);
        for (size_t j = 0; j < ck.n; j++)
            fprintf(out, " %s |", ck.text[cp[j]]);
        fprintf(out, "\n|---|");
        for (size_t j = 0; j < ck.n; j++)
            fprintf(out, "---:|");
        fprintf(out, "\n");
    } else {
        fprintf(out, "%s", rname);
        for (size_t j = 0; j < ck.n; j++)
            fprintf(out, ",%s", ck.text[cp[j]]);
        fprintf(out, "\n");
    }
    for (size_t i = 0; i < rk.n; i++) {
        size_t a = rp[i];
        fprintf(out, md ? "| %s |" : "%s", rk.text[a]);
        for (size_t j = 0; j < ck.n; j++) {
            size_t b = cp[j], n = 0;
            for (size_t r = 0; r < t.n_rows; r++)
                if (ri[r] == a && ci[r] == b) {
                    double x = hs_table_num(&t, r, mc);
                    if (isfinite(x))
                        vals[n++] = x;
                }
            double v = hs_aggregate(agg, vals, n);
            if (isnan(v))
                fprintf(out, md ? " n/a |" : ",");
            else
                fprintf(out, md ? " %.6g |" : ",%.17g", v);
        }
        fprintf(out, "\n");
    }
    if (md && pending)
        fprintf(out, "\n%zu of %zu tasks not run yet (pending) are not included.\n", pending, t.n_rows);
    free(ri);
    free(ci);
    free(rp);
    free(cp);
    free(vals);
    keyset_free(&rk);
    keyset_free(&ck);
    hs_table_free(&t);
    return 0;
}
