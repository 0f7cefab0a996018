/*
 * Direction-of-arrival (DOA) covariances, the loss of seed 004 and MUSIC.
 *
 * A uniform linear array of n half-wavelength sensors sees k far-field
 * sources; the steering vector of angle theta is a_m = exp(i pi m sin theta),
 * m = 0..n-1 (Van Trees, "Optimum Array Processing", 2002, sec. 2.2).
 * Sources and noise are circular complex Gaussian, unit source power,
 * noise power sigma^2 = 10^(-snr_db/10), so R_true = A A^H + sigma^2 I and
 * R_samp = X X^H / L for L snapshots X = A S + N.
 *
 * The "network output" R_hat = F F^H (F: n x rank_hat) is built from the top
 * rank_hat eigenpairs of R_samp, F0 = U diag(sqrt(s)), plus a complex
 * Gaussian perturbation of Frobenius norm hat_noise * ||F0||_F:
 *  - generic:    R_hat has rank rank_hat; its zero eigenvalues come out of a
 *                solver as distinct values of order eps ||R||;
 *  - structural: F's rows rank_hat..n-1 are zero (a network whose factor
 *                outputs are partly zero), so the zero eigenvalues are
 *                exactly tied.
 * Then R_hat <- R_hat / tr(R_hat) + ridge I, and
 *     R_blend = normtr(herm((1 - beta) R_hat + beta R_ref / tr(R_ref))),
 * herm(X) = (X + X^H)/2, normtr(X) = X / tr(X) (seed 004, train.py fix 1),
 * with R_ref = R_samp (blend_with sample, the inference pipeline's blend) or
 * R_true (blend_with true: what seed 004's training loop actually blended,
 * `R_samp = labels_fp32['R_true']`, its "fallback"); tr(R_true) = n (k +
 * sigma^2) since every steering entry has modulus 1.
 */
#ifndef HSWEEP_SPECTRAL_H
#define HSWEEP_SPECTRAL_H

#include <complex.h>
#include <stdint.h>

#include "hsweep/numeric/status.h"

typedef enum hs_doa_hat { HS_DOA_HAT_GENERIC = 0, HS_DOA_HAT_STRUCTURAL = 1 } hs_doa_hat;
typedef enum hs_doa_ref { HS_DOA_REF_SAMPLE = 0, HS_DOA_REF_TRUE = 1 } hs_doa_ref;

typedef struct hs_doa_spec {
    int n;              /* sensors */
    int k;              /* sources, 1 <= k < n */
    double min_sep_deg; /* minimum angular separation, (k-1) * min_sep_deg <= 120 */
    int snapshots;      /* L >= max(k, rank_hat) */
    double snr_db;
    int rank_hat; /* 1 <= rank_hat <= n */
    hs_doa_hat hat;
    double hat_noise;      /* relative perturbation of F */
    double ridge;          /* added to the diagonal of the trace-normalised R_hat */
    double beta;           /* blend weight of R_ref, 0..1 */
    hs_doa_ref blend_with; /* R_ref: R_samp (default) or R_true */
} hs_doa_spec;

typedef struct hs_doa hs_doa;

/*
 * Draw a DOA problem from seed: angles uniform in [-60, 60] degrees subject
 * to the minimum separation (sorted), snapshots, R_hat and R_blend.
 * Returns 0, HS_NUM_EINPUT (spec out of range), HS_NUM_ENOMEM or HS_NUM_ENOCONV (the
 * SVD of the snapshots failed); *out is NULL on failure.
 */
int hs_doa_create(const hs_doa_spec *spec, uint64_t seed, hs_doa **out);
/* Free and set *d to NULL; NULL is fine. */
void hs_doa_destroy(hs_doa **d);

/* The blended matrix R_blend (n x n, column-major, Hermitian, trace 1). */
const double complex *hs_doa_blend(const hs_doa *d);
/* True angles in degrees, ascending (k of them). */
const double *hs_doa_angles(const hs_doa *d);
/* Orthonormal basis (n x k) of the true signal subspace range(A) = top-k of R_true. */
const double complex *hs_doa_true_basis(const hs_doa *d);
/* Orthonormal basis (n x k) of the top-k eigenvectors of R_samp. */
const double complex *hs_doa_samp_basis(const hs_doa *d);

/*
 * Seed 004's loss on a decomposition (w ascending, v) of an n x n matrix,
 * with signal dimension k < n and true signal basis us (n x k):
 *   L = w_gap * max(0, margin - (mu_k - mu_{k+1}))        (eigengap hinge)
 *     + w_sub * (k - ||us^H V_s||_F^2)                     (subspace alignment)
 * with mu descending and V_s the top-k eigenvectors.  Both terms are
 * invariant to rotations inside the signal and the noise blocks.
 */
typedef struct hs_doa_loss {
    int k;
    double margin, w_gap, w_sub;
    const double complex *us;
} hs_doa_loss;

/*
 * Value of the loss; if wbar (n) and vbar (n x k, for the columns n-k..n-1
 * listed by hs_doa_loss_cols) are not NULL, also their gradients in the
 * convention of eig.h.  Returns NaN on allocation failure.
 */
double hs_doa_loss_eval(const hs_doa_loss *l, int n, const double *w, const double complex *v,
                        double *wbar, double complex *vbar);
/* The k eigenvector columns the loss reads: cols[c] = n - k + c. */
void hs_doa_loss_cols(const hs_doa_loss *l, int n, int *cols);

/* Grid angle i of a MUSIC grid of g points spanning [-90, 90] degrees. */
double hs_music_grid_deg(int i, int g);

/*
 * MUSIC pseudo-spectrum (Schmidt 1986) on a g-point grid from an orthonormal
 * signal basis es (n x k): P(theta) = n / (a^H (I - es es^H) a), written in
 * dB to spec_db[g] (the noise projector I - E_s E_s^H equals E_n E_n^H for
 * a complete orthonormal eigenbasis).  Returns 0 or HS_NUM_ENOMEM.
 */
int hs_music_spectrum(int n, int k, const double complex *es, int g, double *spec_db);

/*
 * The k highest interior local maxima of spec[g] as angles (degrees,
 * ascending) in est[k]; returns how many were found (<= k).
 */
int hs_music_peaks(const double *spec, int g, int k, double *est);

/*
 * RMSE in degrees between estimates est[m] and true angles truth[k] (both
 * ascending).  With m == k, pairs in order; with 0 < m < k, each true angle
 * is matched to its nearest estimate; NaN when m == 0.
 */
double hs_music_rmse(const double *est, int m, const double *truth, int k);

#endif
