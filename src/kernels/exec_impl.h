/* Private to the exec kernel (exec.c, exec_output.c). */
#ifndef HSWEEP_EXEC_IMPL_H
#define HSWEEP_EXEC_IMPL_H

#include <sys/types.h>

#include "hsweep/exec.h"

/* One step of a compiled cost_s formula (exec_cost.c). */
typedef struct hs_exec_op {
    int op;
    double num;
    size_t arg; /* parameter index, or function number */
} hs_exec_op;

struct hs_exec {
    hs_kernel k; /* first: run() gets back to the hs_exec from p->k */
    hs_param_spec *params;
    hs_metric_spec *metrics;
    hs_trace_spec *traces;
    size_t *trace_lens;
    char **argv; /* templates */
    size_t argc;
    char *workdir;
    char **env_names;
    char **env_values;
    size_t n_env;
    int parse;
    int warm;
    char *sweep;
    char *sweep_dir;
    char *summary;
    uint64_t (*task_id)(const void *arg, const hs_value *v, int64_t seed);
    const void *task_id_arg;
    hs_exec_op *cost_ops; /* cost_s; NULL: 1 s a task */
    size_t n_cost_ops;
    char *log_base;  /* per-task logs under log_base/<sweep>/; NULL: none */
    char *prov_blob; /* hs_exec_prov_set's copy; NULL: none */
    const char **prov_fields;
    hs_exec_prov prov;
};

/* One task's log files (exec_log.c): fd[0] its stdout, fd[1] its stderr. */
typedef struct hs_exec_log {
    int fd[2];
    int err;       /* the first write error (errno) */
    char dir[256]; /* for messages */
} hs_exec_log;

/*
 * Create task id's log files <log_base>/<sweep>/<id>.out and .err (the
 * directories too), an earlier attempt's renamed to .out.N / .err.N.
 * Without a log_base lg gets fd -1 and 0 is returned.  -1 with why on
 * failure (a symbolic link in the way is refused), lg then holds nothing.
 * The per-task and the warm-worker paths both write through these.
 */
int hs_exec_log_open(const hs_exec *x, uint64_t id, hs_exec_log *lg, char *why, size_t cap);
/* Append n bytes to stream 0 (stdout) or 1 (stderr); an error is kept for close. */
void hs_exec_log_write(hs_exec_log *lg, int stream, const char *buf, size_t n);
/* Close both; -1 with why (if not NULL) when a write or the close failed. */
int hs_exec_log_close(hs_exec_log *lg, char *why, size_t cap);

/* A growing string, NUL-terminated (exec.c); oom is set, and nothing more added, when memory runs out. */
typedef struct hs_exec_buf {
    char *s;
    size_t len, cap;
    int oom;
} hs_exec_buf;
/* Append n bytes of s to b. */
void hs_exec_buf_add(hs_exec_buf *b, const char *s, size_t n);

/* argv[0] resolved on PATH (NULL: the default) as execvp would; malloc'd, NULL if not found. */
char *hs_exec_resolve(const char *prog, const char *path);
/* A template that uses no placeholder but {sweep} and {sweep_dir}, expanded; else NULL. */
char *hs_exec_expand_fixed(const hs_exec *x, const char *tpl);

/* Compile cost_s (already checked by hs_exec_cost_check) into x->cost_ops. */
int hs_exec_cost_compile(hs_exec *x, const char *formula, hs_err *e);
/* cost_s for parameter values v; NaN if it cannot be computed. */
double hs_exec_cost_eval(const hs_exec *x, const hs_value *v);

/*
 * The command's standard output, read line by line as it arrives: JSON mode
 * keeps the last line that starts with '{'; key=value mode applies each line
 * to the outputs at once.
 */
typedef struct hs_exec_reader {
    const hs_exec *x;
    hs_out *out;
    char *line; /* the line being read */
    size_t len, cap;
    char *last; /* JSON mode: the last complete object line */
    size_t last_len, last_cap;
    int found;          /* key=value mode: declared names seen */
    unsigned char *got; /* per declared metric: a value was read */
    int error;          /* key=value mode: a bad value was seen (why[]) */
    char why[200];
} hs_exec_reader;

