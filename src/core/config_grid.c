/*
 * The keys of a sweep that give its parameters' values: fixed, matrix (one
 * axis per key: a list or a range), zip (groups of lists read together),
 * cases, seeds, and reduced (the same sweep made cheap).
 */
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_impl.h"

/* Sorting axis values by index (qsort has no context argument). */
static hs_type sort_type;
static const hs_value *sort_vals;

static int cmp_index(const void *pa, const void *pb)
{
    return hs_cfg_cmp_value(sort_type, &sort_vals[*(const size_t *)pa],
                            &sort_vals[*(const size_t *)pb]);
}

/* Values of an axis: a list/array of scalars, or a range group. */
static int axis_values(pctx *c, const hs_param_spec *spec, config_setting_t *s, hs_value **vals,
                       size_t *n)
{
    int t = config_setting_type(s);
    int line = config_setting_source_line(s);
    if (t == CONFIG_TYPE_GROUP)
        return hs_cfg_range_values(c, spec, s, vals, n);
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return hs_cfg_perr(c, line, spec->name,
                           "an axis needs a list of values [a, b, ...] or a range {from; to; num}");
    int len = config_setting_length(s);
    if (len < 1)
        return hs_cfg_perr(c, line, spec->name, "an axis needs at least one value");
    hs_value *v = calloc((size_t)len, sizeof *v);
    if (!v)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    for (int i = 0; i < len; i++) {
        config_setting_t *el = config_setting_get_elem(s, (unsigned)i);
        if (!hs_cfg_is_scalar_type(config_setting_type(el))) {
            free(v);
            return hs_cfg_perr(c, config_setting_source_line(el), spec->name,
                               "axis values must be %s", hs_cfg_type_word(spec->type));
        }
        if (hs_cfg_scalar_value(c, spec, el, &v[i]) != 0) {
            free(v);
            return c->e->code;
        }
    }
    /* Repeated values would repeat tasks: find them by sorting (lists may be long). */
    size_t *order = malloc((size_t)len * sizeof *order);
    if (!order) {
        free(v);
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    }
    for (int i = 0; i < len; i++)
        order[i] = (size_t)i;
    sort_type = spec->type;
    sort_vals = v;
    qsort(order, (size_t)len, sizeof *order, cmp_index);
    for (int i = 1; i < len; i++)
        if (hs_cfg_values_equal(spec->type, &v[order[i]], &v[order[i - 1]])) {
            size_t a = order[i] < order[i - 1] ? order[i] : order[i - 1];
            size_t b = order[i] < order[i - 1] ? order[i - 1] : order[i];
            int line2 = config_setting_source_line(config_setting_get_elem(s, (unsigned)b));
            free(order);
            free(v);
            return hs_cfg_perr(c, line2, spec->name, "value number %zu repeats value number %zu",
                               b + 1, a + 1);
        }
    free(order);
    *vals = v;
    *n = (size_t)len;
    return 0;
}

static const char *const src_names[] = {"default", "fixed", "matrix", "zip", "cases"};

/* Look up parameter `key` of the sweep's kernel; error with a suggestion if unknown. */
static int param_of(pctx *c, const hs_kernel *k, config_setting_t *m, int *idx)
{
    const char *key = config_setting_name(m);
    *idx = hs_kernel_param_index(k, key);
    if (*idx >= 0)
        return 0;
    char sg[128];
    hs_cfg_suggest_param(k, key, sg, sizeof sg);
    return hs_cfg_perr(c, config_setting_source_line(m), key, "unknown parameter of kernel '%s'%s",
                       k->name, sg);
}

static int claim(pctx *c, sweep_build *b, int idx, int where, config_setting_t *m)
{
    const char *key = config_setting_name(m);
    int line = config_setting_source_line(m);
    if (b->src[idx] != SRC_NONE && !(where == SRC_CASE && b->src[idx] == SRC_CASE))
        return hs_cfg_perr(c, line, key, "given twice: in %s here and in %s at line %d",
                           src_names[where], src_names[b->src[idx]], b->s->set_line[idx]);
    if (b->src[idx] == SRC_NONE)
        b->s->set_line[idx] = line;
    b->src[idx] = where;
    return 0;
}

int hs_cfg_parse_fixed(pctx *c, sweep_build *b, config_setting_t *g)
{
    const hs_kernel *k = b->s->kernel;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return hs_cfg_perr(c, config_setting_source_line(g), "fixed",
                           "expected a group { key = value; ... }");
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        int idx;
        HS_CALL(param_of(c, k, m, &idx));
        HS_CALL(claim(c, b, idx, SRC_FIXED, m));
        if (!hs_cfg_is_scalar_type(config_setting_type(m)))
            return hs_cfg_perr(c, config_setting_source_line(m), config_setting_name(m),
                               "a fixed value must be %s (lists belong in matrix or zip)",
                               hs_cfg_type_word(k->params[idx].type));
        HS_CALL(hs_cfg_scalar_value(c, &k->params[idx], m, &b->s->base[idx]));
    }
    return 0;
}

