/*
 * Kernel `train`: one training run of flow_ssc (seed 003) with every failure
 * signal recorded.  Glue only: the model is in include/hsweep/flowssc.h and
 * src/numeric/flowssc*.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hsweep/flowssc.h"
#include "hsweep/kernel.h"

static const hs_param_spec params[] = {
    {"lr", HS_T_REAL, "5e-4", 0, 1e15, NULL, "",
     "Adam step size (beta1 0.9, beta2 0.999, eps 1e-8)"},
    {"batch_size", HS_T_INT, "10", 1, 1e6, NULL, "rows",
     "training rows per update; the last batch of an epoch may be smaller (drop_last = False)"},
    {"epochs", HS_T_INT, "10", 1, 1e5, NULL, "",
     "passes over the training rows, reshuffled each time"},
    {"clip", HS_T_REAL, "1.0", 0, 1e300, NULL, "",
     "global gradient-norm clip as torch clip_grad_norm_ (max_norm / (norm + 1e-6)); 0 = off"},
    {"precision", HS_T_STRING, "f32", 0, 0, "f32|f64", "",
     "float type of the whole computation: data, parameters, BLAS, Adam, statistics"},
    {"stats", HS_T_STRING, "ema", 0, 0, "ema|full", "",
     "normalisation statistics: EMA of batch mean/std (the seed) or the training set's (hypothesis D)"},
    {"stat_momentum", HS_T_REAL, "0.05", 0, 1, NULL, "",
     "EMA momentum m: s <- (1 - m) s + m batch_stat after the first batch"},
    {"flow_layers", HS_T_INT, "3", 1, 64, NULL, "",
     "affine layers of the 1-D conditional flow (flow_ssc's 6 couplings = 3 affine, see doc)"},
    {"flow_hidden", HS_T_INT, "128", 1, 4096, NULL, "units", "width of the flow conditioners"},
    {"out_init", HS_T_STRING, "default", 0, 0, "default|near_zero", "",
     "flow conditioners' output layer: default = nn.Linear's U(+-1/sqrt(H)), what nflows' ResidualNet "
     "leaves its final layer with and so what the seed trained from; near_zero = U(+-1e-3): each "
     "flow layer starts near u <- 0.88 u (the zero-init choice of Glow-style flows)"},
    {"clf_hidden", HS_T_INT, "128", 1, 4096, NULL, "units",
     "width of both hidden layers of the treatment classifier"},
    {"label_ratio", HS_T_REAL, "1.0", 0, 1, NULL, "",
     "fraction of training rows whose treatment is seen (chosen from data_seed)"},
    {"ulb_weight", HS_T_REAL, "1.0", 0, 1e6, NULL, "",
     "weight of the unlabelled loss (flow_ssc gamma)"},
    {"pred_samples", HS_T_INT, "100", 1, 1e9, NULL, "",
     "flow inversions averaged per outcome prediction (flow_ssc eval_samples)"},
    {"data", HS_T_STRING, "nhefs_like", 0, 0, "nhefs_like|csv", "",
     "synthetic NHEFS-like table (known truth) or a CSV file"},
    {"data_seed", HS_T_INT, "42", 0, 9007199254740992.0, NULL, "",
     "seed of the synthetic table and of which rows keep their label"},
    {"n_train", HS_T_INT, "783", 1, 1e9, NULL, "rows",
     "the first n_train rows train, the rest validate (seed: 50 vs 783 of 1566)"},
    {"leak", HS_T_BOOL, "false", 0, 0, NULL, "",
     "nhefs_like: add column wt82 = wt71 + y, from which y is exactly recoverable"},
    {"csv_path", HS_T_STRING, "", 0, 0, NULL, "",
     "data = csv: the file (header line, comma separated)"},
    {"x_cols", HS_T_STRING, "", 0, 0, NULL, "",
     "data = csv: covariate columns, comma separated; empty = all but t_col and y_col"},
    {"t_col", HS_T_STRING, "qsmk", 0, 0, NULL, "", "data = csv: treatment column (0/1)"},
    {"y_col", HS_T_STRING, "wt82_71", 0, 0, NULL, "", "data = csv: outcome column"},
};

static const hs_metric_spec metrics[] = {
    {"val_rmse", "y units",
     "outcome RMSE after the last epoch, pooled over all validation rows (not a mean of batch RMSEs)"},
    {"best_val_rmse", "y units", "lowest per-epoch validation RMSE"},
    {"val_acc", "", "treatment accuracy of argmax p(t | x, y) after the last epoch"},
    {"best_val_acc", "", "highest per-epoch validation accuracy"},
    {"val_rmse_floor", "y units",
     "nhefs_like: RMSE of the true E[y | x, t] on the validation rows (the noise floor); else NaN"},
    {"ate_est", "y units", "mean over validation rows of yhat(x, 1) - yhat(x, 0)"},
    {"ate_err", "y units", "ate_est minus the true effect (nhefs_like: 3.5 kg); NaN for csv"},
    {"train_loss", "", "mean batch loss of the last epoch"},
    {"updates", "", "Adam steps taken"},
    {"first_nonfinite", "update",
     "0-based update whose loss or gradient norm was not finite, -1 if none (training stops there)"},
    {"diverged_at", "update",
     "update at which divergence was detected (loss > 1e6, or epoch loss > 100 max(min, 1)); -1"},
    {"max_grad_norm", "", "largest global gradient norm before clipping"},
    {"clip_frac", "", "fraction of updates whose gradient was clipped"},
    {"n_rows", "rows", "rows in the table (train + validation)"},
};

static size_t per_epoch(const hs_params *p) { return (size_t)hs_param_int(p, "epochs"); }

static const hs_trace_spec traces[] = {
    {"loss", "", "mean batch loss per epoch (labelled + ulb_weight * unlabelled)", per_epoch},
    {"loss_lab", "", "labelled part of the loss per epoch", per_epoch},
    {"loss_ulb", "", "unlabelled part of the loss per epoch (0 when every row is labelled)",
     per_epoch},
    {"val_rmse", "y units", "pooled validation RMSE after each epoch", per_epoch},
    {"val_acc", "", "validation treatment accuracy after each epoch", per_epoch},
    {"grad_max", "", "largest pre-clip gradient norm within each epoch", per_epoch},
    {"x_shift", "x units", "mean over features of x_shift at the end of each epoch", per_epoch},
    {"x_scale", "x units", "mean over features of x_scale at the end of each epoch", per_epoch},
    {"y_shift", "y units", "y_shift at the end of each epoch", per_epoch},
    {"y_scale", "y units", "y_scale at the end of each epoch", per_epoch},
};

/* Rows of the table when known before loading it (nhefs_like), else 0. */
static size_t n_rows_of(const hs_params *p)
{
    return strcmp(hs_param_str(p, "data"), "csv") == 0 ? 0 : HS_NHEFS_N;
}

