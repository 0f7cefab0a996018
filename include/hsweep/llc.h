/*
 * Local learning coefficient (LLC) estimation: targets with known answers
 * and two estimators, a variational fit (`vi`: a mixture of factor analyzers
 * or one full-covariance Gaussian, optionally followed by a Metropolis-adjusted
 * Langevin chain preconditioned by the fitted Gaussian) and stochastic-gradient
 * Langevin dynamics (`sgld`).
 *
 * The local posterior around a minimum w* of the empirical loss L_n is
 *     p(w) ∝ exp(−nβ·L_n(w) − ½γ‖w − w*‖²),   β = beta0 / ln(max(3, n)),
 * and the estimator (devinterp `slt/llc.py`; Lau et al. 2023) is
 *     λ̂ = nβ·(E_p[L_n(w)] − L_n(w*)).
 *
 * Targets:
 *   quadratic  L(w) = ½(w − w*)ᵀH(w − w*), H = Q diag(h) Qᵀ; data-independent.
 *              Exact: λ = ½ Σ_i nβh_i/(nβh_i + γ) (the posterior is Gaussian
 *              with precision nβH + γI).
 *   mlp        ReLU MLP teacher-student regression, L_n = mean squared error.
 *   rrr        reduced-rank regression x ↦ B·A·x (no biases), pure-noise
 *              outputs (true rank 0); λ in closed form (Aoyagi & Watanabe 2005).
 *
 * Errors: functions that can fail return 0 or a negative HS_NUM_* status
 * (hsweep/numeric/status.h) and write a one-line reason to msg[cap].  A non-finite
 * value met while estimating is a result (reported in the result record),
 * never an error.
 */
#ifndef HSWEEP_LLC_H
#define HSWEEP_LLC_H

#include <stddef.h>
#include <stdint.h>

#include "hsweep/numeric/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum hs_llc_kind { HS_LLC_QUADRATIC = 0, HS_LLC_MLP = 1, HS_LLC_RRR = 2 } hs_llc_kind;

typedef struct hs_llc_target_config {
    hs_llc_kind kind;
    size_t n; /* rows of data (quadratic: enters through nβ only) */
    /* quadratic */
    size_t dim;          /* d */
    double h_min, h_max; /* range of the nonzero eigenvalues of H */
    size_t h_rank;       /* number of nonzero eigenvalues (<= dim) */
    int h_linear;        /* 1: linearly spaced (seed 001's diag(1..10)), 0: log-spaced */
    int rotate;          /* 1: H = Q diag(h) Qᵀ with Q Haar-random; 0: Q = I */
    /* mlp (in_dim, width, depth) and rrr (M = in_dim, H = width, N = out_dim) */
    size_t in_dim, width, depth, out_dim;
    double noise;       /* mlp: y = teacher(x) + noise·N(0,1); rrr: y = noise·N(0, I) */
    uint64_t data_seed; /* teacher weights, inputs, noise and the student's init */
    /* w* by full-batch Adam (mlp, rrr) */
    long fit_steps; /* at most this many Adam steps */
    double fit_lr;  /* Adam learning rate, halved every fit_steps/5 steps */
    double fit_tol; /* stop once ‖∇L_n(w)‖₂ <= fit_tol */
} hs_llc_target_config;

typedef struct hs_llc_target hs_llc_target;

/*
 * Build a target: draw its data and H (quadratic: Q from `seed`; mlp/rrr:
 * everything from cfg->data_seed), find w* (mlp/rrr: full-batch Adam from a
 * random init, see fit_* above) and the Hessian of L_n at w* (d Hessian-
 * vector products; kept as a d×d matrix).  Returns 0, HS_NUM_EINPUT (bad sizes:
 * msg says which) or HS_NUM_ENOMEM.  On failure *out is NULL.
 */
int hs_llc_target_create(const hs_llc_target_config *cfg, uint64_t seed, hs_llc_target **out,
                         char *msg, size_t cap);
/* Free a target and set *t to NULL; NULL is a no-op. */
void hs_llc_target_destroy(hs_llc_target **t);

/* Number of parameters d for a configuration (0 if the sizes are invalid). */
size_t hs_llc_target_dim_for(const hs_llc_target_config *cfg);
size_t hs_llc_target_dim(const hs_llc_target *t);
size_t hs_llc_target_rows(const hs_llc_target *t);
/* w* (d values) and its loss and gradient norm after the fit. */
const double *hs_llc_target_wstar(const hs_llc_target *t);
double hs_llc_target_wstar_loss(const hs_llc_target *t);
double hs_llc_target_wstar_grad_norm(const hs_llc_target *t);
/* Hessian of L_n at w*, d×d row-major (symmetric). */
const double *hs_llc_target_hessian(const hs_llc_target *t);

