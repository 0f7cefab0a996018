/*
 * The pose model's data, initial points and log density for the Stan side
 * of bench/stan_vs_hsweep.sh.  Uses the numeric library only (as
 * pose_grad.c); builds the model exactly as kernel `nuts` does with
 * model = pose and its defaults (src/kernels/nuts_pose.c: synthetic data of
 * data_seed 1, K = 4 joints, 3 cameras, 3 states, noise 2 px, 5% outliers,
 * 5% missing; positive lengths, coords = auto = joint positions and vMF
 * natural parameters, mixture, HMM, normalised vMF; the default priors;
 * init = triangulated, init_radius 2).
 *   cc -O2 -Iinclude bench/stan_pose_export.c BUILD/libhs_numeric.a -lm -o stan_pose_export
 *   ./stan_pose_export T RNG_SEED CHAINS NPOINTS OUT.json   data, inits, points
 *   ./stan_pose_export T RNG_SEED CHAINS NPOINTS -          the same, timing only
 * OUT.json holds: the Stan data (`data`: seen keypoints only, 1-based
 * indices), each chain's initial point q (`inits`: chain c from stream c of
 * RNG_SEED, the kernel's task rng_seed, as the kernel draws them), and
 * NPOINTS check points (`points`: the inits of chains 1.. perturbed by
 * N(0, 0.01^2) per coordinate, then further streams) with hsweep's log
 * density `lp` and gradient `grad` at each.  Stdout: `init_logp_absmax X`
 * (the kernel's metric of the same name, for the cross-check that this is
 * the kernel's model) and `grad_us X` (best of 5 of CPU microseconds per
 * hs_pose_logp_grad over the check points).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hsweep/pose.h"
#include "bench_pose.h"

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void put_vec(FILE *f, const char *name, const double *x, size_t n, int last)
{
    fprintf(f, "\"%s\":[", name);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%.17g", i ? "," : "", x[i]);
    fprintf(f, "]%s", last ? "" : ",");
}

static void put_ivec(FILE *f, const char *name, const int *x, size_t n, int last)
{
    fprintf(f, "\"%s\":[", name);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%d", i ? "," : "", x[i]);
    fprintf(f, "]%s", last ? "" : ",");
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s T RNG_SEED CHAINS NPOINTS OUT.json|-\n", argv[0]);
        return 2;
    }
    int T = atoi(argv[1]), chains = atoi(argv[3]), np = atoi(argv[4]);
    uint64_t seed = strtoull(argv[2], NULL, 10);
    const char *out = argv[5];
    int K = BENCH_POSE_K, C = BENCH_POSE_C, S = BENCH_POSE_S, parents[4];
    double nominal[3], P[36];
    if (T < 2 || chains < 1 || np < 1)
        return 2;
    hs_pose_config cfg;
    double *y = bench_pose_setup(T, parents, nominal, P, &cfg);
    if (!y)
        return 1;
    hs_pose *ps;
    char msg[256];
    if (hs_pose_create(&cfg, &ps, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        return 1;
    }
    const hs_pose_config *c = hs_pose_get_config(ps);
    hs_pose_layout L = hs_pose_get_layout(ps);
    size_t d = L.dim, npts = (size_t)np;
    double *q0 = malloc(sizeof(double) * d * (size_t)chains);
    double *pts = malloc(sizeof(double) * d * npts), *g = malloc(sizeof(double) * d * npts);
    double *lp = malloc(sizeof(double) * npts);
    if (!q0 || !pts || !g || !lp)
        return 1;
    /* The kernel's initial points: stream c of the task's rng_seed, init first. */
    double absmax = 0.0;
    for (int ch = 0; ch < chains; ch++) {
        hs_rng rng;
        hs_rng_seed_stream(&rng, seed, (uint64_t)ch);
        hs_pose_init_triangulated(ps, &rng, 2.0, q0 + (size_t)ch * d);
        double l = hs_pose_logp_grad(ps, q0 + (size_t)ch * d, g);
        absmax = isfinite(l) ? fmax(absmax, fabs(l)) : INFINITY;
    }
    /* Check points: initial points of streams 0.. (the chains' first), perturbed. */
    for (size_t i = 0; i < npts; i++) {
        hs_rng rng;
        hs_rng_seed_stream(&rng, seed, (uint64_t)i);
        hs_pose_init_triangulated(ps, &rng, 2.0, pts + i * d);
        hs_rng_seed_stream(&rng, seed ^ 0x5eedULL, (uint64_t)i);
        for (size_t j = 0; j < d; j++)
            pts[i * d + j] += 0.01 * hs_rng_normal(&rng);
        lp[i] = hs_pose_logp_grad(ps, pts + i * d, g + i * d);
    }
    double best = 1e30, sink = 0.0;
    int reps = T >= 1000 ? 40 : 400;
    for (int r = 0; r < 5; r++) {
        double t0 = cpu_now();
        for (int k = 0; k < reps; k++)
            sink += hs_pose_logp_grad(ps, pts + (size_t)(k % np) * d, g + (size_t)(k % np) * d);
        double dt = (cpu_now() - t0) / reps;
        best = dt < best ? dt : best;
    }
    printf("init_logp_absmax %.17g\n", absmax);
    printf("grad_us %.4g\n", best * 1e6);
    printf("dim %zu\n", d);
    fprintf(stderr, "(sink %g)\n", sink);
    if (out[0] == '-' && out[1] == '\0')
        return 0;
    FILE *f = fopen(out, "w");
    if (!f) {
        perror(out);
        return 1;
    }
    /* Seen keypoints, grouped by camera; point index (t - 1) K + k, 1-based. */
    size_t n_obs = 0, ny = (size_t)C * T * K;
    int *cam_start = malloc(sizeof(int) * C), *cam_len = malloc(sizeof(int) * C);
    int *pt = malloc(sizeof(int) * ny);
    double *y0 = malloc(sizeof(double) * ny), *y1 = malloc(sizeof(double) * ny);
    if (!cam_start || !cam_len || !pt || !y0 || !y1)
        return 1;
    for (int cc = 0; cc < C; cc++) {
        cam_start[cc] = (int)n_obs + 1;
        for (int t = 0; t < T; t++)
            for (int k = 0; k < K; k++) {
                const double *yk = c->y + (((size_t)cc * T + t) * K + k) * 2;
                if (isnan(yk[0]) || isnan(yk[1]))
                    continue;
                pt[n_obs] = t * K + k + 1;
                y0[n_obs] = yk[0], y1[n_obs] = yk[1];
                n_obs++;
            }
        cam_len[cc] = (int)n_obs + 1 - cam_start[cc];
    }
    int par1[64];
    for (int k = 0; k < K; k++)
        par1[k] = c->parents[k] + 1; /* 0 for the root */
    fprintf(f, "{\"data\":{\"T\":%d,\"K\":%d,\"C\":%d,\"S\":%d,\"N_obs\":%zu,", T, K, C, S, n_obs);
    put_ivec(f, "parents", par1, (size_t)K, 0);
    put_vec(f, "nominal", c->nominal, (size_t)K - 1, 0);
    put_vec(f, "P", c->P, 12 * (size_t)C, 0); /* row-major [C][3][4] */
    put_ivec(f, "cam_start", cam_start, (size_t)C, 0);
    put_ivec(f, "cam_len", cam_len, (size_t)C, 0);
    put_ivec(f, "obs_pt", pt, n_obs, 0);
    put_vec(f, "obs_y0", y0, n_obs, 0);
    put_vec(f, "obs_y1", y1, n_obs, 0);
    fprintf(f, "\"width\":%.17g,\"height\":%.17g,", c->width, c->height);
    put_vec(f, "xhat0", c->x0_hat, 3, 0);
    fprintf(f,
            "\"eta2_mode\":%.17g,\"eta2_sd\":%.17g,\"sigma_obs_mode\":%.17g,"
            "\"sigma_obs_sd\":%.17g,\"kappa_mode\":%.17g,\"kappa_sd\":%.17g,",
            c->eta2_mode, c->eta2_sd, c->sigma_obs_mode, c->sigma_obs_sd, c->kappa_mode,
            c->kappa_sd);
    put_vec(f, "rho_sd", c->rho_sd_b, (size_t)K - 1, 0);
    put_vec(f, "sigma2_mode", c->sigma2_mode_b, (size_t)K - 1, 0);
    put_vec(f, "sigma2_sd", c->sigma2_sd_b, (size_t)K - 1, 1);
    fprintf(f, "},\"inits\":[");
    for (int ch = 0; ch < chains; ch++) {
        fprintf(f, "%s{", ch ? "," : "");
        put_vec(f, "q", q0 + (size_t)ch * d, d, 1);
        fprintf(f, "}");
    }
    fprintf(f, "],\"points\":[");
    for (size_t i = 0; i < npts; i++) {
        fprintf(f, "%s{\"lp\":%.17g,", i ? "," : "", lp[i]);
        put_vec(f, "q", pts + i * d, d, 0);
        put_vec(f, "grad", g + i * d, d, 1);
        fprintf(f, "}");
    }
    fprintf(f, "]}\n");
    if (fclose(f) != 0) {
        perror(out);
        return 1;
    }
    hs_pose_destroy(&ps);
    free(cam_start), free(cam_len), free(pt), free(y0), free(y1);
    free(q0), free(pts), free(g), free(lp), free(y);
    return 0;
}
