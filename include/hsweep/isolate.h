/*
 * Crash isolation: run one task in a forked child process that never
 * touches MPI or HDF5.  The child writes the task's outputs into shared
 * memory and exits; the parent turns a signal, an exit(), an address-space
 * limit or a timeout into the task's status, and the run goes on.
 */
#ifndef HSWEEP_ISOLATE_H
#define HSWEEP_ISOLATE_H

#include <sys/resource.h>

#include "hsweep/error.h"
#include "hsweep/task.h"

typedef struct hs_iso_opts {
    double timeout_s;   /* 0: none.  The kernel sees the deadline in ctx; the child is
                           killed if still running HS_ISO_MARGIN later. */
    long mem_limit_mb;  /* 0: none.  RLIMIT_AS of the child. */
    /*
     * Called about every 100 ms while the child runs: returns a CLOCK_MONOTONIC
     * time after which the task is abandoned (the child killed, nothing
     * recorded), or 0 to let it run.  NULL: never.
     */
    double (*abandon_at)(void *arg);
    void *arg;
} hs_iso_opts;

/* Extra time a timed-out kernel gets to stop by itself and report partial traces. */
#define HS_ISO_MARGIN(t) ((t) * 0.1 > 1.0 ? (t) * 0.1 : 1.0)

/*
 * Run kernel k on p in a child process and fill out (initialised by the
 * caller with hs_out_init).  Returns 0 with out->status set (ok, nonfinite,
 * ..., crashed with the signal, failed with the exit code, timeout); or
 * HS_EINTR if the task was abandoned (nothing to record); or another code if
 * no child could be started (e fills in).  ru receives the child's usage
 * (ru_maxrss: its peak resident size).
 */
int hs_isolate_run(const hs_kernel *k, const hs_params *p, const hs_ctx *ctx, hs_out *out,
                   const hs_iso_opts *o, struct rusage *ru, hs_err *e);

#endif
