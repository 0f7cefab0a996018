/*
 * flow_ssc (seed 003; XTYLearner `xtylearner/models/flow_ssc.py`): a
 * semi-supervised model of a binary treatment t and a continuous outcome y
 * given covariates x, re-implemented compactly with hand-written backprop so
 * that its training can be swept (lr x batch size x epochs x ...).
 *
 * Model (written once, instantiated in float32 and float64; the chosen
 * precision is used for every array and every operation, BLAS included):
 *   normalisation  x~ = (x - x_shift) / x_scale, y~ = (y - y_shift) / y_scale,
 *                  EMA of batch statistics (first batch initialises, then
 *                  s <- (1 - m) s + m batch_stat, training only) or the
 *                  population statistics of the training set; scales >= 1e-6;
 *   p(y~ | x, t)   1-D conditional affine flow: L layers u <- u s_l + b_l,
 *                  (s_l, b_l) from a residual MLP on c = [x~, onehot(t)]
 *                  (nflows ResidualNet: Linear(d+2, H), two blocks
 *                  h + Linear(relu(Linear(relu(h)))) * sigmoid(Linear(c)),
 *                  Linear(H, 2)), s = sigmoid(raw_s + 2) + 1e-3,
 *                  b = 5 tanh(raw_b); log p = N(z; 0, 1) + sum_l log s_l,
 *                  floored at -100 in the loss;
 *   p(t | x)       MLP [d, Hc, Hc, 2] with ReLU;
 *   loss           labelled: -mean log p(y~|x,t) + CE(t); unlabelled:
 *                  -mean logsumexp_t[log softmax_t + log p(y~|x,t)], weighted;
 *   optimiser      global-norm clipping, Adam (include/hsweep/adam.h).
 */
#ifndef HSWEEP_FLOWSSC_H
#define HSWEEP_FLOWSSC_H

#include <stddef.h>
#include <stdint.h>

/* A table of rows: x [n][d_x] row-major, t in {0, 1}, y. */
typedef struct hs_flowssc_data {
    size_t n, d_x;
    double *x;
    int *t;
    double *y;
    /* Known truth (synthetic data only; NULL / NaN for a user's table). */
    double *mu0, *mu1; /* E[y | x, t = 0], E[y | x, t = 1] per row */
    double *prop;      /* P(t = 1 | x) per row */
    double noise_sd;   /* sd of y around E[y | x, t] */
    double ate;        /* average treatment effect E[mu1 - mu0] */
} hs_flowssc_data;

/* Rows and columns of the NHEFS-like generator (NHEFS: Hernan & Robins,
 * "Causal Inference: What If", 2020, ch. 12: 1566 rows with a measured
 * weight change, 403 of them (25.7%) quit smoking). */
#define HS_NHEFS_N 1566
#define HS_NHEFS_DX 65

/*
 * Synthetic NHEFS-like data, deterministic from `seed`.  Structural model
 * (units: years, cigarettes/day, kg, mmHg, mg/dL, dollars):
 *   14 continuous covariates with NHEFS-like scales (age, school, smoking
 *   intensity and years, weight, height, blood pressure, cholesterol, prices,
 *   taxes, alcohol), 22 one-hot columns (education 5, exercise 3, active 4,
 *   alcohol frequency 5, marital status 5) and 29 binary flags with
 *   prevalences from 0.5% to 87% (sex, race, medical history, ...);
 *   logit P(t = 1 | x) = a0 + 0.045 (age - 44) - 0.45 female - 0.6 nonwhite
 *     - 0.03 (smokeintensity - 21) + 0.3 college + 0.25 inactive,
 *     with a0 set by bisection so that the mean propensity is 0.26;
 *   y = 3.5 t + f(x) + N(0, 7.3^2), f(x) = 2.5 - 0.16 (age - 44)
 *     - 0.005 (age - 44)^2 + 0.06 (smokeintensity - 21) - 0.05 (wt71 - 71)
 *     - 1.2 hbp + 1.0 inactive + 0.8 (school < 12),
 *   so the true effect is 3.5 kg for every row (sd of y about 8 kg).
 * leak = 1 appends a 66th column wt82 = wt71 + y: y is then exactly
 * recoverable from x (wt82 - wt71), as in the real NHEFS table, which
 * carries both weights beside their difference.
 * Returns 0, or -1 (out of memory) with a message in err.
 */
