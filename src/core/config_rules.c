/*
 * A sweep's `expect` rules (hs_rule in include/hsweep/config.h): their own
 * keys, their text, their check, and their references to other sweeps.
 */
#include <libconfig.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_impl.h"

static const char *const rule_keys[] = {"claim",  "when", "metric",    "op",
                                        "value",  "ref",  "ref_sweep", "ref_metric",
                                        "factor", "tol",  "over",      "tasks"};
#define N_RULE_KEYS (sizeof rule_keys / sizeof rule_keys[0])

const char *hs_rule_op_name(int op) { return op == HS_RULE_WITHIN ? "within" : hs_op_name(op); }

int hs_rule_check(const hs_rule *r, double lhs, double rhs)
{
    if (isnan(lhs) || isnan(rhs))
        return 0;
    if (r->op == HS_RULE_WITHIN)
        return fabs(lhs - rhs) <= r->tol * fabs(rhs);
    return hs_op_eval(r->op, lhs, rhs);
}

void hs_rule_text(const hs_rule *r, char *buf, size_t cap)
{
    char rhs[512];
    if (!r->ref_text && !r->ref_sweep) {
        snprintf(rhs, sizeof rhs, "%g", r->value);
    } else {
        char f[64] = "";
        if (r->factor != 1)
            snprintf(f, sizeof f, "%g × ", r->factor);
        snprintf(rhs, sizeof rhs, "%s%s%s%s%s%s", f, r->ref_metric ? r->ref_metric : r->metric,
                 r->ref_sweep ? " of " : "", r->ref_sweep ? r->ref_sweep : "",
                 r->ref_text ? " at " : "", r->ref_text ? r->ref_text : "");
    }
    char op[64];
    if (r->op == HS_RULE_WITHIN)
        snprintf(op, sizeof op, "within %g%% of", 100 * r->tol);
    else
        snprintf(op, sizeof op, "%s", hs_op_name(r->op));
    snprintf(buf, cap, "%s%s%s%s%s%s %s %s", r->when_text ? "when " : "",
             r->when_text ? r->when_text : "", r->when_text ? ": " : "",
             r->over_any ? "some group: " : "", r->tasks_all ? "every task's " : "", r->metric, op,
             rhs);
}

static int rule_metric_ok(const hs_kernel *k, const char *mn)
{
    return hs_kernel_metric_index(k, mn) >= 0 || strcmp(mn, "wall_s") == 0 ||
           strcmp(mn, "frac_ok") == 0;
}

/* A string-valued rule key into *out (owned); an error naming the key otherwise. */
static int rule_string(pctx *c, config_setting_t *m, const char *key, char **out)
{
    if (config_setting_type(m) != CONFIG_TYPE_STRING)
        return hs_cfg_perr(c, config_setting_source_line(m), key, "expected a string");
    *out = strdup(config_setting_get_string(m));
    return *out ? 0 : HS_FAIL(c->e, HS_ENOMEM, "out of memory");
}

static int rule_number(pctx *c, config_setting_t *m, const char *key, double *out)
{
    int t = config_setting_type(m);
    if (t == CONFIG_TYPE_FLOAT)
        *out = config_setting_get_float(m);
    else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        *out = (double)config_setting_get_int64(m);
    else
        return hs_cfg_perr(c, config_setting_source_line(m), key, "expected a number");
    return isfinite(*out)
               ? 0
               : hs_cfg_perr(c, config_setting_source_line(m), key, "expected a finite number");
}

