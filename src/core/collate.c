/* `hsweep collate`: pivot tables of one sweep's metrics from one or more results files. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/collate_impl.h"
#include "hsweep/json.h"
#include "hsweep/collate.h"
#include "hsweep/kernel.h"
#include "hsweep/store.h"

/* ---- small helpers ------------------------------------------------------- */

/* Open-addressing string set: key -> insertion index. */
typedef struct strmap {
    size_t cap, n;
    char **key;
    size_t *val;
} strmap;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a 64-bit offset basis and prime */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int strmap_init(strmap *m, size_t expect)
{
    m->cap = 16;
    while (m->cap < 2 * expect + 2)
        m->cap *= 2;
    m->n = 0;
    m->key = calloc(m->cap, sizeof *m->key);
    m->val = calloc(m->cap, sizeof *m->val);
    return m->key && m->val ? 0 : -1;
}

static void strmap_free(strmap *m)
{
    for (size_t i = 0; m->key && i < m->cap; i++)
        free(m->key[i]);
    free(m->key);
    free(m->val);
    memset(m, 0, sizeof *m);
}

/* Index of key (inserted with the next index if new, *added = 1); (size_t)-1 on ENOMEM.
 * The map is sized for its final count by strmap_init, so it never grows. */
static size_t strmap_put(strmap *m, const char *key, int *added)
{
    size_t mask = m->cap - 1, h = (size_t)fnv1a(key) & mask;
    *added = 0;
    while (m->key[h]) {
        if (strcmp(m->key[h], key) == 0)
            return m->val[h];
        h = (h + 1) & mask;
    }
    if (2 * (m->n + 1) > m->cap || !(m->key[h] = strdup(key)))
        return (size_t)-1;
    *added = 1;
    m->val[h] = m->n;
    return m->n++;
}

static void join(char *const *names, size_t n, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", names[i]);
}

