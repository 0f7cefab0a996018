/*
 * Hermitian eigensolvers (LAPACK, ScaLAPACK) and the eigendecomposition
 * backward formula.  See include/hsweep/eig.h for the conventions.
 */
#include "hsweep/eig.h"

#include <float.h>
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>

#include "hsweep/numeric/status.h"

typedef float complex fcomplex;

/* LAPACK (Fortran ABI, gfortran hidden string lengths last). */
void zheevd_(const char *jobz, const char *uplo, const int *n, double complex *a, const int *lda,
             double *w, double complex *work, const int *lwork, double *rwork, const int *lrwork,
             int *iwork, const int *liwork, int *info, size_t ljobz, size_t luplo);
void cheevd_(const char *jobz, const char *uplo, const int *n, fcomplex *a, const int *lda,
             float *w, fcomplex *work, const int *lwork, float *rwork, const int *lrwork,
             int *iwork, const int *liwork, int *info, size_t ljobz, size_t luplo);

/* BLACS (C interface) and ScaLAPACK (Fortran ABI). */
void Cblacs_pinfo(int *mypnum, int *nprocs);
int Csys2blacs_handle(MPI_Comm comm);
void Cfree_blacs_system_handle(int handle);
void Cblacs_gridinit(int *ictxt, const char *order, int nprow, int npcol);
void Cblacs_gridinfo(int ictxt, int *nprow, int *npcol, int *myrow, int *mycol);
void Cblacs_gridexit(int ictxt);
int numroc_(const int *n, const int *nb, const int *iproc, const int *isrcproc, const int *nprocs);
void descinit_(int *desc, const int *m, const int *n, const int *mb, const int *nb,
               const int *irsrc, const int *icsrc, const int *ictxt, const int *lld, int *info);
void Cpzgemr2d(int m, int n, double complex *a, int ia, int ja, int *desca, double complex *b,
               int ib, int jb, int *descb, int gcontext);
void pzheevd_(const char *jobz, const char *uplo, const int *n, double complex *a, const int *ia,
              const int *ja, const int *desca, double *w, double complex *z, const int *iz,
              const int *jz, const int *descz, double complex *work, const int *lwork,
              double *rwork, const int *lrwork, int *iwork, const int *liwork, int *info,
              size_t ljobz, size_t luplo);
void pcheevd_(const char *jobz, const char *uplo, const int *n, fcomplex *a, const int *ia,
              const int *ja, const int *desca, float *w, fcomplex *z, const int *iz, const int *jz,
              const int *descz, fcomplex *work, const int *lwork, float *rwork, const int *lrwork,
              int *iwork, const int *liwork, int *info, size_t ljobz, size_t luplo);
void pzgemm_(const char *transa, const char *transb, const int *m, const int *n, const int *k,
             const double complex *alpha, const double complex *a, const int *ia, const int *ja,
             const int *desca, const double complex *b, const int *ib, const int *jb,
             const int *descb, const double complex *beta, double complex *c, const int *ic,
             const int *jc, const int *descc, size_t lta, size_t ltb);

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int info_code(int info) { return info < 0 ? HS_NUM_EINPUT : info > 0 ? HS_NUM_ENOCONV : 0; }

