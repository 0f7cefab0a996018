/* Serial reader of results files (see include/hsweep/table.h). */
#include <errno.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hsweep/config.h"
#include "hsweep/crc32c.h"
#include "hsweep/table.h"

/* Names read from a file are capped: a damaged length cannot make a reader allocate gigabytes. */
#define MAX_NAMES ((hssize_t)1 << 20)
#define MAX_ENUM 256

/* Both record the error at the caller's line. */
#define h5err(e, path, what) h5err_at((e), (path), (what), __FILE__, __LINE__)
#define damaged(e, path, what) damaged_at((e), (path), (what), __FILE__, __LINE__)

static int h5err_at(hs_err *e, const char *path, const char *what, const char *file, int line)
{
    H5Eclear2(H5E_DEFAULT);
    return hs_err_set(e, HS_EINPUT, file, line, "%s: %s", path, what);
}

/* A file whose metadata or table does not read back as hsweep wrote it. */
static int damaged_at(hs_err *e, const char *path, const char *what, const char *file, int line)
{
    H5Eclear2(H5E_DEFAULT);
    return hs_err_set(e, HS_EINPUT, file, line,
                      "%s: damaged results file: %s (try h5dump / h5check)", path, what);
}

static hid_t open_ro(const char *path, hs_err *e)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    FILE *f = fopen(path, "rb");
    if (!f) {
        HS_FAIL(e, HS_EINPUT, "%s: cannot open results file", path);
        return -1;
    }
    fclose(f);
    htri_t is = H5Fis_hdf5(path);
    if (is == 0) {
        h5err(e, path, "not an HDF5 file");
        return -1;
    }
    hid_t id = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0)
        damaged(e, path, "its superblock or root group does not open");
    return id;
}

typedef struct lister {
    char **names;
    size_t n;
    int bad; /* an entry that could not be read */
} lister;

static herr_t list_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    lister *l = data;
    char path[1024];
    if (snprintf(path, sizeof path, "%s/tasks", name) >= (int)sizeof path) {
        l->bad = 1;
        return -1;
    }
    H5O_info_t oi;
    htri_t has =
        H5Lexists(g, name, H5P_DEFAULT) > 0 && H5Oget_info_by_name(g, name, &oi, H5P_DEFAULT) >= 0
            ? (oi.type == H5O_TYPE_GROUP ? H5Lexists(g, path, H5P_DEFAULT) : 0)
            : -1;
    if (has < 0) {
        l->bad = 1;
        return -1;
    }
    if (has > 0) {
        char **nn = realloc(l->names, (l->n + 1) * sizeof *nn);
        if (!nn)
            return -1;
        l->names = nn;
        l->names[l->n] = strdup(name);
        if (!l->names[l->n])
            return -1;
        l->n++;
    }
    return 0;
}

static int list_sweeps(const char *path, char ***names, size_t *n, hs_err *e)
{
    *names = NULL;
    *n = 0;
    hid_t f = open_ro(path, e);
    if (f < 0)
        return e->code;
    lister l = {NULL, 0, 0};
    hsize_t idx = 0;
    herr_t rc = H5Literate(f, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, list_cb, &l);
    if (rc < 0 && !l.bad) {
        hs_table_list_free(l.names, l.n);
        l = (lister){NULL, 0, 0};
        idx = 0;
        H5Eclear2(H5E_DEFAULT);
        rc = H5Literate(f, H5_INDEX_NAME, H5_ITER_INC, &idx, list_cb, &l);
    }
    if (rc >= 0 && HS_H5_CHECK(e, H5Fclose(f))) {
        hs_table_list_free(l.names, l.n);
        return HS_EHDF5;
    }
    if (rc < 0) {
        H5Fclose(f); /* cleanup: the damage is said below */
        hs_table_list_free(l.names, l.n);
        return damaged(e, path,
                       l.bad ? "a sweep group does not open" : "its groups cannot be listed");
    }
    if (l.n == 0)
        return HS_FAIL(e, HS_EINPUT, "%s: not an hsweep results file (no sweep tables)", path);
    *names = l.names;
    *n = l.n;
    return 0;
}

void hs_table_list_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* Variable-length string type in memory, as store.c writes attributes:
 * made once per process by vstr_make (which the entry points call first, so
 * that the readers below need not), kept until HDF5 closes. */
static hid_t vstr = -1;

static int vstr_make(hs_err *e)
{
    if (vstr >= 0 && H5Iis_valid(vstr) > 0)
        return 0;
    hid_t t;
    HS_H5_CALL(e, t = H5Tcopy(H5T_C_S1));
    if (HS_H5_CHECK(e, H5Tset_size(t, H5T_VARIABLE)) ||
        HS_H5_CHECK(e, H5Tset_cset(t, H5T_CSET_UTF8))) {
        H5Tclose(t); /* cleanup: the error is recorded */
        return HS_EHDF5;
    }
    vstr = t;
    return 0;
}

