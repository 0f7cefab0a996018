/*
 * The run (hs_sched_run): setup on every rank, then rank 0's coordinator
 * loop and the workers' loops, then the outcome.  The queue's order and
 * batch sizes are in sched_queue.c; protocol in include/hsweep/sched.h.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "core/sched_impl.h"
#include "core/store_agg.h"
#include "hsweep/config.h"
#include "hsweep/cost.h"
#include "hsweep/gpu.h"
#include "hsweep/isolate.h"
#include "hsweep/exec_run.h"
#include "hsweep/mpi_util.h"
#include "hsweep/provenance.h"
#include "hsweep/refine.h"
#include "hsweep/sched.h"
#include "hsweep/signals.h"
#include "hsweep/stats.h"
#include "hsweep/store.h"

static void sleep_ns(long ns)
{
    struct timespec ts = {ns / 1000000000L, ns % 1000000000L};
    nanosleep(&ts, NULL);
}

/* Wait for a request without spinning a core: test, then sleep with backoff.
 * HS_EMPI when the test fails. */
static int lazy_wait(MPI_Request *req, MPI_Status *st, hs_err *e)
{
    long ns = 2000;
    for (;;) {
        int done = 0;
        HS_MPI_CALL(e, MPI_Test(req, &done, st ? st : MPI_STATUS_IGNORE));
        if (done)
            return 0;
        sleep_ns(ns);
        ns = ns < 500000 ? 2 * ns : 1000000;
    }
}

/* Scratch for a batch of fork-isolated tasks. */
typedef struct forked {
    size_t batch; /* tasks in the next batch */
    hs_value *v;  /* HS_ISO_MAX_BATCH x maxp parameter values */
    int64_t seed[HS_ISO_MAX_BATCH];
    uint64_t rng_seed[HS_ISO_MAX_BATCH];
    hs_params p[HS_ISO_MAX_BATCH];
    hs_ctx ctx[HS_ISO_MAX_BATCH];
    hs_out out[HS_ISO_MAX_BATCH];
    hs_iso_task t[HS_ISO_MAX_BATCH];
} forked;

typedef struct worker {
    const hs_sweepset *set;
    const hs_run_opts *opts;
    hs_store *store;
    MPI_Comm comm; /* the run's communicator (coordinator is rank 0) */
    int rank;
    char host[HS_HOST_LEN];
    MPI_Comm gang; /* MPI_COMM_NULL when the gang is this rank alone */
    int gang_size;
    int64_t counts[HS_ST_COUNT];
    uint64_t *retry; /* refs to run again, sent with the next request */
    size_t n_retry, cap_retry;
    int64_t *fin; /* tasks finished since the last request: notes of `note` words */
    size_t n_fin, cap_fin;
    size_t note;       /* words a note: ref, wall ns or -1, then the refinement's (refine.h) */
    double stop_at;    /* CLOCK_MONOTONIC time running tasks are abandoned; 0: no stop */
    double last_probe; /* when check_stop last looked for a stop message */
    hs_value *v;       /* scratch parameter values, max n_params */
    size_t maxp;       /* the most parameters of any kernel in the run */
    forked *fk;        /* scratch of --isolation fork */
    hs_isolate *iso;   /* the task process of --isolation fork; NULL until needed */
    uint64_t prestarted; /* task processes started before the dispatch phase (0 or 1) */
    int io_rc;         /* first error (a store write, memory, an MPI call): stops this worker */
    hs_err io_err;
    hs_err mpi_err;        /* scratch of W_MPI */
    struct progress *solo; /* one process: the progress shown while a batch runs */
    int writer;            /* --writers node: the rank that writes this worker's rows; -1: itself */
    unsigned char *pack;   /* scratch: a finished task packed for the writer */
    size_t pack_cap;
} worker;

static void worker_free(worker *w)
{
    free(w->v);
    if (w->fk)
        free(w->fk->v);
    free(w->fk);
    free(w->retry);
    free(w->fin);
    free(w->pack);
}

/* The worker's first error stops it: its tasks stay pending in the file and
 * a resume runs them. */
static void worker_fail(worker *w, const hs_err *e)
{
    if (w->io_rc == 0) {
        w->io_rc = e->code;
        w->io_err = *e;
    }
}

/* rc (0 or HS_EMPI, the error in w->mpi_err) of an MPI call of worker w: a
 * failure becomes w's error.  Returns rc. */
static int worker_mpi(worker *w, int rc)
{
    if (rc)
        worker_fail(w, &w->mpi_err);
    return rc;
}
#define W_MPI(w, x) worker_mpi((w), HS_MPI_CHECK(&(w)->mpi_err, x))

/* The effective setting: the sweep's own, else the command line's. */
static int eff_isolation(const worker *w, const hs_sweep *s)
{
    if (s->ranks_per_task > 1 || w->gang != MPI_COMM_NULL)
        return HS_ISO_NONE; /* gang tasks talk MPI: they cannot run in a child */
    return s->isolation >= 0 ? s->isolation : w->opts->isolation;
}
static double eff_timeout(const worker *w, const hs_sweep *s)
{
    return s->timeout_s >= 0 ? s->timeout_s : w->opts->timeout_s;
}
static int eff_retries(const worker *w, const hs_sweep *s)
{
    return s->retries >= 0 ? s->retries : w->opts->retries;
}

/* Whether this worker's node writer said it could not write (HS_TAG_WFAIL):
 * then its error stops this worker as its own write failure would. */
static void check_writer(worker *w)
{
    int flag = 0;
    if (w->writer < 0 || w->io_rc != 0 ||
        W_MPI(w, MPI_Iprobe(w->writer, HS_TAG_WFAIL, w->comm, &flag, MPI_STATUS_IGNORE)) || !flag)
        return;
    char msg[sizeof(int) + sizeof w->io_err.msg];
    if (W_MPI(w, MPI_Recv(msg, (int)sizeof msg, MPI_CHAR, w->writer, HS_TAG_WFAIL, w->comm,
                          MPI_STATUS_IGNORE)))
        return;
    hs_err e = {0};
    memcpy(&e.code, msg, sizeof(int));
    memcpy(e.msg, msg + sizeof(int), sizeof e.msg);
    e.msg[sizeof e.msg - 1] = 0;
    if (e.code == HS_EMPI || e.code == 0)
        e.code = HS_EIO; /* the writer's failure, not this rank's communication */
    worker_fail(w, &e);
}

/* A stop request, by signal here or by message from the coordinator. */
static void check_stop(worker *w)
{
    if (w->stop_at > 0)
        return;
    int flag = 0;
    /* Probe at most every 50 ms: when Open MPI yields the CPU in its
     * progress calls (as it does on oversubscribed nodes), a probe per task
     * would give up a time slice per task. */
    double now = hs_now_mono();
    int kind = 1; /* the stop message: 1 with the grace period, 2 without (--halt now) */
    int stop_requested = hs_signals_stop_requested();
    if (!stop_requested && w->comm != MPI_COMM_NULL && w->rank != 0 && now - w->last_probe > 0.05 &&
        w->io_rc != HS_EMPI) {
        w->last_probe = now;
        if (W_MPI(w, MPI_Iprobe(0, HS_TAG_STOP, w->comm, &flag, MPI_STATUS_IGNORE)) == 0 && flag)
            W_MPI(w, MPI_Recv(&kind, 1, MPI_INT, 0, HS_TAG_STOP, w->comm, MPI_STATUS_IGNORE));
        check_writer(w);
    }
    if (hs_signals_stop_requested() || flag)
        w->stop_at = hs_now_mono() + (kind == 2              ? 0
                                      : w->opts->grace_s > 0 ? w->opts->grace_s
                                                             : 60.0);
}

static void solo_tick(worker *w);

/* Called at least every 100 ms while forked tasks run: stop requests, and one process's progress. */
static double abandon_at(void *arg)
{
    worker *w = arg;
    check_stop(w);
    if (w->solo)
        solo_tick(w);
    return w->stop_at;
}

