/* `hsweep collate`: pivot tables of one sweep's metrics from one or more results files. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/collate_impl.h"
#include "hsweep/json.h"
#include "hsweep/collate.h"
#include "hsweep/hash.h"
#include "hsweep/kernel.h"
#include "hsweep/store.h"

/* ---- small helpers ------------------------------------------------------- */

/* Open-addressing string set: key -> insertion index. */
typedef struct strmap {
    size_t cap, n;
    char **key;
    size_t *val;
} strmap;

static uint64_t fnv1a(const char *s) { return hs_fnv1a64(HS_FNV1A64_INIT, s, strlen(s)); }

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

void hs_collate_md_text(FILE *out, const char *s)
{
    for (; *s; s++)
        if (*s == '|')
            fputs("\\|", out);
        else
            fputc(*s == '\n' || *s == '\r' ? ' ' : *s, out);
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

/* ---- the rowset ------------------------------------------------------------ */

/* A plug-in sweep's kernel table, as the first results file describes it. */
struct hs_rowset_schema {
    hs_table t;
    hs_kernel k;
    struct hs_rowset_schema *next;
};

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
    while (rs->schemas) {
        struct hs_rowset_schema *n = rs->schemas->next;
        hs_table_schema_free(&rs->schemas->k);
        hs_table_free(&rs->schemas->t);
        free(rs->schemas);
        rs->schemas = n;
    }
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
    const hs_table *t = &rs->t[rs->tab[i]];
    return t->damage[rs->row[i]] ? HS_ST_PENDING : hs_table_status(t, rs->row[i]);
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
                /* a damaged row is as good as not run */
                int pending = rs->t[i].damage[r] || hs_table_status(&rs->t[i], r) == HS_ST_PENDING;
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
                    rs->tab[rs->n + rs->pending] = i; /* pending rows follow the finished ones */
                    rs->row[rs->n + rs->pending++] = r;
                } else if (!pending) {
                    rs->duplicates++;
                }
            }
    strmap_free(&m);
    free(key);
    free(idc);
    for (size_t i = 0; i < rs->n_files; i++) {
        size_t used = strlen(rs->damaged_ids);
        if (rs->t[i].n_damaged && used < sizeof rs->damaged_ids) {
            char ids[128];
            hs_table_damaged_ids(&rs->t[i], ids, sizeof ids);
            snprintf(rs->damaged_ids + used, sizeof rs->damaged_ids - used, "%s%s: task%s %s",
                     used ? "; " : "", rs->file[i], rs->t[i].n_damaged > 1 ? "s" : "", ids);
        }
        rs->damaged += rs->t[i].n_damaged;
    }
    return rc ? HS_FAIL(e, HS_ENOMEM, "out of memory indexing %zu tasks", total) : 0;
}

static const hs_kernel *file_schema(void *arg, const char *sweep)
{
    hs_rowset *rs = arg;
    hs_err e;
    struct hs_rowset_schema *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (hs_table_read(rs->file[0], sweep, &s->t, &e) != 0) {
        free(s);
        return NULL;
    }
    if (hs_table_schema(&s->t, &s->k, &e) != 0) {
        hs_table_free(&s->t);
        free(s);
        return NULL;
    }
    s->next = rs->schemas;
    rs->schemas = s;
    return &s->k;
}

/*
 * The sweep file stored in the first results file, re-parsed for its rules
 * without running anything from the file: a plug-in sweep takes the schema
 * the file stores instead of its library.
 */