/*
 * The readers below read objects of a file opened read-only: a close that
 * fails there loses nothing (nothing to flush), so closes are not checked;
 * a read that fails means a damaged file, which the callers name.
 */

/*
 * Open attribute `name` of obj if it holds variable-length strings: *a and
 * *sp set, returns its count (0 for an empty list).  -1: absent (e says
 * nothing); -2: present but not such strings (damaged).
 */
static hssize_t open_strs(hid_t obj, const char *name, hid_t *a, hid_t *sp)
{
    htri_t ex = H5Aexists(obj, name);
    if (ex == 0)
        return -1;
    *a = ex > 0 ? H5Aopen(obj, name, H5P_DEFAULT) : -1;
    if (*a < 0)
        return -2;
    hid_t ft = H5Aget_type(*a);
    int ok = ft >= 0 && H5Tget_class(ft) == H5T_STRING && H5Tis_variable_str(ft) > 0;
    if (ft >= 0)
        H5Tclose(ft);
    *sp = ok ? H5Aget_space(*a) : -1;
    H5S_class_t cls = *sp >= 0 ? H5Sget_simple_extent_type(*sp) : H5S_NO_CLASS;
    hssize_t cnt = cls == H5S_NULL ? 0 : *sp >= 0 ? H5Sget_simple_extent_npoints(*sp) : -1;
    if (cls == H5S_NO_CLASS || cnt < 0 || cnt > MAX_NAMES) {
        if (*sp >= 0)
            H5Sclose(*sp);
        H5Aclose(*a);
        return -2;
    }
    return cnt;
}

/* A 1-D string-array attribute: 0 with *out (NULL when absent or empty); -1 if damaged or ENOMEM. */
static int read_strs(hid_t obj, const char *name, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    hid_t a, sp;
    hssize_t cnt = open_strs(obj, name, &a, &sp);
    if (cnt == -1)
        return 0;
    if (cnt < 0)
        return -1;
    int rc = 0;
    if (cnt > 0) {
        hid_t t = vstr;
        char **tmp = calloc((size_t)cnt, sizeof *tmp);
        char **o = calloc((size_t)cnt, sizeof *o);
        rc = tmp && o && H5Aread(a, t, tmp) >= 0 ? 0 : -1;
        for (hssize_t i = 0; rc == 0 && i < cnt; i++)
            if (!(o[i] = strdup(tmp[i] ? tmp[i] : "")))
                rc = -1;
        if (rc == 0 || (tmp && tmp[0]))
            H5Dvlen_reclaim(t, sp, H5P_DEFAULT, tmp);
        free(tmp);
        if (rc == 0) {
            *out = o;
            *n = (size_t)cnt;
        } else {
            for (hssize_t i = 0; o && i < cnt; i++)
                free(o[i]);
            free(o);
        }
    }
    H5Sclose(sp);
    H5Aclose(a);
    return rc;
}

/* A scalar string attribute into *out ("" when absent); -1 if damaged or ENOMEM. */
static int read_str(hid_t obj, const char *name, char **out)
{
    hid_t a, sp;
    hssize_t cnt = open_strs(obj, name, &a, &sp);
    *out = NULL;
    if (cnt == -1)
        return (*out = strdup("")) ? 0 : -1;
    if (cnt < 0)
        return -1;
    char *s = NULL;
    if (cnt == 1 && H5Aread(a, vstr, &s) >= 0) {
        *out = strdup(s ? s : "");
        H5free_memory(s);
    }
    H5Sclose(sp);
    H5Aclose(a);
    return *out ? 0 : -1;
}

static void free_strs(char **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        free(s[i]);
    free(s);
}