static void push_retry(worker *w, uint64_t ref)
{
    if (w->n_retry == w->cap_retry) {
        size_t cap = w->cap_retry ? 2 * w->cap_retry : 16;
        uint64_t *r = realloc(w->retry, cap * sizeof *r);
        if (!r)
            return; /* the row says failed; --resume --retry-failed can rerun it */
        w->retry = r;
        w->cap_retry = cap;
    }
    w->retry[w->n_retry++] = ref;
}

/*
 * Note a finished attempt for the coordinator's ETA: its wall time in
 * nanoseconds when it is a timing sample (the kernel ran to the end), else
 * -1.  Without memory the note is dropped: the ETA only counts it later.
 */
static void push_finished(worker *w, uint64_t ref, const hs_out *out, double wall)
{
    int status = out->status;
    if (w->n_fin + w->note > w->cap_fin) {
        size_t cap = w->cap_fin ? 2 * w->cap_fin : 64;
        int64_t *f = realloc(w->fin, cap * sizeof *f);
        if (!f)
            return;
        w->fin = f;
        w->cap_fin = cap;
    }
    int sample = status == HS_ST_OK || status == HS_ST_NONFINITE || status == HS_ST_DIVERGED;
    w->fin[w->n_fin++] = (int64_t)ref;
    w->fin[w->n_fin++] = sample && wall >= 0 && wall < 9e9 ? (int64_t)(wall * 1e9) : -1;
    if (w->note > 2) {
        hs_refine_note(&w->set->sweeps[ref_sweep(ref)], out, w->fin + w->n_fin);
        w->n_fin += w->note - 2;
    }
}

/*
 * Hand a finished task to this worker's node writer (HS_TAG_ROWS): packed
 * as hs_store_write_result would write it.  Returns 0, or an error as w's.
 */
static int send_to_writer(worker *w, uint64_t ref, const hs_result *r)
{
    hs_store_shape sh;
    hs_store_shape_of(w->store, ref_sweep(ref), &sh);
    if (sh.packed > (size_t)INT_MAX)
        return HS_FAIL(&w->io_err, HS_EIO, "a task of %zu bytes: more than one message takes",
                       sh.packed);
    if (sh.packed > w->pack_cap) {
        unsigned char *p = realloc(w->pack, sh.packed);
        if (!p)
            return HS_FAIL(&w->io_err, HS_ENOMEM, "out of memory");
        w->pack = p;
        w->pack_cap = sh.packed;
    }
    hs_store_pack_result(w->store, ref_sweep(ref), ref_id(ref), r, w->pack);
    return W_MPI(w, MPI_Send(w->pack, (int)sh.packed, MPI_BYTE, w->writer, HS_TAG_ROWS, w->comm));
}

/*
 * Write a finished task's row and count it, or queue its retry (the gang
 * leader).  With a node writer the row goes to it instead, except a failed
 * attempt that is retried: the retry's row replaces it (were it sent, a
 * writer could write it after another node's writer wrote the retry's).
 * A task that died of a stop signal, or crashed while the run stops, is
 * not written: it stays pending and a resume reruns it.  A stop
 * signal that reached only the task stops this worker too, so that the run
 * ends with exit 3 and says how to resume.
 */
static void record(worker *w, uint64_t ref, const hs_value *v, int64_t seed, uint64_t rng_seed,
                   hs_out *out, double wall, double started, long peak_kb)
{
    check_stop(w);
    if (out->stop_signal && w->stop_at == 0)
        w->stop_at = hs_now_mono() + (w->opts->grace_s > 0 ? w->opts->grace_s : 60.0);
    if (out->stop_signal || (out->status == HS_ST_CRASHED && w->stop_at > 0))
        return;
    const hs_sweep *s = &w->set->sweeps[ref_sweep(ref)];
    unsigned attempt = ref_attempt(ref);
    int failed =
        out->status == HS_ST_FAILED || out->status == HS_ST_TIMEOUT || out->status == HS_ST_CRASHED;
    hs_result r = {.params = v,
                   .seed = seed,
                   .rng_seed = rng_seed,
                   .out = out,
                   .attempts = (int)attempt,
                   .rank = w->rank,
                   .host = w->host,
                   .wall_s = wall,
                   .started_unix = started,
                   .peak_rss_kb = (int64_t)peak_kb};
    int retry = failed && (int)attempt <= eff_retries(w, s) && attempt < 255;
    size_t retries_before = w->n_retry;
    if (retry)
        push_retry(w, make_ref(ref_sweep(ref), ref_id(ref), attempt + 1));
    if (w->io_rc == 0 && w->writer < 0)
        w->io_rc = hs_store_write_result(w->store, ref_sweep(ref), ref_id(ref), &r, &w->io_err);
    else if (w->io_rc == 0 && w->n_retry == retries_before && send_to_writer(w, ref, &r) != 0)
        w->io_rc = w->io_rc ? w->io_rc : w->io_err.code;
    push_finished(w, ref, out, wall);
    if (!retry && out->status >= 0 && out->status < HS_ST_COUNT)
        w->counts[out->status]++;
    if (w->solo) /* one process: the line advances within a batch of short tasks */
        solo_tick(w);
}

/* Run one task in this rank's own process (the gang leader, or a member when lead = 0). */
static void run_task(worker *w, uint64_t ref, int lead)
{
    const hs_sweep *s = &w->set->sweeps[ref_sweep(ref)];
    const hs_kernel *k = s->kernel;
    int64_t seed;
    uint64_t rng_seed;
    hs_sweep_task(s, ref_id(ref), w->v, &seed, &rng_seed);
    hs_params p = {k, w->v};
    hs_ctx ctx = {.seed = rng_seed,
                  .deadline = 0,
                  .comm = NULL,
                  .gang_rank = 0,
                  .gang_size = 1,
                  .sweep_seed = seed};
    if (w->gang != MPI_COMM_NULL) {
        ctx.comm = &w->gang;
        ctx.gang_size = w->gang_size;
        if (W_MPI(w, MPI_Comm_rank(w->gang, &ctx.gang_rank)))
            return;
    }
    hs_out out;
    hs_err e;
    if (hs_out_init(&out, k, &p, &e) != 0) {
        worker_fail(w, &e);
        return;
    }
    double timeout = eff_timeout(w, s);
    double t0 = hs_now_mono(), started = hs_now_unix();
    if (timeout > 0)
        ctx.deadline = t0 + timeout;
    hs_task_run(k, &p, &ctx, &out);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (lead)
        record(w, ref, w->v, seed, rng_seed, &out, hs_now_mono() - t0, started, ru.ru_maxrss);
    hs_out_free(&out);
}

/* Broadcast a task ref over the gang.  Non-blocking on both sides (the
 * members wait lazily), so leader and members post matching collectives.
 * Returns 0, or HS_EMPI as w's error. */
static int gang_bcast(worker *w, uint64_t *ref)
{
    MPI_Request req;
    if (W_MPI(w, MPI_Ibcast(ref, 1, MPI_UINT64_T, 0, w->gang, &req)))
        return HS_EMPI;
    return worker_mpi(w, lazy_wait(&req, NULL, &w->mpi_err));
}

/* Leader: run a task with its gang (members get the ref by broadcast). */
static void lead_task(worker *w, uint64_t ref)
{
    if (w->gang != MPI_COMM_NULL && gang_bcast(w, &ref) != 0)
        return;
    run_task(w, ref, 1);
}

static void gang_member_loop(worker *w)
{
    for (;;) {
        uint64_t ref = 0;
        if (gang_bcast(w, &ref) != 0 || ref == UINT64_MAX || w->io_rc == HS_EMPI)
            return;
        run_task(w, ref, 0);
    }
}

/*
 * Run refs[0..n) (one sweep, --isolation fork) in the task process, in
 * batches of w->batch tasks a round trip.  The batch grows while tasks are
 * short (a batch takes about 2 ms) and is one task for longer ones, so that
 * only tasks of microseconds share a round trip.  Returns how many ran;
 * fewer than n on a stop or a store error (the rest stay pending).
 */
