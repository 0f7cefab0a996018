/*
 * kernel = "exec" sweeps: the kernel's parameters are the keys its fixed,
 * matrix, zip and cases use; command, parse, workdir, env, metrics, traces,
 * cost_s and protocol describe the program (include/hsweep/exec.h).
 */
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_impl.h"

/* The type a parameter's value or list of values implies; -1 if none. */
static int implied_type(config_setting_t *m)
{
    int t = config_setting_type(m);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        return HS_T_INT;
    if (t == CONFIG_TYPE_FLOAT)
        return HS_T_REAL;
    if (t == CONFIG_TYPE_BOOL)
        return HS_T_BOOL;
    if (t == CONFIG_TYPE_STRING)
        return HS_T_STRING;
    /* A list: its first value's type, real if any value is a real; a range: the same of from, to. */
    int ty = -1;
    for (int i = 0; i < config_setting_length(m); i++) {
        config_setting_t *el = config_setting_get_elem(m, (unsigned)i);
        if (t == CONFIG_TYPE_GROUP && strcmp(config_setting_name(el), "from") != 0 &&
            strcmp(config_setting_name(el), "to") != 0)
            continue;
        int et = hs_cfg_is_scalar_type(config_setting_type(el)) ? implied_type(el) : -1;
        if (ty < 0 || (ty == HS_T_INT && et == HS_T_REAL))
            ty = et;
    }
    return ty;
}

typedef struct exec_schema {
    const char **names;
    hs_type *types;
    int *lines; /* where each name first appears */
    size_t n, cap;
} exec_schema;

/* Add the keys of group g (fixed, matrix, a zip group, a case) to the schema. */
static int schema_add_group(pctx *c, exec_schema *sc, config_setting_t *g)
{
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return 0; /* parse_fixed & co. report it */
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *nm = config_setting_name(m);
        int ty = implied_type(m);
        size_t j = 0;
        while (j < sc->n && strcmp(sc->names[j], nm) != 0)
            j++;
        if (j < sc->n) {
            if (sc->types[j] == HS_T_INT && ty == HS_T_REAL)
                sc->types[j] = HS_T_REAL;
            continue;
        }
        if (ty < 0)
            return hs_cfg_perr(
                c, config_setting_source_line(m), nm,
                "cannot tell the parameter's type (integer, real, bool or string) from its value");
        if (sc->n == sc->cap) {
            sc->cap = sc->cap ? 2 * sc->cap : 16;
            const char **nn = realloc(sc->names, sc->cap * sizeof *nn);
            if (nn)
                sc->names = nn;
            hs_type *nt = realloc(sc->types, sc->cap * sizeof *nt);
            if (nt)
                sc->types = nt;
            int *nl = realloc(sc->lines, sc->cap * sizeof *nl);
            if (nl)
                sc->lines = nl;
            if (!nn || !nt || !nl)
                return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        }
        sc->lines[sc->n] = (int)config_setting_source_line(m);
        sc->names[sc->n] = nm;
        sc->types[sc->n++] = (hs_type)ty;
    }
    return 0;
}

/* A list or array of strings, each checked as a template when sc is given. */
static int string_list(pctx *c, config_setting_t *m, const exec_schema *sc, const char ***out,
                       size_t *n)
{
    const char *key = config_setting_name(m);
    int t = config_setting_type(m), line = config_setting_source_line(m);
    if ((t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) || config_setting_length(m) < 1)
        return hs_cfg_perr(c, line, key, "expected a non-empty list of strings [\"a\", \"b\"]");
    *n = (size_t)config_setting_length(m);
    *out = calloc(*n, sizeof **out);
    if (!*out)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    for (size_t i = 0; i < *n; i++) {
        config_setting_t *el = config_setting_get_elem(m, (unsigned)i);
        int el_line = config_setting_source_line(el) ? (int)config_setting_source_line(el) : line;
        if (config_setting_type(el) != CONFIG_TYPE_STRING)
            return hs_cfg_perr(c, el_line, key, "value %zu is not a string", i + 1);
        (*out)[i] = config_setting_get_string(el);
        hs_err te;
        if (sc && hs_exec_template_check((*out)[i], sc->names, sc->n, &te) != 0)
            return hs_cfg_perr(c, el_line, key, "%s", te.msg);
    }
    return 0;
}

static int env_name_ok(const char *n)
{
    for (const char *p = n; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_' ||
              (p > n && *p >= '0' && *p <= '9')))
            return 0;
    return *n != 0;
}

