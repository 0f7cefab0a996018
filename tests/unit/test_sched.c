/* The scheduler's queue (src/core/sched_impl.h): order, batch sizes, refinement first, exhaustion. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/sched_impl.h"
#include "hsweep/config.h"
#include "hsweep/refine.h"

/* A queue of n tasks of `cost` seconds each, refs 0..n-1. */
static void fill(hs_sched_queue *q, size_t n, double cost)
{
    hs_sched_qitem *it = malloc((n ? n : 1) * sizeof *it);
    REQUIRE(it);
    for (size_t i = 0; i < n; i++)
        it[i] = (hs_sched_qitem){.cost = cost, .ref = i};
    hs_err e;
    REQUIRE(hs_sched_queue_init(q, it, n, &e) == 0);
    free(it);
}

/* Longest expected first; equal costs by increasing ref (stable whatever the input order). */
static void test_order(void)
{
    hs_sched_qitem it[] = {{1.0, 10}, {3.0, 5}, {2.0, 7}, {3.0, 4}, {0.5, 1}};
    hs_sched_queue q;
    hs_err e;
    REQUIRE(hs_sched_queue_init(&q, it, 5, &e) == 0);
    const uint64_t want[] = {4, 5, 7, 10, 1};
    CHECK_EQ_INT(q.n, 5);
    for (int i = 0; i < 5; i++)
        CHECK_EQ_INT(q.ref[i], want[i]);
    CHECK_NEAR(q.cost[0], 3.0, 0);
    CHECK_NEAR(q.cost[4], 0.5, 0);
    hs_sched_queue_free(&q);
}

/*
 * Short tasks: each batch is a quarter of the remaining tasks per worker
 * (at least 1, at most max), taken in queue order, with prefetch; then the
 * queue is exhausted.  Expected sizes from that rule, worked by hand below.
 */
static void test_guided(size_t n, int workers, size_t max, const size_t *want, size_t n_want)
{
    hs_sched_queue q;
    fill(&q, n, 1e-6); /* tasks of 1 us: 256 of them stay far below the batch's time cap */
    uint64_t out[HS_MAX_BATCH];
    size_t taken = 0;
    for (size_t b = 0; b < n_want; b++) {
        int prefetch = -1;
        int k = hs_sched_queue_take(&q, workers, max, out, &prefetch);
        CHECK_EQ_INT(k, want[b]);
        CHECK_EQ_INT(prefetch, 1);
        for (int i = 0; i < k; i++)
            CHECK_EQ_INT(out[i], taken + (size_t)i);
        taken += (size_t)k;
    }
    CHECK_EQ_INT(taken, n);
    int prefetch = -1;
    CHECK_EQ_INT(hs_sched_queue_take(&q, workers, max, out, &prefetch), 0);
    CHECK_EQ_INT(q.next, q.n);
    hs_sched_queue_free(&q);
}

static void test_batch_sizes(void)
{
    /* 100 tasks, 1 worker: 100/4 = 25, 75/4 = 18, 57/4 = 14, 43/4 = 10, 33/4 = 8,
     * 25/4 = 6, 19/4 = 4, 15/4 = 3, 12/4 = 3, 9/4 = 2, 7/4 = 1, then 1 each for the last 6. */
    const size_t one[] = {25, 18, 14, 10, 8, 6, 4, 3, 3, 2, 1, 1, 1, 1, 1, 1, 1};
    test_guided(100, 1, HS_MAX_BATCH, one, sizeof one / sizeof *one);
    /* 100 tasks, 5 workers (a twentieth of what is left): 100/20 = 5; 4 while
     * 95, 91, 87, 83 are left; 3 at 79, 76, ..., 61 (7 batches); 2 at 58, 56,
     * ..., 40 (10 batches); then 1 each for the last 38. */
    const size_t runs[][2] = {{5, 1}, {4, 4}, {3, 7}, {2, 10}, {1, 38}};
    size_t five[60], nf = 0;
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++)
        for (size_t j = 0; j < runs[i][1]; j++)
            five[nf++] = runs[i][0];
    test_guided(100, 5, HS_MAX_BATCH, five, nf);
    /* The cap: 10 000 tasks for one worker would be 2 500 a batch; max is 256. */
    hs_sched_queue q;
    fill(&q, 10000, 1e-6);
    uint64_t out[HS_MAX_BATCH];
    int prefetch;
    CHECK_EQ_INT(hs_sched_queue_take(&q, 1, HS_MAX_BATCH, out, &prefetch), HS_MAX_BATCH);
    CHECK_EQ_INT(hs_sched_queue_take(&q, 1, 10, out, &prefetch), 10);
    /* More workers than tasks / 4: one task a batch. */
    CHECK_EQ_INT(hs_sched_queue_take(&q, 5000, HS_MAX_BATCH, out, &prefetch), 1);
    hs_sched_queue_free(&q);
}

