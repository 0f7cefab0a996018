/*
 * The pose model's keypoint term over every frame at once (pose_obs.c),
 * private to src/numeric/pose*.c.  Joint positions and outputs are
 * per-joint arrays (structure of arrays, n = T K joints, index t K + k), so
 * the loop over joints runs in SIMD lanes; nothing is summed across lanes,
 * and the caller adds the per-joint outputs in a fixed order, so the result
 * is the same bits whatever vector width the CPU has.
 */
#ifndef HSWEEP_POSE_OBS_H
#define HSWEEP_POSE_OBS_H

#include <stddef.h>

typedef struct pose_obs_args {
    size_t n;             /* joints, T K */
    int C, mixture;
    const double *P;      /* [C][12] camera matrices */
    const double *x[3];   /* [n] joint positions, one array per axis */
    const double *y0, *y1, *seen; /* [C][n] keypoints (0 where missing), 1 seen / 0 missing */
    double is2;           /* 1 / sigma_obs^2 */
    double lgc;           /* log normaliser of the 2-D Gaussian, -2 log sigma_obs - log 2 pi */
    double lp_in, lp_out; /* mixture: log p, log(1 - p) - log(W H) */
    /* [n] outputs, overwritten: d/dx, log-likelihood, d/dlog sigma_obs, inlier weight */
    double *g[3], *lp, *gls, *w;
} pose_obs_args;

/* H2_MIN: yhat = (h0, h1) / max(h2, H2_MIN), as in the seed. */
#define HS_POSE_H2_MIN 1e-6

/*
 * Sums over cameras, per joint: the keypoints' log-likelihood (Gaussian,
 * or the inlier/outlier mixture) and its gradients.  Missing keypoints add 0.
 */
void hs_pose_obs_batch(const pose_obs_args *a);

/* e^x for x in [-700, 0] and log(1 + e) for e in [0, 1], the batch's own
 * (vectorisable, exported for the tests). */
double hs_pose_exp_neg(double x);
double hs_pose_log1p_unit(double e);

#endif