static int in_list(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

void hs_collate_json_key(FILE *out, const hs_rowset *rs, int col, const char *text, double num)
{
    if (col < 0 || !hs_rowset_numeric(rs, col))
        hs_json_str(out, text);
    else if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
        fputs(text, out);
    else
        hs_json_num(out, num);
}

void hs_collate_md_value(char *buf, size_t cap, double v, double sd, size_t n_na, size_t n_tasks)
{
    size_t used;
    if (isnan(v))
        used = (size_t)snprintf(buf, cap, "–");
    else if (!isnan(sd))
        used = (size_t)snprintf(buf, cap, "%.6g ± %.3g", v, sd);
    else
        used = (size_t)snprintf(buf, cap, "%.6g", v);
    if (n_na && used < cap)
        snprintf(buf + used, cap - used, " (%zu/%zu n/a)", n_na, n_tasks);
}

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

/* ---- the rowset ------------------------------------------------------------ */

void hs_rowset_free(hs_rowset *rs)
{
    for (size_t i = 0; i < rs->n_files; i++) {
        hs_table_free(&rs->t[i]);
        free(rs->file[i]);
    }
    free(rs->t);
    free(rs->file);
    free(rs->sweep);
    free(rs->kernel_name);
    free(rs->tab);
    free(rs->row);
    for (size_t i = 0; i < rs->n_axes; i++)
        free(rs->axes[i]);
    free(rs->axes);
    hs_sweepset_free(&rs->set);
    free(rs->param_col);
    free(rs->scratch);
    free(rs->scratch_text);
    memset(rs, 0, sizeof *rs);
}

int hs_rowset_col(const hs_rowset *rs, const char *name)
{
    if (strcmp(name, "frac_ok") == 0)
        return HS_COL_FRAC_OK;
    return hs_table_col(&rs->t[0], name);
}

double hs_rowset_num(const hs_rowset *rs, size_t i, int col)
{
    return hs_table_num(&rs->t[rs->tab[i]], rs->row[i], col);
}

const char *hs_rowset_text(const hs_rowset *rs, size_t i, int col, char *buf, size_t cap)
{
    return hs_table_text(&rs->t[rs->tab[i]], rs->row[i], col, buf, cap);
}

int hs_rowset_status(const hs_rowset *rs, size_t i)
{
    return (int)hs_rowset_num(rs, i, rs->status_col);
}

int hs_rowset_numeric(const hs_rowset *rs, int col)
{
    return rs->t[0].col[col].kind != HS_COL_STRING;
}

double hs_rowset_value(const hs_rowset *rs, size_t i, int col)
{
    int s = hs_rowset_status(rs, i);
    if (col == HS_COL_FRAC_OK)
        return s == HS_ST_OK;
    if (s != HS_ST_OK && s != HS_ST_NONFINITE && s != HS_ST_DIVERGED)
        return NAN;
    double v = hs_rowset_num(rs, i, col);
    return isfinite(v) ? v : NAN;
}

#define TEXT_CAP 512

int hs_rowset_match(hs_rowset *rs, size_t i, const hs_filter *f)
{
    for (size_t c = 0; c < f->n; c++) {
        int p = f->c[c].param;
        if (p < 0)
            continue;
        int col = rs->param_col[p];
        hs_value *v = &rs->scratch[p];
        switch (rs->kernel->params[p].type) {
        case HS_T_INT:
            v->i = (int64_t)hs_rowset_num(rs, i, col);
            break;
        case HS_T_REAL:
            v->r = hs_rowset_num(rs, i, col);
            break;
        case HS_T_BOOL:
            v->b = hs_rowset_num(rs, i, col) != 0;
            break;
        default:
            v->s = hs_rowset_text(rs, i, col, rs->scratch_text + (size_t)p * TEXT_CAP, TEXT_CAP);
            break;
        }
    }
    int64_t seed = rs->seed_col >= 0 ? (int64_t)hs_rowset_num(rs, i, rs->seed_col) : 0;
    return hs_filter_match(rs->kernel, f, rs->scratch, seed);
}

static const char *kind_name(hs_col_kind k)
{
    static const char *const n[] = {"int", "uint", "float", "string", "enum"};
    return n[k];
}

/* Sweeps of files a and b merge if they ran the same kernel with the same columns. */
static int check_merge(const hs_table *a, const char *fa, const hs_table *b, const char *fb,
                       hs_err *e)
{
    if (strcmp(a->kernel, b->kernel) != 0)
        return HS_FAIL(e, HS_EINPUT,
                       "cannot merge %s and %s: sweep '%s' ran kernel '%s' in %s but '%s' in %s",
                       fa, fb, a->sweep, a->kernel, fa, b->kernel, fb);
    const hs_table *t[2] = {a, b};
    const char *f[2] = {fa, fb};
    for (int s = 0; s < 2; s++) {
        const hs_table *x = t[s], *y = t[1 - s];
        for (size_t i = 0; i < x->n_params; i++)
            if (!in_list(y->params, y->n_params, x->params[i]))
                return HS_FAIL(e, HS_EINPUT,
                               "cannot merge %s and %s: sweep '%s' has parameter '%s' in %s only",
                               fa, fb, a->sweep, x->params[i], f[s]);
        for (size_t i = 0; i < x->n_metrics; i++)
            if (!in_list(y->metrics, y->n_metrics, x->metrics[i]))
                return HS_FAIL(e, HS_EINPUT,
                               "cannot merge %s and %s: sweep '%s' has metric '%s' in %s only", fa,
                               fb, a->sweep, x->metrics[i], f[s]);
    }
    for (size_t i = 0; i < a->n_cols || i < b->n_cols; i++) {
        const hs_col *ca = i < a->n_cols ? &a->col[i] : NULL,
                     *cb = i < b->n_cols ? &b->col[i] : NULL;
        if (!ca || !cb || strcmp(ca->name, cb->name) != 0 || ca->kind != cb->kind)
            return HS_FAIL(
                e, HS_EINPUT,
                "cannot merge %s and %s: sweep '%s' has different task tables (column %zu is "
                "'%s' (%s) in %s but '%s' (%s) in %s)",
                fa, fb, a->sweep, i, ca ? ca->name : "none", ca ? kind_name(ca->kind) : "-", fa,
                cb ? cb->name : "none", cb ? kind_name(cb->kind) : "-", fb);
    }
    return 0;
}

/* Identity of row r of table t: exact values of every parameter and the seed. */
static void row_identity(const hs_table *t, size_t r, const int *cols, size_t n, char *buf,
                         size_t cap)
{
    size_t used = 0;
    char tmp[TEXT_CAP];
    buf[0] = 0;
    for (size_t c = 0; c < n && used < cap; c++) {
        const char *s =
            t->col[cols[c]].kind == HS_COL_STRING
                ? hs_table_text(t, r, cols[c], tmp, sizeof tmp)
                : (snprintf(tmp, sizeof tmp, "%.17g", hs_table_num(t, r, cols[c])), tmp);
        used += (size_t)snprintf(buf + used, cap - used, "%s\x1f", s);
    }
}

static int open_tables(const char *const *files, size_t n_files, const char *sweep, hs_rowset *rs,
                       hs_err *e)
{
    rs->file = calloc(n_files, sizeof *rs->file);
    rs->t = calloc(n_files, sizeof *rs->t);
    if (!rs->file || !rs->t)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n_files; i++) {
        char **names;
        size_t nn;
        HS_CALL(hs_table_list(files[i], &names, &nn, e));
        char list[1024];
        join(names, nn, list, sizeof list);
        const char *want = i ? rs->sweep : sweep;
        int rc = 0;
        if (!want && nn > 1)
            rc = HS_FAIL(e, HS_EINPUT, "%s: holds %zu sweeps (%s); choose one with --sweep",
                         files[i], nn, list);
        else if (want && !in_list(names, nn, want))
            rc =
                HS_FAIL(e, HS_EINPUT, "%s: has no sweep '%s' (it holds: %s)", files[i], want, list);
        if (rc == 0 && i == 0 && !(rs->sweep = strdup(want ? want : names[0])))
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
        hs_table_list_free(names, nn);
        HS_CALL(rc);
        HS_CALL(hs_table_read(files[i], rs->sweep, &rs->t[i], e));
        rs->file[i] = strdup(files[i]);
        rs->n_files++;
        if (!rs->file[i])
            return HS_FAIL(e, HS_ENOMEM, "out of memory");
        if (i)
            HS_CALL(check_merge(&rs->t[0], files[0], &rs->t[i], files[i], e));
    }
    return 0;
}

static int add_axis(hs_rowset *rs, const char *name)
{
    if (in_list(rs->axes, rs->n_axes, name))
        return 0;
    char **a = realloc(rs->axes, (rs->n_axes + 1) * sizeof *a);
    if (!a)
        return -1;
    rs->axes = a;
    if (!(rs->axes[rs->n_axes] = strdup(name)))
        return -1;
    rs->n_axes++;
    return 0;
}

