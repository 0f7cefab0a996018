/*
 * The pose model's per-joint and per-bone work, vectorised over frames
 * (pose_obs.h): the keypoint term, the bones' lengths and directions, and
 * fixed-order sums.
 *
 * The mixture needs e^-|x| and log1p of it for every keypoint, and each bone
 * log |v|: libm's exp, log1p and log are calls the compiler cannot put in
 * SIMD lanes, so this file has its own, from + - * / and fma() (CMake
 * builds the file with -ffp-contract=off, so only the written fma()s fuse;
 * fma is correctly rounded, in hardware or in libm), so every lane, vector
 * width and CPU gives the same bits:
 *   e^x: x = k ln 2 + r, |r| <= ln2/2, with k = round(x / ln 2) by the
 *     1.5 2^52 shift and ln 2 split as fdlibm's e_exp.c does (ln2HI has
 *     trailing zeros, so k ln2HI is exact); e^r by its Taylor series to r^13
 *     (truncation r^14/14! < 6e-18 relative); 2^k built in the exponent bits.
 *   log x = k ln 2 + log m, x = m 2^k with m in [sqrt(2)/2, sqrt(2)), and
 *     log m = 2 atanh(s), s = (m - 1) / (m + 1) in [-0.172, 0.172]:
 *     2 s sum_n s^(2n) / (2n + 1) to n = 10 (truncation < 2e-19 relative).
 *   log(1 + e), e in [0, 1]: the same series with s = e / (2 + e) for
 *     e < 1/2 (s <= 0.2), and ln 2 + log1p(f), f = (e - 1) / 2 (exact) in
 *     [-1/4, 0], s = f / (2 + f), for e >= 1/2; to n = 11 (< 2e-18).
 * All are within a few ulp of the correctly rounded values (tested against
 * long-double libm in tests/unit/test_pose.c).
 */
#include "pose_obs.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* 1/n!, n = 0..13, and 1/(2n + 1), n = 0..11. */
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
static const double ATANH_SERIES[12] = {1.0,        1.0 / 3.0,  1.0 / 5.0,  1.0 / 7.0,
                                        1.0 / 9.0,  1.0 / 11.0, 1.0 / 13.0, 1.0 / 15.0,
                                        1.0 / 17.0, 1.0 / 19.0, 1.0 / 21.0, 1.0 / 23.0};
static const double LN2HI = 6.93147180369123816490e-01, LN2LO = 1.90821492927058770002e-10;

static inline __attribute__((always_inline)) double exp_neg(double x)
{
    const double shift = 0x1.8p52, log2e = 1.44269504088896338700e+00;
    double t = x * log2e + shift, k = t - shift;
    double r = (x - k * LN2HI) - k * LN2LO;
    /* Terms 2..13 by Estrin's scheme (pairs, then pairs of pairs: a shorter
     * chain than Horner's), the last two steps by Horner's, which rounds once
     * where the value is made. */
    const double *c = EXP_TAYLOR;
    double r2 = r * r, r4 = r2 * r2;
    double p23 = fma(c[3], r, c[2]), p45 = fma(c[5], r, c[4]), p67 = fma(c[7], r, c[6]);
    double p89 = fma(c[9], r, c[8]), pab = fma(c[11], r, c[10]), pcd = fma(c[13], r, c[12]);
    double q0 = fma(p45, r2, p23), q1 = fma(p89, r2, p67), q2 = fma(pcd, r2, pab);
    double h = fma(fma(q2, r4, q1), r4, q0);
    double p = fma(fma(h, r, c[1]), r, c[0]);
    /* t's bits are shift's plus k (both in [2^52, 2^53), where the ulp is 1). */
    uint64_t tb, sb, scale;
    memcpy(&tb, &t, sizeof tb);
    memcpy(&sb, &shift, sizeof sb);
    scale = (uint64_t)((int64_t)(tb - sb) + 1023) << 52;
    double sc;
    memcpy(&sc, &scale, sizeof sc);
    return p * sc;
}

/* 2 atanh(s) = 2 s sum_{n <= N} (s^2)^n / (2n + 1), N = 10 or 11: terms
 * 1..N by Estrin's scheme, the leading 1 by one more step (as exp_neg). */
static inline __attribute__((always_inline)) double atanh2(double s, int N)
{
    const double *c = ATANH_SERIES;
    double z = s * s, z2 = z * z, z4 = z2 * z2;
    double p12 = fma(c[2], z, c[1]), p34 = fma(c[4], z, c[3]), p56 = fma(c[6], z, c[5]);
    double p78 = fma(c[8], z, c[7]), p9a = fma(c[10], z, c[9]);
    double pb = N == 11 ? c[11] : 0.0;
    double q0 = fma(p34, z2, p12), q1 = fma(p78, z2, p56), q2 = fma(pb, z2, p9a);
    double h = fma(fma(q2, z4, q1), z4, q0);
    return 2.0 * s * fma(h, z, c[0]);
}

