/* Crash isolation by a kept task process (see include/hsweep/isolate.h). */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hsweep/isolate.h"

/*
 * The shared mapping holds one batch of tasks at a time: this header, then
 * a slot per task (its header, parameter values, the bytes of string
 * parameters, then its outputs: trace lengths, metrics, traces).  The worker
 * writes the batch and a sequence number into a pipe; the task process runs
 * the tasks in order, writes each one's outputs in its slot, and the number
 * into a second pipe.  Apart from the counters marked atomic, each side
 * touches the mapping only while the other waits on a pipe, whose system
 * calls order the accesses.  (Pipes, not a socket pair: a round trip costs
 * half as much.)
 */
typedef struct batch_hdr {
    uint32_t n;        /* tasks in the batch, from the worker */
    uint32_t started;  /* atomic: tasks the process has taken (the last may be running) */
    uint32_t finished; /* atomic: tasks whose outputs are complete */
    uint32_t halt;     /* atomic: set by the worker: begin no further task */
    uint64_t end;      /* end of the last slot */
    uint64_t slot[HS_ISO_MAX_BATCH]; /* each slot's offset */
} batch_hdr;

typedef struct slot_hdr {
    /* the task, from the worker; pointers are valid in both processes
     * (the task process is a fork of the worker: same mappings) */
    const hs_kernel *k;
    uint64_t seed;
    double timeout_s; /* > 0: the kernel's deadline is this long after it starts */
    double deadline;  /* otherwise this one */
    int64_t sweep_seed;
    uint64_t off_values, off_tlen, off_metrics, off_traces, off_end; /* from the mapping's start */
    /* the result, from the task process */
    double t_start, t_end; /* CLOCK_MONOTONIC; t_start is written before `started` counts it */
    double start_unix;
    int32_t status;
    int32_t retire;      /* the process must be replaced before the next task */
    int32_t stop_signal; /* hs_out's */
    int64_t peak_rss_kb;
    struct rusage used;  /* this task's usage */
    struct rusage total; /* the process's usage so far */
    char detail[256];
} slot_hdr;

struct hs_isolate {
    pid_t pid;    /* the task process; 0: none */
    int cmd;      /* tasks to the process (write end); -1: none */
    int cmd_keep; /* the same pipe's read end, kept open so that a write after
                             the process died raises no SIGPIPE (its death shows on ans) */
    int ans;      /* answers from the process (read end) */
    long mem_mb;  /* the process's RLIMIT_AS in MiB; 0: none */
    uint64_t started; /* processes started so far */
    int retire;
    void *base; /* the shared mapping */
    size_t size;
    uint64_t seq;
    struct rusage total;            /* the process's usage at the end of its last task */
    slot_hdr lay[HS_ISO_MAX_BATCH]; /* the batch being laid out */
    size_t off[HS_ISO_MAX_BATCH];
};

/* Room a process keeps for small tasks, so that their string parameters'
 * lengths do not force a new mapping (and process) each time. */
#define MIN_REGION (64u << 10)
/* Output pages of a task (page-aligned) from which the task process drops its
 * own mapping of them after the task. */
#define DROP_MIN (64u << 10)
/* Kept anonymous memory (after malloc_trim) that makes a task process be
 * replaced: a kernel that leaks must not grow one process without bound. */
#define MAX_KEPT_KB (256L << 10)
/* With a memory limit, the address space a process may keep from one task to
 * the next: beyond it, the next task would have less room than in a fresh
 * process, so the process is replaced. */
#define MAX_KEPT_VM_KB 1024L

static size_t align64(size_t n) { return (n + 63) & ~(size_t)63; }

static size_t page_round(size_t n)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    return (n + pg - 1) / pg * pg;
}

/* ---- the task process ------------------------------------------------------- */

/* A kernel that calls exit() must not run the handlers the worker registered
 * (MPI's, HDF5's): registered in the child, this one runs first and leaves. */
static void exit_now(int status, void *arg)
{
    (void)arg;
    _exit(status);
}

/* Read (writing = 0) or write all n bytes of buf, retrying on EINTR; -1 on EOF or error. */
static int xfer_full(int fd, void *buf, size_t n, int writing)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = writing ? write(fd, p, n) : read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int read_full(int fd, void *buf, size_t n) { return xfer_full(fd, buf, n, 0); }

