/* `hsweep report --format json`: a sweep's rules, verdicts, flips, refinement and groups. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/report_impl.h"
#include "hsweep/collate.h"
#include "hsweep/json.h"
#include "hsweep/kernel.h"
#include "hsweep/refine.h"

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
    fprintf(out, ", \"n_values\": %zu, \"n_groups\": %zu, \"classes\": [", f->n_values,
            f->n_groups);
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
        fprintf(out,
                "}, \"n_groups\": %zu, \"class\": %d, \"flips\": %zu, \"constant\": ", ln->n_groups,
                ln->cls, ln->n_ch);
        if (ln->n_ch)
            fprintf(out, "null");
        else
            fprintf(out, "\"%s\"", hs_report_gver_names[ln->constant]);
        fprintf(out, ", \"changes\": [");
        for (size_t c = 0; c < ln->n_ch && c < MAX_CHANGES; c++) {
            fprintf(out, "%s{\"from\": ", c ? ", " : "");
            json_axis_value(v, ln->ch_from[c], f->a, out);
            fprintf(out, ", \"to\": ");
            json_axis_value(v, ln->ch_to[c], f->a, out);
            fprintf(out, ", \"before\": \"%s\", \"after\": \"%s\"}",
                    hs_report_gver_names[ln->ch_before[c]],
                    hs_report_gver_names[!ln->ch_before[c]]);
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
            hs_report_rver_names[r->verdict[ri]], r->count[ri][G_HELD], r->count[ri][G_VIOLATED],
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
        size_t n = hs_report_refine_brackets(r, sp, &f, &br);
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
            hs_json_num(out, hs_report_rb_width(sp, b));
            fprintf(out, ", \"metric_a\": ");
            hs_json_num(out, r->chk[b->ga * r->n_rules + sp->rule].lhs);
            fprintf(out, ", \"metric_b\": ");
            hs_json_num(out, r->chk[b->gb * r->n_rules + sp->rule].lhs);
            fprintf(out, ", \"tasks_added\": %zu, \"stop\": \"%s\", \"monotone\": %s}", b->added,
                    b->narrow    ? "tol"
                    : b->pending ? "running"
                                 : "budget",
                    b->n_ch > 1 ? "false" : "true");
        }
        fprintf(out, "]}");
        free(br);
    }
    fprintf(out, "]");
}

void hs_report_print_json(const report *r, FILE *out)
{
    const view *v = &r->v;
    const hs_rowset *rs = &v->rs;
    size_t nr = r->n_rules;
    fprintf(out, "{\"name\": ");
    hs_json_str(out, rs->sweep);
    fprintf(out, ", \"kernel\": ");
    hs_json_str(out, rs->kernel_name);
    fprintf(out, ", \"reduced\": %s, \"tasks\": %zu, \"pending\": %zu, \"damaged\": %zu",
            rs->set && rs->set->reduced ? "true" : "false", rs->n, rs->pending, rs->damaged);
    if (rs->damaged)
        json_opt_str(out, "damaged_rows", rs->damaged_ids);
    fprintf(out, ", \"status\": {");
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
            if (!hs_report_applies(r, g, a)) {
                fprintf(out, "%s", sep);
                hs_json_str(out, axis_name(v, a));
                sep = ", ";
            }
        fprintf(out, "], \"n_tasks\": %zu, \"metrics\": {", n);
        for (size_t m = 0; m < r->n_m; m++) {
            double mean;
            size_t n_na;
            hs_report_metric_mean(r, g, m, &mean, &n_na);
            fprintf(out, "%s", m ? ", " : "");
            hs_json_str(out, r->mname[m]);
            fprintf(out, ": {\"mean\": ");
            hs_json_num(out, mean);
            fprintf(out, ", \"n_na\": %zu}", n_na);
        }
        fprintf(out, "}, \"verdicts\": {");
        sep = "";
        for (size_t ri = 0; ri < nr; ri++) {
            const gcheck *c = &r->chk[g * nr + ri];
            if (c->ver == G_NA)
                continue;
            fprintf(out, "%s\"%zu\": {\"verdict\": \"%s\", \"lhs\": ", sep, ri + 1,
                    hs_report_gver_names[c->ver]);
            hs_json_num(out, c->lhs);
            fprintf(out, ", \"rhs\": ");
            hs_json_num(out, c->rhs);
            fprintf(out, ", \"why\": ");
            if (c->ver == G_INCOMPLETE) {
                char why[200];
                hs_report_why(c, why, sizeof why);
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
