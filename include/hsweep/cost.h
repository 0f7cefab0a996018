/*
 * Cost models fitted from finished tasks.  A kernel's cost hint (expected
 * seconds of one task on one core) orders the queue and sizes plans; the
 * results file records what each task really took (`wall_s`).  Per sweep:
 *
 *   x = log(hint), y = log(wall_s), over the tasks that ran to the end
 *   (status ok, nonfinite or diverged; hint and wall_s > 0 and finite).
 *
 *   n = 0:   wall = hint (no correction).
 *   else:    wall = exp(c) * hint, c = median(y - x): one factor, robust to
 *            a few outlying tasks (a first task that pays for page faults).
 *   With at least HS_COST_MIN_SLOPE tasks whose hints span a factor
 *   HS_COST_MIN_SPREAD or more, the exponent is fitted too:
 *            wall = exp(c + b (x - m)),  m = mean(x),
 *            b = least squares slope of y on x, kept in [0.5, 2],
 *            c = median(y - b (x - m)).
 *   b corrects a hint whose scaling in the parameters is off (n^3 where the
 *   work grows as n^2); the bounds keep a noisy fit over a narrow range from
 *   extrapolating wildly.
 *
 * The fit is a function of the observations in the order given, so a fit
 * from a results file is the same on every run.
 */
#ifndef HSWEEP_COST_H
#define HSWEEP_COST_H

#include <stddef.h>
#include <stdint.h>

#include "hsweep/config.h"
#include "hsweep/error.h"

#define HS_COST_MIN_SLOPE 8
#define HS_COST_MIN_SPREAD 4.0
#define HS_COST_SLOPE_MIN 0.5
#define HS_COST_SLOPE_MAX 2.0

/* A fitted model: predicted wall = exp(c + b (log(hint) - m)). */
typedef struct hs_cost_model {
    size_t n; /* tasks the fit used (0: the identity) */
    double c, b, m;
} hs_cost_model;

/* Timing samples of one sweep: log hint and log wall of each finished task. */
typedef struct hs_cost_obs {
    size_t n, cap;
    double *x, *y;
} hs_cost_obs;

/* The kernel's hint for one task with parameter values v (1e-3 s without a hint). */
double hs_cost_hint(const hs_kernel *k, const hs_value *v);

/*
 * Add a task that took wall_s for a hint of hint_s.  Samples that cannot be
 * fitted in log space (zero, negative or non-finite) are skipped: returns 0
 * either way, HS_ENOMEM (o unchanged) when out of memory.
 */
int hs_cost_obs_add(hs_cost_obs *o, double hint_s, double wall_s, hs_err *e);
void hs_cost_obs_free(hs_cost_obs *o);

/* Fit the model above to o's samples.  HS_ENOMEM leaves *m the identity. */
int hs_cost_fit(const hs_cost_obs *o, hs_cost_model *m, hs_err *e);

/* Predicted wall seconds of a task whose hint is hint_s. */
double hs_cost_predict(const hs_cost_model *m, double hint_s);

/* The model as "wall_s = A x hint^b" (or "x A" when b = 1), for messages. */
void hs_cost_format(const hs_cost_model *m, char *buf, size_t cap);

/* What a results file says about one sweep of a sweep file. */
typedef struct hs_cost_calib {
    int found;       /* the file has a sweep of this name (same kernel) */
    hs_cost_obs obs; /* samples: the file's finished tasks, in row order (damaged rows left out) */
    hs_cost_model model;                    /* fitted to obs */
    uint64_t n_other;                       /* finished rows not used: failed, timeout, crashed */
    uint64_t n_pending;                     /* the file's pending rows ... */
    double pending_hint_s, pending_model_s; /* ... and their core-seconds */
} hs_cost_calib;

/*
 * Read results file `path` and fit, for each sweep of set, the model of its
 * hints (calib[i] for set->sweeps[i]; calib has set->n_sweeps entries).  A
 * sweep of set that the file does not hold gets found = 0 and the identity.
 * Refuses (HS_EINPUT) a file that holds none of set's sweeps, or one whose
 * sweep of the same name ran another kernel or lacks one of its
 * parameters.  On error calib holds nothing to free.
 */
int hs_cost_calibrate(const hs_sweepset *set, const char *path, hs_cost_calib *calib, hs_err *e);
void hs_cost_calib_free(hs_cost_calib *calib, size_t n);

/*
 * The work left in a run, for its ETA: per sweep, the hints of the tasks not
 * yet finished (in bins of 1/16 octave, so that a refit costs the number of
 * bins, not of tasks) and the samples of the tasks that finished (the latest
 * 65536 per sweep).  Models are refitted as samples come in, each time their
 * number has grown by a twentieth.
 */
typedef struct hs_cost_left hs_cost_left;

/* Track n_sweeps sweeps, starting from calib's samples (calib may be NULL). */
int hs_cost_left_create(size_t n_sweeps, const hs_cost_calib *calib, hs_cost_left **out, hs_err *e);
void hs_cost_left_destroy(hs_cost_left **l);

/* A task of sweep si with hint hint_s is queued (+1) or finished (-1). */
void hs_cost_left_count(hs_cost_left *l, size_t si, double hint_s, int sign);

/* A task of sweep si finished in wall_s: a sample for the fit (see hs_cost_obs_add). */
int hs_cost_left_observe(hs_cost_left *l, size_t si, double hint_s, double wall_s, hs_err *e);

/*
 * Predicted seconds (one core) of the tasks not yet finished.  Each sweep
 * uses its own fit, or, without samples of its own, a factor fitted to the
 * samples of every sweep.  NaN while fewer than min_samples tasks have
 * finished in all (and some work is left): too little to say.
 */
double hs_cost_left_seconds(hs_cost_left *l, size_t min_samples);

/* The current model of sweep si (refitted if samples came in). */
const hs_cost_model *hs_cost_left_model(hs_cost_left *l, size_t si);

#endif