/* Distinct finished tasks over all tables (first file wins), and distinct pending ones. */
static int index_tasks(hs_rowset *rs, hs_err *e)
{
    const hs_table *t0 = &rs->t[0];
    size_t total = 0;
    for (size_t i = 0; i < rs->n_files; i++)
        total += rs->t[i].n_rows;
    int *idc = calloc(t0->n_params + 1, sizeof *idc);
    size_t nid = 0;
    for (size_t p = 0; idc && p < t0->n_params; p++)
        if (hs_table_col(t0, t0->params[p]) >= 0)
            idc[nid++] = hs_table_col(t0, t0->params[p]);
    if (idc && rs->seed_col >= 0)
        idc[nid++] = rs->seed_col;
    strmap m = {0};
    size_t keycap = 16 * TEXT_CAP;
    char *key = malloc(keycap);
    rs->tab = malloc((total + 1) * sizeof *rs->tab);
    rs->row = malloc((total + 1) * sizeof *rs->row);
    int rc = (!idc || !key || !rs->tab || !rs->row || strmap_init(&m, total) != 0) ? -1 : 0;
    for (int pass = 0; rc == 0 && pass < 2; pass++)
        for (size_t i = 0; rc == 0 && i < rs->n_files; i++)
            for (size_t r = 0; rc == 0 && r < rs->t[i].n_rows; r++) {
                int pending = hs_table_num(&rs->t[i], r, rs->status_col) == HS_ST_PENDING;
                if (pending != pass)
                    continue;
                row_identity(&rs->t[i], r, idc, nid, key, keycap);
                int added;
                if (strmap_put(&m, key, &added) == (size_t)-1)
                    rc = -1;
                else if (added && !pending) {
                    rs->tab[rs->n] = i;
                    rs->row[rs->n++] = r;
                } else if (added) {
                    rs->pending++;
                } else if (!pending) {
                    rs->duplicates++;
                }
            }
    strmap_free(&m);
    free(key);
    free(idc);
    return rc ? HS_FAIL(e, HS_ENOMEM, "out of memory indexing %zu tasks", total) : 0;
}

/* The sweep file stored in the first results file, re-parsed for its rules. */
static void load_sweepset(hs_rowset *rs)
{
    char *text = NULL, *path = NULL;
    hs_err e;
    hs_load_opts lo = {.max_tasks = UINT64_MAX, .skip_checks = 1,
                       .reduced = hs_store_is_reduced(rs->file[0])};
    if (hs_store_read_root_attr(rs->file[0], "config_text", &text, &e) != 0 ||
        hs_store_read_root_attr(rs->file[0], "config_path", &path, &e) != 0 ||
        hs_sweepset_parse(path, text, &lo, &rs->set, &e) != 0) {
        snprintf(rs->set_err, sizeof rs->set_err, "%s", e.msg);
    } else {
        int si = hs_sweepset_find(rs->set, rs->sweep);
        if (si >= 0)
            rs->sw = &rs->set->sweeps[si];
        else
            snprintf(rs->set_err, sizeof rs->set_err, "%s: its sweep file has no sweep '%s'",
                     rs->file[0], rs->sweep);
    }
    free(text);
    free(path);
}

int hs_rowset_load(const char *const *files, size_t n_files, const char *sweep, hs_rowset *rs,
                   hs_err *e)
{
    memset(rs, 0, sizeof *rs);
    int rc = n_files ? open_tables(files, n_files, sweep, rs, e)
                     : HS_FAIL(e, HS_EINPUT, "needs at least one results file");
    const hs_table *t0 = rc == 0 ? &rs->t[0] : NULL;
    if (rc == 0) {
        rs->status_col = hs_table_col(t0, "status");
        rs->seed_col = hs_table_col(t0, "seed");
        rs->kernel_name = strdup(t0->kernel);
        if (rs->status_col < 0)
            rc = HS_FAIL(e, HS_EINPUT, "%s: sweep '%s' has no status column", files[0], rs->sweep);
        else if (!rs->kernel_name)
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; rc == 0 && i < rs->n_files; i++)
        for (size_t a = 0; rc == 0 && a < rs->t[i].n_axes; a++)
            if (strcmp(rs->t[i].axes[a], "seed") != 0 && add_axis(rs, rs->t[i].axes[a]) != 0)
                rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < rs->n_files; i++)
        if (in_list(rs->t[i].axes, rs->t[i].n_axes, "seed") && add_axis(rs, "seed") != 0)
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
    if (rc == 0)
        rc = index_tasks(rs, e);
    if (rc == 0)
        load_sweepset(rs);
    /* exec and plug-in kernels exist only through their sweep: take the table
     * from the sweep file stored in the results file (a built-in's is the same). */
    if (rc == 0)
        rs->kernel = rs->sw && strcmp(rs->sw->kernel->name, rs->kernel_name) == 0
                         ? rs->sw->kernel
                         : hs_kernel_find(rs->kernel_name);
    if (rc == 0 && rs->kernel) {
        size_t np = rs->kernel->n_params;
        rs->param_col = calloc(np + 1, sizeof *rs->param_col);
        rs->scratch = calloc(np + 1, sizeof *rs->scratch);
        rs->scratch_text = calloc(np + 1, TEXT_CAP);
        if (!rs->param_col || !rs->scratch || !rs->scratch_text)
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
        for (size_t p = 0; rc == 0 && p < np && rs->kernel; p++)
            if ((rs->param_col[p] = hs_table_col(t0, rs->kernel->params[p].name)) < 0)
                rs->kernel = NULL; /* the file was written by another version of the kernel */
    }
    if (rc)
        hs_rowset_free(rs);
    return rc;
}

/* ---- keys ------------------------------------------------------------------- */

void hs_keys_free(hs_keys *k)
{
    for (size_t i = 0; k->text && i < k->n * k->n_cols; i++)
        free(k->text[i]);
    free(k->text);
    free(k->num);
    memset(k, 0, sizeof *k);
}

