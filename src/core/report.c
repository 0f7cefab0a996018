/* `hsweep report`: per sweep, the verdicts of its `expect` rules first, then its groups. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/collate_impl.h"
#include "hsweep/collate.h"
#include "hsweep/json.h"
#include "hsweep/kernel.h"
#include "hsweep/refine.h"

/* Verdict of a rule on one group; G_NA: its `when` selects no task of the group. */
enum { G_NA = -1, G_HELD = 0, G_VIOLATED = 1, G_INCOMPLETE = 2 };
static const char *const gver_names[] = {"held", "violated", "incomplete"};
/* Verdict of a rule. */
enum { R_HELD, R_VIOLATED, R_INCOMPLETE, R_NODATA };
static const char *const rver_names[] = {"held", "violated", "incomplete", "no data"};

/* Why an aggregate cannot be trusted (a group incomplete). */
enum { WHY_NONE, WHY_PENDING, WHY_FAILED, WHY_INF, WHY_NOVALUE, WHY_MISSING, WHY_NOSWEEP };
static const char *const why_text[] = {"",
                                       "a task is pending",
                                       "a task failed, timed out or crashed",
                                       "the mean is ±inf",
                                       "no task gave a value",
                                       "no such group",
                                       "the sweep is not in the results"};

#define MAX_CHANGES 8 /* changes kept per line of groups (all are counted) */
#define MAX_NAMED 4   /* lines named per class of lines that differ from the most common */
#define MAX_CLASSES 4 /* classes of lines shown per rule and axis in Markdown */

/* One sweep's tasks, finished and pending, by group (axis values but seed). */
typedef struct view {
    hs_rowset rs;
    int *gcol; /* group axes: every axis but seed */
    size_t n_g;
    hs_keys gk;
    size_t *gkey, *start, *idx; /* tasks of group g: idx[start[g] .. start[g+1]-1] */
} view;

/* An aggregate being built: finite values summed, problems counted. */
typedef struct agg {
    double sum;
    size_t n, n_vals, n_pending, n_bad;
    int inf;
} agg;

/* A rule on a group. */
typedef struct gcheck {
    int ver;      /* G_* */
    int why;      /* WHY_* of the group's own tasks */
    int why_ref;  /* WHY_* of the reference */
    double lhs, rhs;
} gcheck;

/* One line of groups along an axis (equal values of the other axes). */
typedef struct fline {
    size_t rep;      /* a group of the line */
    size_t n_groups; /* groups with a verdict held or violated */
    int cls;         /* class of lines alike; -1: fewer than two such groups */
    int constant;    /* G_HELD / G_VIOLATED when nothing changes */
    size_t n_ch;     /* changes along the line, in increasing axis value */
    size_t ch_from[MAX_CHANGES], ch_to[MAX_CHANGES];
    int ch_before[MAX_CHANGES];
} fline;

/* Where a rule's check flips along one numeric axis. */
typedef struct flips {
    size_t rule, a;   /* rule, group axis */
    size_t n_values;  /* axis values among groups with a verdict */
    size_t n_applies; /* axis values among groups the rule applies to */
    size_t n_groups;  /* groups with a verdict */
    size_t n_lines;
    fline *line;
    unsigned char *vary; /* [n_g] other axes that differ between lines */
    size_t n_cls;
    char (*cls_text)[400];
    size_t *cls_lines;   /* lines per class; classes ordered by it, most first */
} flips;

typedef struct report {
    view v;
    const hs_rule *rules;
    size_t n_rules;
    view *other;  /* reference sweeps, loaded once each */
    size_t n_other;
    view **ref;   /* per rule: the view its reference group is in; NULL: not in the files */
    int **share;  /* per rule, per group axis: the reference view's axis kept equal, or -1 */
    int *lcol, *rcol;
    gcheck *chk;         /* [group][rule] */
    size_t (*count)[3];  /* per rule: groups held, violated, incomplete */
    int *verdict;        /* per rule: R_* */
    flips *fl;
    size_t n_fl;
    unsigned char *keep; /* per group axis: it varies between groups (a column of the table) */
    int *mcol;           /* metrics of the group table */
    const char **mname;
    size_t n_m;
    size_t st[HS_ST_COUNT];
} report;

static void view_free(view *v)
{
    hs_keys_free(&v->gk);
    free(v->gcol);
    free(v->gkey);
    free(v->start);
    free(v->idx);
    hs_rowset_free(&v->rs);
    memset(v, 0, sizeof *v);
}