static size_t run_forked(worker *w, const uint64_t *refs, size_t n)
{
    const hs_sweep *s = &w->set->sweeps[ref_sweep(refs[0])];
    const hs_kernel *k = s->kernel;
    long mem = s->mem_limit_mb >= 0 ? s->mem_limit_mb : w->opts->mem_limit_mb;
    hs_iso_opts io = {
        .timeout_s = eff_timeout(w, s), .mem_limit_mb = mem, .abandon_at = abandon_at, .arg = w};
    forked *f = w->fk;
    size_t i = 0;
    while (i < n && w->io_rc == 0) {
        check_stop(w);
        if (w->stop_at > 0)
            break;
        size_t m = n - i < f->batch ? n - i : f->batch, ready = 0;
        hs_err e;
        for (; ready < m; ready++) {
            hs_value *v = f->v + ready * w->maxp;
            hs_sweep_task(s, ref_id(refs[i + ready]), v, &f->seed[ready], &f->rng_seed[ready]);
            f->p[ready] = (hs_params){k, v};
            f->ctx[ready] =
                (hs_ctx){.seed = f->rng_seed[ready], .gang_size = 1, .sweep_seed = f->seed[ready]};
            if (hs_out_init(&f->out[ready], k, &f->p[ready], &e) != 0) {
                worker_fail(w, &e);
                break;
            }
            f->t[ready] = (hs_iso_task){
                .k = k, .p = &f->p[ready], .ctx = &f->ctx[ready], .out = &f->out[ready]};
        }
        size_t done = 0;
        int rc = ready == m && !w->iso ? hs_isolate_create(&w->iso, &e) : 0;
        if (rc == 0 && ready == m)
            rc = hs_isolate_run(w->iso, f->t, m, &io, &done, &e);
        if (rc && rc != HS_EINTR) {
            /* No task process: the first task fails, saying why. */
            f->out[0].status = HS_ST_FAILED;
            snprintf(f->out[0].detail, sizeof f->out[0].detail, "%.200s", e.msg);
            memset(&f->t[0].ru, 0, sizeof f->t[0].ru);
            f->t[0].wall_s = 0;
            f->t[0].started_unix = hs_now_unix();
            done = 1;
        }
        double wall = 0;
        for (size_t j = 0; j < done; j++) {
            record(w, refs[i + j], f->p[j].v, f->seed[j], f->rng_seed[j], &f->out[j],
                   f->t[j].wall_s, f->t[j].started_unix, f->t[j].ru.ru_maxrss);
            wall += f->t[j].wall_s;
        }
        for (size_t j = 0; j < ready; j++)
            hs_out_free(&f->out[j]);
        i += done;
        if (ready < m || rc == HS_EINTR)
            break;
        double target = done && wall > 0 ? 2e-3 * (double)done / wall : HS_ISO_MAX_BATCH;
        size_t grow = 2 * f->batch;
        f->batch = target < (double)grow ? (size_t)target : grow;
        f->batch = f->batch < 1 ? 1 : f->batch > HS_ISO_MAX_BATCH ? HS_ISO_MAX_BATCH : f->batch;
    }
    return i;
}

/* Run refs[0..n) in order on this rank (the gang leader); returns how many
 * ran before a stop or a store error. */
static size_t run_tasks(worker *w, const uint64_t *refs, size_t n)
{
    size_t i = 0;
    while (i < n && w->io_rc == 0) {
        check_stop(w);
        if (w->stop_at > 0)
            break;
        const hs_sweep *s = &w->set->sweeps[ref_sweep(refs[i])];
        if (eff_isolation(w, s) != HS_ISO_FORK) {
            hs_signals_inproc(1);
            lead_task(w, refs[i++]);
            hs_signals_inproc(0);
            continue;
        }
        size_t m = 1;
        while (i + m < n && ref_sweep(refs[i + m]) == ref_sweep(refs[i]))
            m++;
        size_t ran = run_forked(w, refs + i, m);
        i += ran;
        if (ran < m)
            break;
    }
    return i;
}

/*
 * Send the coordinator (tag HS_TAG_REQ or HS_TAG_DONE) the counts, the
 * tasks finished since the last message and, with a request, the retries
 * collected so far.  Returns 0, or HS_EMPI as w's error.
 */
static int send_counts(worker *w, int tag)
{
    size_t n_retry = tag == HS_TAG_REQ ? w->n_retry : 0;
    size_t n = HS_ST_COUNT + 1 + w->n_fin + n_retry;
    int64_t fallback[HS_ST_COUNT + 1];
    int64_t *msg = malloc(n * sizeof *msg);
    if (!msg) {
        msg = fallback; /* no memory: drop the notes and retries, the rows say failed */
        n = HS_ST_COUNT + 1;
    }
    memcpy(msg, w->counts, sizeof w->counts);
    msg[HS_ST_COUNT] = msg == fallback ? 0 : (int64_t)(w->n_fin / w->note);
    if (msg != fallback && w->n_fin)
        memcpy(msg + HS_ST_COUNT + 1, w->fin, w->n_fin * sizeof *w->fin);
    if (msg != fallback && n_retry)
        memcpy(msg + HS_ST_COUNT + 1 + w->n_fin, w->retry, n_retry * sizeof *w->retry);
    w->n_fin = 0;
    if (tag == HS_TAG_REQ)
        w->n_retry = 0;
    int rc = W_MPI(w, MPI_Send(msg, (int)n, MPI_INT64_T, 0, tag, w->comm));
    if (msg != fallback)
        free(msg);
    return rc;
}

/* Ask the coordinator for work (see send_counts); the reply arrives in reply.
 * Returns 0, or HS_EMPI as w's error (no reply is then due). */
static int post_request(worker *w, uint64_t *reply, MPI_Request *req)
{
    if (send_counts(w, HS_TAG_REQ) != 0)
        return HS_EMPI;
    return W_MPI(w, MPI_Irecv(reply, 1 + HS_MAX_BATCH, MPI_UINT64_T, 0, HS_TAG_WORK, w->comm, req));
}

/*
 * A batch with refinement tasks (flag 4): word 0 holds the number of task
 * refs k in its upper 32 bits; after the refs come, for each refinement row
 * among them, its axis value (double bits) and round.  Define them here;
 * returns k.
 */
static int define_refined(worker *w, const uint64_t *msg, int n)
{
    int k = (int)(msg[0] >> 32), d = 1 + k;
    for (int i = 1; i <= k && i < n; i++) {
        const hs_sweep *s = &w->set->sweeps[ref_sweep(msg[i])];
        if (ref_id(msg[i]) < s->n_tasks || d + 1 >= n)
            continue;
        double x;
        memcpy(&x, &msg[d], sizeof x);
        hs_refine_define(s, ref_id(msg[i]), x, (int)msg[d + 1]);
        d += 2;
    }
    return k < n ? k : n - 1;
}

/* Worker (or gang leader) loop: ask, run, ask again, with one batch
 * prefetched.  A failed MPI call ends it at once (w's error): the run aborts. */
static void worker_loop(worker *w)
{
    uint64_t cur[1 + HS_MAX_BATCH], next[1 + HS_MAX_BATCH];
    MPI_Status st;
    MPI_Request req;
    int pending = post_request(w, next, &req) == 0;
    for (;;) {
        int n = 0;
        if (pending) {
            pending = 0;
            if (worker_mpi(w, lazy_wait(&req, &st, &w->mpi_err)) ||
                W_MPI(w, MPI_Get_count(&st, MPI_UINT64_T, &n)))
                break;
            memcpy(cur, next, (size_t)n * sizeof *cur);
        }
        int have = n - 1, coordinator_stops = n > 0 && (cur[0] & 2);
        if (n > 0 && (cur[0] & 4))
            have = define_refined(w, cur, n);
        check_stop(w);
        if (coordinator_stops || w->stop_at > 0 || w->io_rc != 0)
            break;
        if (have <= 0) {
            if (w->n_retry == 0 && !(n > 0 && (cur[0] & 8)))
                break;
            pending = post_request(w, next, &req) == 0; /* retries go back to the queue */
            continue;
        }
        if (cur[0] & 1)
            pending = post_request(w, next, &req) == 0;
        run_tasks(w, cur + 1, (size_t)have); /* after a stop the rest stays pending in the file */
        if (!pending && w->io_rc != HS_EMPI)
            pending = post_request(w, next, &req) == 0;
    }
    if (w->io_rc == HS_EMPI)
        return;
    /* A reply is still due: take it (its tasks stay pending in the file). */
    if (pending && worker_mpi(w, lazy_wait(&req, NULL, &w->mpi_err)))
        return;
    if (send_counts(w, HS_TAG_DONE) == 0 && w->gang != MPI_COMM_NULL) {
        uint64_t end = UINT64_MAX;
        gang_bcast(w, &end);
    }
}

