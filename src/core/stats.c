/*
 * Run statistics (include/hsweep/stats.h): per-process counters, the
 * coordinator's service times in a log-scale histogram (16 bins per octave,
 * so a percentile is within 4.4 % of the exact one), the write trace, and
 * the JSON rank 0 writes at the end of a run.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hsweep/sched.h"
#include "hsweep/stats.h"

#define BINS_PER_OCTAVE 16
#define N_BINS (BINS_PER_OCTAVE * 40) /* up to 2^40 ns: 18 minutes */
#define TRACE_BUF 65536

static const char *const kind_name[HS_IO_KINDS] = {"row", "status", "index", "trace"};

static struct {
    uint64_t writes[HS_IO_KINDS], bytes[HS_IO_KINDS];
    uint64_t tasks_written, fill_writes, fill_bytes;
    uint64_t procs, procs_before; /* task processes started; of them before the loop */
    double create_s;
    uint64_t file_bytes, rows;
    int created;
    /* coordinator */
    uint64_t requests, done, dispatched, batches, queue_max, queue_sum;
    int64_t busy_cpu_ns, busy_wall_ns, service_max_ns;
    double loop_s, last_result;
    double *first; /* each worker's first request (seconds into the loop) */
    size_t n_first, cap_first;
    uint64_t hist[N_BINS];
    /* the write trace; creation's own (fill writes, unbuffered) */
    int rank, tracing, fd, create_fd;
    char dir[4096];
    char buf[TRACE_BUF];
    size_t used;
} S = {.fd = -1, .create_fd = -1};

static int64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void trace_flush(void)
{
    if (S.fd < 0 || S.used == 0)
        return;
    /* Best effort: a trace that cannot be written is dropped, the run goes on. */
    const char *p = S.buf;
    while (S.used > 0) {
        ssize_t n = write(S.fd, p, S.used);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            S.tracing = 0;
            break;
        }
        p += n;
        S.used -= (size_t)n;
    }
    S.used = 0;
}

void hs_stats_begin(int rank)
{
    if (S.fd >= 0) {
        trace_flush();
        close(S.fd);
    }
    if (S.create_fd >= 0)
        close(S.create_fd);
    free(S.first);
    memset(&S, 0, sizeof S);
    S.fd = S.create_fd = -1;
    S.rank = rank;
    const char *dir = getenv("HSWEEP_IO_TRACE");
    if (dir && *dir && strlen(dir) < sizeof S.dir) {
        snprintf(S.dir, sizeof S.dir, "%s", dir);
        S.tracing = 1;
    }
}

int hs_stats_tracing(void) { return S.tracing; }

/* Open DIR/<prefix>-<r>.txt (appending) into *fd at the first traced write. */
static void trace_open(const char *prefix, int *fd)
{
    char path[4200];
    if (mkdir(S.dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "hsweep: HSWEEP_IO_TRACE: cannot create %s: %s\n", S.dir, strerror(errno));
        S.tracing = 0;
        return;
    }
    snprintf(path, sizeof path, "%s/%s-%d.txt", S.dir, prefix, S.rank);
    *fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (*fd < 0) {
        fprintf(stderr, "hsweep: HSWEEP_IO_TRACE: cannot open %s: %s\n", path, strerror(errno));
        S.tracing = 0;
    }
}

/* Whether tracing, with DIR/<prefix>-<r>.txt open in *fd (opened here at the first write). */
static int trace_ready(const char *prefix, int *fd)
{
    if (S.tracing && *fd < 0)
        trace_open(prefix, fd);
    return S.tracing;
}

void hs_stats_write(int kind, int64_t offset, size_t bytes)
{
    S.writes[kind]++;
    S.bytes[kind] += bytes;
    if (!trace_ready("rank", &S.fd))
        return;
    if (S.used > TRACE_BUF - 64)
        trace_flush();
    S.used += (size_t)snprintf(S.buf + S.used, TRACE_BUF - S.used, "%s %lld %zu\n", kind_name[kind],
                               (long long)offset, bytes);
}

void hs_stats_task_written(void) { S.tasks_written++; }

void hs_stats_task_processes(uint64_t started, uint64_t before)
{
    S.procs = started;
    S.procs_before = before;
}

void hs_stats_fill(int64_t offset, size_t bytes)
{
    S.fill_writes++;
    S.fill_bytes += bytes;
    /* Best effort, as trace_flush: a line that cannot be written is dropped. */
    if (trace_ready("create", &S.create_fd))
        dprintf(S.create_fd, "fill %lld %zu\n", (long long)offset, bytes);
}