static int push_axis(pctx *c, hs_sweep *s, hs_axis *a)
{
    if (s->n_axes >= HS_MAX_AXES)
        return hs_cfg_perr(c, a->line, NULL, "more than %d matrix axes and zip groups",
                           HS_MAX_AXES);
    hs_axis *na = realloc(s->axes, (s->n_axes + 1) * sizeof *na);
    if (!na)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    s->axes = na;
    s->axes[s->n_axes++] = *a;
    return 0;
}

int hs_cfg_parse_matrix(pctx *c, sweep_build *b, config_setting_t *g)
{
    const hs_kernel *k = b->s->kernel;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return hs_cfg_perr(c, config_setting_source_line(g), "matrix",
                           "expected a group { key = [values]; ... }");
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        int idx;
        HS_CALL(param_of(c, k, m, &idx));
        HS_CALL(claim(c, b, idx, SRC_MATRIX, m));
        hs_axis a = {.n_params = 1, .line = config_setting_source_line(m)};
        a.param = malloc(sizeof *a.param);
        if (!a.param)
            return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        a.param[0] = idx;
        if (axis_values(c, &k->params[idx], m, &a.values, &a.n) != 0 ||
            push_axis(c, b->s, &a) != 0) {
            free(a.param);
            free(a.values);
            return c->e->code;
        }
    }
    return 0;
}

static int parse_zip_group(pctx *c, sweep_build *b, config_setting_t *g)
{
    const hs_kernel *k = b->s->kernel;
    int line = config_setting_source_line(g);
    int np = config_setting_length(g);
    if (np < 1)
        return hs_cfg_perr(c, line, "zip", "a zip group needs at least one list");
    hs_axis a = {.line = line, .is_zip = 1};
    a.param = calloc((size_t)np, sizeof *a.param);
    hs_value **cols = calloc((size_t)np, sizeof *cols);
    int rc = 0;
    if (!a.param || !cols)
        rc = HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    const char *first_key = NULL;
    for (int i = 0; i < np && rc == 0; i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        int idx;
        size_t n = 0;
        if ((rc = param_of(c, k, m, &idx)) || (rc = claim(c, b, idx, SRC_ZIP, m)) ||
            (rc = axis_values(c, &k->params[idx], m, &cols[i], &n)))
            break;
        a.param[i] = idx;
        a.n_params++;
        if (i == 0) {
            a.n = n;
            first_key = config_setting_name(m);
        } else if (n != a.n) {
            rc = hs_cfg_perr(c, config_setting_source_line(m), config_setting_name(m),
                             "zip lists of unequal length: '%s' has %zu values, '%s' has %zu",
                             config_setting_name(m), n, first_key, a.n);
        }
    }
    if (rc == 0) {
        a.values = calloc(a.n * a.n_params, sizeof *a.values);
        if (!a.values)
            rc = HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        for (size_t j = 0; rc == 0 && j < a.n; j++)
            for (size_t p = 0; p < a.n_params; p++)
                a.values[j * a.n_params + p] = cols[p][j];
        if (rc == 0)
            rc = push_axis(c, b->s, &a);
    }
    for (int i = 0; i < np && cols; i++)
        free(cols[i]);
    free(cols);
    if (rc) {
        free(a.param);
        free(a.values);
    }
    return rc;
}

int hs_cfg_parse_zip(pctx *c, sweep_build *b, config_setting_t *z)
{
    int t = config_setting_type(z);
    if (t == CONFIG_TYPE_GROUP)
        return parse_zip_group(c, b, z);
    if (t != CONFIG_TYPE_LIST)
        return hs_cfg_perr(c, config_setting_source_line(z), "zip",
                           "expected a group { a = [...]; b = [...]; } or a list of such groups");
    for (int i = 0; i < config_setting_length(z); i++) {
        config_setting_t *g = config_setting_get_elem(z, (unsigned)i);
        if (config_setting_type(g) != CONFIG_TYPE_GROUP)
            return hs_cfg_perr(c, config_setting_source_line(g), "zip",
                               "each zip entry must be a group");
        HS_CALL(parse_zip_group(c, b, g));
    }
    return 0;
}

int hs_cfg_parse_cases(pctx *c, sweep_build *b, config_setting_t *l)
{
    hs_sweep *s = b->s;
    const hs_kernel *k = s->kernel;
    int line = config_setting_source_line(l);
    if (config_setting_type(l) != CONFIG_TYPE_LIST)
        return hs_cfg_perr(c, line, "cases", "expected a list of groups ( { ... }, { ... } )");
    int n = config_setting_length(l);
    if (n < 1)
        return hs_cfg_perr(c, line, "cases", "needs at least one case");
    s->n_cases = (size_t)n;
    s->cases = calloc((size_t)n * k->n_params + 1, sizeof *s->cases);
    s->case_set = calloc((size_t)n * k->n_params + 1, 1);
    if (!s->cases || !s->case_set)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        if (config_setting_type(g) != CONFIG_TYPE_GROUP)
            return hs_cfg_perr(c, config_setting_source_line(g), "cases", "case %d is not a group",
                               i + 1);
        for (int j = 0; j < config_setting_length(g); j++) {
            config_setting_t *m = config_setting_get_elem(g, (unsigned)j);
            int idx;
            HS_CALL(param_of(c, k, m, &idx));
            HS_CALL(claim(c, b, idx, SRC_CASE, m));
            if (!hs_cfg_is_scalar_type(config_setting_type(m)))
                return hs_cfg_perr(c, config_setting_source_line(m), config_setting_name(m),
                                   "a case value must be %s",
                                   hs_cfg_type_word(k->params[idx].type));
            HS_CALL(hs_cfg_scalar_value(c, &k->params[idx], m,
                                        &s->cases[(size_t)i * k->n_params + idx]));
            s->case_set[(size_t)i * k->n_params + idx] = 1;
        }
    }
    return 0;
}

