/*
 * Glue shared by kernels `vi` and `sgld` (learning-coefficient estimation,
 * src/numeric/llc_*.c): the target's parameters, building the target from
 * them, the cross-parameter check and the metrics both kernels report.
 */
#ifndef HSWEEP_KERNELS_LLC_KERNEL_H
#define HSWEEP_KERNELS_LLC_KERNEL_H

#include "hsweep/kernel.h"
#include "hsweep/llc.h"

/* Parameter specs of the target and local posterior (each followed by a comma). */
#define HS_LLC_TARGET_PARAMS                                                                          \
    {"target",                                                                                        \
     HS_T_STRING,                                                                                     \
     "quadratic",                                                                                     \
     0,                                                                                               \
     0,                                                                                               \
     "quadratic|mlp|rrr",                                                                             \
     "",                                                                                              \
     "quadratic: L = ½δᵀHδ (exact λ); mlp: ReLU teacher-student regression; rrr: reduced-rank " \
     "regression x -> BAx with pure-noise outputs (λ from Aoyagi & Watanabe 2005)"},                  \
        {"n",    HS_T_INT,                                                                            \
         "100",  2,                                                                                   \
         1e7,    NULL,                                                                                \
         "rows", "data rows n; β = beta0/ln(max(3, n)) (quadratic: n enters only through nβ)"},       \
        {"beta0", HS_T_REAL, "1", 1e-6, 1e6, NULL, "", "inverse temperature β·ln n"},                 \
        {"gamma", HS_T_REAL, "1", 0, 1e8, NULL, "", "localizer γ: prior ½γ‖w − w*‖²"},                \
        {"dim", HS_T_INT, "10", 1, 4000, NULL, "", "quadratic: dimension d"},                         \
        {"h_min", HS_T_REAL, "1", 1e-12, 1e12, NULL, "", "quadratic: smallest nonzero eigenvalue"},   \
        {"h_max", HS_T_REAL, "10", 1e-12, 1e12, NULL, "", "quadratic: largest eigenvalue"},           \
        {"h_rank", HS_T_INT,                                                                          \
         "-1",     -1,                                                                                \
         4000,     NULL,                                                                              \
         "",       "quadratic: nonzero eigenvalues (the rest exactly 0: singular); -1 = dim"},        \
        {"h_spacing",                                                                                 \
         HS_T_STRING,                                                                                 \
         "log",                                                                                       \
         0,                                                                                           \
         0,                                                                                           \
         "log|linear",                                                                                \
         "",                                                                                          \
         "quadratic: spacing of the nonzero eigenvalues in [h_min, h_max] (linear with d = 10, "      \
         "h in [1, 10]: seed 001's H = diag(1..10))"},                                                \
        {"rotate",                                                                                    \
         HS_T_BOOL,                                                                                   \
         "true",                                                                                      \
         0,                                                                                           \
         0,                                                                                           \
         NULL,                                                                                        \
         "",                                                                                          \
         "quadratic: H = Q diag(h) Qᵀ with Q Haar-random from the task seed (false: Q = I)"},         \
        {"in_dim", HS_T_INT, "4", 1, 1000, NULL, "", "mlp: inputs; rrr: input M"},                    \
        {"width", HS_T_INT, "4", 1, 1000, NULL, "", "mlp: hidden width; rrr: hidden H"},              \
        {"depth", HS_T_INT, "2", 1,                                                                   \
         15,      NULL,     "",  "mlp: hidden ReLU layers (in_dim 4, width 4, depth 2: d = 45)"},     \
        {"out_dim", HS_T_INT, "5", 1, 1000, NULL, "", "rrr: output N (the mlp has 1 output)"},        \
        {"noise", HS_T_REAL, "0.1", 0,                                                                \
         1e3,     NULL,      "",    "mlp: y = teacher(x) + noise·N(0,1); rrr: y = noise·N(0, I)"},    \
        {"data_seed",                                                                                 \
         HS_T_INT,                                                                                    \
         "1",                                                                                         \
         0,                                                                                           \
         9007199254740992.0,                                                                          \
         NULL,                                                                                        \
         "",                                                                                          \
         "mlp/rrr: seed of teacher, inputs, noise and the student's init (the task seed drives "      \
         "only the estimator and quadratic's Q)"},                                                    \
        {"fit_steps", HS_T_INT,                                                                       \
         "20000",     0,                                                                              \
         1e7,         NULL,                                                                           \
         "steps",     "mlp/rrr: most full-batch Adam steps for w* (lr halved every fit_steps/5)"},    \
        {"fit_lr", HS_T_REAL, "0.01", 1e-8, 10, NULL, "", "mlp/rrr: Adam learning rate for w*"},      \
        {"fit_tol", HS_T_REAL,                                                                        \
         "1e-6",    0,                                                                                \
         1e3,       NULL,                                                                             \
         "",        "mlp/rrr: stop the w* fit once the gradient 2-norm is below this"},               \
        {"batch", HS_T_INT,                                                                           \
         "32",    1,                                                                                  \
         1e7,     NULL,                                                                               \
         "rows",  "minibatch rows per gradient, drawn with replacement (>= n: full batch)"},