/* The member types a task table is made of, and their sizes. */
static int col_kind(hid_t ct, hs_col *c)
{
    size_t sz = c->size;
    int num = sz == 1 || sz == 2 || sz == 4 || sz == 8;
    switch (H5Tget_class(ct)) {
    case H5T_INTEGER:
        c->kind = H5Tget_sign(ct) == H5T_SGN_NONE ? HS_COL_UINT : HS_COL_INT;
        return num ? 0 : -1;
    case H5T_FLOAT:
        c->kind = HS_COL_FLOAT;
        return sz == 4 || sz == 8 ? 0 : -1;
    case H5T_STRING:
        c->kind = HS_COL_STRING;
        return H5Tis_variable_str(ct) == 0 ? 0 : -1;
    case H5T_ENUM: {
        c->kind = HS_COL_ENUM;
        int ne = H5Tget_nmembers(ct);
        if (!num || ne < 0 || ne > MAX_ENUM)
            return -1;
        c->n_enum = (size_t)ne;
        c->enum_names = calloc(c->n_enum + 1, sizeof *c->enum_names);
        if (!c->enum_names)
            return -1;
        hid_t base = H5Tget_super(ct);
        int rc = base >= 0 && H5Tget_size(base) == sz ? 0 : -1;
        for (size_t j = 0; rc == 0 && j < c->n_enum; j++) {
            int64_t val = 0;
            /* the value comes in the enum's base type: read it as a native integer */
            if (H5Tget_member_value(ct, (unsigned)j, &val) < 0 ||
                H5Tconvert(base, H5T_NATIVE_INT64, 1, &val, NULL, H5P_DEFAULT) < 0) {
                rc = -1;
                break;
            }
            char *en = H5Tget_member_name(ct, (unsigned)j);
            if (!en)
                rc = -1;
            else if (val >= 0 && (uint64_t)val < c->n_enum && !c->enum_names[val] &&
                     !(c->enum_names[val] = strdup(en)))
                rc = -1;
            H5free_memory(en);
        }
        if (base >= 0)
            H5Tclose(base);
        return rc;
    }
    default:
        return -1;
    }
}

/* Every name of list[0..n) a column of t: a table never silently lacks one. */
static const char *missing_col(const hs_table *t, char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (hs_table_col(t, list[i]) < 0)
            return list[i];
    return NULL;
}

/* The columns of the task table's memory type mt; a what-is-damaged text or NULL. */
static const char *read_cols(hs_table *t, hid_t mt)
{
    for (size_t i = 0; i < t->n_cols; i++) {
        hs_col *c = &t->col[i];
        char *nmn = H5Tget_member_name(mt, (unsigned)i);
        c->name = nmn ? strdup(nmn) : NULL;
        H5free_memory(nmn);
        if (!c->name)
            return "a column has no name";
        c->off = H5Tget_member_offset(mt, (unsigned)i);
        hid_t ct = H5Tget_member_type(mt, (unsigned)i);
        if (ct < 0)
            return "a column's type does not read";
        c->size = H5Tget_size(ct);
        int bad = c->size == 0 || c->off > t->row_size || c->size > t->row_size - c->off ||
                  col_kind(ct, c) != 0;
        H5Tclose(ct);
        if (bad)
            return "a column's type, size or offset is out of range";
    }
    for (size_t i = 0; i < t->n_cols; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(t->col[i].name, t->col[j].name) == 0)
                return "two columns have the same name";
    int sc = hs_table_col(t, "status");
    if (sc < 0 || hs_table_col(t, "task_id") < 0)
        return "the task table has no task_id or status column";
    if (t->col[sc].kind != HS_COL_ENUM && t->col[sc].kind != HS_COL_INT)
        return "the status column is not an integer";
    if (missing_col(t, t->params, t->n_params) || missing_col(t, t->metrics, t->n_metrics))
        return "a parameter or metric named in the sweep's attributes has no column";
    return NULL;
}

/* The sweep's attributes; a what-is-damaged text or NULL. */
static const char *read_attrs(hs_table *t, hid_t g)
{
    if (read_str(g, "kernel", &t->kernel) != 0 || read_strs(g, "axes", &t->axes, &t->n_axes) != 0)
        return "the sweep's kernel or axes attribute";
    if (read_strs(g, "param_names", &t->params, &t->n_params) != 0 ||
        read_strs(g, "param_types", &t->param_types, &t->n_param_types) != 0 ||
        read_strs(g, "param_defaults", &t->param_defaults, &t->n_param_defaults) != 0 ||
        read_strs(g, "param_units", &t->param_units, &t->n_param_units) != 0)
        return "the sweep's parameter attributes";
    if (read_strs(g, "metric_names", &t->metrics, &t->n_metrics) != 0 ||
        read_strs(g, "metric_units", &t->metric_units, &t->n_metric_units) != 0 ||
        read_strs(g, "trace_names", &t->traces, &t->n_traces) != 0)
        return "the sweep's metric or trace attributes";
    if (read_str(g, "exec_logs", &t->exec_logs) != 0 ||
        read_str(g, "exec_git_describe", &t->exec_git_describe) != 0 ||
        read_str(g, "exec_git_dirty", &t->exec_git_dirty) != 0 ||
        read_str(g, "exec_interpreter", &t->exec_interpreter) != 0 ||
        read_str(g, "exec_interpreter_version", &t->exec_interpreter_version) != 0 ||
        read_strs(g, "exec_files", &t->exec_files, &t->n_exec_files) != 0 ||
        read_strs(g, "exec_files_sha256", &t->exec_files_sha256, &t->n_exec_files_sha256) != 0 ||
        t->n_exec_files != t->n_exec_files_sha256)
        return "the sweep's exec provenance attributes";
    if ((t->n_param_types && t->n_param_types != t->n_params) ||
        (t->n_param_defaults && t->n_param_defaults != t->n_params) ||
        (t->n_param_units && t->n_param_units != t->n_params) ||
        (t->n_metric_units && t->n_metric_units != t->n_metrics))
        return "the sweep's attribute lists differ in length";
    return NULL;
}

