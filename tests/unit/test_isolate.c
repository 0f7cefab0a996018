/*
 * Crash isolation (src/core/isolate.c) with a kernel of this test's own that
 * does what it is told: tasks run in one kept task process, apart from this
 * one (its globals are not ours), their metrics and traces come back; a
 * task that dies of a signal, exits, hangs past its timeout or dies of a stop
 * signal ends the batch with the status and detail the header documents, and
 * the next task runs in a fresh process; a memory limit is the task
 * process's address-space limit; a stop (abandon_at) abandons the batch.
 */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "hsweep/isolate.h"

static int calls; /* counted in the task process only */

static size_t tr_len(const hs_params *p)
{
    (void)p;
    return 3;
}

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    const char *mode = hs_param_str(p, "mode");
    double x = hs_param_real(p, "x");
    calls++;
    hs_out_set(out, "pid", (double)getpid());
    hs_out_set(out, "calls", (double)calls);
    if (strcmp(mode, "segv") == 0)
        raise(SIGSEGV);
    if (strcmp(mode, "exit") == 0)
        exit(3);
    if (strcmp(mode, "term") == 0) {
        raise(SIGTERM); /* ignored: the run's stop signals are the worker's business */
        hs_out_set(out, "v", 1.0);
        return 0;
    }
    if (strcmp(mode, "termdfl") == 0) {
        signal(SIGTERM, SIG_DFL);
        raise(SIGTERM);
    }
    if (strcmp(mode, "hang") == 0)
        for (;;)
            pause();
    if (strcmp(mode, "polite") == 0) {
        /* stops by itself at its deadline, keeps a partial trace */
        double *t = hs_out_trace(out, "tr", 3);
        t[0] = x;
        while (!hs_ctx_expired(ctx))
            nanosleep(&(struct timespec){0, 10000000}, NULL);
        hs_out_trace_len(out, "tr", 1);
        hs_out_status(out, HS_ST_TIMEOUT, "stopped at the deadline");
        return 0;
    }
    if (strcmp(mode, "fail") == 0) {
        hs_out_status(out, HS_ST_FAILED, "bad x %g", x);
        return 0;
    }
    if (strcmp(mode, "alloc") == 0) {
        /* 512 MiB under a 256 MiB address-space limit: refused */
        char *big = malloc((size_t)512 << 20);
        if (!big) {
            hs_out_status(out, HS_ST_FAILED, "no memory");
            return 0;
        }
        volatile char *touch = big; /* every page, so that it is resident */
        double sum = 0.0;
        for (size_t i = 0; i < ((size_t)512 << 20); i += 4096)
            touch[i] = 1;
        for (size_t i = 0; i < ((size_t)512 << 20); i += 4096)
            sum += touch[i];
        hs_out_set(out, "v", sum / (double)(((size_t)512 << 20) / 4096));
        free(big);
        return 0;
    }
    hs_out_set(out, "v", 2.0 * x);
    double *t = hs_out_trace(out, "tr", 3);
    for (int i = 0; i < 3; i++)
        t[i] = x + i;
    return 0;
}

static const hs_param_spec params[] = {
    {"mode", HS_T_STRING, "ok", 0, 0, "ok|segv|exit|term|termdfl|hang|polite|fail|alloc", NULL,
     "what to do"},
    {"x", HS_T_REAL, "1", -1e9, 1e9, NULL, NULL, "a value"},
};
static const hs_metric_spec metrics[] = {
    {"v", NULL, "2 x"}, {"pid", NULL, "task process"}, {"calls", NULL, "tasks this process ran"}};
static const hs_trace_spec traces[] = {{"tr", NULL, "x, x + 1, x + 2", tr_len}};
static const hs_kernel kern = {HS_KERNEL_ABI,
                               "isotest",
                               "isolation test",
                               NULL,
                               params,
                               2,
                               metrics,
                               3,
                               traces,
                               1,
                               NULL,
                               NULL,
                               run,
                               1,
                               0};

enum { MAXT = 8 };
static hs_params P[MAXT];
static hs_ctx C[MAXT];
static hs_out O[MAXT];
static hs_iso_task T[MAXT];

