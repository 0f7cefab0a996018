/*
 * The kernel runtime: what kernels (built-in and plug-in) call, and the
 * runner's side of the same records (include/hsweep/kernel.h, task.h).
 * It sits below the kernels and above numeric: nothing here calls core or a
 * kernel.  Every function of kernel.h is in this one file, so that linking
 * any of them into hsweep brings all of them, and the executable exports
 * them to plug-ins (ENABLE_EXPORTS).
 */
#include "hsweep/task.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hsweep/numeric/status.h"

static const char *const status_names[HS_ST_COUNT] = {"pending", "ok",      "nonfinite", "diverged",
                                                      "failed",  "timeout", "crashed"};

const char *hs_status_name(int status)
{
    return status >= 0 && status < HS_ST_COUNT ? status_names[status] : "?";
}

double hs_now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

double hs_now_unix(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int hs_ctx_expired(const hs_ctx *ctx)
{
    return ctx && ctx->deadline > 0 && hs_now_mono() >= ctx->deadline;
}

int hs_kernel_param_index(const hs_kernel *k, const char *name)
{
    for (size_t i = 0; i < k->n_params; i++)
        if (strcmp(k->params[i].name, name) == 0)
            return (int)i;
    return -1;
}

int hs_kernel_metric_index(const hs_kernel *k, const char *name)
{
    for (size_t i = 0; i < k->n_metrics; i++)
        if (strcmp(k->metrics[i].name, name) == 0)
            return (int)i;
    return -1;
}

int hs_kernel_trace_index(const hs_kernel *k, const char *name)
{
    for (size_t i = 0; i < k->n_traces; i++)
        if (strcmp(k->traces[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Parameter accessors: a name outside the schema is a kernel bug; it reads
 * as zero / NaN / "" rather than crashing the task. */
static const hs_value *param_get(const hs_params *p, const char *name, hs_type want)
{
    int i = hs_kernel_param_index(p->k, name);
    if (i < 0 || p->k->params[i].type != want) {
        fprintf(stderr, "hsweep: kernel %s reads undeclared parameter '%s' or with wrong type\n",
                p->k->name, name);
        return NULL;
    }
    return &p->v[i];
}

int64_t hs_param_int(const hs_params *p, const char *name)
{
    const hs_value *v = param_get(p, name, HS_T_INT);
    return v ? v->i : 0;
}

double hs_param_real(const hs_params *p, const char *name)
{
    const hs_value *v = param_get(p, name, HS_T_REAL);
    return v ? v->r : NAN;
}

int hs_param_bool(const hs_params *p, const char *name)
{
    const hs_value *v = param_get(p, name, HS_T_BOOL);
    return v ? v->b : 0;
}

const char *hs_param_str(const hs_params *p, const char *name)
{
    const hs_value *v = param_get(p, name, HS_T_STRING);
    return v && v->s ? v->s : "";
}

static int choice_ok(const char *choices, const char *s)
{
    size_t n = strlen(s);
    const char *c = choices;
    while (*c) {
        const char *bar = strchr(c, '|');
        size_t len = bar ? (size_t)(bar - c) : strlen(c);
        if (len == n && strncmp(c, s, n) == 0)
            return 1;
        if (!bar)
            break;
        c = bar + 1;
    }
    return 0;
}

int hs_value_parse(const hs_param_spec *spec, const char *s, hs_value *out, hs_err *e)
{
    char *end = NULL;
    errno = 0;
    switch (spec->type) {
    case HS_T_INT: {
        long long x = strtoll(s, &end, 10);
        if (end == s || *end || errno)
            return HS_FAIL(e, HS_EINPUT, "key '%s': expected an integer, got '%s'", spec->name, s);
        out->i = x;
        return 0;
    }
    case HS_T_REAL: {
        double x = strtod(s, &end);
        /* ERANGE also flags subnormals, which are exact values (and what
         * hs_value_format writes for them): refuse only overflow and a
         * number that underflowed to zero. */
        if (end == s || *end || (errno == ERANGE && (x == 0.0 || isinf(x))))
            return HS_FAIL(e, HS_EINPUT, "key '%s': expected a number, got '%s'", spec->name, s);
        out->r = x;
        return 0;
    }
    case HS_T_BOOL:
        if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
            out->b = 1;
        else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
            out->b = 0;
        else
            return HS_FAIL(e, HS_EINPUT, "key '%s': expected true or false, got '%s'", spec->name,
                           s);
        return 0;
    case HS_T_STRING:
        out->s = s;
        return 0;
    }
    return HS_FAIL(e, HS_EINPUT, "key '%s': unknown type", spec->name);
}

int hs_value_check(const hs_param_spec *spec, const hs_value *v, hs_err *e)
{
    switch (spec->type) {
    case HS_T_INT:
        if ((double)v->i < spec->min || (double)v->i > spec->max)
            return HS_FAIL(e, HS_EINPUT, "key '%s': %lld is outside its range [%g, %g]", spec->name,
                           (long long)v->i, spec->min, spec->max);
        return 0;
    case HS_T_REAL:
        if (!isfinite(v->r) && !(isinf(v->r) && (isinf(spec->min) || isinf(spec->max))))
            return HS_FAIL(e, HS_EINPUT, "key '%s': %g is not a finite number", spec->name, v->r);
        if (v->r < spec->min || v->r > spec->max)
            return HS_FAIL(e, HS_EINPUT, "key '%s': %g is outside its range [%g, %g]", spec->name,
                           v->r, spec->min, spec->max);
        return 0;
    case HS_T_BOOL:
        return 0;
    case HS_T_STRING:
        if (!v->s)
            return HS_FAIL(e, HS_EINPUT, "key '%s': a value is required", spec->name);
        if (spec->choices && !choice_ok(spec->choices, v->s))
            return HS_FAIL(e, HS_EINPUT, "key '%s': \"%s\" is not one of %s", spec->name, v->s,
                           spec->choices);
        return 0;
    }
    return 0;
}

void hs_value_format(const hs_param_spec *spec, const hs_value *v, char *buf, size_t cap)
{
    switch (spec->type) {
    case HS_T_INT:
        snprintf(buf, cap, "%lld", (long long)v->i);
        break;
    case HS_T_REAL:
        /* The shortest of 15, 16, 17 digits that reads back as the same double (0.1, not
         * 0.10000000000000001): 17 always does (IEEE 754-2008, 5.12.2). */
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(buf, cap, "%.*g", digits, v->r);
            if (strtod(buf, NULL) == v->r)
                break;
        }
        break;
    case HS_T_BOOL:
        snprintf(buf, cap, "%s", v->b ? "true" : "false");
        break;
    case HS_T_STRING:
        snprintf(buf, cap, "%s", v->s ? v->s : "");
        break;
    }
}

/* The columns every results table has besides parameters, metrics and <trace>_len. */
static const char *const reserved_columns[] = {
    "task_id", "seed",         "rng_seed",    "status", "attempts", "rank", "host",
    "wall_s",  "started_unix", "peak_rss_kb", "detail", "crc32c",   NULL};

static int name_ok(const char *name)
{
    if (!name || !*name)
        return 0;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_'))
            return 0;
    return 1;
}

/* What column of the tasks table `name` would clash with besides the parameters:
 * "the results table's own column" or "a trace's length column"; NULL if none. */
static const char *column_clash(const hs_kernel *k, const char *name)
{
    for (size_t i = 0; reserved_columns[i]; i++)
        if (strcmp(name, reserved_columns[i]) == 0)
            return "the results table's own column";
    for (size_t i = 0; i < k->n_traces; i++) {
        size_t n = strlen(k->traces[i].name);
        if (strncmp(name, k->traces[i].name, n) == 0 && strcmp(name + n, "_len") == 0)
            return "a trace's length column";
    }
    return NULL;
}

int hs_kernel_validate(const hs_kernel *k, hs_err *e)
{
    if (k->abi != HS_KERNEL_ABI)
        return HS_FAIL(
            e, HS_ESTATE,
            "kernel '%s' was built against kernel ABI %d, this hsweep has ABI %d: rebuild it",
            k->name ? k->name : "?", k->abi, HS_KERNEL_ABI);
    if (!k->name || !name_ok(k->name) || !k->run)
        return HS_FAIL(e, HS_ESTATE, "kernel table without a valid name or run function");
    for (size_t i = 0; i < k->n_traces; i++)
        if (!name_ok(k->traces[i].name) || hs_kernel_trace_index(k, k->traces[i].name) != (int)i ||
            !k->traces[i].len)
            return HS_FAIL(e, HS_ESTATE,
                           "kernel %s: trace '%s' has a bad name or no length function", k->name,
                           k->traces[i].name ? k->traces[i].name : "");
    for (size_t i = 0; i < k->n_params; i++) {
        const hs_param_spec *s = &k->params[i];
        if (!name_ok(s->name) || hs_kernel_param_index(k, s->name) != (int)i)
            return HS_FAIL(e, HS_ESTATE,
                           "kernel %s: parameter %zu has a bad or duplicate name '%s'", k->name, i,
                           s->name ? s->name : "");
        const char *clash = column_clash(k, s->name);
        if (clash)
            return HS_FAIL(e, HS_ESTATE, "kernel %s: parameter '%s' clashes with %s of that name",
                           k->name, s->name, clash);
        if ((s->type == HS_T_INT || s->type == HS_T_REAL) && !(s->min <= s->max))
            return HS_FAIL(e, HS_ESTATE, "kernel %s: parameter %s has range [%g, %g]", k->name,
                           s->name, s->min, s->max);
        if (s->def) {
            hs_value v;
            HS_CALL(hs_value_parse(s, s->def, &v, e));
            HS_CALL(hs_value_check(s, &v, e));
        }
    }
    for (size_t i = 0; i < k->n_metrics; i++) {
        const char *name = k->metrics[i].name;
        if (!name_ok(name) || hs_kernel_metric_index(k, name) != (int)i)
            return HS_FAIL(e, HS_ESTATE, "kernel %s: metric '%s' has a bad or duplicate name",
                           k->name, name ? name : "");
        const char *clash =
            hs_kernel_param_index(k, name) >= 0 ? "a parameter" : column_clash(k, name);
        if (clash)
            return HS_FAIL(e, HS_ESTATE, "kernel %s: metric '%s' clashes with %s of that name",
                           k->name, name, clash);
    }
    return 0;
}

int hs_params_init_defaults(hs_params *p, const hs_kernel *k, hs_err *e)
{
    p->k = k;
    p->v = calloc(k->n_params ? k->n_params : 1, sizeof *p->v);
    if (!p->v)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    for (size_t i = 0; i < k->n_params; i++)
        if (k->params[i].def)
            HS_CALL(hs_value_parse(&k->params[i], k->params[i].def, &p->v[i], e));
    return 0;
}

void hs_params_free(hs_params *p)
{
    free(p->v);
    p->v = NULL;
}

int hs_out_init(hs_out *out, const hs_kernel *k, const hs_params *p, hs_err *e)
{
    memset(out, 0, sizeof *out);
    out->k = k;
    size_t nm = k->n_metrics ? k->n_metrics : 1, nt = k->n_traces ? k->n_traces : 1;
    out->metrics = malloc(nm * sizeof *out->metrics);
    out->trace = calloc(nt, sizeof *out->trace);
    out->trace_cap = calloc(nt, sizeof *out->trace_cap);
    out->trace_len = calloc(nt, sizeof *out->trace_len);
    if (!out->metrics || !out->trace || !out->trace_cap || !out->trace_len) {
        hs_out_free(out);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < k->n_metrics; i++)
        out->metrics[i] = NAN;
    for (size_t i = 0; i < k->n_traces; i++)
        out->trace_cap[i] = k->traces[i].len(p);
    return 0;
}

void hs_out_free(hs_out *out)
{
    if (out->trace && !out->trace_area)
        for (size_t i = 0; i < (out->k ? out->k->n_traces : 0); i++)
            free(out->trace[i]);
    free(out->trace);
    free(out->trace_cap);
    free(out->trace_len);
    free(out->metrics);
    memset(out, 0, sizeof *out);
}

size_t hs_out_area_offset(const hs_out *out, size_t i)
{
    size_t off = 0;
    for (size_t j = 0; j < i; j++)
        off += out->trace_cap[j] ? out->trace_cap[j] : 1;
    return off;
}

size_t hs_out_area_len(const hs_out *out) { return hs_out_area_offset(out, out->k->n_traces); }

int hs_out_set(hs_out *out, const char *name, double value)
{
    int i = hs_kernel_metric_index(out->k, name);
    if (i < 0)
        return -1;
    out->metrics[i] = value;
    return 0;
}

double *hs_out_trace(hs_out *out, const char *name, size_t len)
{
    int i = hs_kernel_trace_index(out->k, name);
    if (i < 0)
        return NULL;
    if (!out->trace[i]) {
        size_t cap = out->trace_cap[i] ? out->trace_cap[i] : 1;
        out->trace[i] = out->trace_area ? out->trace_area + hs_out_area_offset(out, (size_t)i)
                                        : malloc(cap * sizeof(double));
        if (!out->trace[i])
            return NULL;
        for (size_t j = 0; j < cap; j++)
            out->trace[i][j] = NAN;
    }
    out->trace_len[i] = len < out->trace_cap[i] ? len : out->trace_cap[i];
    return out->trace[i];
}

void hs_out_trace_len(hs_out *out, const char *name, size_t len)
{
    int i = hs_kernel_trace_index(out->k, name);
    if (i >= 0 && len < out->trace_len[i])
        out->trace_len[i] = len;
}

void hs_out_status(hs_out *out, hs_status st, const char *fmt, ...)
{
    out->status = (int)st;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(out->detail, sizeof out->detail, fmt, ap);
        va_end(ap);
    }
}

int hs_task_stop_signal(int sig) { return sig == SIGTERM || sig == SIGUSR1 || sig == SIGINT; }

void hs_task_run(const hs_kernel *k, const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    int rc = k->run(p, ctx, out);
    if (rc != 0 && (out->status == HS_ST_PENDING || out->status == HS_ST_OK)) {
        out->status = HS_ST_FAILED;
        if (!out->detail[0])
            snprintf(out->detail, sizeof out->detail, "kernel returned %d", rc);
    }
    if (out->status == HS_ST_PENDING)
        out->status = HS_ST_OK;
}

int hs_num_err(int num_rc, char *msg, size_t cap, const char *what)
{
    int code;
    const char *why;
    switch (num_rc) {
    case HS_NUM_OK:
        return 0;
    case HS_NUM_ENOMEM:
        code = HS_ENOMEM, why = "out of memory";
        break;
    case HS_NUM_EMPI:
        code = HS_EMPI, why = "an MPI call failed";
        break;
    case HS_NUM_ENOCONV:
        code = HS_EINPUT, why = "the solver did not converge";
        break;
    case HS_NUM_EINPUT:
        code = HS_EINPUT, why = "invalid input";
        break;
    default:
        code = HS_EINPUT, why = "unknown numeric status";
        break;
    }
    if (msg && cap && !msg[0])
        snprintf(msg, cap, "%s: %s (%d)", what, why, num_rc);
    return code;
}
