/*
 * `hsweep collate`, output: the pivot table as Markdown, CSV or TSV (wide),
 * long CSV/TSV (one line per cell and metric) or JSON, and the Markdown and
 * JSON value helpers report.c shares.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/collate_impl.h"
#include "hsweep/collate.h"
#include "hsweep/json.h"
#include "hsweep/kernel.h"

void hs_collate_json_key(FILE *out, const hs_rowset *rs, int col, const char *text, double num)
{
    if (col < 0 || !hs_rowset_numeric(rs, col))
        hs_json_str(out, text);
    else if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0)
        fputs(text, out);
    else
        hs_json_num(out, num);
}

void hs_collate_md_value(char *buf, size_t cap, double v, double sd, size_t n_na, size_t n_tasks)
{
    size_t used;
    if (isnan(v))
        used = (size_t)snprintf(buf, cap, "–");
    else if (!isnan(sd))
        used = (size_t)snprintf(buf, cap, "%.6g ± %.3g", v, sd);
    else
        used = (size_t)snprintf(buf, cap, "%.6g", v);
    if (n_na && used < cap)
        snprintf(buf + used, cap - used, " (%zu/%zu n/a)", n_na, n_tasks);
}

void hs_collate_md_text(FILE *out, const char *s)
{
    for (; *s; s++)
        if (*s == '|')
            fputs("\\|", out);
        else
            fputc(*s == '\n' || *s == '\r' ? ' ' : *s, out);
}

/*
 * One field of a table: CSV and TSV quoted per RFC 4180 when the text holds
 * the separator, a quote, CR or LF (quotes doubled); Markdown with '|'
 * escaped and line breaks as spaces.
 */
static void put_field(FILE *out, int fmt, const char *s)
{
    if (fmt == HS_FMT_MD) {
        hs_collate_md_text(out, s);
        return;
    }
    const char *special = fmt == HS_FMT_CSV || fmt == HS_FMT_LONG_CSV ? ",\"\r\n" : "\t\"\r\n";
    if (!strpbrk(s, special)) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static const char *field_sep(int fmt)
{
    return fmt == HS_FMT_MD ? " | " : fmt == HS_FMT_CSV || fmt == HS_FMT_LONG_CSV ? "," : "\t";
}

/* A number for CSV/TSV: every digit needed to read back the same double; empty for NaN. */
static void num_text(char *buf, size_t cap, double v)
{
    if (isnan(v))
        buf[0] = 0;
    else
        snprintf(buf, cap, "%.17g", v);
}

/* Output columns: for each metric (slowest), each sweep, each column key, each sub-column. */
typedef struct outcol {
    size_t m, s, ck;
    int sub; /* status code (status), 0 mean / 1 std (mean±std in csv/tsv), else -1 */
} outcol;

static size_t out_columns(const hs_pivot *p, outcol *oc)
{
    size_t n = 0;
    for (size_t m = 0; m < p->n_m; m++)
        for (size_t s = 0; s < p->n_p; s++)
            for (size_t ck = 0; ck < p->p[s].ck.n; ck++) {
                if (p->p[s].mcol[m] == HS_COL_STATUS) {
                    for (int st = HS_ST_OK; st < HS_ST_COUNT; st++)
                        if (st == HS_ST_OK || p->p[s].st_total[st])
                            oc[n++] = (outcol){m, s, ck, st};
                } else if (p->agg == HS_AGG_MEANSTD && p->fmt != HS_FMT_MD) {
                    oc[n++] = (outcol){m, s, ck, 0};
                    oc[n++] = (outcol){m, s, ck, 1};
                } else {
                    oc[n++] = (outcol){m, s, ck, -1};
                }
            }
    return n;
}

static void col_header(const hs_pivot *p, const outcol *c, char *buf, size_t cap)
{
    const hs_part *q = &p->p[c->s];
    int status = q->mcol[c->m] == HS_COL_STATUS;
    size_t used = 0;
    buf[0] = 0;
    for (size_t k = 0; k < p->n_c && used < cap; k++)
        used += (size_t)(p->n_c == 1 ? snprintf(buf + used, cap - used, "%s", q->ck.text[c->ck])
                                     : snprintf(buf + used, cap - used, "%s%s=%s", k ? " " : "",
                                                p->cname[k], q->ck.text[c->ck * p->n_c + k]));
    if (p->n_p > 1 && used < cap)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? " " : "", q->rs.sweep);
    if ((p->n_c == 0 || p->n_m > 1 || c->sub >= 0 || p->n_p > 1) &&
        !(status && p->n_m == 1 && p->n_p == 1) && used < cap)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", used ? " " : "", p->mname[c->m]);
    if (c->sub >= 0 && used < cap)
        snprintf(buf + used, cap - used, "%s%s", used ? " " : "",
                 status ? hs_status_name(c->sub) : (c->sub ? "std" : "mean"));
}

