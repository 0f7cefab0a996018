/*
 * GIMBAL-style 3-D pose model (seed 002; Zhang et al., "Animal pose
 * estimation from video data with a hierarchical von Mises-Fisher-Gaussian
 * model", AISTATS 2021): a log density with a hand-written gradient over
 * the unconstrained parameters, its synthetic data generator, DLT
 * triangulation and the directional HMM's forward-backward pass.
 *
 * Model (units: world units, pixels for keypoints), K joints on a tree
 * (parents[k] < k, parents[0] = -1), T frames, C pinhole cameras P_c (3x4):
 *   x_root[0] ~ N(xhat0, I3), x_root[t] - x_root[t-1] ~ N(0, eta^2 I3)
 *     (xhat0: x0_hat when given, as the seed's data file carried it, else
 *     the first frame's triangulated root),
 *     the seed's random walk x_root[t] = x0 + sum eps (parameterised by the
 *     positions, a unit-Jacobian linear change of variables),
 *   eta^2 ~ Gamma(mode eta2_mode, sd eta2_sd),
 *   bones k >= 1: r_k[t] ~ N(0, I3), u = r / sqrt(|r|^2 + 1e-8) (or, with
 *     dir_shell, the radially symmetric density exp(-(|r| - 1)^2 / (2 0.1^2))
 *     on R^3: u is uniform on the sphere a priori either way, so the pose
 *     model is unchanged; only the auxiliary radius |r|, which nothing else
 *     sees, loses the funnel it has under N(0, I3) -- as |r| -> 0 the
 *     directions' posterior scale |r| sigma_u shrinks with it),
 *     l_k[t] ~ N(rho_k, sigma_k^2) (truncated to l > 0 when lengths are
 *     positive), x_k[t] = x_parent[t] + l_k[t] u_k[t],
 *   rho_k ~ Gamma(mode nominal_k, sd rho_sd_k), sigma_k^2 ~ Gamma(mode sigma2_mode_k,
 *     sd sigma2_sd_k) (per bone; the scalars rho_sd, sigma2_mode, sigma2_sd
 *     for every bone unless per-bone values are given; with prior_relative
 *     these are multiples of nominal_k (rho_sd) and nominal_k^2 (sigma2),
 *     for skeletons whose bones differ in length),
 *   yhat = (h0, h1) / max(h2, 1e-6), h = P_c [x; 1],
 *   sigma_obs ~ Gamma(sigma_obs_mode, sigma_obs_sd),
 *   Gaussian: y ~ N(yhat, sigma_obs^2 I2), or mixture:
 *     logaddexp(log p + log N(y; yhat, sigma_obs^2 I2), log(1 - p) - log(W H)),
 *     p = sigmoid(logodds), logodds ~ N(0, 5^2);  missing (NaN) keypoints add 0.
 *     The observation term is counted once (the seed's PyMC model added it
 *     twice: as a Potential and inside the mixture Deterministic); obs_twice
 *     reproduces that bug: the whole keypoint log likelihood (Gaussian or
 *     mixture) enters with weight 2, i.e. the likelihood squared.
 *   HMM (optional) over states z_t in 1..S: z_0 ~ softmax(a), z_t | z_{t-1} ~
 *     softmax(B[z_{t-1}, :]), a, B ~ N(0, 1); emission
 *     e[t, s] = sum_k kappa_sk mu_sk . u_k[t] + log C3(kappa_sk) (the vMF
 *     log density; without log C3 when vmf_normalized is 0, as in the seed,
 *     which makes the posterior improper: kappa runs away),
 *     mu_sk = m_sk / |m_sk|, m_sk ~ N(0, I3), kappa_sk ~ Gamma(kappa_mode, kappa_sd);
 *     z is summed out by the forward algorithm.  Without the HMM, u has the
 *     isotropic prior implied by r ~ N(0, I3) alone.
 * Every positive parameter (eta^2, rho, sigma^2, sigma_obs, kappa, and l for
 * positive lengths) is sampled as its log with the log-Jacobian added.
 * Gamma(mode m, sd s): rate b = (m + sqrt(m^2 + 4 s^2)) / (2 s^2), shape
 * a = 1 + m b (mode (a - 1)/b, variance a/b^2; Kruschke, "Doing Bayesian Data
 * Analysis", 2nd ed., sec. 9.2.2), the seed's "Gamma from mode and sd".
 */