static int key_cmp(const hs_keys *k, size_t a, size_t b)
{
    for (size_t c = 0; c < k->n_cols; c++) {
        double x = k->num[a * k->n_cols + c], y = k->num[b * k->n_cols + c];
        int r = (!isnan(x) && !isnan(y))
                    ? (x > y) - (x < y)
                    : strcmp(k->text[a * k->n_cols + c], k->text[b * k->n_cols + c]);
        if (r)
            return r;
    }
    return 0;
}

/* Stable merge sort of perm[0..n) by key_cmp (qsort has no context argument). */
static void key_sort(const hs_keys *k, size_t *perm, size_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    key_sort(k, perm, tmp, h);
    key_sort(k, perm + h, tmp, n - h);
    size_t i = 0, j = h, o = 0;
    while (i < h || j < n)
        tmp[o++] = (j >= n || (i < h && key_cmp(k, perm[i], perm[j]) <= 0)) ? perm[i++] : perm[j++];
    memcpy(perm, tmp, n * sizeof *perm);
}

int hs_keys_build(const hs_rowset *rs, const int *cols, size_t n_cols, const unsigned char *sel,
                  size_t *key_of, hs_keys *k, hs_err *e)
{
    memset(k, 0, sizeof *k);
    k->n_cols = n_cols;
    k->col = cols;
    strmap m = {0};
    size_t cap = (n_cols + 1) * TEXT_CAP, nsel = 0;
    for (size_t i = 0; i < rs->n; i++)
        nsel += sel[i] != 0;
    char *id = malloc(cap), *disp = malloc(TEXT_CAP);
    size_t *prov = malloc((rs->n + 1) * sizeof *prov);
    int rc = (!id || !disp || !prov || strmap_init(&m, nsel) != 0) ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < rs->n; i++) {
        prov[i] = (size_t)-1;
        if (!sel[i])
            continue;
        size_t used = 0;
        id[0] = 0;
        for (size_t c = 0; c < n_cols; c++) {
            const char *s =
                hs_rowset_numeric(rs, cols[c])
                    ? (snprintf(disp, TEXT_CAP, "%.17g", hs_rowset_num(rs, i, cols[c])), disp)
                    : hs_rowset_text(rs, i, cols[c], disp, TEXT_CAP);
            used += (size_t)snprintf(id + used, cap - used, "%s\x1f", s);
        }
        int added;
        prov[i] = strmap_put(&m, id, &added);
        if (prov[i] == (size_t)-1) {
            rc = -1;
        } else if (added) {
            char **nt = realloc(k->text, (k->n + 1) * (n_cols + 1) * sizeof *nt);
            double *nn = nt ? realloc(k->num, (k->n + 1) * (n_cols + 1) * sizeof *nn) : NULL;
            if (nt)
                k->text = nt;
            if (nn)
                k->num = nn;
            for (size_t c = 0; nn && c < n_cols; c++) {
                k->num[k->n * n_cols + c] =
                    hs_rowset_numeric(rs, cols[c]) ? hs_rowset_num(rs, i, cols[c]) : NAN;
                k->text[k->n * n_cols + c] = strdup(hs_rowset_text(rs, i, cols[c], disp, TEXT_CAP));
                rc |= k->text[k->n * n_cols + c] ? 0 : -1;
            }
            if (!nn)
                rc = -1;
            else
                k->n++;
        }
    }
    size_t *perm = rc == 0 ? malloc((k->n + 1) * sizeof *perm) : NULL;
    size_t *tmp = perm ? malloc((k->n + 1) * sizeof *tmp) : NULL;
    char **text = tmp ? malloc((k->n * n_cols + 1) * sizeof *text) : NULL;
    double *num = text ? malloc((k->n * n_cols + 1) * sizeof *num) : NULL;
    if (!num) {
        rc = -1;
    } else {
        for (size_t j = 0; j < k->n; j++)
            perm[j] = j;
        key_sort(k, perm, tmp, k->n);
        for (size_t j = 0; j < k->n; j++) {
            tmp[perm[j]] = j; /* rank of provisional key perm[j] */
            for (size_t c = 0; c < n_cols; c++) {
                text[j * n_cols + c] = k->text[perm[j] * n_cols + c];
                num[j * n_cols + c] = k->num[perm[j] * n_cols + c];
            }
        }
        for (size_t i = 0; i < rs->n; i++)
            key_of[i] = prov[i] == (size_t)-1 ? (size_t)-1 : tmp[prov[i]];
        free(k->text);
        free(k->num);
        k->text = text;
        k->num = num;
        text = NULL;
        num = NULL;
    }
    free(text);
    free(num);
    free(perm);
    free(tmp);
    free(prov);
    free(id);
    free(disp);
    strmap_free(&m);
    if (rc) {
        hs_keys_free(k);
        return HS_FAIL(e, HS_ENOMEM, "out of memory building table keys");
    }
    return 0;
}

