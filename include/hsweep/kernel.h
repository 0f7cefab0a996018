/*
 * hsweep kernel interface — the one header a kernel (built-in or plug-in)
 * needs.  A kernel is a table: name, summary, parameter schema, output
 * schema, cost hint and a run function.  The runner validates every sweep
 * value against the parameter schema before any task runs, so `run` may
 * assume each parameter is present, of its declared type and in range.
 *
 * ABI: HS_KERNEL_ABI is bumped whenever a struct below changes layout or a
 * function changes meaning.  A kernel table carries the ABI it was built
 * against in `abi`; the runner refuses tables whose ABI differs.
 */
#ifndef HSWEEP_KERNEL_H
#define HSWEEP_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HS_KERNEL_ABI 2

/* Task status, stored as an int8 enum in the results file. */
typedef enum hs_status {
    HS_ST_PENDING = 0,
    HS_ST_OK = 1,
    HS_ST_NONFINITE = 2,
    HS_ST_DIVERGED = 3,
    HS_ST_FAILED = 4,
    HS_ST_TIMEOUT = 5,
    HS_ST_CRASHED = 6
} hs_status;
#define HS_ST_COUNT 7

/* Lower-case name of a status ("ok", "nonfinite", ...); "?" if unknown. */
const char *hs_status_name(int status);

typedef enum hs_type { HS_T_INT = 0, HS_T_REAL = 1, HS_T_BOOL = 2, HS_T_STRING = 3 } hs_type;

/*
 * One parameter.  `def` is the default written as it would be in a sweep
 * file ("5e-4", "10", "true", "ema"); NULL makes the parameter required.
 * For HS_T_INT and HS_T_REAL, [min, max] is the closed valid range.  For
 * HS_T_STRING, `choices` is "a|b|c" (NULL accepts any string).
 */
typedef struct hs_param_spec {
    const char *name;
    hs_type type;
    const char *def;
    double min;
    double max;
    const char *choices;
    const char *unit;
    const char *doc;
} hs_param_spec;

typedef struct hs_params hs_params;

/* Typed accessors.  `name` must be a parameter of the kernel's schema. */
int64_t hs_param_int(const hs_params *p, const char *name);
double hs_param_real(const hs_params *p, const char *name);
int hs_param_bool(const hs_params *p, const char *name);
const char *hs_param_str(const hs_params *p, const char *name);

/* A scalar metric: one float64 column of the task table (NaN when unset). */
typedef struct hs_metric_spec {
    const char *name;
    const char *unit;
    const char *doc;
} hs_metric_spec;

/*
 * A trace: a float64 vector per task.  `len` gives its maximum length for a
 * task's parameters; the results file reserves the maximum over all tasks.
 */
typedef struct hs_trace_spec {
    const char *name;
    const char *unit;
    const char *doc;
    size_t (*len)(const hs_params *p);
} hs_trace_spec;

/* What a running task sees besides its parameters. */
typedef struct hs_ctx {
    uint64_t seed;   /* task seed: from sweep seed and parameter values */
    double deadline; /* CLOCK_MONOTONIC seconds; 0 = none (hs_ctx_expired) */
    void *comm;      /* gang kernels: points to the gang's MPI_Comm; else NULL */
    int gang_rank;   /* rank inside the gang (0 for single-rank tasks) */
    int gang_size;   /* ranks in the gang (1 for single-rank tasks) */
    /* The sweep seed (an entry of `seeds`).  `seed` above changes with every
     * parameter; a kernel that compares methods on the same data derives its
     * data from sweep_seed and the data-defining parameters only (common
     * random numbers). */
    int64_t sweep_seed;
} hs_ctx;

/* Nonzero once the task's deadline has passed: stop early, keep partial traces. */
int hs_ctx_expired(const hs_ctx *ctx);

typedef struct hs_out hs_out;

/* Set scalar metric `name`; returns 0, or -1 if the kernel declares no such metric. */
int hs_out_set(hs_out *out, const char *name, double value);

/*
 * Buffer for trace `name`, to be filled with `len` values (len <= the
 * trace's `len` for this task; longer requests are cut to it and the cut
 * length returned through the record).  NULL if the trace is unknown.
 * Unfilled entries stay NaN.  The length written to the file is `len`.
 */
double *hs_out_trace(hs_out *out, const char *name, size_t len);

/* Shorten an already-requested trace to `len` entries (e.g. stopped early). */
void hs_out_trace_len(hs_out *out, const char *name, size_t len);

/*
 * Set the task's status and a one-line detail (printf format; may be NULL).
 * Without a call the status is HS_ST_OK if run returns 0.
 */
void hs_out_status(hs_out *out, hs_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

typedef struct hs_kernel {
    int abi; /* HS_KERNEL_ABI */
    const char *name;
    const char *summary; /* one line */
    const char *doc;     /* longer text: model, references; may be NULL */
    const hs_param_spec *params;
    size_t n_params;
    const hs_metric_spec *metrics;
    size_t n_metrics;
    const hs_trace_spec *traces;
    size_t n_traces;
    /* Expected seconds for one task on one core (scheduling order, plans); NULL = 1e-3. */
    double (*cost)(const hs_params *p);
    /*
     * Cross-parameter validation (e.g. h_rank <= dim).  Return 0 if valid;
     * else write a message to msg and the offending parameter's name to *key.
     * NULL = nothing beyond the per-parameter schema.
     */
    int (*check)(const hs_params *p, char *msg, size_t cap, const char **key);
    /*
     * Run one task.  Return 0 when the task produced a result (any status,
     * including nonfinite/diverged/failed set via hs_out_status); a nonzero
     * return marks the task failed with the detail given, if any.
     */
    int (*run)(const hs_params *p, const hs_ctx *ctx, hs_out *out);
    int is_test; /* a runner test kernel, not a numeric one */
    int gang;    /* 1: may run on a multi-rank gang (ctx->comm) */
} hs_kernel;

/* Entry point a plug-in library exports. */
typedef const hs_kernel *(*hs_plugin_entry_fn)(void);
#define HS_PLUGIN_ENTRY "hs_plugin_kernel"

#ifdef __cplusplus
}
#endif
#endif