int hs_flowssc_data_nhefs_like(hs_flowssc_data *d, uint64_t seed, int leak, char *err, size_t cap);

/*
 * Load a CSV table with a header line.  x_cols: comma-separated column names
 * ("" or "*" = every column except t_col and y_col); t_col holds 0/1; y_col
 * the outcome.  Rows where a used field is empty, "NA" or "nan" are skipped
 * (the NHEFS outcome is missing for 63 of its 1629 rows).  Returns 0, or -1
 * with "file:line: ..." in err (unknown column, non-numeric value, t not
 * 0/1, ragged row, no rows); d is then left empty.
 */
int hs_flowssc_data_csv(hs_flowssc_data *d, const char *path, const char *x_cols, const char *t_col,
                        const char *y_col, char *err, size_t cap);

/* Free a table's arrays and zero it; safe on a zeroed table. */
void hs_flowssc_data_free(hs_flowssc_data *d);

/*
 * Initialisation of each flow conditioner's output layer, Linear(H, 2)
 * giving (raw_s, raw_b): DEFAULT is nn.Linear's U(-1/sqrt(H), 1/sqrt(H)),
 * what nflows' ResidualNet leaves its final_layer with (only the residual
 * blocks' last layers are zero-initialised) and so what the seed's flow_ssc
 * trained from; NEAR_ZERO is U(-1e-3, 1e-3), so raw outputs start ~0 and
 * every layer starts as u <- u (sigmoid(2) + 1e-3), near the identity, a
 * common choice for flows (Glow's zero-initialised last layers).
 */
typedef enum hs_flowssc_out_init {
    HS_FLOWSSC_OUT_DEFAULT = 0,
    HS_FLOWSSC_OUT_NEAR_ZERO = 1
} hs_flowssc_out_init;

typedef struct hs_flowssc_config {
    int f32;   /* 1: float32 end to end; 0: float64 */
    double lr; /* Adam step size */
    size_t batch_size, epochs;
    double clip;          /* global gradient-norm clip; 0 = off */
    int stats_full;       /* 1: training-set statistics; 0: EMA of batches */
    double stat_momentum; /* EMA momentum m */
    size_t flow_layers, flow_hidden, clf_hidden;
    hs_flowssc_out_init out_init; /* flow conditioners' output layer */
    double label_ratio;           /* fraction of training rows whose t is seen */
    double ulb_weight;            /* weight of the unlabelled loss */
    size_t pred_samples;          /* flow inversions averaged per prediction */
    size_t n_train;               /* the first n_train rows train, the rest validate */
    uint64_t seed;                /* initialisation, shuffling, prediction draws */
    uint64_t label_seed;          /* which training rows keep their label */
    int (*expired)(void *arg);    /* polled once per epoch; nonzero stops; may be NULL */
    void *expired_arg;
} hs_flowssc_config;

/* The seed's defaults: f32, lr 5e-4, batch 10, 10 epochs, clip 1, EMA
 * momentum 0.05, 3 flow layers of width 128 (output layers as nflows
 * initialises them), classifier width 128, all
 * labels, unlabelled weight 1, 100 prediction samples, n_train 783. */
void hs_flowssc_config_default(hs_flowssc_config *c);

/* Per-epoch traces: each NULL or of length c->epochs; entries of epochs not
 * run are left untouched. */
typedef struct hs_flowssc_traces {
    double *loss, *loss_lab, *loss_ulb;            /* mean over the epoch's batches */
    double *val_rmse, *val_acc;                    /* after the epoch */
    double *grad_max;                              /* max pre-clip gradient norm */
    double *x_shift, *x_scale, *y_shift, *y_scale; /* means over features */
} hs_flowssc_traces;

