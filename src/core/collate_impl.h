/*
 * Private to collate*.c and report*.c: one sweep's finished tasks gathered
 * from one or more results files, and the distinct value combinations of
 * some of its columns (pivot rows, columns, groups) (collate.c); the pivot
 * table that collate_pivot.c builds and collate_format.c prints.
 */
#ifndef HSWEEP_COLLATE_IMPL_H
#define HSWEEP_COLLATE_IMPL_H

#include <stddef.h>
#include <stdio.h>

#include "hsweep/collate.h"
#include "hsweep/config.h"
#include "hsweep/kernel.h"
#include "hsweep/table.h"

/* A metric "column" that is not in the task table: 1 for status ok, else 0. */
#define HS_COL_FRAC_OK (-2)
/* Room for one value's text (a key component, a parameter value). */
#define HS_TEXT_CAP 512

typedef struct hs_rowset {
    char *sweep;
    char *kernel_name;
    const hs_kernel *kernel; /* NULL if this hsweep does not have the kernel */
    size_t n_files;
    char **file;
    hs_table *t; /* one per file; identical columns (checked) */
    size_t n;    /* distinct finished tasks */
    size_t *tab,
        *row;       /* task i is row row[i] of table tab[i]; i in [n, n + pending): pending rows */
    size_t pending; /* distinct tasks finished in no file */
    size_t duplicates;     /* finished rows of a task already finished in an earlier file */
    size_t damaged;        /* rows damaged in their file (table.h), counted as pending */
    char damaged_ids[512]; /* "FILE: tasks 5, 9" per file with damaged rows */
    char **axes;           /* union of the files' axes, "seed" last */
    size_t n_axes;
    hs_sweepset *set;   /* the first file's sweep file, re-parsed; NULL if that failed */
    const hs_sweep *sw; /* this sweep in set, or NULL */
    char set_err[1024]; /* why set is NULL */
    struct hs_rowset_schema *schemas; /* kernel tables of set's plug-in sweeps, from the file */
    int status_col, seed_col;
    int *param_col;    /* per kernel parameter: its column (kernel != NULL) */
    hs_value *scratch; /* per kernel parameter, for hs_filter_match */
    char *scratch_text;
} hs_rowset;

/*
 * Gather sweep `sweep` from files[0..n_files-1] (NULL: the first file's
 * only sweep).  Files are merged when the sweep ran the same kernel with the
 * same columns; otherwise HS_EINPUT naming the difference.  A task (same
 * parameters and seed) finished in several files counts once, from the
 * first file listed; pending rows are left out and counted.
 */
int hs_rowset_load(const char *const *files, size_t n_files, const char *sweep, hs_rowset *rs,
                   hs_err *e);
void hs_rowset_free(hs_rowset *rs);

/* Column index of `name` (same in every file), or -1; "frac_ok" gives HS_COL_FRAC_OK. */
int hs_rowset_col(const hs_rowset *rs, const char *name);
double hs_rowset_num(const hs_rowset *rs, size_t i, int col);
const char *hs_rowset_text(const hs_rowset *rs, size_t i, int col, char *buf, size_t cap);
int hs_rowset_status(const hs_rowset *rs, size_t i);
/* Nonzero if task i satisfies f (conditions parsed against rs->kernel). */
int hs_rowset_match(hs_rowset *rs, size_t i, const hs_filter *f);
/* Column kind is a number (not a string). */
int hs_rowset_numeric(const hs_rowset *rs, int col);

/*
 * The value task i contributes to an aggregate of column `col`: its finite
 * value if its status is ok, nonfinite or diverged (the kernel ran to the
 * end and reported it); NaN if the task failed, timed out or crashed
 * (metrics may be partial) or the value is NaN/inf.  HS_COL_FRAC_OK: 1/0.
 */
double hs_rowset_value(const hs_rowset *rs, size_t i, int col);

/* Distinct combinations of some columns' values over selected tasks, sorted. */
typedef struct hs_keys {
    size_t n_cols;
    const int *col;
    size_t n;    /* distinct combinations */
    char **text; /* [n * n_cols] value texts */
    double *num; /* [n * n_cols] numeric values (NaN for strings) */
} hs_keys;

/*
 * Key every task with sel[i] != 0 by the values of cols; key_of[i] is its
 * key's index in sorted order (numbers numerically, strings as text,
 * column by column), (size_t)-1 for tasks not selected.
 */
int hs_keys_build(const hs_rowset *rs, const int *cols, size_t n_cols, const unsigned char *sel,
                  size_t *key_of, hs_keys *k, hs_err *e);