/* Serial solve in place: v holds a on entry, the eigenvectors on return. */
static int solve_serial(int n, hs_eig_prec prec, double *w, double complex *v, double *secs)
{
    int info = 0, lwork = -1, lrwork = -1, liwork = -1, iwq = 0;
    size_t nn = (size_t)n * (size_t)n;
    if (prec == HS_EIG_F64) {
        double complex wq;
        double rq;
        zheevd_("V", "L", &n, v, &n, w, &wq, &lwork, &rq, &lrwork, &iwq, &liwork, &info, 1, 1);
        if (info)
            return info_code(info);
        lwork = (int)creal(wq), lrwork = (int)rq, liwork = iwq;
        double complex *work = malloc(sizeof *work * (size_t)lwork);
        double *rwork = malloc(sizeof *rwork * (size_t)lrwork);
        int *iwork = malloc(sizeof *iwork * (size_t)liwork);
        if (work && rwork && iwork) {
            double t0 = now_s();
            zheevd_("V", "L", &n, v, &n, w, work, &lwork, rwork, &lrwork, iwork, &liwork, &info, 1,
                    1);
            *secs = now_s() - t0;
        }
        int rc = (work && rwork && iwork) ? info_code(info) : HS_NUM_ENOMEM;
        free(work), free(rwork), free(iwork);
        return rc;
    }
    fcomplex *af = malloc(sizeof *af * nn);
    float *wf = malloc(sizeof *wf * (size_t)n);
    fcomplex wq;
    float rq;
    int rc = HS_NUM_ENOMEM;
    if (af && wf) {
        for (size_t i = 0; i < nn; i++)
            af[i] = (fcomplex)v[i];
        cheevd_("V", "L", &n, af, &n, wf, &wq, &lwork, &rq, &lrwork, &iwq, &liwork, &info, 1, 1);
        rc = info_code(info);
    }
    if (rc == 0) {
        lwork = (int)crealf(wq), lrwork = (int)rq, liwork = iwq;
        fcomplex *work = malloc(sizeof *work * (size_t)lwork);
        float *rwork = malloc(sizeof *rwork * (size_t)lrwork);
        int *iwork = malloc(sizeof *iwork * (size_t)liwork);
        if (work && rwork && iwork) {
            double t0 = now_s();
            cheevd_("V", "L", &n, af, &n, wf, work, &lwork, rwork, &lrwork, iwork, &liwork, &info,
                    1, 1);
            *secs = now_s() - t0;
            rc = info_code(info);
        } else {
            rc = HS_NUM_ENOMEM;
        }
        free(work), free(rwork), free(iwork);
    }
    if (rc == 0) {
        for (size_t i = 0; i < nn; i++)
            v[i] = (double complex)af[i];
        for (int i = 0; i < n; i++)
            w[i] = (double)wf[i];
    }
    free(af), free(wf);
    return rc;
}

int hs_eig_herm(int n, const double complex *a, hs_eig_prec prec, double *w, double complex *v,
                hs_eig_quality *q)
{
    size_t nn = (size_t)n * (size_t)n;
    double secs = 0.0;
    memcpy(v, a, sizeof *v * nn);
    int rc = solve_serial(n, prec, w, v, &secs);
    if (rc)
        return rc;
    if (!q)
        return 0;
    q->solve_s = secs;
    double complex *r = malloc(sizeof *r * nn);
    if (!r)
        return HS_NUM_ENOMEM;
    const double complex one = 1.0, zero = 0.0, mone = -1.0;
    /* residual: A V - V diag(w) */
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++)
            r[(size_t)j * n + i] = v[(size_t)j * n + i] * w[j];
    cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, &one, a, n, v, n, &mone, r, n);
    double rn = 0.0, an = 0.0;
    for (size_t i = 0; i < nn; i++)
        rn += creal(r[i] * conj(r[i])), an += creal(a[i] * conj(a[i]));
    q->residual = an > 0 ? sqrt(rn / an) : sqrt(rn);
    /* orthogonality: V^H V - I */
    cblas_zgemm(CblasColMajor, CblasConjTrans, CblasNoTrans, n, n, n, &one, v, n, v, n, &zero, r,
                n);
    double on = 0.0;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            double complex d = r[(size_t)j * n + i] - (i == j ? 1.0 : 0.0);
            on += creal(d * conj(d));
        }
    q->orthogonality = sqrt(on);
    free(r);
    return 0;
}

/* ---- ScaLAPACK ---------------------------------------------------------- */

/* Global index of local index l along a dimension cut in blocks of nb over np processes. */
static int global_index(int l, int nb, int p, int np) { return (l / nb * np + p) * nb + l % nb; }