/*
 * Full-batch L_n(w) in f64 / in f32 arithmetic (the result widened); `work`
 * is scratch of hs_llc_target_work_size(t) elements of the matching type.
 */
double hs_llc_target_loss(const hs_llc_target *t, const double *w, double *work);
double hs_llc_target_lossf(const hs_llc_target *t, const float *w, float *work);
/*
 * Loss over the rows rows[0..nrows) (rows == NULL: all n rows, in order) and
 * its gradient g[d]; f64 and f32.  Minibatch rows give unbiased estimates of
 * L_n and ∇L_n.  Quadratic ignores rows.  `work` is scratch of
 * hs_llc_target_work_size(t) elements of the matching type.
 */
double hs_llc_target_grad(const hs_llc_target *t, const double *w, const size_t *rows, size_t nrows,
                          double *g, double *work);
float hs_llc_target_gradf(const hs_llc_target *t, const float *w, const size_t *rows, size_t nrows,
                          float *g, float *work);
size_t hs_llc_target_work_size(const hs_llc_target *t);
/*
 * Exact Hessian-vector product Hv = ∇²L_n(w)·v (Pearlmutter 1994's R-op
 * for mlp/rrr; H·v for quadratic).  `work` as above.
 */
void hs_llc_target_hvp(const hs_llc_target *t, const double *w, const double *v, double *hv,
                       double *work);

/* nβ = n · beta0 / ln(max(3, n)). */
double hs_llc_nbeta(size_t n, double beta0);
/*
 * The exact λ where known: quadratic ½Σ nβh_i/(nβh_i+γ); rrr the
 * Aoyagi-Watanabe value (γ-independent, asymptotic); mlp NaN.
 */
double hs_llc_lambda_exact(const hs_llc_target *t, double nbeta, double gamma);
/*
 * The E_q-free reference ½ Σ_i nβh_i/(nβh_i + γ) over the eigenvalues h_i
 * of the Hessian at w* (negative ones counted as 0): the λ of the Laplace
 * (Gaussian) approximation of the local posterior; exact for quadratic.
 * *hmin receives the smallest Hessian eigenvalue (may be NULL).
 */
double hs_llc_lambda_laplace(const hs_llc_target *t, double nbeta, double gamma, double *hmin);
/*
 * Learning coefficient of reduced-rank regression with input M, hidden H,
 * output N and true rank r (Aoyagi & Watanabe 2005, "Stochastic complexities
 * of reduced rank regression in Bayesian estimation", Neural Networks 18(7),
 * Main Theorem).  Returns NaN if r > min(M, H, N) or a size is 0.
 */
double hs_llc_rrr_lambda(int M, int H, int N, int r);

/* ---------------------------------------------------------------- vi -- */

/*
 * Variational families (derivations in src/numeric/llc_vi.c):
 *   MFA       the seed's mixture of factor analyzers, Σ_m = S(I + A_mA_mᵀ)S,
 *             with its clamps (D_sqrt clip, column max-norm, Cholesky ridge);
 *   GAUSSIAN  one full-covariance Gaussian N(w*, CCᵀ), C = P·N·diag(e^ℓ), N unit
 *             lower triangular, P fixed: no clamps; exact on Gaussian local
 *             posteriors at its optimum.
 */
typedef enum hs_llc_vi_family { HS_LLC_VI_MFA = 0, HS_LLC_VI_GAUSSIAN = 1 } hs_llc_vi_family;

typedef struct hs_llc_vi_config {
    hs_llc_vi_family family;
    int laplace_precondition;    /* GAUSSIAN: 1 = C = P·N·diag(e^ℓ) with P the Laplace factor
                                 (see llc_vi.c), so the fit starts at the Laplace
                                 approximation; 0 = P = I, the fit starts at N(w*, I) */
    size_t components;           /* MFA: M mixture components */
    size_t rank;                 /* MFA: r factor rank per component */
    double ridge;                /* MFA: C_m = (1 + ridge)·I + A_mᵀA_m */
    double max_norm;             /* MFA: column max-norm of every A_m after each step */
    double dsqrt_min, dsqrt_max; /* MFA: clip of D_sqrt = softplus(ρ) */
    double clip;                 /* global gradient-norm clip */
    double lr;                   /* Adam learning rate */
    long steps;                  /* most ascent steps (the fit stops earlier at the plateau) */
    long window;                 /* plateau rule: block length in steps (>= 2) */
    double elbo_tol;             /* plateau rule: tolerated gain in nats per block (>= 0) */
    size_t eval_samples;         /* draws of q for λ̂ after the fit */
    size_t batch;                /* minibatch rows (>= n: the full batch every step) */
    double nbeta, gamma;
    int use_f32;      /* 1: every step in float arithmetic */
    long trace_every; /* record the per-step traces every this many steps */
} hs_llc_vi_config;