/* Set up tasks 0..n) with the given modes and x = 10 i. */
static void setup(const char *const *modes, size_t n)
{
    hs_err e;
    for (size_t i = 0; i < n; i++) {
        REQUIRE(hs_params_init_defaults(&P[i], &kern, &e) == 0);
        P[i].v[0].s = modes[i];
        P[i].v[1].r = 10.0 * (double)i;
        C[i] = (hs_ctx){.seed = i, .gang_size = 1};
        REQUIRE(hs_out_init(&O[i], &kern, &P[i], &e) == 0);
        T[i] = (hs_iso_task){.k = &kern, .p = &P[i], .ctx = &C[i], .out = &O[i]};
    }
}

static void teardown(size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hs_out_free(&O[i]);
        hs_params_free(&P[i]);
    }
}

static double metric(size_t i, const char *name)
{
    return O[i].metrics[hs_kernel_metric_index(&kern, name)];
}

static void test_batch_and_crash(hs_isolate *iso)
{
    const char *modes[5] = {"ok", "ok", "segv", "ok", "ok"};
    setup(modes, 5);
    hs_iso_opts o = {0};
    size_t done = 0;
    hs_err e;
    CHECK_EQ_INT(hs_isolate_run(iso, T, 5, &o, &done, &e), 0);
    /* the crash ends the batch: tasks 0, 1 ran, task 2 is the crash */
    CHECK_EQ_INT(done, 3);
    for (size_t i = 0; i < 2; i++) {
        CHECK_EQ_INT(O[i].status, HS_ST_OK);
        CHECK(metric(i, "v") == 20.0 * (double)i);
        CHECK_EQ_INT(O[i].trace_len[0], 3);
        CHECK(O[i].trace[0] && O[i].trace[0][2] == 10.0 * (double)i + 2.0);
        CHECK(metric(i, "pid") != (double)getpid());
        CHECK(T[i].wall_s >= 0.0 && T[i].started_unix > 0.0);
    }
    /* one kept process: the same pid, its own count of calls; ours untouched */
    CHECK(metric(0, "pid") == metric(1, "pid"));
    CHECK(metric(1, "calls") == metric(0, "calls") + 1.0);
    CHECK_EQ_INT(calls, 0);
    CHECK_EQ_INT(O[2].status, HS_ST_CRASHED);
    CHECK_CONTAINS(O[2].detail, "killed by signal 11 (");
    CHECK_EQ_INT(O[2].stop_signal, 0);
    /* what the crashed task had set is dropped */
    CHECK(isnan(metric(2, "pid")));
    double first_pid = metric(0, "pid");
    /* the rest, in the next call: a fresh process */
    CHECK_EQ_INT(hs_isolate_run(iso, T + 3, 2, &o, &done, &e), 0);
    CHECK_EQ_INT(done, 2);
    CHECK(O[3].status == HS_ST_OK && O[4].status == HS_ST_OK);
    CHECK(metric(3, "pid") != first_pid);
    CHECK(metric(3, "v") == 60.0 && metric(4, "v") == 80.0);
    CHECK(metric(3, "calls") == 1.0);
    teardown(5);
}

static void test_exit_fail_term(hs_isolate *iso)
{
    const char *modes[4] = {"fail", "exit", "term", "termdfl"};
    setup(modes, 4);
    hs_iso_opts o = {0};
    size_t done = 0;
    hs_err e;
    CHECK_EQ_INT(hs_isolate_run(iso, T, 3, &o, &done, &e), 0);
    CHECK_EQ_INT(done, 2);
    CHECK_EQ_INT(O[0].status, HS_ST_FAILED);
    CHECK_EQ_STR(O[0].detail, "bad x 0");
    CHECK_EQ_INT(O[1].status, HS_ST_FAILED);
    CHECK_EQ_STR(O[1].detail, "kernel exited with code 3 before returning");
    CHECK_EQ_INT(hs_isolate_run(iso, T + 2, 2, &o, &done, &e), 0);
    CHECK_EQ_INT(done, 2);
    /* the task process ignores the run's stop signals ... */
    CHECK_EQ_INT(O[2].status, HS_ST_OK);
    CHECK(metric(2, "v") == 1.0);
    /* ... and a task that dies of one anyway is crashed, with the signal noted
     * (the run keeps such a task pending) */
    CHECK_EQ_INT(O[3].status, HS_ST_CRASHED);
    CHECK_EQ_INT(O[3].stop_signal, SIGTERM);
    CHECK_CONTAINS(O[3].detail, "killed by signal 15 (");
    teardown(4);
}

