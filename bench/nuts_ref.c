/*
 * Reference models under NUTS on one core: log density + gradient
 * evaluations per second (bare, then inside the sampler), draws/s and
 * bulk ESS/s of the sampling phase, for eight schools (both
 * parameterisations) and std_normal d = 100.
 *   cc -std=c11 -O2 -Iinclude bench/nuts_ref.c BUILD/libhs_numeric.a -lm -o nuts_ref
 *   ./nuts_ref
 * Each line: `name: value unit (...)`; the parenthesis gives the sampler's
 * cost per leapfrog step relative to the bare gradient (1.0 = no overhead).
 * Settings: 4 chains x (1000 tune + 1000 draws), Stan's defaults, seed 1;
 * the run is repeated REPS times (same seed, same draws) and the fastest
 * sampling phase is reported, so a busy machine inflates the figures less.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "hsweep/diag.h"
#include "hsweep/models_ref.h"
#include "hsweep/nuts.h"
#include "bench_time.h"

#define REPS 7

/* Bare evaluations per second at a fixed point (best of REPS runs of >= 0.1 s). */
static double bare_rate(const hs_model *m)
{
    double *q = malloc(m->dim * sizeof *q), *g = malloc(m->dim * sizeof *g), sink = 0;
    for (size_t i = 0; i < m->dim; i++)
        q[i] = 0.1 * (double)(i % 7) - 0.3;
    double best = 0;
    for (int r = 0; r < REPS; r++) {
        long n = 0;
        const double t0 = bench_wall_s();
        double t = t0;
        while (t - t0 < 0.1) {
            for (int k = 0; k < 1000; k++) {
                q[0] += 1e-12;
                sink += m->logp_grad(m->self, q, g);
            }
            n += 1000;
            t = bench_wall_s();
        }
        best = fmax(best, (double)n / (t - t0));
    }
    if (sink == 42.0)
        puts("");
    free(q);
    free(g);
    return best;
}

static void bench(const char *name, hs_ref_kind kind, size_t dim)
{
    hs_ref_model rm;
    hs_model m;
    if (hs_ref_model_init(&rm, kind, dim, &m) != 0)
        return;
    const size_t chains = 4, tune = 1000, draws = 1000, d = m.dim;
    hs_nuts_config cfg;
    hs_nuts_config_default(&cfg);
    cfg.tune = tune;
    double *x = malloc(d * chains * draws * sizeof *x), *q0 = malloc(d * sizeof *q0);
    double best_s = INFINITY, sample_steps = 0;
    for (int rep = 0; rep < REPS; rep++) {
        double sample_s = 0;
        sample_steps = 0;
        for (size_t c = 0; c < chains; c++) {
            hs_rng rng;
            hs_rng_seed_stream(&rng, 1, c);
            for (size_t i = 0; i < d; i++)
                q0[i] = 4 * hs_rng_uniform(&rng) - 2;
            hs_nuts *s;
            if (hs_nuts_create(&m, &cfg, &s) != 0 || hs_nuts_start(s, q0, &rng) != 0) {
                fprintf(stderr, "%s: could not start a chain\n", name);
                exit(1);
            }
            hs_nuts_iter it;
            for (size_t t = 0; t < tune; t++)
                hs_nuts_transition(s, &rng, &it);
            const double t0 = bench_wall_s();
            for (size_t t = 0; t < draws; t++) {
                hs_nuts_transition(s, &rng, &it);
                sample_steps += it.n_leapfrog;
                const double *q = hs_nuts_position(s);
                for (size_t i = 0; i < d; i++)
                    x[i * chains * draws + c * draws + t] = q[i];
            }
            sample_s += bench_wall_s() - t0;
            hs_nuts_destroy(&s);
        }
        best_s = fmin(best_s, sample_s);
    }
    const double sample_s = best_s;
    double ess = INFINITY;
    for (size_t i = 0; i < d; i++)
        ess = fmin(ess, hs_diag_ess_bulk(x + i * chains * draws, draws, chains));
    const double bare = bare_rate(&m), in_sampler = sample_steps / sample_s;
    printf("%s_draws_per_s: %.0f draws/s (%zu chains x %zu draws in %.3f s)\n", name,
           (double)(chains * draws) / sample_s, chains, draws, sample_s);
    printf("%s_ess_bulk_per_s: %.0f 1/s (min bulk ESS %.0f)\n", name, ess / sample_s, ess);
    printf("%s_grad_per_s: %.3g grad/s (bare; inside NUTS %.3g grad/s, ratio %.2f)\n", name, bare,
           in_sampler, bare / in_sampler);
    free(x);
    free(q0);
}

int main(void)
{
    bench("eight_schools_noncentered", HS_REF_EIGHT_NONCENTERED, 0);
    bench("eight_schools_centered", HS_REF_EIGHT_CENTERED, 0);
    bench("std_normal_d100", HS_REF_STD_NORMAL, 100);
    return 0;
}