/* Number of tasks the sweep says it has (its n_tasks attribute); -1 if absent, -2 if damaged. */
static int64_t read_n_tasks(hid_t g)
{
    htri_t ex = H5Aexists(g, "n_tasks");
    if (ex == 0)
        return -1;
    hid_t a = ex > 0 ? H5Aopen(g, "n_tasks", H5P_DEFAULT) : -1;
    if (a < 0)
        return -2;
    hid_t sp = H5Aget_space(a), ft = H5Aget_type(a);
    uint64_t n = 0;
    int ok = sp >= 0 && ft >= 0 && H5Sget_simple_extent_npoints(sp) == 1 &&
             H5Tget_class(ft) == H5T_INTEGER && H5Aread(a, H5T_NATIVE_UINT64, &n) >= 0 &&
             n <= (uint64_t)INT64_MAX;
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    H5Aclose(a);
    return ok ? (int64_t)n : -2;
}

/* Trace rows read at a time while checking checksums: a few MB whatever the width. */
#define TRACE_BLOCK_BYTES ((size_t)4 << 20)

/*
 * Mark each finished row whose checksum does not match (store.c's
 * row_checksum: the row's file bytes with crc32c zero, then each trace's row)
 * and each row whose status is outside hs_status.  Returns a
 * what-is-damaged text for a trace that does not read, else NULL.
 */
static const char *check_rows(hs_table *t, hid_t f, hid_t d, hid_t ft, hs_err *e, int *rc)
{
    t->damage = calloc(t->n_rows + 1, 1);
    if (!t->damage)
        return "out of memory";
    int cc = hs_table_col(t, "crc32c");
    int crc_ok = cc >= 0 && t->col[cc].kind == HS_COL_UINT && t->col[cc].size == 4;
    size_t fsize = H5Tget_size(ft);
    int fi = crc_ok ? H5Tget_member_index(ft, "crc32c") : -1;
    size_t foff = fi >= 0 ? H5Tget_member_offset(ft, (unsigned)fi) : 0;
    if (crc_ok && (fi < 0 || fsize < 4 || foff > fsize - 4))
        return "the crc32c column is out of the row";
    uint32_t *crc = crc_ok ? calloc(t->n_rows + 1, sizeof *crc) : NULL;
    unsigned char *raw = crc_ok ? malloc(t->n_rows * fsize + 1) : NULL;
    const char *bad = NULL;
    if (crc_ok && (!crc || !raw))
        bad = "out of memory";
    else if (crc_ok && H5Dread(d, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0)
        bad = "the task table's rows do not read";
    for (size_t r = 0; !bad && r < t->n_rows; r++) {
        int st = hs_table_status(t, r);
        if (st < 0)
            t->damage[r] = HS_ROW_BAD_STATUS;
        else if (crc_ok && st != HS_ST_PENDING) {
            unsigned char *row = raw + r * fsize;
            memset(row + foff, 0, 4);
            crc[r] = hs_crc32c(0, row, fsize);
        }
    }
    for (size_t i = 0; crc_ok && !bad && *rc == 0 && i < t->n_traces; i++) {
        char dn[1024];
        snprintf(dn, sizeof dn, "%s/traces/%s", t->sweep, t->traces[i]);
        hid_t td = H5Lexists(f, dn, H5P_DEFAULT) > 0 ? H5Dopen2(f, dn, H5P_DEFAULT) : -1;
        hid_t sp = td >= 0 ? H5Dget_space(td) : -1;
        hsize_t dims[2] = {0, 0}, file_bytes = 0;
        if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 2 ||
            H5Sget_simple_extent_dims(sp, dims, NULL) < 0 || dims[0] != t->n_rows)
            bad = "a trace dataset is missing or has another number of rows";
        /* hsweep allocates a trace in the file when it creates it: a trace
         * wider than the file can hold is a damaged header (reading it
         * would be fill values, gigabytes of them) */
        else if (H5Fget_filesize(f, &file_bytes) < 0 ||
                 dims[1] > file_bytes / sizeof(double) / (t->n_rows ? t->n_rows : 1))
            bad = "a trace dataset is larger than the file";
        size_t w = (size_t)dims[1], per = w ? TRACE_BLOCK_BYTES / (w * sizeof(double)) : 0;
        per = per ? per : 1;
        double *buf = !bad && w ? malloc(per * w * sizeof *buf) : NULL;
        if (!bad && w && !buf)
            bad = "out of memory";
        for (size_t r0 = 0; !bad && w && r0 < t->n_rows; r0 += per) {
            hsize_t n = t->n_rows - r0 < per ? t->n_rows - r0 : per;
            hsize_t start[2] = {r0, 0}, count[2] = {n, w}, mn = n * w;
            hid_t ms;
            if ((*rc = HS_H5_CHECK(e, ms = H5Screate_simple(1, &mn, NULL))) != 0)
                break;
            if (H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
                H5Dread(td, H5T_NATIVE_DOUBLE, ms, sp, H5P_DEFAULT, buf) < 0)
                bad = "a trace's values do not read";
            H5Sclose(ms);
            for (size_t r = r0; !bad && r < r0 + n; r++)
                if (hs_table_status(t, r) > HS_ST_PENDING)
                    crc[r] = hs_crc32c(crc[r], buf + (r - r0) * w, w * sizeof *buf);
        }
        free(buf);
        if (sp >= 0)
            H5Sclose(sp);
        if (td >= 0)
            H5Dclose(td);
    }
    for (size_t r = 0; crc_ok && !bad && r < t->n_rows; r++) {
        uint32_t stored = (uint32_t)hs_table_num(t, r, cc);
        if (!t->damage[r] && hs_table_status(t, r) > HS_ST_PENDING && stored != crc[r])
            t->damage[r] = HS_ROW_BAD_CRC;
    }
    for (size_t r = 0; !bad && r < t->n_rows; r++)
        t->n_damaged += t->damage[r] != 0;
    free(crc);
    free(raw);
    return bad;
}

