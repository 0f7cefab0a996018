/*
 * The directional HMM pieces of the pose model: the von Mises-Fisher
 * normaliser on the 2-sphere and the forward-backward pass.
 */
#include <math.h>
#include <string.h>

#include "hsweep/pose.h"
#include "pose_obs.h"

#define LOG_2PI 1.8378770664093453 /* log(2 pi) */
#define LOG_4PI 2.5310242469692907 /* log(4 pi) */

/*
 * log C3(k) = log k - log(4 pi sinh k) = log k - log 2pi - k - log(1 - e^{-2k})
 * (REFERENCES.md, "von Mises-Fisher on the 2-sphere"); -expm1 keeps
 * 1 - e^{-2k} accurate as k -> 0.  Below 1e-4 the Taylor series
 * log(k / sinh k) = -k^2/6 + k^4/180 - ... is exact to double precision.
 * d/dk = 1/k - coth k, whose direct form cancels below 1e-2, where the
 * series -k/3 + k^3/45 - 2k^5/945 (error O(k^7)) is used instead.
 */
double hs_pose_log_c3(double kappa, double *dlogc)
{
    double k2 = kappa * kappa, lc;
    if (kappa < 1e-4)
        lc = -LOG_4PI - k2 / 6.0 + k2 * k2 / 180.0;
    else
        lc = log(kappa) - LOG_2PI - kappa - log(-expm1(-2.0 * kappa));
    if (dlogc) {
        if (kappa < 1e-2)
            *dlogc = -kappa / 3.0 + kappa * k2 / 45.0 - 2.0 * kappa * k2 * k2 / 945.0;
        else
            *dlogc = 1.0 / kappa - 1.0 / tanh(kappa);
    }
    return lc;
}

/*
 * Scaled forward-backward (Rabiner 1989, "A tutorial on hidden Markov
 * models", sec. V.A, eqs. 91-95): emissions enter as exp(e[t,s] - m_t),
 * m_t = max_s e[t,s], and alpha is renormalised to sum 1 at every step with
 * c_t, so log L = sum_t (m_t + log c_t) is accumulated in log space and
 * nothing over- or underflows.  (Every c_t >= min A(r, s); only transition
 * logits more than ~700 apart could make it 0, and then -inf is returned.)
 * One exp per (t, s) and one log per t, against S^2 of each for the
 * log-sum-exp recursion, each in SIMD lanes over all frames (pose_obs.h)
 * before and after the recursion, which is left with + and *.  The gradient is the posterior: d/de[t,s] =
 * gamma_t(s) = alpha_t(s) beta_t(s), d/dlog A(r,s) = sum_t xi_t(r, s),
 * d/dlog pi(s) = gamma_0(s).
 */
double hs_pose_hmm_loglik(int T, int S, const double *log_init, const double *log_trans,
                          const double *emit, double *work, double *g_emit, double *g_init,
                          double *g_trans)
{
    size_t TS = (size_t)T * (size_t)S;
    double *al = work, *be = work + TS, *ct = be + TS, *A = ct + T;
    /* Scaled emissions exp(e - m_t): into g_emit when the gradient is wanted
     * (consumed by the backward pass before gamma overwrites them), else be. */
    double *et = g_emit ? g_emit : be;
    for (int i = 0; i < S * S; i++)
        A[i] = exp(log_trans[i]);
    /* e - m_t into et, m_t into ct, then exp(e - m_t) for every (t, s) at once. */
    for (int t = 0; t < T; t++) {
        const double *e = emit + (size_t)t * S;
        double *x = et + (size_t)t * S, m = e[0];
        for (int s = 1; s < S; s++)
            m = e[s] > m ? e[s] : m;
        for (int s = 0; s < S; s++)
            x[s] = e[s] - m;
        ct[t] = m;
    }
    hs_pose_exp_batch(TS, et);
    double ll = hs_pose_lane_sum((size_t)T, ct);
    for (int t = 0; t < T; t++) {
        double *a = al + (size_t)t * S, *x = et + (size_t)t * S, c = 0.0;
        if (t == 0) {
            for (int s = 0; s < S; s++)
                a[s] = exp(log_init[s]) * x[s];
        } else {
            const double *ap = a - S;
            for (int s = 0; s < S; s++) {
                double acc = 0.0;
                for (int r = 0; r < S; r++)
                    acc += ap[r] * A[r * S + s];
                a[s] = acc * x[s];
            }
        }
        for (int s = 0; s < S; s++)
            c += a[s];
        for (int s = 0; s < S; s++)
            a[s] /= c;
        ct[t] = c;
    }
    ll += hs_pose_log_sum((size_t)T, ct);
    if (!g_emit)
        return ll;

    memset(g_trans, 0, (size_t)S * S * sizeof *g_trans);
    for (int s = 0; s < S; s++)
        be[(size_t)(T - 1) * S + s] = 1.0;
    for (int t = T - 1; t >= 1; t--) {
        const double *b = be + (size_t)t * S, *ap = al + (size_t)(t - 1) * S;
        double *x = et + (size_t)t * S, *bp = be + (size_t)(t - 1) * S, ic = 1.0 / ct[t];
        for (int s = 0; s < S; s++)
            x[s] *= b[s] * ic; /* exp(e - m) beta_t / c_t */
        for (int r = 0; r < S; r++) {
            double sum = 0.0;
            for (int s = 0; s < S; s++) {
                double v = A[r * S + s] * x[s];
                sum += v;
                g_trans[r * S + s] += ap[r] * v;
            }
            bp[r] = sum;
        }
        const double *a = al + (size_t)t * S;
        for (int s = 0; s < S; s++)
            x[s] = a[s] * b[s];
    }
    for (int s = 0; s < S; s++)
        g_init[s] = g_emit[s] = al[s] * be[s];
    return ll;
}
