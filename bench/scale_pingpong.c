/* One-way message latency between ranks 0 and 1 (half the round trip of a
 * small MPI_Send/MPI_Recv ping-pong), the message latency of
 * bench/scale_sim.py: scale_pingpong [ROUNDS] under mpiexec -n 2 prints
 * "lat_s SECONDS" (the median of 11 repeats). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int rounds = argc > 1 ? atoi(argv[1]) : 2000;
    if (size != 2 || rounds < 1) {
        if (rank == 0)
            fprintf(stderr, "scale_pingpong: run on 2 ranks, ROUNDS >= 1\n");
        MPI_Finalize();
        return 2;
    }
    long long msg[8] = {0};
    double t[11];
    for (int r = 0; r < 11; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (int i = 0; i < rounds; i++) {
            if (rank == 0) {
                MPI_Send(msg, 8, MPI_LONG_LONG, 1, 1, MPI_COMM_WORLD);
                MPI_Recv(msg, 8, MPI_LONG_LONG, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else {
                MPI_Recv(msg, 8, MPI_LONG_LONG, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(msg, 8, MPI_LONG_LONG, 0, 1, MPI_COMM_WORLD);
            }
        }
        t[r] = (MPI_Wtime() - t0) / rounds / 2;
    }
    qsort(t, 11, sizeof *t, cmp);
    if (rank == 0)
        printf("lat_s %.9g\n", t[5]);
    MPI_Finalize();
    return 0;
}
