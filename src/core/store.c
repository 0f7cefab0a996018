/*
 * Parallel-HDF5 results file.  See include/hsweep/store.h for the promises;
 * the layout is DESIGN.md's.  Only raw data is written after creation, with
 * independent I/O, so no metadata is ever dirty while tasks run.
 */
#define _GNU_SOURCE /* sync_file_range, renameat2 */
#include <dirent.h>
#include <errno.h>
#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "hs_version.h"
#include "hsweep/crc32c.h"
#include "hsweep/mpi_util.h"
#include "hsweep/refine.h"
#include "hsweep/stats.h"
#include "hsweep/store.h"
#include "hsweep/exec.h"
#include "hsweep/table.h"
#include "core/store_agg.h"

typedef struct layout {
    size_t row_size;
    size_t off_task_id, off_seed, off_rng_seed, off_status, off_attempts, off_rank, off_host;
    size_t off_wall, off_started, off_rss, off_detail, off_crc;
    size_t off_origin; /* sweeps with refine blocks: the origin column; 0: none */
    size_t *off_param, *off_metric, *off_tlen;
    hid_t row_type;    /* memory = file type */
    hid_t status_type; /* compound of the status member alone */
    hid_t dset;        /* /<sweep>/tasks */
    hid_t *trace_dset;
    size_t *trace_width;
    /* Where the raw data of the task table and of each trace starts in the
     * file, for writes that bypass HDF5's type machinery; HADDR_UNDEF: write
     * through H5Dwrite. */
    haddr_t row_addr;
    haddr_t *trace_addr;
    double *scratch; /* max trace width; between writes NaN up to scratch_nan */
    size_t scratch_nan;
    unsigned char *row;
    hid_t index_dset;   /* /<sweep>/config_index where the file keeps one (else 0) */
    haddr_t index_addr; /* its raw data, or HADDR_UNDEF: H5Dwrite */
} layout;

struct hs_store {
    hid_t file;
    MPI_File *fh;    /* HDF5's own MPI-IO handle of the file (H5Fget_vfd_handle) */
    int lock_fd;     /* holds the shared run lock on the file while this run uses it */
    size_t unkicked; /* trace bytes written since write-back was last started */
    char path[4096]; /* the results file, for messages */
    const hs_sweepset *set;
    layout *lay;         /* one per sweep */
    hid_t mem1;          /* dataspace of one element */
    uint16_t text_index; /* this run's entry in the file's sweep-text history */
};

/* ---- HDF5 error text --------------------------------------------------- */

static herr_t walk_cb(unsigned n, const H5E_error2_t *err, void *data)
{
    (void)n;
    char *buf = data;
    if (!buf[0] && err->desc)
        snprintf(buf, 256, "%s", err->desc);
    return 0;
}

/* HDF5's own reason for the last failure into buf[256] ("" if none); clears
 * its error stack.  Part of reporting an error: its own calls have no one
 * to report to. */
static void h5reason(char *buf)
{
    buf[0] = 0;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, buf);
    H5Eclear2(H5E_DEFAULT);
}

/* Record HS_EHDF5 "<path>: <what>[: HDF5's reason]", raised at the caller's
 * line; h5fail_open records HS_EIO so, for a file that HDF5 cannot open (not
 * an HDF5 file, or not readable): the user's to fix, a one-line message. */
#define h5fail(e, what, path) h5fail_at((e), HS_EHDF5, (what), (path), __FILE__, __LINE__)
#define h5fail_open(e, what, path) h5fail_at((e), HS_EIO, (what), (path), __FILE__, __LINE__)

static int h5fail_at(hs_err *e, int code, const char *what, const char *path, const char *file,
                     int line)
{
    char buf[256];
    h5reason(buf);
    return hs_err_set(e, code, file, line, "%s: %s%s%s", path, what, buf[0] ? ": " : "", buf);
}

/*
 * The error rc that a checked call below recorded (HS_H5_CHECK, HS_MPI_CHECK:
 * it names the call, file and line), put in the user's terms: "<path>:
 * <what>: " before its message, HDF5's reason after it; where it was raised
 * and its trace are kept.  Returns rc (0: nothing happened).
 */
static int context(hs_err *e, int rc, const char *what, const char *path)
{
    if (rc == 0)
        return 0;
    char why[256], msg[sizeof e->msg];
    h5reason(why);
    const char *part[] = {path, ": ", what, ": ", e->msg, why[0] ? ": " : "", why};
    size_t used = 0;
    for (size_t i = 0; i < sizeof part / sizeof part[0]; i++) {
        size_t len = strlen(part[i]);
        len = len < sizeof msg - 1 - used ? len : sizeof msg - 1 - used;
        memcpy(msg + used, part[i], len);
        used += len;
    }
    msg[used] = 0;
    memcpy(e->msg, msg, used + 1);
    return rc;
}

/* Close an HDF5 object with `call`: checked while rc is 0; after an error
 * (already recorded) the object is only closed. */
#define CLOSE_H5(rc, e, call) ((rc) = (rc) ? ((void)(call), (rc)) : HS_H5_CHECK((e), (call)))

/* x's value; a nonzero one (an error x recorded) gets this call site as a
 * frame of the error's trace (as HS_CALL, for code that goes on to clean up). */
#define FRAME(x) frame_at((x), __FILE__, __LINE__, __func__)

static int frame_at(int rc, const char *file, int line, const char *func)
{
    if (rc)
        hs_err_frame(rc, file, line, func);
    return rc;
}

/* A collective MPI call that every rank makes whatever its rc: checked while rc is 0. */
#define MPI_ALL(rc, e, call)                                                                       \
    do {                                                                                           \
        int mpi_rc_ = (call);                                                                      \
        if ((rc) == 0)                                                                             \
            (rc) = hs_err_mpi((e), mpi_rc_, #call, __FILE__, __LINE__);                            \
    } while (0)

/* ---- types -------------------------------------------------------------- */

/* The types below return an HDF5 id, or -1 with e set (nothing left open). */

static hid_t enum_type(int bools, hs_err *e)
{
    hid_t t;
    if (HS_H5_CHECK(e, t = H5Tenum_create(H5T_NATIVE_INT8)))
        return -1;
    int rc = 0;
    if (bools) {
        int8_t f = 0, tr = 1;
        rc = HS_H5_CHECK(e, H5Tenum_insert(t, "FALSE", &f));
        if (rc == 0)
            rc = HS_H5_CHECK(e, H5Tenum_insert(t, "TRUE", &tr));
    }
    for (int8_t s = 0; !bools && rc == 0 && s < HS_ST_COUNT; s++)
        rc = HS_H5_CHECK(e, H5Tenum_insert(t, hs_status_name(s), &s));
    if (rc) {
        H5Tclose(t); /* cleanup: the error is recorded */
        return -1;
    }
    return t;
}

static hid_t str_type(size_t width, hs_err *e)
{
    hid_t t;
    if (HS_H5_CHECK(e, t = H5Tcopy(H5T_C_S1)))
        return -1;
    if (HS_H5_CHECK(e, H5Tset_size(t, width ? width : 1)) ||
        HS_H5_CHECK(e, H5Tset_strpad(t, H5T_STR_NULLTERM))) {
        H5Tclose(t); /* cleanup: the error is recorded */
        return -1;
    }
    return t;
}

/* A compound type under construction: members are packed at `off`; the
 * first failure is kept in rc (later members are then skipped). */
typedef struct builder {
    hid_t ct;
    size_t off;
    int rc;
    hs_err *e;
} builder;

static size_t add_member(builder *b, const char *name, hid_t t)
{
    size_t o = b->off;
    if (b->rc == 0 && t < 0)
        b->rc = HS_EHDF5; /* t's maker recorded why */
    if (b->rc == 0)
        b->rc = HS_H5_CHECK(b->e, H5Tinsert(b->ct, name, o, t));
    if (b->rc == 0)
        b->off += H5Tget_size(t);
    return o;
}

/* Close and free what l holds; -1 if a close failed (after an error, in
 * cleanup, callers ignore it). */
static int layout_free(layout *l, const hs_kernel *k)
{
    int bad = 0;
    if (l->row_type > 0)
        bad |= H5Tclose(l->row_type) < 0;
    if (l->status_type > 0)
        bad |= H5Tclose(l->status_type) < 0;
    if (l->dset > 0)
        bad |= H5Dclose(l->dset) < 0;
    for (size_t t = 0; l->trace_dset && t < k->n_traces; t++)
        if (l->trace_dset[t] > 0)
            bad |= H5Dclose(l->trace_dset[t]) < 0;
    if (l->index_dset > 0)
        bad |= H5Dclose(l->index_dset) < 0;
    free(l->trace_dset);
    free(l->trace_width);
    free(l->trace_addr);
    free(l->off_param);
    free(l->off_metric);
    free(l->off_tlen);
    free(l->scratch);
    free(l->row);
    memset(l, 0, sizeof *l);
    return bad ? -1 : 0;
}

/* Build the compound row type of sweep s (packed; memory and file alike). */
static int layout_build(layout *l, const hs_sweep *s, hs_err *e)
{
    const hs_kernel *k = s->kernel;
    memset(l, 0, sizeof *l);
    l->off_param = calloc(k->n_params + 1, sizeof(size_t));
    l->off_metric = calloc(k->n_metrics + 1, sizeof(size_t));
    l->off_tlen = calloc(k->n_traces + 1, sizeof(size_t));
    l->trace_dset = calloc(k->n_traces + 1, sizeof(hid_t));
    l->trace_width = calloc(k->n_traces + 1, sizeof(size_t));
    l->trace_addr = calloc(k->n_traces + 1, sizeof(haddr_t));
    l->row_addr = HADDR_UNDEF;
    for (size_t t = 0; l->trace_addr && t < k->n_traces; t++)
        l->trace_addr[t] = HADDR_UNDEF;
    if (!l->off_param || !l->off_metric || !l->off_tlen || !l->trace_dset || !l->trace_width ||
        !l->trace_addr)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    /* First pass: total size. */
    size_t size = 8 + 8 + 8 + 1 + 4 + 4 + HS_HOST_LEN + 8 + 8 + 8 + HS_DETAIL_LEN;
    size += 8 * k->n_metrics + 4 * k->n_traces + 4 + (s->n_refine ? 4 : 0);
    for (size_t p = 0; p < k->n_params; p++)
        switch (k->params[p].type) {
        case HS_T_INT:
        case HS_T_REAL:
            size += 8;
            break;
        case HS_T_BOOL:
            size += 1;
            break;
        case HS_T_STRING:
            size += s->str_width[p] ? s->str_width[p] : 1;
            break;
        }
    builder b = {.e = e};
    HS_H5_CALL(e, b.ct = H5Tcreate(H5T_COMPOUND, size));
    l->row_type = b.ct; /* layout_free closes it */
    hid_t bt = enum_type(1, e), stt = bt < 0 ? -1 : enum_type(0, e),
          ht = stt < 0 ? -1 : str_type(HS_HOST_LEN, e),
          dt = ht < 0 ? -1 : str_type(HS_DETAIL_LEN, e);
    b.rc = dt < 0 ? HS_EHDF5 : 0;
    l->off_task_id = add_member(&b, "task_id", H5T_NATIVE_UINT64);
    l->off_seed = add_member(&b, "seed", H5T_NATIVE_INT64);
    l->off_rng_seed = add_member(&b, "rng_seed", H5T_NATIVE_UINT64);
    for (size_t p = 0; p < k->n_params && b.rc == 0; p++) {
        const hs_param_spec *ps = &k->params[p];
        hid_t t = -1;
        if (ps->type == HS_T_STRING)
            t = str_type(s->str_width[p], e);
        else if (HS_H5_CHECK(e, t = H5Tcopy(ps->type == HS_T_INT    ? H5T_NATIVE_INT64
                                            : ps->type == HS_T_REAL ? H5T_NATIVE_DOUBLE
                                                                    : bt)))
            t = -1;
        l->off_param[p] = add_member(&b, ps->name, t);
        if (t >= 0)
            CLOSE_H5(b.rc, e, H5Tclose(t));
    }
    if (s->n_refine) /* 0: grid, r >= 1: refinement round r, -1: a refinement row not used */
        l->off_origin = add_member(&b, "origin", H5T_NATIVE_INT32);
    l->off_status = add_member(&b, "status", stt);
    l->off_attempts = add_member(&b, "attempts", H5T_NATIVE_INT32);
    l->off_rank = add_member(&b, "rank", H5T_NATIVE_INT32);
    l->off_host = add_member(&b, "host", ht);
    l->off_wall = add_member(&b, "wall_s", H5T_NATIVE_DOUBLE);
    l->off_started = add_member(&b, "started_unix", H5T_NATIVE_DOUBLE);
    l->off_rss = add_member(&b, "peak_rss_kb", H5T_NATIVE_INT64);
    for (size_t m = 0; m < k->n_metrics; m++)
        l->off_metric[m] = add_member(&b, k->metrics[m].name, H5T_NATIVE_DOUBLE);
    for (size_t t = 0; t < k->n_traces; t++) {
        char nm[300];
        snprintf(nm, sizeof nm, "%s_len", k->traces[t].name);
        l->off_tlen[t] = add_member(&b, nm, H5T_NATIVE_INT32);
    }
    l->off_detail = add_member(&b, "detail", dt);
    l->off_crc = add_member(&b, "crc32c", H5T_NATIVE_UINT32);
    l->row_size = size;
    if (b.rc == 0)
        b.rc = HS_H5_CHECK(e, l->status_type = H5Tcreate(H5T_COMPOUND, 1));
    if (b.rc == 0)
        b.rc = HS_H5_CHECK(e, H5Tinsert(l->status_type, "status", 0, stt));
    hid_t made[] = {bt, stt, ht, dt};
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
        if (made[i] >= 0)
            CLOSE_H5(b.rc, e, H5Tclose(made[i]));
    if (b.rc)
        return b.rc;
    l->row = calloc(1, size);
    if (!l->row || b.off != size)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    return 0;
}

/* Copy a C string into a fixed-width field of cap bytes, always terminated. */
static void put_str(unsigned char *dst, const char *src, size_t cap)
{
    size_t n = src ? strlen(src) : 0;
    if (cap == 0)
        return;
    n = n < cap - 1 ? n : cap - 1;
    memcpy(dst, src ? src : "", n);
    dst[n] = 0;
}

/* Fill a row buffer with a task's identity and parameters, result fields blank. */
static void row_fill_task(const layout *l, const hs_sweep *s, unsigned char *row, uint64_t id,
                          const hs_value *v, int64_t seed, uint64_t rng_seed)
{
    const hs_kernel *k = s->kernel;
    memset(row, 0, l->row_size);
    memcpy(row + l->off_task_id, &id, 8);
    memcpy(row + l->off_seed, &seed, 8);
    memcpy(row + l->off_rng_seed, &rng_seed, 8);
    for (size_t p = 0; p < k->n_params; p++) {
        unsigned char *d = row + l->off_param[p];
        switch (k->params[p].type) {
        case HS_T_INT:
            memcpy(d, &v[p].i, 8);
            break;
        case HS_T_REAL:
            memcpy(d, &v[p].r, 8);
            break;
        case HS_T_BOOL:
            d[0] = (unsigned char)(v[p].b != 0);
            break;
        case HS_T_STRING:
            put_str(d, v[p].s, s->str_width[p]);
            break;
        }
    }
    int32_t minus1 = -1;
    int64_t rss = -1;
    double nan = NAN;
    memcpy(row + l->off_rank, &minus1, 4);
    memcpy(row + l->off_wall, &nan, 8);
    memcpy(row + l->off_started, &nan, 8);
    memcpy(row + l->off_rss, &rss, 8);
    for (size_t m = 0; m < k->n_metrics; m++)
        memcpy(row + l->off_metric[m], &nan, 8);
    if (l->off_origin) {
        int32_t origin = hs_refine_origin(s, id);
        memcpy(row + l->off_origin, &origin, 4);
    }
}

/* ---- attributes ----------------------------------------------------------- */

/* A variable-length UTF-8 string type, or -1 with e set. */
static hid_t vstr_type(hs_err *e)
{
    hid_t t;
    if (HS_H5_CHECK(e, t = H5Tcopy(H5T_C_S1)))
        return -1;
    if (HS_H5_CHECK(e, H5Tset_size(t, H5T_VARIABLE)) ||
        HS_H5_CHECK(e, H5Tset_cset(t, H5T_CSET_UTF8))) {
        H5Tclose(t); /* cleanup: the error is recorded */
        return -1;
    }
    return t;
}

/* Attribute `name` of obj of type t, holding vals (n of them, 1-D; n == 1
 * and scalar: one value; n == 0: none). 0 or HS_EHDF5 naming the call. */
static int attr_put(hid_t obj, const char *name, hid_t t, const void *vals, size_t n, int scalar,
                    hs_err *e)
{
    hsize_t dim = n;
    hid_t sp, a = -1;
    HS_H5_CALL(e, sp = scalar ? H5Screate(H5S_SCALAR)
                       : n    ? H5Screate_simple(1, &dim, NULL)
                              : H5Screate(H5S_NULL));
    int rc = HS_H5_CHECK(e, a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT));
    if (rc == 0 && n)
        rc = HS_H5_CHECK(e, H5Awrite(a, t, vals));
    if (a >= 0)
        CLOSE_H5(rc, e, H5Aclose(a));
    CLOSE_H5(rc, e, H5Sclose(sp));
    return rc;
}

