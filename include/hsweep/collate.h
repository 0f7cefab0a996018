/*
 * Tables from results files: pivot metrics of one sweep by axes, aggregated
 * over seeds and the remaining axes (collate), and the verdicts of the
 * sweep's `expect` rules (report).  Several results files of the same sweep
 * (e.g. one per Slurm job) are merged.
 *
 * What a cell aggregates: the finite values of the metric from the tasks of
 * the cell whose status is ok, nonfinite or diverged.  Tasks that failed,
 * timed out or crashed, and NaN/inf values, are never averaged in: each
 * cell counts them ("n/a") and the tables show the count.  Pending tasks are
 * left out and counted in a footnote.
 */
#ifndef HSWEEP_COLLATE_H
#define HSWEEP_COLLATE_H

#include <stdio.h>

#include "hsweep/error.h"

typedef struct hs_collate_opts {
    const char *const *files; /* results files, merged */
    size_t n_files;
    const char *sweep;          /* "a" or "a,b" (side by side); NULL: the files' only sweep */
    const char *rows;           /* axes "a,b"; NULL: every axis but seed, cols and contrast
                                 * (with several sweeps: those every sweep has) */
    const char *cols;           /* optional: axes "a,b" across the columns (their combinations) */
    const char *const *metrics; /* each "m" or "m1,m2"; "status" gives counts per status */
    size_t n_metrics;
    const char *const *where; /* conditions "T>=200 and use_mixture=true", all must hold */
    size_t n_where;
    const char
        *contrast;   /* "A=a-b" (difference) or "A=a/b" (ratio) of the aggregates at A=a, A=b */
    const char *agg; /* mean|median|std|min|max|sum|count|frac_ok|mean±std|meanstd; NULL: mean */
    const char *format; /* md|csv|tsv|json|long-csv|long-tsv; NULL: md */
    FILE *notes;        /* csv/tsv/long: where the footnotes go (NULL: dropped) */
    FILE *warnings;     /* why a sweep's table is empty (a --where condition no task meets) */
} hs_collate_opts;

/*
 * Print the pivot table to out: one table, with several sweeps side by side
 * (their row keys merged; a sweep lacking an axis or metric is an error).
 * *n_cells (may be NULL) is set to the number of cells with at least one
 * task; 0 means the table is empty and o->warnings says why.  HS_EINPUT for
 * bad options, files that do not merge, or a --contrast value the axis
 * does not have.
 */
int hs_collate(const hs_collate_opts *o, FILE *out, size_t *n_cells, hs_err *e);

/*
 * Aggregate n values with agg (mean, median, std, min, max, sum, count); v
 * is sorted in place for median.  std is the sample standard deviation
 * (n - 1 in the denominator, NaN for n < 2).  NaN when n = 0 (count gives 0).
 */
double hs_aggregate(const char *agg, double *v, size_t n);

typedef struct hs_report_opts {
    const char *const *files;
    size_t n_files;
    const char *sweep;  /* NULL: every sweep of the first file */
    const char *format; /* md|json; NULL: md */
    int full;           /* md: every group (otherwise as many as fit HS_REPORT_LINES per sweep) */
} hs_report_opts;

/* Markdown: a sweep's section aims at HS_REPORT_LINES lines (a screen); its group
 * table is cut to fit, but shows at least HS_REPORT_MIN_ROWS groups. */
#define HS_REPORT_LINES 60
#define HS_REPORT_MIN_ROWS 10

/* How many rules ended with each verdict, over every sweep reported. */
typedef struct hs_report_summary {
    size_t rules, held, violated, incomplete, no_data;
} hs_report_summary;

/*
 * Print, per sweep, a verdict table of its `expect` rules (config.h's
 * hs_rule), where along each numeric axis each rule's check flips, and its
 * groups (each combination of axis values but seed).  A rule is checked on
 * every group its `when` selects (tasks = "mean": the group's mean over its
 * tasks; "all": each task's value) against its value or reference group.
 * Per group: held, violated, or incomplete (a task of the group or of its
 * reference is pending, failed, timed out or crashed, the mean is ±inf or
 * absent, or the reference group is missing).  Per rule, over = "all":
 * violated if a group violates, held if every group holds, else
 * incomplete; over = "any": held if a group holds, violated if every group
 * violates, else incomplete; "no data" if no group is selected.  *sum (may
 * be NULL) counts the verdicts.  Errors: HS_EINPUT for bad options or files.
 */
int hs_report(const hs_report_opts *o, FILE *out, hs_report_summary *sum, hs_err *e);

/*
 * The verdict of a rule with a constant value (hs_rule) on one group, from
 * the n tasks of the group that its `when` selects: status st[i] and value
 * x[i] of the rule's metric (frac_ok: the metric is the fraction of ok
 * tasks, x[i] is 1 or 0).  The same evaluator as hs_report's; *lhs is the
 * group's mean.
 */
enum { HS_GROUP_NA = -1, HS_GROUP_HELD = 0, HS_GROUP_VIOLATED = 1, HS_GROUP_INCOMPLETE = 2 };
struct hs_rule;
int hs_rule_group_verdict(const struct hs_rule *ru, size_t n, const int *st, const double *x,
                          int frac_ok, double *lhs);

#endif
