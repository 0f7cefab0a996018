/*
 * `hsweep report`: per sweep, the verdicts of its `expect` rules on its
 * groups (evaluated here), then its groups; report_md.c and report_json.c
 * print them.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/report_impl.h"
#include "hsweep/collate.h"
#include "hsweep/kernel.h"
#include "hsweep/refine.h"

const char *const hs_report_gver_names[] = {"held", "violated", "incomplete"};
const char *const hs_report_rver_names[] = {"held", "violated", "incomplete", "no data"};

/* Why an aggregate cannot be trusted (WHY_*), as the report says it. */
static const char *const why_text[] = {"",
                                       "a task is pending",
                                       "a task failed, timed out or crashed",
                                       "the mean is ±inf",
                                       "no task gave a value",
                                       "no such group",
                                       "the sweep is not in the results"};

/* An aggregate being built: values summed, problems counted.  sum and n_vals
 * take ±inf too (a rule on such a group is incomplete: WHY_INF); fsum and
 * n_fin only finite values, for the means the group table shows. */
typedef struct agg {
    double sum, fsum;
    size_t n, n_vals, n_fin, n_pending, n_bad;
    int inf;
} agg;

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
    if (isfinite(x)) {
        a->fsum += x;
        a->n_fin++;
    }
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
/* The mean over finite values only (a ±inf value counts as no value), NaN without any. */
static double agg_mean_finite(const agg *a) { return a->n_fin ? a->fsum / (double)a->n_fin : NAN; }

void hs_report_metric_mean(const report *r, size_t g, size_t m, double *mean, size_t *n_na)
{
    agg ag = {0};
    agg_add((view *)&r->v, g, r->mcol[m], NULL, &ag);
    *mean = agg_mean_finite(&ag);
    *n_na = r->v.start[g + 1] - r->v.start[g] - ag.n_fin;
}

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
        r->rcol[ri] =
            rv ? hs_rowset_col(&rv->rs, ru->ref_metric ? ru->ref_metric : ru->metric) : -1;
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

/* The text of what happens along a line: "never flips (held)" or "flips between ...". */
static void line_text(const report *r, const flips *f, const fline *l, char *buf, size_t cap)
{
    const char *an = axis_name(&r->v, f->a);
    if (!l->n_ch) {
        snprintf(buf, cap, "never flips (%s)", hs_report_gver_names[l->constant]);
        return;
    }
    size_t used = (size_t)snprintf(buf, cap, "flips between ");
    for (size_t k = 0; k < l->n_ch && k < MAX_CHANGES && used < cap; k++)
        used += (size_t)snprintf(
            buf + used, cap - used, "%s%s=%s and %s=%s (%s → %s)", k ? ", " : "", an,
            gtext(&r->v, l->ch_from[k], f->a), an, gtext(&r->v, l->ch_to[k], f->a),
            hs_report_gver_names[l->ch_before[k]], hs_report_gver_names[!l->ch_before[k]]);
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
 * Line l of f (of[g]: the line of group g, members: room for its groups):
 * its changes of verdict in increasing axis value, and its class (lines with
 * the same text), new if no line before had it.
 */
static void line_changes(const report *r, flips *f, size_t l, const size_t *of, size_t *members)
{
    const view *v = &r->v;
    size_t ng = v->gk.n, nr = r->n_rules, a = f->a, ri = f->rule;
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
        return;
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

/* Order f's classes by their number of lines, most first (stable). */
static void sort_classes(flips *f)
{
    for (size_t i = 1; i < f->n_cls; i++)
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
    for (size_t l = 0; rc == 0 && l < f->n_lines; l++)
        line_changes(r, f, l, of, members);
    if (rc == 0)
        sort_classes(f);
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

void hs_report_why(const gcheck *c, char *buf, size_t cap)
{
    if (c->why)
        snprintf(buf, cap, "%s", why_text[c->why]);
    else
        snprintf(buf, cap, "reference: %s", why_text[c->why_ref]);
}

/* Whether group g's column a applies: not a case key that g's case leaves at its default. */
int hs_report_applies(const report *r, size_t g, size_t a)
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

/* Whether groups g and h have the same values of every group axis but a. */
static int same_line(const view *v, size_t g, size_t h, size_t a)
{
    for (size_t b = 0; b < v->n_g; b++)
        if (b != a && strcmp(gtext(v, g, b), gtext(v, h, b)) != 0)
            return 0;
    return 1;
}

/*
 * The final brackets of refine block sp, along each line of its axis where
 * the rule flips, into *out (malloc'd; NULL and 0 when none); *fp: the flips
 * of the rule along the axis (NULL if the report has none).
 */
size_t hs_report_refine_brackets(const report *r, const hs_refine_spec *sp, const flips **fp,
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

double hs_report_rb_width(const hs_refine_spec *sp, const rbracket *b)
{
    return sp->log && b->a > 0 ? b->b / b->a - 1 : b->b - b->a;
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
                hs_report_print_json(&r, out);
            } else {
                hs_report_print_md(&r, o->full, out);
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
        hs_report_print_last_line(&s, out);
    hs_table_list_free(names, nn);
    if (sum)
        *sum = s;
    return rc;
}
