/*
 * The `exec` kernel: each task runs an external command (an argv list,
 * never a shell) whose arguments, working directory and environment are
 * templates over the task's parameters, and reads the task's metrics and
 * traces from its standard output.  Its schema is declared by the sweep, so
 * a kernel table is built per sweep (hs_exec_create) and owned by it.
 *
 * Templates: `{name}` is replaced by parameter `name` (reals in the shortest
 * form that reads back as the same double, as hs_value_format writes them,
 * booleans as true/false), `{seed}` by the task's RNG seed (64 bits),
 * `{seed32}` by the same folded to 32 bits (hs_exec_seed32), `{sweep_seed}`,
 * `{task_id}`, `{sweep}` (the sweep's name) and `{sweep_dir}` (the sweep
 * file's directory); `{{` and `}}` stand for literal braces.
 */
#ifndef HSWEEP_EXEC_H
#define HSWEEP_EXEC_H

#include "hsweep/error.h"
#include "hsweep/task.h"

/* How metrics are read from stdout. */
enum {
    HS_EXEC_JSON =
        0,         /* the last line that is a JSON object: numbers -> metrics, arrays -> traces */
    HS_EXEC_KV = 1 /* every line `name=value` (traces: comma-separated numbers); last wins */
};

#define HS_EXEC_MAX_TRACES 16
#define HS_EXEC_TAIL 2048 /* bytes of stdout/stderr kept for a failed task's detail */

typedef struct hs_exec_def {
    const char *sweep;       /* {sweep} */
    const char *sweep_dir;   /* {sweep_dir} */
    const char *const *argv; /* command templates, argc >= 1 */
    size_t argc;
    const char *workdir;           /* template; NULL: the runner's working directory */
    const char *const *env_names;  /* added to the task's environment */
    const char *const *env_values; /* templates */
    size_t n_env;
    int parse;                      /* HS_EXEC_JSON or HS_EXEC_KV */
    int warm;                       /* protocol = "jsonl": one program per worker, tasks on its
                                        stdin, one JSON answer line each (exec_warm.c) */
    const char *const *param_names; /* the sweep's parameters */
    const hs_type *param_types;
    size_t n_params;
    const char *const *metric_names;
    size_t n_metrics;
    const char *const *trace_names;
    const size_t *trace_lens; /* maximum length of each trace */
    size_t n_traces;          /* <= HS_EXEC_MAX_TRACES */
    /* The task id of parameter values v with sweep seed `seed` ({task_id}). */
    uint64_t (*task_id)(const void *arg, const hs_value *v, int64_t seed);
    const void *task_id_arg;
    /* Expected seconds of a task: a number or a formula of the parameters
     * (hs_exec_cost_check); NULL: 1 s. */
    const char *cost_s;
} hs_exec_def;

typedef struct hs_exec hs_exec;

/* The keys of an exec sweep, for `hsweep kernels exec` ({NULL}-terminated), and the rest of its doc. */
typedef struct hs_exec_key_doc {
    const char *key, *example, *doc;
} hs_exec_key_doc;
extern const hs_exec_key_doc hs_exec_key_docs[];
extern const char hs_exec_doc_text[];

/*
 * {seed32}: the task's 64-bit RNG seed folded to 32 bits, seed XOR (seed >>
 * 32) mod 2^32, for libraries that take no more (numpy's np.random.seed and
 * RandomState, scikit-learn's random_state, R's set.seed).  Every bit of the
 * seed counts; two tasks share a seed32 with probability about 2^-32.
 */
uint32_t hs_exec_seed32(uint64_t seed);

/*
 * Check one template against the parameter names: HS_EINPUT naming the
 * first unknown placeholder or unbalanced brace.
 */
int hs_exec_template_check(const char *tpl, const char *const *param_names, size_t n_params,
                           hs_err *e);

/*
 * Check a cost_s formula: numbers, integer/real/bool parameters, + - * / ^,
 * parentheses, sqrt log log2 exp abs min max.  HS_EINPUT saying what is
 * wrong and where.  A task whose formula gives NaN counts as 1 s; values
 * are kept within [1e-6, 1e9] s.
 */
int hs_exec_cost_check(const char *formula, const char *const *param_names,
                       const hs_type *param_types, size_t n_params, hs_err *e);

/*
 * Build the kernel table of one exec sweep from d (every string is copied;
 * templates must have passed hs_exec_template_check).  On success *out owns
 * the table, hs_exec_kernel(*out) returns it, and it is checked with
 * hs_kernel_validate.  On failure *out is NULL and e says why.
 */
int hs_exec_create(const hs_exec_def *d, hs_exec **out, hs_err *e);
const hs_kernel *hs_exec_kernel(const hs_exec *x);
/*
 * Keep every task's whole stdout and stderr in base/<sweep>/<task_id>.out
 * and .err (see src/kernels/exec_log.c); NULL or "" keeps none (the
 * default).  0 or HS_ENOMEM.
 */
int hs_exec_set_logs(hs_exec *x, const char *base);
/* One task's command as it would run: argv, the env additions (NAME=value), the workdir (or NULL). */
typedef struct hs_exec_cmdline {
    char **argv;
    size_t argc;
    char **env;
    size_t n_env;
    char *workdir;
} hs_exec_cmdline;
/*
 * Expand x's templates for the task with parameter values v, RNG seed
 * rng_seed and sweep seed sweep_seed (as hs_sweep_task gives them), exactly
 * as the task will run them.  0 or HS_ENOMEM; free with hs_exec_cmdline_free.
 */
int hs_exec_command(const hs_exec *x, const hs_value *v, uint64_t rng_seed, int64_t sweep_seed,
                    hs_exec_cmdline *c);
void hs_exec_cmdline_free(hs_exec_cmdline *c);
/* The base set by hs_exec_set_logs, or NULL. */
const char *hs_exec_logs(const hs_exec *x);
/* Provenance of an exec sweep (src/kernels/exec_prov.c says what and how). */
#define HS_EXEC_PROV_MAX_HASH (256LL << 20) /* bytes: larger files are listed, not hashed */
typedef struct hs_exec_prov {
    const char *git_describe;        /* git describe --always --dirty; "" when not a work tree */
    const char *git_dirty;           /* "true", "false", or "" with no git_describe */
    const char *interpreter;         /* resolved path; "" when the program is not an interpreter */
    const char *interpreter_version; /* the first line of its --version */
    size_t n_files;
    const char *const *fields; /* n_files pairs: path under the sweep dir, SHA-256 (hex) */
} hs_exec_prov;

/*
 * Compute x's provenance (runs git and the interpreter, 20 s each at most;
 * no MPI) into a malloc'd blob of NUL-terminated fields for
 * hs_exec_prov_set, possibly in another process.  0 or HS_ENOMEM.
 */
int hs_exec_prov_compute(const hs_exec *x, char **blob, size_t *len);
/* Install a blob from hs_exec_prov_compute (copied).  0, HS_ENOMEM, or HS_EINPUT if malformed. */
int hs_exec_prov_set(hs_exec *x, const char *blob, size_t len);
/* The installed provenance, or NULL. */
const hs_exec_prov *hs_exec_prov_of(const hs_exec *x);

/*
 * protocol = "jsonl": a template of the command, workdir or env is the same
 * for every task, so it may name only {sweep} and {sweep_dir}.  HS_EINPUT
 * naming the first other placeholder.
 */
int hs_exec_warm_template_check(const char *tpl, hs_err *e);
/* Free x and its table; sets *x to NULL.  NULL is allowed. */
void hs_exec_destroy(hs_exec **x);

#endif
