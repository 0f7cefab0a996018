/*
 * The pose benchmarks' shared problem: seed 002's rig (4 joints, 3 cameras,
 * 3 mixture states) with T frames synthesized from sampler seed 1, and the
 * model configuration every pose bench starts from (positive lengths, joint
 * coordinates with natural vMF parameters, mixture and HMM on, the priors
 * of the `nuts` kernel's pose defaults).  A bench changes the fields it
 * varies after the call.
 */
#ifndef HSWEEP_BENCH_POSE_H
#define HSWEEP_BENCH_POSE_H

#include <stdlib.h>

#include "hsweep/pose.h"

enum { BENCH_POSE_K = 4, BENCH_POSE_C = 3, BENCH_POSE_S = 3 };

/* Fill parents[4], nominal[3], P[36] and *cfg for T frames; returns the
 * observations (free them), or NULL when T < 2 or memory runs out. */
static inline double *bench_pose_setup(int T, int *parents, double *nominal, double *P,
                                       hs_pose_config *cfg)
{
    const int K = BENCH_POSE_K, C = BENCH_POSE_C, S = BENCH_POSE_S;
    if (T < 2)
        return NULL;
    hs_pose_default_tree(K, parents, nominal);
    hs_pose_default_cameras(C, P);
    double *y = malloc(sizeof(double) * (size_t)C * T * K * 2);
    if (!y)
        return NULL;
    hs_pose_synthesize(T, K, C, S, parents, nominal, P, HS_POSE_WIDTH, HS_POSE_HEIGHT, 2.0, 0.05,
                       0.05, 1, y, NULL);
    *cfg = (hs_pose_config){.T = T,
                            .K = K,
                            .C = C,
                            .S = S,
                            .parents = parents,
                            .nominal = nominal,
                            .P = P,
                            .y = y,
                            .width = HS_POSE_WIDTH,
                            .height = HS_POSE_HEIGHT,
                            .lengths_positive = 1,
                            .joints = 1,
                            .vmf_natural = 1,
                            .use_mixture = 1,
                            .use_hmm = 1,
                            .vmf_normalized = 1,
                            .eta2_mode = 1,
                            .eta2_sd = 1,
                            .sigma_obs_mode = 1,
                            .sigma_obs_sd = 0.5,
                            .kappa_mode = 5,
                            .kappa_sd = 5,
                            .rho_sd = 2,
                            .sigma2_mode = 0.25,
                            .sigma2_sd = 0.5};
    return y;
}

#endif