static void cell_text(const hs_pivot *p, const outcol *oc, const hs_cell *c, char *buf, size_t cap)
{
    buf[0] = 0;
    if (c->n_tasks == 0)
        return;
    if (p->p[oc->s].mcol[oc->m] == HS_COL_STATUS) {
        snprintf(buf, cap, "%zu", c->st[oc->sub]);
        return;
    }
    double v = oc->sub == 1 ? c->sd : c->v;
    if (p->fmt != HS_FMT_MD)
        num_text(buf, cap, v);
    else
        hs_collate_md_value(buf, cap, v, p->agg == HS_AGG_MEANSTD ? c->sd : NAN,
                            p->agg == HS_AGG_FRAC_OK ? 0 : c->n_na, c->n_tasks);
}

/* The cell of sweep s at printed row `row`, column key ck, metric m; NULL if s lacks the row. */
static const hs_cell *cell_at(const hs_pivot *p, size_t row, size_t s, size_t ck, size_t m)
{
    size_t rk = p->row_key[row * p->n_p + s];
    const hs_part *q = &p->p[s];
    return rk == HS_NO_KEY ? NULL : &q->cells[(rk * q->ck.n + ck) * p->n_m + m];
}

static void print_footnotes(const hs_pivot *p, const hs_part *q, FILE *out)
{
    const hs_rowset *rs = &q->rs;
    char who[HS_TEXT_CAP] = "";
    if (p->n_p > 1)
        snprintf(who, sizeof who, "sweep %s: ", rs->sweep);
    int any_na = 0;
    for (size_t m = 0; m < p->n_m; m++) {
        size_t na = q->na_value[m];
        for (int s = 0; s < HS_ST_COUNT; s++)
            na += q->na_status[m][s];
        if (!na || p->agg == HS_AGG_FRAC_OK)
            continue;
        if (!any_na++)
            fprintf(out,
                    "\n%s(k/n n/a): k of the cell's n tasks gave no value and are not aggregated:",
                    who);
        fprintf(out, "%s %s:", any_na > 1 ? ";" : "", p->mname[m]);
        const char *sep = "";
        for (int s = 0; s < HS_ST_COUNT; s++)
            if (q->na_status[m][s]) {
                fprintf(out, "%s %zu %s", sep, q->na_status[m][s], hs_status_name(s));
                sep = ",";
            }
        if (q->na_value[m])
            fprintf(out, "%s %zu NaN/inf", sep, q->na_value[m]);
    }
    if (any_na)
        fprintf(out, ".\n");
    if (rs->n_files > 1 && q == p->p) {
        fprintf(out, "\nMerged from %zu files:", rs->n_files);
        for (size_t i = 0; i < rs->n_files; i++)
            fprintf(out, "%s %s", i ? "," : "", rs->file[i]);
        fprintf(out, ".\n");
    }
    if (rs->duplicates)
        fprintf(
            out,
            "\n%s%zu task(s) finished in more than one file are counted once (the first file's).\n",
            who, rs->duplicates);
    if (q->n_where_out)
        fprintf(out, "\n%s%zu task(s) left out by --where.\n", who, q->n_where_out);
    if (rs->pending)
        fprintf(out, "\n%s%zu of %zu tasks not run yet (pending) are not included.\n", who,
                rs->pending, rs->pending + rs->n);
    if (rs->damaged)
        fprintf(out,
                "\n%s%zu damaged row(s) are not included, counted as pending (%s; hsweep run "
                "--resume --repair reruns them).\n",
                who, rs->damaged, rs->damaged_ids);
}