static inline __attribute__((always_inline)) double log1p_unit(double e)
{
    int hi = e >= 0.5;
    double f = hi ? (e - 1.0) * 0.5 : e;
    double v = atanh2(f / (2.0 + f), 11);
    return hi ? LN2HI + (v + LN2LO) : v;
}

/* log x, x > 0 (NaN, +inf, 0 and x < 0 as libm's log gives them). */
static inline __attribute__((always_inline)) double log_pos(double x)
{
    const double two52 = 0x1p52;
    /* Subnormals scaled into the normal range first. */
    int sub = x < 0x1p-1022;
    double xn = sub ? x * 0x1p54 : x;
    uint64_t xb, mb, eb;
    memcpy(&xb, &xn, sizeof xb);
    /* m in [1, 2) from the mantissa bits; k from the exponent bits, made a
     * double through the 2^52 trick (no int64 -> double conversion needed). */
    mb = (xb & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
    eb = ((xb >> 52) & 0x7ff) | 0x4330000000000000ULL;
    double m, kd;
    memcpy(&m, &mb, sizeof m);
    memcpy(&kd, &eb, sizeof kd);
    kd = kd - (two52 + 1023.0) - (sub ? 54.0 : 0.0);
    int big = m > 1.4142135623730951;
    m = big ? 0.5 * m : m;
    kd = big ? kd + 1.0 : kd;
    double f = m - 1.0, v = atanh2(f / (2.0 + f), 10);
    double r = kd * LN2HI + (v + kd * LN2LO);
    r = x == 0.0 ? -HUGE_VAL : r;
    r = x < 0.0 ? NAN : r;
    return x > 0x1.fffffffffffffp1023 || x != x ? x : r;
}

double hs_pose_exp_neg(double x) { return exp_neg(x); }

double hs_pose_log1p_unit(double e) { return log1p_unit(e); }

double hs_pose_log_pos(double x) { return log_pos(x); }

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
        double h0 = fma(P0, x0[j], fma(P1, x1[j], fma(P2, x2[j], P3)));
        double h1 = fma(P4, x0[j], fma(P5, x1[j], fma(P6, x2[j], P7)));
        double h2 = fma(P8, x0[j], fma(P9, x1[j], fma(P10, x2[j], P11)));
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
        g0[j] += fma(P0, gy0, fma(P4, gy1, P8 * gh2));
        g1[j] += fma(P1, gy0, fma(P5, gy1, P9 * gh2));
        g2[j] += fma(P2, gy0, fma(P6, gy1, P10 * gh2));
    }
}

/* One clone per vector width: the bits are the same in each (see above). */
#define CLONES __attribute__((target_clones("default", "arch=x86-64-v3", "arch=x86-64-v4")))

CLONES void hs_pose_obs_batch(const pose_obs_args *a)
{
    double *outs[] = {a->g[0], a->g[1], a->g[2], a->lp, a->gls, a->w};
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++)
        memset(outs[i], 0, a->n * sizeof *outs[i]);
    for (int cc = 0; cc < a->C; cc++) {
        const size_t off = (size_t)cc * a->n;
#define PASS(MIX)                                                                                  \
    camera_pass(a->n, a->P + 12 * cc, a->x[0], a->x[1], a->x[2], a->y0 + off, a->y1 + off,         \
                a->seen + off, a->g[0], a->g[1], a->g[2], a->lp, a->gls, a->w, a->is2, a->lgc,     \
                a->lp_in, a->lp_out, MIX)
        if (a->mixture)
            PASS(1);
        else
            PASS(0);
#undef PASS
    }
}

/*
 * One bone, frames in lanes: v = x_k - x_par, l = sqrt(|v|^2 + eps),
 * u = v / l, the Jacobian term -2 log l of the bone's density (the caller
 * adds log N(l; rho, s2) from the sums of dl = l - rho and dl^2), and the
 * gradient gl u of both, gl = d/dl, added to joint k and taken from its parent.
 */
static inline __attribute__((always_inline)) void
bone_pass(size_t T, const double *restrict xk0, const double *restrict xk1,
          const double *restrict xk2, const double *restrict xp0, const double *restrict xp1,
          const double *restrict xp2, double *restrict gk0, double *restrict gk1,
          double *restrict gk2, double *restrict gp0, double *restrict gp1, double *restrict gp2,
          double *restrict u0, double *restrict u1, double *restrict u2, double *restrict il,
          double *restrict len, double *restrict lp, double *restrict dl, double rho, double is2b)
{
    for (size_t t = 0; t < T; t++) {
        double v0 = xk0[t] - xp0[t], v1 = xk1[t] - xp1[t], v2 = xk2[t] - xp2[t];
        double l2 = fma(v0, v0, fma(v1, v1, fma(v2, v2, HS_POSE_DIR_EPS)));
        double l = sqrt(l2), inv = 1.0 / l, d = l - rho;
        double gl = -d * is2b - 2.0 * inv;
        double w0 = v0 * inv, w1 = v1 * inv, w2 = v2 * inv;
        lp[t] = -log_pos(l2);
        dl[t] = d;
        len[t] = l;
        il[t] = inv;
        u0[t] = w0, u1[t] = w1, u2[t] = w2;
        gk0[t] += gl * w0, gk1[t] += gl * w1, gk2[t] += gl * w2;
        gp0[t] -= gl * w0, gp1[t] -= gl * w1, gp2[t] -= gl * w2;
    }
}