/*
 * A sweep with refine blocks preallocates rows for its refinement (column
 * origin = -1 until used): readers see the rows in use only, in file order.
 */
static void drop_unused(hs_table *t)
{
    int oc = hs_table_col(t, "origin");
    if (oc < 0)
        return;
    size_t k = 0;
    t->n_damaged = 0;
    for (size_t r = 0; r < t->n_rows; r++) {
        if (hs_table_num(t, r, oc) < 0)
            continue;
        if (k != r) {
            memmove(t->rows + k * t->row_size, t->rows + r * t->row_size, t->row_size);
            t->damage[k] = t->damage[r];
        }
        t->n_damaged += t->damage[k] != 0;
        k++;
    }
    t->n_rows = k;
}

int hs_table_read(const char *path, const char *sweep, hs_table *t, hs_err *e)
{
    memset(t, 0, sizeof *t);
    HS_CALL(vstr_make(e));
    hid_t f = open_ro(path, e);
    if (f < 0)
        return e->code;
    char dn[1024];
    snprintf(dn, sizeof dn, "%s/tasks", sweep);
    htri_t has = H5Lexists(f, sweep, H5P_DEFAULT);
    if (has > 0)
        has = H5Lexists(f, dn, H5P_DEFAULT);
    if (has <= 0) {
        H5Fclose(f);
        return has < 0 ? damaged(e, path, "a sweep group does not open")
                       : HS_FAIL(e, HS_EINPUT, "%s: has no sweep '%s'", path, sweep);
    }
    hid_t g = H5Gopen2(f, sweep, H5P_DEFAULT);
    hid_t d = g >= 0 ? H5Dopen2(f, dn, H5P_DEFAULT) : -1;
    hid_t ft = d >= 0 ? H5Dget_type(d) : -1;
    hid_t mt =
        ft >= 0 && H5Tget_class(ft) == H5T_COMPOUND ? H5Tget_native_type(ft, H5T_DIR_ASCEND) : -1;
    hid_t sp = mt >= 0 ? H5Dget_space(d) : -1;
    const char *bad = NULL;
    int rc = 0;
    hsize_t fsize = 0;
    hssize_t np =
        sp >= 0 && H5Sget_simple_extent_ndims(sp) == 1 ? H5Sget_simple_extent_npoints(sp) : -1;
    int nm = mt >= 0 ? H5Tget_nmembers(mt) : -1;
    if (!(t->sweep = strdup(sweep)))
        rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
    else if (g < 0 || d < 0)
        bad = "the sweep's group or task table does not open";
    else if (mt < 0 || np < 0 || nm <= 0 || H5Fget_filesize(f, &fsize) < 0)
        bad = "the task table's type or shape does not read";
    else
        bad = read_attrs(t, g);
    if (rc == 0 && !bad) {
        int64_t want = read_n_tasks(g);
        t->n_rows = (size_t)np;
        t->row_size = H5Tget_size(mt);
        t->n_cols = (size_t)nm;
        /* the table's bytes are in the file: a larger size is a damaged header, not an allocation */
        if (want == -2 || (want >= 0 && (uint64_t)want != (uint64_t)np))
            bad = "the task table's length differs from the sweep's n_tasks";
        else if (t->row_size == 0 || (t->n_rows && t->row_size > fsize / t->n_rows))
            bad = "the task table is larger than the file";
    }
    if (rc == 0 && !bad) {
        t->col = calloc(t->n_cols + 1, sizeof *t->col);
        t->rows = malloc(t->n_rows * t->row_size + 1);
        if (!t->col || !t->rows)
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory reading %zu rows", t->n_rows);
        else if (!(bad = read_cols(t, mt)))
            bad = H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->rows) < 0
                      ? "the task table's rows do not read"
                      : check_rows(t, f, d, ft, e, &rc);
        if (!bad)
            drop_unused(t);
    }
    if (rc == 0 && bad) {
        char what[256];
        snprintf(what, sizeof what, "sweep '%.100s': %s", sweep, bad);
        rc = damaged(e, path, what);
    }
    if (sp >= 0)
        H5Sclose(sp);
    if (mt >= 0)
        H5Tclose(mt);
    if (ft >= 0)
        H5Tclose(ft);
    if (d >= 0)
        H5Dclose(d);
    if (g >= 0)
        H5Gclose(g);
    H5Eclear2(H5E_DEFAULT);
    rc = rc ? ((void)H5Fclose(f), rc) : HS_H5_CHECK(e, H5Fclose(f));
    if (rc)
        hs_table_free(t);
    return rc;
}

