/*
 * Model `pose` of kernel `nuts`: the GIMBAL 3-D pose model of seed 002
 * (kinematic tree, pinhole cameras, outlier mixture, directional HMM), as
 * the NUTS kernel sees it.  This file is glue between the task parameters
 * and src/numeric/pose.c: it reads the data (synthetic or a user's HDF5
 * file), builds the model, draws initial points, names the parameter
 * subset the kernel reports on and turns draws into the pose metrics.
 * Differences from the seed's PyMC model, all documented in pose.h: the
 * keypoint term is counted once (the seed added it twice; obs_twice = true
 * reproduces that), positive
 * lengths are the default (lengths = "free" is the seed's), the sampler
 * works on joint positions (coords = "raw" is the seed's parameterisation),
 * and vmf_normalized = false reproduces the seed's improper HMM emission.
 *
 * The sampler's own parameters (model, dim, param, chains, tune, draws,
 * max_treedepth, target_accept, init_radius) are not repeated here; the
 * kernel's schema is the union of both lists.
 */
#ifndef HSWEEP_KERNELS_NUTS_POSE_H
#define HSWEEP_KERNELS_NUTS_POSE_H

#include <stddef.h>
#include <stdint.h>

#include "hsweep/kernel.h"
#include "hsweep/model.h"
#include "hsweep/rng.h"