/* ---- coordinator ---------------------------------------------------------- */

typedef hs_sched_queue queue;

/* A status byte out of range (a damaged row) runs again like a failure. */
static int is_failure(int s)
{
    return s == HS_ST_FAILED || s == HS_ST_TIMEOUT || s == HS_ST_CRASHED || s < 0 ||
           s >= HS_ST_COUNT;
}

/* What the coordinator knows of the run's progress. */
typedef struct progress {
    uint64_t total, before;
    int64_t counts[HS_ST_COUNT];
    double t0, last;
    int tty, quiet;
    double every;
    int workers; /* tasks that run at once */
    const hs_sweepset *set;
    hs_cost_left *left; /* the work not yet finished and the cost models */
    hs_value *v;        /* scratch: one task's parameters */
    int halt, halted;   /* --halt's HS_HALT_*, and the same once its limit is reached */
    int64_t halt_at;    /* failed, timed-out and crashed tasks that halt the run */
    hs_refine *rf;      /* the refinement's decisions; NULL without refine blocks */
    size_t note;        /* words per note of a finished task */
} progress;

/* The kernel's cost hint of task ref. */
static double task_hint(progress *pg, uint64_t ref)
{
    const hs_sweep *s = &pg->set->sweeps[ref_sweep(ref)];
    int64_t seed;
    uint64_t rs;
    hs_sweep_task(s, ref_id(ref), pg->v, &seed, &rs);
    return hs_cost_hint(s->kernel, pg->v);
}

/* Expected core-seconds of a task of sweep si with hint h, by the sweep's current model. */
static double task_cost(progress *pg, size_t si, double h)
{
    return hs_cost_predict(hs_cost_left_model(pg->left, si), h) *
           (double)pg->set->sweeps[si].ranks_per_task;
}

/*
 * Pending tasks of every sweep (and failed ones with retry_failed), longest
 * expected first by the cost models in pg->left (the kernels' hints unless
 * the file's finished tasks were timed), each counted as work left.
 */
static int queue_build(queue *q, progress *pg, hs_store *st, const hs_run_opts *o,
                       uint64_t *done_before, hs_err *e)
{
    const hs_sweepset *set = pg->set;
    memset(q, 0, sizeof *q);
    uint64_t total = 0;
    for (size_t i = 0; i < set->n_sweeps; i++)
        total += set->sweeps[i].n_tasks;
    hs_sched_qitem *it = malloc((total ? total : 1) * sizeof *it);
    if (!it)
        return HS_FAIL(e, HS_ENOMEM, "out of memory for %llu tasks", (unsigned long long)total);
    size_t n = 0;
    int rc = 0;
    *done_before = 0;
    for (size_t si = 0; si < set->n_sweeps && rc == 0; si++) {
        const hs_sweep *s = &set->sweeps[si];
        const hs_kernel *k = s->kernel;
        int8_t *status = NULL;
        int32_t *attempts = NULL;
        hs_value *v = calloc(k->n_params + 1, sizeof *v);
        if (o->resume) {
            status = malloc(s->n_tasks);
            attempts = malloc(s->n_tasks * sizeof *attempts);
            if (!status || !attempts)
                rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
            else
                rc = hs_store_read_status(st, si, status, attempts, e);
        }
        if (!v && rc == 0)
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
        double h = 1e-3, c = task_cost(pg, si, h); /* without a hint: 1 ms */
        for (uint64_t id = 0; id < s->n_tasks && rc == 0; id++) {
            if (k->cost && id % s->n_seeds == 0) { /* cost depends on parameters, not seed */
                int64_t seed;
                uint64_t rs;
                hs_sweep_task(s, id, v, &seed, &rs);
                h = hs_cost_hint(k, v);
                c = task_cost(pg, si, h);
            }
            unsigned attempt = 1;
            if (status && status[id] != HS_ST_PENDING) {
                if (!(o->retry_failed && is_failure(status[id]))) {
                    (*done_before)++;
                    continue;
                }
                attempt = attempts[id] + 1 < 255 ? (unsigned)attempts[id] + 1 : 255;
            }
            it[n].cost = c;
            it[n].ref = make_ref(si, id, attempt);
            n++;
            hs_cost_left_count(pg->left, si, h, +1);
        }
        free(v);
        free(status);
        free(attempts);
    }
    if (rc == 0)
        rc = hs_sched_queue_init(q, it, n, e);
    free(it);
    return rc;
}

/* Append a retry at the end of the queue. */
static void queue_push(queue *q, progress *pg, uint64_t ref)
{
    double h = task_hint(pg, ref), cost = task_cost(pg, ref_sweep(ref), h);
    hs_cost_left_count(pg->left, ref_sweep(ref), h, +1);
    hs_sched_queue_push(q, ref, cost);
}

/*
 * Take n notes of finished tasks, pg->note words each (ref, wall ns or -1,
 * then the refinement's words): their work is no longer left, those that
 * ran to the end are timing samples, and the refinement decides from them.
 */
static void progress_finished(progress *pg, const int64_t *notes, size_t n)
{
    uint64_t added = hs_refine_added(pg->rf);
    for (size_t i = 0; i < n; i++) {
        const int64_t *nt = notes + i * pg->note;
        uint64_t ref = (uint64_t)nt[0];
        size_t si = ref_sweep(ref);
        if (si >= pg->set->n_sweeps)
            continue;
        if (pg->note > 2)
            hs_refine_finished(pg->rf, si, ref_id(ref), ref_attempt(ref), nt + 2);
        if (ref_id(ref) >= pg->set->sweeps[si].n_tasks)
            continue; /* refinement tasks are not in the cost models' work */
        double h = task_hint(pg, ref);
        hs_cost_left_count(pg->left, si, h, -1);
        hs_err e; /* out of memory: one sample fewer */
        if (nt[1] >= 0)
            hs_cost_left_observe(pg->left, si, h, (double)nt[1] * 1e-9, &e);
    }
    pg->total += hs_refine_added(pg->rf) - added; /* the tasks refinement added */
}

/* The next batch into msg (hs_sched_take_work); returns the message's length in words. */
static int take_work(queue *q, progress *pg, int workers, uint64_t *msg)
{
    return hs_sched_take_work(q, pg->rf, pg->set, workers, msg);
}

/* --halt: whether the run's failed, timed-out and crashed tasks reached the limit. */
static int halt_due(progress *pg)
{
    if (pg->halt && !pg->halted &&
        pg->counts[HS_ST_FAILED] + pg->counts[HS_ST_TIMEOUT] + pg->counts[HS_ST_CRASHED] >=
            pg->halt_at)
        pg->halted = pg->halt;
    return pg->halted;
}

/* Tasks timed before the ETA is shown: one task says too little. */
#define ETA_MIN_SAMPLES 3

/*
 * The progress line: on a terminal (bar) rewritten in place every 0.25 s,
 * else (log) a line every `every` seconds.  The line that shows every task
 * done is the final one only, printed once.
 */
