/*
 * Run statistics: what the coordinator served, what the store wrote, what
 * creating the results file cost.  Counters are per process and plain
 * increments; hs_stats_emit sums the store's over the ranks and writes them
 * as JSON to the file that HSWEEP_STATS names (format in README.md).  With
 * HSWEEP_IO_TRACE=DIR every store write after creation is also logged as one
 * line `<kind> <file offset> <bytes>` in DIR/rank-<r>.txt, and creation's
 * writes of the pending rows as `fill <offset> <bytes>` in
 * DIR/create-<r>.txt.
 */
#ifndef HSWEEP_STATS_H
#define HSWEEP_STATS_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "hsweep/error.h"

/* Kinds of store writes. */
enum { HS_IO_ROW, HS_IO_STATUS, HS_IO_INDEX, HS_IO_TRACE, HS_IO_KINDS };

/*
 * Reset every counter of this process and arm the write trace for rank
 * `rank` when HSWEEP_IO_TRACE is set (its file opens at the first write).
 * Called at the start of a run.
 */
void hs_stats_begin(int rank);

/* Whether store writes are traced (HSWEEP_IO_TRACE): only then is the
 * offset of a write worth finding where it costs a call. */
int hs_stats_tracing(void);

/* Count a store write of `bytes` at file offset `offset` (-1: unknown) and
 * trace it when tracing. */
void hs_stats_write(int kind, int64_t offset, size_t bytes);

/* Count a finished task whose row the store wrote. */
void hs_stats_task_written(void);

/* Count one write of the creation's rows, at file offset `offset` (-1:
 * unknown), and trace it (DIR/create-<r>.txt) when tracing. */
void hs_stats_fill(int64_t offset, size_t bytes);

/* What creating the results file took: wall seconds, the file's size and
 * the task rows (rank 0's figures are the ones written). */
void hs_stats_created(double seconds, uint64_t file_bytes, uint64_t rows);

/* This process started `started` task processes (--isolation fork) in the
 * run, `before` of them before the dispatch phase (while rank 0 built the
 * queue); the others for a task (its first, or a replacement). */
void hs_stats_task_processes(uint64_t started, uint64_t before);

/* ---- the coordinator (rank 0 of a run of several processes) ---- */

/* A message is in: note the thread CPU and wall clocks before serving it. */
typedef struct hs_stats_span {
    int64_t cpu_ns, wall_ns;
} hs_stats_span;
void hs_stats_span_start(hs_stats_span *s);

/*
 * The message whose service started at s is answered: tag HS_TAG_REQ or
 * HS_TAG_DONE; queue_len the tasks queued when it came (requests only).
 */
void hs_stats_served(const hs_stats_span *s, int tag, uint64_t queue_len);

/* A HS_TAG_WORK message with `tasks` task refs went out. */
void hs_stats_batch(int tasks);

/*
 * The dispatch phase's edges, in seconds since the coordinator loop began:
 * a worker's first request came in (once for each worker), and a message
 * with finished tasks came in (the last one counts).
 */
void hs_stats_first_request(double at);
void hs_stats_result(double at);

/* The coordinator loop's wall time, once it ends. */
void hs_stats_loop(double seconds);

/*
 * Collective over comm: sum the store's and the creation's counters on rank
 * 0 and, if HSWEEP_STATS names a file, write them there with the run's
 * ranks and workers and (when any message was served) the coordinator's.
 * Also flushes and closes the write trace.  A file that cannot be written
 * is reported on stderr and does not fail the run.  Returns 0 or HS_EMPI
 * naming the reduction; reduce = 0 skips it (rank 0 writes its own figures:
 * for a run whose ranks no longer answer).
 */
int hs_stats_emit(MPI_Comm comm, int ranks, int workers, int reduce, hs_err *e);

#endif
