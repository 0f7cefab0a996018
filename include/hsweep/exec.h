/*
 * The `exec` kernel: each task runs an external command (an argv list,
 * never a shell) whose arguments, working directory and environment are
 * templates over the task's parameters, and reads the task's metrics and
 * traces from its standard output.  Its schema is declared by the sweep, so
 * a kernel table is built per sweep (hs_exec_create) and owned by it.
 *
 * Templates: `{name}` is replaced by parameter `name` (reals in the shortest
 * form that reads back as the same double, as hs_value_format writes them,
 * booleans as true/false), `{seed}` by the task's RNG seed, `{sweep_seed}`,
 * `{task_id}`, `{sweep}` (the sweep's name) and `{sweep_dir}` (the sweep
 * file's directory); `{{` and `}}` stand for literal braces.
 */
#ifndef HSWEEP_EXEC_H
#define HSWEEP_EXEC_H

#include "hsweep/error.h"
#include "hsweep/task.h"

/* How metrics are read from stdout. */
enum {
    HS_EXEC_JSON = 0, /* the last line that is a JSON object: numbers -> metrics, arrays -> traces */
    HS_EXEC_KV = 1    /* every line `name=value` (traces: comma-separated numbers); last wins */
};

#define HS_EXEC_MAX_TRACES 16
#define HS_EXEC_TAIL 2048 /* bytes of stdout/stderr kept for a failed task's detail */

typedef struct hs_exec_def {
    const char *sweep;               /* {sweep} */
    const char *sweep_dir;           /* {sweep_dir} */
    const char *const *argv;         /* command templates, argc >= 1 */
    size_t argc;
    const char *workdir;             /* template; NULL: the runner's working directory */
    const char *const *env_names;    /* added to the task's environment */
    const char *const *env_values;   /* templates */
    size_t n_env;
    int parse;                       /* HS_EXEC_JSON or HS_EXEC_KV */
    int warm;                        /* protocol = "jsonl": one program per worker, tasks on its
                                        stdin, one JSON answer line each (exec_warm.c) */
    const char *const *param_names;  /* the sweep's parameters */
    const hs_type *param_types;
    size_t n_params;
    const char *const *metric_names;
    size_t n_metrics;
    const char *const *trace_names;
    const size_t *trace_lens;        /* maximum length of each trace */
    size_t n_traces;                 /* <= HS_EXEC_MAX_TRACES */
    /* The task id of parameter values v with sweep seed `seed` ({task_id}). */
    uint64_t (*task_id)(const void *arg, const hs_value *v, int64_t seed);
    const void *task_id_arg;
} hs_exec_def;

typedef struct hs_exec hs_exec;

/*
 * Check one template against the parameter names: HS_EINPUT naming the
 * first unknown placeholder or unbalanced brace.
 */
int hs_exec_template_check(const char *tpl, const char *const *param_names, size_t n_params,
                           hs_err *e);

/*
 * Build the kernel table of one exec sweep from d (every string is copied;
 * templates must have passed hs_exec_template_check).  On success *out owns
 * the table, hs_exec_kernel(*out) returns it, and it is checked with
 * hs_kernel_validate.  On failure *out is NULL and e says why.
 */
int hs_exec_create(const hs_exec_def *d, hs_exec **out, hs_err *e);
const hs_kernel *hs_exec_kernel(const hs_exec *x);

/*
 * protocol = "jsonl": a template of the command, workdir or env is the same
 * for every task, so it may name only {sweep} and {sweep_dir}.  HS_EINPUT
 * naming the first other placeholder.
 */
int hs_exec_warm_template_check(const char *tpl, hs_err *e);
/* Free x and its table; sets *x to NULL.  NULL is allowed. */
void hs_exec_destroy(hs_exec **x);

#endif