void hs_stats_created(double seconds, uint64_t file_bytes, uint64_t rows)
{
    S.create_s = seconds;
    S.file_bytes = file_bytes;
    S.rows = rows;
    S.created = 1;
}

/* The wall span encloses the CPU span, so busy_cpu_s <= busy_wall_s; each
 * holds about one read of the other clock (a system call for the thread's
 * CPU time: about a microsecond). */
void hs_stats_span_start(hs_stats_span *s)
{
    s->wall_ns = clock_ns(CLOCK_MONOTONIC);
    s->cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

void hs_stats_served(const hs_stats_span *s, int tag, uint64_t queue_len)
{
    S.busy_cpu_ns += clock_ns(CLOCK_THREAD_CPUTIME_ID) - s->cpu_ns;
    int64_t wall = clock_ns(CLOCK_MONOTONIC) - s->wall_ns;
    S.busy_wall_ns += wall;
    if (tag == HS_TAG_DONE) {
        S.done++;
        return;
    }
    S.requests++;
    S.queue_sum += queue_len;
    S.queue_max = queue_len > S.queue_max ? queue_len : S.queue_max;
    S.service_max_ns = wall > S.service_max_ns ? wall : S.service_max_ns;
    int b = wall > 1 ? (int)(BINS_PER_OCTAVE * log2((double)wall)) : 0;
    S.hist[b < N_BINS ? b : N_BINS - 1]++;
}

void hs_stats_batch(int tasks)
{
    if (tasks <= 0)
        return;
    S.batches++;
    S.dispatched += (uint64_t)tasks;
}

void hs_stats_first_request(double at)
{
    if (S.n_first == S.cap_first) {
        size_t cap = S.cap_first ? 2 * S.cap_first : 64;
        double *more = realloc(S.first, cap * sizeof *more);
        if (!more)
            return; /* counted short: the JSON's n says so */
        S.first = more;
        S.cap_first = cap;
    }
    S.first[S.n_first++] = at;
}

void hs_stats_result(double at) { S.last_result = at > S.last_result ? at : S.last_result; }

void hs_stats_loop(double seconds) { S.loop_s = seconds; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-quantile of the workers' first requests (nearest rank; 0 without any). */
static double first_s(double p)
{
    if (S.n_first == 0)
        return 0.0;
    size_t k = (size_t)ceil(p * (double)S.n_first);
    return S.first[(k < 1 ? 1 : k) - 1];
}

/* The p-quantile of the requests' service times in microseconds: the
 * geometric middle of its histogram bin, at most the largest seen. */
static double service_us(double p)
{
    uint64_t want = (uint64_t)ceil(p * (double)S.requests), seen = 0;
    want = want < 1 ? 1 : want;
    for (int b = 0; b < N_BINS; b++) {
        seen += S.hist[b];
        if (seen >= want) {
            double ns = exp2(((double)b + 0.5) / BINS_PER_OCTAVE);
            return (ns < (double)S.service_max_ns ? ns : (double)S.service_max_ns) * 1e-3;
        }
    }
    return (double)S.service_max_ns * 1e-3;
}

/* Write the statistics JSON to path (rank 0); the store's figures are t[]. */
static void write_json(const char *path, int ranks, int workers, const uint64_t *t, double create_s)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "hsweep: HSWEEP_STATS: cannot write %s: %s\n", path, strerror(errno));
        return;
    }
    fprintf(f, "{\n  \"ranks\": %d, \"workers\": %d,\n", ranks, workers);
    if (S.requests + S.done > 0) {
        fprintf(f,
                "  \"coord\": {\"requests\": %llu, \"done\": %llu, \"tasks_dispatched\": %llu, "
                "\"batches\": %llu,\n",
                (unsigned long long)S.requests, (unsigned long long)S.done,
                (unsigned long long)S.dispatched, (unsigned long long)S.batches);
        fprintf(f, "    \"busy_cpu_s\": %.9g, \"busy_wall_s\": %.9g, \"loop_wall_s\": %.9g,\n",
                (double)S.busy_cpu_ns * 1e-9, (double)S.busy_wall_ns * 1e-9, S.loop_s);
        fprintf(f, "    \"queue_len_max\": %llu, \"queue_len_mean\": %.9g,\n",
                (unsigned long long)S.queue_max,
                S.requests ? (double)S.queue_sum / (double)S.requests : 0.0);
        fprintf(f,
                "    \"service_wall_us\": {\"p50\": %.6g, \"p90\": %.6g, \"p99\": %.6g, \"max\": "
                "%.6g},\n",
                service_us(0.5), service_us(0.9), service_us(0.99),
                (double)S.service_max_ns * 1e-3);
        if (S.first)
            qsort(S.first, S.n_first, sizeof *S.first, cmp_double);
        fprintf(f,
                "    \"first_request_s\": {\"n\": %zu, \"p50\": %.9g, \"max\": %.9g}, "
                "\"drain_s\": %.9g},\n",
                S.n_first, first_s(0.5), first_s(1.0),
                S.last_result > 0 ? S.loop_s - S.last_result : 0.0);
    }
    uint64_t writes = 0, bytes = 0;
    for (int k = 0; k < HS_IO_KINDS; k++) {
        writes += t[k];
        bytes += t[HS_IO_KINDS + k];
    }
    uint64_t tasks = t[2 * HS_IO_KINDS];
    fprintf(f, "  \"store\": {\"writes\": %llu, \"bytes\": %llu,\n    \"by_kind\": {",
            (unsigned long long)writes, (unsigned long long)bytes);
    for (int k = 0; k < HS_IO_KINDS; k++)
        fprintf(f, "%s\"%s\": {\"writes\": %llu, \"bytes\": %llu}", k ? ", " : "", kind_name[k],
                (unsigned long long)t[k], (unsigned long long)t[HS_IO_KINDS + k]);
    fprintf(f, "},\n    \"tasks_written\": %llu, \"writes_per_task\": %.9g}",
            (unsigned long long)tasks, tasks ? (double)writes / (double)tasks : 0.0);
    fprintf(f, ",\n  \"task_processes\": {\"started\": %llu, \"before_dispatch\": %llu}",
            (unsigned long long)t[2 * HS_IO_KINDS + 3], (unsigned long long)t[2 * HS_IO_KINDS + 4]);
    if (S.created)
        fprintf(f,
                ",\n  \"create\": {\"seconds\": %.9g, \"file_bytes\": %llu, \"rows\": %llu, "
                "\"fill_writes\": %llu, \"fill_bytes\": %llu}",
                create_s, (unsigned long long)S.file_bytes, (unsigned long long)S.rows,
                (unsigned long long)t[2 * HS_IO_KINDS + 1],
                (unsigned long long)t[2 * HS_IO_KINDS + 2]);
    fprintf(f, "\n}\n");
    if (fclose(f) != 0)
        fprintf(stderr, "hsweep: HSWEEP_STATS: cannot write %s: %s\n", path, strerror(errno));
}