/* Per-step traces of one fit; each pointer NULL or ceil(steps/trace_every) long. */
typedef struct hs_llc_vi_trace {
    double *elbo;      /* single-sample ELBO estimate, log p̃ shifted by nβL_n(w*) */
    double *lambda;    /* single-sample nβ(L_n(w_t) − L_n(w*)) of the step's draw */
    double *grad_norm; /* global gradient norm before clipping */
    double *dsqrt_min, *dsqrt_max;
    double *acol_min, *acol_max; /* column norms over all A_m */
    double *pi_min, *pi_max;     /* mixture weights */
} hs_llc_vi_trace;

typedef struct hs_llc_vi_result {
    double lambda_hat;    /* nβ·mean_s(L_n(w_s) − L_n(w*)) over eval_samples draws */
    double lambda_cv;     /* the same with the control variate ½δᵀHδ (see llc_vi.c) */
    double var_plain;     /* sample variance of the plain per-draw λ values */
    double var_cv;        /* ... of the control-variated per-draw values */
    double elbo_final;    /* mean single-sample ELBO over the last complete block (all
                            steps if none completed) */
    long first_nonfinite; /* first step whose ELBO or gradient is non-finite, −1 if none */
    long steps_done;
    int converged;     /* 1: the plateau rule stopped the fit before `steps` */
    size_t trace_len;  /* entries written to each per-step trace */
    size_t n_draws;    /* draws written to `draws` */
    double c_min_eig;  /* MFA: smallest eigenvalue of any C_m over the run (GAUSSIAN: NaN) */
    double ridge_used; /* MFA: largest ridge the Cholesky factorisations needed (GAUSSIAN: 0) */
} hs_llc_vi_result;

typedef struct hs_llc_vi hs_llc_vi;

/*
 * Workspace for fits of `cfg` on `t` (everything the step loop needs is
 * allocated here, none inside it).  Returns 0, HS_NUM_EINPUT or HS_NUM_ENOMEM.
 */
int hs_llc_vi_create(const hs_llc_target *t, const hs_llc_vi_config *cfg, hs_llc_vi **out,
                     char *msg, size_t cap);
void hs_llc_vi_destroy(hs_llc_vi **vi);
/*
 * One fit from a fresh initialisation (RNG stream `stream` of `seed`), then
 * eval_samples draws of λ: draws[eval_samples] receives nβ(L_n(w_s) − L_n(w*)).
 * The fit stops at the ELBO plateau: with m_k the mean single-draw ELBO over
 * block k of `window` steps and se_k the standard error of m_k − m_{k−1}
 * (block variances / window), it stops after the second consecutive block
 * with m_k − m_{k−1} <= elbo_tol + 2·se_k (res->converged = 1), else after
 * `steps` (converged = 0).  A non-finite step stops the fit: res->first_nonfinite
 * says where, and the draws are not taken (n_draws = 0).  Returns 0 (any
 * numeric outcome) or HS_NUM_ENOMEM.
 */
int hs_llc_vi_run(hs_llc_vi *vi, uint64_t seed, uint64_t stream, const hs_llc_vi_trace *tr,
                  double *draws, hs_llc_vi_result *res);

/*
 * Size of the packed variational parameters θ: MFA [ρ (d) | A_1..A_M (d×r
 * each) | α (M)]; GAUSSIAN [ℓ (d) | N below the diagonal, row by row
 * (d(d−1)/2)].
 */
size_t hs_llc_vi_nparam(const hs_llc_vi *vi);
/*
 * The default initialisation into theta: MFA ρ = 0, A = 0.05·N(0,1), α = 0;
 * GAUSSIAN ℓ = 0, N = I (q = N(w*, PPᵀ)).
 */
void hs_llc_vi_init_theta(const hs_llc_vi *vi, uint64_t seed, double *theta);
/*
 * The ELBO pieces at θ, exposed for testing (f64):
 *  - hs_llc_vi_sample: MFA w = w* + s⊙(ε + A_m z) for component m, z[r],
 *    eps[d]; GAUSSIAN w = w* + P·N(e^ℓ⊙ε) (m and z unused).
 *  - hs_llc_vi_logq: log q_θ(w); grad_w (may be NULL) receives ∇_w log q,
 *    grad_theta (may be NULL) ∂log q/∂θ at fixed w.
 *  - hs_llc_vi_grad: the ascent direction this estimator uses for one draw
 *    (m, z, eps) with baseline b: STL path gradient for the continuous
 *    parameters, the Rao-Blackwellised score (f − b)(r(w) − π) for MFA's α;
 *    returns f = log p̃(w) − log q(w) (log p̃ on the full batch).
 */
void hs_llc_vi_sample(hs_llc_vi *vi, const double *theta, size_t m, const double *z,
                      const double *eps, double *w);