#ifndef HSWEEP_POSE_H
#define HSWEEP_POSE_H

#include <stddef.h>
#include <stdint.h>

#include "hsweep/model.h"
#include "hsweep/numeric/status.h"
#include "hsweep/rng.h"

/* Default camera and image constants of seed 002's synthetic rig. */
#define HS_POSE_WIDTH 1280.0
#define HS_POSE_HEIGHT 720.0
#define HS_POSE_FOCAL 1108.51 /* 640 / tan(30 deg): a 60 degree horizontal field of view */

typedef struct hs_pose_config {
    int T, K, C, S;
    const int *parents;    /* [K], parents[0] = -1, parents[k] < k */
    const double *nominal; /* [K-1] nominal length of bone k at [k-1] */
    const double *P;       /* [C][3][4] camera matrices */
    const double *y;       /* [C][T][K][2] keypoints, NaN = missing */
    double width, height;  /* image size in pixels (outlier density 1/(W H)) */
    int lengths_positive;  /* 1: l = exp(lambda); 0: l unconstrained (seed) */
    int use_mixture, use_hmm, vmf_normalized;
    int dir_shell;   /* 1: shell prior on the raw directions' radius (see above) */
    int joints;      /* 1: sample joint positions (see "Parameterisations"); needs
                                lengths_positive, ignores dir_shell */
    int vmf_natural; /* 1: sample each vMF as its natural parameter w = kappa mu */
    double eta2_mode, eta2_sd;
    double sigma_obs_mode, sigma_obs_sd;
    double kappa_mode, kappa_sd;
    double rho_sd, sigma2_mode, sigma2_sd;
    /* Per-bone [K-1] values of the three above, each NULL for the scalar on every
       bone.  After hs_pose_create, hs_pose_get_config's point at the values used
       (in world units) and its prior_relative is 0. */
    const double *rho_sd_b, *sigma2_mode_b, *sigma2_sd_b;
    int prior_relative;   /* 1: the three above are relative to nominal_k (see above) */
    const double *x0_hat; /* [3] prior centre of x_root[0]; NULL: the first frame's
                                triangulated root (hs_pose_get_config's points at the
                                centre used, never NULL) */
    int obs_twice;        /* 1: the keypoint term counted twice (the seed's bug, above) */
} hs_pose_config;

/*
 * Parameterisations of the bones (the posterior over poses is the same in
 * all three with positive lengths; only the sampler's coordinates differ):
 *   raw (joints = 0, dir_shell = 0): the seed's r_k[t] and l_k[t] (log l when
 *     positive).  The data pin each joint to ~0.1 world units, so r is pinned
 *     tangentially to ~0.01 |r| while its radius keeps its prior scale ~0.7:
 *     a scale ratio of ~70 along a direction no diagonal metric can follow,
 *     growing as |r| -> 0 (a funnel).  NUTS needs ~1000 steps per draw.
 *   shell (dir_shell = 1): as raw, with the radius prior above (ratio ~10).
 *   joints (joints = 1): q holds the positions x_k[t] of joints k >= 1
 *     themselves (the root's are q's root block in every parameterisation).
 *     The bone vector v = x_k - x_parent has length l = sqrt(|v|^2 + 1e-8)
 *     and direction u = v / l (the seed's regularisation of r), and the
 *     change of variables (l, u) -> v on R^3 has Jacobian l^2, so
 *       log p(x) = log N+(l; rho, sigma^2) + log p(u) - 2 log l
 *     with p(u) uniform on the sphere, or the HMM's emissions.  (x_k) -> (v_k)
 *     is unit triangular, so no other Jacobian enters.  The data pin each
 *     coordinate directly and the posterior is close to axis-aligned: a
 *     diagonal metric fits it.  Not defined for free lengths, whose mirror
 *     modes (l, r) ~ (-l, -r) it cannot represent.
 * The HMM's vMF parameters (mu_sk, kappa_sk) have the same choice:
 *   raw (vmf_natural = 0): the seed's m_sk ~ N(0, I3), mu = m / |m|, and
 *     log kappa.  The data pin mu to ~1/sqrt(kappa T/S) tangentially while
 *     |m| keeps scale ~0.7: the funnel above, worsening as sqrt(T).
 *   natural (vmf_natural = 1): w_sk = kappa mu in R^3, kappa =
 *     sqrt(|w|^2 + 1e-8), with log p(w) = log Gamma(kappa) - 2 log kappa
 *     (mu uniform, Jacobian kappa^2).  The emission w . u + log C3(kappa)
 *     is an exponential family in w, concave, and close to Gaussian.
 *
 * Offsets of each block in the unconstrained vector q (SIZE_MAX when the
 * block is absent).  Blocks: root [T][3]; log eta^2; raw directions
 * dir [T][K-1][3] (joint positions x_1..x_{K-1} with joints = 1); lengths
 * len [T][K-1] (log l or l; absent with joints = 1); log rho [K-1];
 * log sigma^2 [K-1]; log sigma_obs; logodds; HMM: raw means mu [S][K-1][3]
 * (w with vmf_natural = 1), log kappa [S][K-1] (absent with vmf_natural = 1),
 * initial logits [S], transition logits [S][S].
 */
