/*
 * Sweep-file validation: the file's top-level keys and each sweep's own
 * keys (name, kernel, the run settings), the checks once a sweep is
 * complete, and the helpers the other parts share (config_impl.h).  The
 * whole file is checked before anything runs; the first problem found is
 * reported as
 *   FILE:LINE: sweep 'NAME': key 'KEY': what is wrong
 */
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_impl.h"
#include "hsweep/refine.h"

int hs_cfg_perr(pctx *c, int line, const char *key, const char *fmt, ...)
{
    char what[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char where[300] = "";
    if (c->sweep && key)
        snprintf(where, sizeof where, "sweep '%s': key '%s': ", c->sweep, key);
    else if (c->sweep)
        snprintf(where, sizeof where, "sweep '%s': ", c->sweep);
    else if (key)
        snprintf(where, sizeof where, "key '%s': ", key);
    return HS_FAIL(c->e, HS_EINPUT, "%s:%d: %s%s", c->path, line, where, what);
}

/* Levenshtein distance of a and b (99 when either is longer than 64 bytes). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    return d[la][lb];
}

/* " (did you mean 'x'?)" for the closest of names within distance 2, else "". */
void hs_cfg_suggest(const char *key, const char *const *names, size_t n, char *buf, size_t cap)
{
    size_t best = 3;
    const char *pick = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(key, names[i]);
        if (d < best) {
            best = d;
            pick = names[i];
        }
    }
    if (pick)
        snprintf(buf, cap, " (did you mean '%s'?)", pick);
    else
        buf[0] = 0;
}

void hs_cfg_suggest_param(const hs_kernel *k, const char *key, char *buf, size_t cap)
{
    const char *names[256];
    size_t n = k->n_params < 256 ? k->n_params : 256;
    for (size_t i = 0; i < n; i++)
        names[i] = k->params[i].name;
    hs_cfg_suggest(key, names, n, buf, cap);
}

const char *hs_cfg_type_word(hs_type t)
{
    switch (t) {
    case HS_T_INT:
        return "an integer";
    case HS_T_REAL:
        return "a number";
    case HS_T_BOOL:
        return "true or false";
    case HS_T_STRING:
        return "a string";
    }
    return "?";
}

/* Convert one scalar setting to spec's type and check its range. */
int hs_cfg_scalar_value(pctx *c, const hs_param_spec *spec, config_setting_t *s, hs_value *out)
{
    int line = config_setting_source_line(s);
    int t = config_setting_type(s);
    switch (spec->type) {
    case HS_T_INT:
        if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
            out->i = config_setting_get_int64(s);
        else
            return hs_cfg_perr(c, line, spec->name, "expected an integer");
        break;
    case HS_T_REAL:
        if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
            out->r = (double)config_setting_get_int64(s);
        else if (t == CONFIG_TYPE_FLOAT)
            out->r = config_setting_get_float(s);
        else
            return hs_cfg_perr(c, line, spec->name, "expected a number");
        break;
    case HS_T_BOOL:
        if (t != CONFIG_TYPE_BOOL)
            return hs_cfg_perr(c, line, spec->name, "expected true or false");
        out->b = config_setting_get_bool(s);
        break;
    case HS_T_STRING:
        if (t != CONFIG_TYPE_STRING)
            return hs_cfg_perr(c, line, spec->name, "expected a string");
        out->s = config_setting_get_string(s);
        if (strlen(out->s) > HS_MAX_STRING) /* every task's row holds the longest one */
            return hs_cfg_perr(c, line, spec->name,
                               "a string of %zu bytes is longer than the maximum of %d",
                               strlen(out->s), HS_MAX_STRING);
        break;
    }
    hs_err ve;
    if (hs_value_check(spec, out, &ve) != 0) {
        /* ve.msg starts with "key 'NAME': "; keep only what follows. */
        const char *m = strstr(ve.msg, "': ");
        return hs_cfg_perr(c, line, spec->name, "%s", m ? m + 3 : ve.msg);
    }
    return 0;
}

