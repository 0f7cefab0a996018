/* `hsweep report --format md`: a sweep's verdicts, flip lines, refinement and group table. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/report_impl.h"
#include "hsweep/collate.h"
#include "hsweep/kernel.h"
#include "hsweep/refine.h"

#define MAX_NAMED 4   /* lines named per class of lines that differ from the most common */
#define MAX_CLASSES 4 /* classes of lines shown per rule and axis in Markdown */

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
                                     used     ? ", "
                                     : nv > 1 ? "("
                                              : "",
                                     axis_name(&r->v, b), gtext(&r->v, g, b));
    if (nv > 1 && used < cap)
        snprintf(buf + used, cap - used, ")");
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
    fprintf(out, "**%s**", hs_report_rver_names[v]);
    if (v != R_INCOMPLETE)
        return;
    for (size_t g = 0; g < r->v.gk.n; g++)
        if (r->chk[g * nr + ri].ver == G_INCOMPLETE) {
            char why[200], name[600];
            hs_report_why(&r->chk[g * nr + ri], why, sizeof why);
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
                fprintf(out, "%s | ", hs_report_applies(r, g, a) ? gtext(v, g, a) : "·");
        status_summary(st, buf, sizeof buf);
        fprintf(out, "%s |", buf);
        for (size_t m = 0; m < r->n_m; m++) {
            double mean;
            size_t n_na;
            hs_report_metric_mean(r, g, m, &mean, &n_na);
            hs_collate_md_value(buf, sizeof buf, mean, NAN, n_na, n);
            fprintf(out, " %s |", buf);
        }
        if (nr) {
            sep = " ";
            for (size_t ri = 0; ri < nr; ri++)
                if (r->chk[g * nr + ri].ver != G_NA) {
                    fprintf(out, "%s%zu %s", sep, ri + 1,
                            hs_report_gver_names[r->chk[g * nr + ri].ver]);
                    sep = ", ";
                }
            fprintf(out, " |");
        }
        fprintf(out, "\n");
    }
    if (shown < ng)
        fprintf(out,
                "\n… %zu more groups not shown: `--full` shows every group, `--format json` "
                "gives them with every verdict.\n",
                ng - shown);
    if (r->n_m)
        fprintf(out, "\nMetric columns are means over the group's tasks (seeds); (k/n n/a): k of n "
                     "tasks gave no value (pending, failed, timeout, crashed, or NaN/inf) and are "
                     "not averaged in.\n");
    fprintf(out, "\n");
}

static const char *rb_stop(const rbracket *b)
{
    return b->narrow ? "tol met" : b->pending ? "running" : "budget spent";
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
        size_t n = hs_report_refine_brackets(r, sp, &f, &br);
        fprintf(out,
                "\nRefinement of rule %zu along %s (tol %g%s, at most %llu tasks a bracket):\n\n",
                sp->rule + 1, sw->kernel->params[sp->param].name, sp->tol,
                sp->log ? " relative, log scale" : "", (unsigned long long)sp->max_tasks);
        if (!n)
            fprintf(out, "no line flips: nothing to refine.\n");
        else
            fprintf(out,
                    "| line | bracket [a, b] | %s | %s at a | %s at b | tasks added | stop |\n"
                    "|---|---|---:|---:|---:|---:|---|\n",
                    sp->log ? "b/a - 1" : "width", m, m);
        for (size_t i = 0; i < n; i++) {
            const rbracket *b = &br[i];
            char name[600], ea[64], eb[64], w[64];
            line_name(r, f, b->rep, name, sizeof name);
            hs_collate_md_value(ea, sizeof ea, r->chk[b->ga * r->n_rules + sp->rule].lhs, NAN, 0,
                                1);
            hs_collate_md_value(eb, sizeof eb, r->chk[b->gb * r->n_rules + sp->rule].lhs, NAN, 0,
                                1);
            hs_num_format(hs_report_rb_width(sp, b), w, sizeof w);
            fprintf(out, "| %s | [%s, %s] | %s | %s | %s | %zu | %s%s |\n",
                    name[0] ? name : "(all)", gtext(v, b->ga, f->a), gtext(v, b->gb, f->a), w, ea,
                    eb, b->added, rb_stop(b), b->n_ch > 1 ? "; not monotone" : "");
        }
        free(br);
    }
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
    if (rs->damaged)
        fprintf(out,
                " %zu damaged row(s) counted as pending (%s; `hsweep run --resume --repair` "
                "reruns them).",
                rs->damaged, rs->damaged_ids);
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

/* Lines of a sweep's section besides its verdicts and group rows: table header, notes, blanks. */
#define GROUP_TABLE_EXTRA 11

/*
 * A sweep's section: its verdicts first (rule table, rule texts, flip
 * lines), then as many group rows as keep the whole section within
 * HS_REPORT_LINES lines (at least HS_REPORT_MIN_ROWS; every row with full).
 */
void hs_report_print_md(const report *r, int full, FILE *out)
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
    size_t room = lines + GROUP_TABLE_EXTRA < HS_REPORT_LINES
                      ? HS_REPORT_LINES - lines - GROUP_TABLE_EXTRA
                      : 0;
    print_groups_md(r,
                    full                        ? SIZE_MAX
                    : room > HS_REPORT_MIN_ROWS ? room
                                                : HS_REPORT_MIN_ROWS,
                    out);
}

/* "3 rules: 2 held, 1 violated (see above)." */
void hs_report_print_last_line(const hs_report_summary *s, FILE *out)
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
            fprintf(out, "%s%zu %s", sep, n[k], hs_report_rver_names[k]);
            sep = ", ";
        }
    fprintf(out, "%s\n", s->held == s->rules ? "." : " (see above).");
}