typedef struct dist {
    int sys, ctxt, ctxt_root, nprow, npcol, myrow, mycol, nb, mloc, nloc, lld;
    int desc[9], desc_root[9];
} dist;

static void grid_shape(int p, int *nprow, int *npcol)
{
    int r = 1;
    for (int d = 1; d * d <= p; d++)
        if (p % d == 0)
            r = d;
    *nprow = r, *npcol = p / r;
}

static int dist_open(MPI_Comm comm, int n, dist *d)
{
    int me, np, size, rank, info = 0, zero = 0;
    MPI_Comm_size(comm, &size);
    MPI_Comm_rank(comm, &rank);
    Cblacs_pinfo(&me, &np);
    grid_shape(size, &d->nprow, &d->npcol);
    d->sys = Csys2blacs_handle(comm);
    d->ctxt = d->sys;
    Cblacs_gridinit(&d->ctxt, "Row", d->nprow, d->npcol);
    d->ctxt_root = d->sys;
    Cblacs_gridinit(&d->ctxt_root, "Row", 1, 1); /* process 0 of comm alone */
    Cblacs_gridinfo(d->ctxt, &d->nprow, &d->npcol, &d->myrow, &d->mycol);
    d->nb = (n + d->npcol - 1) / d->npcol;
    if (d->nb > 64)
        d->nb = 64;
    d->mloc = numroc_(&n, &d->nb, &d->myrow, &zero, &d->nprow);
    d->nloc = numroc_(&n, &d->nb, &d->mycol, &zero, &d->npcol);
    d->lld = d->mloc > 1 ? d->mloc : 1;
    descinit_(d->desc, &n, &n, &d->nb, &d->nb, &zero, &zero, &d->ctxt, &d->lld, &info);
    if (info)
        return HS_NUM_EINPUT;
    if (rank == 0) {
        int lr = n > 1 ? n : 1;
        descinit_(d->desc_root, &n, &n, &d->nb, &d->nb, &zero, &zero, &d->ctxt_root, &lr, &info);
        if (info)
            return HS_NUM_EINPUT;
    } else {
        memset(d->desc_root, 0, sizeof d->desc_root);
        d->desc_root[1] = -1; /* not in the root context: Cpzgemr2d's convention */
    }
    return 0;
}

static void dist_close(dist *d, int rank)
{
    Cblacs_gridexit(d->ctxt);
    if (rank == 0)
        Cblacs_gridexit(d->ctxt_root);
    Cfree_blacs_system_handle(d->sys);
}

/* Nonzero when ok is nonzero on every rank of comm (so that no rank enters a collective alone). */
static int all_ok(MPI_Comm comm, int ok)
{
    int all = 0;
    return MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, comm) == MPI_SUCCESS && all;
}