int hs_stats_emit(MPI_Comm comm, int ranks, int workers, int reduce, hs_err *e)
{
    trace_flush();
    if (S.fd >= 0)
        close(S.fd);
    if (S.create_fd >= 0)
        close(S.create_fd);
    S.fd = S.create_fd = -1;
    S.tracing = 0;
    enum { N = 2 * HS_IO_KINDS + 5 };
    uint64_t mine[N], sum[N];
    for (int k = 0; k < HS_IO_KINDS; k++) {
        mine[k] = S.writes[k];
        mine[HS_IO_KINDS + k] = S.bytes[k];
    }
    mine[2 * HS_IO_KINDS] = S.tasks_written;
    mine[2 * HS_IO_KINDS + 1] = S.fill_writes;
    mine[2 * HS_IO_KINDS + 2] = S.fill_bytes;
    mine[2 * HS_IO_KINDS + 3] = S.procs;
    mine[2 * HS_IO_KINDS + 4] = S.procs_before;
    memcpy(sum, mine, sizeof sum);
    double create_s = S.create_s;
    int rank = 0;
    HS_MPI_CALL(e, MPI_Comm_rank(comm, &rank));
    if (reduce) {
        HS_MPI_CALL(e, MPI_Reduce(mine, sum, N, MPI_UINT64_T, MPI_SUM, 0, comm));
        /* the slowest rank's creation: it is collective */
        HS_MPI_CALL(e, MPI_Reduce(&S.create_s, &create_s, 1, MPI_DOUBLE, MPI_MAX, 0, comm));
    }
    const char *path = getenv("HSWEEP_STATS");
    if (rank == 0 && path && *path)
        write_json(path, ranks, workers, sum, create_s);
    return 0;
}