static int attr_strs(hid_t obj, const char *name, const char *const *vals, size_t n, int scalar,
                     hs_err *e)
{
    hid_t t = vstr_type(e);
    if (t < 0)
        return HS_EHDF5;
    int rc = attr_put(obj, name, t, vals, n, scalar, e);
    CLOSE_H5(rc, e, H5Tclose(t));
    return rc;
}

static int attr_str(hid_t obj, const char *name, const char *val, hs_err *e)
{
    return attr_strs(obj, name, &val, 1, 1, e);
}

static int attr_num(hid_t obj, const char *name, hid_t type, const void *vals, size_t n, hs_err *e)
{
    return attr_put(obj, name, type, vals, n, n == 1, e);
}

static int write_root_attrs(hid_t f, const hs_sweepset *set, const hs_prov *prov, hs_err *e)
{
    char created[64];
    time_t now = time(NULL);
    struct tm tmv;
    gmtime_r(&now, &tmv);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    char h5v[64];
    snprintf(h5v, sizeof h5v, "%u.%u.%u", maj, min, rel);
    int fv = HS_FORMAT_VERSION;
    int rc = 0;
    rc = rc ? rc : attr_num(f, "format_version", H5T_NATIVE_INT, &fv, 1, e);
    rc = rc ? rc : attr_str(f, "hsweep_version", HS_VERSION, e);
    rc = rc ? rc : attr_str(f, "git_commit", HS_GIT_COMMIT, e);
    rc = rc ? rc : attr_str(f, "config_path", set->path, e);
    rc = rc ? rc : attr_str(f, "config_text", set->text, e);
    rc = rc ? rc : attr_str(f, "config_sha256", set->sha256, e);
    rc = rc ? rc : attr_str(f, "reduced", set->reduced ? "true" : "false", e);
    rc = rc ? rc : attr_str(f, "created_utc", created, e);
    rc = rc ? rc : attr_str(f, "mpi_library", prov->mpi_library, e);
    rc = rc ? rc : attr_str(f, "hdf5_version", h5v, e);
    rc = rc ? rc : attr_num(f, "ranks", H5T_NATIVE_INT, &prov->ranks, 1, e);
    rc = rc ? rc : attr_str(f, "hosts", prov->hosts, e);
    const char *names[HS_ST_COUNT];
    for (int i = 0; i < HS_ST_COUNT; i++)
        names[i] = hs_status_name(i);
    rc = rc ? rc : attr_strs(f, "status_names", names, HS_ST_COUNT, 0, e);
    return rc;
}

static const char *type_name(hs_type t)
{
    static const char *const n[] = {"int", "real", "bool", "string"};
    return n[t];
}

/* An exec sweep's log directory and provenance (include/hsweep/exec.h), as the run set them. */
static int write_exec_attrs(hid_t g, const hs_exec *x, hs_err *e)
{
    const hs_exec_prov *p = hs_exec_prov_of(x);
    static const hs_exec_prov none = {"", "", "", "", 0, NULL};
    if (!p)
        p = &none;
    const char **v = calloc(p->n_files + 1, sizeof *v), **h = calloc(p->n_files + 1, sizeof *h);
    int rc = v && h ? 0 : HS_FAIL(e, HS_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < p->n_files; i++) {
        v[i] = p->fields[2 * i];
        h[i] = p->fields[2 * i + 1];
    }
    rc = rc ? rc : attr_str(g, "exec_logs", hs_exec_logs(x) ? hs_exec_logs(x) : "", e);
    rc = rc ? rc : attr_str(g, "exec_git_describe", p->git_describe, e);
    rc = rc ? rc : attr_str(g, "exec_git_dirty", p->git_dirty, e);
    rc = rc ? rc : attr_str(g, "exec_interpreter", p->interpreter, e);
    rc = rc ? rc : attr_str(g, "exec_interpreter_version", p->interpreter_version, e);
    rc = rc ? rc : attr_strs(g, "exec_files", v, p->n_files, 0, e);
    rc = rc ? rc : attr_strs(g, "exec_files_sha256", h, p->n_files, 0, e);
    free(v);
    free(h);
    return rc;
}

static int write_sweep_attrs(hid_t g, const hs_sweep *s, hs_err *e)
{
    const hs_kernel *k = s->kernel;
    size_t np = k->n_params, nm = k->n_metrics, nt = k->n_traces;
    size_t nmax = np > nm ? np : nm;
    nmax = nmax > nt ? nmax : nt;
    const char **a = calloc(nmax + HS_MAX_AXES * 4 + 2, sizeof *a);
    if (!a)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    int rc = 0;
    uint64_t n = s->n_tasks + s->n_refine_rows;
    rc = rc ? rc : attr_str(g, "kernel", k->name, e);
    rc = rc ? rc : attr_str(g, "kernel_summary", k->summary ? k->summary : "", e);
    rc = rc ? rc : attr_num(g, "n_tasks", H5T_NATIVE_UINT64, &n, 1, e);
    rc = rc ? rc : attr_num(g, "ranks_per_task", H5T_NATIVE_INT, &s->ranks_per_task, 1, e);
    size_t na = hs_sweep_axes(s, a, HS_MAX_AXES * 4 + 2);
    rc = rc ? rc : attr_strs(g, "axes", a, na, 0, e);
    rc = rc ? rc : attr_put(g, "seeds", H5T_NATIVE_INT64, s->seeds, s->n_seeds, 0, e);
#define STRS(attr, count, expr)                                                                    \
    do {                                                                                           \
        for (size_t i_ = 0; i_ < (count); i_++)                                                    \
            a[i_] = (expr) ? (expr) : "";                                                          \
        rc = rc ? rc : attr_strs(g, attr, a, count, 0, e);                                         \
    } while (0)
    STRS("param_names", np, k->params[i_].name);
    STRS("param_types", np, type_name(k->params[i_].type));
    STRS("param_units", np, k->params[i_].unit);
    STRS("param_docs", np, k->params[i_].doc);
    STRS("param_defaults", np, k->params[i_].def);
    STRS("metric_names", nm, k->metrics[i_].name);
    STRS("metric_units", nm, k->metrics[i_].unit);
    STRS("metric_docs", nm, k->metrics[i_].doc);
    STRS("trace_names", nt, k->traces[i_].name);
    STRS("trace_units", nt, k->traces[i_].unit);
    STRS("trace_docs", nt, k->traces[i_].doc);
#undef STRS
    free(a);
    return rc ? rc : s->exec ? write_exec_attrs(g, s->exec, e) : 0;
}

/* ---- create / open ------------------------------------------------------- */

static int mkdir_parents(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return 0;
    *slash = 0;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* The file access list of the results file, or -1 with e set. */
static hid_t fapl_for(MPI_Comm comm, hs_err *e)
{
    hid_t fapl;
    if (HS_H5_CHECK(e, fapl = H5Pcreate(H5P_FILE_ACCESS)))
        return -1;
    /* 1.8 format: compact/dense attributes of any size, and no "file open
     * for writing" flag in the superblock that a killed run would leave set. */
    if (HS_H5_CHECK(e, H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL)) ||
        HS_H5_CHECK(e, H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18))) {
        H5Pclose(fapl); /* cleanup: the error is recorded */
        return -1;
    }
    return fapl;
}

/* Creation properties of a dataset stored contiguous and allocated when
 * created, filled at `fill`; -1 with e set. */
static hid_t dcpl_make(H5D_fill_time_t fill, hs_err *e)
{
    hid_t dcpl;
    if (HS_H5_CHECK(e, dcpl = H5Pcreate(H5P_DATASET_CREATE)))
        return -1;
    if (HS_H5_CHECK(e, H5Pset_layout(dcpl, H5D_CONTIGUOUS)) ||
        HS_H5_CHECK(e, H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY)) ||
        HS_H5_CHECK(e, H5Pset_fill_time(dcpl, fill))) {
        H5Pclose(dcpl); /* cleanup: the error is recorded */
        return -1;
    }
    return dcpl;
}

/* Cleanup after an error (already recorded): closes are not checked. */
static void store_free(hs_store *st)
{
    if (!st)
        return;
    if (st->lock_fd >= 0)
        close(st->lock_fd);
    for (size_t i = 0; st->lay && i < st->set->n_sweeps; i++)
        layout_free(&st->lay[i], st->set->sweeps[i].kernel);
    free(st->lay);
    if (st->mem1 > 0)
        H5Sclose(st->mem1);
    if (st->file > 0)
        H5Fclose(st->file);
    free(st);
}