/* Distributed pzheevd/pcheevd: al (local A, destroyed) -> w, zl (local Z); collective. */
static int solve_dist(const dist *d, MPI_Comm comm, int n, hs_eig_prec prec, double complex *al,
                      double *w, double complex *zl, double *secs)
{
    int one = 1, info = 0, lwork = -1, lrwork = -1, liwork = -1, iwq = 0;
    size_t nl = (size_t)d->lld * (size_t)(d->nloc > 0 ? d->nloc : 1);
    if (prec == HS_EIG_F64) {
        double complex wq;
        double rq;
        pzheevd_("V", "L", &n, al, &one, &one, d->desc, w, zl, &one, &one, d->desc, &wq, &lwork,
                 &rq, &lrwork, &iwq, &liwork, &info, 1, 1);
        if (info)
            return info_code(info);
        /* Some ScaLAPACK releases under-report LRWORK for rectangular grids: pad it. */
        lwork = (int)creal(wq), lrwork = 2 * (int)rq + 4 * n, liwork = iwq;
        double complex *work = malloc(sizeof *work * (size_t)lwork);
        double *rwork = malloc(sizeof *rwork * (size_t)lrwork);
        int *iwork = malloc(sizeof *iwork * (size_t)liwork);
        int rc = HS_NUM_ENOMEM;
        if (all_ok(comm, work && rwork && iwork)) {
            double t0 = now_s();
            pzheevd_("V", "L", &n, al, &one, &one, d->desc, w, zl, &one, &one, d->desc, work,
                     &lwork, rwork, &lrwork, iwork, &liwork, &info, 1, 1);
            *secs = now_s() - t0;
            rc = info_code(info);
        }
        free(work), free(rwork), free(iwork);
        return rc;
    }
    fcomplex *af = malloc(sizeof *af * nl), *zf = malloc(sizeof *zf * nl);
    float *wf = malloc(sizeof *wf * (size_t)n);
    int rc = HS_NUM_ENOMEM;
    if (all_ok(comm, af && zf && wf)) {
        for (size_t i = 0; i < nl; i++)
            af[i] = (fcomplex)al[i];
        fcomplex wq;
        float rq;
        pcheevd_("V", "L", &n, af, &one, &one, d->desc, wf, zf, &one, &one, d->desc, &wq, &lwork,
                 &rq, &lrwork, &iwq, &liwork, &info, 1, 1);
        rc = info_code(info);
        if (rc == 0) {
            lwork = (int)crealf(wq), lrwork = 2 * (int)rq + 4 * n, liwork = iwq;
            fcomplex *work = malloc(sizeof *work * (size_t)lwork);
            float *rwork = malloc(sizeof *rwork * (size_t)lrwork);
            int *iwork = malloc(sizeof *iwork * (size_t)liwork);
            rc = HS_NUM_ENOMEM;
            if (all_ok(comm, work && rwork && iwork)) {
                double t0 = now_s();
                pcheevd_("V", "L", &n, af, &one, &one, d->desc, wf, zf, &one, &one, d->desc, work,
                         &lwork, rwork, &lrwork, iwork, &liwork, &info, 1, 1);
                *secs = now_s() - t0;
                rc = info_code(info);
            }
            free(work), free(rwork), free(iwork);
        }
    }
    if (rc == 0) {
        for (size_t i = 0; i < nl; i++)
            zl[i] = (double complex)zf[i];
        for (int i = 0; i < n; i++)
            w[i] = (double)wf[i];
    }
    free(af), free(zf), free(wf);
    return rc;
}

/* Sum of |x|^2 over the local part of a distributed matrix, minus shift on the diagonal. */
static double local_sumsq(const dist *d, const double complex *xl, double diag_shift)
{
    double s = 0.0;
    for (int lj = 0; lj < d->nloc; lj++) {
        int gj = global_index(lj, d->nb, d->mycol, d->npcol);
        for (int li = 0; li < d->mloc; li++) {
            int gi = global_index(li, d->nb, d->myrow, d->nprow);
            double complex x = xl[(size_t)lj * d->lld + li] - (gi == gj ? diag_shift : 0.0);
            s += creal(x * conj(x));
        }
    }
    return s;
}

/* Residual and orthogonality of the distributed (A, w, Z); collective. */
static int quality_dist(const dist *d, MPI_Comm comm, int n, const double complex *al,
                        const double *w, const double complex *zl, hs_eig_quality *q)
{
    size_t nl = (size_t)d->lld * (size_t)(d->nloc > 0 ? d->nloc : 1);
    double complex *rl = malloc(sizeof *rl * nl);
    if (!all_ok(comm, rl != NULL)) {
        free(rl);
        return HS_NUM_ENOMEM;
    }
    const double complex one = 1.0, mone = -1.0, zero = 0.0;
    const int i1 = 1;
    for (int lj = 0; lj < d->nloc; lj++) {
        double lam = w[global_index(lj, d->nb, d->mycol, d->npcol)];
        for (int li = 0; li < d->mloc; li++)
            rl[(size_t)lj * d->lld + li] = zl[(size_t)lj * d->lld + li] * lam;
    }
    pzgemm_("N", "N", &n, &n, &n, &one, al, &i1, &i1, d->desc, zl, &i1, &i1, d->desc, &mone, rl,
            &i1, &i1, d->desc, 1, 1);
    double s[3] = {local_sumsq(d, rl, 0.0), local_sumsq(d, al, 0.0), 0.0};
    pzgemm_("C", "N", &n, &n, &n, &one, zl, &i1, &i1, d->desc, zl, &i1, &i1, d->desc, &zero, rl,
            &i1, &i1, d->desc, 1, 1);
    s[2] = local_sumsq(d, rl, 1.0);
    free(rl);
    double t[3];
    if (MPI_Allreduce(s, t, 3, MPI_DOUBLE, MPI_SUM, comm) != MPI_SUCCESS)
        return HS_NUM_EMPI;
    q->residual = t[1] > 0 ? sqrt(t[0] / t[1]) : sqrt(t[0]);
    q->orthogonality = sqrt(t[2]);
    return 0;
}

