/*
 * Crash isolation: run tasks in a forked task process that never touches
 * MPI or HDF5.  The task process is started once and kept: it runs one task
 * after another, each sent to it over a pipe, and writes each task's
 * outputs into a shared mapping that the caller reads in place.  A signal,
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
    double timeout_s;   /* 0: none.  The kernel sees the deadline in ctx; the process is
                           killed if still running HS_ISO_MARGIN later. */
    long mem_limit_mb;  /* 0: none.  RLIMIT_AS of the task process (a process started with
                           another limit is replaced). */
    /*
     * Called about every 100 ms while the task runs: returns a CLOCK_MONOTONIC
     * time after which the task is abandoned (the process killed, nothing
     * recorded), or 0 to let it run.  NULL: never.
     */
    double (*abandon_at)(void *arg);
    void *arg;
} hs_iso_opts;

/* Extra time a timed-out kernel gets to stop by itself and report partial traces. */
#define HS_ISO_MARGIN(t) ((t) * 0.1 > 1.0 ? (t) * 0.1 : 1.0)

typedef struct hs_isolate hs_isolate;

/* A runner of isolated tasks; no process is started before the first task. */
int hs_isolate_create(hs_isolate **out, hs_err *e);

/* End the task process, if any (it is idle between tasks), and free *iso;
 * *iso is NULL afterwards. */
void hs_isolate_destroy(hs_isolate **iso);

/*
 * Run kernel k on p in the task process and fill out (initialised by the
 * caller with hs_out_init).  Returns 0 with out->status set (ok, nonfinite,
 * ..., crashed with the signal, failed with the exit code, timeout); or
 * HS_EINTR if the task was abandoned (nothing to record); or another code if
 * no task process could be started (e fills in).
 *
 * out's traces point into the shared mapping (out->trace_area): they stay
 * valid until the next call or hs_isolate_destroy.
 *
 * ru receives this task's usage alone: ru_utime, ru_stime, ru_minflt,
 * ru_majflt, ru_inblock, ru_oublock, ru_nvcsw and ru_nivcsw are the task
 * process's usage during the task (for a task that killed the process, its
 * usage from the end of the previous task to its death); ru_maxrss is the
 * process's peak resident set during the task in KiB (the high-water mark
 * is reset before each task through /proc/self/clear_refs), which includes
 * the pages it shares with the worker, as a freshly forked process's would.
 * Other fields are 0.
 */
int hs_isolate_run(hs_isolate *iso, const hs_kernel *k, const hs_params *p, const hs_ctx *ctx,
                   hs_out *out, const hs_iso_opts *o, struct rusage *ru, hs_err *e);

#endif