static void test_timeouts(hs_isolate *iso)
{
    const char *modes[3] = {"polite", "hang", "ok"};
    setup(modes, 3);
    hs_iso_opts o = {.timeout_s = 0.2};
    size_t done = 0;
    hs_err e;
    CHECK_EQ_INT(hs_isolate_run(iso, T, 3, &o, &done, &e), 0);
    CHECK_EQ_INT(done, 2);
    /* a kernel that watches its deadline keeps its partial trace */
    CHECK_EQ_INT(O[0].status, HS_ST_TIMEOUT);
    CHECK_EQ_STR(O[0].detail, "stopped at the deadline");
    CHECK_EQ_INT(O[0].trace_len[0], 1);
    CHECK(T[0].wall_s >= 0.2);
    /* one that does not is killed HS_ISO_MARGIN later */
    CHECK_EQ_INT(O[1].status, HS_ST_TIMEOUT);
    CHECK_CONTAINS(O[1].detail, "timeout_s = 0.2 exceeded");
    CHECK(T[1].wall_s >= 0.2 + HS_ISO_MARGIN(0.2));
    CHECK_EQ_INT(hs_isolate_run(iso, T + 2, 1, &o, &done, &e), 0);
    CHECK(done == 1 && O[2].status == HS_ST_OK && metric(2, "v") == 40.0);
    teardown(3);
}

static void test_mem_limit(hs_isolate *iso)
{
    const char *modes[2] = {"alloc", "alloc"};
    setup(modes, 2);
    hs_iso_opts lim = {.mem_limit_mb = 256}, none = {0};
    size_t done = 0;
    hs_err e;
    /* with a limit, one task per call */
    CHECK_EQ_INT(hs_isolate_run(iso, T, 2, &lim, &done, &e), 0);
    CHECK_EQ_INT(done, 1);
    CHECK_EQ_INT(O[0].status, HS_ST_FAILED);
    CHECK_EQ_STR(O[0].detail, "no memory");
    /* without one, the same task gets its memory (a process with the limit is replaced) */
    CHECK_EQ_INT(hs_isolate_run(iso, T + 1, 1, &none, &done, &e), 0);
    CHECK_EQ_INT(done, 1);
    CHECK_EQ_INT(O[1].status, HS_ST_OK);
    CHECK(metric(1, "v") == 1.0);
    CHECK(T[1].ru.ru_maxrss >= 512 * 1024);
    if (T[1].ru.ru_maxrss < 512 * 1024)
        fprintf(stderr, "  peak rss %ld KiB\n", T[1].ru.ru_maxrss);
    teardown(2);
}

static double stop_soon(void *arg) { return *(const double *)arg; }

static void test_abandon(hs_isolate *iso)
{
    const char *modes[2] = {"hang", "ok"};
    setup(modes, 2);
    double at = hs_now_mono() + 0.2; /* a stop 0.2 s from now, while the hang runs */
    hs_iso_opts o = {.abandon_at = stop_soon, .arg = &at};
    size_t done = 7;
    hs_err e;
    CHECK_EQ_INT(hs_isolate_run(iso, T, 2, &o, &done, &e), HS_EINTR);
    CHECK_EQ_INT(done, 0);
    /* and the runner still works afterwards */
    hs_iso_opts none = {0};
    CHECK_EQ_INT(hs_isolate_run(iso, T + 1, 1, &none, &done, &e), 0);
    CHECK(done == 1 && O[1].status == HS_ST_OK);
    teardown(2);
}

int main(void)
{
    hs_isolate *iso = NULL;
    hs_err e;
    REQUIRE(hs_isolate_create(&iso, &e) == 0);
    test_batch_and_crash(iso);
    test_exit_fail_term(iso);
    test_timeouts(iso);
    test_mem_limit(iso);
    test_abandon(iso);
    hs_isolate_destroy(&iso);
    CHECK(iso == NULL);
    return CHECK_DONE();
}