typedef struct hs_pose_layout {
    size_t root, log_eta2, dir, len, log_rho, log_sigma2, log_sigma_obs, logodds;
    size_t mu, log_kappa, init_logit, trans_logit;
    size_t dim;
} hs_pose_layout;

typedef struct hs_pose hs_pose;

/*
 * Copy the configuration and data and allocate every workspace the log
 * density needs (none is allocated per call).  Returns 0, or HS_NUM_EINPUT
 * (message in msg: bad sizes, tree or hyperparameters) / HS_NUM_ENOMEM.
 */
int hs_pose_create(const hs_pose_config *cfg, hs_pose **out, char *msg, size_t cap);

/* Free the model and set *pose to NULL; NULL-safe. */
void hs_pose_destroy(hs_pose **pose);

/* The block offsets and dimension of q. */
hs_pose_layout hs_pose_get_layout(const hs_pose *pose);

/* The configuration the model was created with (pointers into its own copies). */
const hs_pose_config *hs_pose_get_config(const hs_pose *pose);

/*
 * log p(q) up to a constant (unconstrained scale, Jacobians included) and
 * its gradient in grad[dim].  Cost O(T (K C + K S + S^2)); never allocates.
 * Returns -INFINITY or NaN where the density is (e.g. non-finite q); never crashes.
 */
double hs_pose_logp_grad(hs_pose *pose, const double *q, double *grad);

/* Bone lengths l_k[t] of the point q into len [T][K-1], in every parameterisation. */
void hs_pose_bone_lengths(const hs_pose *pose, const double *q, double *len);

/*
 * A diagonal initial inverse metric for NUTS at q (hs_nuts_start_metric):
 * 1 / -H_ii, H the log density's Hessian, by forward differences of the
 * gradient (step 1e-5 max(|q_i|, 1)); where -H_ii is not positive (the
 * density is not locally concave along q_i), 1, the unit metric.  Clamped
 * to [1e-8, 1e4].  Frames interact only through the root's random walk
 * (neighbours), the HMM and the global parameters, so the per-frame
 * coordinates of every third frame are perturbed together: 3 (3 + 3 (K-1)
 * + [K-1]) gradients for them, one per global parameter (about 80 in
 * all for K = 4, S = 3, whatever T).  The HMM's coupling of frames enters
 * those diagonals as a small error; it is a starting point that warmup
 * adapts.  work holds 3 dim doubles.  Returns the gradients used, or 0 if
 * the density or a gradient was not finite (minv is then all 1).
 */
size_t hs_pose_init_metric(hs_pose *pose, const double *q, double *work, double *minv);

/* The model as the samplers see it (self = pose). */
hs_model hs_pose_model(hs_pose *pose);

/* Posterior-relevant initial points (init = "triangulated" / "nominal"). */
/*
 * Per-frame robust triangulation of every joint (hs_pose_triangulate), gaps
 * filled from the nearest frame, converted to q: root and bone vectors from
 * the triangulated joints, eta^2, rho, sigma^2 and sigma_obs from their
 * empirical values, logodds = 2, HMM parameters from rng uniform(-radius,
 * radius) with log kappa at log kappa_mode (w scaled to |w| = kappa_mode).
 */
