/*
 * Data for the pose model: the default camera rig and kinematic tree, the
 * synthetic generator and robust DLT triangulation.  Nothing here depends
 * on the model's parameter vector.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "hsweep/pose.h"

static void cross3(const double *a, const double *b, double *c)
{
    c[0] = a[1] * b[2] - a[2] * b[1];
    c[1] = a[2] * b[0] - a[0] * b[2];
    c[2] = a[0] * b[1] - a[1] * b[0];
}

static void normalize3(double *a)
{
    double n = sqrt(a[0] * a[0] + a[1] * a[1] + a[2] * a[2]);
    for (int i = 0; i < 3; i++)
        a[i] /= n;
}

/*
 * P = K [R | -R c] (Hartley & Zisserman, "Multiple View Geometry", 2nd ed.,
 * eq. 6.8), camera axes x right, y down, z forward: R's rows are
 * right = f x up, down = f x right, f (the viewing direction).
 */
void hs_pose_default_cameras(int C, double *P)
{
    const double target[3] = {0.0, 0.0, 10.0}, up[3] = {0.0, 0.0, 1.0};
    const double cx = HS_POSE_WIDTH / 2.0, cy = HS_POSE_HEIGHT / 2.0, f = HS_POSE_FOCAL;
    for (int c = 0; c < C; c++) {
        double phi = 2.0 * M_PI * c / C;
        double pos[3] = {100.0 * cos(phi), 100.0 * sin(phi), 30.0};
        double R[3][3];
        for (int i = 0; i < 3; i++)
            R[2][i] = target[i] - pos[i];
        normalize3(R[2]);
        cross3(R[2], up, R[0]);
        normalize3(R[0]);
        cross3(R[2], R[0], R[1]);
        double Rt[3][4], Km[3][3] = {{f, 0.0, cx}, {0.0, f, cy}, {0.0, 0.0, 1.0}};
        for (int i = 0; i < 3; i++) {
            memcpy(Rt[i], R[i], sizeof R[i]);
            Rt[i][3] = -(R[i][0] * pos[0] + R[i][1] * pos[1] + R[i][2] * pos[2]);
        }
        double *Pc = P + 12 * c;
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++)
                Pc[4 * i + j] = Km[i][0] * Rt[0][j] + Km[i][1] * Rt[1][j] + Km[i][2] * Rt[2][j];
    }
}

void hs_pose_default_tree(int K, int *parents, double *nominal)
{
    parents[0] = -1;
    for (int k = 1; k < K; k++) {
        parents[k] = k == 1 ? 0 : 1 + (k - 2) / 2;
        nominal[k - 1] = k == 1 ? 10.0 : 8.0;
    }
}

static void project(const double *Pc, const double *X, double *yh)
{
    double h[3];
    for (int i = 0; i < 3; i++)
        h[i] = Pc[4 * i] * X[0] + Pc[4 * i + 1] * X[1] + Pc[4 * i + 2] * X[2] + Pc[4 * i + 3];
    double z = h[2] > 1e-6 ? h[2] : 1e-6;
    yh[0] = h[0] / z;
    yh[1] = h[1] / z;
}

static void unit_normal3(hs_rng *rng, double *u)
{
    for (int i = 0; i < 3; i++)
        u[i] = hs_rng_normal(rng);
    normalize3(u);
}

void hs_pose_synthesize(int T, int K, int C, int S, const int *parents, const double *nominal,
                        const double *P, double width, double height, double noise_px,
                        double outlier_frac, double missing_frac, uint64_t seed, double *y,
                        hs_pose_truth *truth)
{
    hs_rng rng;
    hs_rng_seed(&rng, seed);
    int B = K - 1;
    /* Fixed-size state: K <= 64 joints and S <= 64 states (the schema allows 32 and 16). */
    double pref[64][63][3], u[63][3], v[63][3], root[3], vel[3] = {0.0, 0.0, 0.0}, X[64][3];
    for (int s = 0; s < S; s++)
        for (int b = 0; b < B; b++)
            unit_normal3(&rng, pref[s][b]);
    int z = (int)hs_rng_below(&rng, (uint64_t)S);
    for (int b = 0; b < B; b++) {
        memcpy(u[b], pref[z][b], sizeof u[b]);
        memset(v[b], 0, sizeof v[b]);
    }
    for (int i = 0; i < 3; i++)
        root[i] = hs_rng_normal(&rng);
    for (int t = 0; t < T; t++) {
        if (t > 0) {
            if (S > 1 && hs_rng_uniform(&rng) > 0.95)
                z = (z + 1 + (int)hs_rng_below(&rng, (uint64_t)(S - 1))) % S;
            for (int i = 0; i < 3; i++) {
                vel[i] = 0.9 * vel[i] - 0.02 * root[i] + 0.5 * hs_rng_normal(&rng);
                root[i] += vel[i];
            }
            for (int b = 0; b < B; b++) {
                for (int i = 0; i < 3; i++) {
                    v[b][i] = 0.8 * v[b][i] + 0.1 * (pref[z][b][i] - u[b][i]) +
                              0.03 * hs_rng_normal(&rng);
                    u[b][i] += v[b][i];
                }
                normalize3(u[b]);
            }
        }
        memcpy(X[0], root, sizeof root);
        for (int k = 1; k < K; k++) {
            double len = nominal[k - 1] + 0.1 * hs_rng_normal(&rng);
            for (int i = 0; i < 3; i++)
                X[k][i] = X[parents[k]][i] + len * u[k - 1][i];
            if (truth)
                truth->len[(size_t)t * B + (k - 1)] = len;
        }
        if (truth) {
            memcpy(truth->x + (size_t)t * K * 3, X, (size_t)K * 3 * sizeof(double));
            truth->state[t] = z;
        }
        for (int c = 0; c < C; c++)
            for (int k = 0; k < K; k++) {
                double *yk = y + (((size_t)c * T + t) * K + k) * 2;
                /* Always six draws per keypoint, whatever the branch. */
                double n0 = hs_rng_normal(&rng), n1 = hs_rng_normal(&rng);
                double uo = hs_rng_uniform(&rng), ux = hs_rng_uniform(&rng);
                double uy = hs_rng_uniform(&rng), um = hs_rng_uniform(&rng);
                project(P + 12 * c, X[k], yk);
                yk[0] += noise_px * n0;
                yk[1] += noise_px * n1;
                if (uo < outlier_frac) {
                    yk[0] = width * ux;
                    yk[1] = height * uy;
                }
                if (um < missing_frac)
                    yk[0] = yk[1] = NAN;
            }
    }
}