/* Expected time caps a batch: 20 ms tasks go two at a time (a third would
 * pass 50 ms), with prefetch; 1 s tasks go alone, without. */
static void test_time_cap(void)
{
    hs_sched_queue q;
    uint64_t out[HS_MAX_BATCH];
    int prefetch = -1;
    fill(&q, 1000, 0.02);
    CHECK_EQ_INT(hs_sched_queue_take(&q, 1, HS_MAX_BATCH, out, &prefetch), 2);
    CHECK_EQ_INT(prefetch, 1);
    hs_sched_queue_free(&q);
    fill(&q, 1000, 1.0);
    CHECK_EQ_INT(hs_sched_queue_take(&q, 1, HS_MAX_BATCH, out, &prefetch), 1);
    CHECK_EQ_INT(prefetch, 0);
    CHECK_EQ_INT(out[0], 0);
    hs_sched_queue_free(&q);
}

/* Retries go to the end of the queue, also after it ran empty; no task: a message of one word. */
static void test_push_and_exhaustion(void)
{
    hs_sched_queue q;
    fill(&q, 3, 1.0);
    uint64_t msg[1 + HS_MAX_BATCH];
    for (uint64_t i = 0; i < 3; i++) {
        CHECK_EQ_INT(hs_sched_take_work(&q, NULL, NULL, 1, msg), 2);
        CHECK_EQ_INT(msg[1], i);
        CHECK_EQ_INT(msg[0], 0); /* 1 s tasks: no prefetch */
    }
    CHECK_EQ_INT(hs_sched_take_work(&q, NULL, NULL, 1, msg), 1);
    CHECK_EQ_INT(msg[0], 0);
    uint64_t retry = make_ref(0, 1, 2);
    hs_sched_queue_push(&q, retry, 1.0);
    CHECK_EQ_INT(hs_sched_take_work(&q, NULL, NULL, 1, msg), 2);
    CHECK_EQ_INT(msg[1], retry);
    CHECK_EQ_INT(ref_attempt(msg[1]), 2);
    CHECK_EQ_INT(ref_id(msg[1]), 1);
    CHECK_EQ_INT(hs_sched_take_work(&q, NULL, NULL, 1, msg), 1);
    hs_sched_queue_free(&q);
}

/*
 * Refinement points go before grid tasks.  Sweep "r" checks y < 0.5 along
 * x = 0, 0.5, 1 with y a step at 0.3137 (kernel step): the bracket [0, 0.5]
 * flips, so once the grid's results are in, refinement queues one point
 * (points = 1) inside it, and the next batch is that point, even though the
 * queue still holds sweep "g"'s tasks.
 */