int hs_cfg_is_scalar_type(int t)
{
    return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT ||
           t == CONFIG_TYPE_STRING || t == CONFIG_TYPE_BOOL;
}

int hs_cfg_values_equal(hs_type t, const hs_value *a, const hs_value *b)
{
    switch (t) {
    case HS_T_INT:
        return a->i == b->i;
    case HS_T_REAL:
        return a->r == b->r;
    case HS_T_BOOL:
        return a->b == b->b;
    case HS_T_STRING:
        return strcmp(a->s, b->s) == 0;
    }
    return 0;
}

int hs_cfg_cmp_value(hs_type t, const hs_value *a, const hs_value *b)
{
    switch (t) {
    case HS_T_INT:
        return a->i < b->i ? -1 : a->i > b->i;
    case HS_T_REAL:
        return a->r < b->r ? -1 : a->r > b->r;
    case HS_T_BOOL:
        return a->b - b->b;
    case HS_T_STRING:
        return strcmp(a->s ? a->s : "", b->s ? b->s : "");
    }
    return 0;
}

/* Cases a and b compared on every parameter (an unset one has the sweep's base value). */
static int cmp_cases(const hs_sweep *s, size_t a, size_t b)
{
    size_t np = s->kernel->n_params;
    for (size_t p = 0; p < np; p++) {
        const hs_value *va = s->case_set[a * np + p] ? &s->cases[a * np + p] : &s->base[p];
        const hs_value *vb = s->case_set[b * np + p] ? &s->cases[b * np + p] : &s->base[p];
        int d = hs_cfg_cmp_value(s->kernel->params[p].type, va, vb);
        if (d)
            return d;
    }
    return 0;
}

/* Sorting the cases of sort_sweep by index; equal ones in file order. */
static const hs_sweep *sort_sweep;

static int cmp_case_index(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    int d = cmp_cases(sort_sweep, a, b);
    return d ? d : (a > b) - (a < b);
}

static const char *const sweep_keys[] = {
    "name",         "kernel",      "fixed",          "matrix",    "zip",       "cases",
    "seeds",        "expect",      "ranks_per_task", "isolation", "timeout_s", "retries",
    "mem_limit_mb", "description", "reduced",        "refine",    "command",   "parse",
    "workdir",      "env",         "metrics",        "traces",    "cost_s",    "protocol"};
/* Keys of kernel = "exec" sweeps only: "command" and those after it. */
#define FIRST_EXEC_KEY "command"
#define N_SWEEP_KEYS (sizeof sweep_keys / sizeof sweep_keys[0])

static int name_valid(const char *n)
{
    if (!*n || strlen(n) > 200)
        return 0;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return 0;
    return n[0] != '.';
}

/*
 * An upper bound of the bytes HDF5 needs to describe the tasks table's row
 * type: one object-header message, at most 64 KiB, holds it (HDF5 file format
 * 3.0, IV.A.2.d, datatype version 3: per member its name, NUL, offset and
 * type, up to 24 bytes for ours), plus a margin for the fixed columns.  A
 * table over it could only fail when the file is created.
 */
#define ROW_TYPE_MAX 65535.0
static double row_type_bytes(const hs_kernel *k)
{
    double n = 1024; /* task_id, seed, status (an enum with its names), ..., detail */
    for (size_t p = 0; p < k->n_params; p++)
        n += (double)strlen(k->params[p].name) + 29;
    for (size_t m = 0; m < k->n_metrics; m++)
        n += (double)strlen(k->metrics[m].name) + 29;
    for (size_t t = 0; t < k->n_traces; t++)
        n += (double)strlen(k->traces[t].name) + 4 + 29;
    return n;
}

/* Two cases that are the same task would run it twice under two task ids. */
static int check_case_duplicates(pctx *c, hs_sweep *s)
{
    if (s->case_set && s->n_cases > 1) {
        size_t *order = malloc(s->n_cases * sizeof *order);
        if (!order)
            return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        for (size_t i = 0; i < s->n_cases; i++)
            order[i] = i;
        sort_sweep = s;
        qsort(order, s->n_cases, sizeof *order, cmp_case_index);
        for (size_t i = 1; i < s->n_cases; i++) {
            size_t a = order[i - 1], b = order[i];
            if (cmp_cases(s, a, b) == 0) {
                free(order);
                return hs_cfg_perr(c, s->line, "cases",
                                   "case %zu is the same task as case %zu (identical "
                                   "parameter values): remove one",
                                   b + 1, a + 1);
            }
        }
        free(order);
    }
    return 0;
}

