/*
 * Node writers (store_agg.h): who writes for whom, and the writer's buffer
 * and flush.  The messages are in include/hsweep/sched.h's protocol.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/store_agg.h"
#include "hsweep/mpi_util.h"
#include "hsweep/sched.h"
#include "hsweep/stats.h"
#include "hsweep/task.h"

void hs_agg_role_free(hs_agg_role *role)
{
    free(role->workers);
    free(role->is_wr);
    *role = (hs_agg_role){.writer = -1};
}

int hs_agg_roles(MPI_Comm comm, hs_agg_role *role, hs_err *e)
{
    int rank, size, rc = 0;
    *role = (hs_agg_role){.writer = -1};
    HS_MPI_CALL(e, MPI_Comm_rank(comm, &rank));
    HS_MPI_CALL(e, MPI_Comm_size(comm, &size));
    MPI_Comm node = MPI_COMM_NULL;
    /* Rank 0 coordinates: it is on no node's list. */
    HS_MPI_CALL(e, MPI_Comm_split_type(comm, rank == 0 ? MPI_UNDEFINED : MPI_COMM_TYPE_SHARED, rank,
                                       MPI_INFO_NULL, &node));
    unsigned char mine = 0;
    if (node != MPI_COMM_NULL) {
        int n = 0;
        rc = HS_MPI_CHECK(e, MPI_Comm_size(node, &n));
        int *ranks = rc == 0 ? malloc((size_t)n * sizeof *ranks) : NULL;
        if (rc == 0 && !ranks)
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
        if (rc == 0)
            rc = HS_MPI_CHECK(e, MPI_Allgather(&rank, 1, MPI_INT, ranks, 1, MPI_INT, node));
        /* key = rank: ranks[0] is the node's lowest worker rank */
        if (rc == 0 && n >= 2 && ranks[0] == rank) {
            role->workers = ranks;
            role->n_workers = n - 1;
            memmove(ranks, ranks + 1, (size_t)(n - 1) * sizeof *ranks);
            ranks = NULL;
            mine = 1;
        } else if (rc == 0 && n >= 2) {
            role->writer = ranks[0];
        }
        free(ranks);
        int frc = HS_MPI_CHECK(e, MPI_Comm_free(&node));
        rc = rc ? rc : frc;
    }
    role->is_wr = calloc((size_t)size, 1);
    if (rc == 0 && !role->is_wr)
        rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
    if ((rc = hs_mpi_agree(rc, comm, e)) != 0) {
        hs_agg_role_free(role);
        return rc;
    }
    rc = HS_MPI_CHECK(
        e, MPI_Allgather(&mine, 1, MPI_UNSIGNED_CHAR, role->is_wr, 1, MPI_UNSIGNED_CHAR, comm));
    for (int i = 0; rc == 0 && i < size; i++)
        role->n_writers += role->is_wr[i];
    if (rc)
        hs_agg_role_free(role);
    return rc;
}

/* ---- the writer ------------------------------------------------------------ */

/* What a writer holds between flushes. */
typedef struct agg {
    hs_store *st;
    size_t n_sweeps;
    hs_store_shape *shape; /* per sweep */
    unsigned char **task;  /* packed tasks received since the last flush */
    size_t n, cap, bytes;
    double oldest; /* when the first of them arrived (CLOCK_MONOTONIC) */
    unsigned char *scratch;
    size_t scratch_cap;
} agg;

static const hs_agg_head *head_of(const unsigned char *task, hs_agg_head *h)
{
    memcpy(h, task, sizeof *h);
    return h;
}

/* Order of a flush: by sweep, then row, then attempt (the last one wins). */
static int by_offset(const void *a, const void *b)
{
    hs_agg_head x, y;
    head_of(*(unsigned char *const *)a, &x);
    head_of(*(unsigned char *const *)b, &y);
    if (x.si != y.si)
        return x.si < y.si ? -1 : 1;
    if (x.id != y.id)
        return x.id < y.id ? -1 : 1;
    return (x.attempts > y.attempts) - (x.attempts < y.attempts);
}

static int scratch_fit(agg *a, size_t n, hs_err *e)
{
    if (n <= a->scratch_cap)
        return 0;
    unsigned char *p = realloc(a->scratch, n);
    if (!p)
        return HS_FAIL(e, HS_ENOMEM, "out of memory for a block of %zu bytes", n);
    a->scratch = p;
    a->scratch_cap = n;
    return 0;
}

/* A block write: at most this many bytes (MPI-IO takes an int count). */
#define BLOCK_MAX ((size_t)1 << 30)