/* "mean" or, with --contrast, "mean at T=80 - mean at T=200" (/ for a ratio). */
static void agg_label(const hs_pivot *p, char *buf, size_t cap)
{
    const char *a = hs_agg_names[p->agg];
    if (p->con_op)
        snprintf(buf, cap, "%s at %s=%s %s %s at %s=%s", a, p->con_axis, p->con_part->con_val[0],
                 p->con_op == '-' ? "−" : "/", a, p->con_axis, p->con_part->con_val[1]);
    else
        snprintf(buf, cap, "%s", a);
}

static int print_table(const hs_pivot *p, FILE *out, hs_err *e)
{
    size_t max = 1;
    for (size_t s = 0; s < p->n_p; s++)
        max += p->n_m * p->p[s].ck.n * HS_ST_COUNT;
    outcol *oc = malloc(max * sizeof *oc);
    if (!oc)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    size_t noc = out_columns(p, oc);
    int md = p->fmt == HS_FMT_MD;
    const char *sep = field_sep(p->fmt);
    char buf[1024], label[4 * HS_TEXT_CAP];
    agg_label(p, label, sizeof label);
    if (md) {
        for (size_t s = 0; s < p->n_p; s++)
            fprintf(out, "%ssweep %s (kernel %s), %zu tasks", s ? "; " : "", p->p[s].rs.sweep,
                    p->p[s].rs.kernel_name, p->p[s].n_sel);
        fprintf(out, ":");
        for (size_t m = 0; m < p->n_m; m++)
            fprintf(out, "%s %s (%s)", m ? "," : "", p->mname[m],
                    strcmp(p->mname[m], "status") == 0 ? "counts" : label);
        fprintf(out, "\n\n| ");
    }
    for (size_t r = 0; r < p->n_r; r++) {
        fputs(r ? sep : "", out);
        put_field(out, p->fmt, p->rname[r]);
    }
    if (md && p->n_c) {
        hs_collate_join(p->cname, p->n_c, buf, sizeof buf);
        fprintf(out, "%s\\ %s", p->n_r ? " " : "", buf);
    }
    for (size_t j = 0; j < noc; j++) {
        col_header(p, &oc[j], buf, sizeof buf);
        fputs(sep, out);
        put_field(out, p->fmt, buf);
    }
    fprintf(out, md ? " |\n|" : "\n");
    for (size_t r = 0; md && r < (p->n_r ? p->n_r : 1); r++)
        fprintf(out, "---|");
    for (size_t j = 0; md && j < noc; j++)
        fprintf(out, "---:|");
    if (md)
        fprintf(out, "\n");
    for (size_t row = 0; row < p->n_rows; row++) {
        if (md)
            fprintf(out, "| ");
        for (size_t r = 0; r < p->n_r; r++) {
            fputs(r ? sep : "", out);
            put_field(out, p->fmt, p->rtext[row * p->n_r + r]);
        }
        if (p->n_r == 0)
            fprintf(out, "all");
        for (size_t j = 0; j < noc; j++) {
            const hs_cell *c = cell_at(p, row, oc[j].s, oc[j].ck, oc[j].m);
            buf[0] = 0;
            if (c)
                cell_text(p, &oc[j], c, buf, sizeof buf);
            fputs(sep, out);
            put_field(out, p->fmt, buf);
        }
        fprintf(out, md ? " |\n" : "\n");
    }
    for (size_t s = 0; s < p->n_p && (md ? out : p->o->notes); s++)
        print_footnotes(p, &p->p[s], md ? out : p->o->notes);
    free(oc);
    return 0;
}

/*
 * The tidy long table: one line per cell and metric (mean±std: a line for
 * each; status: a line per status with its count as the value), with a
 * column per row and column axis.
 */