/* Per string parameter, the longest value any task takes, plus one: the results table's widths. */
static void string_widths(hs_sweep *s)
{
    const hs_kernel *k = s->kernel;
    for (size_t p = 0; p < k->n_params; p++) {
        if (k->params[p].type != HS_T_STRING)
            continue;
        size_t w = s->base[p].s ? strlen(s->base[p].s) : 0;
        for (size_t ci = 0; s->case_set && ci < s->n_cases; ci++)
            if (s->case_set[ci * k->n_params + p]) {
                size_t l = strlen(s->cases[ci * k->n_params + p].s);
                w = l > w ? l : w;
            }
        for (size_t a = 0; a < s->n_axes; a++)
            for (size_t q = 0; q < s->axes[a].n_params; q++)
                if (s->axes[a].param[q] == (int)p)
                    for (size_t j = 0; j < s->axes[a].n; j++) {
                        size_t l = strlen(s->axes[a].values[j * s->axes[a].n_params + q].s);
                        w = l > w ? l : w;
                    }
        s->str_width[p] = w + 1;
    }
}

/* The kernel's own cross-parameter checks (k->check), on every task; an error names the key it blames. */
static int kernel_checks(pctx *c, hs_sweep *s, const hs_load_opts *o)
{
    const hs_kernel *k = s->kernel;
    if (k->check && !(o && o->skip_checks)) {
        hs_value *v = calloc(k->n_params + 1, sizeof *v);
        if (!v)
            return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        uint64_t step = s->n_seeds; /* the seed does not change parameters */
        for (uint64_t id = 0; id < s->n_tasks; id += step) {
            int64_t seed;
            uint64_t rs;
            hs_sweep_task(s, id, v, &seed, &rs);
            hs_params pr = {k, v};
            char msg[512] = "";
            const char *key = NULL;
            if (k->check(&pr, msg, sizeof msg, &key) != 0) {
                int pi = key ? hs_kernel_param_index(k, key) : -1;
                int line = pi >= 0 && s->set_line[pi] ? s->set_line[pi] : s->line;
                char ctx[256];
                snprintf(ctx, sizeof ctx, "task %llu: ", (unsigned long long)id);
                free(v);
                return hs_cfg_perr(c, line, key, "%s%s", s->n_tasks > 1 ? ctx : "", msg);
            }
        }
        free(v);
    }
    return 0;
}

/*
 * The checks of a whole sweep, once every key is read: required parameters,
 * its results table's size, repeated cases, its task count (added to *total,
 * within the limit), string widths and the kernel's own checks.
 */