double hs_llc_vi_logq(hs_llc_vi *vi, const double *theta, const double *w, double *grad_w,
                      double *grad_theta);
double hs_llc_vi_grad(hs_llc_vi *vi, const double *theta, size_t m, const double *z,
                      const double *eps, double baseline, double *grad_theta);

/*
 * The fitted covariance factor of the last hs_llc_vi_run (GAUSSIAN family):
 * C = P·N·diag(e^ℓ) into C[d×d] (row-major), so that q = N(w*, CCᵀ).
 * Returns 0, or HS_NUM_EINPUT for the MFA family (a mixture has no one factor).
 */
int hs_llc_vi_factor(const hs_llc_vi *vi, double *C);

/* ------------------------------------------------------- vi + mala -- */

/*
 * Metropolis-adjusted Langevin (MALA; Roberts & Tweedie 1996) on the local
 * posterior p, preconditioned by a fitted variational factor C (q = N(w*,
 * CCᵀ)) and started at a draw of q: the chain runs in x, w = w* + Cx, where
 * the target is log π(x) = log p̃(w* + Cx) (full-batch L_n):
 *   x' = x + ½h∇_x log π(x) + √h ξ,  ξ ~ N(0, I),
 * accepted with probability min(1, π(x')k(x | x') / (π(x)k(x' | x))).  The
 * chain leaves p invariant whatever C is: q only sets the geometry (where q
 * equals p the whitened target is N(0, I) and the chain mixes at once), so
 * the estimate nβ·E_p[L_n − L_n(w*)] carries no variational bias, only
 * Monte-Carlo error; on targets whose p no Gaussian fits (rrr) this removes
 * the bias of nβ·E_q.  The step h is adapted during warmup (Robbins-Monro on
 * log h towards acceptance `accept_target`), then fixed.
 */
typedef struct hs_llc_mala_config {
    long steps, warmup;   /* total steps; the first `warmup` adapt h and are discarded */
    size_t n_draws;       /* draws to record, evenly spaced over the kept steps */
    double accept_target; /* warmup's target acceptance rate (0.574: Roberts & Rosenthal 1998) */
    double nbeta, gamma;
} hs_llc_mala_config;

typedef struct hs_llc_mala_result {
    double lambda_mean;   /* nβ·mean(L_n(w_t) − L_n(w*)) over every kept step */
    double accept;        /* acceptance rate over the kept steps */
    double step;          /* the adapted h (in the whitened coordinates) */
    long first_nonfinite; /* first step whose log π or gradient is non-finite, −1 if none */
    size_t n_draws;       /* draws written */
} hs_llc_mala_result;

/*
 * One MALA chain on t with factor C (d×d row-major; NULL: C = I), RNG
 * stream `stream` of `seed`; draws[n_draws] receives nβ(L_n(w_t) − L_n(w*))
 * at the recorded steps.  A non-finite log π or gradient at the start stops
 * the chain (res->first_nonfinite; a non-finite proposal is rejected).
 * Returns 0 (any numeric outcome), HS_NUM_EINPUT (steps <= warmup, n_draws >
 * steps − warmup, accept_target outside (0, 1)) or HS_NUM_ENOMEM.
 */
int hs_llc_mala_run(const hs_llc_target *t, const hs_llc_mala_config *cfg, const double *C,
                    uint64_t seed, uint64_t stream, double *draws, hs_llc_mala_result *res);

/* -------------------------------------------------------------- sgld -- */

typedef struct hs_llc_sgld_config {
    double epsilon;
    long steps, warmup, eval_every;
    size_t batch;
    double nbeta, gamma;
} hs_llc_sgld_config;

typedef struct hs_llc_sgld_result {
    long first_nonfinite; /* first step whose state or loss is non-finite, −1 if none */
    size_t n_draws;       /* draws written */
} hs_llc_sgld_result;

/* Draws per chain: ceil((steps − warmup) / eval_every), 0 if warmup >= steps. */
size_t hs_llc_sgld_ndraws(const hs_llc_sgld_config *cfg);
/*
 * One SGLD chain started at w* (devinterp `optim/sgmcmc.py`):
 *   w ← w − ½ε[γ(w − w*) + nβ ĝ] + √ε ξ,  ξ ~ N(0, I),
 * ĝ the gradient of the minibatch loss.  After `warmup` steps, every
 * eval_every-th state gives the draw nβ(L_n(w_t) − L_n(w*)) in draws[].
 * A non-finite state stops the chain (res->first_nonfinite).  Returns 0 or
 * HS_NUM_ENOMEM.
 */
int hs_llc_sgld_run(const hs_llc_target *t, const hs_llc_sgld_config *cfg, uint64_t seed,
                    uint64_t stream, double *draws, hs_llc_sgld_result *res);

#ifdef __cplusplus
}
#endif
#endif
