/*
 * `hsweep collate`, rows: one sweep's finished tasks gathered and merged from
 * one or more results files (hs_rowset), and their distinct keys (hs_keys).
 * collate_pivot.c aggregates them into tables, collate_format.c prints those.
 */
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

void hs_collate_join(char *const *names, size_t n, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", names[i]);
}

int hs_collate_in_list(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
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
            v->s =
                hs_rowset_text(rs, i, col, rs->scratch_text + (size_t)p * HS_TEXT_CAP, HS_TEXT_CAP);
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
            if (!hs_collate_in_list(y->params, y->n_params, x->params[i]))
                return HS_FAIL(e, HS_EINPUT,
                               "cannot merge %s and %s: sweep '%s' has parameter '%s' in %s only",
                               fa, fb, a->sweep, x->params[i], f[s]);
        for (size_t i = 0; i < x->n_metrics; i++)
            if (!hs_collate_in_list(y->metrics, y->n_metrics, x->metrics[i]))
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
    char tmp[HS_TEXT_CAP];
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
        hs_collate_join(names, nn, list, sizeof list);
        const char *want = i ? rs->sweep : sweep;
        int rc = 0;
        if (!want && nn > 1)
            rc = HS_FAIL(e, HS_EINPUT, "%s: holds %zu sweeps (%s); choose one with --sweep",
                         files[i], nn, list);
        else if (want && !hs_collate_in_list(names, nn, want))
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
    if (hs_collate_in_list(rs->axes, rs->n_axes, name))
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
    size_t keycap = 16 * HS_TEXT_CAP;
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
    hs_load_opts lo = {.max_tasks = UINT64_MAX,
                       .skip_checks = 1,
                       .reduced = hs_store_is_reduced(rs->file[0]),
                       .no_plugins = 1,
                       .plugin_schema = file_schema,
                       .plugin_schema_arg = rs,
                       .stored = 1};
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
        if (hs_collate_in_list(rs->t[i].axes, rs->t[i].n_axes, "seed") && add_axis(rs, "seed") != 0)
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
        rs->scratch_text = calloc(np + 1, HS_TEXT_CAP);
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

int hs_keys_cmp(const hs_keys *k, size_t a, size_t b)
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

/* Stable merge sort of perm[0..n) by hs_keys_cmp (qsort has no context argument). */
void hs_keys_sort(const hs_keys *k, size_t *perm, size_t *tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    hs_keys_sort(k, perm, tmp, h);
    hs_keys_sort(k, perm + h, tmp, n - h);
    size_t i = 0, j = h, o = 0;
    while (i < h || j < n)
        tmp[o++] =
            (j >= n || (i < h && hs_keys_cmp(k, perm[i], perm[j]) <= 0)) ? perm[i++] : perm[j++];
    memcpy(perm, tmp, n * sizeof *perm);
}

int hs_keys_build(const hs_rowset *rs, const int *cols, size_t n_cols, const unsigned char *sel,
                  size_t *key_of, hs_keys *k, hs_err *e)
{
    memset(k, 0, sizeof *k);
    k->n_cols = n_cols;
    k->col = cols;
    strmap m = {0};
    size_t cap = (n_cols + 1) * HS_TEXT_CAP, nsel = 0;
    for (size_t i = 0; i < rs->n; i++)
        nsel += sel[i] != 0;
    char *id = malloc(cap), *disp = malloc(HS_TEXT_CAP);
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
                    ? (snprintf(disp, HS_TEXT_CAP, "%.17g", hs_rowset_num(rs, i, cols[c])), disp)
                    : hs_rowset_text(rs, i, cols[c], disp, HS_TEXT_CAP);
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
                k->text[k->n * n_cols + c] =
                    strdup(hs_rowset_text(rs, i, cols[c], disp, HS_TEXT_CAP));
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
        hs_keys_sort(k, perm, tmp, k->n);
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