int hs_bucket(size_t n_keys, const size_t *key_of, size_t n_tasks, size_t **start, size_t **idx,
              hs_err *e)
{
    *start = calloc(n_keys + 2, sizeof **start);
    *idx = malloc((n_tasks + 1) * sizeof **idx);
    if (!*start || !*idx) {
        free(*start);
        free(*idx);
        *start = *idx = NULL;
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    size_t *s = *start;
    for (size_t i = 0; i < n_tasks; i++)
        if (key_of[i] < n_keys)
            s[key_of[i] + 2]++;
    for (size_t j = 2; j < n_keys + 2; j++)
        s[j] += s[j - 1];
    for (size_t i = 0; i < n_tasks; i++)
        if (key_of[i] < n_keys)
            (*idx)[s[key_of[i] + 1]++] = i;
    return 0;
}

/* ---- the pivot table ------------------------------------------------------- */

enum { AGG_MEAN, AGG_MEDIAN, AGG_STD, AGG_MIN, AGG_MAX, AGG_COUNT, AGG_FRAC_OK, AGG_MEANSTD };
static const char *const agg_names[] = {"mean", "median", "std",     "min",
                                        "max",  "count",  "frac_ok", "mean±std"};
enum { FMT_MD, FMT_CSV, FMT_TSV, FMT_JSON };

#define MAX_METRICS 64
#define STATUS_COL (-3) /* the metric "status": counts per status */

typedef struct cell {
    size_t n_tasks, n_vals, n_na;
    size_t st[HS_ST_COUNT];
    double v, sd;
} cell;

typedef struct pivot {
    const hs_collate_opts *o;
    hs_rowset rs;
    int agg, fmt;
    size_t n_m;
    char *mname[MAX_METRICS];
    int mcol[MAX_METRICS];
    int rcol[HS_MAX_AXES];
    size_t n_r;
    int ccol;
    hs_filter where;
    unsigned char *sel;
    size_t n_sel, n_where_out;
    hs_keys rk, ck;
    size_t *rkey, *ckey;
    cell *cells; /* [row][col][metric] */
    size_t na_status[MAX_METRICS][HS_ST_COUNT];
    size_t na_value[MAX_METRICS];
    size_t st_total[HS_ST_COUNT];
    char *mbuf;
} pivot;

static int parse_agg(const char *s)
{
    if (!s)
        return AGG_MEAN;
    if (strcmp(s, "meanstd") == 0 || strcmp(s, "mean+-std") == 0)
        return AGG_MEANSTD;
    for (int i = 0; i <= AGG_MEANSTD; i++)
        if (strcmp(s, agg_names[i]) == 0)
            return i;
    return -1;
}

static int axis_col(const hs_rowset *rs, const char *name, hs_err *e)
{
    const hs_table *t = &rs->t[0];
    int c = hs_table_col(t, name);
    if (c < 0 || (strcmp(name, "seed") != 0 && !in_list(t->params, t->n_params, name))) {
        char axes[1024];
        join(rs->axes, rs->n_axes, axes, sizeof axes);
        return HS_FAIL(e, HS_EINPUT, "%s: sweep '%s' has no axis or parameter '%s' (axes: %s)",
                       rs->file[0], rs->sweep, name, rs->n_axes ? axes : "none");
    }
    return c;
}

static int parse_metrics(pivot *p, hs_err *e)
{
    const hs_collate_opts *o = p->o;
    size_t len = sizeof "frac_ok";
    for (size_t i = 0; i < o->n_metrics; i++)
        len += strlen(o->metrics[i]) + 1;
    if (!(p->mbuf = malloc(len)))
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    p->mbuf[0] = 0;
    for (size_t i = 0; i < o->n_metrics; i++)
        strcat(strcat(p->mbuf, i ? "," : ""), o->metrics[i]);
    if (o->n_metrics == 0 && p->agg == AGG_FRAC_OK)
        strcpy(p->mbuf, "frac_ok");
    char *save = NULL;
    for (char *m = strtok_r(p->mbuf, ", ", &save); m; m = strtok_r(NULL, ", ", &save)) {
        if (p->n_m == MAX_METRICS)
            return HS_FAIL(e, HS_EINPUT, "at most %d metrics at once", MAX_METRICS);
        int c = strcmp(m, "status") == 0 ? STATUS_COL : hs_rowset_col(&p->rs, m);
        if (c == -1 || (c >= 0 && !hs_rowset_numeric(&p->rs, c)) ||
            (c >= 0 && c == p->rs.status_col)) {
            char ms[1024];
            join(p->rs.t[0].metrics, p->rs.t[0].n_metrics, ms, sizeof ms);
            return HS_FAIL(
                e, HS_EINPUT,
                "%s: sweep '%s' has no numeric column '%s' (metrics: %s; also status, frac_ok, "
                "wall_s, peak_rss_kb, attempts)",
                p->rs.file[0], p->rs.sweep, m, ms);
        }
        p->mname[p->n_m] = m;
        p->mcol[p->n_m++] = c;
    }
    if (p->n_m == 0)
        return HS_FAIL(e, HS_EINPUT, "collate needs --metric NAME (a metric, status or frac_ok)");
    return 0;
}

static int parse_axes(pivot *p, hs_err *e)
{
    const hs_collate_opts *o = p->o;
    p->ccol = -1;
    if (o->cols) {
        if (strchr(o->cols, ','))
            return HS_FAIL(e, HS_EINPUT, "--cols takes one axis, got '%s'", o->cols);
        p->ccol = axis_col(&p->rs, o->cols, e);
        if (p->ccol < 0)
            return e->code;
    }
    if (o->rows) {
        char buf[1024];
        snprintf(buf, sizeof buf, "%s", o->rows);
        char *save = NULL;
        for (char *a = strtok_r(buf, ", ", &save); a; a = strtok_r(NULL, ", ", &save)) {
            int c = axis_col(&p->rs, a, e);
            if (c < 0)
                return e->code;
            if (c == p->ccol)
                return HS_FAIL(e, HS_EINPUT, "'%s' is given both as --rows and --cols", a);
            if (p->n_r == HS_MAX_AXES)
                return HS_FAIL(e, HS_EINPUT, "--rows: at most %d axes", HS_MAX_AXES);
            p->rcol[p->n_r++] = c;
        }
        return 0;
    }
    for (size_t a = 0; a < p->rs.n_axes && p->n_r < HS_MAX_AXES; a++) {
        int c = hs_table_col(&p->rs.t[0], p->rs.axes[a]);
        if (c >= 0 && c != p->ccol && strcmp(p->rs.axes[a], "seed") != 0)
            p->rcol[p->n_r++] = c;
    }
    return 0;
}

static int select_tasks(pivot *p, hs_err *e)
{
    const hs_collate_opts *o = p->o;
    if (o->n_where && !p->rs.kernel)
        return HS_FAIL(e, HS_EINPUT, "--where: this hsweep does not know kernel '%s' of sweep '%s'",
                       p->rs.kernel_name, p->rs.sweep);
    for (size_t i = 0; i < o->n_where; i++)
        HS_CALL(hs_filter_parse(p->rs.kernel, o->where[i], &p->where, e));
    p->sel = malloc(p->rs.n + 1);
    if (!p->sel)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    for (size_t i = 0; i < p->rs.n; i++) {
        p->sel[i] = p->where.n == 0 || hs_rowset_match(&p->rs, i, &p->where);
        p->n_sel += p->sel[i];
    }
    p->n_where_out = p->rs.n - p->n_sel;
    return 0;
}

static void fill_cell(pivot *p, size_t m, const size_t *idx, size_t n, double *vals, cell *c)
{
    int col = p->mcol[m];
    for (size_t t = 0; t < n; t++) {
        size_t i = idx[t];
        int s = hs_rowset_status(&p->rs, i);
        c->n_tasks++;
        if (s >= 0 && s < HS_ST_COUNT)
            c->st[s]++;
        if (col == STATUS_COL)
            continue;
        double v = hs_rowset_value(&p->rs, i, col);
        if (!isnan(v)) {
            vals[c->n_vals++] = v;
        } else {
            c->n_na++;
            if (s == HS_ST_OK || s == HS_ST_NONFINITE || s == HS_ST_DIVERGED)
                p->na_value[m]++;
            else if (s >= 0 && s < HS_ST_COUNT)
                p->na_status[m][s]++;
        }
    }
    c->sd = NAN;
    switch (p->agg) {
    case AGG_FRAC_OK:
        c->v = c->n_tasks ? (double)c->st[HS_ST_OK] / (double)c->n_tasks : NAN;
        break;
    case AGG_MEANSTD:
        c->sd = hs_aggregate("std", vals, c->n_vals);
        c->v = hs_aggregate("mean", vals, c->n_vals);
        break;
    default:
        c->v = hs_aggregate(agg_names[p->agg], vals, c->n_vals);
        break;
    }
}

static int compute(pivot *p, hs_err *e)
{
    HS_CALL(hs_keys_build(&p->rs, p->rcol, p->n_r, p->sel, p->rkey, &p->rk, e));
    HS_CALL(hs_keys_build(&p->rs, &p->ccol, p->ccol >= 0, p->sel, p->ckey, &p->ck, e));
    if (p->ccol < 0)
        p->ck.n = 1; /* one column per metric even when no task is selected */
    size_t nr = p->rk.n, nc = p->ck.n, ncell = nr * nc;
    for (size_t i = 0; i < p->rs.n; i++)
        if (p->sel[i])
            p->rkey[i] = p->rkey[i] * nc + p->ckey[i]; /* from here on: the task's cell */
    size_t *start, *idx;
    HS_CALL(hs_bucket(ncell, p->rkey, p->rs.n, &start, &idx, e));
    p->cells = calloc(ncell * p->n_m + 1, sizeof *p->cells);
    double *vals = malloc((p->rs.n + 1) * sizeof *vals);
    int rc = p->cells && vals ? 0 : HS_FAIL(e, HS_ENOMEM, "out of memory");
    for (size_t c = 0; rc == 0 && c < ncell; c++)
        for (size_t m = 0; m < p->n_m; m++)
            fill_cell(p, m, idx + start[c], start[c + 1] - start[c], vals,
                      &p->cells[c * p->n_m + m]);
    for (size_t c = 0; rc == 0 && c < ncell; c++)
        for (int s = 0; s < HS_ST_COUNT; s++)
            p->st_total[s] += p->cells[c * p->n_m].st[s];
    free(vals);
    free(start);
    free(idx);
    return rc;
}

/* Output columns: for each metric (slowest), each column key, each sub-column. */
typedef struct outcol {
    size_t m, ck;
    int sub; /* status code (status), 0 mean / 1 std (mean±std in csv/tsv), else -1 */
} outcol;

static size_t out_columns(const pivot *p, outcol *oc)
{
    size_t n = 0;
    for (size_t m = 0; m < p->n_m; m++)
        for (size_t ck = 0; ck < p->ck.n; ck++) {
            if (p->mcol[m] == STATUS_COL) {
                for (int s = HS_ST_OK; s < HS_ST_COUNT; s++)
                    if (s == HS_ST_OK || p->st_total[s])
                        oc[n++] = (outcol){m, ck, s};
            } else if (p->agg == AGG_MEANSTD && (p->fmt == FMT_CSV || p->fmt == FMT_TSV)) {
                oc[n++] = (outcol){m, ck, 0};
                oc[n++] = (outcol){m, ck, 1};
            } else {
                oc[n++] = (outcol){m, ck, -1};
            }
        }
    return n;
}

static void col_header(const pivot *p, const outcol *c, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = 0;
    if (p->ccol >= 0)
        used += (size_t)snprintf(buf + used, cap - used, "%s", p->ck.text[c->ck]);
    if ((p->ccol < 0 || p->n_m > 1 || c->sub >= 0) &&
        !(p->mcol[c->m] == STATUS_COL && p->n_m == 1) && used < cap)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? " " : "", p->mname[c->m]);
    if (c->sub >= 0 && used < cap)
        snprintf(buf + used, cap - used, "%s%s", used ? " " : "",
                 p->mcol[c->m] == STATUS_COL ? hs_status_name(c->sub) : (c->sub ? "std" : "mean"));
}