void hs_keys_free(hs_keys *k);
/* Order of keys a and b of k: numbers numerically, strings as text, column by column. */
int hs_keys_cmp(const hs_keys *k, size_t a, size_t b);
/* Stable sort of perm[0..n) (key indices of k) by hs_keys_cmp; tmp holds n. */
void hs_keys_sort(const hs_keys *k, size_t *perm, size_t *tmp, size_t n);

/* Tasks grouped by key (key_of[i] < n_keys, or (size_t)-1 for none): the
 * tasks of key j are idx[start[j] .. start[j+1]-1], in task order. */
int hs_bucket(size_t n_keys, const size_t *key_of, size_t n_tasks, size_t **start, size_t **idx,
              hs_err *e);

/* A Markdown cell: value (or "–"), "± sd" unless sd is NaN, "(n_na/n_tasks n/a)" if n_na. */
void hs_collate_md_value(char *buf, size_t cap, double v, double sd, size_t n_na, size_t n_tasks);

/* Text in a Markdown table cell: '|' escaped, line breaks as spaces. */
void hs_collate_md_text(FILE *out, const char *s);

/* A key component (column col, text, num) as a JSON number, true/false or string. */
void hs_collate_json_key(FILE *out, const hs_rowset *rs, int col, const char *text, double num);

/* names[0..n) joined with ", " into buf (cut at cap). */
void hs_collate_join(char *const *names, size_t n, char *buf, size_t cap);
/* Nonzero if name is one of names[0..n). */
int hs_collate_in_list(char *const *names, size_t n, const char *name);

/* ---- the pivot table (collate_pivot.c builds it, collate_format.c prints it) ---- */

enum {
    HS_AGG_MEAN,
    HS_AGG_MEDIAN,
    HS_AGG_STD,
    HS_AGG_MIN,
    HS_AGG_MAX,
    HS_AGG_SUM,
    HS_AGG_COUNT,
    HS_AGG_FRAC_OK,
    HS_AGG_MEANSTD
};
/* Names of the HS_AGG_* aggregates, as --agg takes them (collate_pivot.c). */
extern const char *const hs_agg_names[];
enum { HS_FMT_MD, HS_FMT_CSV, HS_FMT_TSV, HS_FMT_JSON, HS_FMT_LONG_CSV, HS_FMT_LONG_TSV };

#define HS_MAX_METRICS 64
#define HS_MAX_SWEEPS 16
#define HS_COL_STATUS (-3) /* the metric "status": counts per status */
#define HS_NO_KEY ((size_t)-1)

typedef struct hs_cell {
    size_t n_tasks, n_vals, n_na;
    size_t st[HS_ST_COUNT];
    double v, sd;
    double side[2]; /* --contrast: the aggregate at the first and at the second value */
} hs_cell;

/* One sweep of the table. */
typedef struct hs_part {
    hs_rowset rs;
    int mcol[HS_MAX_METRICS];
    int rcol[HS_MAX_AXES], ccol[HS_MAX_AXES];
    hs_filter where;
    unsigned char *sel; /* 0 left out; 1 selected (--contrast: first value); 2 second value */
    size_t n_sel, n_where_out;
    char con_val[2][HS_TEXT_CAP]; /* --contrast: the two values, as split for this sweep */
    hs_keys rk, ck;
    size_t *rkey, *ckey;
    hs_cell *cells; /* [row key][col key][metric] */
    size_t na_status[HS_MAX_METRICS][HS_ST_COUNT];
    size_t na_value[HS_MAX_METRICS];
    size_t st_total[HS_ST_COUNT];
} hs_part;

typedef struct hs_pivot {
    const hs_collate_opts *o;
    int agg, fmt;
    size_t n_m, n_r, n_c, n_p;
    char *mname[HS_MAX_METRICS], *rname[HS_MAX_AXES], *cname[HS_MAX_AXES], *sname[HS_MAX_SWEEPS];
    char *mbuf, *rbuf, *cbuf, *sbuf, *conbuf;
    char *con_axis, *con_text; /* --contrast AXIS=TEXT, TEXT "a-b" or "a/b" */
    char con_op;               /* '-' or '/'; 0 without --contrast */
    const hs_part *con_part;   /* the first sweep split by --contrast: names the two values */
    hs_part *p;
    size_t n_rows;      /* rows printed: the union of the sweeps' row keys, sorted */
    size_t *row_key;    /* [n_rows][n_p]: that sweep's row key, or HS_NO_KEY */
    const char **rtext; /* [n_rows][n_r]: the row's key texts */
} hs_pivot;

/* Print p in its format p->fmt (HS_FMT_*); HS_EIO etc. on failure. */
int hs_pivot_print(const hs_pivot *p, FILE *out, hs_err *e);

#endif
