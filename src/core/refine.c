/*
 * Adaptive refinement of an axis (include/hsweep/refine.h): the sweep key
 * `refine`, the rows it owns, and the coordinator's decisions.
 */
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/collate.h"
#include "hsweep/config.h"
#include "hsweep/refine.h"
#include "hsweep/table.h"

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

static double axis_value(const hs_sweep *s, size_t a, int param, size_t i)
{
    const hs_value *v = &s->axes[a].values[i * s->axes[a].n_params];
    return s->kernel->params[param].type == HS_T_INT ? (double)v->i : v->r;
}

static int cmp_axis(const void *x, const void *y)
{
    double a = axis_value(sort_s, sort_axis, sort_param, *(const size_t *)x),
           b = axis_value(sort_s, sort_axis, sort_param, *(const size_t *)y);
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
    static const char *const keys[] = {"rule", "axis", "scale", "tol", "max_tasks", "points", "min"};
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
            while (a < s->n_axes &&
                   !(s->axes[a].n_params == 1 && s->axes[a].param[0] == sp->param && !s->axes[a].is_zip))
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
                return rerr(e, path, line, s->name, full, "expected \"linear\" (default) or \"log\"");
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
                return rerr(e, path, line, s->name, full,
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
                    "constant value", sp->rule + 1);
    if (strcmp(ru->metric, "wall_s") == 0)
        return rerr(e, path, gl, s->name, "refine.rule",
                    "rule %zu checks wall_s, which differs from run to run; refinement must "
                    "decide the same points every time", sp->rule + 1);
    if (s->n_seeds > HS_REFINE_MAX_SEEDS)
        return rerr(e, path, gl, s->name, "refine",
                    "the sweep has %zu seeds; refinement takes at most %d", s->n_seeds,
                    HS_REFINE_MAX_SEEDS);
    if (s->ranks_per_task > 1)
        return rerr(e, path, gl, s->name, "refine",
                    "refinement runs on tasks of one rank (ranks_per_task = %d)", s->ranks_per_task);
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
    double lo = axis_value(s, sp->axis, sp->param, sp->order[0]);
    if (sp->log && lo <= 0 && !have_min)
        return rerr(e, path, gl, s->name, "refine.min",
                    "axis '%s' has the value %g: on log scale give the smallest value to try, "
                    "e.g. min = 1e-12", axis, lo);
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
        rows += (long double)sp->n_active * (long double)(sp->n_vals - 1) * (long double)sp->max_tasks;
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
static const hs_refine_spec *locate(const hs_sweep *s, uint64_t id, uint64_t *bracket, uint64_t *slot)
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
static uint64_t grid_id(const hs_sweep *s, const hs_refine_spec *sp, uint64_t line, size_t pos, size_t sj)
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
static void grid_pos(const hs_sweep *s, const hs_refine_spec *sp, uint64_t id, uint64_t *line,
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
    const hs_refine_spec *sp = locate(s, id, &br, &slot);
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

/* A double carried in an int64 word, bit for bit. */
static int64_t dbits(double x)
{
    int64_t w;
    memcpy(&w, &x, sizeof w);
    return w;
}
static double bitsd(int64_t w)
{
    double x;
    memcpy(&x, &w, sizeof x);
    return x;
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
        words[1 + j] = dbits(rule_value(s->kernel, &s->rules[s->refine[j].rule], o->status, o->metrics));
}

/* ---- the coordinator ------------------------------------------------------ */

enum { B_WAIT = 0, B_RUN, B_DONE };

/* A grid bracket and the refinement inside it. */
typedef struct bracket {
    uint8_t state;
    uint16_t round;      /* rounds decided */
    uint32_t used;       /* points handed out */
    uint32_t round_first, round_n, round_fin;
} bracket;

/* One point's results: per seed status, value, `when` match; tasks final. */
typedef struct results {
    int8_t *st;
    double *x;
    uint8_t *match;
    uint32_t *fin;       /* per point */
} results;

typedef struct block {
    size_t si;
    const hs_refine_spec *sp;
    uint64_t max_points;
    bracket *b;          /* [n_active * (n_vals - 1)] */
    results grid;        /* points: line * n_vals + axis index */
    results ref;         /* points: bracket * max_points + point */
    size_t *rank;        /* axis index -> position in increasing order */
} block;

struct hs_refine {
    const hs_sweepset *set;
    int retries;
    block *blk;
    size_t n_blk;
    uint64_t *q;         /* queued refs */
    size_t q_head, q_n, q_cap;
    uint64_t added;
    hs_value *v;         /* scratch */
    /* replay: the file's rows by task id, and the finished ones still to feed */
    const hs_table *tab;
    int64_t **row_of;    /* per sweep: table row of each task id, or -1 */
    uint64_t *feed;      /* refs (sweep << 40 | id) */
    size_t feed_n, feed_cap;
    uint64_t replayed;   /* refinement rows of the file reached by the replay */
    int bad;             /* a refinement row with another value than the replay gives it */
    char bad_msg[256];
};

static int results_alloc(results *r, uint64_t points, size_t seeds)
{
    size_t n = (size_t)(points * seeds) + 1;
    r->st = calloc(n, 1);
    r->x = calloc(n, sizeof *r->x);
    r->match = calloc(n, 1);
    r->fin = calloc((size_t)points + 1, sizeof *r->fin);
    return r->st && r->x && r->match && r->fin ? 0 : -1;
}

static void results_free(results *r)
{
    free(r->st);
    free(r->x);
    free(r->match);
    free(r->fin);
}

void hs_refine_destroy(hs_refine **rfp)
{
    hs_refine *rf = *rfp;
    if (!rf)
        return;
    for (size_t i = 0; i < rf->n_blk; i++) {
        free(rf->blk[i].b);
        free(rf->blk[i].rank);
        results_free(&rf->blk[i].grid);
        results_free(&rf->blk[i].ref);
    }
    free(rf->blk);
    free(rf->q);
    free(rf->v);
    free(rf->feed);
    free(rf);
    *rfp = NULL;
}

int hs_refine_create(const hs_sweepset *set, int retries, hs_refine **out, hs_err *e)
{
    *out = NULL;
    size_t n = 0, maxp = 1;
    for (size_t i = 0; i < set->n_sweeps; i++) {
        n += set->sweeps[i].n_refine;
        maxp = set->sweeps[i].kernel->n_params > maxp ? set->sweeps[i].kernel->n_params : maxp;
    }
    if (!n)
        return 0;
    hs_refine *rf = calloc(1, sizeof *rf);
    if (!rf)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    rf->set = set;
    rf->retries = retries;
    rf->blk = calloc(n, sizeof *rf->blk);
    rf->v = calloc(maxp, sizeof *rf->v);
    int bad = !rf->blk || !rf->v;
    for (size_t i = 0; !bad && i < set->n_sweeps; i++) {
        const hs_sweep *s = &set->sweeps[i];
        for (size_t j = 0; !bad && j < s->n_refine; j++) {
            block *b = &rf->blk[rf->n_blk++];
            b->si = i;
            b->sp = &s->refine[j];
            b->max_points = b->sp->max_tasks / s->n_seeds;
            uint64_t nb = b->sp->n_active * (b->sp->n_vals - 1);
            b->b = calloc((size_t)nb + 1, sizeof *b->b);
            b->rank = calloc(b->sp->n_vals, sizeof *b->rank);
            bad = !b->b || !b->rank ||
                  results_alloc(&b->grid, b->sp->n_lines * b->sp->n_vals, s->n_seeds) ||
                  results_alloc(&b->ref, nb * b->max_points, s->n_seeds);
            for (size_t q = 0; !bad && q < b->sp->n_vals; q++)
                b->rank[b->sp->order[q]] = q;
        }
    }
    if (bad) {
        hs_refine_destroy(&rf);
        return HS_FAIL(e, HS_ENOMEM, "out of memory for the refinement's state");
    }
    *out = rf;
    return 0;
}

static void push(uint64_t **a, size_t *n, size_t *cap, uint64_t v)
{
    if (*n == *cap) {
        size_t c = *cap ? 2 * *cap : 64;
        uint64_t *p = realloc(*a, c * sizeof *p);
        if (!p)
            return; /* out of memory: the task stays pending; a resume runs it */
        *a = p;
        *cap = c;
    }
    (*a)[(*n)++] = v;
}

static uint64_t mkref(size_t si, uint64_t id) { return ((uint64_t)si << 40) | id; }

static const hs_sweep *blk_sweep(const hs_refine *rf, const block *b) { return &rf->set->sweeps[b->si]; }

/* A point's check from its seeds' results (HS_GROUP_*), with the shared rule evaluator. */
static int point_verdict(const hs_refine *rf, const block *b, const results *r, uint64_t p)
{
    const hs_sweep *s = blk_sweep(rf, b);
    const hs_rule *ru = &s->rules[b->sp->rule];
    int st[HS_REFINE_MAX_SEEDS];
    double x[HS_REFINE_MAX_SEEDS];
    size_t n = 0;
    for (size_t j = 0; j < s->n_seeds && n < HS_REFINE_MAX_SEEDS; j++)
        if (r->match[p * s->n_seeds + j]) {
            st[n] = r->st[p * s->n_seeds + j];
            x[n++] = r->x[p * s->n_seeds + j];
        }
    double lhs;
    return hs_rule_group_verdict(ru, n, st, x, strcmp(ru->metric, "frac_ok") == 0, &lhs);
}

/* Axis value of grid point (line, axis index pos). */
static double grid_x(const hs_sweep *s, const hs_refine_spec *sp, size_t pos)
{
    return axis_value(s, sp->axis, sp->param, pos);
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

/* Up to k interior values of (a, b), increasing, into out; returns how many. */
static size_t interior(const hs_refine_spec *sp, double a, double b, unsigned k, double *out)
{
    size_t n = 0;
    for (unsigned j = 1; j <= k; j++) {
        double x;
        if (!sp->log)
            x = a + (b - a) * (double)j / (double)(k + 1);
        else if (a > 0)
            x = a * pow(b / a, (double)j / (double)(k + 1));
        else /* [0, b]: from min up, min itself first */
            x = sp->min * pow(b / sp->min, (double)(j - 1) / (double)k);
        if (sp->integer)
            x = (double)llround(x);
        if (x > a && x < b && (n == 0 || x > out[n - 1]))
            out[n++] = x;
    }
    if (n == 0 && sp->integer && b - a >= 2)
        out[n++] = floor((a + b) / 2);
    return n;
}

typedef struct pt {
    double x;
    int ver;
} pt;

static int cmp_pt(const void *x, const void *y)
{
    const pt *a = x, *b = y;
    return a->x < b->x ? -1 : a->x > b->x;
}

/* The decided points of bracket bi (its two grid ends and its refinement
 * points) by increasing value, those with a verdict held or violated only. */
static size_t bracket_points(const hs_refine *rf, const block *b, uint64_t bi, pt *out)
{
    const hs_sweep *s = blk_sweep(rf, b);
    const hs_refine_spec *sp = b->sp;
    uint64_t line = sp->line_of[bi / (sp->n_vals - 1)];
    size_t iv = (size_t)(bi % (sp->n_vals - 1)), n = 0;
    for (size_t e = 0; e < 2; e++) {
        size_t pos = sp->order[iv + e];
        int v = point_verdict(rf, b, &b->grid, line * sp->n_vals + pos);
        if (v == HS_GROUP_HELD || v == HS_GROUP_VIOLATED)
            out[n++] = (pt){grid_x(s, sp, pos), v};
    }
    for (uint32_t p = 0; p < b->b[bi].used; p++) {
        uint64_t row = sp->row0 + bi * sp->max_tasks + (uint64_t)p * s->n_seeds;
        int v = point_verdict(rf, b, &b->ref, bi * b->max_points + p);
        if (v == HS_GROUP_HELD || v == HS_GROUP_VIOLATED)
            out[n++] = (pt){s->rrows->x[row], v};
    }
    qsort(out, n, sizeof *out, cmp_pt);
    return n;
}

/* Hand out refinement point p of bracket bi at value x in round `round`:
 * define its rows here and queue them (or, in a replay, feed the file's). */
static void hand_out(hs_refine *rf, block *b, uint64_t bi, uint32_t p, double x, int round)
{
    const hs_sweep *s = blk_sweep(rf, b);
    for (size_t j = 0; j < s->n_seeds; j++) {
        uint64_t id = s->n_tasks + b->sp->row0 + bi * b->sp->max_tasks + (uint64_t)p * s->n_seeds + j;
        hs_refine_define(s, id, x, round);
        int64_t r = rf->row_of ? rf->row_of[b->si][id] : -1;
        int done = 0;
        if (r >= 0) {
            const hs_table *t = rf->tab;
            int pc = hs_table_col(t, s->kernel->params[b->sp->param].name);
            double fx = hs_table_num(t, (size_t)r, pc);
            int st = hs_table_status(t, (size_t)r);
            rf->replayed++;
            if (fx != x && !rf->bad) {
                rf->bad = 1;
                snprintf(rf->bad_msg, sizeof rf->bad_msg,
                         "sweep '%s': refinement row %llu holds %s = %.17g where the replay gives %.17g",
                         s->name, (unsigned long long)id, s->kernel->params[b->sp->param].name, fx, x);
            }
            done = st > HS_ST_PENDING;
        }
        if (done)
            push(&rf->feed, &rf->feed_n, &rf->feed_cap, mkref(b->si, id));
        else
            push(&rf->q, &rf->q_n, &rf->q_cap, mkref(b->si, id));
        rf->added++;
    }
}

/* Bracket bi's points so far are all final: hand out the next round, or end. */
static void decide(hs_refine *rf, block *b, uint64_t bi)
{
    const hs_refine_spec *sp = b->sp;
    bracket *br = &b->b[bi];
    pt *p = malloc((br->used + 3) * sizeof *p);
    double *xs = malloc((sp->points + 1) * sizeof *xs);
    if (!p || !xs) {
        free(p);
        free(xs);
        br->state = B_DONE; /* out of memory: no further refinement here */
        return;
    }
    size_t n = bracket_points(rf, b, bi, p);
    uint32_t first = br->used;
    uint64_t left = b->max_points - br->used;
    for (size_t i = 0; i + 1 < n && left > 0; i++) {
        if (p[i].ver == p[i + 1].ver || hs_refine_narrow(sp, p[i].x, p[i + 1].x))
            continue;
        size_t m = interior(sp, p[i].x, p[i + 1].x, sp->points, xs);
        for (size_t j = 0; j < m && left > 0; j++, left--)
            hand_out(rf, b, bi, br->used++, xs[j], br->round + 1);
    }
    free(p);
    free(xs);
    if (br->used == first) {
        br->state = B_DONE;
        return;
    }
    br->state = B_RUN;
    br->round++;
    br->round_first = first;
    br->round_n = br->used - first;
    br->round_fin = 0;
}

/* Record one seed's final result of a point; returns 1 when the point is complete. */
static int note_result(results *r, uint64_t p, size_t sj, size_t seeds, int st, double x, int match)
{
    size_t k = (size_t)(p * seeds + sj);
    r->st[k] = (int8_t)st;
    r->x[k] = x;
    r->match[k] = (uint8_t)match;
    return ++r->fin[p] == seeds;
}

/* Whether attempt `attempt` with status st is the task's last (see sched.c's record). */
static int is_final(const hs_refine *rf, const hs_sweep *s, unsigned attempt, int st)
{
    int failed = st == HS_ST_FAILED || st == HS_ST_TIMEOUT || st == HS_ST_CRASHED;
    int retries = s->retries >= 0 ? s->retries : rf->retries;
    return !(failed && (int)attempt <= retries && attempt < 255);
}

static void finished_one(hs_refine *rf, size_t si, uint64_t id, const int64_t *words)
{
    const hs_sweep *s = &rf->set->sweeps[si];
    int64_t seed;
    uint64_t rs;
    hs_sweep_task(s, id, rf->v, &seed, &rs);
    for (size_t bk = 0; bk < rf->n_blk; bk++) {
        block *b = &rf->blk[bk];
        if (b->si != si)
            continue;
        const hs_refine_spec *sp = b->sp;
        size_t j = (size_t)(sp - s->refine);
        int match = hs_filter_match(s->kernel, &s->rules[sp->rule].when, rf->v, seed);
        double x = bitsd(words[1 + j]);
        int st = (int)words[0];
        if (id < s->n_tasks) {
            uint64_t line;
            size_t pos, sj;
            grid_pos(s, sp, id, &line, &pos, &sj);
            if (!note_result(&b->grid, line * sp->n_vals + pos, sj, s->n_seeds, st, x, match))
                continue;
            size_t q = b->rank[pos];
            for (size_t e = 0; e < 2 && sp->active[line] != UINT64_MAX; e++) {
                if ((e == 0 && q == 0) || (e == 1 && q + 1 >= sp->n_vals))
                    continue;
                size_t iv = e == 0 ? q - 1 : q;
                uint64_t bi = sp->active[line] * (sp->n_vals - 1) + iv;
                size_t other = sp->order[e == 0 ? iv : iv + 1];
                if (b->b[bi].state == B_WAIT &&
                    b->grid.fin[line * sp->n_vals + other] == s->n_seeds)
                    decide(rf, b, bi);
            }
            continue;
        }
        uint64_t bi, slot;
        if (locate(s, id, &bi, &slot) != sp)
            continue;
        uint64_t p = slot / s->n_seeds;
        if (!note_result(&b->ref, bi * b->max_points + p, (size_t)(slot % s->n_seeds), s->n_seeds,
                         st, x, match))
            continue;
        bracket *br = &b->b[bi];
        if (br->state == B_RUN && p >= br->round_first && p < br->round_first + br->round_n &&
            ++br->round_fin == br->round_n)
            decide(rf, b, bi);
    }
}

/* Feed the replay's finished rows (each may hand out more). */
static void drain_feed(hs_refine *rf)
{
    while (rf->feed_n > 0) {
        uint64_t ref = rf->feed[--rf->feed_n];
        size_t si = (size_t)(ref >> 40);
        uint64_t id = ref & ((1ULL << 40) - 1);
        const hs_sweep *s = &rf->set->sweeps[si];
        const hs_table *t = rf->tab;
        size_t r = (size_t)rf->row_of[si][id];
        int64_t w[1 + 64];
        int st = hs_table_status(t, r);
        w[0] = st;
        for (size_t j = 0; j < s->n_refine && j < 64; j++) {
            const hs_rule *ru = &s->rules[s->refine[j].rule];
            double x = strcmp(ru->metric, "frac_ok") == 0
                           ? st == HS_ST_OK
                           : hs_table_num(t, r, hs_table_col(t, ru->metric));
            w[1 + j] = dbits(x);
        }
        finished_one(rf, si, id, w);
    }
}

void hs_refine_finished(hs_refine *rf, size_t si, uint64_t id, unsigned attempt, const int64_t *words)
{
    if (!rf || si >= rf->set->n_sweeps)
        return;
    const hs_sweep *s = &rf->set->sweeps[si];
    if (!s->n_refine || id >= s->n_tasks + s->n_refine_rows || !is_final(rf, s, attempt, (int)words[0]))
        return;
    finished_one(rf, si, id, words);
}

static int is_failure(int st)
{
    return st == HS_ST_FAILED || st == HS_ST_TIMEOUT || st == HS_ST_CRASHED;
}

int hs_refine_replay(hs_refine *rf, const char *path, int retry_failed, hs_err *e)
{
    if (!rf)
        return 0;
    int rc = 0;
    for (size_t si = 0; si < rf->set->n_sweeps && rc == 0; si++) {
        const hs_sweep *s = &rf->set->sweeps[si];
        if (!s->n_refine)
            continue;
        hs_table t;
        HS_CALL(hs_table_read(path, s->name, &t, e));
        uint64_t rows = s->n_tasks + s->n_refine_rows;
        int64_t *row_of = malloc((size_t)rows * sizeof *row_of);
        int64_t **ro = calloc(rf->set->n_sweeps, sizeof *ro);
        int tc = hs_table_col(&t, "task_id"), oc = hs_table_col(&t, "origin");
        if (!row_of || !ro) {
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
        } else if (tc < 0 || oc < 0) {
            rc = HS_FAIL(e, HS_ESTATE, "%s: sweep '%s' has no task_id or origin column", path, s->name);
        } else {
            for (uint64_t i = 0; i < rows; i++)
                row_of[i] = -1;
            uint64_t in_file = 0;
            for (size_t r = 0; r < t.n_rows; r++) {
                double id = hs_table_num(&t, r, tc);
                if (id >= 0 && id < (double)rows && !t.damage[r])
                    row_of[(uint64_t)id] = (int64_t)r;
                in_file += id >= (double)s->n_tasks;
            }
            ro[si] = row_of;
            rf->row_of = ro;
            rf->tab = &t;
            rf->replayed = 0;
            for (uint64_t id = 0; id < s->n_tasks; id++) {
                int64_t r = row_of[id];
                int st = r >= 0 ? hs_table_status(&t, (size_t)r) : HS_ST_PENDING;
                if (st > HS_ST_PENDING && !(retry_failed && is_failure(st))) {
                    push(&rf->feed, &rf->feed_n, &rf->feed_cap, mkref(si, id));
                    drain_feed(rf);
                }
            }
            if (rf->bad)
                rc = HS_FAIL(e, HS_ESTATE, "%s: %s: the file was not written by this sweep file's "
                             "refinement; rerun with --overwrite", path, rf->bad_msg);
            else if (rf->replayed != in_file)
                rc = HS_FAIL(e, HS_ESTATE,
                             "%s: sweep '%s': %llu refinement row(s) in the file, of which the "
                             "replay reaches %llu: the file was not written by this sweep file's "
                             "refinement; rerun with --overwrite",
                             path, s->name, (unsigned long long)in_file,
                             (unsigned long long)rf->replayed);
        }
        rf->row_of = NULL;
        rf->tab = NULL;
        free(ro);
        free(row_of);
        hs_table_free(&t);
    }
    return rc;
}

size_t hs_refine_take(hs_refine *rf, uint64_t *refs, size_t cap)
{
    size_t n = 0;
    while (rf && n < cap && rf->q_head < rf->q_n)
        refs[n++] = rf->q[rf->q_head++];
    if (rf && rf->q_head == rf->q_n)
        rf->q_head = rf->q_n = 0;
    return n;
}

uint64_t hs_refine_queued(const hs_refine *rf) { return rf ? rf->q_n - rf->q_head : 0; }

uint64_t hs_refine_unfinished(const hs_refine *rf)
{
    uint64_t n = hs_refine_queued(rf);
    for (size_t i = 0; rf && i < rf->n_blk; i++) {
        const block *b = &rf->blk[i];
        for (uint64_t bi = 0; bi < b->sp->n_active * (b->sp->n_vals - 1); bi++)
            n += b->b[bi].state == B_RUN;
    }
    return n;
}
uint64_t hs_refine_added(const hs_refine *rf) { return rf ? rf->added : 0; }