static void print_long(const hs_pivot *p, FILE *out)
{
    const char *sep = field_sep(p->fmt);
    char buf[HS_TEXT_CAP];
    fputs("sweep", out);
    for (size_t r = 0; r < p->n_r; r++) {
        fputs(sep, out);
        put_field(out, p->fmt, p->rname[r]);
    }
    for (size_t c = 0; c < p->n_c; c++) {
        fputs(sep, out);
        put_field(out, p->fmt, p->cname[c]);
    }
    fprintf(out, "%smetric%sagg%s%svalue%sn_values%sn_na%sn_tasks\n", sep, sep, sep,
            p->con_op ? (p->fmt == HS_FMT_LONG_CSV ? "contrast," : "contrast\t") : "", sep, sep,
            sep);
    for (size_t row = 0; row < p->n_rows; row++)
        for (size_t s = 0; s < p->n_p; s++) {
            const hs_part *q = &p->p[s];
            for (size_t ck = 0; ck < q->ck.n; ck++)
                for (size_t m = 0; m < p->n_m; m++) {
                    const hs_cell *c = cell_at(p, row, s, ck, m);
                    if (!c || c->n_tasks == 0)
                        continue;
                    int status = q->mcol[m] == HS_COL_STATUS;
                    for (int sub = 0; sub < (status                     ? HS_ST_COUNT
                                             : p->agg == HS_AGG_MEANSTD ? 2
                                                                        : 1);
                         sub++) {
                        if (status && !(sub == HS_ST_OK || c->st[sub]))
                            continue;
                        put_field(out, p->fmt, q->rs.sweep);
                        for (size_t r = 0; r < p->n_r; r++) {
                            fputs(sep, out);
                            put_field(out, p->fmt, p->rtext[row * p->n_r + r]);
                        }
                        for (size_t k = 0; k < p->n_c; k++) {
                            fputs(sep, out);
                            put_field(out, p->fmt, q->ck.text[ck * p->n_c + k]);
                        }
                        fputs(sep, out);
                        put_field(out, p->fmt, p->mname[m]);
                        const char *agg = status                     ? hs_status_name(sub)
                                          : p->agg != HS_AGG_MEANSTD ? hs_agg_names[p->agg]
                                          : sub                      ? "std"
                                                                     : "mean";
                        fprintf(out, "%s%s", sep, agg);
                        if (p->con_op) {
                            fputs(sep, out);
                            snprintf(buf, sizeof buf, "%s=%s", p->con_axis, p->con_text);
                            put_field(out, p->fmt, buf);
                        }
                        if (status) {
                            fprintf(out, "%s%zu%s%s%s%zu\n", sep, c->st[sub], sep, sep, sep,
                                    c->n_tasks);
                            continue;
                        }
                        num_text(buf, sizeof buf, sub ? c->sd : c->v);
                        fprintf(out, "%s%s%s%zu%s%zu%s%zu\n", sep, buf, sep, c->n_vals, sep,
                                c->n_na, sep, c->n_tasks);
                    }
                }
        }
    for (size_t s = 0; s < p->n_p && p->o->notes; s++)
        print_footnotes(p, &p->p[s], p->o->notes);
}

static void json_names(FILE *out, char *const *names, size_t n)
{
    fprintf(out, "[");
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "%s", i ? ", " : "");
        hs_json_str(out, names[i]);
    }
    fprintf(out, "]");
}

/* ", NAME: value" for each of the n columns of key `key` of keys (columns cols, names names). */
static void json_key_fields(FILE *out, const hs_rowset *rs, char *const *names, const int *cols,
                            const hs_keys *keys, size_t key, size_t n)
{
    for (size_t r = 0; r < n; r++) {
        fprintf(out, ", ");
        hs_json_str(out, names[r]);
        fprintf(out, ": ");
        hs_collate_json_key(out, rs, cols[r], keys->text[key * n + r], keys->num[key * n + r]);
    }
}

static void print_json_cell(const hs_pivot *p, size_t row, size_t s, size_t ck, size_t m, FILE *out)
{
    const hs_part *q = &p->p[s];
    const hs_rowset *rs = &q->rs;
    const hs_cell *c = cell_at(p, row, s, ck, m);
    size_t rk = p->row_key[row * p->n_p + s];
    fprintf(out, "{\"sweep\": ");
    hs_json_str(out, rs->sweep);
    json_key_fields(out, rs, p->rname, q->rcol, &q->rk, rk, p->n_r);
    json_key_fields(out, rs, p->cname, q->ccol, &q->ck, ck, p->n_c);
    fprintf(out, ", \"metric\": ");
    hs_json_str(out, p->mname[m]);
    if (q->mcol[m] != HS_COL_STATUS) {
        fprintf(out, ", \"value\": ");
        hs_json_num(out, c->v);
        if (p->agg == HS_AGG_MEANSTD) {
            fprintf(out, ", \"std\": ");
            hs_json_num(out, c->sd);
        }
        if (p->con_op) {
            fprintf(out, ", \"first\": ");
            hs_json_num(out, c->side[0]);
            fprintf(out, ", \"second\": ");
            hs_json_num(out, c->side[1]);
        }
        fprintf(out, ", \"n_values\": %zu, \"n_na\": %zu", c->n_vals, c->n_na);
    }
    fprintf(out, ", \"n_tasks\": %zu, \"status\": {", c->n_tasks);
    const char *sep = "";
    for (int st = 0; st < HS_ST_COUNT; st++)
        if (c->st[st]) {
            fprintf(out, "%s\"%s\": %zu", sep, hs_status_name(st), c->st[st]);
            sep = ", ";
        }
    fprintf(out, "}}");
}