/* protocol = "jsonl": one program for every task, so its templates may not depend on the task. */
static int warm_keys(pctx *c, config_setting_t *g, const hs_exec_def *d)
{
    static const char *const keys[] = {"command", "workdir", "env", "parse"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        config_setting_t *m = config_setting_get_member(g, keys[k]);
        int n = m && config_setting_is_aggregate(m) ? config_setting_length(m) : m ? 1 : 0;
        for (int i = 0; i < n; i++) {
            config_setting_t *el =
                config_setting_is_aggregate(m) ? config_setting_get_elem(m, (unsigned)i) : m;
            hs_err te;
            if (k == 3 && d->parse != HS_EXEC_JSON)
                return hs_cfg_perr(
                    c, config_setting_source_line(m), keys[k],
                    "protocol = \"jsonl\" reads JSON answers: parse must be \"json-last-line\"");
            if (k < 3 && hs_exec_warm_template_check(config_setting_get_string(el), &te) != 0)
                return hs_cfg_perr(c, config_setting_source_line(el), keys[k], "%s", te.msg);
        }
    }
    return 0;
}

/* The keys of an exec sweep (command, parse, workdir, env, metrics, traces, protocol) into d. */
static int exec_keys(pctx *c, config_setting_t *g, const exec_schema *sc, hs_exec_def *d,
                     size_t *trace_lens, char *cost_buf, size_t cost_cap)
{
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(m);
        int t = config_setting_type(m), line = config_setting_source_line(m);
        if (strcmp(key, "command") == 0) {
            HS_CALL(string_list(c, m, sc, (const char ***)&d->argv, &d->argc));
        } else if (strcmp(key, "metrics") == 0) {
            HS_CALL(string_list(c, m, NULL, (const char ***)&d->metric_names, &d->n_metrics));
        } else if (strcmp(key, "cost_s") == 0) {
            hs_err te;
            int num = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT;
            double v = num ? config_setting_get_float(m) : 0;
            if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
                v = (double)config_setting_get_int64(m);
            if (num && !(v > 0 && v <= 1e9))
                return hs_cfg_perr(c, line, key, "expected seconds in (0, 1e9], got %g", v);
            if (num)
                snprintf(cost_buf, cost_cap, "%.17g", v);
            else if (t != CONFIG_TYPE_STRING)
                return hs_cfg_perr(c, line, key,
                                   "expected seconds per task: a number or a formula of the "
                                   "parameters (a string, e.g. \"0.5 + epochs * 0.01\")");
            d->cost_s = num ? cost_buf : config_setting_get_string(m);
            if (!num && hs_exec_cost_check(d->cost_s, sc->names, sc->types, sc->n, &te) != 0)
                return hs_cfg_perr(c, line, key, "%s", te.msg);
        } else if (strcmp(key, "parse") == 0) {
            const char *v = t == CONFIG_TYPE_STRING ? config_setting_get_string(m) : "";
            if (strcmp(v, "json-last-line") == 0 || strcmp(v, "key=value") == 0)
                d->parse = v[0] == 'j' ? HS_EXEC_JSON : HS_EXEC_KV;
            else
                return hs_cfg_perr(c, line, key, "expected \"json-last-line\" or \"key=value\"");
        } else if (strcmp(key, "protocol") == 0) {
            const char *v = t == CONFIG_TYPE_STRING ? config_setting_get_string(m) : "";
            if (strcmp(v, "per-task") != 0 && strcmp(v, "jsonl") != 0)
                return hs_cfg_perr(c, line, key, "expected \"per-task\" or \"jsonl\"");
            d->warm = v[0] == 'j';
        } else if (strcmp(key, "workdir") == 0) {
            hs_err te;
            if (t != CONFIG_TYPE_STRING || !*config_setting_get_string(m))
                return hs_cfg_perr(c, line, key,
                                   "expected a directory (a string; {task_id} etc. allowed)");
            d->workdir = config_setting_get_string(m);
            if (hs_exec_template_check(d->workdir, sc->names, sc->n, &te) != 0)
                return hs_cfg_perr(c, line, key, "%s", te.msg);
        } else if (strcmp(key, "env") == 0 || strcmp(key, "traces") == 0) {
            int is_env = key[0] == 'e', n = config_setting_length(m);
            if (t != CONFIG_TYPE_GROUP)
                return hs_cfg_perr(c, line, key,
                                   is_env ? "expected a group { NAME = \"value\"; ... }"
                                          : "expected a group { name = max_length; ... }");
            if (!is_env && n > HS_EXEC_MAX_TRACES)
                return hs_cfg_perr(c, line, key, "at most %d traces", HS_EXEC_MAX_TRACES);
            const char **names = calloc((size_t)n + 1, sizeof *names);
            const char **vals = is_env ? calloc((size_t)n + 1, sizeof *vals) : NULL;
            if (!names || (is_env && !vals)) {
                free(names);
                return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
            }
            if (is_env) {
                d->env_names = names;
                d->env_values = vals;
                d->n_env = (size_t)n;
            } else {
                d->trace_names = names;
                d->n_traces = (size_t)n;
            }
            for (int j = 0; j < n; j++) {
                config_setting_t *el = config_setting_get_elem(m, (unsigned)j);
                int et = config_setting_type(el), el_line = config_setting_source_line(el);
                names[j] = config_setting_name(el);
                hs_err te;
                if (is_env && !env_name_ok(names[j]))
                    return hs_cfg_perr(c, el_line, key,
                                       "'%s' is not a variable name (letters, digits, _)",
                                       names[j]);
                if (is_env && et != CONFIG_TYPE_STRING)
                    return hs_cfg_perr(c, el_line, key, "%s: expected a string", names[j]);
                if (is_env && hs_exec_template_check((vals[j] = config_setting_get_string(el)),
                                                     sc->names, sc->n, &te) != 0)
                    return hs_cfg_perr(c, el_line, key, "%s: %s", names[j], te.msg);
                long long len = (et == CONFIG_TYPE_INT || et == CONFIG_TYPE_INT64)
                                    ? config_setting_get_int64(el)
                                    : -1;
                if (!is_env && (len < 1 || len > 100000000))
                    return hs_cfg_perr(c, el_line, key,
                                       "%s: expected its maximum length, an integer in [1, 1e8]",
                                       names[j]);
                if (!is_env)
                    trace_lens[j] = (size_t)len;
            }
        }
    }
    if (!d->argc)
        return hs_cfg_perr(c, config_setting_source_line(g), "command",
                           "kernel = \"exec\" needs command = [\"program\", \"arg\", ...]");
    return d->warm ? warm_keys(c, g, d) : 0;
}