/* Load sweep `sweep` of the files with its pending tasks, grouped. */
static int view_load(const hs_report_opts *o, const char *sweep, view *v, hs_err *e)
{
    HS_CALL(hs_rowset_load(o->files, o->n_files, sweep, &v->rs, e));
    hs_rowset *rs = &v->rs;
    rs->n += rs->pending; /* a pending task makes its group incomplete: it must be seen */
    v->gcol = calloc(rs->n_axes + 1, sizeof *v->gcol);
    v->gkey = malloc((rs->n + 1) * sizeof *v->gkey);
    unsigned char *sel = malloc(rs->n + 1);
    if (!v->gcol || !v->gkey || !sel) {
        free(sel);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    for (size_t a = 0; a < rs->n_axes; a++)
        if (strcmp(rs->axes[a], "seed") != 0 && hs_rowset_col(rs, rs->axes[a]) >= 0)
            v->gcol[v->n_g++] = hs_rowset_col(rs, rs->axes[a]);
    memset(sel, 1, rs->n + 1);
    int rc = hs_keys_build(rs, v->gcol, v->n_g, sel, v->gkey, &v->gk, e);
    free(sel);
    HS_CALL(rc);
    return hs_bucket(v->gk.n, v->gkey, rs->n, &v->start, &v->idx, e);
}

static const char *axis_name(const view *v, size_t a) { return v->rs.t[0].col[v->gcol[a]].name; }
static const char *gtext(const view *v, size_t g, size_t a) { return v->gk.text[g * v->n_g + a]; }

/* Task i's value of column col (NaN if the column is absent); frac_ok: 1 if ok, else 0. */
static double task_value(const view *v, size_t i, int col)
{
    if (col == HS_COL_FRAC_OK)
        return hs_rowset_status(&v->rs, i) == HS_ST_OK;
    return col < 0 ? NAN : hs_rowset_num(&v->rs, i, col);
}

/* Fold one task (status st, value x) into a: see agg_add. */
static void agg_task(agg *a, int st, double x, int frac_ok)
{
    a->n++;
    if (st == HS_ST_PENDING) {
        a->n_pending++;
        return;
    }
    if (!frac_ok && st != HS_ST_OK && st != HS_ST_NONFINITE && st != HS_ST_DIVERGED) {
        a->n_bad++;
        return;
    }
    if (isnan(x))
        return;
    a->inf |= isinf(x);
    a->sum += x;
    a->n_vals++;
}

/*
 * Add group g's tasks that match f (NULL or empty: all) to a.  Pending and
 * failed/timed-out/crashed tasks are counted, not summed (frac_ok counts a
 * failed task as its 0); NaN values are left out, ±inf noted.
 */
static void agg_add(view *v, size_t g, int col, const hs_filter *f, agg *a)
{
    for (size_t t = v->start[g]; t < v->start[g + 1]; t++) {
        size_t i = v->idx[t];
        if (f && f->n && !hs_rowset_match(&v->rs, i, f))
            continue;
        int st = hs_rowset_status(&v->rs, i);
        agg_task(a, st, st == HS_ST_PENDING ? NAN : task_value(v, i, col), col == HS_COL_FRAC_OK);
    }
}

static double agg_mean(const agg *a) { return a->n_vals ? a->sum / (double)a->n_vals : NAN; }

static int agg_why(const agg *a)
{
    return a->n_pending ? WHY_PENDING
           : a->n_bad   ? WHY_FAILED
           : a->inf     ? WHY_INF
           : !a->n_vals ? WHY_NOVALUE
                        : WHY_NONE;
}

/*
 * The reference of rule ri for group g: every group of the reference view
 * whose values of the axes it shares with this sweep equal g's and that
 * satisfies the rule's `ref` (the axis values replaced), aggregated together.
 */
static int ref_agg(report *r, size_t ri, size_t g, agg *a)
{
    const hs_rule *ru = &r->rules[ri];
    view *rv = r->ref[ri];
    if (!rv || !rv->rs.kernel)
        return WHY_NOSWEEP;
    size_t found = 0;
    for (size_t h = 0; h < rv->gk.n; h++) {
        int same = rv->start[h + 1] > rv->start[h] &&
                   (!ru->ref.n || hs_rowset_match(&rv->rs, rv->idx[rv->start[h]], &ru->ref));
        for (size_t b = 0; b < r->v.n_g && same; b++)
            same = r->share[ri][b] < 0 ||
                   strcmp(gtext(&r->v, g, b), gtext(rv, h, (size_t)r->share[ri][b])) == 0;
        if (!same)
            continue;
        found++;
        agg_add(rv, h, r->rcol[ri], NULL, a);
    }
    return found ? agg_why(a) : WHY_MISSING;
}

/*
 * Verdict of rule ru on a group whose tasks (those its `when` selects) were
 * folded into l: G_NA without tasks, G_INCOMPLETE when l or the reference
 * (why_ref) cannot be trusted, else whether lhs op rhs holds -- for tasks =
 * "all", whether every task's own check held (all_held).  *why: l's WHY_*.
 */
static int verdict_of(const hs_rule *ru, const agg *l, int why_ref, double rhs, int all_held,
                      int *why)
{
    *why = WHY_NONE;
    if (!l->n)
        return G_NA;
    *why = agg_why(l);
    if (ru->tasks_all && *why == WHY_NOVALUE)
        *why = WHY_NONE; /* every task is checked: a NaN fails the check */
    if (*why || why_ref)
        return G_INCOMPLETE;
    int held = ru->tasks_all ? all_held : hs_rule_check(ru, agg_mean(l), rhs);
    return held ? G_HELD : G_VIOLATED;
}

static void check_group(report *r, size_t ri, size_t g, gcheck *c)
{
    const hs_rule *ru = &r->rules[ri];
    agg l = {0}, rf = {0};
    agg_add(&r->v, g, r->lcol[ri], &ru->when, &l);
    memset(c, 0, sizeof *c);
    c->ver = G_NA;
    if (!l.n)
        return;
    c->lhs = agg_mean(&l);
    c->rhs = ru->value;
    if (ru->ref_text || ru->ref_sweep) {
        c->why_ref = ref_agg(r, ri, g, &rf);
        c->rhs = ru->factor * agg_mean(&rf);
    }
    int all_held = 1;
    for (size_t t = r->v.start[g]; ru->tasks_all && t < r->v.start[g + 1]; t++) {
        size_t i = r->v.idx[t];
        if (!ru->when.n || hs_rowset_match(&r->v.rs, i, &ru->when))
            all_held &= hs_rule_check(ru, task_value(&r->v, i, r->lcol[ri]), c->rhs);
    }
    c->ver = verdict_of(ru, &l, c->why_ref, c->rhs, all_held, &c->why);
}

int hs_rule_group_verdict(const hs_rule *ru, size_t n, const int *st, const double *x, int frac_ok,
                          double *lhs)
{
    agg l = {0};
    int all_held = 1, why;
    for (size_t i = 0; i < n; i++) {
        agg_task(&l, st[i], x[i], frac_ok);
        all_held &= hs_rule_check(ru, x[i], ru->value);
    }
    *lhs = agg_mean(&l);
    int ver = verdict_of(ru, &l, WHY_NONE, ru->value, all_held, &why);
    return ver == G_HELD       ? HS_GROUP_HELD
           : ver == G_VIOLATED ? HS_GROUP_VIOLATED
           : ver == G_NA       ? HS_GROUP_NA
                               : HS_GROUP_INCOMPLETE;
}

static int rule_verdict(const hs_rule *ru, const size_t *n)
{
    if (!n[G_HELD] && !n[G_VIOLATED] && !n[G_INCOMPLETE])
        return R_NODATA;
    if (ru->over_any)
        return n[G_HELD] ? R_HELD : n[G_INCOMPLETE] ? R_INCOMPLETE : R_VIOLATED;
    return n[G_VIOLATED] ? R_VIOLATED : n[G_INCOMPLETE] ? R_INCOMPLETE : R_HELD;
}

/* The reference view of every rule, and which axes stay equal. */
static int bind_refs(report *r, const hs_report_opts *o, hs_err *e)
{
    for (size_t ri = 0; ri < r->n_rules; ri++) {
        const hs_rule *ru = &r->rules[ri];
        view *rv = &r->v;
        if (ru->ref_sweep) {
            rv = NULL;
            for (size_t k = 0; k < r->n_other && !rv; k++)
                if (strcmp(r->other[k].rs.sweep, ru->ref_sweep) == 0)
                    rv = &r->other[k];
            hs_err le;
            if (!rv && view_load(o, ru->ref_sweep, &r->other[r->n_other], &le) == 0)
                rv = &r->other[r->n_other++];
            else if (!rv)
                view_free(&r->other[r->n_other]); /* not in these files: the rule is incomplete */
        }
        r->ref[ri] = rv;
        r->share[ri] = malloc((r->v.n_g + 1) * sizeof **r->share);
        if (!r->share[ri])
            return HS_FAIL(e, HS_ENOMEM, "out of memory");
        r->rcol[ri] = rv ? hs_rowset_col(&rv->rs, ru->ref_metric ? ru->ref_metric : ru->metric) : -1;
        for (size_t a = 0; a < r->v.n_g; a++) {
            r->share[ri][a] = -1;
            const char *an = axis_name(&r->v, a);
            int in_ref = 0;
            for (size_t c = 0; rv && rv->rs.kernel && c < ru->ref.n; c++)
                in_ref |= ru->ref.c[c].param >= 0 &&
                          strcmp(rv->rs.kernel->params[ru->ref.c[c].param].name, an) == 0;
            for (size_t b = 0; rv && !in_ref && b < rv->n_g; b++)
                if (strcmp(axis_name(rv, b), an) == 0)
                    r->share[ri][a] = (int)b;
        }
    }
    return 0;
}

/* "x=2" or "(k=1, x=2)": group g's values of the axes that vary between lines. */
static void line_name(const report *r, const flips *f, size_t g, char *buf, size_t cap)
{
    size_t used = 0, nv = 0;
    for (size_t b = 0; b < r->v.n_g; b++)
        nv += f->vary[b];
    buf[0] = 0;
    for (size_t b = 0; b < r->v.n_g && used < cap; b++)
        if (f->vary[b])
            used += (size_t)snprintf(buf + used, cap - used, "%s%s=%s",
                                     used ? ", " : nv > 1 ? "(" : "", axis_name(&r->v, b),
                                     gtext(&r->v, g, b));
    if (nv > 1 && used < cap)
        snprintf(buf + used, cap - used, ")");
}

/* The text of what happens along a line: "never flips (held)" or "flips between ...". */
static void line_text(const report *r, const flips *f, const fline *l, char *buf, size_t cap)
{
    const char *an = axis_name(&r->v, f->a);
    if (!l->n_ch) {
        snprintf(buf, cap, "never flips (%s)", gver_names[l->constant]);
        return;
    }
    size_t used = (size_t)snprintf(buf, cap, "flips between ");
    for (size_t k = 0; k < l->n_ch && k < MAX_CHANGES && used < cap; k++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s=%s and %s=%s (%s → %s)",
                                 k ? ", " : "", an, gtext(&r->v, l->ch_from[k], f->a), an,
                                 gtext(&r->v, l->ch_to[k], f->a), gver_names[l->ch_before[k]],
                                 gver_names[!l->ch_before[k]]);
    if (l->n_ch > MAX_CHANGES && used < cap)
        snprintf(buf + used, cap - used, " … (%zu changes)", l->n_ch);
}

/* Sort groups g[0..n) by their value of axis a (insertion sort: lines are short). */
static void sort_line(const view *v, size_t a, size_t *g, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && v->gk.num[g[j - 1] * v->n_g + a] > v->gk.num[g[j] * v->n_g + a];
             j--) {
            size_t t = g[j];
            g[j] = g[j - 1];
            g[j - 1] = t;
        }
}

