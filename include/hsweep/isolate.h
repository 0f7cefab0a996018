/*
 * Crash isolation: run tasks in a forked task process that never touches
 * MPI or HDF5.  The task process is started once and kept: it runs one task
 * after another, sent to it over a pipe a batch at a time, and writes each
 * task's outputs into a shared mapping that the caller reads in place.  A signal,
 * an exit(), an address-space limit or a timeout becomes the task's status
 * and the next task gets a fresh process.  Its own process group, a death
 * signal tied to the worker and ignored stop signals make it the worker's
 * business alone.
 *
 * A task process is forked from the worker after the sweep file was loaded:
 * kernel tables (built-in, exec, plug-ins) must exist before the first task
 * runs, and kernels must keep no state from one task to the next (none in
 * this repository does), or results would depend on which tasks shared a
 * process.
 */
#ifndef HSWEEP_ISOLATE_H
#define HSWEEP_ISOLATE_H

#include <sys/resource.h>

#include "hsweep/error.h"
#include "hsweep/task.h"

typedef struct hs_iso_opts {
    double timeout_s;  /* 0: none.  The kernel sees the deadline in ctx; the process is
                           killed if still running HS_ISO_MARGIN later. */
    long mem_limit_mb; /* 0: none.  RLIMIT_AS of the task process (a process started with
                           another limit is replaced). */
    /*
     * Called about every 100 ms while the task runs: returns a CLOCK_MONOTONIC
     * time after which the task is abandoned (the process killed, nothing
     * recorded), or 0 to let it run.  Once it returned a time, no further task
     * of the batch is begun.  NULL: never.
     */
    double (*abandon_at)(void *arg);
    void *arg;
} hs_iso_opts;

/* Extra time a timed-out kernel gets to stop by itself and report partial traces. */
#define HS_ISO_MARGIN(t) ((t)*0.1 > 1.0 ? (t)*0.1 : 1.0)

typedef struct hs_isolate hs_isolate;

/* A runner of isolated tasks; no process is started before the first task
 * or hs_isolate_start. */
int hs_isolate_create(hs_isolate **out, hs_err *e);

/*
 * Start the task process now, for tasks without a memory limit, unless one
 * is running: a worker does it before the dispatch phase, so that the fork
 * is start-up rather than a delay of its first task.  A task that needs a
 * larger mapping or a memory limit replaces it as before.
 */
int hs_isolate_start(hs_isolate *iso, hs_err *e);

/* How many task processes iso has started so far (replacements included). */
uint64_t hs_isolate_started(const hs_isolate *iso);

/* End the task process, if any (it is idle between tasks), and free *iso;
 * *iso is NULL afterwards. */
void hs_isolate_destroy(hs_isolate **iso);

/* Most tasks one call runs (one round trip to the task process). */
#define HS_ISO_MAX_BATCH 64

/* One task of a batch: the kernel, its parameters, context and outputs
 * (initialised by the caller with hs_out_init) in; usage and times out. */
typedef struct hs_iso_task {
    const hs_kernel *k;
    const hs_params *p;
    const hs_ctx *ctx;
    hs_out *out;
    /*
     * This task's usage alone: ru_utime, ru_stime, ru_minflt, ru_majflt,
     * ru_inblock, ru_oublock, ru_nvcsw and ru_nivcsw are the task process's
     * usage during the task (for a task that killed the process, its usage
     * from the end of the previous task to its death); ru_maxrss is the
     * process's peak resident set during the task in KiB (the high-water mark
     * is reset before each task through /proc/self/clear_refs), which includes
     * the pages it shares with the worker, as a freshly forked process's would.
     * Other fields are 0.
     */
    struct rusage ru;
    double wall_s;       /* from the task process taking the task to its end (or death) */
    double started_unix; /* when the task process took it */
} hs_iso_task;

/*
 * Run t[0..n) (n <= HS_ISO_MAX_BATCH, all under the options o) one after
 * another in the task process, sent to it in one message.  Returns 0 with
 * *done tasks finished: each has out->status set (ok, nonfinite, ...,
 * crashed with the signal, failed with the exit code, timeout), its ru,
 * wall_s and started_unix.  *done < n when the task process must be
 * replaced before the next task: t[*done - 1] killed it (its status says
 * how) or it was replaced for another reason; the caller runs the rest in
 * another call.  Returns HS_EINTR when the run stopped (o->abandon_at): the
 * first *done tasks are finished as above, the others were not run or
 * abandoned (nothing to record).  Another code if no task process could be
 * started (e fills in; *done is 0).  With a memory limit, one task per call.
 *
 * The outputs' traces point into the shared mapping (out->trace_area): they
 * stay valid until the next call or hs_isolate_destroy.
 */
int hs_isolate_run(hs_isolate *iso, hs_iso_task *t, size_t n, const hs_iso_opts *o, size_t *done,
                   hs_err *e);

#endif
