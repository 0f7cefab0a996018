/*
 * Sweep files (libconfig): parsing, validation against each kernel's
 * schema, and expansion of a sweep into tasks.  Every error names the file,
 * the line and the key.  Tasks are implicit: a task id decodes to its
 * parameters (cases slowest, then matrix axes and zip groups in file order,
 * seeds fastest), so no per-task state is held and ids are stable.
 */
#ifndef HSWEEP_CONFIG_H
#define HSWEEP_CONFIG_H

#include <stdint.h>

#include "hsweep/error.h"
#include "hsweep/exec.h"
#include "hsweep/plugin.h"
#include "hsweep/sha256.h"
#include "hsweep/task.h"

#define HS_DEFAULT_MAX_TASKS 10000000ULL
/* The longest string parameter value, in bytes: every row of the results table holds the longest. */
#define HS_MAX_STRING 4096
#define HS_MAX_AXES 64

/* One varying dimension: a matrix axis (one parameter) or a zip group. */
typedef struct hs_axis {
    size_t n_params;
    int *param;       /* schema indices */
    size_t n;         /* number of values */
    hs_value *values; /* [n][n_params] */
    int line;
    int is_zip;
} hs_axis;

/* A condition list "T <= 80 and use_mixture = true" (expect rules, filters). */
enum { HS_OP_LT, HS_OP_LE, HS_OP_GT, HS_OP_GE, HS_OP_EQ, HS_OP_NE };
typedef struct hs_cond {
    int param; /* schema index, or -1 for the sweep seed */
    int op;
    hs_value v; /* value, parsed with the parameter's type */
    char *text; /* owned copy of the value text */
} hs_cond;
typedef struct hs_filter {
    size_t n;
    hs_cond *c;
} hs_filter;

/*
 * An `expect` rule: on every group (axis values but seed) that `when`
 * selects, lhs op rhs, where lhs is the group's mean of `metric` (or, with
 * tasks_all, each task's own value) and rhs is `value` or factor times the
 * mean of ref_metric over the reference group: this group with the `ref`
 * axis values replaced, in sweep ref_sweep (matched on the axes both sweeps
 * share) or in this sweep.  op HS_RULE_WITHIN: |lhs - rhs| <= tol * |rhs|.
 * over_any: held if some group holds (else every group must).
 */
enum { HS_RULE_WITHIN = HS_OP_NE + 1 };
typedef struct hs_rule {
    char *claim; /* NULL if not given */
    hs_filter when;
    char *when_text; /* NULL if not given */
    char *metric;
    int op;           /* HS_OP_* or HS_RULE_WITHIN */
    double value;     /* constant rhs; NaN when the rhs is a reference */
    hs_filter ref;    /* "axis = value" conditions (op HS_OP_EQ) */
    char *ref_text;   /* NULL if not given */
    char *ref_sweep;  /* NULL: this sweep */
    char *ref_metric; /* NULL: metric */
    double factor;    /* 1 unless given */
    double tol;       /* within only; NaN otherwise */
    int over_any;     /* over = "any" */
    int tasks_all;    /* tasks = "all" */
    int line;
} hs_rule;

/* The rule as one line, e.g. "when T <= 80: div_frac < 0.01" or
 * "val_rmse < val_rmse at n_train = 50"; truncated to cap. */
void hs_rule_text(const hs_rule *r, char *buf, size_t cap);
/* "<", ..., "within". */
const char *hs_rule_op_name(int op);
/* lhs op rhs (within: |lhs - rhs| <= tol * |rhs|); 0 if either is NaN. */
int hs_rule_check(const hs_rule *r, double lhs, double rhs);

typedef struct hs_sweep {
    char *name;
    const hs_kernel *kernel;
    int line;
    hs_value *base;          /* defaults overridden by `fixed` */
    int *set_line;           /* line where each parameter is given (0: default) */
    unsigned char *varying;  /* 1 if a case key, matrix axis or zip member */
    size_t n_cases;          /* >= 1 (one empty case when `cases` is absent) */
    hs_value *cases;         /* [n_cases][n_params] */
    unsigned char *case_set; /* [n_cases][n_params] */
    size_t n_axes;
    hs_axis *axes;
    size_t n_seeds;
    int64_t *seeds;
    uint64_t n_tasks;
    size_t *str_width; /* per parameter: longest string value + 1 */
    size_t n_rules;
    hs_rule *rules;
    int ranks_per_task;
    /* Reliability settings; -1 = not set in the file (the command line's default applies). */
    int isolation;    /* HS_ISO_FORK or HS_ISO_NONE */
    double timeout_s; /* 0 = no limit */
    int retries;
    long mem_limit_mb; /* 0 = no limit */
    /* Where `kernel` comes from when it is not built in (owned by the sweep). */
    hs_exec *exec;     /* kernel = "exec": the table built from the sweep's keys */
    hs_plugin *plugin; /* kernel = "plugin:PATH": the loaded library */
    /* `refine` blocks (hsweep/refine.h) and the rows they own after the grid's
     * n_tasks: the table has n_tasks + n_refine_rows rows. */
    size_t n_refine;
    struct hs_refine_spec *refine;
    uint64_t n_refine_rows;
    struct hs_refine_rows *rrows; /* the values of the refinement rows known to this rank */
} hs_sweep;