/* Parameter specs of model `pose` (each initialiser followed by a comma). */
#define HS_NUTS_POSE_PARAMS                                                                             \
    {"T",    HS_T_INT, "80",     2,                                                                     \
     100000, NULL,     "frames", "pose: frames (with data_file: the first T frames of the file)"},      \
        {"cameras", HS_T_INT,                                                                           \
         "3",       2,                                                                                  \
         16,        NULL,                                                                               \
         "",        "pose: synthetic cameras, 1280x720, f = 1108.51, on a ring around the subject"},    \
        {"joints",                                                                                      \
         HS_T_INT,                                                                                      \
         "4",                                                                                           \
         2,                                                                                             \
         32,                                                                                            \
         NULL,                                                                                          \
         "",                                                                                            \
         "pose: synthetic joints K; K = 4 is root, proximal, two distal (parents -1,0,1,1; "            \
         "bones 10,8,8); larger K grows a binary tree below joint 1 with bones of 8"},                  \
        {"states", HS_T_INT, "3", 1, 16, NULL, "", "pose: directional HMM states S"},                   \
        {"lengths",                                                                                     \
         HS_T_STRING,                                                                                   \
         "positive",                                                                                    \
         0,                                                                                             \
         0,                                                                                             \
         "positive|free",                                                                               \
         "",                                                                                            \
         "pose: bone lengths on the log scale (prior truncated at 0) or unconstrained "                 \
         "(the seed's parameterisation: mirror modes (l, r) ~ (-l, -r))"},                              \
        {"coords",                                                                                      \
         HS_T_STRING,                                                                                   \
         "auto",                                                                                        \
         0,                                                                                             \
         0,                                                                                             \
         "auto|joints|raw|shell",                                                                       \
         "",                                                                                            \
         "pose: the sampler's coordinates for the same posterior (include/hsweep/pose.h): joint "       \
         "positions and vMF natural parameters w = kappa mu; raw directions r ~ N(0, I3) with "         \
         "lengths and raw vMF means (the seed's: funnels in |r| and |m|); raw with a shell prior "      \
         "|r| ~ N(1, 0.1^2); auto = joints with positive lengths, raw with free lengths"},              \
        {"init",                                                                                        \
         HS_T_STRING,                                                                                   \
         "triangulated",                                                                                \
         0,                                                                                             \
         0,                                                                                             \
         "random|nominal|triangulated",                                                                 \
         "",                                                                                            \
         "pose: initial point: Stan's uniform(-init_radius, init_radius); lengths (and rho) at "        \
         "their nominal values, the rest random; or (default) per-frame robust DLT "                    \
         "triangulation of the joints, as the seed initialised"},                                       \
        {"init_metric",                                                                                 \
         HS_T_STRING,                                                                                   \
         "hessian",                                                                                     \
         0,                                                                                             \
         0,                                                                                             \
         "hessian|unit",                                                                                \
         "",                                                                                            \
         "pose: NUTS's initial inverse metric: 1/-diag(Hessian) at each chain's initial point "         \
         "(about 80 gradients), or the unit metric (Stan's and PyMC's default); warmup adapts either"}, \
        {"use_mixture",                                                                                 \
         HS_T_BOOL,                                                                                     \
         "true",                                                                                        \
         0,                                                                                             \
         0,                                                                                             \
         NULL,                                                                                          \
         "",                                                                                            \
         "pose: outlier mixture likelihood (else Gaussian keypoints)"},                                 \
        {"use_hmm", HS_T_BOOL,                                                                          \
         "true",    0,                                                                                  \
         0,         NULL,                                                                               \
         "",        "pose: directional HMM prior on bone directions (else isotropic)"},                 \
        {"vmf_normalized",                                                                              \
         HS_T_BOOL,                                                                                     \
         "true",                                                                                        \
         0,                                                                                             \
         0,                                                                                             \
         NULL,                                                                                          \
         "",                                                                                            \
         "pose: include log C3(kappa) in the vMF emission; false reproduces the seed's improper "       \
         "posterior (kappa runs away)"},                                                                \
        {"eta2_mode", HS_T_REAL,                                                                        \
         "1",         1e-6,                                                                             \
         1e6,         NULL,                                                                             \
         "units^2",   "pose: mode of the Gamma prior on the root step variance eta^2"},                 \
        {"eta2_sd", HS_T_REAL, "1",       1e-6,                                                         \
         1e6,       NULL,      "units^2", "pose: sd of the Gamma prior on eta^2"},                      \
        {"sigma_obs_mode",                                                                              \
         HS_T_REAL,                                                                                     \
         "1",                                                                                           \
         1e-6,                                                                                          \
         1e6,                                                                                           \
         NULL,                                                                                          \
         "px",                                                                                          \
         "pose: mode of the Gamma prior on the keypoint noise sigma_obs"},                              \
        {"sigma_obs_sd",                                                                                \
         HS_T_REAL,                                                                                     \
         "0.5",                                                                                         \
         1e-6,                                                                                          \
         1e6,                                                                                           \
         NULL,                                                                                          \
         "px",                                                                                          \
         "pose: sd of the Gamma prior on sigma_obs"},                                                   \
        {"kappa_mode", HS_T_REAL,                                                                       \
         "5",          1e-6,                                                                            \
         1e6,          NULL,                                                                            \
         "",           "pose: mode of the Gamma prior on each vMF concentration kappa"},                \
        {"kappa_sd", HS_T_REAL, "5", 1e-6, 1e6, NULL, "", "pose: sd of the Gamma prior on kappa"},      \
        {"rho_sd",                                                                                      \
         HS_T_REAL,                                                                                     \
         "2",                                                                                           \
         1e-6,                                                                                          \
         1e6,                                                                                           \
         NULL,                                                                                          \
         "units",                                                                                       \
         "pose: sd of the Gamma prior on each mean bone length rho_k (mode: the nominal length)"},      \
        {"sigma2_mode", HS_T_REAL,                                                                      \
         "0.25",        1e-6,                                                                           \
         1e6,           NULL,                                                                           \
         "units^2",     "pose: mode of the Gamma prior on each bone-length variance sigma_k^2"},        \
        {"sigma2_sd", HS_T_REAL, "0.5",     1e-6,                                                       \
         1e6,         NULL,      "units^2", "pose: sd of the Gamma prior on sigma_k^2"},                \
        {"rho_sd_list",                                                                                 \
         HS_T_STRING,                                                                                   \
         "",                                                                                            \
         0,                                                                                             \
         0,                                                                                             \
         NULL,                                                                                          \
         "units",                                                                                       \
         "pose: rho_sd per bone, comma separated, one per bone (K-1) in bone order; \"\" = rho_sd "     \
         "for every bone"},                                                                             \
        {"sigma2_mode_list",                                                                            \
         HS_T_STRING,                                                                                   \
         "",                                                                                            \
         0,                                                                                             \
         0,                                                                                             \
         NULL,                                                                                          \
         "units^2",                                                                                     \
         "pose: sigma2_mode per bone, as rho_sd_list"},                                                 \
        {"sigma2_sd_list",                                                                              \
         HS_T_STRING,                                                                                   \
         "",                                                                                            \
         0,                                                                                             \
         0,                                                                                             \
         NULL,                                                                                          \
         "units^2",                                                                                     \
         "pose: sigma2_sd per bone, as rho_sd_list"},                                                   \
        {"prior_scale",                                                                                 \
         HS_T_STRING,                                                                                   \
         "absolute",                                                                                    \
         0,                                                                                             \
         0,                                                                                             \
         "absolute|relative",                                                                           \
         "",                                                                                            \
         "pose: rho_sd and sigma2_mode/sigma2_sd (scalars or lists) in world units, or relative "       \
         "to each bone's nominal length L_k: rho_sd L_k and sigma2 values times L_k^2 (for "            \
         "skeletons whose bones differ in length)"},                                                    \
        {"obs_twice",                                                                                   \
         HS_T_BOOL,                                                                                     \
         "false",                                                                                       \
         0,                                                                                             \
         0,                                                                                             \
         NULL,                                                                                          \
         "",                                                                                            \
         "pose: count the keypoint log likelihood twice, as the seed's PyMC model did (its bug: "       \
         "a Potential on top of the likelihood; the posterior of the likelihood squared)"},             \
        {"noise_px", HS_T_REAL, "2",  0,                                                                \
         1000,       NULL,      "px", "pose: synthetic data: Gaussian keypoint noise sd"},              \
        {"outlier_frac",                                                                                \
         HS_T_REAL,                                                                                     \
         "0.05",                                                                                        \
         0,                                                                                             \
         1,                                                                                             \
         NULL,                                                                                          \
         "",                                                                                            \
         "pose: synthetic data: fraction of keypoints replaced by uniform pixels"},                     \
        {"missing_frac",                                                                                \
         HS_T_REAL,                                                                                     \
         "0.05",                                                                                        \
         0,                                                                                             \
         1,                                                                                             \
         NULL,                                                                                          \
         "",                                                                                            \
         "pose: synthetic data: fraction of keypoints set missing (NaN)"},                              \
        {"data_seed",                                                                                   \
         HS_T_INT,                                                                                      \
         "1",                                                                                           \
         0,                                                                                             \
         9007199254740992.0,                                                                            \
         NULL,                                                                                          \
         "",                                                                                            \
         "pose: seed of the synthetic data (the task seed drives only the sampler)"},                   \
        {"data_file",                                                                                   \
         HS_T_STRING,                                                                                   \
         "",                                                                                            \
         0,                                                                                             \
         0,                                                                                             \
         NULL,                                                                                          \
         "",                                                                                            \
         "pose: HDF5 file with y[C,T,K,2] (NaN = missing), P[C,3,4], parents[K], "                      \
         "bone_lengths[K-1], optional image_size[2] and x0_hat[3] (the root's prior centre; "           \
         "default: the first frame's triangulated root); \"\" = synthetic data"},

