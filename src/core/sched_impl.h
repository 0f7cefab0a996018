/*
 * The scheduler's queue, private to src/core/sched*.c and its unit test:
 * task refs, the order tasks are handed out in and the size of each batch.
 * Protocol and ref layout in include/hsweep/sched.h.
 */
#ifndef HSWEEP_SCHED_IMPL_H
#define HSWEEP_SCHED_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "hsweep/config.h"
#include "hsweep/error.h"
#include "hsweep/refine.h"
#include "hsweep/sched.h"

/* A task ref: attempt << 56 | sweep index << 40 | task id. */
static inline uint64_t make_ref(size_t si, uint64_t id, unsigned attempt)
{
    return ((uint64_t)attempt << HS_REF_ATTEMPT_SHIFT) | ((uint64_t)si << HS_REF_SHIFT) | id;
}
static inline size_t ref_sweep(uint64_t ref) { return (size_t)((ref >> HS_REF_SHIFT) & 0xffff); }
static inline uint64_t ref_id(uint64_t ref) { return ref & ((1ULL << HS_REF_SHIFT) - 1); }
static inline unsigned ref_attempt(uint64_t ref) { return (unsigned)(ref >> HS_REF_ATTEMPT_SHIFT); }

/* A task and its expected seconds, before the queue is ordered. */
typedef struct hs_sched_qitem {
    double cost;
    uint64_t ref;
} hs_sched_qitem;

/* The coordinator's queue: ref[next..n) are still to hand out. */
typedef struct hs_sched_queue {
    uint64_t *ref;
    double *cost; /* expected seconds of each queued task */
    size_t n, next, cap;
} hs_sched_queue;

/* Refs of a batch that carries refinement rows' values (flag 4 of HS_TAG_WORK). */
#define HS_SCHED_REFINE_BATCH (HS_MAX_BATCH / 3)
/* A batch holds tasks of at most this many expected seconds (one task at least). */
#define HS_SCHED_BATCH_SECONDS 0.05

/*
 * Fill q (any previous content is not freed) with it[0..n) ordered longest
 * expected first, ties by increasing ref; it is sorted in place.  HS_ENOMEM
 * with q empty when memory runs out.
 */
int hs_sched_queue_init(hs_sched_queue *q, hs_sched_qitem *it, size_t n, hs_err *e);

/* Append a task (a retry) at the end of the queue; dropped when memory runs
 * out (its row says failed and --resume --retry-failed runs it again). */
void hs_sched_queue_push(hs_sched_queue *q, uint64_t ref, double cost);

/*
 * The next batch for one of `workers` workers into out (at most max refs):
 * guided self-scheduling (a quarter of the remaining tasks per worker,
 * shrinking toward the end, at least 1) capped by expected time (tasks are
 * added while the batch stays within HS_SCHED_BATCH_SECONDS), so that short
 * tasks travel in bulk and long ones alone.  *prefetch: whether the worker
 * may ask for the next batch before running this one (the batch is short).
 * Returns the refs taken; 0 once the queue is exhausted.
 */
int hs_sched_queue_take(hs_sched_queue *q, int workers, size_t max, uint64_t *out, int *prefetch);

/*
 * The next HS_TAG_WORK message into msg[0 .. 1 + HS_MAX_BATCH): refinement
 * tasks of rf first (a bracket's new points go before unrelated grid tasks;
 * a share of rf's queued ones per worker, at most HS_SCHED_REFINE_BATCH),
 * else the queue's next batch; sets msg[0]'s flags and, when rf is not NULL,
 * appends the refinement rows' values (flag 4).  Returns the message's
 * length in words (1: no task).
 */
int hs_sched_take_work(hs_sched_queue *q, hs_refine *rf, const hs_sweepset *set, int workers,
                       uint64_t *msg);

/* Words of a batch message (hs_sched_take_work) that are refinement values, not refs. */
static inline int hs_sched_count_defs(const uint64_t *msg, int len)
{
    return len - 1 - (int)(msg[0] >> 32);
}

void hs_sched_queue_free(hs_sched_queue *q);

#endif
