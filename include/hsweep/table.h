/*
 * Reading a results file without MPI: a sweep's task table as rows of its
 * compound type, with columns looked up by name.  Used by status, collate
 * and `task --from`.
 */
#ifndef HSWEEP_TABLE_H
#define HSWEEP_TABLE_H

#include <stddef.h>

#include "hsweep/error.h"
#include "hsweep/kernel.h"

typedef enum { HS_COL_INT, HS_COL_UINT, HS_COL_FLOAT, HS_COL_STRING, HS_COL_ENUM } hs_col_kind;

typedef struct hs_col {
    char *name;
    hs_col_kind kind;
    size_t off, size;
    char **enum_names; /* HS_COL_ENUM: name of value i (0..n_enum-1) */
    size_t n_enum;
} hs_col;

typedef struct hs_table {
    char *sweep;
    char *kernel;
    size_t n_rows;
    size_t row_size;
    unsigned char *rows;
    size_t n_cols;
    hs_col *col;
    char **axes;
    size_t n_axes;
    char **params;
    size_t n_params;
    char **metrics;
    size_t n_metrics;
    char **traces;
    size_t n_traces;
    /* The rest of the stored schema (empty lists in files that lack them). */
    char **param_types, **param_defaults, **param_units, **metric_units;
    size_t n_param_types, n_param_defaults, n_param_units, n_metric_units;
    /* Exec sweeps' per-task log directory and provenance (include/hsweep/exec.h;
     * "" and empty lists when absent). */
    char *exec_logs, *exec_git_describe, *exec_git_dirty, *exec_interpreter,
        *exec_interpreter_version;
    char **exec_files, **exec_files_sha256;
    size_t n_exec_files, n_exec_files_sha256;
    /* Per row: HS_ROW_OK, or why it is damaged (its status byte, or its
     * bytes or traces against its crc32c; files without the column: status only). */
    unsigned char *damage;
    size_t n_damaged;
} hs_table;

enum { HS_ROW_OK = 0, HS_ROW_BAD_STATUS = 1, HS_ROW_BAD_CRC = 2 };

/*
 * Names of the sweeps in a results file (groups holding a `tasks` table).
 * Readers call it first: it reads the whole file once in a child process,
 * so a file that crashes the HDF5 library gives "damaged results file".
 */
int hs_table_list(const char *path, char ***names, size_t *n, hs_err *e);
void hs_table_list_free(char **names, size_t n);
/* How long that child may read before the file counts as damaged (HDF5
 * can loop on a damaged file): 60 s unless set; 0 sets 60. */
void hs_table_set_check_limit(unsigned seconds);
/*
 * Read sweep `sweep`'s whole task table.  Every read is checked: a file
 * whose metadata or rows do not read back as hsweep writes them (a column
 * out of the row, a table longer than the file or than the sweep's n_tasks,
 * a parameter or metric without its column, a bad attribute) gives HS_EINPUT
 * "PATH: damaged results file: WHAT (try h5dump / h5check)", never a partial
 * table.
 */
int hs_table_read(const char *path, const char *sweep, hs_table *t, hs_err *e);
void hs_table_free(hs_table *t);
/* Column index by name, or -1. */
int hs_table_col(const hs_table *t, const char *name);
/* Numeric value of a cell (ints, floats, enums and bools as their codes); NaN for strings. */
double hs_table_num(const hs_table *t, size_t row, int col);
/* The cell as text ("true"/"false" for bools, status names for status). */
const char *hs_table_text(const hs_table *t, size_t row, int col, char *buf, size_t cap);
/* The damaged rows' task ids, "5, 9, 12" (the first ten, then "..."), into buf; returns their count. */
size_t hs_table_damaged_ids(const hs_table *t, char *buf, size_t cap);
/* Status of a row, or -1 when its byte is outside hs_status (a damaged row). */
int hs_table_status(const hs_table *t, size_t row);
/*
 * The kernel table the file describes (parameter names, types, defaults and
 * units; metric and trace names): enough to parse the sweep text stored in
 * the file without the kernel's code (a plug-in is never loaded for it).
 * Its strings belong to t, which must outlive it; no range checks, no cost,
 * no run.  Free with hs_table_schema_free.
 */
int hs_table_schema(const hs_table *t, hs_kernel *k, hs_err *e);
void hs_table_schema_free(hs_kernel *k);
/* Read trace `name` of row `row` (first len entries); returns entries read or -1. */
long hs_table_trace(const char *path, const char *sweep, const char *name, size_t row, double *buf,
                    size_t cap, hs_err *e);

#endif