/* Metric specs of model `pose` (each initialiser followed by a comma). */
#define HS_NUTS_POSE_METRICS                                                                       \
    {"inlier_prob_mean", "", "pose: posterior mean of the inlier probability sigmoid(logodds)"},   \
        {"inlier_prob_sd", "", "pose: posterior sd of the inlier probability"},                    \
        {"neg_length_frac", "",                                                                    \
         "pose: fraction of (draw, frame, bone) lengths that are negative (free lengths)"},        \
        {"chains_disagree_lengths", "",                                                            \
         "pose: fraction of (frame, bone) lengths whose majority sign differs between chains "     \
         "(the mirror-mode trap; 0 = chains agree)"},                                              \
        {"sigma_obs_mean", "px", "pose: posterior mean of sigma_obs"},                             \
        {"kappa_max_mean", "", "pose: posterior mean of the largest vMF concentration"},           \
        {"root_rmse", "units",                                                                     \
         "pose: RMS distance of the posterior-mean root track from the truth (synthetic data)"},   \
        {"length_rmse", "units",                                                                   \
         "pose: RMS error of posterior-mean |bone lengths| against the truth (synthetic data)"},

typedef struct hs_nuts_pose hs_nuts_pose;

/*
 * Build the model from the task parameters: synthetic data from `data_seed`
 * or the HDF5 file `data_file`.  `seed` is the task seed (unused by the
 * data; kept for future data-dependent randomness).  Returns 0, or a
 * negative HS_E* code with a message in msg (no model is created then).
 */
int hs_nuts_pose_create(const hs_params *p, uint64_t seed, hs_nuts_pose **out, char *msg,
                        size_t cap);

/* The log density (unconstrained scale) and its gradient; valid while pp lives. */
hs_model hs_nuts_pose_model(hs_nuts_pose *pp);

/*
 * Write an initial point q[dim] according to the `init` parameter, drawing
 * what is random from rng (uniform(-init_radius, init_radius), Stan's
 * default being 2).  Returns 0.
 */
int hs_nuts_pose_init(hs_nuts_pose *pp, hs_rng *rng, double *q);

/*
 * The initial inverse metric for a chain starting at q0 (`init_metric`):
 * writes minv[dim] and returns the gradients it took for "hessian"
 * (hs_pose_init_metric), or returns 0 for "unit" and when the estimate
 * failed or memory ran out (the caller then starts from the unit metric).
 */
size_t hs_nuts_pose_metric(hs_nuts_pose *pp, const double *q0, double *minv);

/*
 * Indices (into q) of the named subset, on the unconstrained scale: log eta^2,
 * log rho_k for each bone (rho is sampled on the log scale with either
 * `lengths`), log sigma_obs and, with the mixture, logodds_inlier.  Writes
 * at most cap indices and returns how many there are (K + 1 or K + 2).
 */
size_t hs_nuts_pose_subset(const hs_nuts_pose *pp, size_t *idx, size_t cap);

/*
 * Set the pose metrics through hs_out_set from draws, chain-major
 * [m chains][n draws][dim].  Metrics that do not apply stay unset (NaN).
 */
void hs_nuts_pose_report(const hs_nuts_pose *pp, const double *draws, size_t n, size_t m,
                         hs_out *out);

/* Expected seconds on one core for a task with these parameters (chains, tune, draws, T...). */
double hs_nuts_pose_cost(const hs_params *p);

/*
 * Reject combinations no task could run (before any task runs): coords =
 * "joints" with lengths = "free"; a per-bone list that is not positive
 * numbers or, with synthetic data, does not have joints - 1 of them.
 * Returns 0, or -1 with a message in msg and the offending key in *key.
 */
int hs_nuts_pose_check(const hs_params *p, char *msg, size_t cap, const char **key);

/* Free the model and set *pp to NULL; NULL-safe. */
void hs_nuts_pose_destroy(hs_nuts_pose **pp);

#endif
