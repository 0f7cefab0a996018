/* Private to the exec kernel (exec.c, exec_output.c). */
#ifndef HSWEEP_EXEC_IMPL_H
#define HSWEEP_EXEC_IMPL_H

#include "hsweep/exec.h"

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
    char *sweep;
    char *sweep_dir;
    char *summary;
    uint64_t (*task_id)(const void *arg, const hs_value *v, int64_t seed);
    const void *task_id_arg;
};

/*
 * The command's standard output, read line by line as it arrives: JSON mode
 * keeps the last line that starts with '{'; key=value mode applies each line
 * to the outputs at once.
 */
typedef struct hs_exec_reader {
    const hs_exec *x;
    hs_out *out;
    char *line;       /* the line being read */
    size_t len, cap;
    char *last;       /* JSON mode: the last complete object line */
    size_t last_len, last_cap;
    int found;        /* key=value mode: declared names seen */
    int error;        /* key=value mode: a bad value was seen (why[]) */
    char why[200];
} hs_exec_reader;

/* Feed n bytes of stdout; 0, or HS_ENOMEM. */
int hs_exec_reader_feed(hs_exec_reader *r, const char *buf, size_t n);
/*
 * End of output: parse what was kept into r->out.  Returns 0 when the
 * outputs were read (r->out's status may have been set by the command's own
 * "status" key), or -1 with the reason in why (no JSON line, malformed JSON,
 * a value of the wrong kind).
 */
int hs_exec_reader_finish(hs_exec_reader *r, char *why, size_t cap);
void hs_exec_reader_free(hs_exec_reader *r);

#endif