static void print_json(const hs_pivot *p, FILE *out)
{
    const hs_collate_opts *o = p->o;
    const hs_rowset *rs0 = &p->p[0].rs;
    size_t tasks = 0, pending = 0, dup = 0, where_out = 0;
    for (size_t s = 0; s < p->n_p; s++) {
        tasks += p->p[s].n_sel;
        pending += p->p[s].rs.pending;
        dup += p->p[s].rs.duplicates;
        where_out += p->p[s].n_where_out;
    }
    fprintf(out, "{\"sweep\": ");
    if (p->n_p == 1)
        hs_json_str(out, rs0->sweep);
    else
        fprintf(out, "null");
    fprintf(out, ", \"sweeps\": [");
    for (size_t s = 0; s < p->n_p; s++) {
        fprintf(out, "%s{\"name\": ", s ? ", " : "");
        hs_json_str(out, p->p[s].rs.sweep);
        fprintf(out, ", \"kernel\": ");
        hs_json_str(out, p->p[s].rs.kernel_name);
        fprintf(out, "}");
    }
    fprintf(out, "], \"kernel\": ");
    hs_json_str(out, rs0->kernel_name);
    fprintf(out, ", \"files\": ");
    json_names(out, rs0->file, rs0->n_files);
    fprintf(out, ", \"agg\": \"%s\", \"rows\": ", hs_agg_names[p->agg]);
    json_names(out, p->rname, p->n_r);
    fprintf(out, ", \"cols\": ");
    json_names(out, p->cname, p->n_c);
    fprintf(out, ", \"contrast\": ");
    if (p->con_op) {
        fprintf(out, "{\"axis\": ");
        hs_json_str(out, p->con_axis);
        fprintf(out, ", \"first\": ");
        hs_json_str(out, p->con_part->con_val[0]);
        fprintf(out, ", \"second\": ");
        hs_json_str(out, p->con_part->con_val[1]);
        fprintf(out, ", \"op\": \"%s\"}", p->con_op == '-' ? "difference" : "ratio");
    } else {
        fprintf(out, "null");
    }
    fprintf(out, ", \"metrics\": ");
    json_names(out, p->mname, p->n_m);
    fprintf(out, ", \"where\": [");
    for (size_t i = 0; i < o->n_where; i++) {
        fprintf(out, "%s", i ? ", " : "");
        hs_json_str(out, o->where[i]);
    }
    fprintf(
        out,
        "], \"tasks\": %zu, \"pending\": %zu, \"duplicates\": %zu, \"excluded_by_where\": %zu,\n"
        " \"cells\": [",
        tasks, pending, dup, where_out);
    size_t n = 0;
    for (size_t row = 0; row < p->n_rows; row++)
        for (size_t s = 0; s < p->n_p; s++)
            for (size_t ck = 0; ck < p->p[s].ck.n; ck++)
                for (size_t m = 0; m < p->n_m; m++) {
                    const hs_cell *c = cell_at(p, row, s, ck, m);
                    if (!c || c->n_tasks == 0)
                        continue;
                    fprintf(out, "%s\n  ", n++ ? "," : "");
                    print_json_cell(p, row, s, ck, m, out);
                }
    fprintf(out, "\n]}\n");
}

int hs_pivot_print(const hs_pivot *p, FILE *out, hs_err *e)
{
    if (p->fmt == HS_FMT_JSON)
        print_json(p, out);
    else if (p->fmt == HS_FMT_LONG_CSV || p->fmt == HS_FMT_LONG_TSV)
        print_long(p, out);
    else
        return print_table(p, out, e);
    return 0;
}