static void progress_print(progress *p, int final)
{
    double now = hs_now_mono();
    if (p->quiet || (!final && now - p->last < (p->tty ? 0.25 : p->every)))
        return;
    int64_t done = 0, bad = 0;
    for (int i = 1; i < HS_ST_COUNT; i++) {
        done += p->counts[i];
        if (i != HS_ST_OK)
            bad += p->counts[i];
    }
    if (!final && (uint64_t)done + p->before >= p->total)
        return; /* the final line says it */
    p->last = now;
    double el = now - p->t0, rate = el > 0 ? (double)done / el : 0;
    /* The work left by the fitted models, spread over the workers. */
    double eta = hs_cost_left_seconds(p->left, ETA_MIN_SAMPLES) / p->workers;
    char etab[32];
    if (isnan(eta))
        snprintf(etab, sizeof etab, p->tty ? "--:--:--" : "--");
    else if (p->tty)
        snprintf(etab, sizeof etab, "%02d:%02d:%02d", (int)(eta / 3600), (int)(eta / 60) % 60,
                 (int)eta % 60);
    else
        snprintf(etab, sizeof etab, eta < 10 ? "%.1f s" : "%.0f s", eta);
    if (p->tty)
        fprintf(stderr, "\r[%llu/%llu] %5.1f%%  failed %lld  %.1f tasks/s  ETA %s%s",
                (unsigned long long)(done + (int64_t)p->before), (unsigned long long)p->total,
                p->total ? 100.0 * (double)(done + (int64_t)p->before) / (double)p->total : 100.0,
                (long long)bad, rate, etab, final ? "\n" : "  ");
    else
        fprintf(stderr, "hsweep: %llu/%llu tasks done (%lld not ok), %.1f tasks/s, ETA %s\n",
                (unsigned long long)(done + (int64_t)p->before), (unsigned long long)p->total,
                (long long)bad, rate, etab);
    fflush(stderr);
}

/*
 * Refinement's bookkeeping at the coordinator: the tasks each worker has
 * out and the workers parked until its next points.  The sum and the count
 * are kept beside the arrays so that a request costs the same whatever the
 * number of workers: without refinement nothing is ever parked.
 */
typedef struct parking {
    int *owe;              /* [1 + nworkers]: tasks out per worker; NULL without memory */
    long owe_total;        /* their sum */
    unsigned char *parked; /* [1 + nworkers]: waiting for refinement's next points */
    int n_parked;          /* how many are */
} parking;

static void owe_set(parking *pk, int w, int n)
{
    pk->owe_total += n - pk->owe[w];
    pk->owe[w] = n;
}

/* Whether a worker other than w has tasks out. */
static int owed_by_others(const parking *pk, int w) { return pk->owe_total - pk->owe[w] > 0; }

/*
 * Answer the workers waiting for refinement: with its next tasks as they
 * come, or with an empty batch (leave) once no task is out anywhere or the
 * run stops.  Returns 0, or HS_EMPI naming the failed send.
 */
static int serve_parked(queue *q, progress *pg, MPI_Comm comm, int nworkers, parking *pk,
                        uint64_t (*out)[1 + HS_MAX_BATCH], MPI_Request *sent, hs_err *e)
{
    if (!pk->parked || !pk->owe || !out || !sent)
        return 0;
    for (int w = 1, seen = 0, waiting = pk->n_parked; w <= nworkers && seen < waiting; w++) {
        if (!pk->parked[w])
            continue;
        seen++;
        uint64_t *msg = out[w];
        int stopping = hs_signals_stop_requested() || pg->halted;
        int len = stopping ? 1 : take_work(q, pg, pg->workers, msg);
        if (stopping)
            msg[0] = 2u;
        if (len == 1 && !stopping && owed_by_others(pk, w))
            continue; /* still waiting */
        pk->parked[w] = 0;
        pk->n_parked--;
        int tasks = len - 1 - (int)(msg[0] & 4u ? hs_sched_count_defs(msg, len) : 0);
        owe_set(pk, w, pk->owe[w] + tasks);
        HS_MPI_CALL(e, MPI_Isend(msg, len, MPI_UINT64_T, w, HS_TAG_WORK, comm, &sent[w]));
        hs_stats_batch(tasks);
    }
    return 0;
}

/*
 * Rank 0: answer the workers (ranks 1..nworkers, except those that writer[]
 * marks: node writers, which run no tasks) until every one has said it is
 * done.  Returns 0, or HS_EMPI naming the failed call: it returns at once,
 * and the batches still being sent keep their buffers (the run aborts).
 */
static int coordinator_loop(queue *q, MPI_Comm comm, int nworkers, const unsigned char *writer,
                            progress *pg, hs_err *e)
{
    int active = nworkers, stop_sent = 0, rc = 0;
    int64_t(*wc)[HS_ST_COUNT] = calloc((size_t)nworkers + 1, sizeof *wc);
    unsigned char *done = calloc((size_t)nworkers + 1, 1);
    unsigned char *asked = calloc((size_t)nworkers + 1, 1); /* for HSWEEP_STATS */
    for (int i = 1; writer && i <= nworkers; i++)
        if (writer[i]) {
            active--;
            if (done)
                done[i] = 1;
        }
    int64_t *in = malloc((HS_ST_COUNT + 4096) * sizeof *in);
    size_t in_cap = HS_ST_COUNT + 4096;
    /* Batches go out without blocking, one buffer per worker: a blocking
     * send of a batch returns only once the worker next enters MPI (the
     * shared-memory transport hands the fragment back then), and would spin
     * this rank's core while the worker runs its prefetched batch. */
    uint64_t(*out)[1 + HS_MAX_BATCH] = malloc(((size_t)nworkers + 1) * sizeof *out);
    MPI_Request *sent = malloc(((size_t)nworkers + 1) * sizeof *sent);
    for (int i = 0; sent && i <= nworkers; i++)
        sent[i] = MPI_REQUEST_NULL;
    uint64_t one_msg[1 + HS_MAX_BATCH];
    /* Refinement: tasks each worker has out, and workers waiting for its next points. */
    parking pk = {.owe = calloc((size_t)nworkers + 1, sizeof *pk.owe),
                  .parked = calloc((size_t)nworkers + 1, 1)};
    long idle_ns = 0;
    double loop_t0 = hs_now_mono();
    while (active > 0 && rc == 0) {
        int stop_requested = hs_signals_stop_requested();
        if ((stop_requested || pg->halted == HS_HALT_NOW) && !stop_sent) {
            /* Tell every worker still running: finish within the grace period
             * (--halt now: abandon the running tasks at once). */
            int kind = stop_requested ? 1 : 2;
            for (int w = 1; w <= nworkers && rc == 0; w++)
                if (!done[w])
                    rc = HS_MPI_CHECK(e, MPI_Send(&kind, 1, MPI_INT, w, HS_TAG_STOP, comm));
            stop_sent = 1;
        }
        int flag = 0;
        MPI_Status st;
        if (rc || (rc = HS_MPI_CHECK(e, MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm, &flag, &st))))
            break;
        if (!flag) {
            progress_print(pg, 0);
            idle_ns = idle_ns ? (idle_ns < 500000 ? 2 * idle_ns : 1000000) : 2000;
            sleep_ns(idle_ns);
            continue;
        }
        idle_ns = 0;
        hs_stats_span span; /* the message's service, for HSWEEP_STATS */
        hs_stats_span_start(&span);
        uint64_t queued = q->n - q->next;
        int cnt = 0;
        if ((rc = HS_MPI_CHECK(e, MPI_Get_count(&st, MPI_INT64_T, &cnt))))
            break;
        if ((size_t)cnt > in_cap) {
            int64_t *bigger = realloc(in, (size_t)cnt * sizeof *in);
            if (bigger) {
                in = bigger;
                in_cap = (size_t)cnt;
            }
        }
        if ((rc = HS_MPI_CHECK(e, MPI_Recv(in, (int)in_cap, MPI_INT64_T, st.MPI_SOURCE, st.MPI_TAG,
                                           comm, MPI_STATUS_IGNORE))))
            break;
        int w = st.MPI_SOURCE;
        if (wc && w <= nworkers)
            for (int i = 0; i < HS_ST_COUNT; i++) {
                pg->counts[i] += in[i] - wc[w][i];
                wc[w][i] = in[i];
            }
        int n_fin = cnt > HS_ST_COUNT ? (int)in[HS_ST_COUNT] : 0;
        int note = (int)pg->note;
        n_fin = n_fin < 0 || HS_ST_COUNT + 1 + note * n_fin > cnt ? 0 : n_fin;
        progress_finished(pg, in + HS_ST_COUNT + 1, (size_t)n_fin);
        halt_due(pg);
        if (n_fin > 0)
            hs_stats_result(hs_now_mono() - loop_t0);
        if (st.MPI_TAG == HS_TAG_REQ && asked && w <= nworkers && !asked[w]) {
            asked[w] = 1;
            hs_stats_first_request(hs_now_mono() - loop_t0);
        }
        if (pk.owe && w <= nworkers)
            owe_set(&pk, w, pk.owe[w] > n_fin ? pk.owe[w] - n_fin : 0);
        if (st.MPI_TAG == HS_TAG_DONE) {
            if (done)
                done[w] = 1;
            if (pk.owe && w <= nworkers)
                owe_set(&pk, w, 0);
            active--;
            rc = serve_parked(q, pg, comm, nworkers, &pk, out, sent, e);
            hs_stats_served(&span, HS_TAG_DONE, 0);
            continue;
        }
        for (int i = HS_ST_COUNT + 1 + note * n_fin; i < cnt; i++)
            queue_push(q, pg, (uint64_t)in[i]);
        int async = out && sent && w <= nworkers;
        uint64_t *msg = async ? out[w] : one_msg;
        /* the last batch: received before this request */
        if (async && (rc = HS_MPI_CHECK(e, MPI_Wait(&sent[w], MPI_STATUS_IGNORE))))
            break;
        int stopping = hs_signals_stop_requested() || pg->halted;
        int len = stopping ? 1 : take_work(q, pg, pg->workers, msg);
        if (stopping)
            msg[0] = 2u;
        if (len == 1 && !stopping && pg->rf && pk.owe && pk.parked && w <= nworkers) {
            /* Nothing to hand out, but refinement may add tasks once the
             * running ones finish: a worker with tasks out asks again after
             * them, one without waits here for the others' (parked). */
            if (pk.owe[w] > 0) { /* its notes come with its next request: never park it */
                msg[0] |= 8u;
            } else if (owed_by_others(&pk, w)) {
                pk.parked[w] = 1;
                pk.n_parked++;
                rc = serve_parked(q, pg, comm, nworkers, &pk, out, sent, e);
                hs_stats_served(&span, HS_TAG_REQ, queued);
                continue;
            }
        }
        int tasks = len - 1 - (int)(msg[0] & 4u ? hs_sched_count_defs(msg, len) : 0);
        if (pk.owe && w <= nworkers)
            owe_set(&pk, w, pk.owe[w] + tasks);
        if (async)
            rc = HS_MPI_CHECK(e, MPI_Isend(msg, len, MPI_UINT64_T, w, HS_TAG_WORK, comm, &sent[w]));
        else
            rc = HS_MPI_CHECK(e, MPI_Send(msg, len, MPI_UINT64_T, w, HS_TAG_WORK, comm));
        hs_stats_batch(rc == 0 ? tasks : 0);
        if (rc == 0)
            rc = serve_parked(q, pg, comm, nworkers, &pk, out, sent, e);
        hs_stats_served(&span, HS_TAG_REQ, queued);
        progress_print(pg, 0);
    }
    hs_stats_loop(hs_now_mono() - loop_t0);
    if (rc)
        out = NULL; /* may still be read by a send: left to the abort */
    else if (sent)
        rc = HS_MPI_CHECK(e, MPI_Waitall(nworkers + 1, sent, MPI_STATUSES_IGNORE));
    free(pk.owe);
    free(pk.parked);
    free(out);
    free(sent);
    free(wc);
    free(done);
    free(asked);
    free(in);
    return rc;
}

