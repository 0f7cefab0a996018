/* The scheduler's queue and batch sizing (src/core/sched_impl.h). */
#include <stdlib.h>
#include <string.h>

#include "core/sched_impl.h"

static int qcmp(const void *a, const void *b)
{
    const hs_sched_qitem *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost > y->cost ? -1 : 1;
    return x->ref < y->ref ? -1 : x->ref > y->ref;
}

int hs_sched_queue_init(hs_sched_queue *q, hs_sched_qitem *it, size_t n, hs_err *e)
{
    memset(q, 0, sizeof *q);
    qsort(it, n, sizeof *it, qcmp);
    q->cap = n ? n : 1;
    q->ref = malloc(q->cap * sizeof *q->ref);
    q->cost = malloc(q->cap * sizeof *q->cost);
    if (!q->ref || !q->cost) {
        hs_sched_queue_free(q);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        q->ref[i] = it[i].ref;
        q->cost[i] = it[i].cost;
    }
    q->n = n;
    return 0;
}

void hs_sched_queue_push(hs_sched_queue *q, uint64_t ref, double cost)
{
    if (q->n == q->cap) {
        size_t cap = 2 * q->cap + 16;
        uint64_t *r = realloc(q->ref, cap * sizeof *r);
        if (!r)
            return;
        q->ref = r;
        double *c = realloc(q->cost, cap * sizeof *c);
        if (!c)
            return;
        q->cost = c;
        q->cap = cap;
    }
    q->ref[q->n] = ref;
    q->cost[q->n] = cost;
    q->n++;
}

int hs_sched_queue_take(hs_sched_queue *q, int workers, size_t max, uint64_t *out, int *prefetch)
{
    size_t left = q->n - q->next;
    if (!left)
        return 0;
    size_t cap = left / (size_t)(4 * workers);
    cap = cap < 1 ? 1 : cap > max ? max : cap;
    double sum = 0;
    size_t k = 0;
    while (k < cap && q->next < q->n) {
        double c = q->cost[q->next];
        if (k > 0 && sum + c > HS_SCHED_BATCH_SECONDS)
            break;
        out[k++] = q->ref[q->next++];
        sum += c;
    }
    /* Prefetch only while batches are short: a long task must not wait
     * behind another on a busy worker while a free one idles. */
    *prefetch = sum < HS_SCHED_BATCH_SECONDS;
    return (int)k;
}

int hs_sched_take_work(hs_sched_queue *q, hs_refine *rf, const hs_sweepset *set, int workers,
                       uint64_t *msg)
{
    int prefetch = 0, k = 0;
    if (rf) {
        uint64_t want = hs_refine_queued(rf) / (uint64_t)workers;
        want = want < 1 ? 1 : want > HS_SCHED_REFINE_BATCH ? HS_SCHED_REFINE_BATCH : want;
        k = (int)hs_refine_take(rf, msg + 1, (size_t)want);
        for (int i = 0; i < k; i++)
            msg[1 + i] |= 1ULL << HS_REF_ATTEMPT_SHIFT;
    }
    if (k == 0)
        k = hs_sched_queue_take(q, workers, rf ? HS_SCHED_REFINE_BATCH : HS_MAX_BATCH, msg + 1,
                                &prefetch);
    msg[0] = (uint64_t)prefetch;
    if (!rf || k == 0)
        return 1 + k;
    int d = 1 + k;
    for (int i = 1; i <= k; i++) {
        const hs_sweep *s = &set->sweeps[ref_sweep(msg[i])];
        uint64_t id = ref_id(msg[i]);
        if (id < s->n_tasks)
            continue;
        memcpy(&msg[d], &s->rrows->x[id - s->n_tasks], sizeof(double));
        msg[d + 1] = (uint64_t)s->rrows->origin[id - s->n_tasks];
        d += 2;
    }
    msg[0] |= 4u | ((uint64_t)k << 32);
    return d;
}

void hs_sched_queue_free(hs_sched_queue *q)
{
    free(q->ref);
    free(q->cost);
    q->ref = NULL;
    q->cost = NULL;
    q->n = q->next = q->cap = 0;
}