/*
 * Write part `part` (trace t) of the tasks task[0..n) (one sweep, rows
 * increasing, no repeats) in runs of consecutive rows, each gathered into
 * one block.
 */
static int write_part(agg *a, unsigned char **task, size_t n, int part, size_t t, hs_err *e)
{
    hs_agg_head h;
    size_t si = head_of(task[0], &h)->si;
    const hs_store_shape *sh = &a->shape[si];
    size_t elem = part == HS_PART_INDEX   ? 2
                  : part == HS_PART_TRACE ? sh->trace_width[t] * sizeof(double)
                                          : sh->row_size;
    if (elem == 0 || (part == HS_PART_INDEX && !sh->has_index))
        return 0;
    size_t skip = sizeof h + sh->row_size; /* where trace t starts in a packed task */
    for (size_t u = 0; part == HS_PART_TRACE && u < t; u++)
        skip += sh->trace_width[u] * sizeof(double);
    size_t per = BLOCK_MAX / elem ? BLOCK_MAX / elem : 1;
    for (size_t i = 0; i < n;) {
        uint64_t id0 = head_of(task[i], &h)->id;
        size_t m = 1;
        while (i + m < n && m < per && head_of(task[i + m], &h)->id == id0 + m)
            m++;
        HS_CALL(scratch_fit(a, m * elem, e));
        for (size_t j = 0; j < m; j++) {
            unsigned char *dst = a->scratch + j * elem;
            const unsigned char *src = task[i + j];
            head_of(src, &h);
            if (part == HS_PART_INDEX) {
                memcpy(dst, &h.index, 2);
            } else if (part == HS_PART_TRACE) {
                memcpy(dst, src + skip, elem);
            } else {
                memcpy(dst, src + sizeof h, elem);
                if (part == HS_PART_STATUS)
                    memcpy(dst + sh->off_status, &h.status, 1);
            }
        }
        HS_CALL(hs_store_write_block(a->st, si, part, t, id0, m, a->scratch, e));
        i += m;
    }
    return 0;
}

/*
 * Write every buffered task: (1) rows, status pending (a retry's row that
 * looked complete is pending from here on), (2) traces, (3) config_index,
 * (4) the rows with their status set.  A kill at any point leaves each row
 * complete or pending.  The buffer is emptied whatever happens.
 */
static int flush(agg *a, hs_err *e)
{
    int rc = 0;
    if (a->n == 0)
        return 0;
    qsort(a->task, a->n, sizeof *a->task, by_offset);
    /* Repeats of a row (a retry that reached this writer with its first
     * attempt): only the last attempt is written. */
    size_t k = 0;
    hs_agg_head x, y;
    for (size_t i = 0; i < a->n; i++) {
        if (k > 0 && head_of(a->task[k - 1], &x)->si == head_of(a->task[i], &y)->si && x.id == y.id)
            free(a->task[--k]);
        a->task[k++] = a->task[i];
    }
    a->n = k;
    static const int order[] = {HS_PART_ROW, HS_PART_TRACE, HS_PART_INDEX, HS_PART_STATUS};
    for (size_t p = 0; p < 4 && rc == 0; p++) {
        for (size_t i = 0; i < a->n && rc == 0;) {
            size_t si = head_of(a->task[i], &x)->si, m = 1;
            while (i + m < a->n && head_of(a->task[i + m], &y)->si == si)
                m++;
            size_t parts = order[p] == HS_PART_TRACE ? a->shape[si].n_traces : 1;
            for (size_t t = 0; t < parts && rc == 0; t++)
                rc = write_part(a, a->task + i, m, order[p], t, e);
            i += m;
        }
    }
    for (size_t i = 0; i < a->n; i++) {
        if (rc == 0)
            hs_stats_task_written();
        free(a->task[i]);
    }
    a->n = 0;
    a->bytes = 0;
    return rc;
}

/* Take a received packed task into the buffer; HS_ENOMEM (task freed) or 0. */
static int keep(agg *a, unsigned char *task, size_t bytes, hs_err *e)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 256;
        unsigned char **p = realloc(a->task, cap * sizeof *p);
        if (!p) {
            free(task);
            return HS_FAIL(e, HS_ENOMEM, "out of memory");
        }
        a->task = p;
        a->cap = cap;
    }
    if (a->n == 0)
        a->oldest = hs_now_mono();
    a->task[a->n++] = task;
    a->bytes += bytes;
    return 0;
}

/* A packed task that does not match its sweep's shape is dropped (its row
 * stays pending); 1 if it is well formed. */
