/*
 * Steps per second of the LLC estimators (src/numeric/llc_*.c) on one core:
 * VI on seed 001's quadratic (d = 10) and on the d = 45 ReLU MLP (n = 100,
 * batch 32, M = 8, r = 2), in f64 and f32, and SGLD on both.
 *   cc -O2 -Iinclude bench/llc_bench.c BUILD/libhs_numeric.a -lopenblas -llapack -lm -o llc_bench
 *   OPENBLAS_NUM_THREADS=1 ./llc_bench
 * The last line is the time of one 5000-step VI fit on the MLP (f64), best
 * of 5, with its ratio to the target of 0.5 s (seed 000's JAX fit ran on
 * another machine: not comparable).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hsweep/llc.h"
#include "bench_time.h"

static hs_llc_target *target(hs_llc_kind kind)
{
    hs_llc_target_config c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.n = 100;
    c.dim = 10;
    c.h_min = 1;
    c.h_max = 10;
    c.h_rank = 10;
    c.h_linear = 1;
    c.in_dim = 4;
    c.width = 4;
    c.depth = 2;
    c.noise = 0.1;
    c.data_seed = 1;
    c.fit_steps = 20000;
    c.fit_lr = 0.01;
    c.fit_tol = 1e-6;
    hs_llc_target *t;
    char msg[256];
    if (hs_llc_target_create(&c, 1, &t, msg, sizeof msg)) {
        fprintf(stderr, "%s\n", msg);
        exit(1);
    }
    return t;
}

/* Best-of-5 seconds for one VI fit of `steps` steps (64 eval draws included). */
static double vi_fit_time(const hs_llc_target *t, long steps, int f32)
{
    hs_llc_vi_config v = {.components = 8,
                          .rank = 2,
                          .ridge = 1e-5,
                          .max_norm = 10,
                          .dsqrt_min = 1e-4,
                          .dsqrt_max = 1e2,
                          .clip = 5,
                          .lr = 0.01,
                          .steps = steps,
                          .window = steps,
                          .elbo_tol = 0, /* no plateau stop */
                          .eval_samples = 64,
                          .batch = 32,
                          .nbeta = hs_llc_nbeta(100, 1.0),
                          .gamma = 1.0,
                          .use_f32 = f32,
                          .trace_every = 1};
    hs_llc_vi *vi;
    char msg[256];
    if (hs_llc_vi_create(t, &v, &vi, msg, sizeof msg))
        exit(1);
    double *tr = malloc(9 * (size_t)steps * sizeof *tr), draws[64], best = 1e30;
    hs_llc_vi_trace trace = {tr,
                             tr + steps,
                             tr + 2 * steps,
                             tr + 3 * steps,
                             tr + 4 * steps,
                             tr + 5 * steps,
                             tr + 6 * steps,
                             tr + 7 * steps,
                             tr + 8 * steps};
    for (int rep = 0; rep < 5; rep++) {
        hs_llc_vi_result r;
        double t0 = bench_wall_s();
        hs_llc_vi_run(vi, 1, (uint64_t)rep, &trace, draws, &r);
        double e = bench_wall_s() - t0;
        best = e < best ? e : best;
    }
    free(tr);
    hs_llc_vi_destroy(&vi);
    return best;
}

static double sgld_rate(const hs_llc_target *t, long steps)
{
    hs_llc_sgld_config c = {.epsilon = 1e-4,
                            .steps = steps,
                            .warmup = 0,
                            .eval_every = 10,
                            .batch = 32,
                            .nbeta = hs_llc_nbeta(100, 1.0),
                            .gamma = 1.0};
    double *draws = malloc(hs_llc_sgld_ndraws(&c) * sizeof *draws), best = 1e30;
    for (int rep = 0; rep < 3; rep++) {
        hs_llc_sgld_result r;
        double t0 = bench_wall_s();
        hs_llc_sgld_run(t, &c, 1, (uint64_t)rep, draws, &r);
        double e = bench_wall_s() - t0;
        best = e < best ? e : best;
    }
    free(draws);
    return (double)steps / best;
}

int main(void)
{
    const long steps = 5000;
    hs_llc_target *q = target(HS_LLC_QUADRATIC), *m = target(HS_LLC_MLP);
    double tq = vi_fit_time(q, steps, 0), tqf = vi_fit_time(q, steps, 1);
    double tmf = vi_fit_time(m, steps, 1), tm = vi_fit_time(m, steps, 0);
    printf("vi_quadratic_d10_f64: %.0f steps/s\n", steps / tq);
    printf("vi_quadratic_d10_f32: %.0f steps/s\n", steps / tqf);
    printf("vi_mlp_d45_f32: %.0f steps/s\n", steps / tmf);
    printf("vi_mlp_d45_f64: %.0f steps/s\n", steps / tm);
    printf("sgld_quadratic_d10: %.0f steps/s\n", sgld_rate(q, 200000));
    printf("sgld_mlp_d45: %.0f steps/s (batch 32, a full-batch draw every 10 steps)\n",
           sgld_rate(m, 50000));
    printf("vi_fit_mlp_d45: %.3f s per 5000-step fit (ratio %.3g vs target_0.5s)\n", tm, tm / 0.5);
    hs_llc_target_destroy(&q);
    hs_llc_target_destroy(&m);
    return 0;
}
