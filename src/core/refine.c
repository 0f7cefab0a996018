/*
 * Adaptive refinement of an axis (include/hsweep/refine.h): the sweep key
 * `refine` and the rows it owns.  The coordinator's decisions are in
 * refine_run.c.
 */
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/config.h"
#include "core/refine_impl.h"
#include "hsweep/refine.h"

/* ---- the sweep key ------------------------------------------------------- */

static int rerr(hs_err *e, const char *path, int line, const char *sweep, const char *key,
                const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static int rerr(hs_err *e, const char *path, int line, const char *sweep, const char *key,
                const char *fmt, ...)
{
    char what[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return HS_FAIL(e, HS_EINPUT, "%s:%d: sweep '%s': key '%s': %s", path, line, sweep, key, what);
}

static const hs_sweep *sort_s;
static size_t sort_axis;
static int sort_param;

double hs_refine_axis_value(const hs_sweep *s, size_t a, int param, size_t i)
{
    const hs_value *v = &s->axes[a].values[i * s->axes[a].n_params];
    return s->kernel->params[param].type == HS_T_INT ? (double)v->i : v->r;
}

static int cmp_axis(const void *x, const void *y)
{
    double a = hs_refine_axis_value(sort_s, sort_axis, sort_param, *(const size_t *)x),
           b = hs_refine_axis_value(sort_s, sort_axis, sort_param, *(const size_t *)y);
    return a < b ? -1 : a > b;
}

static uint64_t grid_id(const hs_sweep *s, const hs_refine_spec *sp, uint64_t line, size_t pos,
                        size_t sj);

/* The lines where the rule's `when` selects a grid task: only they own rows. */
static int active_lines(const hs_sweep *s, hs_refine_spec *sp, hs_err *e)
{
    const hs_rule *ru = &s->rules[sp->rule];
    hs_value *v = calloc(s->kernel->n_params + 1, sizeof *v);
    sp->active = malloc((size_t)sp->n_lines * sizeof *sp->active);
    sp->line_of = malloc(((size_t)sp->n_lines + 1) * sizeof *sp->line_of);
    if (!v || !sp->active || !sp->line_of) {
        free(v);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    sp->n_active = 0;
    for (uint64_t l = 0; l < sp->n_lines; l++) {
        int any = 0;
        for (size_t pos = 0; pos < sp->n_vals && !any; pos++)
            for (size_t j = 0; j < s->n_seeds && !any; j++) {
                int64_t seed;
                uint64_t rs;
                hs_sweep_task(s, grid_id(s, sp, l, pos, j), v, &seed, &rs);
                any = hs_filter_match(s->kernel, &ru->when, v, seed);
            }
        sp->active[l] = any ? sp->n_active : UINT64_MAX;
        if (any)
            sp->line_of[sp->n_active++] = l;
    }
    free(v);
    return 0;
}

/* One refine block's keys into sp. */
static int parse_block(const char *path, hs_sweep *s, config_setting_t *g, hs_refine_spec *sp,
                       hs_err *e)
{
    const hs_kernel *k = s->kernel;
    int gl = config_setting_source_line(g);
    static const char *const keys[] = {"rule",      "axis",   "scale", "tol",
                                       "max_tasks", "points", "min"};
    int have_rule = 0, have_tol = 0, have_min = 0;
    const char *axis = NULL;
    sp->points = 3;
    sp->max_tasks = 0;
    sp->line = gl;
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(m);
        int line = config_setting_source_line(m), t = config_setting_type(m);
        char full[64];
        snprintf(full, sizeof full, "refine.%s", key ? key : "?");
        int is_int = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
        double num = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(m)
                     : is_int               ? (double)config_setting_get_int64(m)
                                            : NAN;
        size_t ki = 0;
        while (ki < sizeof keys / sizeof keys[0] && strcmp(keys[ki], key) != 0)
            ki++;
        if (ki == sizeof keys / sizeof keys[0])
            return rerr(e, path, line, s->name, full,
                        "unknown key (expected rule, axis, scale, tol, max_tasks, points, min)");
        if (strcmp(key, "rule") == 0) {
            if (is_int) {
                long long r = config_setting_get_int64(m);
                if (r < 1 || (size_t)r > s->n_rules)
                    return rerr(e, path, line, s->name, full,
                                "rule %lld: the sweep has %zu expect rule(s), numbered from 1", r,
                                s->n_rules);
                sp->rule = (size_t)r - 1;
            } else if (t == CONFIG_TYPE_STRING) {
                const char *c = config_setting_get_string(m);
                size_t r = 0;
                while (r < s->n_rules && !(s->rules[r].claim && strcmp(s->rules[r].claim, c) == 0))
                    r++;
                if (r == s->n_rules)
                    return rerr(e, path, line, s->name, full,
                                "no expect rule has the claim \"%s\" (or give its number)", c);
                sp->rule = r;
            } else {
                return rerr(e, path, line, s->name, full,
                            "expected the rule's number (1 = the first expect rule) or its claim");
            }
            have_rule = 1;
        } else if (strcmp(key, "axis") == 0) {
            if (t != CONFIG_TYPE_STRING)
                return rerr(e, path, line, s->name, full, "expected the name of a matrix axis");
            axis = config_setting_get_string(m);
            sp->param = hs_kernel_param_index(k, axis);
            size_t a = 0;
            while (a < s->n_axes && !(s->axes[a].n_params == 1 &&
                                      s->axes[a].param[0] == sp->param && !s->axes[a].is_zip))
                a++;
            if (sp->param < 0 || a == s->n_axes)
                return rerr(e, path, line, s->name, full, "'%s' is not a matrix axis of the sweep",
                            axis);
            hs_type ty = k->params[sp->param].type;
            if (ty != HS_T_INT && ty != HS_T_REAL)
                return rerr(e, path, line, s->name, full,
                            "axis '%s' is not numeric (int or real): it has no values in between",
                            axis);
            if (s->axes[a].n < 2)
                return rerr(e, path, line, s->name, full,
                            "axis '%s' has one value: refinement needs a bracket of two", axis);
            sp->axis = a;
            sp->integer = ty == HS_T_INT;
        } else if (strcmp(key, "scale") == 0) {
            const char *v = t == CONFIG_TYPE_STRING ? config_setting_get_string(m) : "";
            if (strcmp(v, "log") != 0 && strcmp(v, "linear") != 0)
                return rerr(e, path, line, s->name, full,
                            "expected \"linear\" (default) or \"log\"");
            sp->log = strcmp(v, "log") == 0;
        } else if (strcmp(key, "tol") == 0) {
            if (!(num > 0) || !isfinite(num))
                return rerr(e, path, line, s->name, full,
                            "expected a width > 0 (absolute; on log scale relative: b/a - 1)");
            sp->tol = num;
            have_tol = 1;
        } else if (strcmp(key, "max_tasks") == 0) {
            if (!is_int || num < 1 || num > 1e9)
                return rerr(e, path, line, s->name, full,
                            "expected an integer >= 1: the tasks one grid bracket may add");
            sp->max_tasks = (uint64_t)num;
        } else if (strcmp(key, "points") == 0) {
            if (!is_int || num < 1 || num > 64)
                return rerr(
                    e, path, line, s->name, full,
                    "expected an integer from 1 to 64: the values a bracket is split at per round");
            sp->points = (unsigned)num;
        } else {
            if (!(num > 0) || !isfinite(num))
                return rerr(e, path, line, s->name, full, "expected a number > 0");
            sp->min = num;
            have_min = 1;
        }
    }
    if (!have_rule || !axis || !have_tol)
        return rerr(e, path, gl, s->name, "refine", "a refine block needs rule, axis and tol");
    const hs_rule *ru = &s->rules[sp->rule];
    if (ru->ref_text || ru->ref_sweep)
        return rerr(e, path, gl, s->name, "refine.rule",
                    "rule %zu compares with a reference group; refinement needs a rule with a "
                    "constant value",
                    sp->rule + 1);
    if (strcmp(ru->metric, "wall_s") == 0)
        return rerr(e, path, gl, s->name, "refine.rule",
                    "rule %zu checks wall_s, which differs from run to run; refinement must "
                    "decide the same points every time",
                    sp->rule + 1);
    if (s->n_seeds > HS_REFINE_MAX_SEEDS)
        return rerr(e, path, gl, s->name, "refine",
                    "the sweep has %zu seeds; refinement takes at most %d", s->n_seeds,
                    HS_REFINE_MAX_SEEDS);
    if (s->ranks_per_task > 1)
        return rerr(e, path, gl, s->name, "refine",
                    "refinement runs on tasks of one rank (ranks_per_task = %d)",
                    s->ranks_per_task);
    if (!sp->max_tasks)
        sp->max_tasks = 100 * s->n_seeds;
    if (sp->max_tasks < s->n_seeds)
        return rerr(e, path, gl, s->name, "refine.max_tasks",
                    "%llu is fewer than the sweep's %zu seeds: a point runs every seed",
                    (unsigned long long)sp->max_tasks, s->n_seeds);
    if (have_min && !sp->log)
        return rerr(e, path, gl, s->name, "refine.min", "min goes with scale = \"log\" only");
    sp->n_vals = s->axes[sp->axis].n;
    sp->order = malloc(sp->n_vals * sizeof *sp->order);
    if (!sp->order)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    for (size_t i = 0; i < sp->n_vals; i++)
        sp->order[i] = i;
    sort_s = s;
    sort_axis = sp->axis;
    sort_param = sp->param;
    qsort(sp->order, sp->n_vals, sizeof *sp->order, cmp_axis);
    double lo = hs_refine_axis_value(s, sp->axis, sp->param, sp->order[0]);
    if (sp->log && lo <= 0 && !have_min)
        return rerr(e, path, gl, s->name, "refine.min",
                    "axis '%s' has the value %g: on log scale give the smallest value to try, "
                    "e.g. min = 1e-12",
                    axis, lo);
    if (sp->log && lo < 0)
        return rerr(e, path, gl, s->name, "refine.scale",
                    "axis '%s' has a negative value (%g): log scale needs values >= 0", axis, lo);
    sp->n_lines = s->n_tasks / (s->n_seeds * sp->n_vals);
    return active_lines(s, sp, e);
}

int hs_refine_parse(const char *path, hs_sweep *s, void *setting, uint64_t max_rows, hs_err *e)
{
    config_setting_t *l = setting;
    int line = config_setting_source_line(l);
    if (!config_setting_is_list(l) || config_setting_length(l) < 1)
        return rerr(e, path, line, s->name, "refine",
                    "expected a list of blocks ( { rule = 1; axis = \"x\"; tol = 0.01; }, ... )");
    size_t n = (size_t)config_setting_length(l);
    s->refine = calloc(n, sizeof *s->refine);
    if (!s->refine)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    long double rows = 0;
    for (size_t i = 0; i < n; i++) {
        config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        if (!config_setting_is_group(g))
            return rerr(e, path, config_setting_source_line(g), s->name, "refine",
                        "block %zu is not a group { rule; axis; tol; ... }", i + 1);
        hs_refine_spec *sp = &s->refine[s->n_refine++];
        HS_CALL(parse_block(path, s, g, sp, e));
        for (size_t j = 0; j + 1 < s->n_refine; j++)
            if (s->refine[j].rule == sp->rule && s->refine[j].axis == sp->axis)
                return rerr(e, path, sp->line, s->name, "refine",
                            "rule %zu along '%s' is refined twice", sp->rule + 1,
                            s->kernel->params[sp->param].name);
        sp->row0 = (uint64_t)rows;
        rows +=
            (long double)sp->n_active * (long double)(sp->n_vals - 1) * (long double)sp->max_tasks;
    }
    uint64_t max = max_rows ? max_rows : HS_DEFAULT_MAX_TASKS;
    if (rows + (long double)s->n_tasks > (long double)max)
        return rerr(e, path, line, s->name, "refine",
                    "the refinement's rows (%.0Lf: max_tasks per bracket of neighbouring values, "
                    "for every line of the other axes) and the grid's %llu exceed the limit of "
                    "%llu; lower max_tasks or raise max_tasks = N; at the top of the file",
                    rows, (unsigned long long)s->n_tasks, (unsigned long long)max);
    s->n_refine_rows = (uint64_t)rows;
    s->rrows = calloc(1, sizeof *s->rrows);
    if (!s->rrows)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    s->rrows->x = malloc((s->n_refine_rows + 1) * sizeof *s->rrows->x);
    s->rrows->origin = malloc((s->n_refine_rows + 1) * sizeof *s->rrows->origin);
    if (!s->rrows->x || !s->rrows->origin)
        return HS_FAIL(e, HS_ENOMEM, "out of memory for %llu refinement rows",
                       (unsigned long long)s->n_refine_rows);
    for (uint64_t r = 0; r < s->n_refine_rows; r++) {
        s->rrows->x[r] = NAN;
        s->rrows->origin[r] = -1;
    }
    return 0;
}

void hs_refine_free(hs_sweep *s)
{
    for (size_t i = 0; i < s->n_refine; i++) {
        free(s->refine[i].order);
        free(s->refine[i].active);
        free(s->refine[i].line_of);
    }
    free(s->refine);
    s->refine = NULL;
    s->n_refine = 0;
    if (s->rrows) {
        free(s->rrows->x);
        free(s->rrows->origin);
        free(s->rrows);
        s->rrows = NULL;
    }
}

/* ---- rows ---------------------------------------------------------------- */

/* Where refinement row id lies: its block, bracket (line * (n_vals - 1) +
 * interval) and slot in the bracket's range. */
const hs_refine_spec *hs_refine_locate(const hs_sweep *s, uint64_t id, uint64_t *bracket,
                                       uint64_t *slot)
{
    uint64_t off = id - s->n_tasks;
    for (size_t j = s->n_refine; j-- > 0;) {
        const hs_refine_spec *sp = &s->refine[j];
        if (off >= sp->row0) {
            *bracket = (off - sp->row0) / sp->max_tasks;
            *slot = (off - sp->row0) % sp->max_tasks;
            return sp;
        }
    }
    *bracket = *slot = 0;
    return &s->refine[0];
}

/* Grid task id of line `line`, axis value index pos, seed index sj. */
static uint64_t grid_id(const hs_sweep *s, const hs_refine_spec *sp, uint64_t line, size_t pos,
                        size_t sj)
{
    size_t idx[HS_MAX_AXES];
    for (size_t a = s->n_axes; a-- > 0;) {
        if (a == sp->axis)
            continue;
        idx[a] = (size_t)(line % s->axes[a].n);
        line /= s->axes[a].n;
    }
    idx[sp->axis] = pos;
    uint64_t r = line; /* the case */
    for (size_t a = 0; a < s->n_axes; a++)
        r = r * s->axes[a].n + idx[a];
    return r * s->n_seeds + sj;
}

/* The inverse: line, axis value index and seed index of grid task id. */
void hs_refine_grid_pos(const hs_sweep *s, const hs_refine_spec *sp, uint64_t id, uint64_t *line,
                        size_t *pos, size_t *sj)
{
    size_t idx[HS_MAX_AXES];
    *sj = (size_t)(id % s->n_seeds);
    uint64_t r = id / s->n_seeds;
    for (size_t a = s->n_axes; a-- > 0;) {
        idx[a] = (size_t)(r % s->axes[a].n);
        r /= s->axes[a].n;
    }
    uint64_t l = r;
    for (size_t a = 0; a < s->n_axes; a++)
        if (a != sp->axis)
            l = l * s->axes[a].n + idx[a];
    *line = l;
    *pos = idx[sp->axis];
}

void hs_refine_task(const hs_sweep *s, uint64_t id, hs_value *v, int64_t *seed, uint64_t *rng_seed)
{
    uint64_t br, slot;
    const hs_refine_spec *sp = hs_refine_locate(s, id, &br, &slot);
    uint64_t line = sp->line_of[br / (sp->n_vals - 1)];
    size_t iv = (size_t)(br % (sp->n_vals - 1));
    hs_sweep_task(s, grid_id(s, sp, line, sp->order[iv], (size_t)(slot % s->n_seeds)), v, seed,
                  rng_seed);
    double x = s->rrows->x[id - s->n_tasks];
    if (isnan(x))
        return; /* not handed out (yet): the bracket's lower end stands in */
    if (sp->integer)
        v[sp->param].i = (int64_t)llround(x);
    else
        v[sp->param].r = x;
    *rng_seed = hs_task_rng_seed(s->kernel, *seed, v);
}

int hs_refine_origin(const hs_sweep *s, uint64_t id)
{
    return id < s->n_tasks ? 0 : s->rrows->origin[id - s->n_tasks];
}

void hs_refine_define(const hs_sweep *s, uint64_t id, double x, int round)
{
    if (id < s->n_tasks || id - s->n_tasks >= s->n_refine_rows)
        return;
    s->rrows->x[id - s->n_tasks] = x;
    s->rrows->origin[id - s->n_tasks] = round;
}

size_t hs_refine_note_words(const hs_sweepset *set)
{
    size_t n = 0;
    for (size_t i = 0; i < set->n_sweeps; i++)
        n = set->sweeps[i].n_refine > n ? set->sweeps[i].n_refine : n;
    return n ? 1 + n : 0;
}

/* The value of rule ru's metric in a task of status st with metrics m (NULL: none). */
static double rule_value(const hs_kernel *k, const hs_rule *ru, int st, const double *m)
{
    if (strcmp(ru->metric, "frac_ok") == 0)
        return st == HS_ST_OK;
    int mi = hs_kernel_metric_index(k, ru->metric);
    return mi >= 0 && m ? m[mi] : NAN;
}

void hs_refine_note(const hs_sweep *s, const hs_out *o, int64_t *words)
{
    words[0] = o->status;
    for (size_t j = 0; j < s->n_refine; j++)
        words[1 + j] = hs_refine_dbits(
            rule_value(s->kernel, &s->rules[s->refine[j].rule], o->status, o->metrics));
}

int hs_refine_narrow(const hs_refine_spec *sp, double a, double b)
{
    if (sp->integer && b - a <= 1)
        return 1;
    if (!sp->log)
        return b - a <= sp->tol;
    if (a <= 0)
        return b <= sp->min;
    return b / a - 1 <= sp->tol;
}