static int well_formed(const agg *a, const unsigned char *task, size_t bytes)
{
    hs_agg_head h;
    if (bytes < sizeof h)
        return 0;
    head_of(task, &h);
    return h.si < a->n_sweeps && bytes == a->shape[h.si].packed;
}

/* Tell the workers still running (done[i] == 0) that the writer failed. */
static int tell_failure(const hs_agg_role *role, const unsigned char *done, MPI_Comm comm,
                        const hs_err *fail, hs_err *e)
{
    char msg[sizeof(int) + sizeof fail->msg];
    memcpy(msg, &fail->code, sizeof(int));
    memcpy(msg + sizeof(int), fail->msg, sizeof fail->msg);
    for (int i = 0; i < role->n_workers; i++)
        if (!done[i])
            HS_MPI_CALL(
                e, MPI_Send(msg, (int)sizeof msg, MPI_CHAR, role->workers[i], HS_TAG_WFAIL, comm));
    return 0;
}

int hs_agg_writer_run(hs_store *st, size_t n_sweeps, MPI_Comm comm, const hs_agg_role *role,
                      double flush_s, hs_err *e)
{
    agg a = {.st = st, .n_sweeps = n_sweeps};
    int rc = 0, failed = 0, open = role->n_workers;
    unsigned char *done = calloc((size_t)role->n_workers + 1, 1);
    hs_err fail = {0};
    double every = flush_s;
    size_t most = sizeof(hs_agg_head);
    a.shape = calloc(n_sweeps + 1, sizeof *a.shape);
    for (size_t i = 0; a.shape && i < n_sweeps; i++) {
        hs_store_shape_of(st, i, &a.shape[i]);
        most = a.shape[i].packed > most ? a.shape[i].packed : most;
    }
    /* A task that finds no memory is received here and dropped (the writer has failed then). */
    unsigned char *drain = malloc(most);
    if (!done || !a.shape || !drain)
        return HS_FAIL(e, HS_ENOMEM, "out of memory"); /* before any receive: the run aborts */
    long idle = 0;
    while (open > 0) {
        int flag = 0, was = failed;
        MPI_Status ms;
        if ((rc = HS_MPI_CHECK(e, MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &ms))))
            break;
        if (!flag) {
            if (!failed && a.n && hs_now_mono() - a.oldest >= every)
                failed = flush(&a, &fail);
            if (failed && !was && (rc = tell_failure(role, done, comm, &fail, e)))
                break;
            idle = idle ? (idle < 500000 ? 2 * idle : 1000000) : 2000;
            nanosleep(&(struct timespec){0, idle}, NULL);
            continue;
        }
        idle = 0;
        int bytes = 0;
        if ((rc = HS_MPI_CHECK(e, MPI_Get_count(&ms, MPI_BYTE, &bytes))))
            break;
        unsigned char *task = NULL;
        if (ms.MPI_TAG == HS_TAG_ROWS && !failed && bytes > 0 && !(task = malloc((size_t)bytes)))
            failed = HS_FAIL(&fail, HS_ENOMEM, "out of memory for the rows of a node's workers");
        if (!task && (size_t)bytes > most) {
            rc = HS_FAIL(e, HS_EMPI, "a message of %d bytes to a node writer (at most %zu)", bytes,
                         most);
            break;
        }
        if ((rc = HS_MPI_CHECK(e, MPI_Recv(task ? task : drain, bytes, MPI_BYTE, ms.MPI_SOURCE,
                                           ms.MPI_TAG, comm, MPI_STATUS_IGNORE)))) {
            free(task);
            break;
        }
        if (ms.MPI_TAG == HS_TAG_WDONE)
            for (int i = 0; i < role->n_workers; i++)
                if (role->workers[i] == ms.MPI_SOURCE && !done[i]) {
                    done[i] = 1;
                    open--;
                }
        if (task && !well_formed(&a, task, (size_t)bytes)) {
            free(task);
            task = NULL;
        }
        if (task && (failed = keep(&a, task, (size_t)bytes, &fail)) == 0 &&
            a.bytes >= HS_AGG_FLUSH_BYTES)
            failed = flush(&a, &fail);
        if (failed && !was && (rc = tell_failure(role, done, comm, &fail, e)))
            break;
    }
    if (rc == 0 && !failed)
        failed = flush(&a, &fail);
    for (size_t i = 0; i < a.n; i++)
        free(a.task[i]);
    free(a.task);
    free(a.shape);
    free(a.scratch);
    free(drain);
    free(done);
    if (rc)
        return rc;
    if (failed)
        *e = fail;
    return failed;
}