/*
 * Seconds on one core: per update a pass over the parameters (gradient
 * zeroing, clipping, Adam: ~3.5 ns per parameter in f32) plus ~6 flops per
 * parameter per training row (forward and backward GEMMs at ~60 GFLOP/s in
 * f32 with OpenBLAS); per epoch a validation pass (2 flow rows per row,
 * forward only).  f64 takes twice as long.  Measured with
 * bench/train_bench.sh (1 ms per update at batch 10, 4.6 ms at batch 256).
 */
static double cost(const hs_params *p)
{
    double H = (double)hs_param_int(p, "flow_hidden"), Hc = (double)hs_param_int(p, "clf_hidden");
    double L = (double)hs_param_int(p, "flow_layers"), d = HS_NHEFS_DX + 1;
    double np = L * (3 * H * (d + 2) + 4 * H * H) + Hc * d + Hc * Hc;
    double n = HS_NHEFS_N, ntr = (double)hs_param_int(p, "n_train");
    ntr = ntr < n - 1 ? ntr : n - 1;
    double B = (double)hs_param_int(p, "batch_size"), E = (double)hs_param_int(p, "epochs");
    B = B < ntr ? B : ntr;
    double f64 = strcmp(hs_param_str(p, "precision"), "f64") == 0 ? 2 : 1;
    double upd = E * ceil(ntr / B);
    double s = upd * (3.5e-9 * np + 6 * np * B / 6e10) + E * 4 * np * (n - ntr) / 6e10;
    return f64 * s;
}

static int check(const hs_params *p, char *msg, size_t cap, const char **key)
{
    size_t n = n_rows_of(p);
    if (n && (size_t)hs_param_int(p, "n_train") >= n) {
        snprintf(msg, cap, "n_train = %lld leaves no validation rows (nhefs_like has %zu rows)",
                 (long long)hs_param_int(p, "n_train"), n);
        *key = "n_train";
        return -1;
    }
    if (!n && !*hs_param_str(p, "csv_path")) {
        snprintf(msg, cap, "data = \"csv\" needs csv_path");
        *key = "csv_path";
        return -1;
    }
    return 0;
}