static int write_full(int fd, const void *buf, size_t n)
{
    return xfer_full(fd, (void *)buf, n, 1);
}

typedef struct proc_mem {
    long vm_kb, rss_kb, anon_kb; /* address space, resident, resident anonymous */
} proc_mem;

/* This process's memory from /proc/self/statm (fd kept open): cheap, unlike
 * /proc/self/status, which formats some forty lines. */
static int read_statm(int fd, proc_mem *m)
{
    char buf[256];
    ssize_t n = fd >= 0 ? pread(fd, buf, sizeof buf - 1, 0) : -1;
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *end = buf;
    long size = strtol(end, &end, 10), resident = strtol(end, &end, 10);
    long shared = strtol(end, &end, 10);
    if (*end != ' ')
        return -1;
    long kb = sysconf(_SC_PAGESIZE) / 1024;
    m->vm_kb = size * kb;
    m->rss_kb = resident * kb;
    m->anon_kb = (resident - shared) * kb;
    return 0;
}

/* VmHWM from /proc/self/status, in KiB; -1 if unreadable. */
static long read_hwm(void)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    const char *s = strstr(buf, "\nVmHWM:");
    return s ? strtol(s + strlen("\nVmHWM:"), NULL, 10) : -1;
}

static struct timeval tv_sub(struct timeval a, struct timeval b)
{
    struct timeval d = {a.tv_sec - b.tv_sec, a.tv_usec - b.tv_usec};
    if (d.tv_usec < 0) {
        d.tv_sec--;
        d.tv_usec += 1000000;
    }
    return d;
}

static struct timeval tv_add(struct timeval a, struct timeval b)
{
    struct timeval d = {a.tv_sec + b.tv_sec, a.tv_usec + b.tv_usec};
    if (d.tv_usec >= 1000000) {
        d.tv_sec++;
        d.tv_usec -= 1000000;
    }
    return d;
}

/* The usage fields the header promises, a - b; the rest 0. */
static void ru_sub(struct rusage *d, const struct rusage *a, const struct rusage *b)
{
    memset(d, 0, sizeof *d);
    d->ru_utime = tv_sub(a->ru_utime, b->ru_utime);
    d->ru_stime = tv_sub(a->ru_stime, b->ru_stime);
    d->ru_minflt = a->ru_minflt - b->ru_minflt;
    d->ru_majflt = a->ru_majflt - b->ru_majflt;
    d->ru_inblock = a->ru_inblock - b->ru_inblock;
    d->ru_oublock = a->ru_oublock - b->ru_oublock;
    d->ru_nvcsw = a->ru_nvcsw - b->ru_nvcsw;
    d->ru_nivcsw = a->ru_nivcsw - b->ru_nivcsw;
}

/* d += a, for the fields ru_sub computes. */
static void ru_add(struct rusage *d, const struct rusage *a)
{
    d->ru_utime = tv_add(d->ru_utime, a->ru_utime);
    d->ru_stime = tv_add(d->ru_stime, a->ru_stime);
    d->ru_minflt += a->ru_minflt;
    d->ru_majflt += a->ru_majflt;
    d->ru_inblock += a->ru_inblock;
    d->ru_oublock += a->ru_oublock;
    d->ru_nvcsw += a->ru_nvcsw;
    d->ru_nivcsw += a->ru_nivcsw;
}

/* Run the task in slot h; a failure to allocate the outputs ends the process. */
static void run_one(char *base, slot_hdr *h)
{
    const hs_kernel *k = h->k;
    hs_params p = {k, (hs_value *)(base + h->off_values)};
    hs_ctx ctx = {.seed = h->seed,
                  .deadline = h->deadline,
                  .comm = NULL,
                  .gang_rank = 0,
                  .gang_size = 1,
                  .sweep_seed = h->sweep_seed};
    if (h->timeout_s > 0)
        ctx.deadline = h->t_start + h->timeout_s;
    hs_out out;
    hs_err e;
    if (hs_out_init(&out, k, &p, &e) != 0)
        _exit(112);
    out.trace_area = (double *)(base + h->off_traces);
    hs_task_run(k, &p, &ctx, &out);
    uint64_t *tlen = (uint64_t *)(base + h->off_tlen);
    for (size_t i = 0; i < k->n_traces; i++)
        tlen[i] = out.trace[i] ? out.trace_len[i] : 0;
    memcpy(base + h->off_metrics, out.metrics, k->n_metrics * sizeof(double));
    h->status = out.status;
    h->stop_signal = out.stop_signal;
    memcpy(h->detail, out.detail, sizeof h->detail);
    hs_out_free(&out);
}

