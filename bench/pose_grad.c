/*
 * Gradient evaluations per second of the pose model (src/numeric/pose.c)
 * on one core: the quantity that bounds NUTS's draws/s for model = pose.
 *   cc -O2 -Iinclude bench/pose_grad.c BUILD/libhs_numeric.a -lm -o pose_grad
 *   ./pose_grad T [use_mixture use_hmm]
 * Prints `pose_grad_T<T>: <us> us/grad`.  Against Stan's gradient at the
 * same points: bench/stan_vs_hsweep.sh.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hsweep/pose.h"
#include "bench_pose.h"
#include "bench_time.h"

int main(int argc, char **argv)
{
    int T = argc > 1 ? atoi(argv[1]) : 1800;
    int mix = argc > 2 ? atoi(argv[2]) : 1, hmm = argc > 3 ? atoi(argv[3]) : 1;
    int parents[4];
    double nominal[3], P[36];
    hs_pose_config cfg;
    double *y = bench_pose_setup(T, parents, nominal, P, &cfg);
    if (!y)
        return 1;
    cfg.use_mixture = mix;
    cfg.use_hmm = hmm;
    hs_pose *ps;
    char msg[256];
    if (hs_pose_create(&cfg, &ps, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        return 1;
    }
    hs_pose_layout L = hs_pose_get_layout(ps);
    double *q = malloc(L.dim * sizeof *q), *g = malloc(L.dim * sizeof *g);
    hs_rng rng;
    hs_rng_seed(&rng, 1);
    hs_pose_init_triangulated(ps, &rng, 2.0, q);
    double sink = 0.0, best = 1e30;
    int n = T >= 1000 ? 200 : 2000;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = bench_cpu_s();
        for (int i = 0; i < n; i++)
            sink += hs_pose_logp_grad(ps, q, g);
        double dt = (bench_cpu_s() - t0) / n;
        best = dt < best ? dt : best;
    }
    printf("# T=%d dim=%zu mixture=%d hmm=%d (sink %g)\n", T, L.dim, mix, hmm, sink);
    printf("pose_grad_T%d: %.1f us/grad\n", T, best * 1e6);
    hs_pose_destroy(&ps);
    free(q);
    free(g);
    free(y);
    return 0;
}
