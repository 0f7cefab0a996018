/*
 * The pose model's keypoint term, vectorised over joints (pose_obs.h).
 *
 * The mixture needs e^-|x| and log1p of it for every keypoint: libm's exp
 * and log1p are calls the compiler cannot put in SIMD lanes, so this file
 * has its own, from plain + - * / (no fused multiply-add: CMake builds this
 * file with -ffp-contract=off) so every lane and every vector width gives
 * the same bits:
 *   e^x: x = k ln 2 + r, |r| <= ln2/2, with k = round(x / ln 2) by the
 *     1.5 2^52 shift and ln 2 split as fdlibm's e_exp.c does (ln2HI has
 *     trailing zeros, so k ln2HI is exact); e^r by its Taylor series to r^13
 *     (truncation r^14/14! < 6e-18 relative); 2^k built in the exponent bits.
 *   log(1 + e) = 2 atanh(s), s = e / (2 + e) in [0, 1/3] for e in [0, 1]:
 *     2 s sum_n s^(2n) / (2n + 1) to n = 16 (truncation (1/9)^17 / 35 < 2e-18).
 * Both are within a few ulp of the correctly rounded values (tested against
 * libm in tests/unit/test_pose.c).
 */
#include "pose_obs.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* 1/n!, n = 0..13, and 1/(2n + 1), n = 0..16. */
static const double EXP_TAYLOR[14] = {1.0,
                                      1.0,
                                      1.0 / 2.0,
                                      1.0 / 6.0,
                                      1.0 / 24.0,
                                      1.0 / 120.0,
                                      1.0 / 720.0,
                                      1.0 / 5040.0,
                                      1.0 / 40320.0,
                                      1.0 / 362880.0,
                                      1.0 / 3628800.0,
                                      1.0 / 39916800.0,
                                      1.0 / 479001600.0,
                                      1.0 / 6227020800.0};
static const double ATANH_SERIES[17] = {1.0,        1.0 / 3.0,  1.0 / 5.0,  1.0 / 7.0,  1.0 / 9.0,
                                        1.0 / 11.0, 1.0 / 13.0, 1.0 / 15.0, 1.0 / 17.0, 1.0 / 19.0,
                                        1.0 / 21.0, 1.0 / 23.0, 1.0 / 25.0, 1.0 / 27.0, 1.0 / 29.0,
                                        1.0 / 31.0, 1.0 / 33.0};

static inline __attribute__((always_inline)) double exp_neg(double x)
{
    const double shift = 0x1.8p52, log2e = 1.44269504088896338700e+00;
    const double ln2hi = 6.93147180369123816490e-01, ln2lo = 1.90821492927058770002e-10;
    double t = x * log2e + shift, k = t - shift;
    double r = (x - k * ln2hi) - k * ln2lo;
    double p = EXP_TAYLOR[13];
#pragma GCC unroll 13
    for (int i = 12; i >= 0; i--)
        p = p * r + EXP_TAYLOR[i];
    /* t's bits are shift's plus k (both in [2^52, 2^53), where the ulp is 1). */
    uint64_t tb, sb, scale;
    memcpy(&tb, &t, sizeof tb);
    memcpy(&sb, &shift, sizeof sb);
    scale = (uint64_t)((int64_t)(tb - sb) + 1023) << 52;
    double s;
    memcpy(&s, &scale, sizeof s);
    return p * s;
}

static inline __attribute__((always_inline)) double log1p_unit(double e)
{
    double s = e / (2.0 + e), z = s * s;
    double p = ATANH_SERIES[16];
#pragma GCC unroll 16
    for (int i = 15; i >= 0; i--)
        p = p * z + ATANH_SERIES[i];
    return 2.0 * s * p;
}

double hs_pose_exp_neg(double x) { return exp_neg(x); }

double hs_pose_log1p_unit(double e) { return log1p_unit(e); }

/*
 * One camera's keypoints of every joint, added to the outputs.  `mixture`
 * is a constant at each call, so each call site gets its own loop; the
 * arrays are restrict parameters so the compiler needs no alias checks.
 */