static int alloc_store(hs_store **out, const hs_sweepset *set, hs_err *e)
{
    hs_store *st = calloc(1, sizeof *st);
    if (!st)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    st->lock_fd = -1;
    st->set = set;
    st->lay = calloc(set->n_sweeps, sizeof *st->lay);
    if (!st->lay) {
        free(st);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    hsize_t one = 1;
    if (HS_H5_CHECK(e, st->mem1 = H5Screate_simple(1, &one, NULL))) {
        store_free(st);
        return HS_EHDF5;
    }
    for (size_t i = 0; i < set->n_sweeps; i++) {
        int rc = layout_build(&st->lay[i], &set->sweeps[i], e);
        if (rc) {
            store_free(st);
            return rc;
        }
    }
    *out = st;
    return 0;
}

/* Largest trace length over tasks [lo, hi) of sweep s, per trace. */
static int trace_widths(const hs_sweep *s, uint64_t lo, uint64_t hi, uint64_t *w, hs_err *e)
{
    const hs_kernel *k = s->kernel;
    for (size_t t = 0; t < k->n_traces; t++)
        w[t] = 0;
    if (!k->n_traces)
        return 0;
    hs_value *v = calloc(k->n_params + 1, sizeof *v);
    if (!v)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    /* Trace lengths depend on parameters only: one task per seed group. */
    uint64_t first = lo - lo % s->n_seeds;
    for (uint64_t id = first; id < hi; id += s->n_seeds) {
        int64_t seed;
        uint64_t rs;
        hs_sweep_task(s, id, v, &seed, &rs);
        hs_params p = {k, v};
        for (size_t t = 0; t < k->n_traces; t++) {
            uint64_t len = k->traces[t].len(&p);
            w[t] = len > w[t] ? len : w[t];
        }
    }
    free(v);
    return 0;
}

static int create_sweep(hs_store *st, size_t si, MPI_Comm comm, const char *path, hs_err *e)
{
    const hs_sweep *s = &st->set->sweeps[si];
    const hs_kernel *k = s->kernel;
    layout *l = &st->lay[si];
    int rank, size;
    HS_MPI_CALL(e, MPI_Comm_rank(comm, &rank));
    HS_MPI_CALL(e, MPI_Comm_size(comm, &size));
    uint64_t lo = s->n_tasks * (uint64_t)rank / (uint64_t)size;
    uint64_t hi = s->n_tasks * (uint64_t)(rank + 1) / (uint64_t)size;

    uint64_t *w = calloc(k->n_traces + 1, sizeof *w), *wmax = calloc(k->n_traces + 1, sizeof *w);
    if (!w || !wmax) {
        free(w);
        free(wmax);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    int rc = trace_widths(s, lo, hi, w, e);
    MPI_ALL(rc, e, MPI_Allreduce(w, wmax, (int)k->n_traces, MPI_UINT64_T, MPI_MAX, comm));
    size_t maxw = 0;
    for (size_t t = 0; t < k->n_traces; t++) {
        l->trace_width[t] = (size_t)wmax[t];
        maxw = l->trace_width[t] > maxw ? l->trace_width[t] : maxw;
    }
    free(w);
    free(wmax);
    if (rc)
        return rc;
    l->scratch = malloc((maxw ? maxw : 1) * sizeof(double));
    if (!l->scratch)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");

    static const char *const full = "cannot create the sweep's datasets (disk full?)";
    hid_t g = H5Gcreate2(st->file, s->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0)
        return h5fail(e, "cannot create the sweep's group", path);
    rc = context(e, write_sweep_attrs(g, s, e), "cannot write the sweep's attributes", path);
    hid_t dcpl = -1, sp = -1, tg = -1;
    if (rc == 0 && (dcpl = dcpl_make(H5D_FILL_TIME_NEVER, e)) < 0)
        rc = HS_EHDF5;
    hsize_t n = s->n_tasks + s->n_refine_rows;
    if (rc == 0)
        rc = HS_H5_CHECK(e, sp = H5Screate_simple(1, &n, NULL));
    if (rc == 0 &&
        (l->dset = H5Dcreate2(g, "tasks", l->row_type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0)
        rc = h5fail(e, full, path);
    if (sp >= 0)
        CLOSE_H5(rc, e, H5Sclose(sp));
    if (rc == 0 && (tg = H5Gcreate2(g, "traces", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        rc = h5fail(e, full, path);
    double nan = NAN;
    if (rc == 0)
        rc = HS_H5_CHECK(e, H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan));
    for (size_t t = 0; t < k->n_traces && rc == 0; t++) {
        hsize_t dims[2] = {n, l->trace_width[t]};
        hid_t tsp;
        rc = HS_H5_CHECK(e, tsp = H5Screate_simple(2, dims, NULL));
        if (rc == 0 && (l->trace_dset[t] = H5Dcreate2(tg, k->traces[t].name, H5T_IEEE_F64LE, tsp,
                                                      H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0)
            rc = h5fail(e, full, path);
        if (tsp >= 0)
            CLOSE_H5(rc, e, H5Sclose(tsp));
        if (rc == 0)
            rc = context(
                e,
                attr_str(l->trace_dset[t], "unit", k->traces[t].unit ? k->traces[t].unit : "", e),
                full, path);
        if (rc == 0)
            rc = context(
                e, attr_str(l->trace_dset[t], "doc", k->traces[t].doc ? k->traces[t].doc : "", e),
                full, path);
    }
    if (dcpl >= 0)
        CLOSE_H5(rc, e, H5Pclose(dcpl));
    if (tg >= 0)
        CLOSE_H5(rc, e, H5Gclose(tg));
    CLOSE_H5(rc, e, H5Gclose(g));
    return rc;
}

/* Set st->fh to HDF5's own MPI-IO handle of the file (H5Fget_vfd_handle);
 * 0 when there is none (another driver than fapl_for's, or a failed call). */
static int mpio_handle(hs_store *st)
{
    if (st->fh)
        return 1;
    hid_t fapl = H5Fget_access_plist(st->file);
    void *h = NULL;
    int mpio = fapl >= 0 && H5Pget_driver(fapl) == H5FD_MPIO;
    if (fapl >= 0)
        H5Pclose(fapl);
    if (!mpio || H5Fget_vfd_handle(st->file, H5P_DEFAULT, &h) < 0 || !h) {
        H5Eclear2(H5E_DEFAULT);
        return 0;
    }
    st->fh = h;
    return 1;
}

/* The file system's stripe in bytes: MPI-IO's striping_unit hint where the
 * file has one (ROMIO sets it on Lustre and GPFS), else 1 MiB. */
static MPI_Offset stripe_bytes(MPI_File fh)
{
    MPI_Offset unit = (MPI_Offset)1 << 20;
    MPI_Info info;
    if (MPI_File_get_info(fh, &info) != MPI_SUCCESS)
        return unit;
    char v[64];
    int flag = 0;
    if (MPI_Info_get(info, "striping_unit", (int)sizeof v - 1, v, &flag) == MPI_SUCCESS && flag &&
        atoll(v) > 0)
        unit = (MPI_Offset)atoll(v);
    MPI_Info_free(&info);
    return unit;
}

/* Rows built and written at a time when filling the task table. */
enum { FILL_ROWS = 4096 };

/*
 * fill_rows where the task table's raw data sits at file address `base`:
 * the table's bytes are cut into stripes (stripe_bytes, counted from the
 * start of the file) and every rank takes an equal run of whole stripes,
 * so no two ranks write into one stripe, which a file system that locks
 * extents would otherwise serialise.  A rank writes its run in pieces of
 * FILL_ROWS rows (counted from the table's first row), cut at the run's
 * ends -- rows that straddle a boundary between two ranks' runs are built
 * by both, each writing its part.  (One write a stripe, each aligned to a
 * stripe, was 2 to 3 times slower on a local ext4 disk at 10^7 rows than
 * these row-sized pieces: bench/create_scale.sh.)  The bytes are those
 * H5Dwrite writes (the memory type is the file's type: open_store checks
 * it).
 */
static int fill_rows_raw(hs_store *st, size_t si, haddr_t base, int rank, int size,
                         const char *path, hs_err *e)
{
    const hs_sweep *s = &st->set->sweeps[si];
    const layout *l = &st->lay[si];
    MPI_Offset rs = (MPI_Offset)l->row_size;
    MPI_Offset a = (MPI_Offset)base, b = a + (MPI_Offset)(s->n_tasks + s->n_refine_rows) * rs;
    if (b == a)
        return 0;
    MPI_Offset unit = stripe_bytes(*st->fh);
    MPI_Offset s0 = a / unit, ns = (b - 1) / unit - s0 + 1;
    MPI_Offset lo = (s0 + ns * rank / size) * unit, hi = (s0 + ns * (rank + 1) / size) * unit;
    lo = lo < a ? a : lo;
    hi = hi > b ? b : hi;
    /* a piece's rows: FILL_ROWS, and one more straddling its start */
    unsigned char *buf = lo < hi ? malloc((size_t)(FILL_ROWS + 1) * l->row_size) : NULL;
    hs_value *v = calloc(s->kernel->n_params + 1, sizeof *v);
    if ((lo < hi && !buf) || !v) {
        free(buf);
        free(v);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    int rc = 0;
    for (MPI_Offset at = lo; at < hi && rc == 0;) {
        uint64_t r0 = (uint64_t)((at - a) / rs);
        MPI_Offset end = a + (MPI_Offset)((r0 / FILL_ROWS + 1) * FILL_ROWS) * rs;
        end = end > hi ? hi : end;
        uint64_t r1 = (uint64_t)((end - a + rs - 1) / rs);
        for (uint64_t r = r0; r < r1; r++) {
            int64_t seed;
            uint64_t rng_seed;
            hs_sweep_task(s, r, v, &seed, &rng_seed);
            row_fill_task(l, s, buf + (r - r0) * l->row_size, r, v, seed, rng_seed);
        }
        MPI_Status ms;
        int n = (int)(end - at), count = 0, mrc;
        mrc =
            MPI_File_write_at(*st->fh, at, buf + (at - a - (MPI_Offset)r0 * rs), n, MPI_BYTE, &ms);
        if (mrc == MPI_SUCCESS)
            mrc = MPI_Get_count(&ms, MPI_BYTE, &count);
        if (mrc != MPI_SUCCESS || count != n) {
            char msg[MPI_MAX_ERROR_STRING] = "short write";
            int len = 0;
            if (mrc != MPI_SUCCESS)
                MPI_Error_string(mrc, msg, &len);
            rc = HS_FAIL(e, HS_EIO, "%s: cannot write the task table (disk full?): %s", path, msg);
        } else {
            hs_stats_fill((int64_t)at, (size_t)n);
        }
        at = end;
    }
    free(buf);
    free(v);
    return rc;
}

/* Every rank writes the pending rows of its share of sweep si's tasks:
 * through MPI-IO where the table's address is known (fill_rows_raw), else
 * through H5Dwrite. */
static int fill_rows(hs_store *st, size_t si, MPI_Comm comm, const char *path, hs_err *e)
{
    const hs_sweep *s = &st->set->sweeps[si];
    const hs_kernel *k = s->kernel;
    layout *l = &st->lay[si];
    int rank, size, rc = 0;
    HS_MPI_CALL(e, MPI_Comm_rank(comm, &rank));
    HS_MPI_CALL(e, MPI_Comm_size(comm, &size));
    haddr_t base = mpio_handle(st) ? H5Dget_offset(l->dset) : HADDR_UNDEF;
    H5Eclear2(H5E_DEFAULT);
    if (base != HADDR_UNDEF)
        return fill_rows_raw(st, si, base, rank, size, path, e);
    uint64_t rows = s->n_tasks + s->n_refine_rows;
    uint64_t lo = rows * (uint64_t)rank / (uint64_t)size;
    uint64_t hi = rows * (uint64_t)(rank + 1) / (uint64_t)size;
    unsigned char *buf = malloc(FILL_ROWS * l->row_size);
    hs_value *v = calloc(k->n_params + 1, sizeof *v);
    if (!buf || !v) {
        free(buf);
        free(v);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    hid_t fsp;
    rc = HS_H5_CHECK(e, fsp = H5Dget_space(l->dset));
    for (uint64_t at = lo; at < hi && rc == 0; at += FILL_ROWS) {
        uint64_t cnt = hi - at < FILL_ROWS ? hi - at : FILL_ROWS;
        for (uint64_t j = 0; j < cnt; j++) {
            int64_t seed;
            uint64_t rs;
            hs_sweep_task(s, at + j, v, &seed, &rs);
            row_fill_task(l, s, buf + j * l->row_size, at + j, v, seed, rs);
        }
        hsize_t start = at, count = cnt;
        hid_t msp = -1;
        rc = HS_H5_CHECK(e, H5Sselect_hyperslab(fsp, H5S_SELECT_SET, &start, NULL, &count, NULL));
        if (rc == 0)
            rc = HS_H5_CHECK(e, msp = H5Screate_simple(1, &count, NULL));
        if (rc == 0 && H5Dwrite(l->dset, l->row_type, msp, fsp, H5P_DEFAULT, buf) < 0)
            rc = h5fail(e, "cannot write the task table (disk full?)", path);
        if (rc == 0)
            hs_stats_fill(-1, cnt * l->row_size);
        if (msp >= 0)
            CLOSE_H5(rc, e, H5Sclose(msp));
    }
    if (fsp >= 0)
        CLOSE_H5(rc, e, H5Sclose(fsp));
    free(buf);
    free(v);
    return rc;
}

static int open_store(const char *file, const char *path, const hs_sweepset *set, MPI_Comm comm,
                      hs_store **out, hs_err *e);

/*
 * The file is allocated up front but written sparsely: its blocks fill in
 * as tasks finish.  Refuse now, not hours into the run, if the disk cannot
 * hold the whole file.
 */
static int check_space(const hs_store *st, const char *tmp, const char *path, hs_err *e)
{
    double size = 0;
    for (size_t i = 0; i < st->set->n_sweeps; i++) {
        const hs_sweep *s = &st->set->sweeps[i];
        const layout *l = &st->lay[i];
        double rows = (double)(s->n_tasks + s->n_refine_rows);
        size += rows * (double)l->row_size;
        for (size_t t = 0; t < s->kernel->n_traces; t++)
            size += rows * (double)l->trace_width[t] * 8.0;
    }
    struct stat sb;
    struct statvfs vfs;
    if (stat(tmp, &sb) != 0 || statvfs(tmp, &vfs) != 0)
        return 0; /* cannot tell: let the writes report it */
    double used = (double)sb.st_blocks * 512.0;
    double need = size - used, avail = (double)vfs.f_bavail * (double)vfs.f_frsize;
    if (need > avail)
        return HS_FAIL(e, HS_EIO,
                       "%s: not enough disk space: the results file needs %.1f MiB more, %.1f MiB "
                       "are free",
                       path, need / 1048576.0, avail / 1048576.0);
    return 0;
}

/*
 * A run's hold on a results file is an open-file-description lock
 * (F_OFD_SETLK) on one byte far past any data, HS_LOCK_BYTE: not flock,
 * which HDF5 itself takes (shared) whenever a reader -- hsweep status,
 * h5py -- has the file open, so that a reader would look like a run; and not
 * a byte of data, where ROMIO's own record locks (data sieving) would meet
 * it.  The lock is the open file description's: it goes when the
 * descriptor is closed or the process ends, however it ends.
 */
#define HS_LOCK_BYTE ((off_t)1 << 62)

/*
 * Take the run lock on fd, shared or (excl) exclusive, without waiting: 0
 * when taken, or where the file system does not support it (ENOLCK,
 * EINVAL, EOPNOTSUPP: the check is skipped), 1 when another process holds
 * it, else HS_EIO naming fcntl, file and line.  An exclusive lock needs fd
 * open for writing.
 */
static int try_lock(int fd, int excl, const char *path, hs_err *e)
{
    struct flock fl = {.l_type = excl ? F_WRLCK : F_RDLCK,
                       .l_whence = SEEK_SET,
                       .l_start = HS_LOCK_BYTE,
                       .l_len = 1};
    if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
        return 0;
    if (errno == EAGAIN || errno == EACCES)
        return 1;
    if (errno == ENOLCK || errno == EINVAL || errno == EOPNOTSUPP)
        return 0;
    return HS_FAIL(e, HS_EIO, "%s: fcntl(F_OFD_SETLK) failed (%s:%d): %s", path, __FILE__, __LINE__,
                   strerror(errno));
}

/*
 * Whether another process holds the run lock on fd, which may be open for
 * reading only (an exclusive lock then cannot be taken: F_OFD_GETLK only
 * asks): 1 when one does, 0 when none does or the file system does not say
 * (as try_lock), else HS_EIO naming fcntl, file and line.
 */
static int lock_held(int fd, const char *path, hs_err *e)
{
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = HS_LOCK_BYTE, .l_len = 1};
    if (fcntl(fd, F_OFD_GETLK, &fl) == 0)
        return fl.l_type != F_UNLCK;
    if (errno == ENOLCK || errno == EINVAL || errno == EOPNOTSUPP)
        return 0;
    return HS_FAIL(e, HS_EIO, "%s: fcntl(F_OFD_GETLK) failed (%s:%d): %s", path, __FILE__, __LINE__,
                   strerror(errno));
}

/*
 * Open file (open flags `flags` besides the access mode) and make sure no
 * other process holds its run lock: the exclusive lock taken where the file
 * can be written, else -- another user's run, or this user's on a file made
 * read-only since, may still be writing it -- lock_held asks.  *fd is the
 * open file, -1 when it cannot be opened (nothing to check: 0).  Returns 0,
 * 1 when held, or HS_EIO.
 */
static int lock_exclusive(const char *file, int flags, int *fd, const char *path, hs_err *e)
{
    *fd = open(file, O_RDWR | flags);
    if (*fd >= 0)
        return try_lock(*fd, 1, path, e);
    *fd = open(file, O_RDONLY | flags);
    return *fd >= 0 ? lock_held(*fd, path, e) : 0;
}

/* The message for a results file that a run holds (lock_results' lock). */
static int in_use(hs_err *e, const char *path)
{
    return HS_FAIL(e, HS_ESTATE,
                   "%s: is in use by another hsweep run (if that run was killed, some of its ranks "
                   "are still alive: end them first)",
                   path);
}

/*
 * A new results file is built under path + ".creating." + 16 hex digits.
 * Paths are refused (HS_EINPUT, "path too long") before anything is created
 * when that name would pass HS_PATH_LIMIT characters -- Open MPI's file open
 * crashes on names near PATH_MAX (4 087 characters) -- or when a component
 * would pass NAME_MAX.
 */
#define TMP_SUFFIX_LEN 26
#define HS_PATH_LIMIT 4000

static int check_path(const char *path, hs_err *e)
{
    size_t n = strlen(path);
    if (n + TMP_SUFFIX_LEN > HS_PATH_LIMIT)
        return HS_FAIL(e, HS_EINPUT, "%.40s...: path too long (%zu characters; at most %d)", path,
                       n, HS_PATH_LIMIT - TMP_SUFFIX_LEN);
    const char *last = strrchr(path, '/');
    last = last ? last + 1 : path;
    for (const char *c = path; *c;) {
        size_t len = strcspn(c, "/");
        size_t cap = c == last ? NAME_MAX - TMP_SUFFIX_LEN : NAME_MAX;
        if (len > cap)
            return HS_FAIL(e, HS_EINPUT,
                           "%.40s...: path too long (a name of %zu characters; at most %zu)", path,
                           len, cap);
        c += len + (c[len] == '/');
    }
    return 0;
}

/*
 * A new name beside path, written to tmp[cap], for the file this run builds:
 * path + ".creating." + 64 random bits, so no other run and no one planting
 * a link can know it in advance; build_file creates it with H5F_ACC_EXCL
 * (O_CREAT | O_EXCL: never through a link, never a file that exists).
 */
static void tmp_name(const char *path, char *tmp, size_t cap)
{
    uint64_t r;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = ((uint64_t)getpid() << 32 ^ (uint64_t)time(NULL)) * 0x9e3779b97f4a7c15ULL;
    snprintf(tmp, cap, "%s.creating.%016llx", path, (unsigned long long)r);
}

/*
 * --overwrite: take the exclusive run lock on the file now at path (if it is
 * a regular file, not through a link) into *fd, to hold until the new file
 * has replaced it; HS_ESTATE if a run holds it.  *fd is -1 when nothing is
 * locked.
 */
static int lock_replaced(const char *path, int *fd, hs_err *e)
{
    int rc = lock_exclusive(path, O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, fd, path, e);
    if (rc) {
        close(*fd);
        *fd = -1;
    }
    return rc == 1 ? in_use(e, path) : rc;
}

/*
 * Move the complete new file tmp to path: replacing what is there if
 * overwrite, else only if nothing is (renameat2 RENAME_NOREPLACE, or link and
 * unlink where the file system lacks it).  HS_ESTATE if another run put a
 * file at path first, HS_EIO on other failures; tmp stays then.
 */
static int install(const char *tmp, const char *path, int overwrite, hs_err *e)
{
    if (overwrite ? rename(tmp, path) == 0
                  : renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
        return 0;
    const char *call = overwrite ? "rename" : "renameat2";
    if (!overwrite && (errno == EINVAL || errno == ENOSYS)) {
        call = "link";
        if (link(tmp, path) == 0)
            return unlink(tmp) == 0 ? 0
                                    : HS_FAIL(e, HS_EIO, "%s: cannot remove %s (unlink): %s", path,
                                              tmp, strerror(errno));
    }
    if (errno == EEXIST)
        return HS_FAIL(e, HS_ESTATE,
                       "%s: another run created this results file while this one was creating "
                       "it; that file is left as it is (--resume continues it, --overwrite "
                       "replaces it)",
                       path);
    return HS_FAIL(e, HS_EIO, "%s: cannot move the new results file into place (%s): %s", path,
                   call, strerror(errno));
}

/* Build the whole results file of `set` as the new file tmp (collective); st is
 * closed.  *made: whether tmp may have been created by this run (it is not
 * one that existed before). */
static int build_file(hs_store *st, const char *tmp, const char *path, const hs_sweepset *set,
                      MPI_Comm comm, const hs_prov *prov, int *made, hs_err *e)
{
    int rank, rc = 0;
    HS_MPI_CALL(e, MPI_Comm_rank(comm, &rank));
    hid_t fapl = fapl_for(comm, e), fcpl = -1;
    rc = fapl < 0 ? HS_EHDF5 : HS_H5_CHECK(e, fcpl = H5Pcreate(H5P_FILE_CREATE));
    if (rc == 0) /* dense root attributes: config_text may be large */
        rc = HS_H5_CHECK(e, H5Pset_attr_phase_change(fcpl, 0, 0));
    if (rc == 0)
        rc = HS_H5_CHECK(
            e, H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED));
    errno = 0;
    st->file = rc ? -1 : H5Fcreate(tmp, H5F_ACC_EXCL, fcpl, fapl);
    int err = errno;
    *made =
        rc == 0 && (st->file >= 0 || err != EEXIST); /* a failed create may still have made it */
    if (fapl >= 0)
        CLOSE_H5(rc, e, H5Pclose(fapl));
    if (fcpl >= 0)
        CLOSE_H5(rc, e, H5Pclose(fcpl));
    if (rc == 0 && st->file < 0) {
        rc = h5fail(e, "cannot create the results file", path);
        /* the user's to fix, not HDF5's: an I/O error (no trace unless asked) */
        if (err == EACCES || err == EROFS || err == ENOSPC)
            rc = HS_FAIL(e, HS_EIO, "%s: cannot create the results file (H5Fcreate): %s", path,
                         strerror(err));
    }
    rc = hs_mpi_agree(rc, comm, e);
    if (rc == 0)
        rc = context(e, write_root_attrs(st->file, set, prov, e),
                     "cannot write provenance attributes (disk full?)", path);
    for (size_t i = 0; i < set->n_sweeps && rc == 0; i++)
        rc = FRAME(create_sweep(st, i, comm, path, e));
    rc = hs_mpi_agree(rc, comm, e);
    /* Metadata first, then the space check, then the rows (raw data only). */
    if (rc == 0 && H5Fflush(st->file, H5F_SCOPE_GLOBAL) < 0)
        rc = h5fail(e, "cannot flush the results file (disk full?)", path);
    if (rc == 0 && rank == 0)
        rc = FRAME(check_space(st, tmp, path, e));
    rc = hs_mpi_agree(rc, comm, e);
    for (size_t i = 0; i < set->n_sweeps && rc == 0; i++)
        rc = FRAME(fill_rows(st, i, comm, path, e));
    rc = hs_mpi_agree(rc, comm, e);
    if (rc && rank == 0) {
        /* Give the space back before closing: HDF5 must be able to write its
         * metadata to close the file cleanly (on a full disk it cannot, and
         * its library state is then broken). */
        if (truncate(tmp, 0) != 0) {
            /* nothing more to do: the close below reports what it can */
        }
    }
    MPI_ALL(rc, e, MPI_Barrier(comm));
    hs_err ce;
    int crc = hs_store_close(&st, rc ? &ce : e);
    rc = rc ? rc : crc;
    return hs_mpi_agree(rc, comm, e);
}

int hs_store_create(const char *path, const hs_sweepset *set, MPI_Comm comm, const hs_prov *prov,
                    int overwrite, hs_store **out, hs_err *e)
{
    *out = NULL;
    int rank;
    double t0 = hs_now_mono();
    HS_MPI_CALL(e, MPI_Comm_rank(comm, &rank));
    HS_H5_CALL(e, H5Eset_auto2(H5E_DEFAULT, NULL, NULL));
    HS_CALL(check_path(path, e)); /* the same answer on every rank */
    /* Build the whole file under a name of its own and move it into place
     * only once complete and open: a run killed during creation leaves no
     * half-made results file, two runs creating the same file never share
     * one, and --overwrite replaces the old file only on success (where
     * there was none, it creates one as a run without it does). */
    int rc = 0, old_fd = -1, made = 0, replace = 0;
    char tmp[4096] = "";
    if (rank == 0) {
        struct stat sb;
        replace = lstat(path, &sb) == 0;
        if (replace && !overwrite)
            rc = HS_FAIL(e, HS_ESTATE,
                         "%s: results file exists; use --resume to continue it or --overwrite to "
                         "replace it",
                         path);
        else if (replace)
            rc = FRAME(lock_replaced(path, &old_fd, e));
        if (rc == 0 && mkdir_parents(path) != 0)
            rc = HS_FAIL(e, HS_EIO, "%s: cannot create its directory: %s", path, strerror(errno));
        if (rc == 0)
            tmp_name(path, tmp, sizeof tmp);
    }
    rc = hs_mpi_agree(rc, comm, e);
    MPI_ALL(rc, e, MPI_Bcast(tmp, sizeof tmp, MPI_CHAR, 0, comm));
    hs_store *st = NULL;
    if (rc == 0)
        rc = hs_mpi_agree(FRAME(alloc_store(&st, set, e)), comm, e);
    if (rc == 0)
        rc = FRAME(build_file(st, tmp, path, set, comm, prov, &made, e));
    if (rc == 0)
        rc = FRAME(open_store(tmp, path, set, comm, out, e));
    if (rc == 0 && rank == 0)
        rc = FRAME(install(tmp, path, replace, e));
    rc = hs_mpi_agree(rc, comm, e);
    /* cleanup after an error (already recorded): close and unlink unchecked */
    if (rc && *out) {
        hs_err ce;
        hs_store_close(out, &ce);
    }
    if (rank == 0) {
        if (rc && made)
            unlink(tmp);
        if (old_fd >= 0)
            close(old_fd);
    }
    if (rc == 0) { /* for HSWEEP_STATS (stats.h) */
        struct stat sb;
        uint64_t rows = 0;
        for (size_t i = 0; i < set->n_sweeps; i++)
            rows += set->sweeps[i].n_tasks + set->sweeps[i].n_refine_rows;
        hs_stats_created(hs_now_mono() - t0,
                         rank == 0 && stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0, rows);
    }
    return rc;
}

int hs_store_read_root_attr(const char *path, const char *name, char **value, hs_err *e)
{
    *value = NULL;
    HS_H5_CALL(e, H5Eset_auto2(H5E_DEFAULT, NULL, NULL));
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return h5fail_open(e, "cannot open as an HDF5 results file", path);
    int rc = 0;
    hid_t a = H5Aopen(f, name, H5P_DEFAULT), t = -1;
    if (a < 0) {
        rc =
            HS_FAIL(e, HS_ESTATE, "%s: not an hsweep results file (no '%s' attribute)", path, name);
    } else if ((t = vstr_type(e)) < 0) {
        rc = HS_EHDF5;
        H5Aclose(a); /* cleanup: the error is recorded */
    } else {
        char *s = NULL;
        if (H5Aread(a, t, &s) < 0 || !s) {
            rc = h5fail(e, "cannot read attribute", path);
        } else {
            *value = strdup(s);
            H5free_memory(s);
            if (!*value)
                rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
        }
        CLOSE_H5(rc, e, H5Tclose(t));
        CLOSE_H5(rc, e, H5Aclose(a));
    }
    CLOSE_H5(rc, e, H5Fclose(f));
    return rc;
}

int hs_store_is_reduced(const char *path)
{
    char *v = NULL;
    hs_err e;
    int reduced = hs_store_read_root_attr(path, "reduced", &v, &e) == 0 && strcmp(v, "true") == 0;
    free(v);
    return reduced;
}

/*
 * One run at a time per results file: every rank of a run holds the shared
 * run lock on it (try_lock); rank 0 first makes sure (exclusive,
 * non-blocking) that no rank of another run still does -- e.g. ranks of a
 * killed job left behind, still writing rows.  Readers (hsweep status,
 * h5py) do not take it and never stop a run.  Where record locks are not
 * supported (some network file systems) the check is skipped.
 */
static int lock_results(hs_store *st, const char *file, const char *path, MPI_Comm comm, hs_err *e)
{
    int rank, rc = 0;
    HS_MPI_CALL(e, MPI_Comm_rank(comm, &rank));
    if (rank == 0) {
        rc = lock_exclusive(file, O_CLOEXEC, &st->lock_fd, path, e);
        if (rc == 1)
            rc = in_use(e, path);
        else if (rc == 0 && st->lock_fd >= 0) /* from exclusive to shared: never refused */
            rc = try_lock(st->lock_fd, 0, path, e);
    }
    HS_CALL(hs_mpi_agree(rc, comm, e));
    /* The other ranks' shared locks: refused (1) only while another run's
     * rank 0 holds it for its check, which then finds this run's. */
    if (rank != 0) {
        st->lock_fd = open(file, O_RDONLY | O_CLOEXEC);
        if (st->lock_fd >= 0 && (rc = try_lock(st->lock_fd, 0, path, e)) < 0)
            return rc;
    }
    return 0;
}

/*
 * Raw data of a contiguous dataset allocated at creation sits at one file
 * address: a row or a trace can be written there through HDF5's own MPI-IO
 * handle, byte for byte what H5Dwrite would write when the memory type is
 * the file type, without H5Dwrite's cost per call (it compares the 25-member
 * compound types member by member, by name, to find the conversion path: most
 * of a short task's time).  Only where the file's type is the memory type
 * (always for rows: open_store checks it; for traces, float64 little-endian on
 * a little-endian machine); elsewhere the address stays HADDR_UNDEF.
 */
/* Best effort: a call that fails leaves the address HADDR_UNDEF (the
 * writes then go through H5Dwrite, which reports its own failures). */
static void raw_addresses(hs_store *st, layout *l, const hs_kernel *k)
{
    if (!mpio_handle(st))
        return;
    l->row_addr = H5Dget_offset(l->dset);
    for (size_t t = 0; t < k->n_traces; t++) {
        hid_t ft = H5Dget_type(l->trace_dset[t]);
        size_t bytes = l->trace_width[t] * sizeof(double);
        if (ft >= 0 && H5Tequal(ft, H5T_NATIVE_DOUBLE) > 0 && bytes > 0 && bytes <= (size_t)INT_MAX)
            l->trace_addr[t] = H5Dget_offset(l->trace_dset[t]);
        if (ft >= 0)
            H5Tclose(ft);
    }
    H5Eclear2(H5E_DEFAULT);
}

/* Write n bytes at file address `at` through HDF5's MPI-IO handle
 * (independent), counted as a write of `kind` (stats.h); HS_EMPI naming the
 * call, or HS_EIO for a short write. */
static int raw_write(hs_store *st, int kind, haddr_t at, const void *buf, size_t n, hs_err *e)
{
    if (n > (size_t)INT_MAX)
        return HS_FAIL(e, HS_EIO, "write of %zu bytes: more than MPI-IO takes at once", n);
    MPI_Status ms;
    int count = 0;
    HS_MPI_CALL(e, MPI_File_write_at(*st->fh, (MPI_Offset)at, buf, (int)n, MPI_BYTE, &ms));
    HS_MPI_CALL(e, MPI_Get_count(&ms, MPI_BYTE, &count));
    if ((size_t)count != n)
        return HS_FAIL(e, HS_EIO, "MPI_File_write_at wrote %d of %zu bytes (%s:%d)", count, n,
                       __FILE__, __LINE__);
    hs_stats_write(kind, (int64_t)at, n);
    return 0;
}

/* The file offset of element id of the contiguous dataset d whose
 * elements are `size` bytes, for the write trace; -1 if unknown. */
static int64_t element_offset(hid_t d, uint64_t id, size_t size)
{
    haddr_t at = H5Dget_offset(d);
    H5Eclear2(H5E_DEFAULT);
    return at == HADDR_UNDEF ? -1 : (int64_t)(at + (haddr_t)id * size);
}

/* Write `buf` to element `id` (one row) of dataset d with memory type mt
 * through H5Dwrite, counted as a write of `kind` (stats.h); 0 or HS_EHDF5
 * naming the call. */
static int h5_write_one(hs_store *st, int kind, hid_t d, hid_t mt, uint64_t id, const void *buf,
                        hs_err *e)
{
    hid_t fsp;
    HS_H5_CALL(e, fsp = H5Dget_space(d));
    hsize_t start = id, count = 1;
    int rc = HS_H5_CHECK(e, H5Sselect_hyperslab(fsp, H5S_SELECT_SET, &start, NULL, &count, NULL));
    if (rc == 0)
        rc = HS_H5_CHECK(e, H5Dwrite(d, mt, st->mem1, fsp, H5P_DEFAULT, buf));
    CLOSE_H5(rc, e, H5Sclose(fsp));
    if (rc == 0) {
        size_t size = H5Tget_size(mt);
        hid_t ft = hs_stats_tracing() ? H5Dget_type(d) : -1;
        size_t fsize = ft >= 0 ? H5Tget_size(ft) : size;
        if (ft >= 0)
            H5Tclose(ft);
        hs_stats_write(kind, hs_stats_tracing() ? element_offset(d, id, fsize) : -1, size);
    }
    return rc;
}

/* Open the existing results file `file` of `set` for writing (collective) and
 * check its layout; `path` names it in messages and in the handle. */
static int open_store(const char *file, const char *path, const hs_sweepset *set, MPI_Comm comm,
                      hs_store **out, hs_err *e)
{
    int rc = 0;
    hs_store *st;
    HS_CALL(hs_mpi_agree(alloc_store(&st, set, e), comm, e));
    rc = hs_mpi_agree(FRAME(lock_results(st, file, path, comm, e)), comm, e);
    if (rc) {
        store_free(st);
        return rc;
    }
    hid_t fapl = fapl_for(comm, e);
    st->file = fapl < 0 ? -1 : H5Fopen(file, H5F_ACC_RDWR, fapl);
    snprintf(st->path, sizeof st->path, "%s", path);
    if (fapl < 0)
        rc = HS_EHDF5;
    else if (st->file < 0)
        rc = h5fail_open(e, "cannot open the results file for writing", path);
    if (fapl >= 0)
        CLOSE_H5(rc, e, H5Pclose(fapl));
    for (size_t i = 0; i < set->n_sweeps && rc == 0; i++) {
        const hs_sweep *s = &set->sweeps[i];
        const hs_kernel *k = s->kernel;
        layout *l = &st->lay[i];
        char nm[512];
        snprintf(nm, sizeof nm, "%s/tasks", s->name);
        l->dset = H5Dopen2(st->file, nm, H5P_DEFAULT);
        if (l->dset < 0) {
            rc = HS_FAIL(e, HS_ESTATE,
                         "%s: has no sweep '%s': it was written for another sweep file", path,
                         s->name);
            break;
        }
        hid_t ft = -1, fs = -1;
        hsize_t n = 0;
        rc = HS_H5_CHECK(e, ft = H5Dget_type(l->dset));
        if (rc == 0)
            rc = HS_H5_CHECK(e, fs = H5Dget_space(l->dset));
        if (rc == 0)
            rc = HS_H5_CHECK(e, H5Sget_simple_extent_dims(fs, &n, NULL));
        if (rc == 0 && (H5Tequal(ft, l->row_type) <= 0 || n != s->n_tasks + s->n_refine_rows))
            rc = HS_FAIL(e, HS_ESTATE,
                         "%s: sweep '%s' has a different task table (parameters, metrics or task "
                         "count changed); it cannot be resumed with this sweep file",
                         path, s->name);
        if (ft >= 0)
            CLOSE_H5(rc, e, H5Tclose(ft));
        if (fs >= 0)
            CLOSE_H5(rc, e, H5Sclose(fs));
        size_t maxw = 0;
        for (size_t t = 0; t < k->n_traces && rc == 0; t++) {
            snprintf(nm, sizeof nm, "%s/traces/%s", s->name, k->traces[t].name);
            l->trace_dset[t] = H5Dopen2(st->file, nm, H5P_DEFAULT);
            if (l->trace_dset[t] < 0) {
                rc = HS_FAIL(e, HS_ESTATE, "%s: trace %s of sweep '%s' is missing", path,
                             k->traces[t].name, s->name);
                break;
            }
            hid_t ts;
            hsize_t d[2] = {0, 0};
            rc = HS_H5_CHECK(e, ts = H5Dget_space(l->trace_dset[t]));
            if (rc == 0 && H5Sget_simple_extent_ndims(ts) != 2)
                rc = HS_FAIL(e, HS_ESTATE, "%s: trace %s of sweep '%s' is not 2-D", path,
                             k->traces[t].name, s->name);
            if (rc == 0)
                rc = HS_H5_CHECK(e, H5Sget_simple_extent_dims(ts, d, NULL));
            if (ts >= 0)
                CLOSE_H5(rc, e, H5Sclose(ts));
            l->trace_width[t] = (size_t)d[1];
            maxw = l->trace_width[t] > maxw ? l->trace_width[t] : maxw;
        }
        l->scratch = malloc((maxw ? maxw : 1) * sizeof(double));
        if (!l->scratch && rc == 0)
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
        if (rc == 0)
            raw_addresses(st, l, k);
    }
    rc = hs_mpi_agree(rc, comm, e);
    if (rc) {
        store_free(st);
        return rc;
    }
    *out = st;
    return 0;
}

/*
 * Every row of the file at path carries the RNG seed this sweep set gives its
 * task id -- a hash of the task's parameter values -- so no resumed task runs
 * with values other than those of the rows already written (a file from an
 * hsweep whose ranges gave other doubles, or a sweep file changed under
 * --force).  HS_ESTATE naming the first task that differs.
 */
static int check_task_seeds(const char *path, const hs_sweepset *set, hs_err *e)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return h5fail_open(e, "cannot open as an HDF5 results file", path);
    hid_t t;
    int rc = HS_H5_CHECK(e, t = H5Tcreate(H5T_COMPOUND, 8));
    if (rc == 0)
        rc = HS_H5_CHECK(e, H5Tinsert(t, "rng_seed", 0, H5T_NATIVE_UINT64));
    for (size_t i = 0; i < set->n_sweeps && rc == 0; i++) {
        const hs_sweep *s = &set->sweeps[i];
        char nm[512];
        snprintf(nm, sizeof nm, "%s/tasks", s->name);
        hid_t d = H5Dopen2(f, nm, H5P_DEFAULT);
        if (d < 0)
            break; /* open_store names the missing sweep */
        hid_t fs;
        hsize_t n = 0;
        rc = HS_H5_CHECK(e, fs = H5Dget_space(d));
        /* not 1-D: n stays 0, and open_store names the different task table */
        if (rc == 0 && H5Sget_simple_extent_ndims(fs) == 1)
            rc = HS_H5_CHECK(e, H5Sget_simple_extent_dims(fs, &n, NULL));
        if (fs >= 0)
            CLOSE_H5(rc, e, H5Sclose(fs));
        uint64_t *seeds =
            n == s->n_tasks + s->n_refine_rows ? malloc((n ? n : 1) * sizeof *seeds) : NULL;
        hs_value *v = calloc(s->kernel->n_params + 1, sizeof *v);
        if (rc || n != s->n_tasks + s->n_refine_rows) {
            /* open_store names the different task table */
        } else if (!seeds || !v) {
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
        } else if (H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, seeds) < 0) {
            rc = h5fail(e, "cannot read task seeds", path);
        } else {
            char ids[128] = "";
            size_t len = 0;
            uint64_t bad = 0;
            for (uint64_t id = 0; id < s->n_tasks;
                 id++) { /* refinement rows: the replay checks them */
                int64_t seed;
                uint64_t rng;
                hs_sweep_task(s, id, v, &seed, &rng);
                if (rng == seeds[id])
                    continue;
                if (bad++ < 5 && len < sizeof ids)
                    len += (size_t)snprintf(ids + len, sizeof ids - len, "%s%llu",
                                            bad > 1 ? ", " : "", (unsigned long long)id);
            }
            if (bad)
                rc = HS_FAIL(e, HS_ESTATE,
                             "%s: %llu task(s) of sweep '%s' (%s%s) were written with other "
                             "parameter values than this sweep file gives them (e.g. by an hsweep "
                             "whose ranges gave other doubles); it cannot be resumed: rerun with "
                             "--overwrite",
                             path, (unsigned long long)bad, s->name, ids, bad > 5 ? ", ..." : "");
        }
        free(seeds);
        free(v);
        CLOSE_H5(rc, e, H5Dclose(d));
    }
    if (t >= 0)
        CLOSE_H5(rc, e, H5Tclose(t));
    CLOSE_H5(rc, e, H5Fclose(f));
    return rc;
}

/* The first name in path's directory that a creation of path left (path +
 * ".creating" + anything) into left[cap]; "" if none. */
static void find_leftover(const char *path, char *left, size_t cap)
{
    left[0] = 0;
    const char *slash = strrchr(path, '/');
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
    const char *base = slash ? slash + 1 : path;
    size_t n = strlen(base);
    DIR *d = opendir(dir);
    for (struct dirent *de; d && (de = readdir(d)) != NULL;)
        if (strncmp(de->d_name, base, n) == 0 && strncmp(de->d_name + n, ".creating", 9) == 0) {
            snprintf(left, cap, "%s%s", slash ? dir : "", de->d_name);
            break;
        }
    if (d)
        closedir(d);
}

/*
 * Why the file at path cannot be resumed, in words HDF5 would not give: it
 * is missing (naming what a creation stopped half-way left), or it cannot be
 * written (read-only file system, permissions).  0 if it may be tried.
 */
static int check_resumable(const char *path, hs_err *e)
{
    if (access(path, F_OK) != 0 && errno == ENOENT) {
        char left[4096 + 256];
        find_leftover(path, left, sizeof left);
        if (left[0])
            return HS_FAIL(e, HS_ESTATE,
                           "%s: no results file to resume: its creation stopped before the file "
                           "was complete (%.200s is what it left; delete it); start the run again "
                           "without --resume",
                           path, left);
        return HS_FAIL(e, HS_ESTATE,
                       "%s: no results file to resume; start the run without --resume", path);
    }
    int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 && (errno == EROFS || errno == EACCES || errno == EPERM))
        return HS_FAIL(e, HS_EIO, "%s: cannot resume: the file cannot be written: %s", path,
                       strerror(errno));
    if (fd >= 0)
        close(fd);
    return 0;
}

/*
 * The damaged rows of the file's sweeps (table.h: bytes against their
 * crc32c, or a status byte out of range).  Refused (HS_ESTATE naming them)
 * unless flags let each run again: HS_OPEN_REPAIR any, HS_OPEN_RETRY a bad
 * status byte (sched reruns it as failed).  With HS_OPEN_REPAIR, ids[si]
 * lists them (n[si] of them) for mark_pending.
 */
static int find_damaged(const char *path, const hs_sweepset *set, int flags, uint64_t **ids,
                        size_t *n, hs_err *e)
{
    char **names;
    size_t nn;
    int rc = hs_table_list(path, &names, &nn, e);
    for (size_t si = 0; si < set->n_sweeps && rc == 0; si++) {
        int found = 0;
        for (size_t i = 0; i < nn; i++)
            found |= strcmp(names[i], set->sweeps[si].name) == 0;
        if (!found)
            continue; /* open_store names the missing sweep */
        hs_table t;
        if ((rc = hs_table_read(path, set->sweeps[si].name, &t, e)) != 0)
            break;
        size_t refused = 0;
        for (size_t r = 0; r < t.n_rows; r++)
            refused += t.damage[r] && !(flags & HS_OPEN_REPAIR) &&
                       !((flags & HS_OPEN_RETRY) && t.damage[r] == HS_ROW_BAD_STATUS);
        if (refused) {
            char list[256];
            hs_table_damaged_ids(&t, list, sizeof list);
            rc = HS_FAIL(e, HS_ESTATE,
                         "%s: sweep '%s': %zu damaged row%s: %s (bytes that do not match the row's "
                         "checksum, or a status byte out of range); hsweep run --resume --repair "
                         "reruns them",
                         path, t.sweep, t.n_damaged, t.n_damaged > 1 ? "s" : "", list);
        } else if ((flags & HS_OPEN_REPAIR) && t.n_damaged) {
            ids[si] = malloc(t.n_damaged * sizeof **ids);
            if (!ids[si])
                rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
            for (size_t r = 0; rc == 0 && r < t.n_rows; r++)
                if (t.damage
                        [r]) /* by task id: a table with refinement rows leaves unused ones out */
                    ids[si][n[si]++] = (uint64_t)hs_table_num(&t, r, hs_table_col(&t, "task_id"));
        }
        hs_table_free(&t);
    }
    if (names)
        hs_table_list_free(names, nn);
    return rc;
}

/* Set the status byte of row id to pending: the task runs again. */
static int mark_pending(hs_store *st, layout *l, uint64_t id, hs_err *e)
{
    int8_t zero = HS_ST_PENDING;
    if (l->row_addr != HADDR_UNDEF)
        return raw_write(st, HS_IO_STATUS, l->row_addr + (haddr_t)id * l->row_size + l->off_status,
                         &zero, 1, e);
    return h5_write_one(st, HS_IO_STATUS, l->dset, l->status_type, id, &zero, e);
}

/* ---- sweep-text history ------------------------------------------------ */

/*
 * Every sweep text a run of the file accepted, oldest first: the root
 * attributes config_texts, config_accepted_utc and config_paths (1-D,
 * variable-length UTF-8 strings), and per sweep /<sweep>/config_index (uint16 per task: the
 * entry whose run wrote the row).  A file whose text never changed has none
 * of them: its one entry is config_text from config_path, accepted at
 * created_utc, and every row's index is 0.  A resume with another text
 * (--force) appends it, makes it config_text, config_sha256 and config_path, and writes its index with each row it
 * writes, before the status byte (so a finished row's index is its writer's).
 */
#define TEXTS_MAX 65535

/* Scalar or 1-D string attribute `name` of obj into *v[*n] (malloc'd copies);
 * 1 if obj has no such attribute, -1 if it cannot be read (a damaged file:
 * the caller says so; e holds a failed call of hsweep's own, if any). */
static int read_strs(hid_t obj, const char *name, char ***v, size_t *n, hs_err *e)
{
    *v = NULL;
    *n = 0;
    if (H5Aexists(obj, name) <= 0)
        return 1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t sp = a < 0 ? -1 : H5Aget_space(a);
    hssize_t cnt = sp < 0 ? -1 : H5Sget_simple_extent_npoints(sp);
    int rc = -1;
    if (cnt >= 1 && cnt <= TEXTS_MAX) {
        hid_t t = vstr_type(e);
        char **raw = calloc((size_t)cnt, sizeof *raw);
        *v = calloc((size_t)cnt, sizeof **v);
        if (t >= 0 && raw && *v && H5Aread(a, t, raw) >= 0) {
            rc = 0;
            for (hssize_t i = 0; i < cnt; i++) {
                (*v)[i] = strdup(raw[i] ? raw[i] : "");
                rc |= (*v)[i] ? 0 : -1;
                H5free_memory(raw[i]);
            }
            *n = (size_t)cnt;
        }
        free(raw);
        if (t >= 0)
            CLOSE_H5(rc, e, H5Tclose(t));
    }
    if (sp >= 0)
        CLOSE_H5(rc, e, H5Sclose(sp));
    if (a >= 0)
        CLOSE_H5(rc, e, H5Aclose(a));
    if (rc) {
        for (size_t i = 0; *v && i < (size_t)(cnt > 0 ? cnt : 0); i++)
            free((*v)[i]);
        free(*v);
        *v = NULL;
        *n = 0;
    }
    return rc;
}

static void free_strs(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

/* The file's text history (texts[n], times[n], paths[n]); 0, or -1 if it cannot be read. */
static int history_read(hid_t f, char ***texts, char ***times, char ***paths, size_t *n, hs_err *e)
{
    size_t nt = 0, np = 0;
    int rt = read_strs(f, "config_texts", texts, n, e);
    int rm = read_strs(f, "config_accepted_utc", times, &nt, e);
    int rp = read_strs(f, "config_paths", paths, &np, e);
    if (rt == 0 && rm == 0 && rp == 0 && nt == *n && np == *n)
        return 0;
    free_strs(*texts, *n);
    free_strs(*times, nt);
    free_strs(*paths, np);
    *texts = *times = *paths = NULL;
    *n = 0;
    if (rt != 1 || rm != 1 || rp != 1)
        return -1; /* some without the others, or unreadable */
    if (read_strs(f, "config_text", texts, n, e) != 0 || *n != 1)
        return -1;
    if (read_strs(f, "config_path", paths, &np, e) != 0 || np != 1)
        return -1;
    if (read_strs(f, "created_utc", times, &nt, e) != 0 || nt != 1) {
        free_strs(*times, nt);
        *times = calloc(1, sizeof **times);
        if (*times)
            (*times)[0] = strdup("");
        if (!*times || !(*times)[0])
            return -1;
    }
    return 0;
}

/* Replace attribute `name` of obj by the n strings v (1-D; n = 0: scalar v[0]). */
static int rewrite_strs(hid_t obj, const char *name, const char *const *v, size_t n, hs_err *e)
{
    htri_t has;
    HS_H5_CALL(e, has = H5Aexists(obj, name));
    if (has > 0)
        HS_H5_CALL(e, H5Adelete(obj, name));
    if (n == 0)
        return attr_str(obj, name, v[0], e);
    return attr_strs(obj, name, v, n, 0, e);
}

/* Open (or, with create, make) /<sweep>/config_index of sweep si: 0, 1 if
 * there is none (without create), or HS_EHDF5 with e naming the failed call. */
static int index_open(hs_store *st, size_t si, int create, hs_err *e)
{
    const hs_sweep *s = &st->set->sweeps[si];
    layout *l = &st->lay[si];
    hid_t g;
    htri_t has;
    HS_H5_CALL(e, g = H5Gopen2(st->file, s->name, H5P_DEFAULT));
    int rc = HS_H5_CHECK(e, has = H5Lexists(g, "config_index", H5P_DEFAULT));
    if (rc == 0 && has > 0) {
        rc = HS_H5_CHECK(e, l->index_dset = H5Dopen2(g, "config_index", H5P_DEFAULT));
    } else if (rc == 0 && create) {
        hid_t sp = -1, dcpl = dcpl_make(H5D_FILL_TIME_ALLOC, e);
        uint16_t zero = 0;
        hsize_t n = s->n_tasks;
        rc =
            dcpl < 0 ? HS_EHDF5 : HS_H5_CHECK(e, H5Pset_fill_value(dcpl, H5T_NATIVE_UINT16, &zero));
        if (rc == 0)
            rc = HS_H5_CHECK(e, sp = H5Screate_simple(1, &n, NULL));
        if (rc == 0)
            rc = HS_H5_CHECK(e, l->index_dset = H5Dcreate2(g, "config_index", H5T_STD_U16LE, sp,
                                                           H5P_DEFAULT, dcpl, H5P_DEFAULT));
        if (sp >= 0)
            CLOSE_H5(rc, e, H5Sclose(sp));
        if (dcpl >= 0)
            CLOSE_H5(rc, e, H5Pclose(dcpl));
        if (rc == 0 &&
            (rc = attr_str(
                 l->index_dset, "doc",
                 "entry of the root attribute config_texts (accepted at config_accepted_utc) "
                 "whose run wrote each task's row",
                 e)) != 0) {
            H5Dclose(l->index_dset); /* cleanup: the error is recorded */
            l->index_dset = -1;
        }
    }
    CLOSE_H5(rc, e, H5Gclose(g));
    if (rc)
        return rc;
    if (l->index_dset <= 0)
        return 1;
    l->index_addr = HADDR_UNDEF;
    if (st->fh && H5Tequal(H5T_NATIVE_UINT16, H5T_STD_U16LE) > 0)
        l->index_addr = H5Dget_offset(l->index_dset); /* HADDR_UNDEF if it fails: H5Dwrite then */
    H5Eclear2(H5E_DEFAULT);
    return 0;
}

/*
 * Record set's text in the history of the file st just opened for a resume
 * (collective): append it if it differs from the newest entry, and make the
 * rows this run writes name their entry.
 */
static int record_text(hs_store *st, const hs_sweepset *set, MPI_Comm comm, const char *path,
                       hs_err *e)
{
    char **texts = NULL, **times = NULL, **paths = NULL;
    size_t n = 0;
    int rc = history_read(st->file, &texts, &times, &paths, &n, e) != 0
                 ? h5fail(e, "cannot read the sweep texts it records", path)
                 : 0;
    int append = rc == 0 && strcmp(texts[n - 1], set->text) != 0;
    if (append && n >= TEXTS_MAX)
        rc = HS_FAIL(e, HS_ESTATE, "%s: already records %d sweep texts, the most it can hold", path,
                     TEXTS_MAX);
    rc = hs_mpi_agree(rc, comm, e);
    size_t k = n ? n - 1 : 0;
    if (rc == 0 && append) {
        char now[64] = "";
        int rank = 0;
        rc = HS_MPI_CHECK(e, MPI_Comm_rank(comm, &rank));
        if (rank == 0) {
            time_t t = time(NULL);
            struct tm tmv;
            gmtime_r(&t, &tmv);
            strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tmv);
        }
        MPI_ALL(rc, e, MPI_Bcast(now, sizeof now, MPI_CHAR, 0, comm));
        const char **tx = calloc(n + 1, sizeof *tx), **tm = calloc(n + 1, sizeof *tm),
                   **tp = calloc(n + 1, sizeof *tp);
        if (rc == 0 && (!tx || !tm || !tp))
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
        for (size_t i = 0; rc == 0 && i < n; i++) {
            tx[i] = texts[i];
            tm[i] = times[i];
            tp[i] = paths[i];
        }
        k = n;
        if (rc == 0) {
            tx[n] = set->text;
            tm[n] = now;
            tp[n] = set->path;
        }
        /* the indexes first (every row so far is 0's or names an entry that exists),
         * then the list, then config_text: a stop in between leaves a readable file */
        for (size_t si = 0; rc == 0 && si < set->n_sweeps; si++)
            rc = context(e, index_open(st, si, 1, e),
                         "cannot create a sweep's config_index (disk full?)", path);
        const struct {
            const char *name;
            const char *const *v;
            size_t n;
        } attrs[] = {{"config_texts", tx, n + 1},
                     {"config_accepted_utc", tm, n + 1},
                     {"config_paths", tp, n + 1},
                     {"config_path", (const char *const[]){set->path}, 0},
                     {"config_text", (const char *const[]){set->text}, 0},
                     {"config_sha256", (const char *const[]){set->sha256}, 0}};
        for (size_t i = 0; rc == 0 && i < sizeof attrs / sizeof attrs[0]; i++)
            rc = context(e, rewrite_strs(st->file, attrs[i].name, attrs[i].v, attrs[i].n, e),
                         "cannot record the sweep text (disk full?)", path);
        if (rc == 0 && H5Fflush(st->file, H5F_SCOPE_GLOBAL) < 0)
            rc = h5fail(e, "cannot flush the results file (disk full?)", path);
        free(tx);
        free(tm);
        free(tp);
    } else if (rc == 0 && k > 0) {
        for (size_t si = 0; rc == 0 && si < set->n_sweeps; si++) {
            rc = index_open(st, si, 0, e);
            if (rc == 1)
                rc = h5fail(e, "records several sweep texts but a sweep has no config_index", path);
            else
                rc = context(e, rc, "cannot open a sweep's config_index", path);
        }
    }
    st->text_index = (uint16_t)k;
    free_strs(texts, n);
    free_strs(times, n);
    free_strs(paths, n);
    return hs_mpi_agree(rc, comm, e);
}

/* Write row id's history entry (st->text_index) if the file keeps them. */
static int index_write(hs_store *st, layout *l, uint64_t id, hs_err *e)
{
    if (l->index_dset <= 0)
        return 0;
    uint16_t v = st->text_index;
    if (l->index_addr != HADDR_UNDEF)
        return raw_write(st, HS_IO_INDEX, l->index_addr + (haddr_t)id * 2, &v, 2, e);
    return h5_write_one(st, HS_IO_INDEX, l->index_dset, H5T_NATIVE_UINT16, id, &v, e);
}

int hs_store_read_row_text(const char *path, const char *sweep, uint64_t id, char **text,
                           char **cpath, char **accepted, int *index, int *count, hs_err *e)
{
    *text = *cpath = NULL;
    if (accepted)
        *accepted = NULL;
    HS_H5_CALL(e, H5Eset_auto2(H5E_DEFAULT, NULL, NULL));
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0)
        return h5fail_open(e, "cannot open as an HDF5 results file", path);
    char **texts = NULL, **times = NULL, **paths = NULL;
    size_t n = 0;
    int rc =
        history_read(f, &texts, &times, &paths, &n, e) != 0
            ? HS_FAIL(e, HS_ESTATE, "%s: not an hsweep results file (no readable sweep text)", path)
            : 0;
    uint16_t k = 0;
    char nm[600];
    snprintf(nm, sizeof nm, "%s/config_index", sweep);
    /* The file's own objects: a call that fails on them means a damaged file
     * (k = UINT16_MAX, said below); their closes add nothing to that. */
    if (rc == 0 && n > 1 && H5Lexists(f, sweep, H5P_DEFAULT) > 0 &&
        H5Lexists(f, nm, H5P_DEFAULT) > 0) {
        hid_t d = H5Dopen2(f, nm, H5P_DEFAULT);
        hid_t fsp = d < 0 ? -1 : H5Dget_space(d), ms;
        hsize_t dim = 0, start = id, cnt = 1;
        rc = HS_H5_CHECK(e, ms = H5Screate_simple(1, &cnt, NULL));
        if (fsp >= 0 && H5Sget_simple_extent_ndims(fsp) == 1)
            H5Sget_simple_extent_dims(fsp, &dim, NULL);
        if (rc == 0 && (fsp < 0 || id >= dim ||
                        H5Sselect_hyperslab(fsp, H5S_SELECT_SET, &start, NULL, &cnt, NULL) < 0 ||
                        H5Dread(d, H5T_NATIVE_UINT16, ms, fsp, H5P_DEFAULT, &k) < 0))
            k = UINT16_MAX;
        if (ms >= 0)
            H5Sclose(ms);
        if (fsp >= 0)
            H5Sclose(fsp);
        if (d >= 0)
            H5Dclose(d);
    }
    if (rc == 0 && k >= n)
        rc = HS_FAIL(e, HS_ESTATE,
                     "%s: sweep '%s' task %llu names sweep text %u, but the file records %zu "
                     "(damaged results file: try h5dump / h5check)",
                     path, sweep, (unsigned long long)id, (unsigned)k, n);
    if (rc == 0) {
        *text = strdup(texts[k]);
        *cpath = strdup(paths[k]);
        if (accepted)
            *accepted = strdup(times[k]);
        if (!*text || !*cpath || (accepted && !*accepted))
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
        *index = k;
        *count = (int)n;
    }
    free_strs(texts, n);
    free_strs(times, n);
    free_strs(paths, n);
    H5Eclear2(H5E_DEFAULT);
    CLOSE_H5(rc, e, H5Fclose(f));
    if (rc) {
        free(*text);
        free(*cpath);
        *text = *cpath = NULL;
        if (accepted) {
            free(*accepted);
            *accepted = NULL;
        }
    }
    return rc;
}

int hs_store_open(const char *path, const hs_sweepset *set, MPI_Comm comm, const hs_prov *prov,
                  int flags, hs_store **out, hs_err *e)
{
    int force = flags & HS_OPEN_FORCE;
    (void)prov;
    *out = NULL;
    HS_H5_CALL(e, H5Eset_auto2(H5E_DEFAULT, NULL, NULL));
    int rank;
    HS_MPI_CALL(e, MPI_Comm_rank(comm, &rank));
    HS_CALL(check_path(path, e)); /* the same answer on every rank */
    int rc = 0;
    if (rank == 0) {
        char *sha = NULL;
        rc = FRAME(check_resumable(path, e));
        if (rc == 0)
            rc = FRAME(hs_store_read_root_attr(path, "config_sha256", &sha, e));
        if (rc == 0 && strcmp(sha, set->sha256) != 0 && !force)
            rc = HS_FAIL(e, HS_ESTATE,
                         "%s: was written for a different sweep file (sha256 %.12s..., this one is "
                         "%.12s...); use --force to resume it anyway",
                         path, sha, set->sha256);
        if (rc == 0 && hs_store_is_reduced(path) != set->reduced)
            rc = HS_FAIL(e, HS_ESTATE, "%s: is a %s run; resume it %s --reduced", path,
                         set->reduced ? "full" : "reduced", set->reduced ? "without" : "with");
        if (rc == 0)
            rc = FRAME(check_task_seeds(path, set, e));
        free(sha);
    }
    uint64_t **ids = calloc(set->n_sweeps + 1, sizeof *ids);
    size_t *n = calloc(set->n_sweeps + 1, sizeof *n);
    if (!ids || !n)
        rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
    else if (rank == 0 && rc == 0)
        rc = FRAME(find_damaged(path, set, flags, ids, n, e));
    rc = hs_mpi_agree(rc, comm, e);
    if (rc == 0)
        rc = FRAME(open_store(path, path, set, comm, out, e));
    if (rc == 0)
        rc = FRAME(record_text(*out, set, comm, path, e));
    for (size_t si = 0; rc == 0 && si < set->n_sweeps; si++)
        for (size_t i = 0; rc == 0 && i < n[si]; i++)
            rc = context(e, mark_pending(*out, &(*out)->lay[si], ids[si][i], e),
                         "cannot mark a damaged row pending (disk full?)", path);
    for (size_t si = 0; ids && si < set->n_sweeps; si++)
        free(ids[si]);
    free(ids);
    free(n);
    rc = hs_mpi_agree(rc, comm, e);
    if (rc && *out) /* cleanup: the first error is recorded */
        hs_store_close(out, &(hs_err){0});
    return rc;
}

int hs_store_read_status(hs_store *st, size_t si, int8_t *status, int32_t *attempts, hs_err *e)
{
    layout *l = &st->lay[si];
    /* the grid's rows: the first n_tasks */
    hsize_t start = 0, count = st->set->sweeps[si].n_tasks;
    hid_t fsp, msp = -1;
    HS_H5_CALL(e, fsp = H5Dget_space(l->dset));
    int rc = HS_H5_CHECK(e, msp = H5Screate_simple(1, &count, NULL));
    if (rc == 0)
        rc = HS_H5_CHECK(e, H5Sselect_hyperslab(fsp, H5S_SELECT_SET, &start, NULL, &count, NULL));
    if (rc == 0 && count && H5Dread(l->dset, l->status_type, msp, fsp, H5P_DEFAULT, status) < 0)
        rc = h5fail(e, "cannot read task statuses", st->path);
    if (rc == 0 && attempts && count) {
        hid_t t;
        rc = HS_H5_CHECK(e, t = H5Tcreate(H5T_COMPOUND, 4));
        if (rc == 0)
            rc = HS_H5_CHECK(e, H5Tinsert(t, "attempts", 0, H5T_NATIVE_INT32));
        if (rc == 0 && H5Dread(l->dset, t, msp, fsp, H5P_DEFAULT, attempts) < 0)
            rc = h5fail(e, "cannot read task attempts", st->path);
        if (t >= 0)
            CLOSE_H5(rc, e, H5Tclose(t));
    }
    if (msp >= 0)
        CLOSE_H5(rc, e, H5Sclose(msp));
    CLOSE_H5(rc, e, H5Sclose(fsp));
    return rc;
}

/* Write row `id` of a task table whole. */
static int row_write(hs_store *st, layout *l, uint64_t id, const unsigned char *row, hs_err *e)
{
    if (l->row_addr != HADDR_UNDEF)
        return raw_write(st, HS_IO_ROW, l->row_addr + (haddr_t)id * l->row_size, row, l->row_size,
                         e);
    return h5_write_one(st, HS_IO_ROW, l->dset, l->row_type, id, row, e);
}

/* Write the status of row `id` (row: the whole row, status set). */
static int status_write(hs_store *st, layout *l, uint64_t id, const unsigned char *row, hs_err *e)
{
    if (l->row_addr != HADDR_UNDEF)
        return raw_write(st, HS_IO_STATUS, l->row_addr + (haddr_t)id * l->row_size + l->off_status,
                         row + l->off_status, 1, e);
    return h5_write_one(st, HS_IO_STATUS, l->dset, l->row_type, id, row, e);
}

/*
 * Trace bytes after which this rank starts the disk's write-back of what it
 * wrote (sync_file_range without waiting): the data reaches the disk while
 * the run goes on, instead of piling up in the page cache until the close
 * or a later fsync must write it all.
 */
#define KICK_BYTES ((size_t)8 << 20)

static void kick_writeback(hs_store *st, size_t n)
{
    st->unkicked += n;
    if (st->unkicked < KICK_BYTES || st->lock_fd < 0)
        return;
    st->unkicked = 0;
    sync_file_range(st->lock_fd, 0, 0, SYNC_FILE_RANGE_WRITE); /* advice: errors ignored */
}

/* Traces longer than this go to the file from the caller's buffer, without a copy. */
#define TRACE_COPY_MAX ((size_t)64 << 10)

/*
 * Write trace t of task id: len values from buf, then NaN up to the
 * dataset's width.  The NaN come from l->scratch, filled as far as needed
 * (not up front: a task process forked later would count it in its RSS).
 */
static int trace_write(hs_store *st, layout *l, size_t t, uint64_t id, const double *buf,
                       size_t len, hs_err *e)
{
    size_t w = l->trace_width[t];
    len = len < w ? len : w;
    for (; l->scratch_nan < w; l->scratch_nan++)
        l->scratch[l->scratch_nan] = NAN;
    haddr_t at = l->trace_addr[t];
    kick_writeback(st, w * sizeof(double));
    if (at != HADDR_UNDEF) {
        at += (haddr_t)id * w * sizeof(double);
        if (len == w)
            return raw_write(st, HS_IO_TRACE, at, buf, w * sizeof(double), e);
        if (len * sizeof(double) > TRACE_COPY_MAX) {
            HS_CALL(raw_write(st, HS_IO_TRACE, at, buf, len * sizeof(double), e));
            return raw_write(st, HS_IO_TRACE, at + len * sizeof(double), l->scratch,
                             (w - len) * sizeof(double), e);
        }
    }
    if (len)
        memcpy(l->scratch, buf, len * sizeof(double));
    int rc;
    if (at != HADDR_UNDEF) {
        rc = raw_write(st, HS_IO_TRACE, at, l->scratch, w * sizeof(double), e);
    } else {
        hid_t tsp = -1, msp = -1;
        hsize_t t0[2] = {id, 0}, tn[2] = {1, w}, mw = w;
        rc = HS_H5_CHECK(e, tsp = H5Dget_space(l->trace_dset[t]));
        if (rc == 0)
            rc = HS_H5_CHECK(e, H5Sselect_hyperslab(tsp, H5S_SELECT_SET, t0, NULL, tn, NULL));
        if (rc == 0)
            rc = HS_H5_CHECK(e, msp = H5Screate_simple(1, &mw, NULL));
        if (rc == 0)
            rc = HS_H5_CHECK(e, H5Dwrite(l->trace_dset[t], H5T_NATIVE_DOUBLE, msp, tsp, H5P_DEFAULT,
                                         l->scratch));
        if (msp >= 0)
            CLOSE_H5(rc, e, H5Sclose(msp));
        if (tsp >= 0)
            CLOSE_H5(rc, e, H5Sclose(tsp));
        if (rc == 0)
            hs_stats_write(
                HS_IO_TRACE,
                hs_stats_tracing() ? element_offset(l->trace_dset[t], id, w * sizeof(double)) : -1,
                w * sizeof(double));
    }
    for (size_t j = 0; j < len; j++)
        l->scratch[j] = NAN;
    return rc;
}

/*
 * The row's crc32c field: CRC-32C of the row's bytes as they stand once its
 * status byte is written (crc32c field zero), then of each trace's row as
 * trace_write stores it (len values, NaN up to the width), in schema order.
 * It covers every byte of the task's data, the per-run fields (rank, host,
 * times) included, so it is computed per written row.
 */
static void row_checksum(const layout *l, const hs_kernel *k, unsigned char *row, int8_t status,
                         const hs_out *o)
{
    uint32_t zero = 0, c;
    memcpy(row + l->off_crc, &zero, 4);
    memcpy(row + l->off_status, &status, 1);
    c = hs_crc32c(0, row, l->row_size);
    const double nan = NAN;
    for (size_t t = 0; t < k->n_traces; t++) {
        size_t w = l->trace_width[t], len = o->trace && o->trace[t] ? o->trace_len[t] : 0;
        len = len < w ? len : w;
        c = hs_crc32c(c, o->trace && o->trace[t] ? o->trace[t] : &nan, len * sizeof(double));
        for (size_t j = len; j < w; j++)
            c = hs_crc32c(c, &nan, sizeof nan);
    }
    memcpy(row + l->off_crc, &c, 4);
    memset(row + l->off_status, 0, 1);
}

/*
 * Build task id's row of sweep si into l->row as every writer stores it:
 * status byte 0 (pending), crc32c over the row with its status and the
 * traces.  Returns the status to set last.
 */
static int8_t row_build(hs_store *st, size_t si, uint64_t id, const hs_result *r)
{
    const hs_sweep *s = &st->set->sweeps[si];
    const hs_kernel *k = s->kernel;
    layout *l = &st->lay[si];
    const hs_out *o = r->out;
    /* The row is built once and written whole with the file's own type, so
     * nothing is converted or read back. */
    unsigned char *row = l->row;
    row_fill_task(l, s, row, id, r->params, r->seed, r->rng_seed);
    int32_t att = r->attempts, rk = r->rank;
    memcpy(row + l->off_attempts, &att, 4);
    memcpy(row + l->off_rank, &rk, 4);
    put_str(row + l->off_host, r->host, HS_HOST_LEN);
    memcpy(row + l->off_wall, &r->wall_s, 8);
    memcpy(row + l->off_started, &r->started_unix, 8);
    memcpy(row + l->off_rss, &r->peak_rss_kb, 8);
    for (size_t m = 0; m < k->n_metrics; m++)
        memcpy(row + l->off_metric[m], &o->metrics[m], 8);
    for (size_t t = 0; t < k->n_traces; t++) {
        size_t len = o->trace && o->trace[t] ? o->trace_len[t] : 0;
        int32_t n = (int32_t)(len < l->trace_width[t] ? len : l->trace_width[t]);
        memcpy(row + l->off_tlen[t], &n, 4);
    }
    put_str(row + l->off_detail, o->detail, HS_DETAIL_LEN);
    int8_t status = (int8_t)o->status;
    row_checksum(l, k, row, status, o);
    return status;
}

/* Write the row built by row_build, its traces, config_index and status. */
static int row_store(hs_store *st, size_t si, uint64_t id, const hs_result *r, int8_t status,
                     hs_err *e)
{
    const hs_kernel *k = st->set->sweeps[si].kernel;
    layout *l = &st->lay[si];
    const hs_out *o = r->out;
    unsigned char *row = l->row;
    /* 0. a retry rewrites a row that looks complete: mark it pending first */
    if (r->attempts > 1)
        HS_CALL(context(e, row_write(st, l, id, row, e), "cannot write a task row (disk full?)",
                        st->path));
    /* 1. traces, NaN-padded to the dataset's width */
    for (size_t t = 0; t < k->n_traces; t++) {
        size_t len = o->trace && o->trace[t] ? o->trace_len[t] : 0;
        if (l->trace_width[t])
            HS_CALL(context(e, trace_write(st, l, t, id, len ? o->trace[t] : NULL, len, e),
                            "cannot write a trace (disk full?)", st->path));
    }
    /* 2. the row, status still pending; 3. its status byte: from then on
     * the row counts as complete */
    HS_CALL(
        context(e, row_write(st, l, id, row, e), "cannot write a task row (disk full?)", st->path));
    HS_CALL(context(e, index_write(st, l, id, e), "cannot write a task's config_index (disk full?)",
                    st->path));
    memcpy(row + l->off_status, &status, 1);
    HS_CALL(context(e, status_write(st, l, id, row, e), "cannot write a task row (disk full?)",
                    st->path));
    hs_stats_task_written();
    return 0;
}

int hs_store_write_result(hs_store *st, size_t si, uint64_t id, const hs_result *r, hs_err *e)
{
    return row_store(st, si, id, r, row_build(st, si, id, r), e);
}

/* ---- packed tasks and block writes (store_agg.h) -------------------------- */

void hs_store_shape_of(const hs_store *st, size_t si, hs_store_shape *sh)
{
    const layout *l = &st->lay[si];
    size_t nt = st->set->sweeps[si].kernel->n_traces, values = 0;
    for (size_t t = 0; t < nt; t++)
        values += l->trace_width[t];
    *sh = (hs_store_shape){.row_size = l->row_size,
                           .off_status = l->off_status,
                           .n_traces = nt,
                           .trace_width = l->trace_width,
                           .has_index = l->index_dset > 0,
                           .packed = sizeof(hs_agg_head) + l->row_size + values * sizeof(double)};
}

void hs_store_pack_result(hs_store *st, size_t si, uint64_t id, const hs_result *r,
                          unsigned char *buf)
{
    const layout *l = &st->lay[si];
    const hs_out *o = r->out;
    hs_agg_head h = {.id = id,
                     .si = (uint32_t)si,
                     .attempts = r->attempts,
                     .index = st->text_index,
                     .status = row_build(st, si, id, r)};
    memcpy(buf, &h, sizeof h);
    unsigned char *p = buf + sizeof h;
    memcpy(p, l->row, l->row_size);
    p += l->row_size;
    const double nan = NAN;
    for (size_t t = 0; t < st->set->sweeps[si].kernel->n_traces; t++) {
        size_t w = l->trace_width[t], len = o->trace && o->trace[t] ? o->trace_len[t] : 0;
        len = len < w ? len : w;
        if (len)
            memcpy(p, o->trace[t], len * sizeof(double));
        for (size_t j = len; j < w; j++)
            memcpy(p + j * sizeof(double), &nan, sizeof nan);
        p += w * sizeof(double);
    }
}

/* Write n elements of dataset d (width values each: a 2-D dataset; 0: 1-D)
 * from row id0 on through H5Dwrite with memory type mt. */
static int h5_write_block(hid_t d, hid_t mt, uint64_t id0, uint64_t n, size_t width,
                          const void *buf, hs_err *e)
{
    hid_t fsp, msp = -1;
    HS_H5_CALL(e, fsp = H5Dget_space(d));
    hsize_t start[2] = {id0, 0}, count[2] = {n, width}, mn = width ? n * width : n;
    int rc = HS_H5_CHECK(e, H5Sselect_hyperslab(fsp, H5S_SELECT_SET, start, NULL, count, NULL));
    if (rc == 0)
        rc = HS_H5_CHECK(e, msp = H5Screate_simple(1, &mn, NULL));
    if (rc == 0)
        rc = HS_H5_CHECK(e, H5Dwrite(d, mt, msp, fsp, H5P_DEFAULT, buf));
    if (msp >= 0)
        CLOSE_H5(rc, e, H5Sclose(msp));
    CLOSE_H5(rc, e, H5Sclose(fsp));
    return rc;
}

int hs_store_write_block(hs_store *st, size_t si, int part, size_t t, uint64_t id0, uint64_t n,
                         const void *buf, hs_err *e)
{
    layout *l = &st->lay[si];
    int rc = 0;
    if (n == 0)
        return 0;
    if (part == HS_PART_ROW || part == HS_PART_STATUS) {
        int kind = part == HS_PART_ROW ? HS_IO_ROW : HS_IO_STATUS;
        if (l->row_addr != HADDR_UNDEF)
            rc = raw_write(st, kind, l->row_addr + (haddr_t)id0 * l->row_size, buf, n * l->row_size,
                           e);
        else if ((rc = h5_write_block(l->dset, l->row_type, id0, n, 0, buf, e)) == 0)
            hs_stats_write(kind,
                           hs_stats_tracing() ? element_offset(l->dset, id0, l->row_size) : -1,
                           n * l->row_size);
        return context(e, rc, "cannot write a task row (disk full?)", st->path);
    }
    if (part == HS_PART_INDEX) {
        if (l->index_dset <= 0)
            return 0;
        if (l->index_addr != HADDR_UNDEF)
            rc = raw_write(st, HS_IO_INDEX, l->index_addr + (haddr_t)id0 * 2, buf, n * 2, e);
        else if ((rc = h5_write_block(l->index_dset, H5T_NATIVE_UINT16, id0, n, 0, buf, e)) == 0)
            hs_stats_write(HS_IO_INDEX,
                           hs_stats_tracing() ? element_offset(l->index_dset, id0, 2) : -1, n * 2);
        return context(e, rc, "cannot write a task's config_index (disk full?)", st->path);
    }
    size_t w = l->trace_width[t], bytes = w * sizeof(double);
    if (w == 0)
        return 0;
    kick_writeback(st, n * bytes);
    if (l->trace_addr[t] != HADDR_UNDEF)
        rc = raw_write(st, HS_IO_TRACE, l->trace_addr[t] + (haddr_t)id0 * bytes, buf, n * bytes, e);
    else if ((rc = h5_write_block(l->trace_dset[t], H5T_NATIVE_DOUBLE, id0, n, w, buf, e)) == 0)
        hs_stats_write(HS_IO_TRACE,
                       hs_stats_tracing() ? element_offset(l->trace_dset[t], id0, bytes) : -1,
                       n * bytes);
    return context(e, rc, "cannot write a trace (disk full?)", st->path);
}

int hs_store_close(hs_store **stp, hs_err *e)
{
    hs_store *st = *stp;
    if (!st)
        return 0;
    int rc = 0;
    for (size_t i = 0; st->lay && i < st->set->n_sweeps; i++)
        if (layout_free(&st->lay[i], st->set->sweeps[i].kernel) != 0 && rc == 0)
            rc = h5fail(e, "cannot close the results file's datasets", st->path);
    free(st->lay);
    st->lay = NULL;
    if (st->mem1 > 0 && H5Sclose(st->mem1) < 0 && rc == 0)
        rc = h5fail(e, "cannot close a dataspace", st->path);
    if (st->file > 0 && H5Fclose(st->file) < 0 && rc == 0)
        rc = h5fail(e, "cannot close the results file", st->path);
    if (st->lock_fd >= 0)
        close(st->lock_fd);
    free(st);
    *stp = NULL;
    return rc;
}
