/* Serial reader of results files (see include/hsweep/table.h). */
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/config.h"
#include "hsweep/table.h"

static int h5err(hs_err *e, const char *path, const char *what)
{
    H5Eclear2(H5E_DEFAULT);
    return HS_FAIL(e, HS_EINPUT, "%s: %s", path, what);
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
    hid_t id = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0)
        h5err(e, path, "not an HDF5 file (or damaged)");
    return id;
}

typedef struct lister {
    char **names;
    size_t n;
    hid_t file;
} lister;

static herr_t list_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    lister *l = data;
    char path[1024];
    snprintf(path, sizeof path, "%s/tasks", name);
    if (H5Lexists(g, name, H5P_DEFAULT) > 0 && H5Lexists(g, path, H5P_DEFAULT) > 0) {
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

int hs_table_list(const char *path, char ***names, size_t *n, hs_err *e)
{
    *names = NULL;
    *n = 0;
    hid_t f = open_ro(path, e);
    if (f < 0)
        return e->code;
    lister l = {NULL, 0, f};
    hsize_t idx = 0;
    herr_t rc = H5Literate(f, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, list_cb, &l);
    if (rc < 0) {
        idx = 0;
        H5Eclear2(H5E_DEFAULT);
        rc = H5Literate(f, H5_INDEX_NAME, H5_ITER_INC, &idx, list_cb, &l);
    }
    H5Fclose(f);
    if (rc < 0) {
        hs_table_list_free(l.names, l.n);
        return h5err(e, path, "cannot list its groups");
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

/* Read a 1-D string-array attribute (variable length); NULL/0 if absent. */
static char **read_strs(hid_t obj, const char *name, size_t *n)
{
    *n = 0;
    if (H5Aexists(obj, name) <= 0)
        return NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t sp = H5Aget_space(a);
    hssize_t cnt = H5Sget_simple_extent_npoints(sp);
    char **out = NULL;
    if (H5Sget_simple_extent_type(sp) != H5S_NULL && cnt > 0) {
        hid_t t = H5Tcopy(H5T_C_S1);
        H5Tset_size(t, H5T_VARIABLE);
        H5Tset_cset(t, H5T_CSET_UTF8);
        char **tmp = calloc((size_t)cnt, sizeof *tmp);
        out = calloc((size_t)cnt, sizeof *out);
        if (tmp && out && H5Aread(a, t, tmp) >= 0) {
            for (hssize_t i = 0; i < cnt; i++)
                out[i] = strdup(tmp[i] ? tmp[i] : "");
            H5Dvlen_reclaim(t, sp, H5P_DEFAULT, tmp);
            *n = (size_t)cnt;
        } else {
            free(out);
            out = NULL;
        }
        free(tmp);
        H5Tclose(t);
    }
    H5Sclose(sp);
    H5Aclose(a);
    return out;
}

static char *read_str(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0)
        return strdup("");
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    char *s = NULL, *out = NULL;
    if (H5Aread(a, t, &s) >= 0 && s) {
        out = strdup(s);
        H5free_memory(s);
    }
    H5Tclose(t);
    H5Aclose(a);
    return out ? out : strdup("");
}

static void free_strs(char **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        free(s[i]);
    free(s);
}

int hs_table_read(const char *path, const char *sweep, hs_table *t, hs_err *e)
{
    memset(t, 0, sizeof *t);
    hid_t f = open_ro(path, e);
    if (f < 0)
        return e->code;
    int rc = 0;
    char dn[1024];
    snprintf(dn, sizeof dn, "%s/tasks", sweep);
    if (H5Lexists(f, sweep, H5P_DEFAULT) <= 0 || H5Lexists(f, dn, H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        H5Fclose(f);
        return HS_FAIL(e, HS_EINPUT, "%s: has no sweep '%s'", path, sweep);
    }
    hid_t g = H5Gopen2(f, sweep, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, dn, H5P_DEFAULT);
    hid_t ft = H5Dget_type(d);
    hid_t mt = H5Tget_native_type(ft, H5T_DIR_ASCEND);
    hid_t sp = H5Dget_space(d);
    t->sweep = strdup(sweep);
    t->kernel = read_str(g, "kernel");
    t->axes = read_strs(g, "axes", &t->n_axes);
    t->params = read_strs(g, "param_names", &t->n_params);
    t->metrics = read_strs(g, "metric_names", &t->n_metrics);
    t->traces = read_strs(g, "trace_names", &t->n_traces);
    t->n_rows = (size_t)H5Sget_simple_extent_npoints(sp);
    t->row_size = H5Tget_size(mt);
    int nm = H5Tget_nmembers(mt);
    t->n_cols = nm > 0 ? (size_t)nm : 0;
    t->col = calloc(t->n_cols + 1, sizeof *t->col);
    t->rows = malloc(t->n_rows * t->row_size + 1);
    if (!t->col || !t->rows) {
        rc = HS_FAIL(e, HS_ENOMEM, "out of memory reading %zu rows", t->n_rows);
    } else if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, t->rows) < 0) {
        rc = h5err(e, path, "cannot read the task table");
    }
    for (size_t i = 0; rc == 0 && i < t->n_cols; i++) {
        hs_col *c = &t->col[i];
        char *nmn = H5Tget_member_name(mt, (unsigned)i);
        c->name = strdup(nmn);
        H5free_memory(nmn);
        c->off = H5Tget_member_offset(mt, (unsigned)i);
        hid_t ct = H5Tget_member_type(mt, (unsigned)i);
        c->size = H5Tget_size(ct);
        switch (H5Tget_class(ct)) {
        case H5T_INTEGER:
            c->kind = H5Tget_sign(ct) == H5T_SGN_NONE ? HS_COL_UINT : HS_COL_INT;
            break;
        case H5T_FLOAT:
            c->kind = HS_COL_FLOAT;
            break;
        case H5T_STRING:
            c->kind = HS_COL_STRING;
            break;
        case H5T_ENUM: {
            c->kind = HS_COL_ENUM;
            int ne = H5Tget_nmembers(ct);
            c->n_enum = ne > 0 ? (size_t)ne : 0;
            c->enum_names = calloc(c->n_enum + 1, sizeof *c->enum_names);
            for (size_t j = 0; c->enum_names && j < c->n_enum; j++) {
                int8_t val = 0;
                H5Tget_member_value(ct, (unsigned)j, &val);
                char *en = H5Tget_member_name(ct, (unsigned)j);
                if (val >= 0 && (size_t)val < c->n_enum)
                    c->enum_names[val] = strdup(en);
                H5free_memory(en);
            }
            break;
        }
        default:
            c->kind = HS_COL_STRING;
            break;
        }
        H5Tclose(ct);
    }
    H5Sclose(sp);
    H5Tclose(mt);
    H5Tclose(ft);
    H5Dclose(d);
    H5Gclose(g);
    H5Fclose(f);
    if (rc)
        hs_table_free(t);
    return rc;
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
        else if (c->size == 4) {
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
    if (H5Lexists(f, dn, H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(f, dn, H5P_DEFAULT);
        hid_t sp = H5Dget_space(d);
        hsize_t dims[2] = {0, 0};
        H5Sget_simple_extent_dims(sp, dims, NULL);
        if (row < dims[0]) {
            hsize_t n = dims[1] < cap ? dims[1] : cap;
            hsize_t start[2] = {row, 0}, count[2] = {1, n};
            H5Sselect_hyperslab(sp, H5S_SELECT_SET, start, NULL, count, NULL);
            hid_t ms = H5Screate_simple(1, &n, NULL);
            if (n == 0 || H5Dread(d, H5T_NATIVE_DOUBLE, ms, sp, H5P_DEFAULT, buf) >= 0)
                got = (long)n;
            H5Sclose(ms);
        }
        H5Sclose(sp);
        H5Dclose(d);
    } else {
        HS_FAIL(e, HS_EINPUT, "%s: sweep '%s' has no trace '%s'", path, sweep, name);
    }
    H5Eclear2(H5E_DEFAULT);
    H5Fclose(f);
    return got;
}
