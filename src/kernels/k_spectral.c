/*
 * Kernel `spectral` (issue 6, seed 004): eigendecomposition gradients of a
 * rank-deficient "network" covariance R_hat versus the blend with the
 * sample covariance, MUSIC DOA accuracy, and LAPACK vs ScaLAPACK on gangs.
 * Glue only: the math is in src/numeric/eig.c and src/numeric/spectral.c.
 */
#include <complex.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/eig.h"
#include "hsweep/kernel.h"
#include "hsweep/rng.h"
#include "hsweep/spectral.h"

static const hs_param_spec params[] = {
    {"sensors", HS_T_INT, "20", 2, 16384, NULL, "", "N: elements of the half-wavelength ULA"},
    {"sources", HS_T_INT, "3", 1, 64, NULL, "", "K: true sources (< sensors); the signal block"},
    {"min_sep_deg", HS_T_REAL, "5", 0, 120, NULL, "deg",
     "minimum separation of the source angles, drawn in [-60, 60]"},
    {"snapshots", HS_T_INT, "200", 1, 1e6, NULL, "",
     "L: snapshots in R_samp (>= sources, rank_hat)"},
    {"snr_db", HS_T_REAL, "10", -40, 80, NULL, "dB", "per-source SNR (unit source power)"},
    {"rank_hat", HS_T_INT, "5", 1, 16384, NULL, "",
     "factors of R_hat = F F^H (seed 004: K_MAX = 5)"},
    {"hat", HS_T_STRING, "generic", 0, 0, "generic|structural", "",
     "generic: top eigvecs of R_samp + perturbation (zeros distinct, ~eps); structural: F "
     "confined to rank_hat coordinates (zeros exactly tied)"},
    {"hat_noise", HS_T_REAL, "0.05", 0, 10, NULL, "",
     "relative Frobenius size of F's perturbation"},
    {"ridge", HS_T_REAL, "0", 0, 1, NULL, "", "added to the diagonal of the trace-1 R_hat"},
    {"beta", HS_T_REAL, "0.3", 0, 1, NULL, "",
     "R_blend = (1-beta) R_hat + beta R_ref, hermitised, trace 1 (seed 004: 0.3)"},
    {"blend_with", HS_T_STRING, "sample", 0, 0, "sample|true", "",
     "R_ref: sample = R_samp from the snapshots (the inference pipeline's blend); true = "
     "R_true = A A^H + sigma^2 I, what seed 004's training loop blended (its R_samp fell back "
     "to the label R_true); each normalised to trace 1 before blending"},
    {"precision", HS_T_STRING, "f64", 0, 0, "f32|f64", "",
     "eigensolver precision (cheevd/pcheevd or zheevd/pzheevd); loss and backward in f64"},
    {"backward", HS_T_STRING, "naive", 0, 0, "naive|masked|lorentzian|clamped", "",
     "F_ij of the eigh backward: 1/gap; 0 if |gap| <= min_gap; gap/(gap^2+broaden); "
     "sign(gap)/max(|gap|, min_gap)"},
    {"backward_precision", HS_T_STRING, "f64", 0, 0, "f64|f32", "",
     "working precision of the eigh backward: f64, or f32 as seed 004's float32 loss ran it "
     "(eigenpairs and gradients rounded to float, F and the products by cgemm in float)"},
    {"broaden", HS_T_REAL, "1e-12", 0, 1, NULL, "lambda_max^2", "Lorentzian epsilon"},
    {"min_gap", HS_T_REAL, "1e-6", 0, 1, NULL, "lambda_max",
     "degeneracy threshold of masked, gap floor of clamped"},
    {"grid", HS_T_INT, "1801", 16, 1e6, NULL, "", "MUSIC grid points over [-90, 90] deg"},
    {"gap_margin", HS_T_REAL, "1", 0, 10, NULL, "",
     "eigengap hinge margin (1: active for every trace-1 PSD matrix)"},
    {"lam_gap", HS_T_REAL, "0.012", 0, 1e3, NULL, "", "weight of the eigengap hinge (seed 004)"},
    {"lam_sub", HS_T_REAL, "0.05", 0, 1e3, NULL, "", "weight of the subspace alignment (seed 004)"},
    {"fd_dirs", HS_T_INT, "2", 0, 16, NULL, "",
     "random Hermitian directions for the finite-difference check (2 solves each)"},
};

