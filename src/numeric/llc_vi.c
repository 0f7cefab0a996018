/*
 * Variational LLC estimator: a mixture of factor analyzers centred at w*
 * (family MFA, the estimator of seed 000, with its sign and entropy-path
 * problems corrected) or one full-covariance Gaussian centred at w* (family
 * GAUSSIAN), fitted by stochastic ELBO ascent until the ELBO plateaus.
 *
 * ---------------------------------------------------------------------
 * Family (a mixture of factor analyzers, Ghahramani & Hinton 1996, with
 * equal means w* and a shared diagonal, as the seed's lambda_hat/variational.py)
 *
 *   q(w) = Σ_m π_m N(w; w*, Σ_m),   Σ_m = D + K_m K_mᵀ = S (I + A_m A_mᵀ) S,
 *   S = diag(s),  s = D_sqrt = clip(softplus(ρ), dsqrt_min, dsqrt_max),
 *   K_m = S A_m  (A_m: d × r),  π = softmax(α),  θ = (ρ, A_1..A_M, α).
 *
 * Every Σ_m is diagonal plus rank r.  Where MFA's bias on rotated and
 * singular targets comes from (issue 20; bench/llc_vi_bias.log measures it):
 *  - the family: Σ_m ⪰ S² (diagonal), so Σ_m is narrow along a rotated
 *    stiff direction q only if every s_i is small, and then each flat
 *    direction is wide only through a column of A_m: r columns cannot carry
 *    d − rank(H) flat directions (rank 1 of d = 10 at r = 2: 9 directions).
 *    With s uniform the ELBO's trade-off −½nβh·s²·c + d·log s puts λ̂ near
 *    d/2 whatever the flat widths; in the seed's method, not a defect;
 *  - the clamps: a flat width of 1/√γ needs columns of norm 1/(s√γ) (5·10³
 *    at γ = 1e-4), far beyond max_norm, and s <= dsqrt_max = 100 = 1/√γ;
 *  - the optimiser: even with the clamps lifted and r = d, Adam moves every
 *    entry of A by about lr per step in a sign-like direction, so columns
 *    that must reach norm 10²–10³ while staying orthogonal to q take
 *    ~10⁵ steps and leak into q on the way: λ̂ rose with factor_rank (≈ 20
 *    at r = 10, M = 1, 20 000 steps, ELBO 35 nats below log Z).  The step
 *    budget was fixed and nothing reported that the fit had not converged:
 *    that was a defect, fixed by the plateau rule below and the `converged`
 *    result (the fit is not made to converge: same family, clamps, Adam).
 *
 * ---------------------------------------------------------------------
 * GAUSSIAN family: q = N(w*, CCᵀ), C = P·N·S, S = diag(e^ℓ), N unit lower
 * triangular (θ = [ℓ | N below the diagonal]), P a fixed d×d factor:
 * P = U diag(p^{−½}) from nβH + γI = U diag(p) Uᵀ (the Laplace approximation,
 * `laplace_precondition`), or I.  Every covariance is CCᵀ for one (ℓ, N)
 * (Cholesky of P⁻¹ΣP⁻ᵀ), so the family holds every Gaussian centred at w*;
 * no clamps.  On a quadratic target the local posterior
 * N(w*, (nβH + γI)⁻¹) is in it, and at that optimum G ≡ 0 below: the STL
 * gradient vanishes and VI is exact.  P makes the problem isotropic (the
 * posterior's widths span 1/√γ to 1/√(nβh_max + γ), a ratio of 10³ at
 * γ = 1e-4, which Adam with one lr cannot resolve in the raw coordinates).
 *
 *   w = w* + P x,   x = N(s⊙ε),   ε ~ N(0, I_d),
 *   log q(w) = −½(d log 2π + |u|²) − Σℓ − log|det P|,   u = S⁻¹N⁻¹P⁻¹(w − w*),
 *   ∇_x log q = −N⁻ᵀ(u/s)   (= −N⁻ᵀ(ε/s) at a draw),
 *   G = Pᵀ∇_w log p̃(w) − ∇_x log q,   ĝ_ℓj = (NᵀG)_j s_j ε_j,   ĝ_N_ij = G_i s_j ε_j.
 *
 * The control variate's mean is ½tr(HCCᵀ) = ½Σ_j c_jᵀHc_j over C's columns.
 *
 * ---------------------------------------------------------------------
 * Stopping rule (both families).  f_t is the single-draw ELBO of step t.
 * Over consecutive blocks of `window` steps, m_k is the block mean of f and
 * v_k its sample variance; block k >= 1 is flat when
 *   m_k − m_{k−1} <= elbo_tol + 2·√((v_k + v_{k−1})/window),
 * i.e. it did not raise the mean ELBO by more than elbo_tol nats beyond
 * twice the standard error of the difference (draws of different steps are
 * independent given θ), and the fit stops (converged) after two consecutive
 * flat blocks (one block can be flat by chance while the ELBO still rises).
 * `steps` is the maximum; a fit that reaches it is not converged.  With a
 * noisy ELBO (MFA far from the posterior) a short window cannot tell slow
 * progress from a plateau: the default window is 2000 steps.  With a
 * heavy-tailed ELBO (the ReLU MLP at small γ, where some draws have losses
 * 10⁴ times the typical one) the standard error is so large that the rule
 * can stop far from the optimum: `converged` says the rule fired, not that
 * λ̂ is right.
 *
 * Reparameterised draw: m ~ π, z ~ N(0, I_r), ε ~ N(0, I_d),
 *
 *   w = T_m(ε, z) = w* + s ⊙ u,   u = ε + A_m z      (Cov = S(I + A_mA_mᵀ)S).
 *
 * Density by Woodbury, with u = (w − w*)/s, g_m = A_mᵀu, C_m = I + A_mᵀA_m:
 *
 *   (I + A_mA_mᵀ)⁻¹ = I − A_m C_m⁻¹ A_mᵀ,   det(I + A_mA_mᵀ) = det C_m,
 *   log N_m(w) = −½[d log 2π + 2 Σ_i log s_i + log det C_m + uᵀu − g_mᵀ C_m⁻¹ g_m].
 *
 * C_m is factored by Cholesky as C_m = (1 + ridge)·I + A_mᵀA_m (the seed's
 * knob).  With ρ' = 1 + ridge the evaluated log q is that of covariance
 * S(I + A_mA_mᵀ/ρ')S shifted by −(r/2) log ρ': an O(ridge) mismatch with the
 * sampling law, which is exactly what the gamma × ridge sweep measures.
 *
 * Objective.  log p̃(w) = −nβ(L_n(w) − L_n(w*)) − ½γ‖w − w*‖² (the constant
 * nβL_n(w*) only shifts the ELBO), f(w) = log p̃(w) − log q_θ(w),
 *
 *   ELBO(θ) = E_q[f(w)] = Σ_m π_m E_{ε,z}[f(T_m(ε, z))]  ≤ log ∫ p̃.
 *
 * Continuous parameters (ρ, A).  Differentiating through T_m,
 *
 *   ∇_θ ELBO = Σ_m π_m E[(∇_w log p̃ − ∇_w log q_θ)(T_m)ᵀ ∂T_m/∂θ] − E_q[∂_θ log q_θ(w)|_w],
 *
 * and the last (score) term vanishes in expectation (∫ ∇_θ q_θ = 0).  The
 * sticking-the-landing estimator (Roeder, Wu & Duvenaud 2017) drops it and
 * keeps BOTH path terms — the target's and the entropy's −∇_w log q:
 *
 *   ∇_w log q(w) = Σ_k r_k(w) ∇_w log N_k(w) = −S⁻¹(u − Σ_k r_k A_k C_k⁻¹ A_kᵀu),
 *   r_k(w) = π_k N_k(w)/q(w),
 *   ∂T_m/∂ρ_i = u_i s'(ρ_i) (s' = sigmoid; 0 where the clip binds),
 *   ∂T_m/∂A_m[i,j] = s_i z_j,  ∂T_m/∂A_k = 0 for k ≠ m.
 *
 * With G = ∇_w log p̃(w) − ∇_w log q(w) = −nβ∇L_B(w) − γδ + S⁻¹(u − Σ_k r_k A_k y_k)
 * (L_B the minibatch loss, y_k = C_k⁻¹ g_k) one draw gives
 *
 *   ĝ_ρ_i = G_i u_i s'(ρ_i),    ĝ_{A_m[i,j]} = G_i s_i z_j.
 *
 * At the optimum with q = p, G ≡ 0: the estimator's variance vanishes (the
 * point of STL).
 *
 * Mixture logits α (the discrete m cannot be reparameterised).  Since
 * ∂ log q(w)/∂α_k = r_k(w) − π_k and E_q[r − π] = 0,
 *
 *   ∇_α ELBO = E_q[f(w) ∇_α log q(w)] + E_q[∇_α f(w)] = E_q[f(w)(r(w) − π)],
 *
 * the score-function gradient with the indicator e_m replaced by its
 * conditional expectation E[e_m | w] = r(w) (Rao-Blackwellisation).  A running
 * baseline b (exponential mean of f with decay 0.99, as the seed; b starts at
 * the first f) keeps it unbiased, again because E_q[r − π] = 0:
 *
 *   ĝ_α = (f(w) − b)(r(w) − π).
 *
 * The ascent direction ĝ is negated for Adam, which minimises.  (The seed
 * handed ĝ to its minimiser — descending the ELBO — and left −∇_w log q out
 * of G.)  The gradient is clipped to global norm `clip`, Adam steps, and every
 * column of every A_m is scaled to norm <= max_norm.
 *
 * Estimate.  After the fit, S = eval_samples draws w_s ~ q give
 *
 *   λ̂ = nβ (1/S) Σ_s (L_n(w_s) − L_n(w*)).
 *
 * Control variate (the seed's apply_control_variate, with the exact mean):
 * c(w) = ½δᵀHδ, δ = w − w*, H = ∇²L_n(w*) (Hessian-vector products), and
 *
 *   E_q[c] = ½ Σ_m π_m tr(HΣ_m) = ½ Σ_m π_m [Σ_i s_i² H_ii + Σ_j k_mjᵀ H k_mj],
 *   k_mj = s ⊙ A_m[:, j]   (the seed kept only the k_mj part),
 *   λ̂_cv = nβ (1/S) Σ_s (L_n(w_s) − L_n(w*) − c(w_s)) + nβ E_q[c].
 *
 * The variance reduction is var(plain draws)/var(control-variated draws); on
 * the quadratic target L − L* = c exactly, λ̂_cv is the exact E_q and the
 * reduction is infinite.
 * ---------------------------------------------------------------------
 */