CLONES void hs_pose_bones_batch(const pose_bones_args *a)
{
    const size_t T = a->T;
    for (int k = 1; k < a->K; k++) {
        const size_t ok = (size_t)k * T, op = (size_t)a->parents[k] * T, ob = (size_t)(k - 1) * T;
        double *u = a->u + 3 * ob;
        bone_pass(T, a->x[0] + ok, a->x[1] + ok, a->x[2] + ok, a->x[0] + op, a->x[1] + op,
                  a->x[2] + op, a->g[0] + ok, a->g[1] + ok, a->g[2] + ok, a->g[0] + op,
                  a->g[1] + op, a->g[2] + op, u, u + T, u + 2 * T, a->il + ob, a->len + ob,
                  a->lp + ob, a->dl + ob, a->rho[k - 1], a->is2b[k - 1]);
    }
}

/* d/dv of f(u), u = v / l: (I - u u^T) gu / l, to joint k, minus it to the parent. */
static inline __attribute__((always_inline)) void
bone_tangent(size_t T, const double *restrict u0, const double *restrict u1,
             const double *restrict u2, const double *restrict gu0, const double *restrict gu1,
             const double *restrict gu2, const double *restrict il, double *restrict gk0,
             double *restrict gk1, double *restrict gk2, double *restrict gp0, double *restrict gp1,
             double *restrict gp2)
{
    for (size_t t = 0; t < T; t++) {
        double ug = fma(u0[t], gu0[t], fma(u1[t], gu1[t], u2[t] * gu2[t]));
        double h0 = (gu0[t] - u0[t] * ug) * il[t], h1 = (gu1[t] - u1[t] * ug) * il[t];
        double h2 = (gu2[t] - u2[t] * ug) * il[t];
        gk0[t] += h0, gk1[t] += h1, gk2[t] += h2;
        gp0[t] -= h0, gp1[t] -= h1, gp2[t] -= h2;
    }
}

CLONES void hs_pose_bones_tangent(const pose_bones_args *a, const double *gu)
{
    const size_t T = a->T;
    for (int k = 1; k < a->K; k++) {
        const size_t ok = (size_t)k * T, op = (size_t)a->parents[k] * T, ob = (size_t)(k - 1) * T;
        const double *u = a->u + 3 * ob, *g = gu + 3 * ob;
        bone_tangent(T, u, u + T, u + 2 * T, g, g + T, g + 2 * T, a->il + ob, a->g[0] + ok,
                     a->g[1] + ok, a->g[2] + ok, a->g[0] + op, a->g[1] + op, a->g[2] + op);
    }
}

/* Lane l of HS_POSE_LANES sums x[i], i = l mod HS_POSE_LANES, then the lanes pairwise. */
static inline __attribute__((always_inline)) double lanes_total(const double *acc)
{
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

CLONES double hs_pose_lane_sum(size_t n, const double *x)
{
    double acc[HS_POSE_LANES] = {0};
    size_t i = 0;
    for (; i + HS_POSE_LANES <= n; i += HS_POSE_LANES)
        for (size_t l = 0; l < HS_POSE_LANES; l++)
            acc[l] += x[i + l];
    for (size_t l = 0; i + l < n; l++)
        acc[l] += x[i + l];
    return lanes_total(acc);
}

CLONES double hs_pose_lane_dot(size_t n, const double *x, const double *y)
{
    double acc[HS_POSE_LANES] = {0};
    size_t i = 0;
    for (; i + HS_POSE_LANES <= n; i += HS_POSE_LANES)
        for (size_t l = 0; l < HS_POSE_LANES; l++)
            acc[l] += x[i + l] * y[i + l];
    for (size_t l = 0; i + l < n; l++)
        acc[l] += x[i + l] * y[i + l];
    return lanes_total(acc);
}

/* x[i] = e^x[i] for x[i] <= 0, 0 below -700 (where e^x is 0 to the gradient anyway). */
CLONES void hs_pose_exp_batch(size_t n, double *x)
{
    for (size_t i = 0; i < n; i++) {
        double d = x[i];
        x[i] = d > -700.0 ? exp_neg(d > -700.0 ? d : -700.0) : 0.0;
    }
}

CLONES double hs_pose_log_sum(size_t n, const double *x)
{
    double acc[HS_POSE_LANES] = {0};
    size_t i = 0;
    for (; i + HS_POSE_LANES <= n; i += HS_POSE_LANES)
        for (size_t l = 0; l < HS_POSE_LANES; l++)
            acc[l] += log_pos(x[i + l]);
    for (size_t l = 0; i + l < n; l++)
        acc[l] += log_pos(x[i + l]);
    return lanes_total(acc);
}

CLONES void hs_pose_axpy(size_t n, double a, const double *restrict x, double *restrict y)
{
    for (size_t i = 0; i < n; i++)
        y[i] += a * x[i];
}
