/*
 * The pose model's keypoint and bone terms over every frame at once
 * (pose_obs.c), private to src/numeric/pose*.c.  Joint positions and
 * outputs are per-joint arrays (structure of arrays, joint-major: index
 * k T + t for joint k at frame t), bone outputs likewise (b T + t, and
 * (3 b + axis) T + t for directions), so the loops over frames run in SIMD
 * lanes; nothing is summed across lanes except by hs_pose_lane_sum's fixed
 * order, so the result is the same bits whatever vector width the CPU has.
 */
#ifndef HSWEEP_POSE_OBS_H
#define HSWEEP_POSE_OBS_H

#include <stddef.h>

typedef struct pose_obs_args {
    size_t n; /* joints times frames, T K */
    int C, mixture;
    const double *P;              /* [C][12] camera matrices */
    const double *x[3];           /* [n] joint positions, one array per axis */
    const double *y0, *y1, *seen; /* [C][n] keypoints (0 where missing), 1 seen / 0 missing */
    double is2;                   /* 1 / sigma_obs^2 */
    double lgc;           /* log normaliser of the 2-D Gaussian, -2 log sigma_obs - log 2 pi */
    double lp_in, lp_out; /* mixture: log p, log(1 - p) - log(W H) */
    /* [n] outputs, overwritten: d/dx, log-likelihood, d/dlog sigma_obs, inlier weight */
    double *g[3], *lp, *gls, *w;
} pose_obs_args;

/* H2_MIN: yhat = (h0, h1) / max(h2, H2_MIN), as in the seed. */
#define HS_POSE_H2_MIN 1e-6
/* u = v / sqrt(|v|^2 + DIR_EPS), as in the seed. */
#define HS_POSE_DIR_EPS 1e-8
/* Partial sums of hs_pose_lane_sum. */
#define HS_POSE_LANES 8

/* The bones of the joint-position parameterisation (pose.h), B = K - 1. */
typedef struct pose_bones_args {
    size_t T;
    int K;
    const int *parents;       /* [K], parents[0] = -1 */
    const double *x[3];       /* [K][T] joint positions */
    const double *rho, *is2b; /* [B] bone length means and 1 / sigma^2 */
    double *g[3];             /* [K][T] d/dx, added to */
    /* Outputs, overwritten: u [B][3][T] unit directions; [B][T] 1/l, l, the
     * Jacobian term -2 log l and l - rho (gl above includes N(l; rho, s2)). */
    double *u, *il, *len, *lp, *dl;
} pose_bones_args;

/*
 * Sums over cameras, per joint: the keypoints' log-likelihood (Gaussian,
 * or the inlier/outlier mixture) and its gradients.  Missing keypoints add 0.
 */
void hs_pose_obs_batch(const pose_obs_args *a);

/* Every bone: lengths, directions, log density, and its gradient added to a->g. */
void hs_pose_bones_batch(const pose_bones_args *a);

/* The gradient gu [B][3][T] wrt the directions u, as d/dx added to a->g
 * (a->u and a->il from hs_pose_bones_batch). */
void hs_pose_bones_tangent(const pose_bones_args *a, const double *gu);

/* sum x[i] and sum x[i] y[i] in HS_POSE_LANES partial sums, added in a fixed order. */
double hs_pose_lane_sum(size_t n, const double *x);
double hs_pose_lane_dot(size_t n, const double *x, const double *y);

/* y[i] += a x[i] (x and y do not overlap). */
void hs_pose_axpy(size_t n, double a, const double *restrict x, double *restrict y);

/* x[i] = e^x[i] in place for x[i] <= 0 (0 below -700), and sum log x[i] in lanes. */
void hs_pose_exp_batch(size_t n, double *x);
double hs_pose_log_sum(size_t n, const double *x);

/* e^x for x in [-700, 0], log(1 + e) for e in [0, 1] and log x, this
 * file's own (vectorisable, exported for the tests). */
double hs_pose_exp_neg(double x);
double hs_pose_log1p_unit(double e);
double hs_pose_log_pos(double x);

#endif