/* Read every string attribute of the root group (the provenance readers print). */
static herr_t root_attr_cb(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    (void)data;
    char *v = NULL;
    read_str(loc, name, &v);
    free(v);
    return 0;
}

/*
 * HDF5 trusts some lengths in a file's metadata (a variable-length string
 * is copied with the length its heap entry gives): a damaged file can crash
 * the library itself, where no check of ours can come first.  So the file
 * is read once in a child process, everything a reader reads (the sweep
 * list, every table with its checksums, the root's string attributes); a
 * child that dies (a signal, or check_limit_s without an answer: HDF5 can
 * loop on a damaged file too) means damaged.
 */
static unsigned check_limit_s = 60;

void hs_table_set_check_limit(unsigned seconds)
{
    check_limit_s = seconds ? seconds : 60;
}

static int probe(const char *path, hs_err *e)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return HS_FAIL(e, HS_EIO, "%s: cannot fork to check the file (fork): %s", path,
                       strerror(errno));
    if (pid == 0) {
        /* default actions, whatever handlers the process had (its own
         * SIGALRM handler would let a child that hangs live on) */
        static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGALRM};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
            signal(sigs[i], SIG_DFL);
        alarm(check_limit_s);
        /* Only whether reading crashes counts here: errors are the parent's to find. */
        char **names;
        size_t n;
        hs_err ce;
        if (list_sweeps(path, &names, &n, &ce) == 0) {
            for (size_t i = 0; i < n; i++) {
                hs_table t;
                if (hs_table_read(path, names[i], &t, &ce) == 0)
                    hs_table_free(&t);
            }
            hs_table_list_free(names, n);
            hid_t f = open_ro(path, &ce);
            if (f >= 0) {
                hsize_t idx = 0;
                H5Aiterate2(f, H5_INDEX_NAME, H5_ITER_INC, &idx, root_attr_cb, NULL);
                H5Fclose(f);
            }
        }
        _exit(0);
    }
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return HS_FAIL(e, HS_EIO, "%s: cannot wait for the check of the file (waitpid): %s",
                           path, strerror(errno));
    if (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGALRM) {
        char what[128];
        snprintf(what, sizeof what, "reading its metadata did not end in %u s", check_limit_s);
        return damaged(e, path, what);
    }
    if (WIFSIGNALED(ws) || WEXITSTATUS(ws) != 0) {
        char what[128];
        snprintf(what, sizeof what, "reading its metadata crashes the HDF5 library (%s)",
                 WIFSIGNALED(ws) ? strsignal(WTERMSIG(ws)) : "exit status");
        return damaged(e, path, what);
    }
    return 0;
}

int hs_table_list(const char *path, char ***names, size_t *n, hs_err *e)
{
    *names = NULL;
    *n = 0;
    HS_CALL(vstr_make(e));
    hid_t f = open_ro(path, e);
    if (f < 0)
        return e->code;
    HS_H5_CALL(e, H5Fclose(f));
    HS_CALL(probe(path, e));
    return list_sweeps(path, names, n, e);
}

