/*
 * Complex Hermitian eigendecomposition and its backward pass.
 *
 * Solvers: LAPACK zheevd/cheevd on one rank, ScaLAPACK pzheevd/pcheevd on a
 * BLACS grid over a given MPI communicator.  Matrices are n x n,
 * column-major, double complex; `prec` selects the precision the solver
 * works in (f32 rounds the input to float complex and promotes the results
 * back to double).  Eigenvalues come out ascending, eigenvectors in columns.
 *
 * Backward: for a real loss L(Lambda, V) of A = V diag(Lambda) V^H, with
 * gradients in the convention G = dL/dRe + i dL/dIm (PyTorch's for real
 * losses), dL = Re tr(G^H dA) and
 *     Abar = herm( V (diag(Lambdabar) + F o (V^H Vbar)) V^H ),
 *     F_ij = 1/(lambda_j - lambda_i) (i != j), F_ii = 0,
 * (Giles 2008, "An extended collection of matrix derivative results",
 * sec. 3.1; PyTorch linalg_eigh_backward), where herm(X) = (X + X^H)/2.
 * Exact ties give F = inf and inf * 0 = NaN (REFERENCES.md, seed 004); the
 * remedies replace F by a bounded function of the gap.
 */
#ifndef HSWEEP_EIG_H
#define HSWEEP_EIG_H

#include <complex.h>

#include "hsweep/numeric/status.h"

typedef enum hs_eig_prec { HS_EIG_F64 = 0, HS_EIG_F32 = 1 } hs_eig_prec;

/* Quality of a computed decomposition, all in double precision. */
typedef struct hs_eig_quality {
    double residual;      /* ||A V - V diag(w)||_F / ||A||_F */
    double orthogonality; /* ||V^H V - I||_F */
    double solve_s;       /* wall seconds inside the solver call alone */
} hs_eig_quality;

/*
 * Eigendecomposition of the Hermitian matrix a (lower triangle read) with
 * zheevd (f64) or cheevd (f32).  Fills w[n] ascending and v (n x n).  If q
 * is not NULL, also fills q (two extra n^3 products).  Returns 0,
 * HS_NUM_ENOMEM, HS_NUM_EINPUT (LAPACK info < 0) or HS_NUM_ENOCONV; a is unchanged.
 */
int hs_eig_herm(int n, const double complex *a, hs_eig_prec prec, double *w, double complex *v,
                hs_eig_quality *q);

/*
 * The same with ScaLAPACK pzheevd/pcheevd, collective over the MPI
 * communicator *comm (an MPI_Comm *): every rank of it must call, with the
 * same n, prec and (q != NULL).  a, w, v and q are significant on comm rank
 * 0 only (others may pass NULL).  Rank 0 announces a NULL a (it failed
 * upstream) and every rank then returns HS_NUM_EINPUT without solving.
 *
 * Grid: nprow x npcol with nprow the largest divisor of P <= sqrt(P) (as
 * square as P allows, row-major), block size NB = min(64, ceil(n / npcol))
 * (64 is inside the 32-64 range the ScaLAPACK users' guide recommends for
 * level-3 kernels; the cap keeps every process column busy for small n).
 * The matrix is redistributed from rank 0 with Cpzgemr2d, the eigenvectors
 * gathered back the same way; q's residual and orthogonality are computed
 * distributed with pzgemm before the gather.  Returns 0 or a negative code,
 * the same on every rank.
 */
int hs_eig_herm_dist(void *comm, int n, const double complex *a, hs_eig_prec prec, double *w,
                     double complex *v, hs_eig_quality *q);

/* Summary of a spectrum w[n] (ascending) as computed in precision prec. */
typedef struct hs_eig_stats {
    int num_rank;   /* #{|w_i| > tol}, tol = n * eps(prec) * max|w| (NumPy matrix_rank) */
    double cond;    /* max|w| / min|w| (inf when min|w| = 0) */
    double gap_min; /* min_i (w_{i+1} - w_i) */
    double gap_sn;  /* w_{n-k} - w_{n-k-1}: between the top k and the rest (k < n) */
} hs_eig_stats;

/* Fill s from w[n] ascending; k is the size of the top ("signal") block. */
void hs_eig_stats_of(int n, const double *w, int k, hs_eig_prec prec, hs_eig_stats *s);

typedef enum hs_eig_bw_mode {
    HS_EIG_BW_NAIVE = 0,      /* F = 1/gap: the textbook formula */
    HS_EIG_BW_MASKED = 1,     /* F = 0 where |gap| <= min_gap, else 1/gap */
    HS_EIG_BW_LORENTZIAN = 2, /* F = gap/(gap^2 + broaden) */
    HS_EIG_BW_CLAMPED = 3     /* F = sign(gap)/max(|gap|, min_gap) */
} hs_eig_bw_mode;

/*
 * How F is formed; min_gap and broaden are absolute (eigenvalue units).
 * prec is the working precision of the backward: f64 (default), or f32 as a
 * float32 framework would run it (w, V and the gradients rounded to float,
 * gaps, F and the products by cgemm in float; results promoted back).
 */
typedef struct hs_eig_bw {
    hs_eig_bw_mode mode;
    double min_gap;
    double broaden;
    hs_eig_prec prec;
} hs_eig_bw;

/* F_ij for gap = lambda_j - lambda_i (i != j) under bw; IEEE semantics (1/0 = inf). */
double hs_eig_bw_f(const hs_eig_bw *bw, double gap);

/*
 * Abar (n x n, Hermitian) from the eigen-decomposition (w, v) and the loss
 * gradients wbar[n] and, for the m columns listed in cols[] (ascending
 * eigenvalue index), vbar (n x m); every other column of Vbar is zero.
 * The result is the textbook product: when every F_ij with j outside the
 * active columns (cols plus {j : wbar_j != 0}) is finite, the zero columns
 * are skipped exactly (cost O(n^2 m)); otherwise the full n x n product is
 * formed so that inf * 0 = NaN propagates as in any framework.  *f_max (if
 * not NULL) gets max_{i != j} |F_ij|.  Returns 0 or HS_NUM_ENOMEM.
 */
int hs_eig_backward(int n, const double *w, const double complex *v, const double *wbar, int m,
                    const int *cols, const double complex *vbar, const hs_eig_bw *bw,
                    double complex *abar, double *f_max);

#endif
