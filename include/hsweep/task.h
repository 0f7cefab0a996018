/*
 * The runner's side of the kernel interface: concrete parameter sets and
 * output records, the built-in kernel registry, and running one task.
 * Everything here is the kernel runtime (src/kernel_rt, library
 * hs_kernel_rt, below the kernels) except hs_builtin_kernels (the kernels
 * library) and hs_kernel_find (core).
 */
#ifndef HSWEEP_TASK_H
#define HSWEEP_TASK_H

#include "hsweep/error.h"
#include "hsweep/kernel.h"

typedef union hs_value {
    int64_t i;
    double r;
    int b;
    const char *s;
} hs_value;

/* One task's parameters: a value per schema entry, in schema order. */
struct hs_params {
    const hs_kernel *k;
    hs_value *v;
};

struct hs_out {
    const hs_kernel *k;
    double *metrics; /* n_metrics, NaN until set */
    double **trace;  /* n_traces buffers, trace_cap[i] entries, NaN-filled */
    size_t *trace_cap;
    size_t *trace_len;
    int status; /* hs_status; HS_ST_PENDING until decided */
    char detail[256];
    int stop_signal; /* nonzero: the task died of this stop signal (hs_task_stop_signal) */
    /*
     * NULL, or room for every trace, in trace order, max(trace_cap[i], 1)
     * entries each, that hs_out_trace hands out instead of allocating (crash
     * isolation points it into memory shared with the worker).  Not owned:
     * hs_out_free frees no trace buffer then.
     */
    double *trace_area;
};

/*
 * Whether sig is one that only a stop of the run sends (SIGTERM, SIGUSR1,
 * SIGINT: scancel, Slurm's time-limit warning, Ctrl-C).  A task that dies of
 * one is not written: it stays pending and a resume reruns it.
 */
int hs_task_stop_signal(int sig);

/* Index of parameter `name` in k's schema, or -1. */
int hs_kernel_param_index(const hs_kernel *k, const char *name);
int hs_kernel_metric_index(const hs_kernel *k, const char *name);
int hs_kernel_trace_index(const hs_kernel *k, const char *name);

/* NULL-terminated list of the kernels compiled into hsweep. */
extern const hs_kernel *const hs_builtin_kernels[];
/* Look up a built-in kernel by name; NULL if none. */
const hs_kernel *hs_kernel_find(const char *name);
/*
 * Check a kernel table for consistency (ABI, names unique and not clashing
 * with the runner's own columns, defaults parse, ranges ordered).
 */
int hs_kernel_validate(const hs_kernel *k, hs_err *e);

/*
 * Parse text `s` as a value of spec's type into *out (strings are pointed
 * to, not copied).  Returns 0, or HS_EINPUT with a message naming the key.
 */
int hs_value_parse(const hs_param_spec *spec, const char *s, hs_value *out, hs_err *e);
/* Check *v against spec's range/choices; HS_EINPUT with a message if outside. */
int hs_value_check(const hs_param_spec *spec, const hs_value *v, hs_err *e);
/* Format a value as it would be written in a sweep file. */
void hs_value_format(const hs_param_spec *spec, const hs_value *v, char *buf, size_t cap);

/* Allocate p->v and fill it with k's defaults (required ones zeroed). */
int hs_params_init_defaults(hs_params *p, const hs_kernel *k, hs_err *e);
void hs_params_free(hs_params *p);

/* Allocate out's buffers for a task with parameters p (trace buffers on demand). */
int hs_out_init(hs_out *out, const hs_kernel *k, const hs_params *p, hs_err *e);
void hs_out_free(hs_out *out);
/* Where trace i starts in out->trace_area, and the area's length (doubles). */
size_t hs_out_area_offset(const hs_out *out, size_t i);
size_t hs_out_area_len(const hs_out *out);

/*
 * Run one task in this process: calls k->run, turns a nonzero return into
 * status failed, and fills in status ok if the kernel set none.  Never fails
 * itself: whatever the kernel does short of crashing is recorded in out.
 */
void hs_task_run(const hs_kernel *k, const hs_params *p, const hs_ctx *ctx, hs_out *out);

/*
 * A numeric layer status (hsweep/numeric/status.h) as an HS_E* code:
 * HS_NUM_ENOMEM -> HS_ENOMEM, HS_NUM_EMPI -> HS_EMPI, HS_NUM_EINPUT and
 * HS_NUM_ENOCONV -> HS_EINPUT (the problem given cannot be solved); 0 for 0.
 * When msg is empty, writes "what: <reason> (status)" into msg[cap]; a
 * message the numeric function already wrote is kept as it is.
 */
int hs_num_err(int num_rc, char *msg, size_t cap, const char *what);

/* Seconds on CLOCK_MONOTONIC / since the epoch. */
double hs_now_mono(void);
double hs_now_unix(void);

#endif