/*
 * Rule ri along group axis a: the groups where the rule has a verdict held
 * or violated fall into lines (equal values of the other axes); along each
 * line, in increasing a, every change of verdict between neighbours is a
 * flip.  Lines with the same flips form a class.
 */
static int axis_flips(report *r, size_t ri, size_t a, flips *f, hs_err *e)
{
    const view *v = &r->v;
    size_t ng = v->gk.n, nr = r->n_rules;
    f->rule = ri;
    f->a = a;
    f->line = calloc(ng + 1, sizeof *f->line);
    f->vary = calloc(v->n_g + 1, 1);
    f->cls_text = calloc(ng + 1, sizeof *f->cls_text);
    f->cls_lines = calloc(ng + 1, sizeof *f->cls_lines);
    size_t *of = malloc((ng + 1) * sizeof *of), *members = malloc((ng + 1) * sizeof *members);
    int rc = f->line && f->vary && f->cls_text && f->cls_lines && of && members
                 ? 0
                 : HS_FAIL(e, HS_ENOMEM, "out of memory");
    size_t first = (size_t)-1;
    for (size_t g = 0; rc == 0 && g < ng; g++) {
        int seen = 0;
        for (size_t h = 0; h < g && r->chk[g * nr + ri].ver != G_NA && !seen; h++)
            seen = r->chk[h * nr + ri].ver != G_NA && strcmp(gtext(v, g, a), gtext(v, h, a)) == 0;
        f->n_applies += r->chk[g * nr + ri].ver != G_NA && !seen;
    }
    for (size_t g = 0; rc == 0 && g < ng; g++) {
        int ver = r->chk[g * nr + ri].ver;
        of[g] = (size_t)-1;
        if (ver != G_HELD && ver != G_VIOLATED)
            continue;
        f->n_groups++;
        int new_value = 1;
        for (size_t h = 0; h < g; h++) {
            if (of[h] == (size_t)-1)
                continue;
            new_value &= strcmp(gtext(v, g, a), gtext(v, h, a)) != 0;
            int same = 1;
            for (size_t b = 0; b < v->n_g && same; b++)
                same = b == a || strcmp(gtext(v, g, b), gtext(v, h, b)) == 0;
            if (same && of[g] == (size_t)-1)
                of[g] = of[h];
        }
        f->n_values += new_value;
        if (of[g] == (size_t)-1) {
            of[g] = f->n_lines;
            f->line[f->n_lines++].rep = g;
        }
        if (first == (size_t)-1)
            first = g;
        for (size_t b = 0; b < v->n_g; b++)
            f->vary[b] |= b != a && strcmp(gtext(v, g, b), gtext(v, first, b)) != 0;
    }
    for (size_t l = 0; rc == 0 && l < f->n_lines; l++) {
        fline *ln = &f->line[l];
        size_t n = 0;
        for (size_t g = 0; g < ng; g++)
            if (of[g] == l)
                members[n++] = g;
        sort_line(v, a, members, n);
        ln->n_groups = n;
        ln->constant = r->chk[members[0] * nr + ri].ver;
        for (size_t j = 1; j < n; j++) {
            int before = r->chk[members[j - 1] * nr + ri].ver, now = r->chk[members[j] * nr + ri].ver;
            if (before == now)
                continue;
            if (ln->n_ch < MAX_CHANGES) {
                ln->ch_from[ln->n_ch] = members[j - 1];
                ln->ch_to[ln->n_ch] = members[j];
                ln->ch_before[ln->n_ch] = before;
            }
            ln->n_ch++;
        }
        ln->cls = -1;
        if (n < 2)
            continue;
        char text[400];
        line_text(r, f, ln, text, sizeof text);
        for (size_t k = 0; k < f->n_cls && ln->cls < 0; k++)
            if (strcmp(f->cls_text[k], text) == 0)
                ln->cls = (int)k;
        if (ln->cls < 0) {
            ln->cls = (int)f->n_cls;
            memcpy(f->cls_text[f->n_cls++], text, sizeof text);
        }
        f->cls_lines[ln->cls]++;
    }
    /* order classes by their number of lines, most first (stable) */
    for (size_t i = 1; rc == 0 && i < f->n_cls; i++)
        for (size_t j = i; j > 0 && f->cls_lines[j - 1] < f->cls_lines[j]; j--) {
            char t[400];
            size_t c = f->cls_lines[j];
            memcpy(t, f->cls_text[j], sizeof t);
            memcpy(f->cls_text[j], f->cls_text[j - 1], sizeof t);
            memcpy(f->cls_text[j - 1], t, sizeof t);
            f->cls_lines[j] = f->cls_lines[j - 1];
            f->cls_lines[j - 1] = c;
            for (size_t l = 0; l < f->n_lines; l++)
                f->line[l].cls = f->line[l].cls == (int)j       ? (int)j - 1
                                 : f->line[l].cls == (int)j - 1 ? (int)j
                                                                : f->line[l].cls;
        }
    free(of);
    free(members);
    return rc;
}

static void flips_free(flips *f)
{
    free(f->line);
    free(f->vary);
    free(f->cls_text);
    free(f->cls_lines);
}

