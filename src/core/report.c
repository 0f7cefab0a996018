/* `hsweep report`: each sweep's groups and the verdicts of its `expect` rules. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/collate_impl.h"
#include "hsweep/json.h"
#include "hsweep/collate.h"
#include "hsweep/kernel.h"

#define MAX_FLIPS_SHOWN 8

enum { V_NA = -1, V_HELD = 0, V_VIOLATED = 1, V_NODATA = 2 };
static const char *const verdict_names[] = {"held", "violated", "no data"};

/* Where a rule's check changes along a numeric axis, on one line of groups. */
typedef struct flip {
    size_t rule;
    int axis;        /* column */
    size_t g1, g2;   /* groups either side */
    double v1, v2;   /* their means */
    int held1;       /* check held at g1 */
    size_t n_flips;  /* changes along the line */
    char where[512]; /* the line's other axis values, when there are several lines */
} flip;

typedef struct report {
    hs_rowset rs;
    const hs_rule *rules;
    size_t n_rules;
    int *gcol; /* group axes: every axis but seed */
    size_t n_g;
    hs_keys gk;
    size_t *gkey, *start, *idx;
    char **mname; /* metrics the rules use, in first-use order */
    int *mcol;
    size_t n_m;
    size_t *rule_m;     /* rule -> metric index */
    double *gmean;      /* [group][metric]: mean over the group's tasks */
    size_t *gna;        /* [group][metric]: tasks without a value */
    double *rmean;      /* [group][rule]: mean over the group's tasks the rule applies to */
    int *rver;          /* [group][rule]: verdict or V_NA */
    size_t (*count)[3]; /* [rule]: groups held / violated / no data */
    flip *flips;
    size_t n_flips, cap_flips;
    size_t st[HS_ST_COUNT];
} report;

static void report_free(report *r)
{
    hs_keys_free(&r->gk);
    free(r->gcol);
    free(r->gkey);
    free(r->start);
    free(r->idx);
    free(r->mname);
    free(r->mcol);
    free(r->rule_m);
    free(r->gmean);
    free(r->gna);
    free(r->rmean);
    free(r->rver);
    free(r->count);
    free(r->flips);
    hs_rowset_free(&r->rs);
    memset(r, 0, sizeof *r);
}

/* Mean of column col over tasks idx[0..n) that match f (NULL: all); *n_match, *n_na counted. */
static double group_mean(report *r, const size_t *idx, size_t n, int col, const hs_filter *f,
                         size_t *n_match, size_t *n_na)
{
    double s = 0;
    size_t nv = 0;
    *n_match = *n_na = 0;
    for (size_t t = 0; t < n; t++) {
        if (f && !hs_rowset_match(&r->rs, idx[t], f))
            continue;
        (*n_match)++;
        double v = col == -1 ? NAN : hs_rowset_value(&r->rs, idx[t], col);
        if (isnan(v)) {
            (*n_na)++;
        } else {
            s += v;
            nv++;
        }
    }
    return nv ? s / (double)nv : NAN;
}

static int metric_index(report *r, const char *name)
{
    for (size_t m = 0; m < r->n_m; m++)
        if (strcmp(r->mname[m], name) == 0)
            return (int)m;
    r->mname[r->n_m] = (char *)name;
    r->mcol[r->n_m] = hs_rowset_col(&r->rs, name);
    return (int)r->n_m++;
}

static int add_flip(report *r, const flip *f)
{
    if (r->n_flips == r->cap_flips) {
        size_t nc = r->cap_flips ? 2 * r->cap_flips : 8;
        flip *nf = realloc(r->flips, nc * sizeof *nf);
        if (!nf)
            return -1;
        r->flips = nf;
        r->cap_flips = nc;
    }
    r->flips[r->n_flips++] = *f;
    return 0;
}

