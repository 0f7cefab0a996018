/*
 * Private to report*.c: a sweep's groups and the verdicts of its rules
 * (report.c evaluates them), printed as Markdown (report_md.c) or JSON
 * (report_json.c).
 */
#ifndef HSWEEP_REPORT_IMPL_H
#define HSWEEP_REPORT_IMPL_H

#include <stdio.h>

#include "core/collate_impl.h"
#include "hsweep/collate.h"
#include "hsweep/refine.h"

/* Verdict of a rule on one group; G_NA: its `when` selects no task of the group. */
enum { G_NA = -1, G_HELD = 0, G_VIOLATED = 1, G_INCOMPLETE = 2 };
extern const char *const hs_report_gver_names[]; /* by G_* (not G_NA) */
/* Verdict of a rule. */
enum { R_HELD, R_VIOLATED, R_INCOMPLETE, R_NODATA };
extern const char *const hs_report_rver_names[]; /* by R_* */

/* Why an aggregate cannot be trusted (a group incomplete). */
enum { WHY_NONE, WHY_PENDING, WHY_FAILED, WHY_INF, WHY_NOVALUE, WHY_MISSING, WHY_NOSWEEP };

#define MAX_CHANGES 8 /* changes kept per line of groups (all are counted) */

/* One sweep's tasks, finished and pending, by group (axis values but seed). */
typedef struct view {
    hs_rowset rs;
    int *gcol; /* group axes: every axis but seed */
    size_t n_g;
    hs_keys gk;
    size_t *gkey, *start, *idx; /* tasks of group g: idx[start[g] .. start[g+1]-1] */
} view;

/* A rule on a group. */
typedef struct gcheck {
    int ver;     /* G_* */
    int why;     /* WHY_* of the group's own tasks */
    int why_ref; /* WHY_* of the reference */
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
    size_t *cls_lines; /* lines per class; classes ordered by it, most first */
} flips;

typedef struct report {
    view v;
    const hs_rule *rules;
    size_t n_rules;
    view *other; /* reference sweeps, loaded once each */
    size_t n_other;
    view **ref;  /* per rule: the view its reference group is in; NULL: not in the files */
    int **share; /* per rule, per group axis: the reference view's axis kept equal, or -1 */
    int *lcol, *rcol;
    gcheck *chk;        /* [group][rule] */
    size_t (*count)[3]; /* per rule: groups held, violated, incomplete */
    int *verdict;       /* per rule: R_* */
    flips *fl;
    size_t n_fl;
    unsigned char *keep; /* per group axis: it varies between groups (a column of the table) */
    int *mcol;           /* metrics of the group table */
    const char **mname;
    size_t n_m;
    size_t st[HS_ST_COUNT];
} report;

static inline const char *axis_name(const view *v, size_t a)
{
    return v->rs.t[0].col[v->gcol[a]].name;
}
static inline const char *gtext(const view *v, size_t g, size_t a)
{
    return v->gk.text[g * v->n_g + a];
}

/* Why group check c is incomplete: its own tasks' reason, else its reference's. */
void hs_report_why(const gcheck *c, char *buf, size_t cap);
/* Whether group g's column a applies: not a case key that g's case leaves at its default. */
int hs_report_applies(const report *r, size_t g, size_t a);
/* The mean of group g's metric m over its tasks' finite values (NaN without
 * any), and how many of its tasks gave no such value. */
void hs_report_metric_mean(const report *r, size_t g, size_t m, double *mean, size_t *n_na);

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
size_t hs_report_refine_brackets(const report *r, const hs_refine_spec *sp, const flips **fp,
                                 rbracket **out);
/* A bracket's width: b/a - 1 on a log scale, else b - a. */
double hs_report_rb_width(const hs_refine_spec *sp, const rbracket *b);

/* A sweep's section in Markdown: verdicts, then groups (all with full, else cut to fit a screen). */
void hs_report_print_md(const report *r, int full, FILE *out);
/* "3 rules: 2 held, 1 violated (see above)." */
void hs_report_print_last_line(const hs_report_summary *s, FILE *out);
/* A sweep as a JSON object. */
void hs_report_print_json(const report *r, FILE *out);

#endif