/* Solve the 3x3 symmetric system M x = v by Cramer's rule; 0 if singular. */
static int solve3(double M[3][3], const double *v, double *x)
{
    double c0 = M[1][1] * M[2][2] - M[1][2] * M[2][1];
    double c1 = M[1][2] * M[2][0] - M[1][0] * M[2][2];
    double c2 = M[1][0] * M[2][1] - M[1][1] * M[2][0];
    double det = M[0][0] * c0 + M[0][1] * c1 + M[0][2] * c2;
    double scale = fabs(M[0][0] * M[1][1] * M[2][2]) + 1e-300;
    if (!(fabs(det) > 1e-12 * scale))
        return 0;
    double Mi[3][3];
    for (int j = 0; j < 3; j++) {
        memcpy(Mi, M, sizeof Mi);
        for (int i = 0; i < 3; i++)
            Mi[i][j] = v[i];
        x[j] = (Mi[0][0] * (Mi[1][1] * Mi[2][2] - Mi[1][2] * Mi[2][1]) -
                Mi[0][1] * (Mi[1][0] * Mi[2][2] - Mi[1][2] * Mi[2][0]) +
                Mi[0][2] * (Mi[1][0] * Mi[2][1] - Mi[1][1] * Mi[2][0])) /
               det;
    }
    return 1;
}

/*
 * Least-squares DLT over the cameras in `used` (bit c = camera c); writes X
 * and returns the worst reprojection error in pixels, or INFINITY if the
 * system is singular.
 */
static double dlt(int C, const double *P, const double *y, uint64_t used, double *X)
{
    double M[3][3] = {{0}}, v[3] = {0};
    for (int c = 0; c < C; c++) {
        if (!(used >> c & 1))
            continue;
        const double *Pc = P + 12 * c;
        for (int row = 0; row < 2; row++) {
            double a[4];
            for (int j = 0; j < 4; j++)
                a[j] = y[2 * c + row] * Pc[8 + j] - Pc[4 * row + j];
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++)
                    M[i][j] += a[i] * a[j];
                v[i] -= a[i] * a[3];
            }
        }
    }
    if (!solve3(M, v, X))
        return INFINITY;
    double worst = 0.0;
    for (int c = 0; c < C; c++) {
        if (!(used >> c & 1))
            continue;
        double yh[2];
        project(P + 12 * c, X, yh);
        double err = hypot(yh[0] - y[2 * c], yh[1] - y[2 * c + 1]);
        worst = err > worst ? err : worst;
    }
    return worst;
}

/*
 * Linear (inhomogeneous) DLT, Hartley & Zisserman sec. 12.2: each seen
 * camera gives the rows y0 P3 - P1 and y1 P3 - P2 of A [X; 1] = 0, solved
 * in least squares through the normal equations.  Robustness: while the
 * worst reprojection error exceeds reject_px and three or more cameras
 * remain, the camera whose removal leaves the smallest worst error is
 * dropped (leave-one-out, so one gross outlier cannot drag good cameras out).
 * Two cameras still disagreeing past reject_px give no point: with two views
 * an outlier shows up as a violated epipolar constraint.
 */
int hs_pose_triangulate(int C, const double *P, const double *y, double reject_px, double X[3])
{
    uint64_t used = 0;
    int n = 0;
    C = C < 64 ? C : 64;
    for (int c = 0; c < C; c++)
        if (!isnan(y[2 * c]) && !isnan(y[2 * c + 1])) {
            used |= UINT64_C(1) << c;
            n++;
        }
    if (n < 2)
        return n;
    double sol[3];
    double err = dlt(C, P, y, used, sol);
    while (n >= 3 && err > reject_px) {
        double best = INFINITY, bx[3];
        uint64_t best_used = used;
        for (int c = 0; c < C; c++) {
            if (!(used >> c & 1))
                continue;
            double x[3];
            double e = dlt(C, P, y, used & ~(UINT64_C(1) << c), x);
            if (e < best) {
                best = e;
                best_used = used & ~(UINT64_C(1) << c);
                memcpy(bx, x, sizeof bx);
            }
        }
        if (!isfinite(best))
            break;
        used = best_used;
        n--;
        err = best;
        memcpy(sol, bx, sizeof sol);
    }
    if (!(err <= reject_px))
        return 0; /* two cameras left that disagree (one is an outlier): no point */
    memcpy(X, sol, sizeof sol);
    return n;
}