#include "hsweep/llc.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/adam.h"
#include "hsweep/numeric/status.h"
#include "hsweep/rng.h"

#define HS_LOG_2PI 1.8378770664093454836
#define HS_VI_BASELINE_DECAY 0.99

struct hs_llc_vi {
    const hs_llc_target *t;
    hs_llc_vi_config cfg;
    size_t d, M, r, np;
    double *wstar_d, lstar_d;
    float *wstar_f, lstar_f;
    double *mem_d;
    float *mem_f;
    size_t *rows;
    double *theta0, *theta_out, *delta_out, *eigwork, *colwork;
    /* GAUSSIAN: the fixed factor P (d×d row-major), its inverse, log|det P| */
    double *P_d, *Pinv, logdetP;
    float *P_f;
    hs_adam adam;
    double ridge_used, c_min_eig;
};

/*
 * Smallest eigenvalue of the symmetric r×r matrix a (row-major, destroyed)
 * by cyclic Jacobi rotations (Golub & Van Loan, Matrix Computations, 4th ed.,
 * Alg. 8.5.2-8.5.3).  Used only for the C_m diagnostic.
 */
static double sym_min_eig(double *a, size_t r)
{
    for (int sweep = 0; sweep < 50; sweep++) {
        double off = 0, dg = 0;
        for (size_t p = 0; p < r; p++) {
            dg += a[p * r + p] * a[p * r + p];
            for (size_t q = p + 1; q < r; q++)
                off += a[p * r + q] * a[p * r + q];
        }
        if (!(off > 1e-30 * dg))
            break;
        for (size_t p = 0; p < r; p++)
            for (size_t q = p + 1; q < r; q++) {
                const double apq = a[p * r + q];
                if (apq == 0)
                    continue;
                const double tau = (a[q * r + q] - a[p * r + p]) / (2 * apq);
                const double t = (tau >= 0 ? 1.0 : -1.0) / (fabs(tau) + sqrt(1 + tau * tau));
                const double c = 1 / sqrt(1 + t * t), s = t * c;
                for (size_t k = 0; k < r; k++) {
                    const double akp = a[k * r + p], akq = a[k * r + q];
                    a[k * r + p] = c * akp - s * akq;
                    a[k * r + q] = s * akp + c * akq;
                }
                for (size_t k = 0; k < r; k++) {
                    const double apk = a[p * r + k], aqk = a[q * r + k];
                    a[p * r + k] = c * apk - s * aqk;
                    a[q * r + k] = s * apk + c * aqk;
                }
            }
    }
    double mn = a[0];
    for (size_t p = 1; p < r; p++)
        mn = fmin(mn, a[p * r + p]);
    return mn;
}