/*
 * The task process: runs tasks until the worker closes its pipe.
 *
 * Peak RSS per task: the kernel's high-water mark is reset before each task
 * (writing 5 to /proc/self/clear_refs) and read after it.  getrusage reads
 * it as max(high-water mark, RSS, signal->maxrss), VmHWM in /proc/self/status
 * as the first two alone (kernel/sys.c, fs/proc/task_mmu.c); signal->maxrss
 * is 0 in a forked process until one of its threads exits.  So getrusage's
 * figure is VmHWM's, at a tenth of the cost, unless a thread that exited
 * left a larger value there: seen right after the reset as a getrusage
 * peak above the RSS (/proc/self/statm) by more than the counters' own
 * imprecision, and then VmHWM is read and the process replaced.  Where the
 * reset is not possible the process serves one task only, as a fresh fork
 * per task did.
 *
 * Memory a task leaves behind is given back (malloc_trim), and each task's
 * output pages are unmapped here after it (the data stays in the shared
 * mapping), so that neither counts in the next task's peak.
 */
static _Noreturn void task_process(int in, int out, char *base, size_t size, long mem_mb,
                                   pid_t parent)
{
    /* Die with the worker: a killed job leaves no orphans computing. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(111);
    /* Stop requests are the worker's business: it lets the task finish within
     * the grace period or kills it.  Its own process group keeps job-control
     * signals sent to the worker's group away from it too. */
    setpgid(0, 0);
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGUSR1, SIG_IGN);
    /* Crash signals kill the process plainly (not through MPI's handlers). */
    signal(SIGSEGV, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    signal(SIGFPE, SIG_DFL);
    signal(SIGILL, SIG_DFL);
    signal(SIGABRT, SIG_DFL);
    on_exit(exit_now, NULL);
    if (mem_mb > 0) {
        struct rlimit rl = {(rlim_t)mem_mb << 20, (rlim_t)mem_mb << 20};
        setrlimit(RLIMIT_AS, &rl);
    }
    /* The kernel counts resident pages per CPU and folds them in batches: a
     * reading may be off by up to a batch per CPU (percpu_counter_batch,
     * max(32, 2 x CPUs) pages), and getrusage and statm read them differently. */
    long cpus = sysconf(_SC_NPROCESSORS_CONF), page_kb = sysconf(_SC_PAGESIZE) / 1024;
    cpus = cpus > 0 ? cpus : 1;
    long slack_kb = cpus * (2 * cpus > 32 ? 2 * cpus : 32) * page_kb;
    int clear = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    int statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    proc_mem start, m;
    int known = read_statm(statm, &start) == 0;
    struct rusage children; /* of the children reaped so far */
    getrusage(RUSAGE_CHILDREN, &children);
    size_t touched = 0; /* end of the mapping's pages this process has touched */
    batch_hdr *b = (batch_hdr *)base;
    for (;;) {
        uint64_t seq;
        if (read_full(in, &seq, sizeof seq) != 0)
            _exit(0);
        size_t end = page_round(b->end);
        if (touched > end)
            madvise(base + end, touched - end, MADV_DONTNEED);
        touched = end < size ? end : size;
        for (uint32_t i = 0; i < b->n; i++) {
            if (__atomic_load_n(&b->halt, __ATOMIC_ACQUIRE))
                break;
            slot_hdr *h = (slot_hdr *)(base + b->slot[i]);
            int reset = clear >= 0 && write(clear, "5", 1) == 1;
            struct rusage r0, r1, c1;
            getrusage(RUSAGE_SELF, &r0);
            int stale = !known || read_statm(statm, &m) != 0 || r0.ru_maxrss > m.rss_kb + slack_kb;
            h->t_start = hs_now_mono();
            h->start_unix = hs_now_unix();
            __atomic_store_n(&b->started, i + 1, __ATOMIC_RELEASE);
            run_one(base, h);
            h->t_end = hs_now_mono();
            getrusage(RUSAGE_SELF, &r1);
            getrusage(RUSAGE_CHILDREN, &c1);
            long hwm = reset && stale ? read_hwm() : -1;
            h->peak_rss_kb = hwm >= 0 ? hwm : r1.ru_maxrss;
            /* The peak of a command the kernel ran counts too, as in wait4's
             * figure; a reaped child's peak stays in RUSAGE_CHILDREN for good,
             * so a process that reaped any is not reused. */
            int had_children = memcmp(&children, &c1, sizeof c1) != 0;
            if (had_children && c1.ru_maxrss > h->peak_rss_kb)
                h->peak_rss_kb = c1.ru_maxrss;
            /* Memory kept from the task: looked at only if the peak says the
             * process grew by more than 1 MiB (or its address space matters). */
            int have = known;
            m = start;
            if (known && (mem_mb > 0 || h->peak_rss_kb > start.rss_kb + 1024)) {
                have = read_statm(statm, &m) == 0;
                if (have && m.anon_kb > start.anon_kb + 1024) {
                    malloc_trim(0);
                    have = read_statm(statm, &m) == 0;
                }
            }
            h->retire = !reset || stale || had_children || !have ||
                        m.anon_kb > start.anon_kb + MAX_KEPT_KB ||
                        (mem_mb > 0 && m.vm_kb > start.vm_kb + MAX_KEPT_VM_KB);
            ru_sub(&h->used, &r1, &r0);
            struct rusage cd;
            ru_sub(&cd, &c1, &children);
            ru_add(&h->used, &cd);
            h->total = r1;
            ru_add(&h->total, &c1);
            children = c1;
            /* The task's output pages leave this process (their data stays in
             * the mapping for the worker): the next task of the batch must
             * not count them in its peak. */
            size_t lo = page_round(h->off_traces), hi = page_round(h->off_end + 1) - page_round(1);
            if (hi > lo + DROP_MIN)
                madvise(base + lo, hi - lo, MADV_DONTNEED);
            fflush(NULL); /* what the kernel printed, before the worker reports on it */
            __atomic_store_n(&b->finished, i + 1, __ATOMIC_RELEASE);
            if (h->retire)
                break;
        }
        if (write_full(out, &seq, sizeof seq) != 0)
            _exit(0);
    }
}