/* One rule's own keys; its reference is checked by check_rule_ref once every sweep is known. */
static int parse_rule(pctx *c, const hs_sweep *s, config_setting_t *g, hs_rule *r)
{
    int gl = config_setting_source_line(g);
    r->line = gl;
    r->op = -1;
    r->value = r->tol = NAN;
    r->factor = 1;
    int has_value = 0, tol_line = 0, factor_line = 0, rmetric_line = 0;
    for (int j = 0; j < config_setting_length(g); j++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)j);
        const char *nm = config_setting_name(m);
        int ml = config_setting_source_line(m);
        char key[64];
        snprintf(key, sizeof key, "expect.%s", nm);
        char *str = NULL;
        int rc = 0;
        if (strcmp(nm, "claim") == 0) {
            rc = rule_string(c, m, key, &r->claim);
        } else if (strcmp(nm, "when") == 0) {
            hs_err fe;
            rc = rule_string(c, m, key, &r->when_text);
            if (rc == 0 && hs_filter_parse(s->kernel, r->when_text, &r->when, &fe) != 0)
                rc = hs_cfg_perr(c, ml, key, "%s", fe.msg);
        } else if (strcmp(nm, "metric") == 0 || strcmp(nm, "ref_metric") == 0) {
            char **dst = nm[0] == 'm' ? &r->metric : &r->ref_metric;
            rc = rule_string(c, m, key, dst);
            /* ref_metric belongs to the reference's kernel: checked with the reference */
            if (rc == 0 && nm[0] == 'm' && !rule_metric_ok(s->kernel, *dst))
                rc = hs_cfg_perr(c, ml, key, "'%s' is not a metric of kernel '%s'", *dst,
                                 s->kernel->name);
            rmetric_line = nm[0] == 'r' ? ml : rmetric_line;
        } else if (strcmp(nm, "op") == 0) {
            rc = rule_string(c, m, key, &str);
            r->op = rc ? 0 : strcmp(str, "within") == 0 ? HS_RULE_WITHIN : hs_op_parse(str);
            if (rc == 0 && r->op < 0)
                rc = hs_cfg_perr(c, ml, key, "op \"%s\": expected one of < <= > >= = != within",
                                 str);
        } else if (strcmp(nm, "value") == 0) {
            rc = rule_number(c, m, key, &r->value);
            has_value = 1;
        } else if (strcmp(nm, "ref") == 0) {
            rc = rule_string(c, m, key, &r->ref_text);
        } else if (strcmp(nm, "ref_sweep") == 0) {
            rc = rule_string(c, m, key, &r->ref_sweep);
        } else if (strcmp(nm, "factor") == 0) {
            rc = rule_number(c, m, key, &r->factor);
            factor_line = ml;
        } else if (strcmp(nm, "tol") == 0) {
            rc = rule_number(c, m, key, &r->tol);
            tol_line = ml;
            if (rc == 0 && r->tol < 0)
                rc = hs_cfg_perr(c, ml, key, "expected a tolerance >= 0 (a fraction of |rhs|)");
        } else if (strcmp(nm, "over") == 0 || strcmp(nm, "tasks") == 0) {
            const char *alt = nm[0] == 'o' ? "any" : "all", *def = nm[0] == 'o' ? "all" : "mean";
            rc = rule_string(c, m, key, &str);
            if (rc == 0 && strcmp(str, alt) != 0 && strcmp(str, def) != 0)
                rc = hs_cfg_perr(c, ml, key, "\"%s\": expected \"%s\" (default) or \"%s\"", str,
                                 def, alt);
            if (rc == 0)
                *(nm[0] == 'o' ? &r->over_any : &r->tasks_all) = strcmp(str, alt) == 0;
        } else {
            char sg[128];
            hs_cfg_suggest(nm, rule_keys, N_RULE_KEYS, sg, sizeof sg);
            rc = hs_cfg_perr(c, ml, key,
                             "unknown rule key%s (a rule has claim, when, metric, op, value or ref/"
                             "ref_sweep, ref_metric, factor, tol, over, tasks)",
                             sg);
        }
        free(str);
        HS_CALL(rc);
    }
    int has_ref = r->ref_text || r->ref_sweep;
    if (!r->metric || r->op < 0)
        return hs_cfg_perr(c, gl, "expect", "a rule needs metric and op");
    if (has_value == has_ref)
        return hs_cfg_perr(c, gl, "expect",
                           has_value
                               ? "a rule compares with value or with a reference (ref, ref_sweep), "
                                 "not both"
                               : "a rule needs value (a constant) or a reference (ref, ref_sweep)");
    if (!has_ref && (factor_line || rmetric_line))
        return hs_cfg_perr(c, factor_line ? factor_line : rmetric_line,
                           factor_line ? "expect.factor" : "expect.ref_metric",
                           "only a rule with a reference (ref, ref_sweep) takes this key");
    if (r->op == HS_RULE_WITHIN && !tol_line)
        return hs_cfg_perr(c, gl, "expect",
                           "op \"within\" needs tol (e.g. tol = 0.1: within 10%%)");
    if (r->op != HS_RULE_WITHIN && tol_line)
        return hs_cfg_perr(c, tol_line, "expect.tol", "tol goes with op = \"within\" only");
    return 0;
}

int hs_cfg_parse_expect(pctx *c, hs_sweep *s, config_setting_t *l)
{
    int line = config_setting_source_line(l);
    if (config_setting_type(l) != CONFIG_TYPE_LIST)
        return hs_cfg_perr(c, line, "expect",
                           "expected a list of rules ( { metric; op; value; }, ... )");
    int n = config_setting_length(l);
    s->rules = calloc((size_t)n + 1, sizeof *s->rules);
    if (!s->rules)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        if (config_setting_type(g) != CONFIG_TYPE_GROUP)
            return hs_cfg_perr(c, config_setting_source_line(g), "expect", "rule %d is not a group",
                               i + 1);
        HS_CALL(parse_rule(c, s, g, &s->rules[s->n_rules++]));
    }
    return 0;
}

/* Value a of parameter p matches the value typed in cd (reals as hs_num_cmp reads them, like `when`). */
static int axis_value_matches(const hs_kernel *k, int p, const hs_value *a, const hs_cond *cd)
{
    if (k->params[p].type == HS_T_REAL)
        return hs_num_cmp(a->r, cd->v.r, cd->text) == 0;
    return hs_cfg_values_equal(k->params[p].type, a, &cd->v);
}

/*
 * Whether parameter cd->param varies in sweep s (a case key, matrix axis or
 * zip member); *has: one of its values matches the value cd names.
 */
