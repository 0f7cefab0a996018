/*
 * Pivot tables from results files: a metric aggregated over seeds and the
 * remaining axes, by one or two axes.
 */
#ifndef HSWEEP_COLLATE_H
#define HSWEEP_COLLATE_H

#include <stdio.h>

#include "hsweep/error.h"

typedef struct hs_collate_opts {
    const char *file;
    const char *sweep;   /* NULL: the file's only sweep */
    const char *rows;    /* axis (any parameter column, or seed); NULL: one row "all" */
    const char *cols;    /* optional second axis */
    const char *metric;  /* metric column, wall_s, ... */
    const char *agg;     /* mean|median|min|max|std|count; NULL: mean */
    const char *format;  /* md|csv; NULL: md */
} hs_collate_opts;

/* Print the table to out.  Tasks not yet run (pending) are left out and
 * counted in a footnote; non-finite values are not averaged in. */
int hs_collate(const hs_collate_opts *o, FILE *out, hs_err *e);

/* Aggregate n values (sorted in place for median). NaN for no values. */
double hs_aggregate(const char *agg, double *v, size_t n);

#endif