static void test_refinement_first(void)
{
    const char *text =
        "sweeps = ( { name = \"r\"; kernel = \"step\"; fixed = { loc = 0.3137; };\n"
        "             matrix = { x = [0.0, 0.5, 1.0]; };\n"
        "             expect = ( { metric = \"y\"; op = \"<\"; value = 0.5; } );\n"
        "             refine = ( { rule = 1; axis = \"x\"; tol = 1e-5; points = 1; } ); },\n"
        "           { name = \"g\"; kernel = \"noop\"; matrix = { x = [1.0, 2.0, 3.0, 4.0]; }; } );\n";
    hs_load_opts lo = {0};
    hs_sweepset *set = NULL;
    hs_err e;
    REQUIRE(hs_sweepset_parse("test.cfg", text, &lo, &set, &e) == 0);
    hs_refine *rf = NULL;
    REQUIRE(hs_refine_create(set, 0, &rf, &e) == 0);
    REQUIRE(rf);
    const hs_sweep *r = &set->sweeps[0];
    REQUIRE(r->n_tasks == 3);
    /* The queue: sweep g's four tasks. */
    hs_sched_qitem it[4];
    for (uint64_t i = 0; i < 4; i++)
        it[i] = (hs_sched_qitem){.cost = 1e-6, .ref = make_ref(1, i, 1)};
    hs_sched_queue q;
    REQUIRE(hs_sched_queue_init(&q, it, 4, &e) == 0);
    uint64_t msg[1 + HS_MAX_BATCH];
    /* Nothing refined yet: grid tasks, flagged as a batch of a refining run (k in word 0). */
    int len = hs_sched_take_work(&q, rf, set, 4, msg);
    CHECK_EQ_INT(len, 2);
    CHECK_EQ_INT(msg[0] & 4, 4);
    CHECK_EQ_INT(msg[0] >> 32, 1);
    CHECK_EQ_INT(ref_sweep(msg[1]), 1);
    CHECK_EQ_INT(q.next, 1);
    /* Sweep r's grid tasks finish. */
    size_t words = hs_refine_note_words(set);
    REQUIRE(words == 2); /* status and one value for the one refine block */
    hs_value v[16];
    for (uint64_t id = 0; id < r->n_tasks; id++) {
        int64_t seed;
        uint64_t rs;
        hs_sweep_task(r, id, v, &seed, &rs);
        hs_params p = {r->kernel, v};
        hs_out out;
        REQUIRE(hs_out_init(&out, r->kernel, &p, &e) == 0);
        hs_ctx ctx = {.seed = rs, .gang_size = 1, .sweep_seed = seed};
        hs_task_run(r->kernel, &p, &ctx, &out);
        int64_t note[2];
        hs_refine_note(r, &out, note);
        hs_refine_finished(rf, 0, id, 1, note);
        hs_out_free(&out);
    }
    CHECK_EQ_INT(hs_refine_queued(rf), 1);
    len = hs_sched_take_work(&q, rf, set, 4, msg);
    CHECK_EQ_INT(msg[0] & 4, 4);
    CHECK_EQ_INT(msg[0] & 1, 0);
    CHECK_EQ_INT(msg[0] >> 32, 1);
    CHECK_EQ_INT(len, 1 + 1 + 2); /* one ref, then its axis value and round */
    CHECK_EQ_INT(ref_sweep(msg[1]), 0);
    CHECK(ref_id(msg[1]) >= r->n_tasks);
    CHECK_EQ_INT(ref_attempt(msg[1]), 1);
    double x;
    memcpy(&x, &msg[2], sizeof x);
    CHECK(x > 0.0 && x < 0.5);
    CHECK_EQ_INT(msg[3], 1);
    CHECK_EQ_INT(hs_sched_count_defs(msg, len), 2);
    CHECK_EQ_INT(q.next, 1); /* the grid queue waited */
    /* Refinement queue empty: the grid tasks again, then nothing. */
    CHECK_EQ_INT(hs_refine_queued(rf), 0);
    len = hs_sched_take_work(&q, rf, set, 4, msg);
    CHECK(len >= 2);
    CHECK_EQ_INT(ref_sweep(msg[1]), 1);
    while (len > 1)
        len = hs_sched_take_work(&q, rf, set, 4, msg);
    CHECK_EQ_INT(q.next, 4);
    CHECK_EQ_INT(msg[0], 0);
    hs_sched_queue_free(&q);
    hs_refine_destroy(&rf);
    hs_sweepset_free(&set);
}

int main(void)
{
    test_order();
    test_batch_sizes();
    test_time_cap();
    test_push_and_exhaustion();
    test_refinement_first();
    return CHECK_DONE();
}