#define R double
#define F(x) x##_d
#define M_(fn) fn
#define SYRK cblas_dsyrk
#define GEMV cblas_dgemv
#define TGRAD hs_llc_target_grad
#define TLOSS hs_llc_target_loss
#define ADAM hs_adam_step
#include "llc_vi_tmpl.h"
#undef R
#undef F
#undef M_
#undef SYRK
#undef GEMV
#undef TGRAD
#undef TLOSS
#undef ADAM
#define R float
#define F(x) x##_f
#define M_(fn) fn##f
#define SYRK cblas_ssyrk
#define GEMV cblas_sgemv
#define TGRAD hs_llc_target_gradf
#define TLOSS hs_llc_target_lossf
#define ADAM hs_adam_stepf
#include "llc_vi_tmpl.h"
#undef R
#undef F
#undef M_
#undef SYRK
#undef GEMV
#undef TGRAD
#undef TLOSS
#undef ADAM

/* Elements of vi->mem_d / mem_f: must match vw_bind. */
static size_t vi_mem_len(const hs_llc_vi *vi)
{
    const size_t d = vi->d, M = vi->M, r = vi->r;
    return 2 * vi->np + 10 * d + 2 * M * r * r + 2 * M * r + 5 * M + r +
           hs_llc_target_work_size(vi->t);
}