static void cell_text(const pivot *p, const outcol *oc, const cell *c, char *buf, size_t cap)
{
    int md = p->fmt == FMT_MD;
    buf[0] = 0;
    if (c->n_tasks == 0)
        return;
    if (p->mcol[oc->m] == STATUS_COL) {
        snprintf(buf, cap, "%zu", c->st[oc->sub]);
        return;
    }
    double v = oc->sub == 1 ? c->sd : c->v;
    if (!md) {
        if (!isnan(v))
            snprintf(buf, cap, "%.17g", v);
        return;
    }
    hs_collate_md_value(buf, cap, v, p->agg == AGG_MEANSTD ? c->sd : NAN,
                        p->agg == AGG_FRAC_OK ? 0 : c->n_na, c->n_tasks);
}

static void print_footnotes(const pivot *p, FILE *out)
{
    if (!out)
        return;
    const hs_rowset *rs = &p->rs;
    int any_na = 0;
    for (size_t m = 0; m < p->n_m; m++) {
        size_t na = p->na_value[m];
        for (int s = 0; s < HS_ST_COUNT; s++)
            na += p->na_status[m][s];
        if (!na || p->agg == AGG_FRAC_OK)
            continue;
        if (!any_na++)
            fprintf(out,
                    "\n(k/n n/a): k of the cell's n tasks gave no value and are not aggregated:");
        fprintf(out, "%s %s:", any_na > 1 ? ";" : "", p->mname[m]);
        const char *sep = "";
        for (int s = 0; s < HS_ST_COUNT; s++)
            if (p->na_status[m][s]) {
                fprintf(out, "%s %zu %s", sep, p->na_status[m][s], hs_status_name(s));
                sep = ",";
            }
        if (p->na_value[m])
            fprintf(out, "%s %zu NaN/inf", sep, p->na_value[m]);
    }
    if (any_na)
        fprintf(out, ".\n");
    if (rs->n_files > 1) {
        fprintf(out, "\nMerged from %zu files:", rs->n_files);
        for (size_t i = 0; i < rs->n_files; i++)
            fprintf(out, "%s %s", i ? "," : "", rs->file[i]);
        fprintf(out, ".\n");
    }
    if (rs->duplicates)
        fprintf(
            out,
            "\n%zu task(s) finished in more than one file are counted once (the first file's).\n",
            rs->duplicates);
    if (p->n_where_out)
        fprintf(out, "\n%zu task(s) left out by --where.\n", p->n_where_out);
    if (rs->pending)
        fprintf(out, "\n%zu of %zu tasks not run yet (pending) are not included.\n", rs->pending,
                rs->pending + rs->n);
}