int hs_cfg_parse_seeds(pctx *c, hs_sweep *s, config_setting_t *m)
{
    int t = config_setting_type(m);
    int line = config_setting_source_line(m);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
        /* `seeds = 3;` reads as "three seeds" as often as "seed 3": neither is guessed */
        long long v = config_setting_get_int64(m);
        return hs_cfg_perr(
            c, line, "seeds",
            "a single number is not a list of seeds: write seeds = [%lld]; for the one "
            "seed %lld, or list every seed, e.g. seeds = [1, 2, 3]; for three",
            v, v);
    }
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return hs_cfg_perr(c, line, "seeds", "expected a list of integers [1, 2, 3]");
    int n = config_setting_length(m);
    if (n < 1)
        return hs_cfg_perr(c, line, "seeds", "needs at least one seed");
    s->seeds = calloc((size_t)n, sizeof *s->seeds);
    if (!s->seeds)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        config_setting_t *el = config_setting_get_elem(m, (unsigned)i);
        int et = config_setting_type(el);
        if (et != CONFIG_TYPE_INT && et != CONFIG_TYPE_INT64)
            return hs_cfg_perr(c, config_setting_source_line(el), "seeds",
                               "seeds must be integers");
        s->seeds[i] = config_setting_get_int64(el);
        for (int j = 0; j < i; j++)
            if (s->seeds[j] == s->seeds[i])
                return hs_cfg_perr(c, config_setting_source_line(el), "seeds",
                                   "seed %lld is repeated", (long long)s->seeds[i]);
    }
    s->n_seeds = (size_t)n;
    return 0;
}

/*
 * A sweep's `reduced = { key = value; axis = [values]; seeds = [...]; }`: the
 * same sweep made cheap (hsweep run --reduced).  A parameter set in fixed,
 * in cases or by default takes the scalar in every task; a matrix axis takes
 * a list (or a range) instead of its own; seeds replace the seeds.  Checked
 * like `fixed` whether or not `apply` is set, so a file's reduced run is
 * valid whenever its full run is; with apply, the sweep is changed in place
 * (before finish_sweep counts its tasks).
 */
int hs_cfg_parse_reduced(pctx *c, sweep_build *b, config_setting_t *g, int apply)
{
    hs_sweep *s = b->s;
    const hs_kernel *k = s->kernel;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return hs_cfg_perr(c, config_setting_source_line(g), "reduced",
                           "expected a group { key = value; axis = [values]; seeds = [...]; }");
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(m);
        int line = config_setting_source_line(m);
        if (strcmp(key, "seeds") == 0) {
            hs_sweep tmp = {0};
            int rc = hs_cfg_parse_seeds(c, &tmp, m);
            if (rc == 0 && apply) {
                free(s->seeds);
                s->seeds = tmp.seeds;
                s->n_seeds = tmp.n_seeds;
            } else {
                free(tmp.seeds);
            }
            HS_CALL(rc);
            continue;
        }
        int idx;
        HS_CALL(param_of(c, k, m, &idx));
        if (b->src[idx] == SRC_ZIP)
            return hs_cfg_perr(c, line, key,
                               "a member of a zip group cannot be reduced on its own");
        if (b->src[idx] == SRC_MATRIX) {
            hs_axis *ax = s->axes;
            while (ax->param[0] != idx)
                ax++;
            hs_value *vals;
            size_t n;
            HS_CALL(axis_values(c, &k->params[idx], m, &vals, &n));
            if (apply) {
                free(ax->values);
                ax->values = vals;
                ax->n = n;
                ax->line = line;
            } else {
                free(vals);
            }
            continue;
        }
        if (!hs_cfg_is_scalar_type(config_setting_type(m)))
            return hs_cfg_perr(c, line, key, "expected %s (only a matrix axis takes a list here)",
                               hs_cfg_type_word(k->params[idx].type));
        hs_value v;
        HS_CALL(hs_cfg_scalar_value(c, &k->params[idx], m, &v));
        if (!apply)
            continue;
        s->base[idx] = v;
        s->set_line[idx] = line;
        for (size_t ci = 0; s->case_set && ci < s->n_cases; ci++)
            if (s->case_set[ci * k->n_params + idx])
                s->cases[ci * k->n_params + idx] = v;
    }
    return 0;
}