void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
            double *work, const int *lwork, int *info, size_t ljobz, size_t luplo);

/*
 * The GAUSSIAN family's fixed factor.  Laplace: with nβH + γI = U diag(p) Uᵀ
 * (H the Hessian at w*; eigenvalues floored at γ, negative curvature counted
 * as 0 as in hs_llc_lambda_laplace, and at 1e-12·max(p, 1) for γ = 0),
 * P = U diag(p^{−½}), so that q starts at
 * the Laplace approximation N(w*, (nβH + γI)⁻¹), exact on a quadratic.
 * Otherwise P = I.  Returns 0, HS_NUM_ENOMEM, or HS_NUM_EINPUT with dsyev's info in
 * *info when the eigensolver fails.
 */
static int gauss_factor(hs_llc_vi *vi, int *info)
{
    const size_t d = vi->d;
    double *P = vi->P_d, *Pi = vi->Pinv;
    vi->logdetP = 0;
    if (!vi->cfg.laplace_precondition) {
        for (size_t i = 0; i < d * d; i++)
            P[i] = Pi[i] = (i % (d + 1)) == 0;
        return 0;
    }
    const double *H = hs_llc_target_hessian(vi->t), nb = vi->cfg.nbeta, g = vi->cfg.gamma;
    double *U = malloc(d * d * sizeof *U), *p = malloc(d * sizeof *p), q;
    const int n = (int)d;
    int lwork = -1, rc = HS_NUM_ENOMEM;
    *info = 0;
    if (!U || !p)
        goto fail;
    for (size_t i = 0; i < d * d; i++)
        U[i] = nb * H[i] + ((i % (d + 1)) == 0 ? g : 0);
    dsyev_("V", "U", &n, U, &n, p, &q, &lwork, info, 1, 1);
    double *wk = *info ? NULL : malloc((size_t)q * sizeof *wk);
    if (!wk)
        goto fail;
    lwork = (int)q;
    dsyev_("V", "U", &n, U, &n, p, wk, &lwork, info, 1, 1);
    free(wk);
    if (*info)
        goto fail;
    /* U is column-major on return: eigenvector k is U[k·d .. k·d + d) */
    const double floor = fmax(g, 1e-12 * fmax(p[d - 1], 1.0));
    for (size_t k = 0; k < d; k++) {
        const double pk = fmax(p[k], floor);
        vi->logdetP -= 0.5 * log(pk);
        for (size_t i = 0; i < d; i++) {
            P[i * d + k] = U[k * d + i] / sqrt(pk);
            Pi[k * d + i] = U[k * d + i] * sqrt(pk);
        }
    }
    free(U);
    free(p);
    return 0;
fail:
    free(U);
    free(p);
    return *info ? HS_NUM_EINPUT : rc;
}