static int axis_has(const hs_sweep *s, const hs_cond *cd, int *has)
{
    const hs_kernel *k = s->kernel;
    size_t np = k->n_params;
    int p = cd->param;
    int is_axis = 0;
    *has = 0;
    for (size_t a = 0; a < s->n_axes; a++)
        for (size_t q = 0; q < s->axes[a].n_params; q++)
            if (s->axes[a].param[q] == p) {
                is_axis = 1;
                for (size_t i = 0; i < s->axes[a].n; i++)
                    *has |= axis_value_matches(k, p,
                                               &s->axes[a].values[i * s->axes[a].n_params + q], cd);
            }
    for (size_t ci = 0; s->n_cases > 1 && s->case_set && ci < s->n_cases; ci++)
        if (s->case_set[ci * np + p])
            is_axis = 1;
    for (size_t ci = 0; is_axis && s->case_set && ci < s->n_cases; ci++)
        *has |= axis_value_matches(
            k, p, s->case_set[ci * np + p] ? &s->cases[ci * np + p] : &s->base[p], cd);
    return is_axis;
}

/*
 * A rule's reference, once every sweep of the file is known: ref_sweep names
 * another sweep, the reference metric is one of its kernel's, and `ref` is a
 * list of "axis = value" with axes of the reference sweep and values they take
 * (in a reduced run, values it may have left out).
 */
static int check_rule_ref(pctx *c, const hs_sweepset *set, const hs_sweep *s, hs_rule *r,
                          config_setting_t *g)
{
    const hs_sweep *rs = s;
    config_setting_t *m = config_setting_get_member(g, "ref_sweep");
    if (r->ref_sweep) {
        int si = hs_sweepset_find(set, r->ref_sweep);
        if (si < 0) {
            const char *names[256];
            size_t n = 0;
            for (size_t i = 0; i < set->n_sweeps && n < 256; i++)
                names[n++] = set->sweeps[i].name;
            char sg[128];
            hs_cfg_suggest(r->ref_sweep, names, n, sg, sizeof sg);
            return hs_cfg_perr(c, config_setting_source_line(m), "expect.ref_sweep",
                               "this file has no sweep '%s'%s", r->ref_sweep, sg);
        }
        rs = &set->sweeps[si];
        if (rs == s)
            return hs_cfg_perr(c, config_setting_source_line(m), "expect.ref_sweep",
                               "names this sweep: a contrast within it needs ref alone");
    }
    const char *mn = r->ref_metric ? r->ref_metric : r->metric;
    if (!rule_metric_ok(rs->kernel, mn)) {
        m = config_setting_get_member(g, r->ref_metric ? "ref_metric" : "metric");
        return hs_cfg_perr(c, config_setting_source_line(m),
                           r->ref_metric ? "expect.ref_metric" : "expect.metric",
                           "'%s' is not a metric of kernel '%s' of sweep '%s'%s", mn,
                           rs->kernel->name, rs->name, r->ref_metric ? "" : " (set ref_metric)");
    }
    if (!r->ref_text)
        return 0;
    m = config_setting_get_member(g, "ref");
    int line = config_setting_source_line(m);
    hs_err fe;
    if (hs_filter_parse(rs->kernel, r->ref_text, &r->ref, &fe) != 0)
        return hs_cfg_perr(c, line, "expect.ref", "%s", fe.msg);
    if (r->ref.n == 0)
        return hs_cfg_perr(c, line, "expect.ref",
                           "\"%s\": expected AXIS = VALUE[, AXIS = VALUE ...]", r->ref_text);
    for (size_t i = 0; i < r->ref.n; i++) {
        const hs_cond *cd = &r->ref.c[i];
        for (size_t j = 0; j < i; j++)
            if (r->ref.c[j].param == cd->param)
                return hs_cfg_perr(c, line, "expect.ref", "\"%s\": an axis given twice",
                                   r->ref_text);
        const char *an = cd->param < 0 ? "seed" : rs->kernel->params[cd->param].name;
        int has = 0;
        if (cd->op != HS_OP_EQ)
            return hs_cfg_perr(c, line, "expect.ref",
                               "\"%s\": a reference sets axis values: write AXIS = VALUE",
                               r->ref_text);
        if (cd->param < 0 || !axis_has(rs, cd, &has))
            return hs_cfg_perr(c, line, "expect.ref", "'%s' is not an axis of sweep '%s'", an,
                               rs->name);
        /* a reduced run may leave the value out: its groups are then incomplete */
        if (!has && !set->reduced)
            return hs_cfg_perr(c, line, "expect.ref", "axis '%s' of sweep '%s' has no value %s", an,
                               rs->name, cd->text);
    }
    return 0;
}

int hs_cfg_check_rule_refs(pctx *c, hs_sweepset *set, config_setting_t *sweeps)
{
    for (size_t i = 0; i < set->n_sweeps; i++) {
        hs_sweep *s = &set->sweeps[i];
        config_setting_t *l =
            config_setting_get_member(config_setting_get_elem(sweeps, (unsigned)i), "expect");
        c->sweep = s->name;
        for (size_t ri = 0; ri < s->n_rules; ri++)
            HS_CALL(
                check_rule_ref(c, set, s, &s->rules[ri], config_setting_get_elem(l, (unsigned)ri)));
    }
    c->sweep = NULL;
    return 0;
}