/* ---- the worker's side ---------------------------------------------------- */

int hs_isolate_create(hs_isolate **out, hs_err *e)
{
    hs_isolate *iso = calloc(1, sizeof *iso);
    if (!iso)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    iso->cmd = iso->cmd_keep = iso->ans = -1;
    *out = iso;
    return 0;
}

/* End the (idle) task process and reap it. */
static void proc_end(hs_isolate *iso)
{
    int *fds[] = {&iso->cmd, &iso->cmd_keep, &iso->ans};
    for (size_t i = 0; i < 3; i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
    if (iso->pid > 0) {
        kill(iso->pid, SIGKILL);
        while (waitpid(iso->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    iso->pid = 0;
}

void hs_isolate_destroy(hs_isolate **isop)
{
    hs_isolate *iso = *isop;
    if (!iso)
        return;
    proc_end(iso);
    if (iso->base)
        munmap(iso->base, iso->size);
    free(iso);
    *isop = NULL;
}

/*
 * Start a task process for tasks needing `need` bytes of mapping.  With a
 * memory limit the mapping is this task's size, as a fresh fork per task
 * had it, so that the limit leaves the kernel the same room; without one it
 * only grows.
 */
static int proc_start(hs_isolate *iso, long mem_mb, size_t need, hs_err *e)
{
    proc_end(iso);
    size_t size = page_round(need);
    if (mem_mb == 0) {
        size = size > iso->size ? size : iso->size;
        size = size > MIN_REGION ? size : page_round(MIN_REGION);
    }
    if (size != iso->size) {
        if (iso->base)
            munmap(iso->base, iso->size);
        iso->size = 0;
        iso->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (iso->base == MAP_FAILED) {
            iso->base = NULL;
            return HS_FAIL(e, HS_ENOMEM, "cannot map %zu bytes for a task's outputs", size);
        }
        iso->size = size;
    }
    int cmd[2], ans[2];
    if (pipe2(cmd, O_CLOEXEC) != 0)
        return HS_FAIL(e, HS_EIO, "cannot create a pipe (pipe2): %s", strerror(errno));
    if (pipe2(ans, O_CLOEXEC) != 0) {
        close(cmd[0]);
        close(cmd[1]);
        return HS_FAIL(e, HS_EIO, "cannot create a pipe (pipe2): %s", strerror(errno));
    }
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int fds[] = {cmd[0], cmd[1], ans[0], ans[1]};
        for (size_t i = 0; i < 4; i++)
            close(fds[i]);
        return HS_FAIL(e, HS_EIO, "cannot fork a task process: %s", strerror(errno));
    }
    if (pid == 0) {
        close(cmd[1]);
        close(ans[0]);
        task_process(cmd[0], ans[1], iso->base, iso->size, mem_mb, parent);
    }
    close(ans[1]); /* the answer pipe ends (end of file) when the process does */
    iso->pid = pid;
    iso->started++;
    iso->cmd = cmd[1];
    iso->cmd_keep = cmd[0];
    iso->ans = ans[0];
    iso->mem_mb = mem_mb;
    iso->retire = 0;
    memset(&iso->total, 0, sizeof iso->total);
    return 0;
}

/* Lay a task out in a slot at offset off; returns the slot's end. */
static size_t task_layout(const hs_iso_task *t, size_t off, slot_hdr *h)
{
    const hs_kernel *k = t->k;
    size_t str = 0;
    for (size_t i = 0; i < k->n_params; i++)
        if (k->params[i].type == HS_T_STRING)
            str += strlen(t->p->v[i].s ? t->p->v[i].s : "") + 1;
    memset(h, 0, sizeof *h);
    h->off_values = off + align64(sizeof(slot_hdr));
    h->off_tlen = h->off_values + align64(k->n_params * sizeof(hs_value)) + align64(str);
    h->off_metrics = h->off_tlen + align64(k->n_traces * sizeof(uint64_t));
    h->off_traces = h->off_metrics + align64(k->n_metrics * sizeof(double));
    h->off_end = align64(h->off_traces + hs_out_area_len(t->out) * sizeof(double));
    return (size_t)h->off_end;
}

/* Write task t into its slot at offset off (laid out as lay). */
static void task_put(hs_isolate *iso, size_t off, const slot_hdr *lay, const hs_iso_task *t,
                     double timeout_s)
{
    char *base = iso->base;
    const hs_kernel *k = t->k;
    slot_hdr *h = (slot_hdr *)(base + off);
    *h = *lay;
    h->k = k;
    h->seed = t->ctx->seed;
    h->timeout_s = timeout_s;
    h->deadline = t->ctx->deadline;
    h->sweep_seed = t->ctx->sweep_seed;
    h->status = HS_ST_PENDING;
    h->stop_signal = 0;
    h->detail[0] = 0;
    hs_value *v = (hs_value *)(base + h->off_values);
    char *str = (char *)(v + k->n_params);
    for (size_t i = 0; i < k->n_params; i++) {
        v[i] = t->p->v[i];
        if (k->params[i].type == HS_T_STRING) {
            const char *s = t->p->v[i].s ? t->p->v[i].s : "";
            size_t n = strlen(s) + 1;
            memcpy(str, s, n);
            v[i].s = str;
            str += n;
        }
    }
}

/* Point t's outputs at what the task process left in slot h. */
static void collect(hs_isolate *iso, const slot_hdr *h, hs_iso_task *t)
{
    char *base = iso->base;
    hs_out *out = t->out;
    const hs_kernel *k = out->k;
    const uint64_t *tlen = (const uint64_t *)(base + h->off_tlen);
    out->trace_area = (double *)(base + h->off_traces);
    for (size_t i = 0; i < k->n_traces; i++) {
        size_t n = (size_t)tlen[i];
        n = n < out->trace_cap[i] ? n : out->trace_cap[i];
        out->trace[i] = n ? out->trace_area + hs_out_area_offset(out, i) : NULL;
        out->trace_len[i] = n;
    }
    memcpy(out->metrics, base + h->off_metrics, k->n_metrics * sizeof(double));
    out->status = h->status;
    out->stop_signal = h->stop_signal;
    memcpy(out->detail, h->detail, sizeof out->detail);
    out->detail[sizeof out->detail - 1] = 0;
    t->ru = h->used;
    t->ru.ru_maxrss = (long)h->peak_rss_kb;
    t->wall_s = h->t_end - h->t_start;
    t->started_unix = h->start_unix;
}

/* Why the task process died, as the task's status. */
static void death_status(hs_out *out, int st, int killed_timeout, double elapsed, double timeout_s)
{
    if (killed_timeout) {
        out->status = HS_ST_TIMEOUT;
        snprintf(out->detail, sizeof out->detail, "killed after %.3g s: timeout_s = %g exceeded",
                 elapsed, timeout_s);
    } else if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        out->status = HS_ST_CRASHED;
        out->stop_signal = hs_task_stop_signal(sig) ? sig : 0;
        snprintf(out->detail, sizeof out->detail, "killed by signal %d (%s)%s", sig, strsignal(sig),
                 sig == SIGKILL ? ": out of memory, or killed from outside" : "");
    } else if (WIFEXITED(st)) {
        int code = WEXITSTATUS(st);
        out->status = HS_ST_FAILED;
        if (code == 112)
            snprintf(out->detail, sizeof out->detail,
                     "out of memory allocating the task's outputs");
        else
            snprintf(out->detail, sizeof out->detail, "kernel exited with code %d before returning",
                     code);
    }
}

/* Read the 8-byte answer: 1 read, 0 end of file (the process died), -1 no answer within 100 ms. */
static int read_answer(int fd, uint64_t *v)
{
    struct pollfd pf = {fd, POLLIN, 0};
    int n = poll(&pf, 1, 100);
    if (n == 0 || (n < 0 && errno == EINTR))
        return -1;
    return read_full(fd, v, sizeof *v) == 0;
}

/* Reap the task process (killed first if kill_first), its end in *st and *dead. */
static void reap(hs_isolate *iso, int kill_first, int *st, struct rusage *dead)
{
    if (kill_first)
        kill(iso->pid, SIGKILL);
    while (wait4(iso->pid, st, 0, dead) < 0 && errno == EINTR)
        ;
    iso->pid = 0;
    proc_end(iso);
}

enum { ANSWERED, GONE, KILLED_TIMEOUT, ABANDONED };

/*
 * Wait for the answer to batch seq, or for the process's end (reaped into
 * *st and *dead).  A task running past its timeout and margin has the
 * process killed: *timed is then its index + 1.
 */
static int await_batch(hs_isolate *iso, uint64_t seq, const hs_iso_opts *o, int *st,
                       struct rusage *dead, uint32_t *timed)
{
    batch_hdr *b = iso->base;
    for (;;) {
        uint64_t got = 0;
        int r = read_answer(iso->ans, &got);
        if (r > 0 && got == seq)
            return ANSWERED;
        if (r >= 0) {
            reap(iso, r > 0, st, dead); /* the end of file, or a garbled answer */
            return GONE;
        }
        /* Something the process started may hold its pipe open: look at the
         * process itself too. */
        if (wait4(iso->pid, st, WNOHANG, dead) == iso->pid) {
            iso->pid = 0;
            proc_end(iso);
            return GONE;
        }
        double now = hs_now_mono();
        double ab = o->abandon_at ? o->abandon_at(o->arg) : 0;
        if (ab > 0)
            __atomic_store_n(&b->halt, 1, __ATOMIC_RELEASE);
        uint32_t s = __atomic_load_n(&b->started, __ATOMIC_ACQUIRE);
        if (o->timeout_s > 0 && s > __atomic_load_n(&b->finished, __ATOMIC_ACQUIRE)) {
            const slot_hdr *h = (const slot_hdr *)((char *)iso->base + b->slot[s - 1]);
            if (now >= h->t_start + o->timeout_s + HS_ISO_MARGIN(o->timeout_s)) {
                *timed = s;
                reap(iso, 1, st, dead);
                return KILLED_TIMEOUT;
            }
        }
        if (ab > 0 && now >= ab) {
            reap(iso, 1, st, dead);
            return ABANDONED;
        }
    }
}

uint64_t hs_isolate_started(const hs_isolate *iso) { return iso->started; }

int hs_isolate_start(hs_isolate *iso, hs_err *e)
{
    return iso->pid > 0 ? 0 : proc_start(iso, 0, MIN_REGION, e);
}

/* Room one batch may take in the mapping (a single task takes what it needs). */
#define BATCH_BYTES (4u << 20)

int hs_isolate_run(hs_isolate *iso, hs_iso_task *t, size_t n, const hs_iso_opts *o, size_t *done,
                   hs_err *e)
{
    *done = 0;
    long mem = o->mem_limit_mb > 0 ? o->mem_limit_mb : 0;
    n = n < HS_ISO_MAX_BATCH ? n : HS_ISO_MAX_BATCH;
    if (mem && n > 1)
        n = 1; /* the mapping is the task's own size, as a fresh fork's would be */
    if (n == 0)
        return 0;
    size_t need = align64(sizeof(batch_hdr)), m = 0;
    for (; m < n; m++) {
        size_t end = task_layout(&t[m], need, &iso->lay[m]);
        if (m > 0 && end > BATCH_BYTES && end > iso->size)
            break;
        iso->off[m] = need;
        need = end;
    }
    n = m;
    int st = 0, outcome = GONE;
    uint32_t timed = 0;
    struct rusage dead;
    batch_hdr *b = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        int resize = mem ? page_round(need) != iso->size : need > iso->size;
        if (iso->pid == 0 || iso->retire || iso->mem_mb != mem || resize)
            HS_CALL(proc_start(iso, mem, need, e));
        b = iso->base;
        memset(b, 0, sizeof *b);
        b->n = (uint32_t)n;
        b->end = need;
        for (size_t i = 0; i < n; i++) {
            b->slot[i] = iso->off[i];
            task_put(iso, iso->off[i], &iso->lay[i], &t[i], o->timeout_s);
        }
        uint64_t seq = ++iso->seq;
        memset(&dead, 0, sizeof dead);
        if (write_full(iso->cmd, &seq, sizeof seq) == 0) {
            outcome = await_batch(iso, seq, o, &st, &dead, &timed);
        } else {
            reap(iso, 1, &st, &dead);
            outcome = GONE;
        }
        /* A process that died idle (killed from outside) before it took a
         * task is not the task's fault: once more, in a fresh process. */
        if (outcome != GONE || b->started > 0)
            break;
    }
    char *base = iso->base;
    uint32_t fin = b->finished, started = b->started;
    const slot_hdr *last = fin ? (const slot_hdr *)(base + b->slot[fin - 1]) : NULL;
    for (uint32_t i = 0; i < fin; i++)
        collect(iso, (const slot_hdr *)(base + b->slot[i]), &t[i]);
    *done = fin;
    if (outcome == ANSWERED) {
        iso->retire = last && last->retire;
        if (last)
            iso->total = last->total;
        /* Fewer tasks than sent and no replacement asked for: halted by a stop. */
        return fin < n && !iso->retire ? HS_EINTR : 0;
    }
    if (outcome == ABANDONED)
        return HS_EINTR;
    /* The process is gone.  Did it die with task fin?  Not if it died between
     * tasks, or if the task that timed out had just finished: then the rest
     * run in the next call.  (Dying idle twice before the first task is
     * blamed on it, as it would have been the task's own process.) */
    int blame = started > fin || fin == 0;
    if (outcome == KILLED_TIMEOUT && timed != fin + 1)
        blame = 0;
    if (!blame)
        return 0;
    hs_iso_task *d = &t[fin];
    const slot_hdr *h = (const slot_hdr *)(base + b->slot[fin]);
    double now = hs_now_mono();
    d->wall_s = started > fin ? now - h->t_start : 0;
    d->started_unix = started > fin ? h->start_unix : hs_now_unix();
    ru_sub(&d->ru, &dead, last ? &last->total : &iso->total);
    d->ru.ru_maxrss = dead.ru_maxrss;
    /* Whatever the task had written before it died is dropped: report why. */
    death_status(d->out, st, outcome == KILLED_TIMEOUT, d->wall_s, o->timeout_s);
    *done = fin + 1;
    return 0;
}