static void print_table(const pivot *p, FILE *out)
{
    const hs_collate_opts *o = p->o;
    outcol *oc = malloc((p->n_m * p->ck.n * HS_ST_COUNT + 1) * sizeof *oc);
    if (!oc)
        return;
    size_t noc = out_columns(p, oc);
    const char *sep = p->fmt == FMT_MD ? " | " : p->fmt == FMT_CSV ? "," : "\t";
    int md = p->fmt == FMT_MD;
    char buf[1024];
    if (md) {
        fprintf(out, "sweep %s (kernel %s), %zu tasks:", p->rs.sweep, p->rs.kernel_name, p->n_sel);
        for (size_t m = 0; m < p->n_m; m++)
            fprintf(out, "%s %s (%s)", m ? "," : "", p->mname[m],
                    p->mcol[m] == STATUS_COL ? "counts" : agg_names[p->agg]);
        fprintf(out, "\n\n| ");
    }
    for (size_t r = 0; r < p->n_r; r++)
        fprintf(out, "%s%s", r ? sep : "", p->rs.t[0].col[p->rcol[r]].name);
    if (md && p->ccol >= 0)
        fprintf(out, "%s\\ %s", p->n_r ? " " : "", o->cols);
    for (size_t j = 0; j < noc; j++) {
        col_header(p, &oc[j], buf, sizeof buf);
        fprintf(out, "%s%s", sep, buf);
    }
    fprintf(out, md ? " |\n|" : "\n");
    for (size_t r = 0; md && r < (p->n_r ? p->n_r : 1); r++)
        fprintf(out, "---|");
    for (size_t j = 0; md && j < noc; j++)
        fprintf(out, "---:|");
    if (md)
        fprintf(out, "\n");
    for (size_t rk = 0; rk < p->rk.n; rk++) {
        if (md)
            fprintf(out, "| ");
        for (size_t r = 0; r < p->n_r; r++)
            fprintf(out, "%s%s", r ? sep : "", p->rk.text[rk * p->n_r + r]);
        if (p->n_r == 0)
            fprintf(out, "all");
        for (size_t j = 0; j < noc; j++) {
            const cell *c = &p->cells[(rk * p->ck.n + oc[j].ck) * p->n_m + oc[j].m];
            cell_text(p, &oc[j], c, buf, sizeof buf);
            fprintf(out, "%s%s", sep, buf);
        }
        fprintf(out, md ? " |\n" : "\n");
    }
    print_footnotes(p, md ? out : o->notes);
    free(oc);
}