static void report_free(report *r)
{
    for (size_t i = 0; i < r->n_fl; i++)
        flips_free(&r->fl[i]);
    free(r->fl);
    for (size_t k = 0; k < r->n_other; k++)
        view_free(&r->other[k]);
    free(r->other);
    for (size_t ri = 0; r->share && ri < r->n_rules; ri++)
        free(r->share[ri]);
    free(r->share);
    free(r->ref);
    free(r->lcol);
    free(r->rcol);
    free(r->chk);
    free(r->count);
    free(r->verdict);
    free(r->keep);
    free(r->mcol);
    free(r->mname);
    view_free(&r->v);
    memset(r, 0, sizeof *r);
}

static int evaluate(report *r, const hs_report_opts *o, hs_err *e)
{
    size_t nr = r->n_rules, ng = r->v.gk.n;
    r->other = calloc(nr + 1, sizeof *r->other);
    r->ref = calloc(nr + 1, sizeof *r->ref);
    r->share = calloc(nr + 1, sizeof *r->share);
    r->lcol = calloc(nr + 1, sizeof *r->lcol);
    r->rcol = calloc(nr + 1, sizeof *r->rcol);
    r->chk = calloc(ng * nr + 1, sizeof *r->chk);
    r->count = calloc(nr + 1, sizeof *r->count);
    r->verdict = calloc(nr + 1, sizeof *r->verdict);
    r->mcol = calloc(nr + 1, sizeof *r->mcol);
    r->mname = calloc(nr + 1, sizeof *r->mname);
    r->fl = calloc(nr * r->v.n_g + 1, sizeof *r->fl);
    r->keep = calloc(r->v.n_g + 1, 1);
    if (!r->other || !r->ref || !r->share || !r->lcol || !r->rcol || !r->chk || !r->count ||
        !r->verdict || !r->mcol || !r->mname || !r->fl || !r->keep)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    for (size_t a = 0; a < r->v.n_g; a++)
        for (size_t g = 1; g < ng && !r->keep[a]; g++)
            r->keep[a] = strcmp(gtext(&r->v, g, a), gtext(&r->v, 0, a)) != 0;
    for (size_t i = 0; i < r->v.rs.n; i++) {
        int s = hs_rowset_status(&r->v.rs, i);
        if (s >= 0 && s < HS_ST_COUNT)
            r->st[s]++;
    }
    HS_CALL(bind_refs(r, o, e));
    for (size_t ri = 0; ri < nr; ri++) {
        const hs_rule *ru = &r->rules[ri];
        r->lcol[ri] = hs_rowset_col(&r->v.rs, ru->metric);
        size_t m = 0;
        while (m < r->n_m && strcmp(r->mname[m], ru->metric) != 0)
            m++;
        if (m == r->n_m) {
            r->mname[r->n_m] = ru->metric;
            r->mcol[r->n_m++] = r->lcol[ri];
        }
        for (size_t g = 0; g < ng; g++) {
            gcheck *c = &r->chk[g * nr + ri];
            check_group(r, ri, g, c);
            if (c->ver != G_NA)
                r->count[ri][c->ver]++;
        }
        r->verdict[ri] = rule_verdict(ru, r->count[ri]);
        for (size_t a = 0; a < r->v.n_g; a++)
            if (hs_rowset_numeric(&r->v.rs, r->v.gcol[a]))
                HS_CALL(axis_flips(r, ri, a, &r->fl[r->n_fl++], e));
    }
    return 0;
}

/* ---- Markdown ---------------------------------------------------------------- */

static void status_summary(const size_t *st, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = 0;
    for (int s = 1; s <= HS_ST_COUNT && used < cap; s++)
        if (st[s % HS_ST_COUNT]) /* pending last */
            used += (size_t)snprintf(buf + used, cap - used, "%s%zu %s", used ? ", " : "",
                                     st[s % HS_ST_COUNT], hs_status_name(s % HS_ST_COUNT));
}

/* "k=2, x=4": group g's axis values. */
static void group_name(const view *v, size_t g, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t a = 0; a < v->n_g && used < cap; a++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s=%s", a ? ", " : "", axis_name(v, a),
                                 gtext(v, g, a));
}

static void why_full(const gcheck *c, char *buf, size_t cap)
{
    if (c->why)
        snprintf(buf, cap, "%s", why_text[c->why]);
    else
        snprintf(buf, cap, "reference: %s", why_text[c->why_ref]);
}

static void print_verdict_cell(const report *r, size_t ri, FILE *out)
{
    const hs_rule *ru = &r->rules[ri];
    size_t nr = r->n_rules;
    int v = r->verdict[ri];
    if (v == R_NODATA) {
        if (ru->when_text) {
            fprintf(out, "no data: no group matches `when = \"");
            hs_collate_md_text(out, ru->when_text);
            fprintf(out, "\"`");
        } else {
            fprintf(out, "no data: the sweep has no tasks");
        }
        return;
    }
    fprintf(out, "**%s**", rver_names[v]);
    if (v != R_INCOMPLETE)
        return;
    for (size_t g = 0; g < r->v.gk.n; g++)
        if (r->chk[g * nr + ri].ver == G_INCOMPLETE) {
            char why[200], name[600];
            why_full(&r->chk[g * nr + ri], why, sizeof why);
            group_name(&r->v, g, name, sizeof name);
            fprintf(out, ": %s (first at %s)", why, name);
            return;
        }
}

static void print_flips_md(const report *r, const flips *f, FILE *out)
{
    const view *v = &r->v;
    const char *an = axis_name(v, f->a);
    char settings[600] = "", name[600];
    size_t used = 0, n_short = 0;
    for (size_t b = 0; b < v->n_g && used < sizeof settings; b++)
        if (f->vary[b])
            used += (size_t)snprintf(settings + used, sizeof settings - used, "%s%s",
                                     used ? ", " : "", axis_name(v, b));
    for (size_t l = 0; l < f->n_lines; l++)
        n_short += f->line[l].cls < 0;
    if (!f->n_groups || f->n_applies < 2)
        return; /* the rule (or the data) holds this axis at one value: nothing to say along it */
    if (!f->n_cls && f->n_values == 1) {
        fprintf(out, "- along %s: only %s=%s has a verdict\n", an, an,
                gtext(v, f->line[0].rep, f->a));
        return;
    }
    if (!f->n_cls) {
        fprintf(out, "- along %s: no two groups with a verdict differ in %s alone\n", an, an);
        return;
    }
    size_t n_long = f->n_lines - n_short;
    fprintf(out, "- along %s (%zu values, %zu groups): ", an, f->n_values, f->n_groups);
    /* the most common behaviour first, counted; the others name their lines */
    size_t k0 = 1;
    if (f->n_lines == 1)
        fprintf(out, "%s", f->cls_text[0]);
    else if (f->cls_lines[0] == n_long && n_long == 2)
        fprintf(out, "%s in both settings of %s", f->cls_text[0], settings);
    else if (f->cls_lines[0] == n_long && n_long > 2)
        fprintf(out, "%s in all %zu settings of %s", f->cls_text[0], n_long, settings);
    else if (f->cls_lines[0] > 1)
        fprintf(out, "%s in %zu of %zu settings of %s", f->cls_text[0], f->cls_lines[0], n_long,
                settings);
    else
        k0 = 0;
    for (size_t k = k0; k < f->n_cls && k < MAX_CLASSES; k++) {
        fprintf(out, "%sat ", k ? "; " : "");
        size_t named = 0;
        for (size_t l = 0; l < f->n_lines; l++)
            if (f->line[l].cls == (int)k && named++ < MAX_NAMED) {
                line_name(r, f, f->line[l].rep, name, sizeof name);
                fprintf(out, "%s%s", named > 1 ? ", " : "", name);
            }
        if (named > MAX_NAMED)
            fprintf(out, " and %zu more", named - MAX_NAMED);
        fprintf(out, ": %s", f->cls_text[k]);
    }
    if (f->n_cls > MAX_CLASSES)
        fprintf(out, "; %zu other patterns (--format json lists every line)",
                f->n_cls - MAX_CLASSES);
    if (n_short)
        fprintf(out, "; %zu setting%s of %s with a verdict at one value of %s only", n_short,
                n_short > 1 ? "s" : "", settings, an);
    fprintf(out, "\n");
}