void hs_table_free(hs_table *t)
{
    for (size_t i = 0; t->col && i < t->n_cols; i++) {
        free(t->col[i].name);
        free_strs(t->col[i].enum_names, t->col[i].n_enum);
    }
    free(t->col);
    free(t->rows);
    free(t->sweep);
    free(t->kernel);
    free_strs(t->axes, t->n_axes);
    free_strs(t->params, t->n_params);
    free_strs(t->metrics, t->n_metrics);
    free_strs(t->traces, t->n_traces);
    free_strs(t->param_types, t->n_param_types);
    free_strs(t->param_defaults, t->n_param_defaults);
    free_strs(t->param_units, t->n_param_units);
    free_strs(t->metric_units, t->n_metric_units);
    free(t->exec_logs);
    free(t->exec_git_describe);
    free(t->exec_git_dirty);
    free(t->exec_interpreter);
    free(t->exec_interpreter_version);
    free_strs(t->exec_files, t->n_exec_files);
    free_strs(t->exec_files_sha256, t->n_exec_files_sha256);
    free(t->damage);
    memset(t, 0, sizeof *t);
}

int hs_table_col(const hs_table *t, const char *name)
{
    for (size_t i = 0; i < t->n_cols; i++)
        if (strcmp(t->col[i].name, name) == 0)
            return (int)i;
    return -1;
}

double hs_table_num(const hs_table *t, size_t row, int col)
{
    const hs_col *c = &t->col[col];
    const unsigned char *p = t->rows + row * t->row_size + c->off;
    switch (c->kind) {
    case HS_COL_FLOAT:
        if (c->size == 4) {
            float x;
            memcpy(&x, p, 4);
            return x;
        } else {
            double x;
            memcpy(&x, p, 8);
            return x;
        }
    case HS_COL_INT:
    case HS_COL_ENUM: {
        int64_t x = 0;
        if (c->size == 1)
            x = *(const int8_t *)p;
        else if (c->size == 2) {
            int16_t y;
            memcpy(&y, p, 2);
            x = y;
        } else if (c->size == 4) {
            int32_t y;
            memcpy(&y, p, 4);
            x = y;
        } else
            memcpy(&x, p, 8);
        return (double)x;
    }
    case HS_COL_UINT: {
        uint64_t x = 0;
        if (c->size == 8)
            memcpy(&x, p, 8);
        else if (c->size == 4) {
            uint32_t y;
            memcpy(&y, p, 4);
            x = y;
        } else if (c->size == 2) {
            uint16_t y;
            memcpy(&y, p, 2);
            x = y;
        } else
            x = *p;
        return (double)x;
    }
    default:
        return NAN;
    }
}

const char *hs_table_text(const hs_table *t, size_t row, int col, char *buf, size_t cap)
{
    const hs_col *c = &t->col[col];
    const unsigned char *p = t->rows + row * t->row_size + c->off;
    switch (c->kind) {
    case HS_COL_STRING:
        snprintf(buf, cap, "%.*s", (int)c->size, (const char *)p);
        break;
    case HS_COL_ENUM: {
        long v = (long)hs_table_num(t, row, col);
        const char *n = v >= 0 && (size_t)v < c->n_enum && c->enum_names ? c->enum_names[v] : NULL;
        if (n && strcmp(n, "TRUE") == 0)
            n = "true";
        else if (n && strcmp(n, "FALSE") == 0)
            n = "false";
        if (n)
            snprintf(buf, cap, "%s", n);
        else
            snprintf(buf, cap, "%ld", v);
        break;
    }
    case HS_COL_FLOAT:
        hs_num_format(hs_table_num(t, row, col), buf, cap);
        break;
    case HS_COL_UINT: {
        uint64_t x = 0;
        memcpy(&x, p, c->size < 8 ? c->size : 8);
        snprintf(buf, cap, "%llu", (unsigned long long)x);
        break;
    }
    default:
        snprintf(buf, cap, "%.0f", hs_table_num(t, row, col));
        break;
    }
    return buf;
}

