/*
 * Convergence diagnostics for MCMC draws: rank-normalised split R-hat
 * (bulk and tail), bulk and tail effective sample size, Monte Carlo
 * standard error of the mean and E-BFMI.
 *
 * Definitions follow Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021),
 * "Rank-normalization, folding, and localization: an improved R-hat for
 * assessing convergence of MCMC", Bayesian Analysis 16(2), as implemented
 * in the R package `posterior` 1.4.0 (rhat, ess_bulk, ess_tail, ess_mean,
 * mcse_mean; its convergence code is unchanged up to 1.7.1);
 * tests/unit/test_diag.c checks agreement with posterior's printed values
 * to 1e-9 relative, and the bulk and tail R-hat on inputs with ties (even
 * draw counts, heavy tails, chains of different scale, one chain) to 1e-12
 * against a long-double evaluation of the paper's definitions.
 * Chains are split in halves (the middle draw of an odd-length chain is
 * dropped, as posterior does), so n draws per chain give 2m chains of n/2.
 *
 * Draws are chain-major: draws[c*n + i] is draw i of chain c, with n draws
 * per chain and m chains.  Every function returns NaN for constant or
 * non-finite input (posterior ranks +-Inf; here any non-finite draw gives
 * NaN), for too few draws (R-hat needs n >= 4, ESS n >= 6) or on allocation
 * failure; none of them aborts.
 */
#ifndef HSWEEP_DIAG_H
#define HSWEEP_DIAG_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* max(bulk, tail) rank-normalised split R-hat (posterior::rhat). */
double hs_diag_rhat(const double *draws, size_t n, size_t m);
/* Split R-hat of the rank-normalised draws (posterior::rhat, bulk part). */
double hs_diag_rhat_bulk(const double *draws, size_t n, size_t m);
/* Split R-hat of the rank-normalised folded draws |x - median| (tail part). */
double hs_diag_rhat_tail(const double *draws, size_t n, size_t m);
/* Bulk ESS: split ESS of the rank-normalised draws (posterior::ess_bulk). */
double hs_diag_ess_bulk(const double *draws, size_t n, size_t m);
/* Tail ESS: min of the ESS of I(x <= q05) and I(x <= q95) (posterior::ess_tail). */
double hs_diag_ess_tail(const double *draws, size_t n, size_t m);
/* Split ESS of the raw draws (posterior::ess_mean / ess_basic). */
double hs_diag_ess_mean(const double *draws, size_t n, size_t m);
/* Monte Carlo standard error of the mean: sd / sqrt(ess_mean) (posterior::mcse_mean). */
double hs_diag_mcse_mean(const double *draws, size_t n, size_t m);
/*
 * E-BFMI of one chain's per-draw energies (Betancourt 2016, eq. 13; as in
 * Stan's and ArviZ's bfmi): sum (E_i - E_{i-1})^2 / sum (E_i - mean E)^2.
 * Values below 0.3 indicate poor exploration of the energy distribution.
 */
double hs_diag_ebfmi(const double *energy, size_t n);

/*
 * Standard normal quantile function Phi^{-1}(p) for p in (0, 1) (Wichura
 * 1988, algorithm AS 241, PPND16: about 1e-16 relative accuracy).  Returns
 * -inf / +inf at 0 / 1 and NaN outside [0, 1].
 */
double hs_diag_qnorm(double p);

/*
 * Read a CSV file of draws (one column per chain, one row per draw; an
 * optional header row of non-numeric names is skipped; blank lines are
 * ignored) and print "rhat", "ess_bulk", "ess_tail", "rhat_bulk" and
 * "rhat_tail" lines to `out`, each value with 17 significant digits, and a
 * "note:" line when every draw is the same (the values are then nan).
 * Returns 0, or -1 with a message naming the file and line (missing file,
 * unparsable field, ragged row, fewer than 4 rows) or the draw and chain of
 * a nan/inf draw written to msg[cap].
 */
int hs_diag_csv(const char *path, FILE *out, char *msg, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