static void print_json(const pivot *p, FILE *out)
{
    const hs_collate_opts *o = p->o;
    const hs_rowset *rs = &p->rs;
    fprintf(out, "{\"sweep\": ");
    hs_json_str(out, rs->sweep);
    fprintf(out, ", \"kernel\": ");
    hs_json_str(out, rs->kernel_name);
    fprintf(out, ", \"files\": [");
    for (size_t i = 0; i < rs->n_files; i++) {
        fprintf(out, "%s", i ? ", " : "");
        hs_json_str(out, rs->file[i]);
    }
    fprintf(out, "], \"agg\": \"%s\", \"rows\": [", agg_names[p->agg]);
    for (size_t r = 0; r < p->n_r; r++) {
        fprintf(out, "%s", r ? ", " : "");
        hs_json_str(out, rs->t[0].col[p->rcol[r]].name);
    }
    fprintf(out, "], \"cols\": ");
    if (o->cols)
        hs_json_str(out, o->cols);
    else
        fprintf(out, "null");
    fprintf(out, ", \"metrics\": [");
    for (size_t m = 0; m < p->n_m; m++) {
        fprintf(out, "%s", m ? ", " : "");
        hs_json_str(out, p->mname[m]);
    }
    fprintf(out, "], \"where\": [");
    for (size_t i = 0; i < o->n_where; i++) {
        fprintf(out, "%s", i ? ", " : "");
        hs_json_str(out, o->where[i]);
    }
    fprintf(
        out,
        "], \"tasks\": %zu, \"pending\": %zu, \"duplicates\": %zu, \"excluded_by_where\": %zu,\n"
        " \"cells\": [",
        p->n_sel, rs->pending, rs->duplicates, p->n_where_out);
    size_t n = 0;
    for (size_t rk = 0; rk < p->rk.n; rk++)
        for (size_t ck = 0; ck < p->ck.n; ck++)
            for (size_t m = 0; m < p->n_m; m++) {
                const cell *c = &p->cells[(rk * p->ck.n + ck) * p->n_m + m];
                if (c->n_tasks == 0)
                    continue;
                fprintf(out, "%s\n  {", n++ ? "," : "");
                for (size_t r = 0; r < p->n_r; r++) {
                    hs_json_str(out, rs->t[0].col[p->rcol[r]].name);
                    fprintf(out, ": ");
                    hs_collate_json_key(out, rs, p->rcol[r], p->rk.text[rk * p->n_r + r],
                                        p->rk.num[rk * p->n_r + r]);
                    fprintf(out, ", ");
                }
                if (p->ccol >= 0) {
                    hs_json_str(out, o->cols);
                    fprintf(out, ": ");
                    hs_collate_json_key(out, rs, p->ccol, p->ck.text[ck], p->ck.num[ck]);
                    fprintf(out, ", ");
                }
                fprintf(out, "\"metric\": ");
                hs_json_str(out, p->mname[m]);
                if (p->mcol[m] != STATUS_COL) {
                    fprintf(out, ", \"value\": ");
                    hs_json_num(out, c->v);
                    if (p->agg == AGG_MEANSTD) {
                        fprintf(out, ", \"std\": ");
                        hs_json_num(out, c->sd);
                    }
                    fprintf(out, ", \"n_values\": %zu, \"n_na\": %zu", c->n_vals, c->n_na);
                }
                fprintf(out, ", \"n_tasks\": %zu, \"status\": {", c->n_tasks);
                const char *sep = "";
                for (int s = 0; s < HS_ST_COUNT; s++)
                    if (c->st[s]) {
                        fprintf(out, "%s\"%s\": %zu", sep, hs_status_name(s), c->st[s]);
                        sep = ", ";
                    }
                fprintf(out, "}}");
            }
    fprintf(out, "\n]}\n");
}

static void pivot_free(pivot *p)
{
    hs_filter_free(&p->where);
    free(p->sel);
    free(p->rkey);
    free(p->ckey);
    free(p->cells);
    free(p->mbuf);
    hs_keys_free(&p->rk);
    hs_keys_free(&p->ck);
    hs_rowset_free(&p->rs);
}

int hs_collate(const hs_collate_opts *o, FILE *out, hs_err *e)
{
    static pivot zero;
    pivot *p = malloc(sizeof *p);
    if (!p)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    *p = zero;
    p->o = o;
    p->agg = parse_agg(o->agg);
    const char *f = o->format ? o->format : "md";
    p->fmt = strcmp(f, "md") == 0     ? FMT_MD
             : strcmp(f, "csv") == 0  ? FMT_CSV
             : strcmp(f, "tsv") == 0  ? FMT_TSV
             : strcmp(f, "json") == 0 ? FMT_JSON
                                      : -1;
    int rc = 0;
    if (p->agg < 0)
        rc = HS_FAIL(e, HS_EINPUT,
                     "--agg %s: expected mean, median, std, min, max, count, frac_ok or "
                     "mean±std (meanstd)",
                     o->agg);
    else if (p->fmt < 0)
        rc = HS_FAIL(e, HS_EINPUT, "--format %s: expected md, csv, tsv or json", f);
    else if ((rc = hs_rowset_load(o->files, o->n_files, o->sweep, &p->rs, e)) == 0 &&
             (rc = parse_metrics(p, e)) == 0 && (rc = parse_axes(p, e)) == 0 &&
             (rc = select_tasks(p, e)) == 0) {
        p->rkey = malloc((p->rs.n + 1) * sizeof *p->rkey);
        p->ckey = malloc((p->rs.n + 1) * sizeof *p->ckey);
        rc = p->rkey && p->ckey ? compute(p, e) : HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    if (rc == 0) {
        if (p->fmt == FMT_JSON)
            print_json(p, out);
        else
            print_table(p, out);
    }
    pivot_free(p);
    free(p);
    return rc;
}