long hs_table_trace(const char *path, const char *sweep, const char *name, size_t row, double *buf,
                    size_t cap, hs_err *e)
{
    hid_t f = open_ro(path, e);
    if (f < 0)
        return -1;
    char dn[1024];
    snprintf(dn, sizeof dn, "%s/traces/%s", sweep, name);
    long got = -1;
    htri_t has = H5Lexists(f, sweep, H5P_DEFAULT);
    if (has > 0 && (has = H5Lexists(f, dn, H5P_DEFAULT)) > 0) {
        hid_t d = H5Dopen2(f, dn, H5P_DEFAULT);
        hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
        hsize_t dims[2] = {0, 0};
        if (sp < 0 || H5Sget_simple_extent_ndims(sp) != 2 ||
            H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
            damaged(e, path, "a trace dataset does not open");
        } else if (row >= dims[0]) {
            damaged(e, path, "a trace dataset has fewer rows than the task table");
        } else {
            hsize_t n = dims[1] < cap ? dims[1] : cap;
            hsize_t start[2] = {row, 0}, count[2] = {1, n};
            hid_t ms;
            if (HS_H5_CHECK(e, ms = H5Screate_simple(1, &n, NULL)))
                ; /* e names the call */
            else if (n == 0 ||
                     (H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
                      H5Dread(d, H5T_NATIVE_DOUBLE, ms, sp, H5P_DEFAULT, buf) >= 0))
                got = (long)n;
            else
                damaged(e, path, "a trace's values do not read");
            if (ms >= 0)
                H5Sclose(ms);
        }
        if (sp >= 0)
            H5Sclose(sp);
        if (d >= 0)
            H5Dclose(d);
    } else if (has < 0) {
        damaged(e, path, "a trace dataset does not open");
    } else {
        HS_FAIL(e, HS_EINPUT, "%s: sweep '%s' has no trace '%s'", path, sweep, name);
    }
    H5Eclear2(H5E_DEFAULT);
    if (got >= 0 && HS_H5_CHECK(e, H5Fclose(f)))
        return -1;
    if (got < 0)
        H5Fclose(f); /* cleanup: the error is recorded */
    return got;
}

int hs_table_status(const hs_table *t, size_t row)
{
    int c = hs_table_col(t, "status");
    double v = hs_table_num(t, row, c);
    return v >= 0 && v < HS_ST_COUNT ? (int)v : -1;
}

/* Stands in for a plug-in trace's length function: a reader never sizes a trace. */
static size_t no_len(const hs_params *p)
{
    (void)p;
    return 0;
}

static hs_type type_of(const char *name)
{
    return strcmp(name, "int") == 0    ? HS_T_INT
           : strcmp(name, "bool") == 0 ? HS_T_BOOL
           : strcmp(name, "real") == 0 ? HS_T_REAL
                                       : HS_T_STRING;
}

int hs_table_schema(const hs_table *t, hs_kernel *k, hs_err *e)
{
    memset(k, 0, sizeof *k);
    hs_param_spec *p = calloc(t->n_params + 1, sizeof *p);
    hs_metric_spec *m = calloc(t->n_metrics + 1, sizeof *m);
    hs_trace_spec *tr = calloc(t->n_traces + 1, sizeof *tr);
    if (!p || !m || !tr) {
        free(p);
        free(m);
        free(tr);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->n_params; i++) {
        p[i].name = t->params[i];
        p[i].type = t->n_param_types ? type_of(t->param_types[i]) : HS_T_STRING;
        p[i].def = t->n_param_defaults && (*t->param_defaults[i] || p[i].type == HS_T_STRING)
                       ? t->param_defaults[i]
                       : NULL;
        p[i].min = -INFINITY;
        p[i].max = INFINITY;
        p[i].unit = t->n_param_units ? t->param_units[i] : NULL;
    }
    for (size_t i = 0; i < t->n_metrics; i++) {
        m[i].name = t->metrics[i];
        m[i].unit = t->n_metric_units ? t->metric_units[i] : NULL;
    }
    for (size_t i = 0; i < t->n_traces; i++) {
        tr[i].name = t->traces[i];
        tr[i].len = no_len;
    }
    *k = (hs_kernel){.abi = HS_KERNEL_ABI,
                     .name = t->kernel,
                     .summary = "",
                     .params = p,
                     .n_params = t->n_params,
                     .metrics = m,
                     .n_metrics = t->n_metrics,
                     .traces = tr,
                     .n_traces = t->n_traces};
    return 0;
}

void hs_table_schema_free(hs_kernel *k)
{
    free((void *)k->params);
    free((void *)k->metrics);
    free((void *)k->traces);
    memset(k, 0, sizeof *k);
}

size_t hs_table_damaged_ids(const hs_table *t, char *buf, size_t cap)
{
    size_t used = 0, shown = 0;
    int id = hs_table_col(t, "task_id");
    buf[0] = 0;
    for (size_t r = 0; r < t->n_rows && used < cap; r++) {
        if (!t->damage[r])
            continue;
        if (shown++ == 10) {
            snprintf(buf + used, cap - used, ", ...");
            break;
        }
        used += (size_t)snprintf(buf + used, cap - used, "%s%.0f", shown > 1 ? ", " : "",
                                 hs_table_num(t, r, id));
    }
    return t->n_damaged;
}
