/*
 * Test kernel `gang`: exercises multi-rank tasks.  Every gang member adds
 * its share of x over the gang communicator; the leader's outputs are
 * written.  Its only MPI use is the communicator it is handed.
 */
#include <mpi.h>

#include "hsweep/kernel.h"

static const hs_param_spec params[] = {
    {"x", HS_T_REAL, "1", -1e300, 1e300, NULL, "", "value split over the gang and summed back"},
};

static const hs_metric_spec metrics[] = {
    {"x_sum", "", "sum over gang members of x / gang_size (= x for gangs of 2^k ranks)"},
    {"members", "ranks", "number of ranks that ran the task"},
};

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    double share = hs_param_real(p, "x") / (double)ctx->gang_size, sum = share;
    int members = 1;
    if (ctx->comm) {
        MPI_Comm comm = *(MPI_Comm *)ctx->comm;
        int one = 1;
        if (MPI_Allreduce(&share, &sum, 1, MPI_DOUBLE, MPI_SUM, comm) != MPI_SUCCESS ||
            MPI_Allreduce(&one, &members, 1, MPI_INT, MPI_SUM, comm) != MPI_SUCCESS) {
            hs_out_status(out, HS_ST_FAILED, "MPI_Allreduce on the gang failed");
            return -1;
        }
    }
    hs_out_set(out, "x_sum", sum);
    hs_out_set(out, "members", members);
    return 0;
}

const hs_kernel hs_kernel_gang = {
    .abi = HS_KERNEL_ABI,
    .name = "gang",
    .summary = "test kernel: a task that runs on a gang of ranks",
    .doc = "A runner test kernel (not numeric) for ranks_per_task > 1.",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .run = run,
    .is_test = 1,
    .gang = 1,
};