/* Whether group g's column a applies: not a case key that g's case leaves at its default. */
static int applies(const report *r, size_t g, size_t a)
{
    const view *v = &r->v;
    const hs_sweep *sw = v->rs.sw;
    const hs_kernel *k = sw ? sw->kernel : NULL;
    if (!sw || !sw->case_set || sw->n_cases < 2 || !k)
        return 1;
    int p = hs_kernel_param_index(k, axis_name(v, a));
    if (p < 0)
        return 1;
    for (size_t x = 0; x < sw->n_axes; x++)
        for (size_t q = 0; q < sw->axes[x].n_params; q++)
            if (sw->axes[x].param[q] == p)
                return 1;
    /* g's case: the first whose keys all have g's values */
    size_t i = v->idx[v->start[g]], np = k->n_params;
    char buf[512];
    for (size_t ci = 0; ci < sw->n_cases; ci++) {
        int match = 1;
        for (size_t q = 0; q < np && match; q++) {
            if (!sw->case_set[ci * np + q])
                continue;
            int col = hs_rowset_col(&v->rs, k->params[q].name);
            const hs_value *cv = &sw->cases[ci * np + q];
            if (col < 0)
                continue;
            double x = hs_rowset_num(&v->rs, i, col);
            switch (k->params[q].type) {
            case HS_T_INT:
                match = x == (double)cv->i;
                break;
            case HS_T_REAL:
                match = x == cv->r;
                break;
            case HS_T_BOOL:
                match = (x != 0) == cv->b;
                break;
            default:
                match = strcmp(hs_rowset_text(&v->rs, i, col, buf, sizeof buf), cv->s) == 0;
                break;
            }
        }
        if (match)
            return sw->case_set[ci * np + (size_t)p];
    }
    return 1;
}

/*
 * The group table.  `rows`: how many groups it may show before it is cut
 * (with a note pointing to --full and --format json); SIZE_MAX: all.
 */
static void print_groups_md(const report *r, size_t rows, FILE *out)
{
    const view *v = &r->v;
    size_t nr = r->n_rules, ng = v->gk.n, shown = ng <= rows ? ng : rows;
    char buf[1024];
    /* an axis with one value in every group (e.g. cut to one in a reduced run) is said once */
    const unsigned char *keep = r->keep;
    const char *sep = "Same in every group: ";
    for (size_t a = 0; a < v->n_g; a++) {
        if (!keep[a] && ng) {
            fprintf(out, "%s%s=%s", sep, axis_name(v, a), gtext(v, 0, a));
            sep = ", ";
        }
    }
    if (*sep == ',')
        fprintf(out, ".\n\n");
    fprintf(out, "| ");
    for (size_t a = 0; a < v->n_g; a++)
        if (keep[a])
            fprintf(out, "%s | ", axis_name(v, a));
    fprintf(out, "tasks |");
    for (size_t m = 0; m < r->n_m; m++)
        fprintf(out, " %s |", r->mname[m]);
    fprintf(out, "%s\n|", nr ? " rules |" : "");
    for (size_t a = 0; a < v->n_g + 1; a++)
        if (a == v->n_g || keep[a])
            fprintf(out, "---|");
    for (size_t m = 0; m < r->n_m; m++)
        fprintf(out, "---:|");
    fprintf(out, "%s\n", nr ? "---|" : "");
    for (size_t g = 0; g < shown; g++) {
        size_t st[HS_ST_COUNT] = {0}, n = v->start[g + 1] - v->start[g];
        for (size_t t = v->start[g]; t < v->start[g + 1]; t++) {
            int s = hs_rowset_status(&v->rs, v->idx[t]);
            if (s >= 0 && s < HS_ST_COUNT)
                st[s]++;
        }
        fprintf(out, "| ");
        for (size_t a = 0; a < v->n_g; a++)
            if (keep[a])
                fprintf(out, "%s | ", applies(r, g, a) ? gtext(v, g, a) : "·");
        status_summary(st, buf, sizeof buf);
        fprintf(out, "%s |", buf);
        for (size_t m = 0; m < r->n_m; m++) {
            agg ag = {0};
            agg_add((view *)v, g, r->mcol[m], NULL, &ag);
            hs_collate_md_value(buf, sizeof buf, agg_mean(&ag), NAN, n - ag.n_vals, n);
            fprintf(out, " %s |", buf);
        }
        if (nr) {
            sep = " ";
            for (size_t ri = 0; ri < nr; ri++)
                if (r->chk[g * nr + ri].ver != G_NA) {
                    fprintf(out, "%s%zu %s", sep, ri + 1, gver_names[r->chk[g * nr + ri].ver]);
                    sep = ", ";
                }
            fprintf(out, " |");
        }
        fprintf(out, "\n");
    }
    if (shown < ng)
        fprintf(out, "\n… %zu more groups not shown: `--full` shows every group, `--format json` "
                     "gives them with every verdict.\n",
                ng - shown);
    if (r->n_m)
        fprintf(out, "\nMetric columns are means over the group's tasks (seeds); (k/n n/a): k of n "
                     "tasks gave no value (pending, failed, timeout, crashed, or NaN/inf) and are "
                     "not averaged in.\n");
    fprintf(out, "\n");
}

static void print_verdicts_md(const report *r, FILE *out);
static void print_refine_md(const report *r, FILE *out);
static void print_refine_json(const report *r, FILE *out);

/* Lines of a sweep's section besides its verdicts and group rows: table header, notes, blanks. */
#define GROUP_TABLE_EXTRA 11

/*
 * A sweep's section: its verdicts first (rule table, rule texts, flip
 * lines), then as many group rows as keep the whole section within
 * HS_REPORT_LINES lines (at least HS_REPORT_MIN_ROWS; every row with full).
 */
/* Whether groups g and h have the same values of every group axis but a. */
static int same_line(const view *v, size_t g, size_t h, size_t a)
{
    for (size_t b = 0; b < v->n_g; b++)
        if (b != a && strcmp(gtext(v, g, b), gtext(v, h, b)) != 0)
            return 0;
    return 1;
}

/* A final bracket of a refine block: change k of a line where the rule flips. */
typedef struct rbracket {
    size_t rep, ga, gb; /* the line (a group of it), the groups at a and b */
    double a, b;
    size_t added, pending, n_ch;
    int narrow;
} rbracket;