int hs_llc_vi_create(const hs_llc_target *t, const hs_llc_vi_config *cfg, hs_llc_vi **out,
                     char *msg, size_t cap)
{
    *out = NULL;
    const size_t d = hs_llc_target_dim(t);
    const int mfa = cfg->family == HS_LLC_VI_MFA;
    if ((mfa &&
         (cfg->components < 1 || cfg->rank < 1 || !(cfg->dsqrt_min > 0) ||
          !(cfg->dsqrt_max >= cfg->dsqrt_min) || !(cfg->max_norm > 0) || !(cfg->ridge >= 0))) ||
        (!mfa && cfg->family != HS_LLC_VI_GAUSSIAN) || cfg->steps < 0 || cfg->trace_every < 1 ||
        cfg->batch < 1 || !(cfg->clip > 0) || cfg->window < 2 || !(cfg->elbo_tol >= 0)) {
        snprintf(msg, cap,
                 "invalid vi configuration (family mfa or gaussian; batch, trace_every "
                 ">= 1; window >= 2; elbo_tol >= 0; clip > 0; mfa: components, rank >= "
                 "1, 0 < dsqrt_min <= dsqrt_max, max_norm > 0, ridge >= 0)");
        return HS_NUM_EINPUT;
    }
    hs_llc_vi *vi = calloc(1, sizeof *vi);
    if (!vi)
        goto nomem;
    vi->t = t;
    vi->cfg = *cfg;
    vi->d = d;
    vi->M = mfa ? cfg->components : 1;
    vi->r = mfa ? cfg->rank : 0;
    vi->np = mfa ? d + vi->M * d * vi->r + vi->M : d + d * (d - 1) / 2;
    const size_t len = vi_mem_len(vi);
    vi->mem_d = malloc(len * sizeof(double));
    vi->mem_f = malloc(len * sizeof(float));
    vi->wstar_d = malloc(d * sizeof(double));
    vi->wstar_f = malloc(d * sizeof(float));
    vi->rows = malloc(cfg->batch * sizeof(size_t));
    vi->theta0 = malloc(vi->np * sizeof(double));
    vi->theta_out = malloc(vi->np * sizeof(double));
    vi->delta_out = malloc((cfg->eval_samples ? cfg->eval_samples : 1) * d * sizeof(double));
    vi->eigwork = malloc((vi->r ? vi->r * vi->r : 1) * sizeof(double));
    vi->colwork = malloc(d * sizeof(double));
    const size_t dd = mfa ? 1 : d * d;
    vi->P_d = malloc(dd * sizeof(double));
    vi->Pinv = malloc(dd * sizeof(double));
    vi->P_f = malloc(dd * sizeof(float));
    if (!vi->mem_d || !vi->mem_f || !vi->wstar_d || !vi->wstar_f || !vi->rows || !vi->theta0 ||
        !vi->theta_out || !vi->delta_out || !vi->eigwork || !vi->colwork || !vi->P_d || !vi->Pinv ||
        !vi->P_f || hs_adam_init(&vi->adam, vi->np, cfg->lr))
        goto nomem;
    if (!mfa) {
        int info = 0;
        const int frc = gauss_factor(vi, &info);
        if (frc == HS_NUM_ENOMEM)
            goto nomem;
        if (frc) {
            hs_llc_vi_destroy(&vi);
            snprintf(msg, cap, "the Laplace factor of nβH + γI failed (dsyev info %d)", info);
            return HS_NUM_EINPUT;
        }
        for (size_t i = 0; i < d * d; i++)
            vi->P_f[i] = (float)vi->P_d[i];
    }
    memcpy(vi->wstar_d, hs_llc_target_wstar(t), d * sizeof(double));
    for (size_t i = 0; i < d; i++)
        vi->wstar_f[i] = (float)vi->wstar_d[i];
    /* L_n(w*) in each precision, so that λ draws compare like with like */
    vi->lstar_d = hs_llc_target_loss(t, vi->wstar_d, vi->mem_d);
    vi->lstar_f = (float)hs_llc_target_lossf(t, vi->wstar_f, vi->mem_f);
    *out = vi;
    return 0;
nomem:
    hs_llc_vi_destroy(&vi);
    snprintf(msg, cap, "out of memory");
    return HS_NUM_ENOMEM;
}