static int expired(void *ctx) { return hs_ctx_expired(ctx); }

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    hs_flowssc_data d;
    char err[512];
    int rc = strcmp(hs_param_str(p, "data"), "csv") == 0
                 ? hs_flowssc_data_csv(&d, hs_param_str(p, "csv_path"), hs_param_str(p, "x_cols"),
                                       hs_param_str(p, "t_col"), hs_param_str(p, "y_col"), err,
                                       sizeof err)
                 : hs_flowssc_data_nhefs_like(&d, (uint64_t)hs_param_int(p, "data_seed"),
                                              hs_param_bool(p, "leak"), err, sizeof err);
    if (rc != 0) {
        hs_out_status(out, HS_ST_FAILED, "%s", err);
        return -1;
    }
    hs_flowssc_config c;
    hs_flowssc_config_default(&c);
    c.f32 = strcmp(hs_param_str(p, "precision"), "f32") == 0;
    c.lr = hs_param_real(p, "lr");
    c.batch_size = (size_t)hs_param_int(p, "batch_size");
    c.epochs = (size_t)hs_param_int(p, "epochs");
    c.clip = hs_param_real(p, "clip");
    c.stats_full = strcmp(hs_param_str(p, "stats"), "full") == 0;
    c.stat_momentum = hs_param_real(p, "stat_momentum");
    c.flow_layers = (size_t)hs_param_int(p, "flow_layers");
    c.flow_hidden = (size_t)hs_param_int(p, "flow_hidden");
    c.clf_hidden = (size_t)hs_param_int(p, "clf_hidden");
    c.out_init = strcmp(hs_param_str(p, "out_init"), "near_zero") == 0 ? HS_FLOWSSC_OUT_NEAR_ZERO
                                                                       : HS_FLOWSSC_OUT_DEFAULT;
    c.label_ratio = hs_param_real(p, "label_ratio");
    c.ulb_weight = hs_param_real(p, "ulb_weight");
    c.pred_samples = (size_t)hs_param_int(p, "pred_samples");
    c.n_train = (size_t)hs_param_int(p, "n_train");
    c.seed = ctx->seed;
    c.label_seed = (uint64_t)hs_param_int(p, "data_seed");
    c.expired = expired;
    c.expired_arg = (void *)ctx;

    hs_flowssc_traces tr = {0};
    double **slot[] = {&tr.loss,     &tr.loss_lab, &tr.loss_ulb, &tr.val_rmse, &tr.val_acc,
                       &tr.grad_max, &tr.x_shift,  &tr.x_scale,  &tr.y_shift,  &tr.y_scale};
    for (size_t i = 0; i < sizeof slot / sizeof slot[0]; i++)
        *slot[i] = hs_out_trace(out, traces[i].name, c.epochs);
    hs_flowssc_result r;
    if (hs_flowssc_train(&c, &d, &tr, &r, err, sizeof err) != 0) {
        hs_flowssc_data_free(&d);
        hs_out_status(out, HS_ST_FAILED, "%s", err);
        return -1;
    }
    for (size_t i = 0; i < sizeof slot / sizeof slot[0]; i++)
        hs_out_trace_len(out, traces[i].name, r.epochs_run);

    double floor_rmse = NAN;
    if (d.mu0) {
        double se = 0;
        for (size_t i = c.n_train; i < d.n; i++) {
            double e = d.y[i] - (d.t[i] ? d.mu1[i] : d.mu0[i]);
            se += e * e;
        }
        floor_rmse = sqrt(se / (double)(d.n - c.n_train));
    }
    hs_out_set(out, "val_rmse", r.val_rmse);
    hs_out_set(out, "best_val_rmse", r.best_val_rmse);
    hs_out_set(out, "val_acc", r.val_acc);
    hs_out_set(out, "best_val_acc", r.best_val_acc);
    hs_out_set(out, "val_rmse_floor", floor_rmse);
    hs_out_set(out, "ate_est", r.ate_est);
    hs_out_set(out, "ate_err", r.ate_err);
    hs_out_set(out, "train_loss", r.train_loss);
    hs_out_set(out, "updates", (double)r.updates);
    hs_out_set(out, "first_nonfinite", (double)r.first_nonfinite);
    hs_out_set(out, "diverged_at", (double)r.diverged_at);
    hs_out_set(out, "max_grad_norm", r.max_grad_norm);
    hs_out_set(out, "clip_frac", r.clip_frac);
    hs_out_set(out, "n_rows", (double)d.n);
    size_t per = (c.n_train + c.batch_size - 1) / c.batch_size;
    if (r.outcome == HS_FLOWSSC_NONFINITE)
        hs_out_status(out, HS_ST_NONFINITE, "loss or gradient not finite at update %ld (epoch %ld)",
                      r.first_nonfinite, r.first_nonfinite / (long)per);
    else if (r.outcome == HS_FLOWSSC_DIVERGED)
        hs_out_status(out, HS_ST_DIVERGED, "loss diverged at update %ld (epoch %ld)", r.diverged_at,
                      r.diverged_at / (long)per);
    else if (r.stopped)
        hs_out_status(out, HS_ST_TIMEOUT, "deadline passed after %zu of %zu epochs", r.epochs_run,
                      c.epochs);
    hs_flowssc_data_free(&d);
    return 0;
}

