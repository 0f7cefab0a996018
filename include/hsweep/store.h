/*
 * The results file: one parallel-HDF5 file per run (layout in DESIGN.md).
 *
 * Everything the run will ever need -- groups, datasets, attributes -- is
 * created collectively and preallocated by hs_store_create, then flushed;
 * afterwards only raw data changes, written independently by each worker:
 * a task's traces first, then its row, then its status byte.  A row whose
 * status is not "pending" is therefore complete, and a killed run leaves a
 * file that opens and resumes.
 */
#ifndef HSWEEP_STORE_H
#define HSWEEP_STORE_H

#include <mpi.h>
#include <stdint.h>

#include "hsweep/config.h"
#include "hsweep/error.h"
#include "hsweep/task.h"

/* 2: task tables have a crc32c column (1: none; still read, not resumed). */
#define HS_FORMAT_VERSION 2
#define HS_HOST_LEN 64
#define HS_DETAIL_LEN 256

typedef struct hs_store hs_store;

/* Provenance of the run, identical on every rank. */
typedef struct hs_prov {
    int ranks;
    const char *hosts; /* comma-separated distinct host names */
    const char *mpi_library;
} hs_prov;

/* What a finished task writes. */
typedef struct hs_result {
    const hs_value *params;
    int64_t seed;
    uint64_t rng_seed;
    const hs_out *out;
    int attempts;
    int rank;
    const char *host;
    double wall_s;
    double started_unix;
    int64_t peak_rss_kb;
} hs_result;

/*
 * Create the results file at path for the sweeps of `set` (collective over
 * comm).  Fails with HS_ESTATE if anything (a link too) is at path and
 * overwrite is 0, if another run holds the file overwrite would replace, or
 * if another run created path meanwhile; with HS_EINPUT ("path too long")
 * before anything is made if path is too long for the file system.  The file
 * is built under a new name of its own beside path, created exclusively, and
 * moved into place once complete and open.  Parent directories are created.
 * On return every task row exists with status pending.
 */
int hs_store_create(const char *path, const hs_sweepset *set, MPI_Comm comm, const hs_prov *prov,
                    int overwrite, hs_store **out, hs_err *e);

/* hs_store_open's flags. */
enum { HS_OPEN_FORCE = 1, HS_OPEN_REPAIR = 2, HS_OPEN_RETRY = 4 };

/*
 * Open an existing results file of `set` for resuming (collective).  Refuses
 * with HS_ESTATE if it was written for a different sweep file (by SHA-256 of
 * its text) unless HS_OPEN_FORCE, or if its table layout differs in any
 * case, or if rows are damaged (table.h: bytes against their crc32c, a
 * status byte out of range), naming them, unless HS_OPEN_REPAIR (they are
 * marked pending and run again) or, for status bytes only, HS_OPEN_RETRY
 * (--retry-failed reruns them).  Also HS_ESTATE when there is no file at
 * path (naming what a stopped creation left), when it is a reduced run and
 * set is not (or the reverse), or when a row was written with other
 * parameter values than set gives its task; HS_EIO when it cannot be
 * written; HS_EINPUT ("path too long") as hs_store_create.
 */
int hs_store_open(const char *path, const hs_sweepset *set, MPI_Comm comm, const hs_prov *prov,
                  int flags, hs_store **out, hs_err *e);

/* Read the status of every task of sweep si into status[n_tasks] (independent),
 * and, if attempts is not NULL, their attempt counts. */
int hs_store_read_status(hs_store *st, size_t si, int8_t *status, int32_t *attempts, hs_err *e);

/* Write one finished task (independent): traces, then row, then status.  A
 * row rewritten by a retry (attempts > 1) is first marked pending again. */
int hs_store_write_result(hs_store *st, size_t si, uint64_t id, const hs_result *r, hs_err *e);

/* Flush and close (collective).  *st is NULL afterwards. */
int hs_store_close(hs_store **st, hs_err *e);

/* Read a string attribute of the file's root (serial helper); malloc'd. */
int hs_store_read_root_attr(const char *path, const char *name, char **value, hs_err *e);

/*
 * The sweep text whose run wrote row `id` of sweep `sweep` (serial): the entry
 * of the root attribute config_texts that /<sweep>/config_index names, or
 * config_text where the file records one text only.  *text, *cpath (the
 * sweep file's path then) and *accepted (the UTC time that run accepted it;
 * skipped if accepted is NULL) malloc'd;
 * *index is its entry, *count the entries recorded.  HS_ESTATE if the file
 * records no text or the row names an entry it does not hold.
 */
int hs_store_read_row_text(const char *path, const char *sweep, uint64_t id, char **text,
                           char **cpath, char **accepted, int *index, int *count, hs_err *e);

/* 1 if the file records a reduced run (root attribute reduced = "true",
 * written by hsweep run --reduced), 0 otherwise or if it cannot be read. */
int hs_store_is_reduced(const char *path);

#endif
