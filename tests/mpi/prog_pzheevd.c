/*
 * ScaLAPACK pzheevd on a gang equals LAPACK zheevd (issue 6).  Run under
 * mpiexec -n 3: rank 0 stands aside as a coordinator would, ranks 1-2 form
 * a 2-rank gang (MPI_Comm_split) and solve the same N = 256 matrix
 * A = Q diag(lambda) Q^H, lambda_i = (i + 1)/N, Q a product of Householder
 * reflectors, distributed and on the gang leader alone.
 * Exit status 0 when every check passes on every rank.
 */
#include <complex.h>
#include <float.h>
#include <mpi.h>
#include <stdlib.h>

#include "check.h"
#include "hsweep/eig.h"
#include "hsweep/error.h"
#include "hsweep/rng.h"

enum { N = 256 };

static void build_matrix(double complex *a)
{
    static double complex q[N * N];
    hs_rng r;
    hs_rng_seed(&r, 42);
    for (int i = 0; i < N * N; i++)
        q[i] = (i % (N + 1) == 0);
    for (int rep = 0; rep < 3; rep++) {
        double complex u[N];
        double uu = 0;
        for (int i = 0; i < N; i++)
            u[i] = hs_rng_normal(&r) + I * hs_rng_normal(&r), uu += creal(u[i] * conj(u[i]));
        for (int j = 0; j < N; j++) { /* q <- (I - 2 u u^H / u^H u) q */
            double complex c = 0;
            for (int i = 0; i < N; i++)
                c += conj(u[i]) * q[j * N + i];
            for (int i = 0; i < N; i++)
                q[j * N + i] -= 2.0 * u[i] * c / uu;
        }
    }
    for (int j = 0; j < N; j++)
        for (int i = j; i < N; i++) {
            double complex s = 0;
            for (int p = 0; p < N; p++)
                s += q[p * N + i] * ((p + 1.0) / N) * conj(q[p * N + j]);
            a[j * N + i] = s, a[i * N + j] = conj(s);
        }
    for (int i = 0; i < N; i++)
        a[i * N + i] = creal(a[i * N + i]);
}

/* Compare the gang's solve with the leader's serial one in precision prec. */
static void compare(MPI_Comm *gang, int grank, const double complex *a, hs_eig_prec prec,
                    double tol)
{
    static double complex vd[N * N], vs[N * N];
    double wd[N], ws[N];
    hs_eig_quality qd;
    int rc = hs_eig_herm_dist(gang, N, grank == 0 ? a : NULL, prec, wd, vd, &qd);
    CHECK_EQ_INT(rc, 0);
    if (grank != 0 || rc != 0)
        return;
    REQUIRE(hs_eig_herm(N, a, prec, ws, vs, NULL) == 0);
    double werr = 0, verr = 0;
    for (int j = 0; j < N; j++) {
        werr = fmax(werr, fabs(wd[j] - ws[j]));
        double complex c = 0;
        for (int i = 0; i < N; i++)
            c += conj(vd[j * N + i]) * vs[j * N + i];
        verr = fmax(verr, fabs(1.0 - cabs(c))); /* same eigenvector up to phase */
    }
    /* tol relative to ||A||_2 = 1: both solvers are backward stable, so eigenvalues differ by
     * O(N eps) and eigenvectors of gap-1/N eigenvalues by O(N^2 eps) */
    CHECK(werr <= tol);
    CHECK(verr <= tol);
    double e = prec == HS_EIG_F32 ? FLT_EPSILON : DBL_EPSILON;
    CHECK(qd.residual <= 1e4 * e * N); /* 1e-12 N in f64 */
    CHECK(qd.orthogonality <= 1e4 * e * N);
    fprintf(stderr, "prec %d: |dw| %.3g, 1-|<vd,vs>| %.3g, residual %.3g, orth %.3g, %.4f s\n",
            (int)prec, werr, verr, qd.residual, qd.orthogonality, qd.solve_s);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    REQUIRE(size == 3);
    MPI_Comm gang = MPI_COMM_NULL;
    MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? MPI_UNDEFINED : 1, rank, &gang);
    if (rank != 0) {
        int grank;
        MPI_Comm_rank(gang, &grank);
        static double complex a[N * N];
        if (grank == 0)
            build_matrix(a);
        compare(&gang, grank, a, HS_EIG_F64, 1e-10);
        compare(&gang, grank, a, HS_EIG_F32, 1e-4); /* ~N eps_f32 */
        /* a leader without a matrix releases the gang: HS_EINPUT everywhere, no solve */
        CHECK_EQ_INT(hs_eig_herm_dist(&gang, N, NULL, HS_EIG_F64, NULL, NULL, NULL), HS_EINPUT);
        /* the gang is reusable afterwards (BLACS handles freed), also without quality */
        static double complex v[N * N];
        double w[N];
        CHECK_EQ_INT(hs_eig_herm_dist(&gang, N, grank == 0 ? a : NULL, HS_EIG_F64, w, v, NULL), 0);
        if (grank == 0)
            CHECK_NEAR(w[N - 1], 1.0, 1e-12);
        MPI_Comm_free(&gang);
    }
    int fails = check_failures_, all = 0;
    MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0)
        fprintf(stderr, "pzheevd: %d failed checks over all ranks\n", all);
    MPI_Finalize();
    return all ? 1 : 0;
}
