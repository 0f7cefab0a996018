/*
 * zheevd vs pzheevd (issue 6): for each N on the command line, rank 0 builds
 * a random Hermitian matrix; all ranks of MPI_COMM_WORLD run
 * hs_eig_herm_dist (pzheevd on a BLACS grid as square as P allows); with
 * P = 1 rank 0 also runs hs_eig_herm (zheevd).  Rank 0 then times OpenBLAS
 * zgemm on N x N x N, the practical ceiling.  One line per N:
 *   N P t_zheevd t_zheevd_call t_pzheevd t_pzheevd_call gf_zheevd gf_pzheevd gf_zgemm
 * (times in s, -1 when not run; t_* the solver call alone, t_*_call the
 * whole hs_eig_herm[_dist] call: for pzheevd also grid setup, scatter from
 * rank 0 and gather back; both include the residual/orthogonality products).  GFLOP/s use the nominal count
 * (16/3 + 8) N^3 of a complex Hermitian solve with vectors (zhetrd + zunmtr;
 * the tridiagonal divide and conquer is left out), and 8 N^3 for zgemm.
 * Run with OPENBLAS_NUM_THREADS=1 (bench/eig_bench.sh does).
 */
#include <complex.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cblas.h>

#include "hsweep/eig.h"
#include "hsweep/rng.h"
#include "bench_time.h"

void openblas_set_num_threads(int);

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    openblas_set_num_threads(1);
    int rank, size;
    MPI_Comm comm = MPI_COMM_WORLD;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    if (rank == 0)
        printf("# N P t_zheevd t_zheevd_call t_pzheevd t_pzheevd_call gf_zheevd gf_pzheevd "
               "gf_zgemm\n");
    for (int ai = 1; ai < argc; ai++) {
        int n = atoi(argv[ai]);
        size_t nn = (size_t)n * (size_t)n;
        double complex *a = NULL, *v = NULL, *c = NULL;
        double *w = NULL;
        if (rank == 0) {
            a = malloc(sizeof *a * nn), v = malloc(sizeof *v * nn), c = malloc(sizeof *c * nn);
            w = malloc(sizeof *w * (size_t)n);
            if (!a || !v || !c || !w) {
                fprintf(stderr, "out of memory at N = %d\n", n);
                MPI_Abort(comm, 1);
            }
            hs_rng r;
            hs_rng_seed(&r, (uint64_t)n);
            for (int j = 0; j < n; j++)
                for (int i = j; i < n; i++) {
                    double complex x = hs_rng_normal(&r) + (i == j ? 0 : I * hs_rng_normal(&r));
                    a[(size_t)j * n + i] = x, a[(size_t)i * n + j] = conj(x);
                }
        }
        double flops = (16.0 / 3.0 + 8.0) * (double)n * n * n;
        double t_ser = -1, t_call, gf_gemm = -1;
        hs_eig_quality q = {0};
        double t_ser_call = -1;
        if (size == 1) {
            hs_eig_quality qs = {0};
            double t = bench_wall_s();
            if (hs_eig_herm(n, a, HS_EIG_F64, w, v, &qs) != 0)
                fprintf(stderr, "zheevd failed at N = %d\n", n);
            t_ser_call = bench_wall_s() - t; /* includes the quality (2 zgemm) */
            t_ser = qs.solve_s;
        }
        MPI_Barrier(comm);
        double t0 = bench_wall_s();
        int rc = hs_eig_herm_dist(&comm, n, a, HS_EIG_F64, w, v, &q);
        t_call = bench_wall_s() - t0; /* includes grid setup, scatter, quality (2 pzgemm), gather */
        if (rc != 0 && rank == 0)
            fprintf(stderr, "pzheevd failed at N = %d (%d)\n", n, rc);
        if (rank == 0) {
            const double complex one = 1.0, zero = 0.0;
            t0 = bench_wall_s();
            cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, &one, a, n, v, n, &zero,
                        c, n);
            gf_gemm = 8.0 * n * (double)n * n / (bench_wall_s() - t0) / 1e9;
            printf("%d %d %.4f %.4f %.4f %.4f %.3f %.3f %.3f\n", n, size, t_ser, t_ser_call,
                   q.solve_s, t_call, t_ser > 0 ? flops / t_ser / 1e9 : -1.0,
                   flops / q.solve_s / 1e9, gf_gemm);
            fflush(stdout);
        }
        free(a), free(v), free(c), free(w);
    }
    MPI_Finalize();
    return 0;
}