void hs_llc_vi_destroy(hs_llc_vi **vp)
{
    if (!vp || !*vp)
        return;
    hs_llc_vi *vi = *vp;
    free(vi->mem_d);
    free(vi->mem_f);
    free(vi->wstar_d);
    free(vi->wstar_f);
    free(vi->rows);
    free(vi->theta0);
    free(vi->theta_out);
    free(vi->delta_out);
    free(vi->eigwork);
    free(vi->colwork);
    free(vi->P_d);
    free(vi->Pinv);
    free(vi->P_f);
    hs_adam_free(&vi->adam);
    free(vi);
    *vp = NULL;
}

size_t hs_llc_vi_nparam(const hs_llc_vi *vi) { return vi->np; }

void hs_llc_vi_init_theta(const hs_llc_vi *vi, uint64_t seed, double *theta)
{
    const size_t d = vi->d, nA = vi->M * d * vi->r;
    if (vi->cfg.family == HS_LLC_VI_GAUSSIAN) {
        memset(theta, 0, vi->np * sizeof *theta);
        return;
    }
    hs_rng rng;
    hs_rng_seed(&rng, seed);
    for (size_t i = 0; i < d; i++)
        theta[i] = 0.0;
    for (size_t k = 0; k < nA; k++)
        theta[d + k] = 0.05 * hs_rng_normal(&rng);
    for (size_t k = 0; k < vi->M; k++)
        theta[d + nA + k] = 0.0;
}

/*
 * E_q[½δᵀHδ] at the fitted θ (vi->theta_out) in f64: MFA
 * ½ Σ_m π_m [Σ_i s_i² H_ii + Σ_j k_mjᵀ H k_mj], k_mj = s ⊙ A_m[:, j];
 * GAUSSIAN ½ tr(HCCᵀ) = ½ Σ_j c_jᵀ H c_j over the columns c_j of C.
 * k and hk are d-vector scratch.
 */
static double cv_mean(hs_llc_vi *vi, const double *s, const double *pi, double *k, double *hk)
{
    const size_t d = vi->d, r = vi->r;
    const double *H = hs_llc_target_hessian(vi->t), *A = vi->theta_out + d;
    if (vi->cfg.family == HS_LLC_VI_GAUSSIAN) {
        double acc = 0;
        for (size_t j = 0; j < d; j++) {
            for (size_t i = 0; i < d; i++)
                hk[i] = i < j ? 0 : i == j ? s[j] : gauss_row_d(vi, vi->theta_out, i)[j] * s[j];
            cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0, vi->P_d, (int)d, hk, 1,
                        0.0, k, 1);
            cblas_dsymv(CblasRowMajor, CblasUpper, (int)d, 1.0, H, (int)d, k, 1, 0.0, hk, 1);
            acc += cblas_ddot((int)d, k, 1, hk, 1);
        }
        return 0.5 * acc;
    }
    double diag = 0, lowrank = 0;
    for (size_t i = 0; i < d; i++)
        diag += s[i] * s[i] * H[i * d + i];
    for (size_t m = 0; m < vi->M; m++) {
        double acc = 0;
        for (size_t j = 0; j < r; j++) {
            for (size_t i = 0; i < d; i++)
                k[i] = s[i] * A[m * d * r + i * r + j];
            cblas_dsymv(CblasRowMajor, CblasUpper, (int)d, 1.0, H, (int)d, k, 1, 0.0, hk, 1);
            acc += cblas_ddot((int)d, k, 1, hk, 1);
        }
        lowrank += pi[m] * acc;
    }
    return 0.5 * (diag + lowrank);
}