static const hs_metric_spec metrics[] = {
    {"num_rank", "", "eigenvalues above N eps max|lambda| (NumPy matrix_rank tolerance)"},
    {"cond", "", "max|lambda| / min|lambda| of R_blend (inf if singular)"},
    {"gap_min", "", "smallest gap between consecutive eigenvalues"},
    {"gap_signal_noise", "", "mu_K - mu_{K+1} (descending), the hinge's gap"},
    {"f_max", "", "max_{i!=j} |F_ij|: amplification of the backward (inf on exact ties, naive)"},
    {"grad_nonfinite", "", "non-finite entries of dL/dR_blend (of N^2)"},
    {"grad_norm", "", "Frobenius norm of dL/dR_blend"},
    {"fd_rel_err", "",
     "max over fd_dirs of |Re tr(G^H E) - central FD| / ||G||_F, ||E||_F = 1; NaN if G non-finite"},
    {"loss", "", "lam_gap * hinge + lam_sub * (K - ||U_true^H V_s||_F^2)"},
    {"doa_rmse", "deg",
     "MUSIC DOA RMSE from the noise subspace of R_blend (sorted pairs; nearest peak when fewer "
     "than K peaks; NaN when none)"},
    {"doa_rmse_true", "deg", "MUSIC DOA RMSE from R_true (signal subspace range(A))"},
    {"doa_rmse_samp", "deg", "MUSIC DOA RMSE from R_samp: the classical ceiling"},
    {"eig_residual", "", "||A V - V Lambda||_F / ||A||_F"},
    {"orth_err", "", "||V^H V - I||_F"},
    {"eig_time_s", "s", "wall time of the eigensolver call (zheevd or pzheevd) alone"},
};

static size_t eig_len(const hs_params *p) { return (size_t)hs_param_int(p, "sensors"); }
static size_t music_len(const hs_params *p) { return (size_t)hs_param_int(p, "grid"); }

static const hs_trace_spec traces[] = {
    {"eigenvalues", "", "eigenvalues of R_blend, descending", eig_len},
    {"music", "dB", "MUSIC pseudo-spectrum of R_blend on the grid", music_len},
};

static double cost(const hs_params *p)
{
    double n = (double)hs_param_int(p, "sensors"), fd = (double)hs_param_int(p, "fd_dirs");
    /* ~40/3 n^3 flops per solve with vectors, 16 n^3 for the quality, ~3 GFLOP/s per core */
    return ((1.0 + 2.0 * fd) * 40.0 / 3.0 + 16.0) * n * n * n / 3e9 + 1e-3;
}

static int check(const hs_params *p, char *msg, size_t cap, const char **key)
{
    long long n = hs_param_int(p, "sensors"), k = hs_param_int(p, "sources");
    long long r = hs_param_int(p, "rank_hat"), L = hs_param_int(p, "snapshots");
    if (k >= n) {
        *key = "sources";
        snprintf(msg, cap, "sources (%lld) must be < sensors (%lld)", k, n);
    } else if (r > n) {
        *key = "rank_hat";
        snprintf(msg, cap, "rank_hat (%lld) must be <= sensors (%lld)", r, n);
    } else if (L < k || L < r) {
        *key = "snapshots";
        snprintf(msg, cap, "snapshots (%lld) must be >= sources (%lld) and rank_hat (%lld)", L, k,
                 r);
    } else if ((double)(k - 1) * hs_param_real(p, "min_sep_deg") > 120.0) {
        *key = "min_sep_deg";
        snprintf(msg, cap, "(sources - 1) * min_sep_deg must fit in the 120 degrees of [-60, 60]");
    } else {
        return 0;
    }
    return -1;
}

/* One eigendecomposition: ScaLAPACK on a gang, LAPACK otherwise. */
static int decompose(const hs_ctx *ctx, int n, const double complex *a, hs_eig_prec prec, double *w,
                     double complex *v, hs_eig_quality *q)
{
    if (ctx->gang_size > 1 && ctx->comm)
        return hs_eig_herm_dist(ctx->comm, n, a, prec, w, v, q);
    return hs_eig_herm(n, a, prec, w, v, q);
}