static void load_sweepset(hs_rowset *rs)
{
    char *text = NULL, *path = NULL;
    hs_err e;
    hs_load_opts lo = {.max_tasks = UINT64_MAX, .skip_checks = 1,
                       .reduced = hs_store_is_reduced(rs->file[0]), .no_plugins = 1,
                       .plugin_schema = file_schema, .plugin_schema_arg = rs, .stored = 1};
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

enum {
    AGG_MEAN,
    AGG_MEDIAN,
    AGG_STD,
    AGG_MIN,
    AGG_MAX,
    AGG_SUM,
    AGG_COUNT,
    AGG_FRAC_OK,
    AGG_MEANSTD
};
static const char *const agg_names[] = {"mean", "median", "std",     "min",     "max",
                                        "sum",  "count",  "frac_ok", "mean±std"};
enum { FMT_MD, FMT_CSV, FMT_TSV, FMT_JSON, FMT_LONG_CSV, FMT_LONG_TSV };

#define MAX_METRICS 64
#define MAX_SWEEPS 16
#define STATUS_COL (-3) /* the metric "status": counts per status */
#define NO_KEY ((size_t)-1)

typedef struct cell {
    size_t n_tasks, n_vals, n_na;
    size_t st[HS_ST_COUNT];
    double v, sd;
    double side[2]; /* --contrast: the aggregate at the first and at the second value */
} cell;

/* One sweep of the table. */
typedef struct part {
    hs_rowset rs;
    int mcol[MAX_METRICS];
    int rcol[HS_MAX_AXES], ccol[HS_MAX_AXES];
    hs_filter where;
    unsigned char *sel; /* 0 left out; 1 selected (--contrast: first value); 2 second value */
    size_t n_sel, n_where_out;
    char con_val[2][TEXT_CAP]; /* --contrast: the two values, as split for this sweep */
    hs_keys rk, ck;
    size_t *rkey, *ckey;
    cell *cells; /* [row key][col key][metric] */
    size_t na_status[MAX_METRICS][HS_ST_COUNT];
    size_t na_value[MAX_METRICS];
    size_t st_total[HS_ST_COUNT];
} part;

typedef struct pivot {
    const hs_collate_opts *o;
    int agg, fmt;
    size_t n_m, n_r, n_c, n_p;
    char *mname[MAX_METRICS], *rname[HS_MAX_AXES], *cname[HS_MAX_AXES], *sname[MAX_SWEEPS];
    char *mbuf, *rbuf, *cbuf, *sbuf, *conbuf;
    char *con_axis, *con_text; /* --contrast AXIS=TEXT, TEXT "a-b" or "a/b" */
    char con_op;               /* '-' or '/'; 0 without --contrast */
    const part *con_part;      /* the first sweep split by --contrast: names the two values */
    part *p;
    size_t n_rows;       /* rows printed: the union of the sweeps' row keys, sorted */
    size_t *row_key;     /* [n_rows][n_p]: that sweep's row key, or NO_KEY */
    const char **rtext;  /* [n_rows][n_r]: the row's key texts */
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

static int parse_format(const char *f)
{
    static const char *const names[] = {"md", "csv", "tsv", "json", "long-csv", "long-tsv"};
    for (int i = 0; i <= FMT_LONG_TSV; i++)
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
        if (in_list(names, *n, s))
            return HS_FAIL(e, HS_EINPUT, "%s: '%s' is named twice", what, s);
        names[(*n)++] = s;
    }
    return 0;
}

/* The comma-joined --metric options (with frac_ok as the default for --agg frac_ok). */
static int parse_metric_names(pivot *p, hs_err *e)
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
    if (o->n_metrics == 0 && p->agg == AGG_FRAC_OK)
        strcpy(all, "frac_ok");
    int rc = split_list(all, "--metric", &p->mbuf, p->mname, MAX_METRICS, &p->n_m, e);
    free(all);
    HS_CALL(rc);
    if (p->n_m == 0)
        return HS_FAIL(e, HS_EINPUT, "collate needs --metric NAME (a metric, status or frac_ok)");
    return 0;
}

