/*
 * Running a sweep file under MPI.  Rank 0 coordinates: it owns the queue of
 * pending tasks (longest expected first: the kernels' cost hints, corrected
 * on --resume by the times of the file's finished tasks, hsweep/cost.h) and
 * answers workers; every other rank (or gang of ranks) runs tasks and writes
 * its own results (--writers node: hands them to its node's writer).  A
 * single process does both.
 *
 * Message protocol (MPI point-to-point on the run's communicator; all
 * payloads are fixed-width integers):
 *   worker -> 0, tag HS_TAG_REQ  : int64[HS_ST_COUNT + 1 + 2f + r]:
 *                                  cumulative counts of the tasks it
 *                                  finished, by status; f; f pairs (task ref,
 *                                  wall time in ns, -1 for a task that did not
 *                                  run to the end) of the tasks finished since
 *                                  its last message, for the cost models of
 *                                  the ETA; then r task refs to run again
 *                                  (retries).  Asks for the next batch.  With
 *                                  refine blocks (refine.h) each finished
 *                                  task's note has more words after the pair:
 *                                  its status and one value per refine block
 *                                  of its sweep (hs_refine_note).
 *   0 -> worker, tag HS_TAG_WORK : uint64[1 + n]: word 0 is flags (bit 0:
 *                                  the worker may ask for the next batch
 *                                  before running this one; bit 1: stop);
 *                                  words 1..n are task refs (attempt << 56 |
 *                                  sweep index << 40 | task id).  n = 0 and
 *                                  no retries outstanding: no more work.
 *                                  Bit 2: the batch holds refinement rows:
 *                                  word 0's upper 32 bits are the number k
 *                                  of refs, and after them come, for each
 *                                  refinement row among them, its axis value
 *                                  (double bits) and round.  Bit 3: no task
 *                                  now, but refinement may add some once this
 *                                  worker's own tasks are reported: ask again.
 *                                  A worker with no task out may get no reply
 *                                  until refinement hands out its next points
 *                                  or no task is out anywhere.
 *   0 -> worker, tag HS_TAG_STOP : int, sent once on a stop request: 1:
 *                                  finish the running task within the grace
 *                                  period (or abandon it: it stays pending),
 *                                  then leave; 2 (--halt now): abandon it at
 *                                  once.
 *   worker -> 0, tag HS_TAG_DONE : int64[HS_ST_COUNT + 1 + 2f]: final
 *                                  counts and the last finished tasks, as in
 *                                  a request; the worker then leaves the loop.
 * With --writers node (src/core/store_agg.h) the lowest worker rank of each
 * node with two or more workers is its writer: it runs no tasks and sends
 * rank 0 nothing; its node's workers send it instead of writing:
 *   worker -> writer, tag HS_TAG_ROWS  : bytes: one finished task packed
 *                                  (hs_agg_head, the row with status
 *                                  pending, each trace NaN-padded to its
 *                                  width).  A failed attempt that is
 *                                  retried is not sent: the retry's row
 *                                  replaces it.
 *   worker -> writer, tag HS_TAG_WDONE : empty, after the worker's last
 *                                  task and its HS_TAG_DONE.
 *   writer -> worker, tag HS_TAG_WFAIL : int code, then the message: the
 *                                  writer could not write; the worker stops
 *                                  as after its own write failure.
 * Gang members receive each task ref from their leader by MPI_Ibcast on the
 * gang communicator (UINT64_MAX ends).  A later node-level sub-coordinator
 * speaks the same four messages: HS_TAG_REQ and HS_TAG_DONE upward,
 * HS_TAG_WORK and HS_TAG_STOP downward.
 */
#ifndef HSWEEP_SCHED_H
#define HSWEEP_SCHED_H

#include <mpi.h>
#include <stdint.h>

#include "hsweep/error.h"

#define HS_TAG_REQ 11
#define HS_TAG_WORK 12
#define HS_TAG_DONE 13
#define HS_TAG_STOP 14
#define HS_TAG_ROWS 15
#define HS_TAG_WDONE 16
#define HS_TAG_WFAIL 17
#define HS_REF_SHIFT 40
#define HS_REF_ATTEMPT_SHIFT 56
#define HS_MAX_BATCH 256

typedef struct hs_run_opts {
    const char *sweep_path;
    const char *output; /* NULL: the sweep file's `output` */
    int resume;
    int force;          /* resume a file written for a different sweep file */
    int overwrite;      /* replace an existing results file */
    uint64_t max_tasks; /* 0: default limit */
    double log_every;   /* seconds between log lines when stderr is no tty */
    int quiet;
    int retry_failed; /* with resume: run failed/timeout/crashed rows again */
    int repair;       /* with resume: run damaged rows (store.h) again */
    int reduced;      /* apply the sweeps' `reduced` groups (recorded in the file) */
    /* Defaults for sweeps that do not set their own (-1 in hs_sweep). */
    int isolation;    /* HS_ISO_FORK (0) or HS_ISO_NONE */
    double timeout_s; /* 0: none */
    int retries;
    long mem_limit_mb; /* 0: none */
    double grace_s;    /* on a stop request: how long running tasks may finish (0: 60) */
    const char *logs;  /* exec task logs under this directory (NULL: include/hsweep/exec_run.h) */
    int no_logs;       /* keep no exec task logs */
    /* --halt: once halt_fail tasks ended failed, timeout or crashed (with
     * halt_pct: that percentage of the tasks the run has to run), SOON hands
     * out no more tasks and lets the running ones finish; NOW also abandons
     * the running ones (they stay pending).  hs_sched_run then returns HS_ETASKS. */
    int halt; /* HS_HALT_NEVER (0), HS_HALT_SOON, HS_HALT_NOW */
    double halt_fail;
    int halt_pct;
    int progress; /* rank 0's progress output, HS_PROGRESS_*; quiet: none */
    int writers;  /* HS_WRITERS_RANK (0): each worker writes its rows; NODE: one rank per node */
    /* NODE: a writer flushes once its oldest task is this old, s
     * (HSWEEP_WRITERS_FLUSH_S, checked by the command line; default 1) */
    double writers_flush_s;
} hs_run_opts;

enum { HS_HALT_NEVER = 0, HS_HALT_SOON, HS_HALT_NOW };
enum { HS_WRITERS_RANK = 0, HS_WRITERS_NODE };
/* AUTO: BAR when stderr is a terminal, else LOG; BAR: one line rewritten in
 * place; LOG: a line every log_every seconds; NONE: no progress output. */
enum { HS_PROGRESS_AUTO = 0, HS_PROGRESS_BAR, HS_PROGRESS_LOG, HS_PROGRESS_NONE };

/*
 * Run (or resume) the sweep file's tasks on comm; collective.  Returns 0
 * when every task has a result and none ended failed, timeout or crashed;
 * HS_ETASKS when some did, or when --halt stopped the run (the file is
 * resumable); HS_EINTR when stopped by a signal (hsweep/signals.h; the file
 * is resumable); or another error code with e filled (same on all ranks).
 * Exception: HS_EMPI on the ranks whose own MPI call failed while tasks ran
 * (comm should return errors: hs_mpi_errors_return), e naming the call;
 * the other ranks may be waiting for them, so the caller ends the job with
 * MPI_Abort; the results file is left as after kill -9 (resumable).
 */
int hs_sched_run(const hs_run_opts *o, MPI_Comm comm, hs_err *e);

#endif