static const char doc[] =
    "flow_ssc (seed 003; XTYLearner xtylearner/models/flow_ssc.py) re-implemented with hand-written\n"
    "backprop: a 1-D conditional affine flow p(y|x,t) whose scale/shift come from residual MLPs on\n"
    "[x~, onehot(t)], a classifier MLP p(t|x), EMA or full-data normalisation, global-norm clipping\n"
    "and Adam; the whole computation runs in `precision`.  Data: a synthetic NHEFS-like table with a\n"
    "known effect (structural model in include/hsweep/flowssc.h) or a CSV file.  Validation metrics\n"
    "are pooled over all validation rows, never averaged over batches.\n"
    "Where this differs from flow_ssc, and why:\n"
    "- flow_x, the unconditional flow on x, is left out: flow_ssc evaluates it under no_grad, so it\n"
    "  only adds a constant to the logged loss and never changes a parameter or a prediction.\n"
    "  train_loss and the loss traces therefore lack flow_ssc's -mean log p(x~) term.\n"
    "- flow_layers counts affine layers.  flow_ssc builds its y-flow as RealNVP couplings with mask\n"
    "  arange(1) % 2 flipped per layer; with one feature every other coupling transforms nothing, so\n"
    "  its 6 couplings are 3 affine maps whose conditioner sees only the context.\n"
    "  Conditioner as nflows' ResidualNet: Linear(d+2, H), two blocks h + v sigmoid(Linear(c))\n"
    "  with v = Linear(relu(Linear(relu(h)))) (the last Linear of a block initialised U(+-1e-3)),\n"
    "  then Linear(H, 2) with PyTorch's default init.\n"
    "- A prediction's mean of pred_samples inversions is computed as one inversion of a N(0,\n"
    "  1/pred_samples) draw: the 1-D flow is affine in z given the context, so this is equal in\n"
    "  distribution.  Predictions are clamped to [-100, 100] as flow_ssc does.\n"
    "- At the first non-finite loss or gradient norm training stops and that update is not applied\n"
    "  (PyTorch would write NaN into the weights and continue); status nonfinite.\n"
    "- Divergence (status diverged, training continues): an update's loss > 1e6, or an epoch's mean\n"
    "  loss > 100 max(L_min, 1), L_min the lowest earlier epoch mean (the loss can be negative).\n"
    "Known property kept from flow_ssc: scale = sigmoid(raw + 2) + 1e-3 <= 1.001 maps y~ to z, so\n"
    "p(y~|x,t) cannot be narrower than sd 1.001^-L in units of the training sd of y: the flow can\n"
    "never express that x and t explain part of y's variance, and Adam keeps pushing every scale\n"
    "towards its bound.";

const hs_kernel hs_kernel_train = {
    .abi = HS_KERNEL_ABI,
    .name = "train",
    .summary = "flow_ssc training run (lr x batch x epochs, seed 003) with its failure signals",
    .doc = doc,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .metrics = metrics,
    .n_metrics = sizeof metrics / sizeof metrics[0],
    .traces = traces,
    .n_traces = sizeof traces / sizeof traces[0],
    .cost = cost,
    .check = check,
    .run = run,
};
