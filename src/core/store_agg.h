/*
 * Node-level aggregated writes (hsweep run --writers node), private to
 * src/core: on each node with two or more workers the lowest worker rank
 * becomes the node's writer.  Its workers pack each finished task (the row
 * exactly as hs_store_write_result builds it, its status, its config_index
 * entry and its traces NaN-padded to their widths) into one message
 * (HS_TAG_ROWS, include/hsweep/sched.h); the writer buffers them and writes
 * them in large blocks, sorted by offset and coalesced, in the order that
 * keeps a killed run resumable: rows with status pending, traces,
 * config_index, then the same rows with their status set.
 */
#ifndef HSWEEP_STORE_AGG_H
#define HSWEEP_STORE_AGG_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "hsweep/error.h"
#include "hsweep/store.h"

/* ---- the store's side (store.c) ---------------------------------------- */

/* The head of a packed task: which row, which attempt, and what goes into
 * the status byte and config_index last.  The row (status byte 0) follows,
 * then each trace's width of float64 values in schema order. */
typedef struct hs_agg_head {
    uint64_t id;
    uint32_t si;
    int32_t attempts;
    uint16_t index; /* the config_index entry */
    int8_t status;
    uint8_t pad[5];
} hs_agg_head;

/* Where a packed task's parts lie, for sweep si of a store. */
typedef struct hs_store_shape {
    size_t row_size;
    size_t off_status; /* the status byte within a row */
    size_t n_traces;
    const size_t *trace_width; /* values per trace row */
    int has_index;             /* the file keeps config_index */
    size_t packed;             /* bytes of a packed task: head, row, traces */
} hs_store_shape;

void hs_store_shape_of(const hs_store *st, size_t si, hs_store_shape *sh);

/* Pack finished task id of sweep si into buf (hs_store_shape.packed bytes):
 * the same row, status and trace bytes hs_store_write_result writes. */
void hs_store_pack_result(hs_store *st, size_t si, uint64_t id, const hs_result *r,
                          unsigned char *buf);

/* What a block write writes: whole rows (status pending, or set: the
 * status step), config_index entries, or rows of trace t. */
enum { HS_PART_ROW, HS_PART_STATUS, HS_PART_INDEX, HS_PART_TRACE };

/*
 * Write n consecutive elements of sweep si's part, from row id0 on, from
 * buf (n rows of row_size bytes, n uint16 entries, or n trace rows of the
 * trace's width) in one write (independent).  Returns 0, or the error of
 * the failed write in the terms hs_store_write_result uses ("cannot write a
 * task row (disk full?)", ...).
 */
int hs_store_write_block(hs_store *st, size_t si, int part, size_t t, uint64_t id0, uint64_t n,
                         const void *buf, hs_err *e);

/* ---- the roles and the writer (store_agg.c) ----------------------------- */

/* This rank's part in a run with node writers. */
typedef struct hs_agg_role {
    int writer;           /* a worker: its node's writer rank; -1: it writes its own rows */
    int *workers;         /* a writer: its node's workers' ranks (malloc'd); else NULL */
    int n_workers;        /* their number; 0 unless this rank is a writer */
    unsigned char *is_wr; /* every rank: 1 for the ranks of comm that are writers (malloc'd) */
    int n_writers;
} hs_agg_role;

/*
 * Collective over comm: the nodes (MPI_COMM_TYPE_SHARED) among ranks 1..size-1
 * and, on each with two or more of them, its writer (the lowest rank).
 * Returns 0 or an error (HS_EMPI, HS_ENOMEM) with e set.
 */
int hs_agg_roles(MPI_Comm comm, hs_agg_role *role, hs_err *e);
void hs_agg_role_free(hs_agg_role *role);

/*
 * The writer's loop: receive its workers' packed tasks and write them in
 * blocks, flushed once the buffer passes HS_AGG_FLUSH_BYTES or its oldest
 * task is older than flush_s seconds, and once
 * every worker said it is done (HS_TAG_WDONE).  On a failed write the
 * workers still running are told (HS_TAG_WFAIL: int code, then the
 * message) and what arrives later is dropped (those tasks stay pending).
 * Returns 0, the write's error, or HS_EMPI when a receive or a send failed
 * (the run then aborts).
 */
int hs_agg_writer_run(hs_store *st, size_t n_sweeps, MPI_Comm comm, const hs_agg_role *role,
                      double flush_s, hs_err *e);

#define HS_AGG_FLUSH_BYTES ((size_t)4 << 20)

#endif