int hs_eig_herm_dist(void *comm_ptr, int n, const double complex *a, hs_eig_prec prec, double *w,
                     double complex *v, hs_eig_quality *q)
{
    MPI_Comm comm = *(MPI_Comm *)comm_ptr;
    int rank;
    if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS)
        return HS_NUM_EMPI;
    /* Header from rank 0: go/no-go and whether the quality is wanted. */
    int hdr[2] = {rank == 0 && a != NULL && w != NULL && v != NULL, q != NULL};
    if (MPI_Bcast(hdr, 2, MPI_INT, 0, comm) != MPI_SUCCESS)
        return HS_NUM_EMPI;
    if (!hdr[0])
        return HS_NUM_EINPUT;
    dist d;
    int rc = dist_open(comm, n, &d);
    size_t nl = (size_t)d.lld * (size_t)(d.nloc > 0 ? d.nloc : 1);
    double complex *al = NULL, *zl = NULL, *acopy = NULL;
    double *wl = malloc(sizeof *wl * (size_t)n);
    al = malloc(sizeof *al * nl), zl = malloc(sizeof *zl * nl);
    acopy = hdr[1] ? malloc(sizeof *acopy * nl) : NULL;
    if (!all_ok(comm, rc == 0 && wl && al && zl && (!hdr[1] || acopy)))
        rc = rc ? rc : HS_NUM_ENOMEM;
    double secs = 0.0;
    if (rc == 0) {
        Cpzgemr2d(n, n, (double complex *)a, 1, 1, d.desc_root, al, 1, 1, d.desc, d.ctxt);
        if (acopy)
            memcpy(acopy, al, sizeof *al * nl);
        int lrc = solve_dist(&d, comm, n, prec, al, wl, zl, &secs), grc = 0;
        MPI_Allreduce(&lrc, &grc, 1, MPI_INT, MPI_MIN, comm);
        rc = grc;
    }
    hs_eig_quality lq = {0};
    if (rc == 0 && hdr[1])
        rc = quality_dist(&d, comm, n, acopy, wl, zl, &lq);
    if (rc == 0) {
        Cpzgemr2d(n, n, zl, 1, 1, d.desc, v, 1, 1, d.desc_root, d.ctxt);
        if (rank == 0) {
            memcpy(w, wl, sizeof *w * (size_t)n);
            if (q)
                *q = lq, q->solve_s = secs;
        }
    }
    dist_close(&d, rank);
    free(al), free(zl), free(acopy), free(wl);
    return rc;
}

/* ---- spectrum summary and backward -------------------------------------- */