/* One process: show the counts of the batch running now. */
static void solo_tick(worker *w)
{
    memcpy(w->solo->counts, w->counts, sizeof w->solo->counts);
    progress_print(w->solo, 0);
}

/* Single process: coordinator and worker in one loop. */
static void solo_loop(queue *q, worker *w, progress *pg)
{
    uint64_t refined[HS_ISO_MAX_BATCH];
    while ((q->next < q->n || hs_refine_queued(pg->rf)) && w->io_rc == 0) {
        check_stop(w);
        if (w->stop_at > 0)
            break;
        size_t k = hs_refine_take(pg->rf, refined, HS_ISO_MAX_BATCH);
        for (size_t i = 0; i < k; i++)
            refined[i] |= 1ULL << HS_REF_ATTEMPT_SHIFT;
        if (k) { /* refinement first; a stop leaves the rest pending (a resume replays) */
            run_tasks(w, refined, k);
        } else {
            size_t n = q->n - q->next < HS_ISO_MAX_BATCH ? q->n - q->next : HS_ISO_MAX_BATCH;
            q->next += run_tasks(w, q->ref + q->next, n);
        }
        progress_finished(pg, w->fin, w->n_fin / w->note);
        w->n_fin = 0;
        for (size_t i = 0; i < w->n_retry; i++)
            queue_push(q, pg, w->retry[i]);
        w->n_retry = 0;
        memcpy(pg->counts, w->counts, sizeof pg->counts);
        progress_print(pg, 0);
        if (halt_due(pg))
            break;
    }
}

/* ---- the run: setup, work, teardown --------------------------------------- */

/* What a run holds from its setup to its teardown. */
typedef struct run {
    const hs_run_opts *o;
    MPI_Comm comm;
    int rank, size;
    hs_sweepset *set;
    const char *path;     /* the results file */
    int G, nworkers;      /* ranks per gang; workers (gang leaders, or ranks) */
    hs_agg_role role;     /* --writers node: the node writers */
    int color, gang_rank; /* this rank's gang (MPI_UNDEFINED: none) and its rank in it */
    worker w;
    hs_cost_calib *calib; /* rank 0, on resume: the file's task times; NULL otherwise */
    hs_refine *rf;
    hs_store *st;
    progress pg;
    queue q;
} run;

/*
 * The times of the finished tasks of results file path, for a resume's
 * order and ETA (rank 0, before the run opens the file); NULL where the file
 * cannot tell them: hs_store_open then judges the file, or the kernels'
 * hints stand.
 */