/*
 * The final brackets of refine block sp, along each line of its axis where
 * the rule flips, into *out (malloc'd; NULL and 0 when none); *fp: the flips
 * of the rule along the axis (NULL if the report has none).
 */
static size_t refine_brackets(const report *r, const hs_refine_spec *sp, const flips **fp,
                              rbracket **out)
{
    const view *v = &r->v;
    const char *an = r->v.rs.sw->kernel->params[sp->param].name;
    int oc = hs_rowset_col(&v->rs, "origin");
    const flips *f = NULL;
    for (size_t i = 0; i < r->n_fl && !f; i++)
        if (r->fl[i].rule == sp->rule && strcmp(axis_name(v, r->fl[i].a), an) == 0)
            f = &r->fl[i];
    *fp = f;
    *out = NULL;
    size_t n = 0, cap = 0;
    for (size_t l = 0; f && oc >= 0 && l < f->n_lines; l++) {
        const fline *ln = &f->line[l];
        if (!ln->n_ch)
            continue;
        size_t added = 0, pending = 0;
        for (size_t g = 0; g < v->gk.n; g++) {
            if (!same_line(v, g, ln->rep, f->a))
                continue;
            for (size_t t = v->start[g]; t < v->start[g + 1]; t++) {
                added += hs_rowset_num(&v->rs, v->idx[t], oc) >= 1;
                pending += hs_rowset_status(&v->rs, v->idx[t]) == HS_ST_PENDING;
            }
        }
        for (size_t k = 0; k < ln->n_ch && k < MAX_CHANGES; k++) {
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                rbracket *p = realloc(*out, cap * sizeof *p);
                if (!p)
                    return n; /* out of memory: the brackets so far */
                *out = p;
            }
            rbracket *br = &(*out)[n++];
            br->rep = ln->rep;
            br->ga = ln->ch_from[k];
            br->gb = ln->ch_to[k];
            br->a = v->gk.num[br->ga * v->n_g + f->a];
            br->b = v->gk.num[br->gb * v->n_g + f->a];
            br->added = added;
            br->pending = pending;
            br->n_ch = ln->n_ch;
            br->narrow = hs_refine_narrow(sp, br->a, br->b);
        }
    }
    return n;
}

static const char *rb_stop(const rbracket *b)
{
    return b->narrow ? "tol met" : b->pending ? "running" : "budget spent";
}

static double rb_width(const hs_refine_spec *sp, const rbracket *b)
{
    return sp->log && b->a > 0 ? b->b / b->a - 1 : b->b - b->a;
}

/*
 * Per refine block: along each line of its axis where the rule flips, the
 * final bracket [a, b] of every change, its width (relative on log scale),
 * the rule's metric at both ends, the tasks refinement added on the line,
 * and whether the bracket met tol or refinement stopped short (budget
 * spent, or still running).
 */
static void print_refine_md(const report *r, FILE *out)
{
    const hs_sweep *sw = r->v.rs.sw;
    const view *v = &r->v;
    for (size_t j = 0; sw && r->v.rs.kernel && j < sw->n_refine; j++) {
        const hs_refine_spec *sp = &sw->refine[j];
        const char *m = r->rules[sp->rule].metric;
        const flips *f;
        rbracket *br;
        size_t n = refine_brackets(r, sp, &f, &br);
        fprintf(out, "\nRefinement of rule %zu along %s (tol %g%s, at most %llu tasks a bracket):\n\n",
                sp->rule + 1, sw->kernel->params[sp->param].name, sp->tol,
                sp->log ? " relative, log scale" : "", (unsigned long long)sp->max_tasks);
        if (!n)
            fprintf(out, "no line flips: nothing to refine.\n");
        else
            fprintf(out, "| line | bracket [a, b] | %s | %s at a | %s at b | tasks added | stop |\n"
                         "|---|---|---:|---:|---:|---:|---|\n",
                    sp->log ? "b/a - 1" : "width", m, m);
        for (size_t i = 0; i < n; i++) {
            const rbracket *b = &br[i];
            char name[600], ea[64], eb[64], w[64];
            line_name(r, f, b->rep, name, sizeof name);
            hs_collate_md_value(ea, sizeof ea, r->chk[b->ga * r->n_rules + sp->rule].lhs, NAN, 0, 1);
            hs_collate_md_value(eb, sizeof eb, r->chk[b->gb * r->n_rules + sp->rule].lhs, NAN, 0, 1);
            hs_num_format(rb_width(sp, b), w, sizeof w);
            fprintf(out, "| %s | [%s, %s] | %s | %s | %s | %zu | %s%s |\n", name[0] ? name : "(all)",
                    gtext(v, b->ga, f->a), gtext(v, b->gb, f->a), w, ea, eb, b->added, rb_stop(b),
                    b->n_ch > 1 ? "; not monotone" : "");
        }
        free(br);
    }
}

static void json_axis_value(const view *v, size_t g, size_t a, FILE *out);

/* The same as JSON, for a sweep with refine blocks only:
 * "refine": [{rule, axis, scale, tol, max_tasks, brackets: [...]}]. */
static void print_refine_json(const report *r, FILE *out)
{
    const hs_sweep *sw = r->v.rs.sw;
    if (!sw || !sw->n_refine)
        return;
    fprintf(out, ",\n  \"refine\": [");
    for (size_t j = 0; sw && r->v.rs.kernel && j < sw->n_refine; j++) {
        const hs_refine_spec *sp = &sw->refine[j];
        const flips *f;
        rbracket *br;
        size_t n = refine_brackets(r, sp, &f, &br);
        fprintf(out, "%s\n    {\"rule\": %zu, \"axis\": ", j ? "," : "", sp->rule + 1);
        hs_json_str(out, sw->kernel->params[sp->param].name);
        fprintf(out, ", \"scale\": \"%s\", \"tol\": ", sp->log ? "log" : "linear");
        hs_json_num(out, sp->tol);
        fprintf(out, ", \"max_tasks\": %llu, \"brackets\": [", (unsigned long long)sp->max_tasks);
        for (size_t i = 0; i < n; i++) {
            const rbracket *b = &br[i];
            fprintf(out, "%s\n      {\"line\": {", i ? "," : "");
            const char *sep = "";
            for (size_t c = 0; c < r->v.n_g; c++)
                if (c != f->a) { /* the other axes' values */
                    fprintf(out, "%s", sep);
                    hs_json_str(out, axis_name(&r->v, c));
                    fprintf(out, ": ");
                    json_axis_value(&r->v, b->rep, c, out);
                    sep = ", ";
                }
            fprintf(out, "}, \"a\": ");
            hs_json_num(out, b->a);
            fprintf(out, ", \"b\": ");
            hs_json_num(out, b->b);
            fprintf(out, ", \"width\": ");
            hs_json_num(out, rb_width(sp, b));
            fprintf(out, ", \"metric_a\": ");
            hs_json_num(out, r->chk[b->ga * r->n_rules + sp->rule].lhs);
            fprintf(out, ", \"metric_b\": ");
            hs_json_num(out, r->chk[b->gb * r->n_rules + sp->rule].lhs);
            fprintf(out, ", \"tasks_added\": %zu, \"stop\": \"%s\", \"monotone\": %s}", b->added,
                    b->narrow ? "tol" : b->pending ? "running" : "budget",
                    b->n_ch > 1 ? "false" : "true");
        }
        fprintf(out, "]}");
        free(br);
    }
    fprintf(out, "]");
}