static inline __attribute__((always_inline)) void
camera_pass(size_t n, const double *restrict Pc, const double *restrict x0,
            const double *restrict x1, const double *restrict x2, const double *restrict y0,
            const double *restrict y1, const double *restrict seen, double *restrict g0,
            double *restrict g1, double *restrict g2, double *restrict lpo, double *restrict glo,
            double *restrict wo, double is2, double lgc, double lp_in, double lp_out, int mixture)
{
    const double P0 = Pc[0], P1 = Pc[1], P2 = Pc[2], P3 = Pc[3], P4 = Pc[4], P5 = Pc[5];
    const double P6 = Pc[6], P7 = Pc[7], P8 = Pc[8], P9 = Pc[9], P10 = Pc[10], P11 = Pc[11];
    for (size_t j = 0; j < n; j++) {
        double h0 = P0 * x0[j] + P1 * x1[j] + P2 * x2[j] + P3;
        double h1 = P4 * x0[j] + P5 * x1[j] + P6 * x2[j] + P7;
        double h2 = P8 * x0[j] + P9 * x1[j] + P10 * x2[j] + P11;
        double iz = 1.0 / (h2 > HS_POSE_H2_MIN ? h2 : HS_POSE_H2_MIN);
        double yh0 = h0 * iz, yh1 = h1 * iz;
        double d0 = y0[j] - yh0, d1 = y1[j] - yh1, qq = d0 * d0 + d1 * d1;
        double lg = -0.5 * qq * is2 + lgc, w, lp;
        if (mixture) {
            /* logaddexp(a, lp_out) = max + log1p(e), e = e^-|xm|, xm = a - lp_out;
             * the inlier weight is sigmoid(xm).  NaN xm gives e = e^-700 ~ 0 and
             * lp_out, as a scalar branch on |xm| <= 700 would. */
            double av = lp_in + lg, xm = av - lp_out, ax = xm < 0.0 ? -xm : xm;
            double e = exp_neg(ax < 700.0 ? -ax : -700.0), inv = 1.0 / (1.0 + e);
            lp = (xm > 0.0 ? av : lp_out) + log1p_unit(e);
            w = xm > 0.0 ? inv : e * inv;
        } else {
            lp = lg;
            w = 1.0;
        }
        /* Missing keypoints add exactly 0 (selects, not products: 0 * inf is NaN). */
        const double sn = seen[j];
        w = sn != 0.0 ? w : 0.0;
        lpo[j] += sn != 0.0 ? lp : 0.0;
        wo[j] += w;
        glo[j] += sn != 0.0 ? w * (qq * is2 - 2.0) : 0.0;
        double gy0 = sn != 0.0 ? w * d0 * is2 * iz : 0.0;
        double gy1 = sn != 0.0 ? w * d1 * is2 * iz : 0.0;
        double gh2 = sn != 0.0 && h2 > HS_POSE_H2_MIN ? -(gy0 * yh0 + gy1 * yh1) : 0.0;
        g0[j] += P0 * gy0 + P4 * gy1 + P8 * gh2;
        g1[j] += P1 * gy0 + P5 * gy1 + P9 * gh2;
        g2[j] += P2 * gy0 + P6 * gy1 + P10 * gh2;
    }
}

/* One clone per vector width: the bits are the same in each (see above). */
__attribute__((target_clones("default", "avx2", "avx512f"))) void
hs_pose_obs_batch(const pose_obs_args *a)
{
    double *outs[] = {a->g[0], a->g[1], a->g[2], a->lp, a->gls, a->w};
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++)
        memset(outs[i], 0, a->n * sizeof *outs[i]);
    for (int cc = 0; cc < a->C; cc++) {
        const size_t off = (size_t)cc * a->n;
#define PASS(MIX)                                                                               \
    camera_pass(a->n, a->P + 12 * cc, a->x[0], a->x[1], a->x[2], a->y0 + off, a->y1 + off,      \
                a->seen + off, a->g[0], a->g[1], a->g[2], a->lp, a->gls, a->w, a->is2, a->lgc, \
                a->lp_in, a->lp_out, MIX)
        if (a->mixture)
            PASS(1);
        else
            PASS(0);
#undef PASS
    }
}