/* kernel = "exec": the sweep's parameters are the keys its fixed, matrix, zip and cases use. */
int hs_cfg_exec_kernel(pctx *c, hs_sweepset *set, config_setting_t *g, hs_sweep *s)
{
    exec_schema sc = {0};
    hs_exec_def d = {
        .sweep = s->name, .parse = HS_EXEC_JSON, .task_id = hs_cfg_sweep_task_id, .task_id_arg = s};
    size_t trace_lens[HS_EXEC_MAX_TRACES];
    char cost_buf[32];
    d.trace_lens = trace_lens;
    int rc = 0;
    for (int i = 0; i < config_setting_length(g) && rc == 0; i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(m);
        if (strcmp(key, "fixed") == 0 || strcmp(key, "matrix") == 0 ||
            (strcmp(key, "zip") == 0 && config_setting_type(m) == CONFIG_TYPE_GROUP))
            rc = schema_add_group(c, &sc, m);
        else if ((strcmp(key, "zip") == 0 || strcmp(key, "cases") == 0) &&
                 config_setting_type(m) == CONFIG_TYPE_LIST)
            for (int j = 0; j < config_setting_length(m) && rc == 0; j++)
                rc = schema_add_group(c, &sc, config_setting_get_elem(m, (unsigned)j));
    }
    char *dir = rc == 0 ? hs_cfg_sweep_dir(set->path) : NULL;
    if (rc == 0 && !dir)
        rc = HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    if (rc == 0)
        rc = exec_keys(c, g, &sc, &d, trace_lens, cost_buf, sizeof cost_buf);
    if (rc == 0) {
        d.sweep_dir = dir;
        d.param_names = sc.names;
        d.param_types = sc.types;
        d.n_params = sc.n;
        hs_err xe;
        if (hs_exec_create(&d, &s->exec, &xe) != 0) {
            /* A name the table check refused: point at the key that declares it. */
            const char *key = strstr(xe.msg, ": metric '")  ? "metrics"
                              : strstr(xe.msg, ": trace '") ? "traces"
                                                            : NULL;
            config_setting_t *m = key ? config_setting_get_member(g, key) : NULL;
            int line = m ? (int)config_setting_source_line(m) : s->line;
            const char *pq = strstr(xe.msg, ": parameter '");
            for (size_t i = 0; pq && !key && i < sc.n; i++) {
                size_t n = strlen(sc.names[i]);
                if (strncmp(pq + 13, sc.names[i], n) == 0 && pq[13 + n] == '\'') {
                    key = sc.names[i];
                    line = sc.lines[i];
                }
            }
            rc = hs_cfg_perr(c, line, key ? key : "kernel", "%s", xe.msg);
        } else {
            s->kernel = hs_exec_kernel(s->exec);
        }
    }
    free(dir);
    free((void *)d.argv);
    free((void *)d.metric_names);
    free((void *)d.trace_names);
    free((void *)d.env_names);
    free((void *)d.env_values);
    free(sc.names);
    free(sc.types);
    free(sc.lines);
    return rc;
}