static void print_md(const report *r, int full, FILE *out)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem) { /* no memory for the count: cut at the floor */
        print_verdicts_md(r, out);
        print_groups_md(r, full ? SIZE_MAX : HS_REPORT_MIN_ROWS, out);
        return;
    }
    print_verdicts_md(r, mem);
    fclose(mem);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    fwrite(text, 1, len, out);
    free(text);
    size_t room = lines + GROUP_TABLE_EXTRA < HS_REPORT_LINES ? HS_REPORT_LINES - lines - GROUP_TABLE_EXTRA : 0;
    print_groups_md(r, full ? SIZE_MAX : room > HS_REPORT_MIN_ROWS ? room : HS_REPORT_MIN_ROWS, out);
}

/* A sweep's heading, task counts and verdicts (rule table, rule texts with their flip lines). */
static void print_verdicts_md(const report *r, FILE *out)
{
    const hs_rowset *rs = &r->v.rs;
    size_t nr = r->n_rules;
    char buf[1024];
    status_summary(r->st, buf, sizeof buf);
    fprintf(out, "## sweep %s (kernel %s)\n\n%zu tasks: %s.", rs->sweep, rs->kernel_name, rs->n,
            rs->n ? buf : "none");
    if (rs->n_files > 1)
        fprintf(out, " Merged from %zu files.", rs->n_files);
    if (rs->set && rs->set->reduced)
        fprintf(out, " A reduced run (`hsweep run --reduced`: the sweep's `reduced` settings).");
    fprintf(out, "\n\n");
    if (!rs->sw || !rs->kernel)
        fprintf(out, "Rules not available: %s\n\n",
                rs->sw ? "this hsweep does not know the kernel" : rs->set_err);
    else if (nr == 0)
        fprintf(out, "No expect rules.\n\n");
    if (nr) {
        fprintf(out, "| rule | claim | verdict | groups held / violated / incomplete |\n"
                     "|---:|---|---|---|\n");
        for (size_t ri = 0; ri < nr; ri++) {
            const hs_rule *ru = &r->rules[ri];
            hs_rule_text(ru, buf, sizeof buf);
            fprintf(out, "| %zu | ", ri + 1);
            hs_collate_md_text(out, ru->claim ? ru->claim : buf);
            fprintf(out, " | ");
            print_verdict_cell(r, ri, out);
            fprintf(out, " | %zu / %zu / %zu |\n", r->count[ri][G_HELD], r->count[ri][G_VIOLATED],
                    r->count[ri][G_INCOMPLETE]);
        }
        fprintf(out, "\n");
        for (size_t ri = 0; ri < nr; ri++) {
            hs_rule_text(&r->rules[ri], buf, sizeof buf);
            fprintf(out, "Rule %zu: `%s`%s\n", ri + 1, buf,
                    r->verdict[ri] == R_NODATA ? " (no group)" : "");
            for (size_t i = 0; i < r->n_fl; i++)
                if (r->fl[i].rule == ri)
                    print_flips_md(r, &r->fl[i], out);
        }
        print_refine_md(r, out);
        fprintf(out, "\n");
    }
    fprintf(out, "Groups (%zu):\n\n", r->v.gk.n);
}

/* ---- JSON -------------------------------------------------------------------- */

static void json_opt_str(FILE *out, const char *key, const char *s)
{
    fprintf(out, ", \"%s\": ", key);
    if (s)
        hs_json_str(out, s);
    else
        fprintf(out, "null");
}

static void json_axis_value(const view *v, size_t g, size_t a, FILE *out)
{
    hs_collate_json_key(out, &v->rs, v->gcol[a], gtext(v, g, a), v->gk.num[g * v->n_g + a]);
}

static void json_group_key(const view *v, size_t g, FILE *out)
{
    fprintf(out, "{");
    for (size_t a = 0; a < v->n_g; a++) {
        fprintf(out, "%s", a ? ", " : "");
        hs_json_str(out, axis_name(v, a));
        fprintf(out, ": ");
        json_axis_value(v, g, a, out);
    }
    fprintf(out, "}");
}

static void print_flips_json(const report *r, const flips *f, FILE *out)
{
    const view *v = &r->v;
    fprintf(out, "{\"axis\": ");
    hs_json_str(out, axis_name(v, f->a));
    fprintf(out, ", \"n_values\": %zu, \"n_groups\": %zu, \"classes\": [", f->n_values, f->n_groups);
    for (size_t k = 0; k < f->n_cls; k++) {
        fprintf(out, "%s{\"text\": ", k ? ", " : "");
        hs_json_str(out, f->cls_text[k]);
        fprintf(out, ", \"lines\": %zu}", f->cls_lines[k]);
    }
    fprintf(out, "], \"lines\": [");
    for (size_t l = 0; l < f->n_lines; l++) {
        const fline *ln = &f->line[l];
        fprintf(out, "%s{\"at\": {", l ? ", " : "");
        const char *sep = "";
        for (size_t b = 0; b < v->n_g; b++)
            if (b != f->a) {
                fprintf(out, "%s", sep);
                hs_json_str(out, axis_name(v, b));
                fprintf(out, ": ");
                json_axis_value(v, ln->rep, b, out);
                sep = ", ";
            }
        fprintf(out, "}, \"n_groups\": %zu, \"class\": %d, \"flips\": %zu, \"constant\": ",
                ln->n_groups, ln->cls, ln->n_ch);
        if (ln->n_ch)
            fprintf(out, "null");
        else
            fprintf(out, "\"%s\"", gver_names[ln->constant]);
        fprintf(out, ", \"changes\": [");
        for (size_t c = 0; c < ln->n_ch && c < MAX_CHANGES; c++) {
            fprintf(out, "%s{\"from\": ", c ? ", " : "");
            json_axis_value(v, ln->ch_from[c], f->a, out);
            fprintf(out, ", \"to\": ");
            json_axis_value(v, ln->ch_to[c], f->a, out);
            fprintf(out, ", \"before\": \"%s\", \"after\": \"%s\"}", gver_names[ln->ch_before[c]],
                    gver_names[!ln->ch_before[c]]);
        }
        fprintf(out, "]}");
    }
    fprintf(out, "]}");
}