static int finish_sweep(pctx *c, sweep_build *b, const hs_load_opts *o, uint64_t *total)
{
    hs_sweep *s = b->s;
    const hs_kernel *k = s->kernel;
    /* Required parameters must be given somewhere, in every case. */
    for (size_t p = 0; p < k->n_params; p++) {
        if (k->params[p].def || (b->src[p] != SRC_NONE && b->src[p] != SRC_CASE))
            continue;
        for (size_t ci = 0; ci < s->n_cases; ci++)
            if (!s->case_set || !s->case_set[ci * k->n_params + p])
                return hs_cfg_perr(c, s->line, k->params[p].name,
                                   "required parameter of kernel '%s' is not given%s", k->name,
                                   s->case_set ? " (in every case)" : "");
    }
    for (size_t p = 0; p < k->n_params; p++)
        s->varying[p] = (b->src[p] == SRC_MATRIX || b->src[p] == SRC_ZIP ||
                         (b->src[p] == SRC_CASE && s->n_cases > 1));
    if (!s->seeds) {
        s->seeds = calloc(1, sizeof *s->seeds);
        if (!s->seeds)
            return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        s->n_seeds = 1;
    }
    if (row_type_bytes(k) > ROW_TYPE_MAX)
        return hs_cfg_perr(
            c, s->line, NULL,
            "its results table would have %zu columns whose description takes about %.0f "
            "bytes, more than HDF5's %.0f: use fewer or shorter metric and parameter names",
            k->n_params + k->n_metrics + k->n_traces + 11, row_type_bytes(k), ROW_TYPE_MAX);
    HS_CALL(check_case_duplicates(c, s));
    uint64_t max = o && o->max_tasks ? o->max_tasks : HS_DEFAULT_MAX_TASKS;
    /* Count with overflow checks: refuse before anything is allocated per task. */
    long double n = (long double)s->n_cases * (long double)s->n_seeds;
    for (size_t a = 0; a < s->n_axes; a++)
        n *= (long double)s->axes[a].n;
    if (n > (long double)max || n + (long double)*total > (long double)max)
        return hs_cfg_perr(
            c, s->line, NULL,
            "expands to %.0Lf tasks (%llu in the file so far), more than the limit of %llu; "
            "raise it with max_tasks = N; at the top of the file or --max-tasks N",
            n, (unsigned long long)*total, (unsigned long long)max);
    s->n_tasks = (uint64_t)n;
    *total += s->n_tasks;
    string_widths(s);
    return kernel_checks(c, s, o);
}

/* The directory of the sweep file, absolute if it exists ({sweep_dir}, plug-in paths). */
char *hs_cfg_sweep_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    char *abs = dir ? realpath(dir, NULL) : NULL;
    if (abs) {
        free(dir);
        return abs;
    }
    return dir;
}

/* The sweep group's keys are all sweep keys (a typo is reported as such, before anything else). */
static int check_sweep_keys(pctx *c, config_setting_t *g)
{
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *nm = config_setting_name(m);
        int known = 0;
        for (size_t j = 0; j < N_SWEEP_KEYS; j++)
            known |= strcmp(nm, sweep_keys[j]) == 0;
        if (!known) {
            char sg[128];
            hs_cfg_suggest(nm, sweep_keys, N_SWEEP_KEYS, sg, sizeof sg);
            return hs_cfg_perr(
                c, config_setting_source_line(m), nm,
                "unknown sweep key%s; parameters go inside fixed, matrix, zip or cases", sg);
        }
    }
    return 0;
}

/* The sweep's name: valid and not used by an earlier sweep of set; into s->name and c->sweep. */
static int sweep_name(pctx *c, hs_sweepset *set, config_setting_t *g, hs_sweep *s)
{
    config_setting_t *nm = config_setting_get_member(g, "name");
    if (!nm || config_setting_type(nm) != CONFIG_TYPE_STRING)
        return hs_cfg_perr(c, nm ? (int)config_setting_source_line(nm) : s->line, "name",
                           "each sweep needs name = \"...\" (a string)");
    const char *name = config_setting_get_string(nm);
    if (!name_valid(name))
        return hs_cfg_perr(c, config_setting_source_line(nm), "name",
                           "\"%s\" is not a valid sweep name (letters, digits, _ - . only)", name);
    s->name = strdup(name);
    if (!s->name)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    for (hs_sweep *p = set->sweeps; p < s; p++)
        if (strcmp(p->name, name) == 0)
            return hs_cfg_perr(c, config_setting_source_line(nm), "name",
                               "sweep name \"%s\" is used twice (also at line %d)", name, p->line);
    c->sweep = s->name;
    return 0;
}

