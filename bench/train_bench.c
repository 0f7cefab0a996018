/*
 * Updates per second of kernel `train`'s flow_ssc training loop (shuffle,
 * EMA statistics, forward, backprop, clipping, Adam) at one batch size, on
 * the NHEFS-like table with the seed's default model.  Usage:
 *   train_bench BATCH f32|f64 MIN_SECONDS
 * Prints "updates_per_s <value>".  Run through train_bench.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hsweep/flowssc.h"
#include "bench_time.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s BATCH f32|f64 MIN_SECONDS\n", argv[0]);
        return 2;
    }
    size_t B = (size_t)atol(argv[1]);
    double min_s = atof(argv[3]);
    hs_flowssc_data d;
    char err[256];
    if (hs_flowssc_data_nhefs_like(&d, 42, 0, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    hs_flowssc_config c;
    hs_flowssc_config_default(&c);
    c.f32 = strcmp(argv[2], "f32") == 0;
    c.batch_size = B;
    /* whole batches only, and a validation set of a few rows so that the
     * per-epoch evaluation costs < 1% of the epoch */
    c.n_train = (HS_NHEFS_N - 6) / B * B;
    double spent = 0;
    long updates = 0;
    for (c.epochs = 1; spent < min_s; c.epochs *= 2) {
        hs_flowssc_result r;
        double t0 = bench_cpu_s();
        if (hs_flowssc_train(&c, &d, NULL, &r, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return 1;
        }
        spent = bench_cpu_s() - t0;
        updates = r.updates;
    }
    printf("updates_per_s %.6g\n", (double)updates / spent);
    hs_flowssc_data_free(&d);
    return 0;
}
