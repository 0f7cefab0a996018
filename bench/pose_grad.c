/*
 * Gradient evaluations per second of the pose model (src/numeric/pose.c)
 * on one core: the quantity that bounds NUTS's draws/s for model = pose.
 *   cc -O2 -Iinclude bench/pose_grad.c BUILD/libhs_numeric.a -lm -o pose_grad
 *   ./pose_grad T [use_mixture use_hmm]
 * Prints `pose_grad_T<T>: <us> us/grad (ratio X vs seed)`.  The seed's
 * PyMC/PyTensor gradient time is not published; its runs took 1/1.34 s per
 * draw at T = 80 with ~89% of the trees at depth 10 (seed 002, groups 3 and
 * 8a), so ~1/1.34/1000 s per gradient at T = 80, taken here as linear in T
 * (its T = 200 figure, 1/0.45 s per draw, is 2.98x the T = 80 one for 2.5x
 * the frames): an estimate, marked "est." in the output.
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
    double seed_per_grad = 1.0 / 1.34 / 1000.0 * T / 80.0;
    printf("# T=%d dim=%zu mixture=%d hmm=%d (sink %g)\n", T, L.dim, mix, hmm, sink);
    printf("pose_grad_T%d: %.1f us/grad (ratio %.1f vs seed, est.)\n", T, best * 1e6,
           seed_per_grad / best);
    hs_pose_destroy(&ps);
    free(q);
    free(g);
    free(y);
    return 0;
}