/* The sweep's kernel: built in, "exec" (from the sweep's keys) or "plugin:PATH"; into s->kernel. */
static int sweep_kernel(pctx *c, hs_sweepset *set, config_setting_t *g, hs_sweep *s,
                        const hs_load_opts *o)
{
    config_setting_t *km = config_setting_get_member(g, "kernel");
    if (!km || config_setting_type(km) != CONFIG_TYPE_STRING)
        return hs_cfg_perr(c, km ? (int)config_setting_source_line(km) : s->line, "kernel",
                           "each sweep needs kernel = \"...\" (a string)");
    const char *kn = config_setting_get_string(km);
    if (strcmp(kn, "exec") == 0)
        HS_CALL(hs_cfg_exec_kernel(c, set, g, s));
    else if (strncmp(kn, "plugin:", strlen("plugin:")) == 0)
        HS_CALL(hs_cfg_plugin_kernel(c, set, km, s, o));
    else
        s->kernel = hs_kernel_find(kn);
    size_t first_exec = 0;
    while (strcmp(sweep_keys[first_exec], FIRST_EXEC_KEY) != 0)
        first_exec++;
    for (size_t j = first_exec; !s->exec && j < N_SWEEP_KEYS; j++) {
        config_setting_t *m = config_setting_get_member(g, sweep_keys[j]);
        if (m)
            return hs_cfg_perr(c, config_setting_source_line(m), sweep_keys[j],
                               "only sweeps with kernel = \"exec\" take this key");
    }
    if (s->kernel)
        return 0;
    char known[1024] = "";
    const char *names[128];
    size_t n = 0;
    for (size_t i = 0; hs_builtin_kernels[i] && n < 128; i++) {
        names[n++] = hs_builtin_kernels[i]->name;
        strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
        strncat(known, hs_builtin_kernels[i]->name, sizeof known - strlen(known) - 1);
    }
    char sg[128];
    hs_cfg_suggest(kn, names, n, sg, sizeof sg);
    return hs_cfg_perr(c, config_setting_source_line(km), "kernel",
                       "unknown kernel \"%s\"%s; known: %s, and exec or plugin:PATH for your own",
                       kn, sg, known);
}