/* --contrast AXIS=A-B or AXIS=A/B: the axis and the value text (split per sweep later). */
static int parse_contrast(pivot *p, hs_err *e)
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
    if (p->agg == AGG_MEANSTD)
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
    if (c < 0 || (strcmp(name, "seed") != 0 && !in_list(t->params, t->n_params, name))) {
        char axes[1024];
        join(rs->axes, rs->n_axes, axes, sizeof axes);
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
static int parse_axis_names(pivot *p, hs_err *e)
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
                everywhere &= in_list(p->p[s].rs.axes, p->p[s].rs.n_axes, name);
            if (everywhere && strcmp(name, "seed") != 0 && !in_list(p->cname, p->n_c, name) &&
                !(p->con_axis && strcmp(name, p->con_axis) == 0))
                p->rname[p->n_r++] = name;
        }
    }
    for (size_t r = 0; r < p->n_r; r++)
        if (in_list(p->cname, p->n_c, p->rname[r]))
            return HS_FAIL(e, HS_EINPUT, "'%s' is given both as --rows and --cols", p->rname[r]);
    if (p->con_axis &&
        (in_list(p->rname, p->n_r, p->con_axis) || in_list(p->cname, p->n_c, p->con_axis)))
        return HS_FAIL(e, HS_EINPUT,
                       "--contrast %s=%s: '%s' cannot also be a --rows or --cols axis", p->con_axis,
                       p->con_text, p->con_axis);
    return 0;
}