/* Gang member (rank > 0): take part in the leader's solves until one ends the sequence. */
static int run_member(const hs_ctx *ctx, int n, hs_eig_prec prec, int fd_dirs)
{
    hs_eig_quality q;
    if (decompose(ctx, n, NULL, prec, NULL, NULL, &q) != 0)
        return 0;
    for (int i = 0; i < 2 * fd_dirs; i++)
        if (decompose(ctx, n, NULL, prec, NULL, NULL, NULL) != 0)
            break;
    return 0;
}

/* Leader: tell waiting gang members that no further solve follows. */
static void release_members(const hs_ctx *ctx, int n, hs_eig_prec prec, int with_q)
{
    hs_eig_quality q;
    if (ctx->gang_size > 1 && ctx->comm)
        decompose(ctx, n, NULL, prec, NULL, NULL, with_q ? &q : NULL);
}

/* MUSIC RMSE from an orthonormal signal basis; fills spec[g]. */
static double music_rmse(int n, int k, const double complex *es, int g, double *spec,
                         const double *truth)
{
    double *est = malloc(sizeof *est * (size_t)k);
    double r = NAN;
    if (est && hs_music_spectrum(n, k, es, g, spec) == 0)
        r = hs_music_rmse(est, hs_music_peaks(spec, g, k, est), truth, k);
    free(est);
    return r;
}

/*
 * Directional finite-difference check of the gradient g of the loss at a:
 * central differences with step h = cbrt(eps) * max|lambda| (the optimal
 * step for a central difference, Nocedal & Wright 2006, sec. 8.1) along
 * random unit-Frobenius Hermitian directions.  Returns the relative error,
 * NaN if a solve fails (members are then released).
 */
static double fd_check(const hs_ctx *ctx, int n, const double complex *a, hs_eig_prec prec,
                       const hs_doa_loss *loss, const double complex *g, double gnorm, double scale,
                       int dirs)
{
    size_t nn = (size_t)n * (size_t)n;
    double complex *e = malloc(sizeof *e * nn), *ap = malloc(sizeof *ap * nn);
    double complex *v = malloc(sizeof *v * nn);
    double *w = malloc(sizeof *w * (size_t)n);
    if (!e || !ap || !v || !w) {
        free(e), free(ap), free(v), free(w);
        release_members(ctx, n, prec, 0);
        return NAN;
    }
    double h = cbrt(prec == HS_EIG_F32 ? FLT_EPSILON : DBL_EPSILON) * scale, err = 0.0;
    hs_rng rng;
    hs_rng_seed_stream(&rng, ctx->seed, 5);
    for (int d = 0; d < dirs && !isnan(err); d++) {
        double ee = 0.0, an = 0.0, f[2];
        for (int j = 0; j < n; j++)
            for (int i = j; i < n; i++) {
                double complex x = hs_rng_normal(&rng) + (i == j ? 0.0 : I * hs_rng_normal(&rng));
                e[(size_t)j * n + i] = x, e[(size_t)i * n + j] = conj(x);
                ee += (i == j ? 1.0 : 2.0) * creal(x * conj(x));
            }
        for (size_t i = 0; i < nn; i++)
            e[i] /= sqrt(ee), an += creal(conj(g[i]) * e[i]); /* Re tr(G^H E) */
        for (int s = 0; s < 2 && !isnan(err); s++) {
            for (size_t i = 0; i < nn; i++)
                ap[i] = a[i] + (s ? -h : h) * e[i];
            if (decompose(ctx, n, ap, prec, w, v, NULL) != 0)
                err = NAN;
            else
                f[s] = hs_doa_loss_eval(loss, n, w, v, NULL, NULL);
        }
        if (!isnan(err))
            err = fmax(err, fabs(an - (f[0] - f[1]) / (2 * h)) / gnorm);
    }
    free(e), free(ap), free(v), free(w);
    return err;
}

/*
 * Common random numbers: the array data (angles, sources, noise, the factor
 * perturbation) come from the sweep seed and the problem's own parameters
 * only, so the remedies (backward, beta, ridge, precision, ...) of one seed
 * are compared on the same matrices.
 */