enum { HS_ISO_FORK = 0, HS_ISO_NONE = 1 };

typedef struct hs_sweepset {
    char *path;
    char *text; /* the file's full text (provenance) */
    char sha256[65];
    int reduced; /* loaded with the sweeps' `reduced` groups applied */
    char *output;
    size_t n_sweeps;
    hs_sweep *sweeps;
    void *cfg; /* libconfig's config_t: owns the strings */
} hs_sweepset;

typedef struct hs_load_opts {
    uint64_t max_tasks; /* 0: HS_DEFAULT_MAX_TASKS */
    int skip_checks;    /* skip the kernels' per-task cross checks */
    int reduced;        /* apply each sweep's `reduced` group (hsweep run --reduced) */
    /* Readers of a results file: a `plugin:` sweep's library is never loaded;
     * plugin_schema(arg, sweep) gives its kernel table (the schema stored in
     * the file), NULL or no function: an error naming the library.  Only
     * the library at allow_plugin (the same file) is still loaded. */
    int no_plugins;
    const hs_kernel *(*plugin_schema)(void *arg, const char *sweep);
    void *plugin_schema_arg;
    const char *allow_plugin;
    /* The text is a results file's stored sweep text (includes already
     * resolved): an @include line in it is refused, never read. */
    int stored;
} hs_load_opts;

/* Read and validate the sweep file at path. */
int hs_sweepset_load(const char *path, const hs_load_opts *o, hs_sweepset **out, hs_err *e);
/* The same from text already in memory; `path` is used in messages only. */
int hs_sweepset_parse(const char *path, const char *text, const hs_load_opts *o, hs_sweepset **out,
                      hs_err *e);
void hs_sweepset_free(hs_sweepset **s);
/* Index of sweep `name`, or -1. */
int hs_sweepset_find(const hs_sweepset *s, const char *name);

/*
 * Decode task `id` of sweep s: its parameters into p->v (allocated by the
 * caller for n_params values), its sweep seed and its RNG seed.
 */
void hs_sweep_task(const hs_sweep *s, uint64_t id, hs_value *v, int64_t *seed, uint64_t *rng_seed);
/* RNG seed of a task: a hash of (kernel, sweep seed, every parameter value). */
uint64_t hs_task_rng_seed(const hs_kernel *k, int64_t seed, const hs_value *v);

/* Names of the varying axes (case keys, matrix, zip members; "seed" last if > 1 seed). */
size_t hs_sweep_axes(const hs_sweep *s, const char **names, size_t cap);

/* Parse "a <= 1 and b = x" against k's parameters ("seed" allowed). */
int hs_filter_parse(const hs_kernel *k, const char *text, hs_filter *f, hs_err *e);
/* Nonzero if parameter values v (and sweep seed) satisfy every condition. */
int hs_filter_match(const hs_kernel *k, const hs_filter *f, const hs_value *v, int64_t seed);
/* Nonzero if v (and seed) satisfy condition c alone (to name a condition that matches nothing). */
int hs_cond_match(const hs_kernel *k, const hs_cond *c, const hs_value *v, int64_t seed);
/* Condition c as "KEY OP VALUE" with the value as typed, e.g. "gamma <= 0.01". */
void hs_cond_text(const hs_kernel *k, const hs_cond *c, char *buf, size_t cap);

/* Significant digits of real parameter values in tables (hs_num_format). */
#define HS_TABLE_DIGITS 6
/* x as tables print a real parameter value: "%.6g" (0.1, 0.000316228, 1e+06). */
void hs_num_format(double x, char *buf, size_t cap);
/*
 * A stored real x against a typed number (value `typed`, text as typed, or
 * NULL to compare the doubles only): 0 when they match — the same double, or x
 * rounded to D = max(digits typed, HS_TABLE_DIGITS) significant digits is the
 * typed decimal, so a value typed as a table or an exec template prints it
 * matches — else -1 or 1 as x < or > typed (2 if x is NaN).  Conditions
 * read `=` as 0, `<=` as -1 or 0, `<` as -1, and so on.
 */
int hs_num_cmp(double x, double typed, const char *text);
void hs_filter_free(hs_filter *f);
/* Parse an operator token ("<", "<=", ...); -1 if not one. */
int hs_op_parse(const char *s);
const char *hs_op_name(int op);
int hs_op_eval(int op, double a, double b);

#endif