enum { HS_FLOWSSC_OK = 0, HS_FLOWSSC_NONFINITE = 1, HS_FLOWSSC_DIVERGED = 2 };

typedef struct hs_flowssc_result {
    int outcome;                    /* HS_FLOWSSC_OK / _NONFINITE / _DIVERGED */
    int stopped;                    /* 1: the expired callback stopped training */
    size_t epochs_run;              /* epochs entered (the last may be partial) */
    long updates;                   /* Adam steps taken */
    long first_nonfinite;           /* update index (0-based) of the first non-finite
                                 loss or gradient, -1 if none; training stops there */
    long diverged_at;               /* update index at which divergence was detected, -1 */
    double val_rmse, best_val_rmse; /* pooled over validation rows (kg) */
    double val_acc, best_val_acc;   /* argmax p(t | x, y) */
    double ate_est, ate_err;        /* mean over validation rows of yhat(1) - yhat(0);
                                       minus the true effect (NaN if unknown) */
    double train_loss;              /* last epoch's mean batch loss */
    double max_grad_norm;           /* over all updates, before clipping */
    double clip_frac;               /* fraction of updates that were clipped */
} hs_flowssc_result;

/*
 * Train on d's first c->n_train rows, validate on the rest, filling r and
 * the traces.  A non-finite loss or gradient or a divergence is an outcome
 * in r, not an error.  Divergence: an update's loss > 1e6, or an epoch's
 * mean loss > 100 max(L_min, 1) with L_min the lowest epoch mean so far.
 * Returns 0, or -1 (bad sizes, out of memory) with a message in err.
 */
int hs_flowssc_train(const hs_flowssc_config *c, const hs_flowssc_data *d,
                     const hs_flowssc_traces *tr, hs_flowssc_result *r, char *err, size_t cap);

/*
 * The model alone (tests, benchmarks): parameters initialised as PyTorch's
 * nn.Linear (U(-1/sqrt(fan_in), 1/sqrt(fan_in))), the last Linear of each
 * residual block U(-1e-3, 1e-3) (nflows' zero_initialization), the flow
 * conditioners' output layers as out_init says.
 * max_rows bounds n in hs_flowssc_loss_grad.  Returns 0 or -1 (no memory).
 */
typedef struct hs_flowssc hs_flowssc;
int hs_flowssc_create(hs_flowssc **m, int f32, size_t d_x, size_t flow_layers, size_t flow_hidden,
                      size_t clf_hidden, size_t max_rows, uint64_t seed,
                      hs_flowssc_out_init out_init);
/* Free the model and set *m to NULL; safe on NULL. */
void hs_flowssc_destroy(hs_flowssc **m);
size_t hs_flowssc_n_params(const hs_flowssc *m);
/* Parameter blocks ("clf.W1", "flow0.blk1.Wb", "flow0.blk1.Wg" (the gate),
 * ...): name, offset and length
 * of block i < hs_flowssc_n_blocks(m) in the parameter vector. */
size_t hs_flowssc_n_blocks(const hs_flowssc *m);
const char *hs_flowssc_block(const hs_flowssc *m, size_t i, size_t *off, size_t *len);
/* Copy the parameters out / in, converted to / from double. */
void hs_flowssc_get_params(const hs_flowssc *m, double *w);
void hs_flowssc_set_params(hs_flowssc *m, const double *w);
/*
 * Loss of a batch of n <= max_rows normalised rows (xn [n][d_x], t = -1 for
 * an unlabelled row, yn) and, if grad is non-NULL, its gradient (length
 * hs_flowssc_n_params).  parts = {loss, labelled part, unlabelled part}.
 * Returns 0, or -1 if n > max_rows.
 */
int hs_flowssc_loss_grad(hs_flowssc *m, const double *xn, const int *t, const double *yn, size_t n,
                         double ulb_weight, double parts[3], double *grad);

#endif