static uint64_t data_seed(const hs_params *p, const hs_ctx *ctx)
{
    double a = hs_param_real(p, "min_sep_deg"), b = hs_param_real(p, "snr_db");
    uint64_t ua, ub;
    memcpy(&ua, &a, 8);
    memcpy(&ub, &b, 8);
    uint64_t h = hs_mix64((uint64_t)ctx->sweep_seed ^ 0x5eed0004ULL);
    h = hs_mix64(h ^ (uint64_t)hs_param_int(p, "sensors"));
    h = hs_mix64(h ^ (uint64_t)hs_param_int(p, "sources"));
    h = hs_mix64(h ^ (uint64_t)hs_param_int(p, "snapshots"));
    h = hs_mix64(h ^ ua);
    return hs_mix64(h ^ ub);
}

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    int n = (int)hs_param_int(p, "sensors"), k = (int)hs_param_int(p, "sources");
    int g = (int)hs_param_int(p, "grid"), fd_dirs = (int)hs_param_int(p, "fd_dirs");
    hs_eig_prec prec = strcmp(hs_param_str(p, "precision"), "f32") == 0 ? HS_EIG_F32 : HS_EIG_F64;
    if (ctx->gang_size > 1 && ctx->gang_rank != 0)
        return run_member(ctx, n, prec, fd_dirs);

    hs_doa_spec sp = {
        .n = n,
        .k = k,
        .min_sep_deg = hs_param_real(p, "min_sep_deg"),
        .snapshots = (int)hs_param_int(p, "snapshots"),
        .snr_db = hs_param_real(p, "snr_db"),
        .rank_hat = (int)hs_param_int(p, "rank_hat"),
        .hat = strcmp(hs_param_str(p, "hat"), "structural") == 0 ? HS_DOA_HAT_STRUCTURAL
                                                                 : HS_DOA_HAT_GENERIC,
        .hat_noise = hs_param_real(p, "hat_noise"),
        .ridge = hs_param_real(p, "ridge"),
        .beta = hs_param_real(p, "beta"),
        .blend_with = strcmp(hs_param_str(p, "blend_with"), "true") == 0 ? HS_DOA_REF_TRUE
                                                                         : HS_DOA_REF_SAMPLE};
    size_t nn = (size_t)n * (size_t)n;
    hs_doa *doa = NULL;
    int rc = hs_doa_create(&sp, data_seed(p, ctx), &doa);
    double *w = malloc(sizeof *w * (size_t)n), *wbar = malloc(sizeof *wbar * (size_t)n);
    double complex *v = malloc(sizeof *v * nn), *gr = malloc(sizeof *gr * nn);
    double complex *vbar = malloc(sizeof *vbar * (size_t)n * (size_t)k);
    int *cols = malloc(sizeof *cols * (size_t)k);
    double *eig = hs_out_trace(out, "eigenvalues", (size_t)n);
    double *music = hs_out_trace(out, "music", (size_t)g);
    double *spec = malloc(sizeof *spec * (size_t)g);
    if (rc == 0 && !(w && wbar && v && gr && vbar && cols && eig && music && spec))
        rc = -1;
    hs_eig_quality q = {0};
    if (rc != 0) {
        release_members(ctx, n, prec, 1);
        hs_out_status(out, HS_ST_FAILED, "building the DOA problem failed (%d)", rc);
    } else if ((rc = decompose(ctx, n, hs_doa_blend(doa), prec, w, v, &q)) != 0) {
        hs_out_status(out, HS_ST_FAILED, "eigensolver failed (%d)", rc);
    } else {
        const double *theta = hs_doa_angles(doa);
        hs_doa_loss loss = {.k = k,
                            .margin = hs_param_real(p, "gap_margin"),
                            .w_gap = hs_param_real(p, "lam_gap"),
                            .w_sub = hs_param_real(p, "lam_sub"),
                            .us = hs_doa_true_basis(doa)};
        const char *bws = hs_param_str(p, "backward");
        double scale = fmax(fabs(w[0]), fabs(w[n - 1]));
        hs_eig_bw bw = {.mode = strcmp(bws, "masked") == 0       ? HS_EIG_BW_MASKED
                                : strcmp(bws, "lorentzian") == 0 ? HS_EIG_BW_LORENTZIAN
                                : strcmp(bws, "clamped") == 0    ? HS_EIG_BW_CLAMPED
                                                                 : HS_EIG_BW_NAIVE,
                        .min_gap = hs_param_real(p, "min_gap") * scale,
                        .broaden = hs_param_real(p, "broaden") * scale * scale,
                        .prec = strcmp(hs_param_str(p, "backward_precision"), "f32") == 0
                                    ? HS_EIG_F32
                                    : HS_EIG_F64};
        double lv = hs_doa_loss_eval(&loss, n, w, v, wbar, vbar), fmax = NAN;
        hs_doa_loss_cols(&loss, n, cols);
        rc = hs_eig_backward(n, w, v, wbar, k, cols, vbar, &bw, gr, &fmax);
        int bad = 0;
        double gn = 0.0;
        for (size_t i = 0; rc == 0 && i < nn; i++) {
            bad += !isfinite(creal(gr[i])) || !isfinite(cimag(gr[i]));
            gn += creal(gr[i] * conj(gr[i]));
        }
        gn = sqrt(gn);
        double fd = NAN;
        if (rc == 0 && bad == 0 && gn > 0 && fd_dirs > 0)
            fd = fd_check(ctx, n, hs_doa_blend(doa), prec, &loss, gr, gn, scale, fd_dirs);
        else if (fd_dirs > 0)
            release_members(ctx, n, prec, 0);

        hs_eig_stats st;
        hs_eig_stats_of(n, w, k, prec, &st);
        for (int i = 0; i < n; i++)
            eig[i] = w[n - 1 - i];
        hs_out_set(out, "num_rank", st.num_rank);
        hs_out_set(out, "cond", st.cond);
        hs_out_set(out, "gap_min", st.gap_min);
        hs_out_set(out, "gap_signal_noise", st.gap_sn);
        hs_out_set(out, "f_max", fmax);
        hs_out_set(out, "grad_nonfinite", rc == 0 ? bad : NAN);
        hs_out_set(out, "grad_norm", rc == 0 ? gn : NAN);
        hs_out_set(out, "fd_rel_err", fd);
        hs_out_set(out, "loss", lv);
        hs_out_set(out, "doa_rmse", music_rmse(n, k, v + (size_t)(n - k) * n, g, music, theta));
        hs_out_set(out, "doa_rmse_true", music_rmse(n, k, hs_doa_true_basis(doa), g, spec, theta));
        hs_out_set(out, "doa_rmse_samp", music_rmse(n, k, hs_doa_samp_basis(doa), g, spec, theta));
        hs_out_set(out, "eig_residual", q.residual);
        hs_out_set(out, "orth_err", q.orthogonality);
        hs_out_set(out, "eig_time_s", q.solve_s);
        if (rc != 0)
            hs_out_status(out, HS_ST_FAILED, "backward failed (%d)", rc);
        else if (bad)
            hs_out_status(out, HS_ST_NONFINITE,
                          "%d of %d gradient entries non-finite (max|F_ij| = %g, min gap %g)", bad,
                          n * n, fmax, st.gap_min);
    }
    hs_doa_destroy(&doa);
    free(w), free(wbar), free(v), free(gr), free(vbar), free(cols), free(spec);
    return 0;
}