void hs_pose_init_triangulated(const hs_pose *pose, hs_rng *rng, double radius, double *q);

/*
 * Stan's uniform(-radius, radius) everywhere except the per-frame lengths
 * and rho_k, set to the nominal bone lengths (their logs where positive).
 * With joints = 1: x_k = x_parent + nominal_k d / |d|, d the joint's three
 * uniform(-radius, radius) draws.
 */
void hs_pose_init_nominal(const hs_pose *pose, hs_rng *rng, double radius, double *q);

/*
 * Robust DLT triangulation of one point seen by C cameras (P [C][3][4],
 * y [C][2], NaN = unseen): least squares over the seen cameras; while at
 * least three remain and the worst reprojection error exceeds `reject_px`,
 * the camera whose removal helps most is dropped.  Returns the number of
 * cameras used, or < 2 when there is no point (fewer than two cameras, or
 * the best remaining ones still disagree by more than reject_px); X is then
 * untouched.
 */
int hs_pose_triangulate(int C, const double *P, const double *y, double reject_px, double X[3]);

/*
 * The default rig: C cameras on a ring of radius 100 at height 30, evenly
 * spaced in azimuth, looking at (0, 0, 10), intrinsics f = 1108.51,
 * principal point (640, 360); writes P [C][3][4].
 */
void hs_pose_default_cameras(int C, double *P);

/*
 * The default tree for K joints: K = 4 gives parents (-1, 0, 1, 1), bones
 * (10, 8, 8); joint 1 hangs off the root (bone 10) and joints k >= 2 form a
 * binary tree below it (parent 1 + (k - 2)/2, bones 8).
 */
void hs_pose_default_tree(int K, int *parents, double *nominal);

/* Ground truth kept by the synthetic generator. */
typedef struct hs_pose_truth {
    double *x;   /* [T][K][3] joint positions */
    int *state;  /* [T] hidden states */
    double *len; /* [T][K-1] bone lengths */
} hs_pose_truth;

/*
 * Synthetic data, deterministic from `seed`: hidden states from a sticky
 * Markov chain (stay 0.95) over S states, each with a preferred direction
 * per bone; bone directions follow a damped spring toward the current
 * state's direction (velocity decay 0.8, stiffness 0.1, noise 0.03), the root a damped
 * spring toward the origin (decay 0.9, stiffness 0.02, noise 0.5), lengths
 * nominal + N(0, 0.1^2); keypoints are the projections plus N(0, noise_px^2),
 * an outlier_frac of them replaced by uniform pixels, a missing_frac set to
 * NaN.  K <= 64 and S <= 64.  Fills y [C][T][K][2] and, if truth is non-NULL, its arrays
 * (caller-allocated to the sizes above).
 */
void hs_pose_synthesize(int T, int K, int C, int S, const int *parents, const double *nominal,
                        const double *P, double width, double height, double noise_px,
                        double outlier_frac, double missing_frac, uint64_t seed, double *y,
                        hs_pose_truth *truth);

/*
 * log C3(kappa) = log kappa - log(4 pi sinh kappa), the vMF normaliser on
 * the 2-sphere, stable for all kappa > 0 (REFERENCES.md: log kappa - log 2pi
 * - kappa - log(1 - e^{-2 kappa}), series near 0); its derivative
 * 1/kappa - coth(kappa) goes to *dlogc (may be NULL).
 */
double hs_pose_log_c3(double kappa, double *dlogc);

/*
 * Forward-backward for an S-state HMM over T steps in log space.
 * log_init [S] and log_trans [S][S] are normalised log probabilities,
 * emit [T][S] log emissions.  Returns log sum_z p(z) prod_t exp(emit[t, z_t])
 * and, if g_emit is non-NULL, its gradients: g_emit [T][S] (posterior
 * marginals), g_init [S], g_trans [S][S] (expected transition counts).
 * work holds (2 S + 1) T + S^2 doubles.  The recursion is Rabiner's scaled
 * one (log-likelihood accumulated in log space, emissions shifted by their
 * per-step maximum), so it neither under- nor overflows.
 */
double hs_pose_hmm_loglik(int T, int S, const double *log_init, const double *log_trans,
                          const double *emit, double *work, double *g_emit, double *g_init,
                          double *g_trans);

#endif
