/*
 * Adaptive refinement, the coordinator's side (include/hsweep/refine.h):
 * per grid bracket, the points handed out and their results, the decisions
 * of each round, the queue of refinement tasks, and the replay of a
 * results file on resume.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/refine_impl.h"
#include "hsweep/collate.h"
#include "hsweep/config.h"
#include "hsweep/refine.h"
#include "hsweep/table.h"

enum { B_WAIT = 0, B_RUN, B_DONE };

/* A grid bracket and the refinement inside it. */
typedef struct bracket {
    uint8_t state;
    uint16_t round; /* rounds decided */
    uint32_t used;  /* points handed out */
    uint32_t round_first, round_n, round_fin;
} bracket;

/* One point's results: per seed status, value, `when` match; tasks final. */
typedef struct results {
    int8_t *st;
    double *x;
    uint8_t *match;
    uint32_t *fin; /* per point */
} results;

typedef struct block {
    size_t si;
    const hs_refine_spec *sp;
    uint64_t max_points;
    bracket *b;   /* [n_active * (n_vals - 1)] */
    results grid; /* points: line * n_vals + axis index */
    results ref;  /* points: bracket * max_points + point */
    size_t *rank; /* axis index -> position in increasing order */
} block;

struct hs_refine {
    const hs_sweepset *set;
    int retries;
    block *blk;
    size_t n_blk;
    uint64_t *q; /* queued refs */
    size_t q_head, q_n, q_cap;
    uint64_t added;
    hs_value *v; /* scratch */
    /* replay: the file's rows by task id, and the finished ones still to feed */
    const hs_table *tab;
    int64_t **row_of; /* per sweep: table row of each task id, or -1 */
    uint64_t *feed;   /* refs (sweep << 40 | id) */
    size_t feed_n, feed_cap;
    uint64_t replayed; /* refinement rows of the file reached by the replay */
    int retry_failed;  /* failed rows run again (not final) */
    int bad;           /* a refinement row with another value than the replay gives it */
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

static const hs_sweep *blk_sweep(const hs_refine *rf, const block *b)
{
    return &rf->set->sweeps[b->si];
}

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
    return hs_refine_axis_value(s, sp->axis, sp->param, pos);
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

static int is_failure(int st)
{
    return st == HS_ST_FAILED || st == HS_ST_TIMEOUT || st == HS_ST_CRASHED;
}

/* Hand out refinement point p of bracket bi at value x in round `round`:
 * define its rows here and queue them (or, in a replay, feed the file's). */
static void hand_out(hs_refine *rf, block *b, uint64_t bi, uint32_t p, double x, int round)
{
    const hs_sweep *s = blk_sweep(rf, b);
    for (size_t j = 0; j < s->n_seeds; j++) {
        uint64_t id =
            s->n_tasks + b->sp->row0 + bi * b->sp->max_tasks + (uint64_t)p * s->n_seeds + j;
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
                snprintf(
                    rf->bad_msg, sizeof rf->bad_msg,
                    "sweep '%s': refinement row %llu holds %s = %.17g where the replay gives %.17g",
                    s->name, (unsigned long long)id, s->kernel->params[b->sp->param].name, fx, x);
            }
            done = st > HS_ST_PENDING && !(rf->retry_failed && is_failure(st));
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
    int failed = is_failure(st);
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
        double x = hs_refine_bitsd(words[1 + j]);
        int st = (int)words[0];
        if (id < s->n_tasks) {
            uint64_t line;
            size_t pos, sj;
            hs_refine_grid_pos(s, sp, id, &line, &pos, &sj);
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
        if (hs_refine_locate(s, id, &bi, &slot) != sp)
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
            w[1 + j] = hs_refine_dbits(x);
        }
        finished_one(rf, si, id, w);
    }
}

void hs_refine_finished(hs_refine *rf, size_t si, uint64_t id, unsigned attempt,
                        const int64_t *words)
{
    if (!rf || si >= rf->set->n_sweeps)
        return;
    const hs_sweep *s = &rf->set->sweeps[si];
    if (!s->n_refine || id >= s->n_tasks + s->n_refine_rows ||
        !is_final(rf, s, attempt, (int)words[0]))
        return;
    finished_one(rf, si, id, words);
}

int hs_refine_replay(hs_refine *rf, const char *path, int retry_failed, hs_err *e)
{
    if (!rf)
        return 0;
    int rc = 0;
    rf->retry_failed = retry_failed;
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
            rc = HS_FAIL(e, HS_ESTATE, "%s: sweep '%s' has no task_id or origin column", path,
                         s->name);
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
                rc = HS_FAIL(e, HS_ESTATE,
                             "%s: %s: the file was not written by this sweep file's "
                             "refinement; rerun with --overwrite",
                             path, rf->bad_msg);
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