/* Sort groups g[0..n) by their value of group axis a (insertion sort: lines are short). */
static void sort_line(const report *r, size_t a, size_t *g, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && r->gk.num[g[j - 1] * r->n_g + a] > r->gk.num[g[j] * r->n_g + a];
             j--) {
            size_t t = g[j];
            g[j] = g[j - 1];
            g[j - 1] = t;
        }
}

/*
 * Flips of rule ri along group axis a: the rule's conditions on other
 * parameters select the groups, which fall into lines (equal values of the
 * other axes); along each line, in increasing a, the first change of the
 * check (mean op value) between neighbouring groups with data is a flip.
 */
static int rule_flips(report *r, size_t ri, size_t a, hs_err *e)
{
    const hs_rule *ru = &r->rules[ri];
    const hs_kernel *k = r->rs.kernel;
    const char *aname = r->rs.t[0].col[r->gcol[a]].name;
    size_t ng = r->gk.n, nl = 0;
    hs_filter f = {0, malloc((ru->when.n + 1) * sizeof(hs_cond))};
    double *mean = malloc((ng + 1) * sizeof *mean);
    size_t *line = malloc((ng + 1) * sizeof *line), *members = malloc((ng + 1) * sizeof *members);
    unsigned char *vary = calloc(r->n_g + 1, 1); /* other axes that differ between lines */
    if (!f.c || !mean || !line || !members || !vary) {
        free(f.c);
        free(mean);
        free(line);
        free(members);
        free(vary);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    for (size_t c = 0; c < ru->when.n; c++)
        if (ru->when.c[c].param < 0 || strcmp(k->params[ru->when.c[c].param].name, aname) != 0)
            f.c[f.n++] = ru->when.c[c];
    /* line[g]: index of g's line among groups the reduced rule applies to; (size_t)-1 if none */
    size_t first = (size_t)-1;
    for (size_t g = 0; g < ng; g++) {
        size_t n_match, n_na;
        mean[g] = group_mean(r, r->idx + r->start[g], r->start[g + 1] - r->start[g],
                             r->mcol[r->rule_m[ri]], &f, &n_match, &n_na);
        line[g] = (size_t)-1;
        if (!n_match)
            continue;
        for (size_t h = 0; h < g && line[g] == (size_t)-1; h++) {
            if (line[h] == (size_t)-1)
                continue;
            int same = 1;
            for (size_t b = 0; b < r->n_g && same; b++)
                same =
                    b == a || strcmp(r->gk.text[g * r->n_g + b], r->gk.text[h * r->n_g + b]) == 0;
            if (same)
                line[g] = line[h];
        }
        if (line[g] == (size_t)-1)
            line[g] = nl++;
        if (first == (size_t)-1)
            first = g;
        for (size_t b = 0; b < r->n_g; b++)
            vary[b] |=
                b != a && strcmp(r->gk.text[g * r->n_g + b], r->gk.text[first * r->n_g + b]) != 0;
    }
    int rc = 0;
    for (size_t l = 0; l < nl && rc == 0; l++) {
        size_t n = 0;
        for (size_t g = 0; g < ng; g++)
            if (line[g] == l)
                members[n++] = g;
        sort_line(r, a, members, n);
        flip fl = {.rule = ri, .axis = r->gcol[a]};
        size_t prev = (size_t)-1;
        for (size_t j = 0; j < n; j++) {
            size_t g = members[j];
            if (isnan(mean[g]))
                continue;
            int held = hs_op_eval(ru->op, mean[g], ru->value);
            if (prev != (size_t)-1 && held != hs_op_eval(ru->op, mean[prev], ru->value)) {
                if (fl.n_flips++ == 0) {
                    fl.g1 = prev;
                    fl.g2 = g;
                    fl.v1 = mean[prev];
                    fl.v2 = mean[g];
                    fl.held1 = !held;
                }
            }
            prev = g;
        }
        if (!fl.n_flips)
            continue;
        size_t used = 0;
        for (size_t b = 0; b < r->n_g && used < sizeof fl.where; b++)
            if (vary[b])
                used += (size_t)snprintf(fl.where + used, sizeof fl.where - used, "%s%s=%s",
                                         used ? ", " : "", r->rs.t[0].col[r->gcol[b]].name,
                                         r->gk.text[members[0] * r->n_g + b]);
        if (add_flip(r, &fl) != 0)
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    free(f.c);
    free(mean);
    free(line);
    free(members);
    free(vary);
    return rc;
}

static int evaluate(report *r, hs_err *e)
{
    hs_rowset *rs = &r->rs;
    size_t nr = r->n_rules;
    r->gcol = calloc(rs->n_axes + 1, sizeof *r->gcol);
    unsigned char *sel = malloc(rs->n + 1);
    r->gkey = malloc((rs->n + 1) * sizeof *r->gkey);
    r->mname = calloc(nr + 1, sizeof *r->mname);
    r->mcol = calloc(nr + 1, sizeof *r->mcol);
    r->rule_m = calloc(nr + 1, sizeof *r->rule_m);
    r->count = calloc(nr + 1, sizeof *r->count);
    if (!r->gcol || !sel || !r->gkey || !r->mname || !r->mcol || !r->rule_m || !r->count) {
        free(sel);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    for (size_t a = 0; a < rs->n_axes; a++)
        if (strcmp(rs->axes[a], "seed") != 0 && hs_rowset_col(rs, rs->axes[a]) >= 0)
            r->gcol[r->n_g++] = hs_rowset_col(rs, rs->axes[a]);
    memset(sel, 1, rs->n + 1);
    int rc = hs_keys_build(rs, r->gcol, r->n_g, sel, r->gkey, &r->gk, e);
    free(sel);
    HS_CALL(rc);
    HS_CALL(hs_bucket(r->gk.n, r->gkey, rs->n, &r->start, &r->idx, e));
    for (size_t i = 0; i < rs->n; i++) {
        int s = hs_rowset_status(rs, i);
        if (s >= 0 && s < HS_ST_COUNT)
            r->st[s]++;
    }
    for (size_t ri = 0; ri < nr; ri++)
        r->rule_m[ri] = (size_t)metric_index(r, r->rules[ri].metric);
    size_t ng = r->gk.n;
    r->gmean = malloc((ng * r->n_m + 1) * sizeof *r->gmean);
    r->gna = malloc((ng * r->n_m + 1) * sizeof *r->gna);
    r->rmean = malloc((ng * nr + 1) * sizeof *r->rmean);
    r->rver = malloc((ng * nr + 1) * sizeof *r->rver);
    if (!r->gmean || !r->gna || !r->rmean || !r->rver)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    for (size_t g = 0; g < ng; g++) {
        const size_t *idx = r->idx + r->start[g];
        size_t n = r->start[g + 1] - r->start[g], n_match;
        for (size_t m = 0; m < r->n_m; m++)
            r->gmean[g * r->n_m + m] =
                group_mean(r, idx, n, r->mcol[m], NULL, &n_match, &r->gna[g * r->n_m + m]);
        for (size_t ri = 0; ri < nr; ri++) {
            const hs_rule *ru = &r->rules[ri];
            size_t n_na;
            double v = group_mean(r, idx, n, r->mcol[r->rule_m[ri]], &ru->when, &n_match, &n_na);
            int ver = !n_match                           ? V_NA
                      : isnan(v)                         ? V_NODATA
                      : hs_op_eval(ru->op, v, ru->value) ? V_HELD
                                                         : V_VIOLATED;
            r->rmean[g * nr + ri] = v;
            r->rver[g * nr + ri] = ver;
            if (ver != V_NA)
                r->count[ri][ver]++;
        }
    }
    for (size_t ri = 0; ri < nr; ri++)
        for (size_t a = 0; a < r->n_g; a++) {
            const hs_col *c = &rs->t[0].col[r->gcol[a]];
            if (c->kind != HS_COL_STRING && c->kind != HS_COL_ENUM)
                HS_CALL(rule_flips(r, ri, a, e));
        }
    return 0;
}

static int rule_verdict(const report *r, size_t ri)
{
    return r->count[ri][V_VIOLATED] ? V_VIOLATED : r->count[ri][V_HELD] ? V_HELD : V_NODATA;
}

static void status_summary(const size_t *st, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = 0;
    for (int s = 0; s < HS_ST_COUNT && used < cap; s++)
        if (st[s])
            used += (size_t)snprintf(buf + used, cap - used, "%s%zu %s", used ? ", " : "", st[s],
                                     hs_status_name(s));
}

static void print_flip(const report *r, const flip *f, FILE *out)
{
    const hs_rule *ru = &r->rules[f->rule];
    const char *an = r->rs.t[0].col[f->axis].name;
    size_t a = 0;
    while (r->gcol[a] != f->axis)
        a++;
    fprintf(out,
            "- rule %zu (%s %s %g): %s crosses %g between %s=%s (%.6g, %s) and %s=%s (%.6g, %s)",
            f->rule + 1, ru->metric, hs_op_name(ru->op), ru->value, ru->metric, ru->value, an,
            r->gk.text[f->g1 * r->n_g + a], f->v1, f->held1 ? "held" : "violated", an,
            r->gk.text[f->g2 * r->n_g + a], f->v2, f->held1 ? "violated" : "held");
    if (*f->where)
        fprintf(out, " [%s]", f->where);
    if (f->n_flips > 1)
        fprintf(out, "; it changes %zu times along %s", f->n_flips, an);
    fprintf(out, "\n");
}

static void print_md(const report *r, FILE *out)
{
    const hs_rowset *rs = &r->rs;
    size_t nr = r->n_rules;
    char buf[1024];
    status_summary(r->st, buf, sizeof buf);
    fprintf(out, "## sweep %s (kernel %s)\n\n%zu tasks: %s.", rs->sweep, rs->kernel_name, rs->n,
            rs->n ? buf : "none finished");
    if (rs->pending)
        fprintf(out, " %zu pending (not run yet) are not included.", rs->pending);
    if (rs->n_files > 1)
        fprintf(out, " Merged from %zu files.", rs->n_files);
    fprintf(out, "\n\n");
    if (!rs->sw || !rs->kernel)
        fprintf(out, "Rules not available: %s\n\n",
                rs->sw ? "this hsweep does not know the kernel" : rs->set_err);
    else if (nr == 0)
        fprintf(out, "No expect rules.\n\n");
    if (nr) {
        fprintf(out, "| rule | when | check | verdict | groups held / violated / no data "
                     "|\n|---:|---|---|---|---|\n");
        for (size_t ri = 0; ri < nr; ri++) {
            const hs_rule *ru = &r->rules[ri];
            fprintf(out, "| %zu | %s | %s %s %g | %s | %zu / %zu / %zu |\n", ri + 1,
                    ru->when_text && *ru->when_text ? ru->when_text : "(all)", ru->metric,
                    hs_op_name(ru->op), ru->value, verdict_names[rule_verdict(r, ri)],
                    r->count[ri][V_HELD], r->count[ri][V_VIOLATED], r->count[ri][V_NODATA]);
        }
        fprintf(out, "\n");
        if (r->n_flips) {
            fprintf(out, "Flips (where a rule's check changes along an axis):\n\n");
            /* a rule flips on every line of a large grid: show the first few per rule and axis */
            size_t shown = 0, hidden = 0;
            for (size_t i = 0; i < r->n_flips; i++) {
                const flip *f = &r->flips[i];
                shown = (i && f->rule == f[-1].rule && f->axis == f[-1].axis) ? shown + 1 : 0;
                if (shown < MAX_FLIPS_SHOWN)
                    print_flip(r, f, out);
                else
                    hidden++;
            }
            if (hidden)
                fprintf(out,
                        "- ... and %zu more (at most %d per rule and axis here; --format json "
                        "lists all)\n",
                        hidden, MAX_FLIPS_SHOWN);
            fprintf(out, "\n");
        }
    }
    fprintf(out, "| ");
    for (size_t a = 0; a < r->n_g; a++)
        fprintf(out, "%s | ", rs->t[0].col[r->gcol[a]].name);
    fprintf(out, "tasks |");
    for (size_t m = 0; m < r->n_m; m++)
        fprintf(out, " %s |", r->mname[m]);
    fprintf(out, "%s\n|", nr ? " rules |" : "");
    for (size_t a = 0; a < r->n_g + 1; a++)
        fprintf(out, "---|");
    for (size_t m = 0; m < r->n_m; m++)
        fprintf(out, "---:|");
    fprintf(out, "%s\n", nr ? "---|" : "");
    for (size_t g = 0; g < r->gk.n; g++) {
        size_t st[HS_ST_COUNT] = {0};
        for (size_t t = r->start[g]; t < r->start[g + 1]; t++) {
            int s = hs_rowset_status(rs, r->idx[t]);
            if (s >= 0 && s < HS_ST_COUNT)
                st[s]++;
        }
        fprintf(out, "| ");
        for (size_t a = 0; a < r->n_g; a++)
            fprintf(out, "%s | ", r->gk.text[g * r->n_g + a]);
        status_summary(st, buf, sizeof buf);
        fprintf(out, "%s |", buf);
        for (size_t m = 0; m < r->n_m; m++) {
            hs_collate_md_value(buf, sizeof buf, r->gmean[g * r->n_m + m], NAN,
                                r->gna[g * r->n_m + m], r->start[g + 1] - r->start[g]);
            fprintf(out, " %s |", buf);
        }
        if (nr) {
            const char *sep = " ";
            for (size_t ri = 0; ri < nr; ri++)
                if (r->rver[g * nr + ri] != V_NA) {
                    fprintf(out, "%s%zu %s", sep, ri + 1, verdict_names[r->rver[g * nr + ri]]);
                    sep = ", ";
                }
            fprintf(out, " |");
        }
        fprintf(out, "\n");
    }
    if (r->n_m)
        fprintf(out, "\nMetric columns are means over the group's tasks (seeds); (k/n n/a): k of n "
                     "tasks gave no "
                     "value (failed, timeout, crashed, or NaN/inf) and are not averaged in.\n\n");
}

static void json_group_key(const report *r, size_t g, FILE *out)
{
    fprintf(out, "{");
    for (size_t a = 0; a < r->n_g; a++) {
        fprintf(out, "%s", a ? ", " : "");
        hs_json_str(out, r->rs.t[0].col[r->gcol[a]].name);
        fprintf(out, ": ");
        hs_collate_json_key(out, &r->rs, r->gcol[a], r->gk.text[g * r->n_g + a],
                            r->gk.num[g * r->n_g + a]);
    }
    fprintf(out, "}");
}

static void print_json(const report *r, FILE *out)
{
    const hs_rowset *rs = &r->rs;
    size_t nr = r->n_rules;
    fprintf(out, "{\"name\": ");
    hs_json_str(out, rs->sweep);
    fprintf(out, ", \"kernel\": ");
    hs_json_str(out, rs->kernel_name);
    fprintf(out, ", \"tasks\": %zu, \"pending\": %zu, \"status\": {", rs->n, rs->pending);
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
        const hs_rule *ru = &r->rules[ri];
        fprintf(out, "%s\n    {\"index\": %zu, \"line\": %d, \"when\": ", ri ? "," : "", ri + 1,
                ru->line);
        hs_json_str(out, ru->when_text ? ru->when_text : "");
        fprintf(out, ", \"metric\": ");
        hs_json_str(out, ru->metric);
        fprintf(out, ", \"op\": \"%s\", \"value\": ", hs_op_name(ru->op));
        hs_json_num(out, ru->value);
        fprintf(out,
                ", \"verdict\": \"%s\", \"held\": %zu, \"violated\": %zu, \"no_data\": %zu, "
                "\"flips\": [",
                verdict_names[rule_verdict(r, ri)], r->count[ri][V_HELD], r->count[ri][V_VIOLATED],
                r->count[ri][V_NODATA]);
        const char *fs = "";
        for (size_t i = 0; i < r->n_flips; i++) {
            const flip *f = &r->flips[i];
            if (f->rule != ri)
                continue;
            size_t a = 0;
            while (r->gcol[a] != f->axis)
                a++;
            fprintf(out, "%s{\"axis\": ", fs);
            hs_json_str(out, rs->t[0].col[f->axis].name);
            fprintf(out, ", \"from\": ");
            hs_json_num(out, r->gk.num[f->g1 * r->n_g + a]);
            fprintf(out, ", \"to\": ");
            hs_json_num(out, r->gk.num[f->g2 * r->n_g + a]);
            fprintf(out, ", \"from_value\": ");
            hs_json_num(out, f->v1);
            fprintf(out, ", \"to_value\": ");
            hs_json_num(out, f->v2);
            fprintf(out, ", \"held_before\": %s, \"changes\": %zu, \"from_group\": ",
                    f->held1 ? "true" : "false", f->n_flips);
            json_group_key(r, f->g1, out);
            fprintf(out, "}");
            fs = ", ";
        }
        fprintf(out, "]}");
    }
    fprintf(out, "],\n  \"groups\": [");
    for (size_t g = 0; g < r->gk.n; g++) {
        fprintf(out, "%s\n    {\"params\": ", g ? "," : "");
        json_group_key(r, g, out);
        fprintf(out, ", \"n_tasks\": %zu, \"metrics\": {", r->start[g + 1] - r->start[g]);
        for (size_t m = 0; m < r->n_m; m++) {
            fprintf(out, "%s", m ? ", " : "");
            hs_json_str(out, r->mname[m]);
            fprintf(out, ": {\"mean\": ");
            hs_json_num(out, r->gmean[g * r->n_m + m]);
            fprintf(out, ", \"n_na\": %zu}", r->gna[g * r->n_m + m]);
        }
        fprintf(out, "}, \"verdicts\": {");
        sep = "";
        for (size_t ri = 0; ri < nr; ri++)
            if (r->rver[g * nr + ri] != V_NA) {
                fprintf(out, "%s\"%zu\": \"%s\"", sep, ri + 1, verdict_names[r->rver[g * nr + ri]]);
                sep = ", ";
            }
        fprintf(out, "}}");
    }
    fprintf(out, "]}");
}

int hs_report(const hs_report_opts *o, FILE *out, size_t *n_bad, hs_err *e)
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
    size_t bad = 0, n_rules = 0;
    int rc = 0;
    if (json)
        fprintf(out, "{\"sweeps\": [");
    for (size_t s = 0; s < (o->sweep ? 1 : nn) && rc == 0; s++) {
        report r = {0};
        rc = hs_rowset_load(o->files, o->n_files, o->sweep ? o->sweep : names[s], &r.rs, e);
        if (rc)
            break;
        if (r.rs.sw && r.rs.kernel) {
            r.rules = r.rs.sw->rules;
            r.n_rules = r.rs.sw->n_rules;
        }
        rc = evaluate(&r, e);
        if (rc == 0) {
            for (size_t ri = 0; ri < r.n_rules; ri++)
                bad += rule_verdict(&r, ri) != V_HELD;
            n_rules += r.n_rules;
            if (json) {
                fprintf(out, "%s\n ", s ? "," : "");
                print_json(&r, out);
            } else {
                print_md(&r, out);
            }
        }
        report_free(&r);
    }
    if (json && rc == 0)
        fprintf(out, "\n], \"rules\": %zu, \"not_held\": %zu}\n", n_rules, bad);
    else if (rc == 0)
        fprintf(out, "%zu of %zu rules not held (violated or no data).\n", bad, n_rules);
    hs_table_list_free(names, nn);
    if (n_bad)
        *n_bad = bad;
    return rc;
}