void hs_eig_stats_of(int n, const double *w, int k, hs_eig_prec prec, hs_eig_stats *s)
{
    double amax = 0.0, amin = INFINITY;
    for (int i = 0; i < n; i++) {
        double x = fabs(w[i]);
        amax = x > amax ? x : amax;
        amin = x < amin ? x : amin;
    }
    /* NumPy matrix_rank's default: S.max() * max(M, N) * eps. */
    double tol = (double)n * (prec == HS_EIG_F32 ? FLT_EPSILON : DBL_EPSILON) * amax;
    s->num_rank = 0;
    for (int i = 0; i < n; i++)
        s->num_rank += fabs(w[i]) > tol;
    s->cond = amin > 0 ? amax / amin : INFINITY;
    s->gap_min = INFINITY;
    for (int i = 0; i + 1 < n; i++)
        s->gap_min = fmin(s->gap_min, w[i + 1] - w[i]);
    s->gap_sn = (k > 0 && k < n) ? w[n - k] - w[n - k - 1] : NAN;
}

double hs_eig_bw_f(const hs_eig_bw *bw, double gap)
{
    switch (bw->mode) {
    case HS_EIG_BW_MASKED:
        return fabs(gap) <= bw->min_gap ? 0.0 : 1.0 / gap;
    case HS_EIG_BW_LORENTZIAN:
        return gap / (gap * gap + bw->broaden);
    case HS_EIG_BW_CLAMPED:
        return copysign(1.0, gap) / fmax(fabs(gap), bw->min_gap);
    case HS_EIG_BW_NAIVE:
    default:
        return 1.0 / gap;
    }
}

/* z rounded to the backward's working precision (f32: float complex). */
static double complex bw_round(hs_eig_prec prec, double complex z)
{
    return prec == HS_EIG_F32 ? (double complex)(float complex)z : z;
}

/* Float complex copy of the rows x cols matrix a (leading dimension ld), or NULL. */
static float complex *to_f32(int rows, int cols, const double complex *a, int ld)
{
    float complex *f = malloc(sizeof *f * (size_t)rows * (size_t)(cols > 0 ? cols : 1));
    for (int j = 0; f && j < cols; j++)
        for (int i = 0; i < rows; i++)
            f[(size_t)j * rows + i] = (float complex)a[(size_t)j * ld + i];
    return f;
}

/*
 * C (m x n, leading dimension m) = op(A) op(B) in the working precision:
 * zgemm, or cgemm on float copies with the result promoted back (f32); a
 * single column of plain B (n = 1) goes through zgemv / cgemv.  A has lda
 * rows, B ldb rows.  Returns 0 or HS_NUM_ENOMEM.
 */
static int gemm_prec(hs_eig_prec prec, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k,
                     const double complex *a, int lda, const double complex *b, int ldb,
                     double complex *c)
{
    const int gemv = n == 1 && tb == CblasNoTrans;
    const int arows = ta == CblasNoTrans ? m : k, acols = ta == CblasNoTrans ? k : m;
    if (prec != HS_EIG_F32) {
        const double complex one = 1.0, zero = 0.0;
        if (gemv)
            cblas_zgemv(CblasColMajor, ta, arows, acols, &one, a, lda, b, 1, &zero, c, 1);
        else
            cblas_zgemm(CblasColMajor, ta, tb, m, n, k, &one, a, lda, b, ldb, &zero, c, m);
        return 0;
    }
    float complex *af = to_f32(lda, acols, a, lda);
    float complex *bf = to_f32(ldb, tb == CblasNoTrans ? n : k, b, ldb);
    float complex *cf = malloc(sizeof *cf * (size_t)m * (size_t)(n > 0 ? n : 1));
    if (af && bf && cf) {
        const float complex one = 1.0f, zero = 0.0f;
        if (gemv)
            cblas_cgemv(CblasColMajor, ta, arows, acols, &one, af, lda, bf, 1, &zero, cf, 1);
        else
            cblas_cgemm(CblasColMajor, ta, tb, m, n, k, &one, af, lda, bf, ldb, &zero, cf, m);
        for (size_t i = 0; i < (size_t)m * (size_t)n; i++)
            c[i] = cf[i];
    }
    int rc = af && bf && cf ? 0 : HS_NUM_ENOMEM;
    free(af), free(bf), free(cf);
    return rc;
}

