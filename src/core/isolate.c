/* Crash isolation by fork (see include/hsweep/isolate.h). */
#include <errno.h>
#include <math.h>
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

/* The shared region: header, then trace lengths, metrics and trace data. */
typedef struct region_hdr {
    volatile int done;
    int status;
    char detail[256];
} region_hdr;

typedef struct region {
    void *base;
    size_t size;
    region_hdr *hdr;
    uint64_t *tlen;
    double *metrics;
    double *traces; /* concatenated, trace_cap[i] each */
} region;

static int region_map(region *r, const hs_out *out, hs_err *e)
{
    const hs_kernel *k = out->k;
    size_t total = 0;
    for (size_t i = 0; i < k->n_traces; i++)
        total += out->trace_cap[i];
    r->size = sizeof(region_hdr) + 8 * (k->n_traces + k->n_metrics + total) + 64;
    r->base = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (r->base == MAP_FAILED)
        return HS_FAIL(e, HS_ENOMEM, "cannot map %zu bytes for a task's outputs", r->size);
    r->hdr = r->base;
    r->tlen = (uint64_t *)((char *)r->base + ((sizeof(region_hdr) + 7) / 8) * 8);
    r->metrics = (double *)(r->tlen + k->n_traces);
    r->traces = r->metrics + k->n_metrics;
    return 0;
}

/* A kernel that calls exit() must not run the handlers the worker registered
 * (MPI's, HDF5's): registered in the child, this one runs first and leaves. */
static void exit_now(int status, void *arg)
{
    (void)arg;
    _exit(status);
}

static void child_run(const hs_kernel *k, const hs_params *p, const hs_ctx *ctx, const region *r,
                      long mem_mb, pid_t parent)
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
    /* Crash signals kill the child plainly (not through MPI's handlers). */
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
    hs_out out;
    hs_err e;
    if (hs_out_init(&out, k, p, &e) != 0)
        _exit(112);
    hs_task_run(k, p, ctx, &out);
    size_t off = 0;
    for (size_t i = 0; i < k->n_traces; i++) {
        size_t n = out.trace[i] ? out.trace_len[i] : 0;
        r->tlen[i] = n;
        if (n)
            memcpy(r->traces + off, out.trace[i], n * sizeof(double));
        off += out.trace_cap[i];
    }
    memcpy(r->metrics, out.metrics, k->n_metrics * sizeof(double));
    r->hdr->status = out.status;
    memcpy(r->hdr->detail, out.detail, sizeof r->hdr->detail);
    __sync_synchronize();
    r->hdr->done = 1;
    _exit(0);
}

/* Copy the child's outputs into out. */
static void collect(const region *r, hs_out *out)
{
    const hs_kernel *k = out->k;
    size_t off = 0;
    for (size_t i = 0; i < k->n_traces; i++) {
        size_t n = (size_t)r->tlen[i];
        if (n > out->trace_cap[i])
            n = out->trace_cap[i];
        if (n) {
            double *buf = hs_out_trace(out, k->traces[i].name, n);
            if (buf)
                memcpy(buf, r->traces + off, n * sizeof(double));
        }
        off += out->trace_cap[i];
    }
    memcpy(out->metrics, r->metrics, k->n_metrics * sizeof(double));
    out->status = r->hdr->status;
    memcpy(out->detail, r->hdr->detail, sizeof out->detail);
    out->detail[sizeof out->detail - 1] = 0;
}

int hs_isolate_run(const hs_kernel *k, const hs_params *p, const hs_ctx *ctx, hs_out *out,
                   const hs_iso_opts *o, struct rusage *ru, hs_err *e)
{
    memset(ru, 0, sizeof *ru);
    region r;
    HS_CALL(region_map(&r, out, e));
    int fds[2];
    if (pipe(fds) != 0) {
        munmap(r.base, r.size);
        return HS_FAIL(e, HS_EIO, "cannot create a pipe: %s", strerror(errno));
    }
    double t0 = hs_now_mono();
    hs_ctx cctx = *ctx;
    if (o->timeout_s > 0)
        cctx.deadline = t0 + o->timeout_s;
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        munmap(r.base, r.size);
        return HS_FAIL(e, HS_EIO, "cannot fork a task process: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        child_run(k, p, &cctx, &r, o->mem_limit_mb, parent);
    }
    close(fds[1]);
    /* The pipe's write end closes when the child exits: poll wakes at once. */
    double kill_at = o->timeout_s > 0 ? t0 + o->timeout_s + HS_ISO_MARGIN(o->timeout_s) : 0;
    int killed_timeout = 0, abandoned = 0;
    for (;;) {
        struct pollfd pf = {fds[0], POLLIN, 0};
        int n = poll(&pf, 1, 100);
        if (n > 0)
            break;
        double now = hs_now_mono();
        double ab = o->abandon_at ? o->abandon_at(o->arg) : 0;
        if (kill_at > 0 && now >= kill_at) {
            killed_timeout = 1;
            kill(pid, SIGKILL);
            break;
        }
        if (ab > 0 && now >= ab) {
            abandoned = 1;
            kill(pid, SIGKILL);
            break;
        }
    }
    close(fds[0]);
    int st = 0;
    while (wait4(pid, &st, 0, ru) < 0 && errno == EINTR)
        ;
    int rc = 0;
    if (abandoned) {
        rc = HS_EINTR;
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && r.hdr->done) {
        collect(&r, out);
    } else {
        /* Keep whatever the child had written before it died: nothing, as
         * outputs are copied only at the end; report why. */
        if (killed_timeout) {
            out->status = HS_ST_TIMEOUT;
            snprintf(out->detail, sizeof out->detail,
                     "killed after %.3g s: timeout_s = %g exceeded", hs_now_mono() - t0, o->timeout_s);
        } else if (WIFSIGNALED(st)) {
            int sig = WTERMSIG(st);
            out->status = HS_ST_CRASHED;
            snprintf(out->detail, sizeof out->detail, "killed by signal %d (%s)%s", sig, strsignal(sig),
                     sig == SIGKILL ? ": out of memory, or killed from outside" : "");
        } else if (WIFEXITED(st)) {
            int code = WEXITSTATUS(st);
            out->status = HS_ST_FAILED;
            if (code == 112)
                snprintf(out->detail, sizeof out->detail, "out of memory allocating the task's outputs");
            else
                snprintf(out->detail, sizeof out->detail, "kernel exited with code %d before returning",
                         code);
        }
    }
    munmap(r.base, r.size);
    return rc;
}