/* Metrics both kernels report (each followed by a comma). */
#define HS_LLC_COMMON_METRICS                                                                        \
    {"lambda_hat", "", "λ̂: mean over chains of each chain's estimate"},                              \
        {"lambda_hat_std", "", "standard deviation of the per-chain estimates (ddof 1)"},            \
        {"lambda_exact", "",                                                                         \
         "exact λ (quadratic: ½Σnβh/(nβh+γ); rrr: Aoyagi-Watanabe); NaN for mlp"},                   \
        {"rel_error", "", "|lambda_hat − lambda_exact| / lambda_exact"},                             \
        {"lambda_laplace", "",                                                                       \
         "E_q-free reference ½Σ nβh_i/(nβh_i+γ) over the Hessian eigenvalues at w* (exact for " \
         "quadratic)"},                                                                              \
        {"hessian_min_eig", "", "smallest eigenvalue of the Hessian of L_n at w*"},                  \
        {"wstar_loss", "", "L_n(w*)"},                                                               \
        {"wstar_grad_norm", "", "‖∇L_n(w*)‖₂ after the w* fit (0 for quadratic)"},                   \
        {"nbeta", "", "nβ"},                                                                         \
        {"r_hat", "", "rank-normalised split R-hat of the λ draws across chains"},                   \
        {"first_nonfinite", "step", "first non-finite step over all chains, −1 if none"},            \
        {"trace_samples", "", "λ draws written (0 is never silent: the task is then failed)"},       \
        {"chains_ok", "", "chains that finished with finite values"},

/* Cross-parameter check for both kernels (h_rank <= dim, h_min <= h_max, d <= 4000). */
int hs_llck_check(const hs_params *p, char *msg, size_t cap, const char **key);

/*
 * Build the target of a task (Q of quadratic from `seed`).  On failure sets
 * the task's status to failed with the reason and returns nonzero.
 */
int hs_llck_target(const hs_params *p, uint64_t seed, hs_llc_target **t, hs_out *out);

/* Seconds to build the target (the mlp/rrr w* fit dominates). */
double hs_llck_target_cost(const hs_params *p);
/* Parameter count d of the task's target (0 if invalid). */
size_t hs_llck_dim(const hs_params *p);

/*
 * Set the common metrics from per-chain estimates est[0..chains) (NaN for a
 * chain that failed) and the chain-major draws (n per chain; R-hat uses the
 * chains with all n draws).  Returns the number of finite chains.
 */
size_t hs_llck_report(const hs_params *p, const hs_llc_target *t, const double *est, size_t chains,
                      const double *draws, size_t n, long first_nonfinite, hs_out *out);

#endif