/* F_ij for lambda_j - lambda_i in the backward's working precision. */
static double bw_f_at(const hs_eig_bw *bw, const double *w, int i, int j)
{
    if (bw->prec != HS_EIG_F32)
        return hs_eig_bw_f(bw, w[j] - w[i]);
    return (float)hs_eig_bw_f(bw, (double)((float)w[j] - (float)w[i]));
}

int hs_eig_backward(int n, const double *w, const double complex *v, const double *wbar, int m,
                    const int *cols, const double complex *vbar, const hs_eig_bw *bw,
                    double complex *abar, double *f_max)
{
    /* Active columns: listed in cols, or with a nonzero eigenvalue gradient. */
    int *slot = malloc(sizeof *slot * (size_t)n); /* column j -> index in the active list, or -1 */
    int *act = malloc(sizeof *act * (size_t)n);
    if (!slot || !act) {
        free(slot), free(act);
        return HS_NUM_ENOMEM;
    }
    for (int j = 0; j < n; j++)
        slot[j] = -1;
    for (int c = 0; c < m; c++)
        slot[cols[c]] = 0;
    int na = 0;
    for (int j = 0; j < n; j++)
        if (slot[j] == 0 || wbar[j] != 0.0)
            slot[j] = na, act[na++] = j;
    double fmx = 0.0;
    int full = 0;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++)
            if (i != j) {
                double f = fabs(bw_f_at(bw, w, i, j));
                fmx = f > fmx || isnan(f) ? f : fmx;
                full |= slot[j] < 0 && !isfinite(f);
            }
    if (f_max)
        *f_max = fmx;
    int nc = full ? n : na; /* columns of M that are formed */
    double complex *x = calloc((size_t)n * (size_t)(nc > 0 ? nc : 1), sizeof *x);
    double complex *vm = malloc(sizeof *vm * (size_t)n * (size_t)(nc > 0 ? nc : 1));
    double complex *va = malloc(sizeof *va * (size_t)n * (size_t)(nc > 0 ? nc : 1));
    if (!x || !vm || !va) {
        free(slot), free(act), free(x), free(vm), free(va);
        return HS_NUM_ENOMEM;
    }
    const hs_eig_prec prec = bw->prec;
    int rc = 0;
    /* X(:, c) = V^H vbar(:, c) for the listed columns; zero elsewhere. */
    for (int c = 0; c < m && rc == 0; c++) {
        int jc = full ? cols[c] : slot[cols[c]];
        rc = gemm_prec(prec, CblasConjTrans, CblasNoTrans, n, 1, n, v, n, vbar + (size_t)c * n, n,
                       x + (size_t)jc * n);
    }
    /* M = diag(wbar) + F o X, formed in place of X, column by column. */
    for (int c = 0; c < nc && rc == 0; c++) {
        int j = full ? c : act[c];
        double complex *col = x + (size_t)c * n;
        for (int i = 0; i < n; i++)
            col[i] = bw_round(prec, i == j ? wbar[j] : bw_f_at(bw, w, i, j) * col[i]);
        memcpy(va + (size_t)c * n, v + (size_t)j * n, sizeof *va * (size_t)n);
    }
    /* Abar = (V M) V_act^H, then Hermitian part. */
    if (rc == 0)
        rc = gemm_prec(prec, CblasNoTrans, CblasNoTrans, n, nc, n, v, n, x, n, vm);
    if (rc == 0)
        rc = gemm_prec(prec, CblasNoTrans, CblasConjTrans, n, n, nc, vm, n, va, n, abar);
    for (int j = 0; j < n && rc == 0; j++)
        for (int i = j; i < n; i++) {
            double complex h =
                bw_round(prec, 0.5 * (abar[(size_t)j * n + i] + conj(abar[(size_t)i * n + j])));
            abar[(size_t)j * n + i] = h;
            abar[(size_t)i * n + j] = conj(h);
        }
    free(slot), free(act), free(x), free(vm), free(va);
    return rc;
}