static void print_rule_json(const report *r, size_t ri, FILE *out)
{
    const hs_rule *ru = &r->rules[ri];
    char buf[1024];
    hs_rule_text(ru, buf, sizeof buf);
    fprintf(out, "\n    {\"index\": %zu, \"line\": %d, \"text\": ", ri + 1, ru->line);
    hs_json_str(out, buf);
    json_opt_str(out, "claim", ru->claim);
    json_opt_str(out, "when", ru->when_text);
    json_opt_str(out, "metric", ru->metric);
    fprintf(out, ", \"op\": \"%s\", \"value\": ", hs_rule_op_name(ru->op));
    hs_json_num(out, ru->value);
    json_opt_str(out, "ref", ru->ref_text);
    json_opt_str(out, "ref_sweep", ru->ref_sweep);
    json_opt_str(out, "ref_metric", ru->ref_metric);
    fprintf(out, ", \"factor\": ");
    hs_json_num(out, ru->factor);
    fprintf(out, ", \"tol\": ");
    hs_json_num(out, ru->tol);
    fprintf(out,
            ", \"over\": \"%s\", \"tasks\": \"%s\", \"verdict\": \"%s\", \"held\": %zu, "
            "\"violated\": %zu, \"incomplete\": %zu, \"flips\": [",
            ru->over_any ? "any" : "all", ru->tasks_all ? "all" : "mean",
            rver_names[r->verdict[ri]], r->count[ri][G_HELD], r->count[ri][G_VIOLATED],
            r->count[ri][G_INCOMPLETE]);
    const char *fs = "";
    for (size_t i = 0; i < r->n_fl; i++)
        if (r->fl[i].rule == ri) {
            fprintf(out, "%s", fs);
            print_flips_json(r, &r->fl[i], out);
            fs = ", ";
        }
    fprintf(out, "]}");
}

static void print_json(const report *r, FILE *out)
{
    const view *v = &r->v;
    const hs_rowset *rs = &v->rs;
    size_t nr = r->n_rules;
    fprintf(out, "{\"name\": ");
    hs_json_str(out, rs->sweep);
    fprintf(out, ", \"kernel\": ");
    hs_json_str(out, rs->kernel_name);
    fprintf(out, ", \"reduced\": %s, \"tasks\": %zu, \"pending\": %zu, \"status\": {",
            rs->set && rs->set->reduced ? "true" : "false", rs->n, rs->pending);
    const char *sep = "";
    for (int s = 0; s < HS_ST_COUNT; s++)
        if (r->st[s]) {
            fprintf(out, "%s\"%s\": %zu", sep, hs_status_name(s), r->st[s]);
            sep = ", ";
        }
    fprintf(out, "}, \"rules_error\": ");
    if (!rs->sw || !rs->kernel)
        hs_json_str(out, rs->sw ? "this hsweep does not know the kernel" : rs->set_err);
    else
        fprintf(out, "null");
    fprintf(out, ",\n  \"rules\": [");
    for (size_t ri = 0; ri < nr; ri++) {
        fprintf(out, "%s", ri ? "," : "");
        print_rule_json(r, ri, out);
    }
    fprintf(out, "]");
    print_refine_json(r, out);
    fprintf(out, ",\n  \"groups\": [");
    for (size_t g = 0; g < v->gk.n; g++) {
        size_t n = v->start[g + 1] - v->start[g];
        fprintf(out, "%s\n    {\"params\": ", g ? "," : "");
        json_group_key(v, g, out);
        fprintf(out, ", \"not_set\": [");
        sep = "";
        for (size_t a = 0; a < v->n_g; a++)
            if (!applies(r, g, a)) {
                fprintf(out, "%s", sep);
                hs_json_str(out, axis_name(v, a));
                sep = ", ";
            }
        fprintf(out, "], \"n_tasks\": %zu, \"metrics\": {", n);
        for (size_t m = 0; m < r->n_m; m++) {
            agg ag = {0};
            agg_add((view *)v, g, r->mcol[m], NULL, &ag);
            fprintf(out, "%s", m ? ", " : "");
            hs_json_str(out, r->mname[m]);
            fprintf(out, ": {\"mean\": ");
            hs_json_num(out, agg_mean(&ag));
            fprintf(out, ", \"n_na\": %zu}", n - ag.n_vals);
        }
        fprintf(out, "}, \"verdicts\": {");
        sep = "";
        for (size_t ri = 0; ri < nr; ri++) {
            const gcheck *c = &r->chk[g * nr + ri];
            if (c->ver == G_NA)
                continue;
            fprintf(out, "%s\"%zu\": {\"verdict\": \"%s\", \"lhs\": ", sep, ri + 1,
                    gver_names[c->ver]);
            hs_json_num(out, c->lhs);
            fprintf(out, ", \"rhs\": ");
            hs_json_num(out, c->rhs);
            fprintf(out, ", \"why\": ");
            if (c->ver == G_INCOMPLETE) {
                char why[200];
                why_full(c, why, sizeof why);
                hs_json_str(out, why);
            } else {
                fprintf(out, "null");
            }
            fprintf(out, "}");
            sep = ", ";
        }
        fprintf(out, "}}");
    }
    fprintf(out, "]}");
}

/* "3 rules: 2 held, 1 violated (see above)." */
static void print_last_line(const hs_report_summary *s, FILE *out)
{
    if (!s->rules) {
        fprintf(out, "No expect rules.\n");
        return;
    }
    const size_t n[] = {s->held, s->violated, s->incomplete, s->no_data};
    fprintf(out, "%zu rule%s:", s->rules, s->rules > 1 ? "s" : "");
    const char *sep = " ";
    for (int k = 0; k < 4; k++)
        if (n[k]) {
            fprintf(out, "%s%zu %s", sep, n[k], rver_names[k]);
            sep = ", ";
        }
    fprintf(out, "%s\n", s->held == s->rules ? "." : " (see above).");
}

int hs_report(const hs_report_opts *o, FILE *out, hs_report_summary *sum, hs_err *e)
{
    const char *fmt = o->format ? o->format : "md";
    int json = strcmp(fmt, "json") == 0;
    if (!json && strcmp(fmt, "md") != 0)
        return HS_FAIL(e, HS_EINPUT, "--format %s: expected md or json", fmt);
    if (o->n_files == 0)
        return HS_FAIL(e, HS_EINPUT, "report needs a results file");
    char **names = NULL;
    size_t nn = 0;
    if (!o->sweep)
        HS_CALL(hs_table_list(o->files[0], &names, &nn, e));
    hs_report_summary s = {0};
    int rc = 0;
    if (json)
        fprintf(out, "{\"sweeps\": [");
    for (size_t i = 0; i < (o->sweep ? 1 : nn) && rc == 0; i++) {
        report r = {0};
        rc = view_load(o, o->sweep ? o->sweep : names[i], &r.v, e);
        if (rc == 0 && r.v.rs.sw && r.v.rs.kernel) {
            r.rules = r.v.rs.sw->rules;
            r.n_rules = r.v.rs.sw->n_rules;
        }
        if (rc == 0)
            rc = evaluate(&r, o, e);
        if (rc == 0) {
            size_t *by[] = {&s.held, &s.violated, &s.incomplete, &s.no_data};
            for (size_t ri = 0; ri < r.n_rules; ri++)
                (*by[r.verdict[ri]])++;
            s.rules += r.n_rules;
            if (json) {
                fprintf(out, "%s\n ", i ? "," : "");
                print_json(&r, out);
            } else {
                print_md(&r, o->full, out);
            }
        }
        report_free(&r);
    }
    if (json && rc == 0)
        fprintf(out,
                "\n], \"rules\": %zu, \"held\": %zu, \"violated\": %zu, \"incomplete\": %zu, "
                "\"no_data\": %zu}\n",
                s.rules, s.held, s.violated, s.incomplete, s.no_data);
    else if (rc == 0)
        print_last_line(&s, out);
    hs_table_list_free(names, nn);
    if (sum)
        *sum = s;
    return rc;
}