int hs_llc_vi_run(hs_llc_vi *vi, uint64_t seed, uint64_t stream, const hs_llc_vi_trace *tr,
                  double *draws, hs_llc_vi_result *res)
{
    memset(res, 0, sizeof *res);
    res->first_nonfinite = -1;
    res->lambda_hat = res->lambda_cv = res->var_plain = res->var_cv = NAN;
    const int mfa = vi->cfg.family == HS_LLC_VI_MFA;
    vi->ridge_used = mfa ? vi->cfg.ridge : 0;
    vi->c_min_eig = mfa ? INFINITY : NAN;
    hs_rng rng;
    hs_rng_seed_stream(&rng, seed, stream);
    hs_llc_vi_init_theta(vi, hs_rng_u64(&rng), vi->theta0);
    int rc = vi->cfg.use_f32 ? run_f(vi, &rng, tr, draws, res) : run_d(vi, &rng, tr, draws, res);
    res->ridge_used = vi->ridge_used;
    res->c_min_eig = vi->c_min_eig;
    if (rc || res->n_draws == 0)
        return rc;
    /* Control variate in f64 from the fitted θ: s and π recomputed by prepare_d. */
    vw_d b;
    vw_bind_d(vi, &b);
    if (fam_prepare_d(vi, &b, vi->theta_out))
        return 0;
    const size_t S = res->n_draws, d = vi->d;
    const double *H = hs_llc_target_hessian(vi->t), nbeta = vi->cfg.nbeta;
    const double ec = nbeta * cv_mean(vi, b.s, b.pi, b.gt, b.acc);
    double sp = 0, sc = 0;
    for (size_t s = 0; s < S; s++) {
        const double *dl = vi->delta_out + s * d;
        cblas_dsymv(CblasRowMajor, CblasUpper, (int)d, 1.0, H, (int)d, dl, 1, 0.0, b.G, 1);
        const double c = 0.5 * nbeta * cblas_ddot((int)d, dl, 1, b.G, 1);
        vi->delta_out[s * d] = draws[s] - c + ec; /* reuse: the control-variated draw */
        sp += draws[s];
        sc += vi->delta_out[s * d];
    }
    const double mp = sp / (double)S, mc = sc / (double)S;
    double vp = 0, vc = 0;
    for (size_t s = 0; s < S; s++) {
        vp += (draws[s] - mp) * (draws[s] - mp);
        vc += (vi->delta_out[s * d] - mc) * (vi->delta_out[s * d] - mc);
    }
    res->lambda_hat = mp;
    res->lambda_cv = mc;
    res->var_plain = S > 1 ? vp / (double)(S - 1) : NAN;
    res->var_cv = S > 1 ? vc / (double)(S - 1) : NAN;
    return 0;
}

/* ------------------------------------------- ELBO pieces, for testing -- */

static void theta_load(hs_llc_vi *vi, vw_d *b, const double *theta)
{
    vw_bind_d(vi, b);
    memcpy(b->theta, theta, vi->np * sizeof(double));
    fam_prepare_d(vi, b, b->theta);
}

void hs_llc_vi_sample(hs_llc_vi *vi, const double *theta, size_t m, const double *z,
                      const double *eps, double *w)
{
    vw_d b;
    theta_load(vi, &b, theta);
    memcpy(b.z, z, vi->r * sizeof(double));
    memcpy(b.eps, eps, vi->d * sizeof(double));
    fam_sample_d(vi, &b, b.theta, m);
    memcpy(w, b.w, vi->d * sizeof(double));
}

/*
 * hs_llc_vi_logq for the GAUSSIAN family: x = P⁻¹δ, u = C⁻¹δ by forward
 * substitution with the unit lower N (v = N⁻¹x, u = v/s); ∂log q/∂ℓ_j =
 * u_j² − 1 and ∂log q/∂N_ij = y_i v_j with y = N⁻ᵀ(u/s) = −∇_x log q.
 */
static double gauss_logq_at(hs_llc_vi *vi, vw_d *b, const double *w, double *grad_w,
                            double *grad_theta)
{
    const size_t d = vi->d;
    double *v = b->G, *x = b->x;
    for (size_t i = 0; i < d; i++)
        b->delta[i] = w[i] - vi->wstar_d[i];
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)d, (int)d, 1.0, vi->Pinv, (int)d, b->delta, 1,
                0.0, x, 1);
    for (size_t i = 0; i < d; i++) {
        const double *Ni = gauss_row_d(vi, b->theta, i);
        double xi = x[i];
        for (size_t j = 0; j < i; j++)
            xi -= Ni[j] * v[j];
        v[i] = xi;
        b->u[i] = xi / b->s[i];
    }
    const double lq = gauss_logq_d(vi, b, b->theta, b->u);
    if (grad_w) /* ∇_w = P⁻ᵀ∇_x */
        cblas_dgemv(CblasRowMajor, CblasTrans, (int)d, (int)d, -1.0, vi->Pinv, (int)d, b->acc, 1,
                    0.0, grad_w, 1);
    if (grad_theta) {
        for (size_t j = 0; j < d; j++)
            grad_theta[j] = b->u[j] * b->u[j] - 1;
        for (size_t i = 1; i < d; i++) {
            double *gN = grad_theta + (gauss_row_d(vi, b->theta, i) - b->theta);
            for (size_t j = 0; j < i; j++)
                gN[j] = b->acc[i] * v[j];
        }
    }
    return lq;
}