/* Feed n bytes of stdout; 0, or HS_ENOMEM. */
int hs_exec_reader_feed(hs_exec_reader *r, const char *buf, size_t n);
/*
 * End of output: parse what was kept into r->out.  Returns 0 when the
 * outputs were read (r->out's status may have been set by the command's own
 * "status" key); 1 when they were read but a declared metric has no value
 * and the command did not report its own failure (why names the metrics);
 * or -1 with the reason in why (no JSON line, malformed JSON, a value of
 * the wrong kind).
 */
int hs_exec_reader_finish(hs_exec_reader *r, char *why, size_t cap);
void hs_exec_reader_free(hs_exec_reader *r);

/* ---- exec.c's pieces that protocol = "jsonl" (exec_warm.c) shares ---- */

/* The last HS_EXEC_TAIL bytes of a stream. */
typedef struct hs_exec_tail {
    char b[2 * HS_EXEC_TAIL];
    size_t len;
} hs_exec_tail;

void hs_exec_tail_add(hs_exec_tail *t, const char *s, size_t n);
/* argv[0] resolved on PATH as execvp would (malloc'd), or NULL. */
char *hs_exec_resolve(const char *prog, const char *path);

/* A task's command, ready for fork(). */
typedef struct hs_exec_cmd {
    char **argv; /* argc entries and NULL */
    size_t argc;
    char **add; /* the environment's additions: env, then the extra ones */
    size_t n_add;
    char **envp; /* the whole environment (its strings are the process's and add's) */
    char *wd;    /* NULL: the runner's working directory */
    char *prog;  /* argv[0] resolved on the task's PATH */
} hs_exec_cmd;

/*
 * Expand x's command, env and workdir for a task (id is its {task_id}),
 * add the n_extra "NAME=value" strings of extra to its environment (taken
 * over, freed with c; a NULL one counts as out of memory), create the
 * workdir and find the program.  0, or -1 with out's status saying why.
 * Either way hs_exec_cmd_free(c) releases it.
 */
int hs_exec_cmd_prepare(const hs_exec *x, const hs_params *p, const hs_ctx *ctx, uint64_t id,
                        char **extra, size_t n_extra, hs_exec_cmd *c, hs_out *out);
void hs_exec_cmd_free(hs_exec_cmd *c);
/*
 * A command's end as the task's status: killed at the deadline (timed_out;
 * t0 its start, CLOCK_MONOTONIC), by a signal (crashed; a stop signal sets
 * out->stop_signal), a non-zero exit (failed), else its stdout as rd read
 * it; the detail ends with the stderr or stdout tail.
 */
void hs_exec_judge_end(const hs_exec *x, hs_out *out, int timed_out, double t0, int status,
                       const hs_exec_tail *out_tail, const hs_exec_tail *err_tail,
                       hs_exec_reader *rd);
/* In a fresh fork: become the command (stdin from in_fd, /dev/null if < 0). */
_Noreturn void hs_exec_child(const char *prog, char *const *argv, char *const *envp, const char *wd,
                             int in_fd, int out_fd, int err_fd, int report_fd, pid_t parent);
/* A guard that kills process group pgid when this process dies (see exec.c); its pid or -1. */
pid_t hs_exec_guard_start(pid_t pgid, int *keep_fd);

/* One task of a protocol = "jsonl" sweep (exec_warm.c); the task id is id. */
void hs_exec_warm_run(const hs_exec *x, const hs_params *p, const hs_ctx *ctx, hs_out *out,
                      uint64_t id);
/* "HSWEEP_TASK=" and the task's JSON line (without newline), malloc'd; NULL when out of memory. */
char *hs_exec_task_json(const hs_exec *x, const hs_params *p, const hs_ctx *ctx, uint64_t id,
                        const char *prefix);

#endif