static hs_cost_calib *resume_calibration(const hs_sweepset *set, const char *path)
{
    hs_cost_calib *c = calloc(set->n_sweeps + 1, sizeof *c);
    hs_err e;
    if (c && hs_cost_calibrate(set, path, c, &e) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

static void calib_free(run *r)
{
    if (r->calib)
        hs_cost_calib_free(r->calib, r->set->n_sweeps);
    free(r->calib);
    r->calib = NULL;
}

/* Free what the run holds (the store is closed by run_finish or run_open_store,
 * the gang communicator by run_finish unless the run failed earlier). */
static void run_free(run *r)
{
    if (r->w.gang != MPI_COMM_NULL)
        MPI_Comm_free(&r->w.gang); /* a failed run's cleanup: its error is recorded */
    calib_free(r);
    hs_sched_queue_free(&r->q);
    free(r->pg.v);
    hs_cost_left_destroy(&r->pg.left);
    hs_refine_destroy(&r->rf);
    hs_agg_role_free(&r->role);
    worker_free(&r->w);
    hs_sweepset_free(&r->set);
}

/* Every rank: the sweep file's text from rank 0, parsed (rank 0 checks it), and the GPUs bound. */
static int run_load(run *r, hs_err *e)
{
    const hs_run_opts *o = r->o;
    char *text = NULL;
    HS_CALL(hs_mpi_share_file(o->sweep_path, r->comm, &text, e));
    hs_load_opts lo = {
        .max_tasks = o->max_tasks, .skip_checks = r->rank != 0, .reduced = o->reduced};
    int rc = hs_mpi_agree(hs_sweepset_parse(o->sweep_path, text, &lo, &r->set, e), r->comm, e);
    free(text);
    HS_CALL(rc);
    r->path = o->output ? o->output : r->set->output;
    hs_signals_grace(o->grace_s);
    /* Each worker's share of the node's GPUs, for the programs its tasks start. */
    HS_CALL(hs_mpi_agree(hs_gpu_bind(r->comm, e), r->comm, e));
    return 0;
}

/* Every rank: the gangs (workers 1..size-1 in consecutive groups of G ranks),
 * this rank's worker and its scratch. */
static int run_gangs(run *r, hs_err *e)
{
    const hs_sweepset *set = r->set;
    r->G = 1;
    for (size_t i = 0; i < set->n_sweeps; i++)
        r->G = set->sweeps[i].ranks_per_task > r->G ? set->sweeps[i].ranks_per_task : r->G;
    int G = r->G, size = r->size, rank = r->rank;
    r->nworkers = size == 1 ? 1 : (size - 1) / G;
    if (size > 1 && r->nworkers < 1)
        return HS_FAIL(e, HS_EINPUT,
                       "%s: ranks_per_task = %d needs at least %d MPI ranks (one "
                       "coordinator + one gang), got %d",
                       r->o->sweep_path, G, G + 1, size);
    worker *w = &r->w;
    int rc = hs_provenance_host(w->host, sizeof w->host, e);
    r->color = MPI_UNDEFINED;
    r->gang_rank = 0;
    if (size > 1 && rank > 0 && (rank - 1) / G < r->nworkers) {
        r->color = 1 + (rank - 1) / G;
        r->gang_rank = (rank - 1) % G;
    }
    if (size > 1 && G > 1) {
        int src = HS_MPI_CHECK(e, MPI_Comm_split(r->comm, r->color, r->gang_rank, &w->gang));
        if (src == 0 && w->gang != MPI_COMM_NULL)
            src = hs_mpi_errors_return(w->gang, e);
        rc = rc ? rc : src;
        w->gang_size = G;
    }
    size_t maxp = 1;
    for (size_t i = 0; i < set->n_sweeps; i++)
        maxp = set->sweeps[i].kernel->n_params > maxp ? set->sweeps[i].kernel->n_params : maxp;
    w->v = calloc(maxp, sizeof *w->v);
    w->maxp = maxp;
    w->fk = calloc(1, sizeof *w->fk);
    if (w->fk) {
        w->fk->batch = 1;
        w->fk->v = calloc(HS_ISO_MAX_BATCH * maxp, sizeof *w->fk->v);
    }
    if (rc == 0 && (!w->v || !w->fk || !w->fk->v))
        rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
    w->note = 2 + hs_refine_note_words(set);
    return hs_mpi_agree(rc, r->comm, e);
}

/*
 * Every rank, with --writers node: the node writers (store_agg.h).  A writer
 * runs no tasks and is no worker of the coordinator's.  Gang tasks write
 * their own rows: refused with them.  One process: ignored.
 */
static int run_writers(run *r, hs_err *e)
{
    if (r->o->writers != HS_WRITERS_NODE || r->size == 1)
        return 0;
    if (r->G > 1)
        return HS_FAIL(e, HS_EINPUT,
                       "%s: --writers node does not take sweeps with ranks_per_task > 1 (this "
                       "file has ranks_per_task = %d): run it with --writers rank",
                       r->o->sweep_path, r->G);
    HS_CALL(hs_agg_roles(r->comm, &r->role, e));
    r->nworkers -= r->role.n_writers;
    r->w.writer = r->role.writer;
    return 0;
}

/*
 * Every rank: the exec sweeps' logs and provenance, rank 0's refinement (on
 * resume replayed from the file, whose task times it reads first), and the
 * results file created or opened with the run's provenance.
 */
static int run_open_store(run *r, hs_err *e)
{
    const hs_run_opts *o = r->o;
    /* exec sweeps: where task logs go, which script version runs */
    HS_CALL(hs_exec_run_setup(r->set, r->path, o->logs, o->no_logs, o->resume, r->comm, e));
    if (r->rank == 0 && o->resume)
        r->calib = resume_calibration(r->set, r->path);
    /* Rank 0 decides the refinement; on resume it replays the file's first. */
    hs_err rfe;
    int rf_rc = 0;
    if (r->rank == 0) {
        rf_rc = hs_refine_create(r->set, o->retries, &r->rf, &rfe);
        if (rf_rc == 0 && o->resume)
            rf_rc = hs_refine_replay(r->rf, r->path, o->retry_failed, &rfe);
    }
    char *hosts = NULL, mpilib[MPI_MAX_LIBRARY_VERSION_STRING + 1] = "";
    HS_CALL(hs_mpi_agree(hs_provenance_gather(r->comm, r->w.host, &hosts, mpilib, e), r->comm, e));
    hs_prov prov = {.ranks = r->size, .hosts = hosts, .mpi_library = mpilib};
    int rc;
    if (o->resume)
        rc = hs_store_open(r->path, r->set, r->comm, &prov,
                           (o->force ? HS_OPEN_FORCE : 0) | (o->repair ? HS_OPEN_REPAIR : 0) |
                               (o->retry_failed ? HS_OPEN_RETRY : 0),
                           &r->st, e);
    else
        rc = hs_store_create(r->path, r->set, r->comm, &prov, o->overwrite, &r->st, e);
    free(hosts);
    HS_CALL(rc);
    if (rf_rc)
        *e = rfe;
    if ((rc = hs_mpi_agree(rf_rc, r->comm, e)) != 0)
        hs_store_close(&r->st, &rfe); /* the refinement's error is the one to report */
    return rc;
}

/*
 * A worker that will run its tasks in a task process starts it now, while
 * rank 0 builds the queue: the fork (some 15 ms of CPU in a process with MPI
 * and HDF5 loaded, bench/task_start.sh) becomes start-up instead of a delay
 * of its first task, inside the dispatch phase.  Not when a sweep it
 * may run in one has a memory limit: that process is sized for its first
 * task.  A failure here is left to the first task, which starts the process
 * again and fails saying why.
 */
static void worker_prestart(run *r)
{
    worker *w = &r->w;
    if (r->size == 1 || r->rank == 0 || r->color == MPI_UNDEFINED || r->gang_rank != 0 ||
        r->role.n_workers > 0 || w->iso)
        return;
    int forked = 0;
    for (size_t i = 0; i < r->set->n_sweeps; i++) {
        const hs_sweep *s = &r->set->sweeps[i];
        if (eff_isolation(w, s) != HS_ISO_FORK)
            continue;
        if ((s->mem_limit_mb >= 0 ? s->mem_limit_mb : w->opts->mem_limit_mb) > 0)
            return;
        forked = 1;
    }
    hs_err e;
    if (forked && hs_isolate_create(&w->iso, &e) == 0)
        hs_isolate_start(w->iso, &e);
    w->prestarted = w->iso ? hs_isolate_started(w->iso) : 0;
}

/* Every rank: rank 0 queues the tasks to run and says what the run will do. */
static int run_queue(run *r, hs_err *e)
{
    worker_prestart(r);
    const hs_run_opts *o = r->o;
    const hs_sweepset *set = r->set;
    int mode = o->quiet ? HS_PROGRESS_NONE : o->progress;
    progress *pg = &r->pg;
    *pg = (progress){.t0 = hs_now_mono(),
                     .tty = mode == HS_PROGRESS_BAR || (mode == HS_PROGRESS_AUTO && isatty(2)),
                     .quiet = mode == HS_PROGRESS_NONE,
                     .every = o->log_every > 0 ? o->log_every : 10.0,
                     .workers = r->nworkers,
                     .set = set,
                     .rf = r->rf,
                     .note = r->w.note};
    pg->last = pg->t0;
    int rc = 0;
    if (r->rank == 0) {
        uint64_t before = 0, timed = 0;
        for (size_t i = 0; r->calib && i < set->n_sweeps; i++)
            timed += r->calib[i].obs.n;
        rc = hs_cost_left_create(set->n_sweeps, r->calib, &pg->left, e);
        if (rc == 0 && !(pg->v = calloc(r->w.maxp, sizeof *pg->v)))
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
        if (rc == 0)
            rc = queue_build(&r->q, pg, r->st, o, &before, e);
        for (size_t i = 0; i < set->n_sweeps; i++)
            pg->total += set->sweeps[i].n_tasks;
        pg->total += hs_refine_added(r->rf); /* a resume's replay */
        pg->before = before;
        pg->halt = o->halt;
        pg->halt_at = o->halt_pct ? (int64_t)ceil(o->halt_fail / 100.0 * (double)r->q.n)
                                  : (int64_t)o->halt_fail;
        pg->halt_at = pg->halt_at < 1 ? 1 : pg->halt_at;
        if (rc == 0 && !o->quiet)
            fprintf(
                stderr,
                "hsweep: %s: %llu tasks in %zu sweep(s), %llu to run, on %d rank(s)%s%s -> %s\n",
                o->sweep_path, (unsigned long long)pg->total, set->n_sweeps,
                (unsigned long long)r->q.n, r->size, r->G > 1 ? " in gangs" : "",
                r->role.n_writers ? " (node writers)" : "", r->path);
        if (rc == 0 && !o->quiet && timed)
            fprintf(stderr,
                    "hsweep: longest-first order and ETA from the times of %llu finished "
                    "task(s) in %s (hsweep plan --calibrate shows the fit)\n",
                    (unsigned long long)timed, r->path);
    }
    calib_free(r);
    return hs_mpi_agree(rc, r->comm, e);
}

/* Every rank: its part of the work (one process: both parts).  Returns 0,
 * or HS_EMPI with e naming the call when this rank's communication failed. */
static int run_work(run *r, hs_err *e)
{
    worker *w = &r->w;
    w->store = r->st;
    if (r->size == 1) {
        w->solo = &r->pg;
        solo_loop(&r->q, w, &r->pg);
    } else if (r->rank == 0) {
        HS_CALL(coordinator_loop(&r->q, r->comm, r->role.is_wr ? r->size - 1 : r->nworkers,
                                 r->role.is_wr, &r->pg, e));
    } else if (r->role.n_workers > 0) {
        int wrc = hs_agg_writer_run(r->st, r->set->n_sweeps, r->comm, &r->role,
                                    r->o->writers_flush_s, &w->io_err);
        w->io_rc = w->io_rc ? w->io_rc : wrc;
    } else if (r->color != MPI_UNDEFINED && r->gang_rank == 0) {
        worker_loop(w);
        /* its last row went before: the writer can finish */
        if (w->writer >= 0 && w->io_rc != HS_EMPI)
            W_MPI(w, MPI_Send(NULL, 0, MPI_BYTE, w->writer, HS_TAG_WDONE, w->comm));
    } else if (r->color != MPI_UNDEFINED) {
        gang_member_loop(w);
    }
    if (w->io_rc == HS_EMPI) {
        *e = w->io_err;
        HS_CALL(HS_EMPI);
    }
    return 0;
}

/*
 * Every rank: the outcome.  Rank 0 counts the tasks still pending and those
 * that failed; the results file is closed; a run that stopped early, halted
 * or has failures says so (and how to resume) in its error.
 */
static int run_finish(run *r, int rc, hs_err *e)
{
    const hs_run_opts *o = r->o;
    MPI_Comm comm = r->comm;
    int rank = r->rank;
    worker *w = &r->w;
    if (w->io_rc)
        *e = w->io_err;
    rc = rc ? rc : hs_mpi_agree(w->io_rc, comm, e);
    /* Did anyone stop early?  Then say how much is left and how to resume.
     * Did tasks fail?  Then the exit code says so. */
    int stopped = hs_signals_stop_requested() || w->stop_at > 0, any_stop = 0,
        halted = r->pg.halted;
    HS_MPI_CALL(e, MPI_Allreduce(&stopped, &any_stop, 1, MPI_INT, MPI_MAX, comm));
    HS_MPI_CALL(e, MPI_Bcast(&halted, 1, MPI_INT, 0, comm));
    long long remaining = 0, failures = 0;
    if (rc == 0) {
        HS_MPI_CALL(e, MPI_Barrier(comm)); /* every worker's last write has returned */
        int src = 0;
        for (size_t i = 0; rank == 0 && src == 0 && i < r->set->n_sweeps; i++) {
            int8_t *status = malloc(r->set->sweeps[i].n_tasks);
            src = status ? hs_store_read_status(r->st, i, status, NULL, e)
                         : HS_FAIL(e, HS_ENOMEM, "out of memory");
            for (uint64_t t = 0; src == 0 && t < r->set->sweeps[i].n_tasks; t++) {
                remaining += status[t] == HS_ST_PENDING;
                failures += status[t] == HS_ST_FAILED || status[t] == HS_ST_TIMEOUT ||
                            status[t] == HS_ST_CRASHED;
            }
            free(status);
        }
        remaining += rank == 0 ? (long long)hs_refine_unfinished(r->rf) : 0;
        long long both[2] = {remaining, failures};
        if ((rc = hs_mpi_agree(src, comm, e)) == 0)
            HS_MPI_CALL(e, MPI_Bcast(both, 2, MPI_LONG_LONG, 0, comm));
        remaining = both[0];
        failures = both[1];
    }
    hs_err ce;
    int crc = hs_store_close(&r->st, &ce);
    if (rc == 0 && crc) {
        *e = ce;
        rc = crc;
    }
    if (r->w.gang != MPI_COMM_NULL) {
        crc = HS_MPI_CHECK(&ce, MPI_Comm_free(&r->w.gang));
        if (rc == 0 && crc) {
            *e = ce;
            rc = crc;
        }
    }
    const char *path = r->path, *resume_o = o->output ? " -o " : "",
               *out = o->output ? o->output : "";
    if (rc == 0 && halted)
        rc = HS_FAIL(e, HS_ETASKS,
                     "halted by --halt with %lld task(s) failed, timed out or crashed and %lld not "
                     "run; the results file %s is intact (hsweep status lists the failures). "
                     "Resume with: hsweep run --resume%s %s%s%s",
                     failures, remaining, path, o->reduced ? " --reduced" : "", o->sweep_path,
                     resume_o, out);
    else if (rc == 0 && any_stop && remaining > 0)
        rc = HS_FAIL(e, HS_EINTR,
                     "stopped on request with %lld task(s) not run; the results file %s is intact. "
                     "Resume with: hsweep run --resume%s %s%s%s",
                     remaining, path, o->reduced ? " --reduced" : "", o->sweep_path, resume_o, out);
    else if (rc == 0 && failures > 0)
        rc = HS_FAIL(e, HS_ETASKS,
                     "%lld task(s) ended failed, timeout or crashed (hsweep status %s "
                     "lists them)",
                     failures, path);
    return rc;
}

/*
 * Every rank: the run's statistics (HSWEEP_STATS, HSWEEP_IO_TRACE; stats.h),
 * summed over the ranks unless this one's communication failed (rc
 * HS_EMPI: the others may not answer).  Returns rc, or HS_EMPI naming the
 * failed reduction when rc was 0.
 */
static int run_stats(run *r, int rc, hs_err *e)
{
    hs_err se;
    int src = hs_stats_emit(r->comm, r->size, r->nworkers, rc != HS_EMPI, &se);
    if (rc == 0 && src) {
        *e = se;
        return src;
    }
    return rc;
}

int hs_sched_run(const hs_run_opts *o, MPI_Comm comm, hs_err *e)
{
    run r = {.o = o,
             .comm = comm,
             .color = MPI_UNDEFINED,
             .role = {.writer = -1},
             .w = {.opts = o, .comm = comm, .gang = MPI_COMM_NULL, .gang_size = 1, .writer = -1}};
    HS_MPI_CALL(e, MPI_Comm_rank(comm, &r.rank));
    HS_MPI_CALL(e, MPI_Comm_size(comm, &r.size));
    r.w.rank = r.rank;
    hs_stats_begin(r.rank);
    int rc = run_load(&r, e);
    r.w.set = r.set;
    if (rc == 0)
        rc = run_gangs(&r, e);
    if (rc == 0)
        rc = run_writers(&r, e);
    if (rc == 0)
        rc = run_open_store(&r, e);
    if (rc) {
        run_stats(&r, rc, e);
        run_free(&r);
        HS_CALL(rc);
    }
    int lost = 0;
    if ((rc = run_queue(&r, e)) == 0)
        lost = rc = run_work(&r, e);
    if (r.rank == 0 && rc == 0)
        progress_print(&r.pg, 1);
    if (r.w.iso)
        hs_stats_task_processes(hs_isolate_started(r.w.iso), r.w.prestarted);
    /* The task process holds the results file's lock too: end it first. */
    hs_isolate_destroy(&r.w.iso);
    if (lost) { /* this rank's communication failed: no collective may follow (the caller aborts) */
        run_stats(&r, rc, e);
        return rc;
    }
    rc = run_finish(&r, rc, e);
    rc = run_stats(&r, rc, e);
    run_free(&r);
    return rc;
}