/* ranks_per_task, isolation, timeout_s, retries, mem_limit_mb, description: the run settings. */
static int run_setting(pctx *c, hs_sweep *s, config_setting_t *m)
{
    const hs_kernel *k = s->kernel;
    const char *key = config_setting_name(m);
    int line = config_setting_source_line(m);
    int rc = 0;
    if (strcmp(key, "ranks_per_task") == 0) {
        int t = config_setting_type(m);
        long long v =
            (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) ? config_setting_get_int64(m) : -1;
        if (v < 1 || v > 65536)
            rc = hs_cfg_perr(c, line, key, "expected an integer >= 1");
        else if (v > 1 && !k->gang)
            rc = hs_cfg_perr(c, line, key, "kernel '%s' runs on one rank only", k->name);
        s->ranks_per_task = (int)v;
    } else if (strcmp(key, "isolation") == 0) {
        const char *v =
            config_setting_type(m) == CONFIG_TYPE_STRING ? config_setting_get_string(m) : "";
        if (strcmp(v, "fork") == 0)
            s->isolation = HS_ISO_FORK;
        else if (strcmp(v, "none") == 0)
            s->isolation = HS_ISO_NONE;
        else
            rc = hs_cfg_perr(c, line, key, "expected \"fork\" or \"none\"");
    } else if (strcmp(key, "timeout_s") == 0) {
        int t = config_setting_type(m);
        double v = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(m)
                   : (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
                       ? (double)config_setting_get_int64(m)
                       : -1;
        if (!(v >= 0 && v <= 1e9))
            rc = hs_cfg_perr(c, line, key, "expected a number of seconds >= 0 (0: no limit)");
        s->timeout_s = v;
    } else if (strcmp(key, "retries") == 0 || strcmp(key, "mem_limit_mb") == 0) {
        int t = config_setting_type(m);
        long long v =
            (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) ? config_setting_get_int64(m) : -1;
        if (v < 0 || v > (key[0] == 'r' ? 100 : 1LL << 40))
            rc = hs_cfg_perr(c, line, key,
                             key[0] == 'r' ? "expected an integer in [0, 100]"
                                           : "expected a number of MiB >= 0 (0: no limit)");
        else if (key[0] == 'r')
            s->retries = (int)v;
        else
            s->mem_limit_mb = (long)v;
    } else if (strcmp(key, "description") == 0 && config_setting_type(m) != CONFIG_TYPE_STRING)
        rc = hs_cfg_perr(c, line, key, "expected a string");
    return rc;
}

/* The sweep's keys in file order, once its kernel is known. */
static int sweep_values(pctx *c, sweep_build *b, config_setting_t *g)
{
    hs_sweep *s = b->s;
    int rc = 0;
    for (int i = 0; i < config_setting_length(g) && rc == 0; i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(m);
        if (strcmp(key, "fixed") == 0)
            rc = hs_cfg_parse_fixed(c, b, m);
        else if (strcmp(key, "matrix") == 0)
            rc = hs_cfg_parse_matrix(c, b, m);
        else if (strcmp(key, "zip") == 0)
            rc = hs_cfg_parse_zip(c, b, m);
        else if (strcmp(key, "cases") == 0)
            rc = hs_cfg_parse_cases(c, b, m);
        else if (strcmp(key, "seeds") == 0)
            rc = hs_cfg_parse_seeds(c, s, m);
        else if (strcmp(key, "expect") == 0)
            rc = hs_cfg_parse_expect(c, s, m);
        else
            rc = run_setting(c, s, m);
    }
    return rc;
}

/*
 * One sweep group g into s: its name and kernel first, then its keys in
 * file order, its reduced group, the checks of the whole sweep (adding its
 * tasks to *total) and its refine blocks.
 */
static int parse_sweep(pctx *c, hs_sweepset *set, config_setting_t *g, hs_sweep *s,
                       const hs_load_opts *o, uint64_t *total)
{
    s->line = config_setting_source_line(g);
    s->ranks_per_task = 1;
    s->isolation = -1;
    s->timeout_s = -1;
    s->retries = -1;
    s->mem_limit_mb = -1;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return hs_cfg_perr(c, s->line, "sweeps",
                           "each sweep must be a group { name = ...; kernel = ...; }");
    HS_CALL(check_sweep_keys(c, g));
    HS_CALL(sweep_name(c, set, g, s));
    HS_CALL(sweep_kernel(c, set, g, s, o));
    const hs_kernel *k = s->kernel;
    hs_params defaults;
    HS_CALL(hs_params_init_defaults(&defaults, k, c->e));
    s->base = defaults.v;
    s->set_line = calloc(k->n_params + 1, sizeof *s->set_line);
    s->varying = calloc(k->n_params + 1, 1);
    s->str_width = calloc(k->n_params + 1, sizeof *s->str_width);
    int *src = calloc(k->n_params + 1, sizeof *src);
    if (!s->set_line || !s->varying || !s->str_width || !src) {
        free(src);
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    }
    sweep_build b = {s, src};
    s->n_cases = 1;
    int rc = sweep_values(c, &b, g);
    config_setting_t *red = config_setting_get_member(g, "reduced");
    if (rc == 0 && red)
        rc = hs_cfg_parse_reduced(c, &b, red, o && o->reduced);
    if (rc == 0)
        rc = finish_sweep(c, &b, o, total);
    config_setting_t *rf = config_setting_get_member(g, "refine");
    if (rc == 0 && rf)
        rc = hs_refine_parse(c->path, s, rf, c->max_tasks, c->e);
    free(src);
    return rc;
}

static void sweep_free(hs_sweep *s)
{
    free(s->name);
    free(s->base);
    free(s->set_line);
    free(s->varying);
    free(s->cases);
    free(s->case_set);
    for (size_t a = 0; a < s->n_axes; a++) {
        free(s->axes[a].param);
        free(s->axes[a].values);
    }
    free(s->axes);
    free(s->seeds);
    free(s->str_width);
    for (size_t r = 0; r < s->n_rules; r++) {
        hs_rule *ru = &s->rules[r];
        hs_filter_free(&ru->when);
        hs_filter_free(&ru->ref);
        free(ru->claim);
        free(ru->when_text);
        free(ru->metric);
        free(ru->ref_text);
        free(ru->ref_sweep);
        free(ru->ref_metric);
    }
    free(s->rules);
    hs_refine_free(s);
    hs_exec_destroy(&s->exec);
    hs_plugin_close(&s->plugin);
}

void hs_sweepset_free(hs_sweepset **sp)
{
    hs_sweepset *s = *sp;
    if (!s)
        return;
    for (size_t i = 0; i < s->n_sweeps; i++)
        sweep_free(&s->sweeps[i]);
    free(s->sweeps);
    if (s->cfg) {
        config_destroy(s->cfg);
        free(s->cfg);
    }
    free(s->path);
    free(s->text);
    free(s->output);
    free(s);
    *sp = NULL;
}

int hs_cfg_parse_top(pctx *c, hs_sweepset *set, const hs_load_opts *o)
{
    config_setting_t *root = config_root_setting((config_t *)set->cfg);
    config_setting_t *sweeps = NULL;
    hs_load_opts opts = o ? *o : (hs_load_opts){0};
    const char *const top_keys[] = {"output", "sweeps", "max_tasks", "description"};
    for (int i = 0; i < config_setting_length(root); i++) {
        config_setting_t *m = config_setting_get_elem(root, (unsigned)i);
        const char *nm = config_setting_name(m);
        int line = config_setting_source_line(m), t = config_setting_type(m);
        if (strcmp(nm, "output") == 0) {
            if (t != CONFIG_TYPE_STRING || !*config_setting_get_string(m))
                return hs_cfg_perr(c, line, nm, "expected a file path string");
            set->output = strdup(config_setting_get_string(m));
            if (!set->output)
                return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        } else if (strcmp(nm, "sweeps") == 0) {
            sweeps = m;
        } else if (strcmp(nm, "max_tasks") == 0) {
            long long v =
                (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) ? config_setting_get_int64(m) : 0;
            if (v < 1)
                return hs_cfg_perr(c, line, nm, "expected a positive integer");
            if (!o || !o->max_tasks)
                opts.max_tasks = (uint64_t)v;
        } else if (strcmp(nm, "description") == 0) {
            if (t != CONFIG_TYPE_STRING)
                return hs_cfg_perr(c, line, nm, "expected a string");
        } else {
            char sg[128];
            hs_cfg_suggest(nm, top_keys, 4, sg, sizeof sg);
            return hs_cfg_perr(c, line, nm,
                               "unknown top-level key%s (expected output, sweeps, max_tasks)", sg);
        }
    }
    if (!sweeps)
        return hs_cfg_perr(c, 1, "sweeps", "the file defines no sweeps = ( { ... } );");
    if (config_setting_type(sweeps) != CONFIG_TYPE_LIST || config_setting_length(sweeps) < 1)
        return hs_cfg_perr(c, config_setting_source_line(sweeps), "sweeps",
                           "expected a non-empty list of groups ( { ... }, { ... } )");
    c->max_tasks = opts.max_tasks ? opts.max_tasks : HS_DEFAULT_MAX_TASKS;
    int n = config_setting_length(sweeps);
    set->sweeps = calloc((size_t)n, sizeof *set->sweeps);
    if (!set->sweeps)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    uint64_t total = 0;
    for (int i = 0; i < n; i++) {
        c->sweep = NULL;
        set->n_sweeps = (size_t)i + 1;
        HS_CALL(parse_sweep(c, set, config_setting_get_elem(sweeps, (unsigned)i), &set->sweeps[i],
                            &opts, &total));
    }
    HS_CALL(hs_cfg_check_rule_refs(c, set, sweeps));
    if (!set->output) {
        /* Default: results/<file stem>.h5 */
        const char *base = strrchr(set->path, '/');
        base = base ? base + 1 : set->path;
        size_t len = strcspn(base, ".");
        set->output = malloc(len + 16);
        if (!set->output)
            return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        snprintf(set->output, len + 16, "results/%.*s.h5", (int)len, base);
    }
    return set->output ? 0 : HS_FAIL(c->e, HS_ENOMEM, "out of memory");
}

int hs_sweepset_find(const hs_sweepset *s, const char *name)
{
    for (size_t i = 0; i < s->n_sweeps; i++)
        if (strcmp(s->sweeps[i].name, name) == 0)
            return (int)i;
    return -1;
}