/* Columns of sweep q for the metrics, rows and cols; HS_EINPUT naming the sweep lacking one. */
static int part_columns(const pivot *p, part *q, hs_err *e)
{
    for (size_t m = 0; m < p->n_m; m++) {
        const char *name = p->mname[m];
        int c = strcmp(name, "status") == 0 ? STATUS_COL : hs_rowset_col(&q->rs, name);
        if (c == -1 || (c >= 0 && !hs_rowset_numeric(&q->rs, c)) ||
            (c >= 0 && c == q->rs.status_col)) {
            char ms[1024];
            join(q->rs.t[0].metrics, q->rs.t[0].n_metrics, ms, sizeof ms);
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
        join(k.text, k.n, buf, cap);
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
static int part_contrast(pivot *p, part *q, hs_err *e)
{
    hs_rowset *rs = &q->rs;
    if (axis_col(rs, p->con_axis, e) < 0)
        return e->code;
    const char *t = p->con_text;
    size_t len = strlen(t), n_split = 0, chosen = 0, n_ok = 0, missing = 0;
    char missing_val[TEXT_CAP] = "";
    for (size_t pos = 1; pos + 1 < len; pos++) {
        if (t[pos] != '-' && t[pos] != '/')
            continue;
        n_split++;
        size_t n[2] = {0, 0};
        char val[2][TEXT_CAP];
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
    }
    else if (p->con_op != t[chosen])
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
static int warn_empty(pivot *p, part *q, hs_err *e)
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

static int part_select(pivot *p, part *q, hs_err *e)
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
static void fill_cell(const pivot *p, part *q, size_t m, const size_t *idx, size_t n, double *vals,
                      cell *c)
{
    int col = q->mcol[m];
    for (size_t t = 0; t < n; t++) {
        size_t i = idx[t];
        int s = hs_rowset_status(&q->rs, i);
        c->n_tasks++;
        if (s >= 0 && s < HS_ST_COUNT)
            c->st[s]++;
        if (col == STATUS_COL)
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

/* Cell c from its contrast sides: first op second, counts added; blank unless both have tasks. */
static void contrast_cell(char op, const cell *a, const cell *b, cell *c)
{
    *c = (cell){.v = NAN, .sd = NAN};
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

static int part_compute(const pivot *p, part *q, hs_err *e)
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
            cell side[2] = {{0}, {0}};
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
static int merge_rows(pivot *p, hs_err *e)
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
        key_sort(&all, perm, tmp, total);
    for (size_t j = 0; rc == 0 && j < total; j++) {
        size_t a = perm[j];
        if (j == 0 || key_cmp(&all, perm[j - 1], a) != 0) {
            for (size_t s = 0; s < p->n_p; s++)
                p->row_key[p->n_rows * p->n_p + s] = NO_KEY;
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

/* ---- output ---------------------------------------------------------------- */

/*
 * One field of a table: CSV and TSV quoted per RFC 4180 when the text holds
 * the separator, a quote, CR or LF (quotes doubled); Markdown with '|'
 * escaped and line breaks as spaces.
 */
static void put_field(FILE *out, int fmt, const char *s)
{
    if (fmt == FMT_MD) {
        hs_collate_md_text(out, s);
        return;
    }
    const char *special = fmt == FMT_CSV || fmt == FMT_LONG_CSV ? ",\"\r\n" : "\t\"\r\n";
    if (!strpbrk(s, special)) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static const char *field_sep(int fmt)
{
    return fmt == FMT_MD ? " | " : fmt == FMT_CSV || fmt == FMT_LONG_CSV ? "," : "\t";
}

/* A number for CSV/TSV: every digit needed to read back the same double; empty for NaN. */
static void num_text(char *buf, size_t cap, double v)
{
    if (isnan(v))
        buf[0] = 0;
    else
        snprintf(buf, cap, "%.17g", v);
}

/* Output columns: for each metric (slowest), each sweep, each column key, each sub-column. */
typedef struct outcol {
    size_t m, s, ck;
    int sub; /* status code (status), 0 mean / 1 std (mean±std in csv/tsv), else -1 */
} outcol;

static size_t out_columns(const pivot *p, outcol *oc)
{
    size_t n = 0;
    for (size_t m = 0; m < p->n_m; m++)
        for (size_t s = 0; s < p->n_p; s++)
            for (size_t ck = 0; ck < p->p[s].ck.n; ck++) {
                if (p->p[s].mcol[m] == STATUS_COL) {
                    for (int st = HS_ST_OK; st < HS_ST_COUNT; st++)
                        if (st == HS_ST_OK || p->p[s].st_total[st])
                            oc[n++] = (outcol){m, s, ck, st};
                } else if (p->agg == AGG_MEANSTD && p->fmt != FMT_MD) {
                    oc[n++] = (outcol){m, s, ck, 0};
                    oc[n++] = (outcol){m, s, ck, 1};
                } else {
                    oc[n++] = (outcol){m, s, ck, -1};
                }
            }
    return n;
}

static void col_header(const pivot *p, const outcol *c, char *buf, size_t cap)
{
    const part *q = &p->p[c->s];
    int status = q->mcol[c->m] == STATUS_COL;
    size_t used = 0;
    buf[0] = 0;
    for (size_t k = 0; k < p->n_c && used < cap; k++)
        used += (size_t)(p->n_c == 1 ? snprintf(buf + used, cap - used, "%s", q->ck.text[c->ck])
                                     : snprintf(buf + used, cap - used, "%s%s=%s", k ? " " : "",
                                                p->cname[k], q->ck.text[c->ck * p->n_c + k]));
    if (p->n_p > 1 && used < cap)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? " " : "", q->rs.sweep);
    if ((p->n_c == 0 || p->n_m > 1 || c->sub >= 0 || p->n_p > 1) &&
        !(status && p->n_m == 1 && p->n_p == 1) && used < cap)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? " " : "", p->mname[c->m]);
    if (c->sub >= 0 && used < cap)
        snprintf(buf + used, cap - used, "%s%s", used ? " " : "",
                 status ? hs_status_name(c->sub) : (c->sub ? "std" : "mean"));
}

static void cell_text(const pivot *p, const outcol *oc, const cell *c, char *buf, size_t cap)
{
    buf[0] = 0;
    if (c->n_tasks == 0)
        return;
    if (p->p[oc->s].mcol[oc->m] == STATUS_COL) {
        snprintf(buf, cap, "%zu", c->st[oc->sub]);
        return;
    }
    double v = oc->sub == 1 ? c->sd : c->v;
    if (p->fmt != FMT_MD)
        num_text(buf, cap, v);
    else
        hs_collate_md_value(buf, cap, v, p->agg == AGG_MEANSTD ? c->sd : NAN,
                            p->agg == AGG_FRAC_OK ? 0 : c->n_na, c->n_tasks);
}

/* The cell of sweep s at printed row `row`, column key ck, metric m; NULL if s lacks the row. */
static const cell *cell_at(const pivot *p, size_t row, size_t s, size_t ck, size_t m)
{
    size_t rk = p->row_key[row * p->n_p + s];
    const part *q = &p->p[s];
    return rk == NO_KEY ? NULL : &q->cells[(rk * q->ck.n + ck) * p->n_m + m];
}

static void print_footnotes(const pivot *p, const part *q, FILE *out)
{
    const hs_rowset *rs = &q->rs;
    char who[TEXT_CAP] = "";
    if (p->n_p > 1)
        snprintf(who, sizeof who, "sweep %s: ", rs->sweep);
    int any_na = 0;
    for (size_t m = 0; m < p->n_m; m++) {
        size_t na = q->na_value[m];
        for (int s = 0; s < HS_ST_COUNT; s++)
            na += q->na_status[m][s];
        if (!na || p->agg == AGG_FRAC_OK)
            continue;
        if (!any_na++)
            fprintf(out,
                    "\n%s(k/n n/a): k of the cell's n tasks gave no value and are not aggregated:",
                    who);
        fprintf(out, "%s %s:", any_na > 1 ? ";" : "", p->mname[m]);
        const char *sep = "";
        for (int s = 0; s < HS_ST_COUNT; s++)
            if (q->na_status[m][s]) {
                fprintf(out, "%s %zu %s", sep, q->na_status[m][s], hs_status_name(s));
                sep = ",";
            }
        if (q->na_value[m])
            fprintf(out, "%s %zu NaN/inf", sep, q->na_value[m]);
    }
    if (any_na)
        fprintf(out, ".\n");
    if (rs->n_files > 1 && q == p->p) {
        fprintf(out, "\nMerged from %zu files:", rs->n_files);
        for (size_t i = 0; i < rs->n_files; i++)
            fprintf(out, "%s %s", i ? "," : "", rs->file[i]);
        fprintf(out, ".\n");
    }
    if (rs->duplicates)
        fprintf(
            out,
            "\n%s%zu task(s) finished in more than one file are counted once (the first file's).\n",
            who, rs->duplicates);
    if (q->n_where_out)
        fprintf(out, "\n%s%zu task(s) left out by --where.\n", who, q->n_where_out);
    if (rs->pending)
        fprintf(out, "\n%s%zu of %zu tasks not run yet (pending) are not included.\n", who,
                rs->pending, rs->pending + rs->n);
    if (rs->damaged)
        fprintf(out,
                "\n%s%zu damaged row(s) are not included, counted as pending (%s; hsweep run "
                "--resume --repair reruns them).\n",
                who, rs->damaged, rs->damaged_ids);
}

/* "mean" or, with --contrast, "mean at T=80 - mean at T=200" (/ for a ratio). */
static void agg_label(const pivot *p, char *buf, size_t cap)
{
    const char *a = agg_names[p->agg];
    if (p->con_op)
        snprintf(buf, cap, "%s at %s=%s %s %s at %s=%s", a, p->con_axis, p->con_part->con_val[0],
                 p->con_op == '-' ? "−" : "/", a, p->con_axis, p->con_part->con_val[1]);
    else
        snprintf(buf, cap, "%s", a);
}

static int print_table(const pivot *p, FILE *out, hs_err *e)
{
    size_t max = 1;
    for (size_t s = 0; s < p->n_p; s++)
        max += p->n_m * p->p[s].ck.n * HS_ST_COUNT;
    outcol *oc = malloc(max * sizeof *oc);
    if (!oc)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    size_t noc = out_columns(p, oc);
    int md = p->fmt == FMT_MD;
    const char *sep = field_sep(p->fmt);
    char buf[1024], label[4 * TEXT_CAP];
    agg_label(p, label, sizeof label);
    if (md) {
        for (size_t s = 0; s < p->n_p; s++)
            fprintf(out, "%ssweep %s (kernel %s), %zu tasks", s ? "; " : "", p->p[s].rs.sweep,
                    p->p[s].rs.kernel_name, p->p[s].n_sel);
        fprintf(out, ":");
        for (size_t m = 0; m < p->n_m; m++)
            fprintf(out, "%s %s (%s)", m ? "," : "", p->mname[m],
                    strcmp(p->mname[m], "status") == 0 ? "counts" : label);
        fprintf(out, "\n\n| ");
    }
    for (size_t r = 0; r < p->n_r; r++) {
        fputs(r ? sep : "", out);
        put_field(out, p->fmt, p->rname[r]);
    }
    if (md && p->n_c) {
        join(p->cname, p->n_c, buf, sizeof buf);
        fprintf(out, "%s\\ %s", p->n_r ? " " : "", buf);
    }
    for (size_t j = 0; j < noc; j++) {
        col_header(p, &oc[j], buf, sizeof buf);
        fputs(sep, out);
        put_field(out, p->fmt, buf);
    }
    fprintf(out, md ? " |\n|" : "\n");
    for (size_t r = 0; md && r < (p->n_r ? p->n_r : 1); r++)
        fprintf(out, "---|");
    for (size_t j = 0; md && j < noc; j++)
        fprintf(out, "---:|");
    if (md)
        fprintf(out, "\n");
    for (size_t row = 0; row < p->n_rows; row++) {
        if (md)
            fprintf(out, "| ");
        for (size_t r = 0; r < p->n_r; r++) {
            fputs(r ? sep : "", out);
            put_field(out, p->fmt, p->rtext[row * p->n_r + r]);
        }
        if (p->n_r == 0)
            fprintf(out, "all");
        for (size_t j = 0; j < noc; j++) {
            const cell *c = cell_at(p, row, oc[j].s, oc[j].ck, oc[j].m);
            buf[0] = 0;
            if (c)
                cell_text(p, &oc[j], c, buf, sizeof buf);
            fputs(sep, out);
            put_field(out, p->fmt, buf);
        }
        fprintf(out, md ? " |\n" : "\n");
    }
    for (size_t s = 0; s < p->n_p && (md ? out : p->o->notes); s++)
        print_footnotes(p, &p->p[s], md ? out : p->o->notes);
    free(oc);
    return 0;
}

/*
 * The tidy long table: one line per cell and metric (mean±std: a line for
 * each; status: a line per status with its count as the value), with a
 * column per row and column axis.
 */
static void print_long(const pivot *p, FILE *out)
{
    const char *sep = field_sep(p->fmt);
    char buf[TEXT_CAP];
    fputs("sweep", out);
    for (size_t r = 0; r < p->n_r; r++) {
        fputs(sep, out);
        put_field(out, p->fmt, p->rname[r]);
    }
    for (size_t c = 0; c < p->n_c; c++) {
        fputs(sep, out);
        put_field(out, p->fmt, p->cname[c]);
    }
    fprintf(out, "%smetric%sagg%s%svalue%sn_values%sn_na%sn_tasks\n", sep, sep, sep,
            p->con_op ? (p->fmt == FMT_LONG_CSV ? "contrast," : "contrast\t") : "", sep, sep, sep);
    for (size_t row = 0; row < p->n_rows; row++)
        for (size_t s = 0; s < p->n_p; s++) {
            const part *q = &p->p[s];
            for (size_t ck = 0; ck < q->ck.n; ck++)
                for (size_t m = 0; m < p->n_m; m++) {
                    const cell *c = cell_at(p, row, s, ck, m);
                    if (!c || c->n_tasks == 0)
                        continue;
                    int status = q->mcol[m] == STATUS_COL;
                    for (int sub = 0; sub < (status ? HS_ST_COUNT : p->agg == AGG_MEANSTD ? 2 : 1);
                         sub++) {
                        if (status && !(sub == HS_ST_OK || c->st[sub]))
                            continue;
                        put_field(out, p->fmt, q->rs.sweep);
                        for (size_t r = 0; r < p->n_r; r++) {
                            fputs(sep, out);
                            put_field(out, p->fmt, p->rtext[row * p->n_r + r]);
                        }
                        for (size_t k = 0; k < p->n_c; k++) {
                            fputs(sep, out);
                            put_field(out, p->fmt, q->ck.text[ck * p->n_c + k]);
                        }
                        fputs(sep, out);
                        put_field(out, p->fmt, p->mname[m]);
                        const char *agg = status                   ? hs_status_name(sub)
                                          : p->agg != AGG_MEANSTD ? agg_names[p->agg]
                                          : sub                    ? "std"
                                                                   : "mean";
                        fprintf(out, "%s%s", sep, agg);
                        if (p->con_op) {
                            fputs(sep, out);
                            snprintf(buf, sizeof buf, "%s=%s", p->con_axis, p->con_text);
                            put_field(out, p->fmt, buf);
                        }
                        if (status) {
                            fprintf(out, "%s%zu%s%s%s%zu\n", sep, c->st[sub], sep, sep, sep,
                                    c->n_tasks);
                            continue;
                        }
                        num_text(buf, sizeof buf, sub ? c->sd : c->v);
                        fprintf(out, "%s%s%s%zu%s%zu%s%zu\n", sep, buf, sep, c->n_vals, sep,
                                c->n_na, sep, c->n_tasks);
                    }
                }
        }
    for (size_t s = 0; s < p->n_p && p->o->notes; s++)
        print_footnotes(p, &p->p[s], p->o->notes);
}

static void json_names(FILE *out, char *const *names, size_t n)
{
    fprintf(out, "[");
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%s", i ? ", " : "");
        hs_json_str(out, names[i]);
    }
    fprintf(out, "]");
}

static void print_json_cell(const pivot *p, size_t row, size_t s, size_t ck, size_t m, FILE *out)
{
    const part *q = &p->p[s];
    const hs_rowset *rs = &q->rs;
    const cell *c = cell_at(p, row, s, ck, m);
    size_t rk = p->row_key[row * p->n_p + s];
    fprintf(out, "{\"sweep\": ");
    hs_json_str(out, rs->sweep);
    for (size_t r = 0; r < p->n_r; r++) {
        fprintf(out, ", ");
        hs_json_str(out, p->rname[r]);
        fprintf(out, ": ");
        hs_collate_json_key(out, rs, q->rcol[r], q->rk.text[rk * p->n_r + r],
                            q->rk.num[rk * p->n_r + r]);
    }
    for (size_t k = 0; k < p->n_c; k++) {
        fprintf(out, ", ");
        hs_json_str(out, p->cname[k]);
        fprintf(out, ": ");
        hs_collate_json_key(out, rs, q->ccol[k], q->ck.text[ck * p->n_c + k],
                            q->ck.num[ck * p->n_c + k]);
    }
    fprintf(out, ", \"metric\": ");
    hs_json_str(out, p->mname[m]);
    if (q->mcol[m] != STATUS_COL) {
        fprintf(out, ", \"value\": ");
        hs_json_num(out, c->v);
        if (p->agg == AGG_MEANSTD) {
            fprintf(out, ", \"std\": ");
            hs_json_num(out, c->sd);
        }
        if (p->con_op) {
            fprintf(out, ", \"first\": ");
            hs_json_num(out, c->side[0]);
            fprintf(out, ", \"second\": ");
            hs_json_num(out, c->side[1]);
        }
        fprintf(out, ", \"n_values\": %zu, \"n_na\": %zu", c->n_vals, c->n_na);
    }
    fprintf(out, ", \"n_tasks\": %zu, \"status\": {", c->n_tasks);
    const char *sep = "";
    for (int st = 0; st < HS_ST_COUNT; st++)
        if (c->st[st]) {
            fprintf(out, "%s\"%s\": %zu", sep, hs_status_name(st), c->st[st]);
            sep = ", ";
        }
    fprintf(out, "}}");
}

static void print_json(const pivot *p, FILE *out)
{
    const hs_collate_opts *o = p->o;
    const hs_rowset *rs0 = &p->p[0].rs;
    size_t tasks = 0, pending = 0, dup = 0, where_out = 0;
    for (size_t s = 0; s < p->n_p; s++) {
        tasks += p->p[s].n_sel;
        pending += p->p[s].rs.pending;
        dup += p->p[s].rs.duplicates;
        where_out += p->p[s].n_where_out;
    }
    fprintf(out, "{\"sweep\": ");
    if (p->n_p == 1)
        hs_json_str(out, rs0->sweep);
    else
        fprintf(out, "null");
    fprintf(out, ", \"sweeps\": [");
    for (size_t s = 0; s < p->n_p; s++) {
        fprintf(out, "%s{\"name\": ", s ? ", " : "");
        hs_json_str(out, p->p[s].rs.sweep);
        fprintf(out, ", \"kernel\": ");
        hs_json_str(out, p->p[s].rs.kernel_name);
        fprintf(out, "}");
    }
    fprintf(out, "], \"kernel\": ");
    hs_json_str(out, rs0->kernel_name);
    fprintf(out, ", \"files\": ");
    json_names(out, rs0->file, rs0->n_files);
    fprintf(out, ", \"agg\": \"%s\", \"rows\": ", agg_names[p->agg]);
    json_names(out, p->rname, p->n_r);
    fprintf(out, ", \"cols\": ");
    json_names(out, p->cname, p->n_c);
    fprintf(out, ", \"contrast\": ");
    if (p->con_op) {
        fprintf(out, "{\"axis\": ");
        hs_json_str(out, p->con_axis);
        fprintf(out, ", \"first\": ");
        hs_json_str(out, p->con_part->con_val[0]);
        fprintf(out, ", \"second\": ");
        hs_json_str(out, p->con_part->con_val[1]);
        fprintf(out, ", \"op\": \"%s\"}", p->con_op == '-' ? "difference" : "ratio");
    } else {
        fprintf(out, "null");
    }
    fprintf(out, ", \"metrics\": ");
    json_names(out, p->mname, p->n_m);
    fprintf(out, ", \"where\": [");
    for (size_t i = 0; i < o->n_where; i++) {
        fprintf(out, "%s", i ? ", " : "");
        hs_json_str(out, o->where[i]);
    }
    fprintf(
        out,
        "], \"tasks\": %zu, \"pending\": %zu, \"duplicates\": %zu, \"excluded_by_where\": %zu,\n"
        " \"cells\": [",
        tasks, pending, dup, where_out);
    size_t n = 0;
    for (size_t row = 0; row < p->n_rows; row++)
        for (size_t s = 0; s < p->n_p; s++)
            for (size_t ck = 0; ck < p->p[s].ck.n; ck++)
                for (size_t m = 0; m < p->n_m; m++) {
                    const cell *c = cell_at(p, row, s, ck, m);
                    if (!c || c->n_tasks == 0)
                        continue;
                    fprintf(out, "%s\n  ", n++ ? "," : "");
                    print_json_cell(p, row, s, ck, m, out);
                }
    fprintf(out, "\n]}\n");
}

/* Cells with at least one task, over every sweep. */
static size_t count_cells(const pivot *p)
{
    size_t n = 0;
    for (size_t s = 0; s < p->n_p; s++) {
        const part *q = &p->p[s];
        for (size_t c = 0; c < q->rk.n * q->ck.n * p->n_m; c++)
            n += q->cells[c].n_tasks > 0;
    }
    return n;
}

static void part_free(part *q)
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

static void pivot_free(pivot *p)
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
static int pivot_build(pivot *p, hs_err *e)
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
        HS_CALL(split_list(o->sweep, "--sweep", &p->sbuf, p->sname, MAX_SWEEPS, &p->n_p, e));
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
    static pivot zero;
    pivot *p = malloc(sizeof *p);
    if (!p)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    *p = zero;
    p->o = o;
    p->agg = parse_agg(o->agg);
    int rc = pivot_build(p, e);
    if (rc == 0) {
        if (p->fmt == FMT_JSON)
            print_json(p, out);
        else if (p->fmt == FMT_LONG_CSV || p->fmt == FMT_LONG_TSV)
            print_long(p, out);
        else
            rc = print_table(p, out, e);
        if (n_cells)
            *n_cells = count_cells(p);
    }
    pivot_free(p);
    free(p);
    return rc;
}