const hs_kernel hs_kernel_spectral = {
    .abi = HS_KERNEL_ABI,
    .name = "spectral",
    .summary = "eigendecomposition gradients of rank-deficient vs blended DOA covariances, MUSIC",
    .doc = "Seed 004 / issue 6. ULA of `sensors` elements, `sources` far-field sources, "
           "R_blend = normtr(herm((1-beta) R_hat + beta R_ref)), R_ref = R_samp or R_true "
           "(`blend_with`), with R_hat = F F^H of rank "
           "`rank_hat` (generic: distinct rounding-size zeros; structural: exactly tied zeros). "
           "Eigendecomposition by zheevd/cheevd, or pzheevd/pcheevd on a BLACS grid over the gang "
           "when ranks_per_task > 1 (grid as square as the gang allows, block size "
           "min(64, ceil(N/npcol))). Loss: eigengap hinge + subspace alignment (seed 004); "
           "gradient dL/dR_blend through Abar = herm(V(diag(Lbar) + F o V^H Vbar)V^H) with the "
           "`backward` choice of F (Giles 2008), in f64 or f32 (`backward_precision`). "
           "min_gap and broaden are relative to "
           "max|lambda|. MUSIC (Schmidt 1986) from the top-K eigenvectors, DOA RMSE against the "
           "true angles, and from R_true / R_samp for reference. Status nonfinite when the "
           "gradient has non-finite entries.",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .traces = traces,
    .n_traces = sizeof traces / sizeof traces[0],
    .cost = cost,
    .check = check,
    .run = run,
    .gang = 1,
};