double hs_llc_vi_logq(hs_llc_vi *vi, const double *theta, const double *w, double *grad_w,
                      double *grad_theta)
{
    vw_d b;
    theta_load(vi, &b, theta);
    if (vi->cfg.family == HS_LLC_VI_GAUSSIAN)
        return gauss_logq_at(vi, &b, w, grad_w, grad_theta);
    const size_t d = vi->d, M = vi->M, r = vi->r;
    for (size_t i = 0; i < d; i++)
        b.u[i] = (w[i] - vi->wstar_d[i]) / b.s[i];
    const double lq = logq_d(vi, &b, b.theta, b.u);
    if (grad_w)
        for (size_t i = 0; i < d; i++)
            grad_w[i] = -(b.u[i] - b.acc[i]) / b.s[i];
    if (grad_theta) {
        /* ∂log q/∂θ at fixed w: through s (u = δ/s), A_k and α */
        memset(grad_theta, 0, vi->np * sizeof(double));
        for (size_t i = 0; i < d; i++) {
            /* ∂/∂s_i = −1/s_i (log det S) + (u_i − acc_i) u_i / s_i (quad through u) */
            grad_theta[i] = (-1.0 / b.s[i] + (b.u[i] - b.acc[i]) * b.u[i] / b.s[i]) * b.ds[i];
        }
        for (size_t k = 0; k < M; k++) {
            /* ∂log N_k/∂A_k = (u − A_k y_k) y_kᵀ − A_k C_k⁻¹ (C_k with its ridge) */
            const double *Ak = b.theta + d + k * d * r, *y = b.yk + k * r, *L = b.L + k * r * r;
            double *gA = grad_theta + d + k * d * r, *x = b.z; /* b.z: r scratch doubles */
            for (size_t i = 0; i < d; i++) {
                double ay = 0;
                for (size_t j = 0; j < r; j++)
                    ay += Ak[i * r + j] * y[j];
                /* x = C_k⁻¹ A_k[i, :]ᵀ, row i of A_k C_k⁻¹ */
                for (size_t q = 0; q < r; q++) {
                    double v = Ak[i * r + q];
                    for (size_t p = 0; p < q; p++)
                        v -= L[q * r + p] * x[p];
                    x[q] = v / L[q * r + q];
                }
                for (size_t q = r; q-- > 0;) {
                    double v = x[q];
                    for (size_t p = q + 1; p < r; p++)
                        v -= L[p * r + q] * x[p];
                    x[q] = v / L[q * r + q];
                }
                for (size_t j = 0; j < r; j++)
                    gA[i * r + j] = b.resp[k] * ((b.u[i] - ay) * y[j] - x[j]);
            }
            grad_theta[d + M * d * r + k] = b.resp[k] - b.pi[k];
        }
    }
    return lq;
}

double hs_llc_vi_grad(hs_llc_vi *vi, const double *theta, size_t m, const double *z,
                      const double *eps, double baseline, double *grad_theta)
{
    vw_d b;
    theta_load(vi, &b, theta);
    memcpy(b.z, z, vi->r * sizeof(double));
    memcpy(b.eps, eps, vi->d * sizeof(double));
    double lossb;
    const double f = fam_draw_grad_d(vi, &b, b.theta, m, NULL, 0, baseline, &lossb);
    memcpy(grad_theta, b.grad, vi->np * sizeof(double));
    return f;
}

int hs_llc_vi_factor(const hs_llc_vi *vi, double *C)
{
    if (vi->cfg.family != HS_LLC_VI_GAUSSIAN)
        return HS_NUM_EINPUT;
    const size_t d = vi->d;
    const double *th = vi->theta_out;
    /* C = P·(N·S): (N·S)[k][j] = N_kj·s_j below the diagonal, s_k on it */
    memset(C, 0, d * d * sizeof *C);
    for (size_t k = 0; k < d; k++) {
        const double *Nk = gauss_row_d(vi, th, k);
        for (size_t j = 0; j <= k; j++) {
            const double nsj = (j == k ? 1.0 : Nk[j]) * exp(th[j]);
            for (size_t i = 0; i < d; i++)
                C[i * d + j] += vi->P_d[i * d + k] * nsj;
        }
    }
    return 0;
}
