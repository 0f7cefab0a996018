/*
 * Model `pose` of kernel `nuts` (interface and parameters in nuts_pose.h,
 * mathematics in include/hsweep/pose.h and src/numeric/pose*.c).
 *
 * Data file (HDF5, `data_file`): datasets
 *   y             float64 [C][T_file][K][2]  keypoints in pixels, NaN = missing
 *   P             float64 [C][3][4]          camera matrices K[R|t]
 *   parents       int     [K]                parents[0] = -1, parents[k] < k
 *   bone_lengths  float64 [K-1]              nominal length of bone k at [k-1]
 *   image_size    float64 [2] (optional)     width, height (default 1280, 720)
 *   x0_hat        float64 [3] (optional)     prior centre of the root at frame 0
 *                                            (default: its triangulation)
 * The task uses the first T frames (T <= T_file).  `cameras`, `joints` and
 * the synthetic-data parameters are ignored then.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/datafile.h"
#include "hsweep/error.h"
#include "hsweep/pose.h"
#include "hsweep/task.h"
#include "kernels/nuts_pose.h"

enum { INIT_RANDOM, INIT_NOMINAL, INIT_TRIANGULATED };

struct hs_nuts_pose {
    hs_pose *pose;
    hs_pose_layout L;
    int init;
    int hessian_metric; /* init_metric = "hessian" */
    double init_radius;
    int has_truth;
    double *truth_x;   /* [T][K][3] (synthetic data only) */
    double *truth_len; /* [T][K-1] */
};

typedef struct pose_data {
    int T, K, C;
    int *parents;
    double *nominal, *P, *y, width, height;
    double *x0_hat; /* [3] or NULL */
} pose_data;

static void pose_data_free(pose_data *d)
{
    free(d->parents);
    free(d->nominal);
    free(d->P);
    free(d->y);
    free(d->x0_hat);
}

/* Load `path` (layout above, through the kernel runtime's reader), keeping
 * the first T frames. */
static int load_file(const char *path, int T, pose_data *d, char *msg, size_t cap)
{
    hs_err e = {0};
    hs_datafile *f = NULL;
    double *yall = NULL, *size = NULL;
    size_t dy[4] = {0}, dP[3] = {0}, dpar[1] = {0}, dlen[1] = {0}, dsz[1] = {0};
    int rc = hs_datafile_open(path, &f, &e);
    if (rc)
        goto done;
    if ((rc = hs_datafile_read(f, "y", HS_DATA_F64, 4, dy, (void **)&yall, &e)) ||
        (rc = hs_datafile_read(f, "P", HS_DATA_F64, 3, dP, (void **)&d->P, &e)) ||
        (rc = hs_datafile_read(f, "parents", HS_DATA_INT, 1, dpar, (void **)&d->parents, &e)) ||
        (rc = hs_datafile_read(f, "bone_lengths", HS_DATA_F64, 1, dlen, (void **)&d->nominal, &e)))
        goto done;
    d->C = (int)dy[0], d->K = (int)dy[2], d->T = T;
    if (dy[3] != 2 || dP[0] != dy[0] || dP[1] != 3 || dP[2] != 4 || dpar[0] != dy[2] ||
        dlen[0] + 1 != dy[2]) {
        rc = HS_FAIL(&e, HS_EINPUT,
                     "inconsistent shapes: y [%zu,%zu,%zu,%zu], P [%zu,%zu,%zu], "
                     "parents [%zu], bone_lengths [%zu]; expected y [C,T,K,2], P [C,3,4], "
                     "parents [K], bone_lengths [K-1]",
                     dy[0], dy[1], dy[2], dy[3], dP[0], dP[1], dP[2], dpar[0], dlen[0]);
        goto done;
    }
    if ((size_t)T > dy[1]) {
        rc = HS_FAIL(&e, HS_EINPUT, "T = %d but the file has %zu frames", T, dy[1]);
        goto done;
    }
    d->width = HS_POSE_WIDTH, d->height = HS_POSE_HEIGHT;
    if ((rc = hs_datafile_has(f, "image_size", &e)) < 0)
        goto done;
    if (rc > 0) {
        if ((rc = hs_datafile_read(f, "image_size", HS_DATA_F64, 1, dsz, (void **)&size, &e)))
            goto done;
        if (dsz[0] != 2) {
            rc = HS_FAIL(&e, HS_EINPUT, "image_size must hold 2 values (width, height)");
            goto done;
        }
        d->width = size[0], d->height = size[1];
    }
    if ((rc = hs_datafile_has(f, "x0_hat", &e)) < 0)
        goto done;
    if (rc > 0) {
        size_t dx[1] = {0};
        if ((rc = hs_datafile_read(f, "x0_hat", HS_DATA_F64, 1, dx, (void **)&d->x0_hat, &e)))
            goto done;
        if (dx[0] != 3 || !isfinite(d->x0_hat[0]) || !isfinite(d->x0_hat[1]) ||
            !isfinite(d->x0_hat[2])) {
            rc = HS_FAIL(&e, HS_EINPUT, "x0_hat must hold 3 finite values (x, y, z)");
            goto done;
        }
    }
    rc = 0;
    size_t K = (size_t)d->K, Tf = dy[1];
    d->y = malloc((size_t)d->C * T * K * 2 * sizeof(double));
    if (!d->y) {
        rc = HS_FAIL(&e, HS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t c = 0; c < (size_t)d->C; c++)
        memcpy(d->y + c * T * K * 2, yall + c * Tf * K * 2, (size_t)T * K * 2 * sizeof(double));
done:
    hs_datafile_close(&f);
    free(yall);
    free(size);
    if (rc)
        snprintf(msg, cap, "pose: data_file '%s': %s", path, e.msg);
    return rc;
}

/* Synthetic data from the task parameters; keeps the truth in pp. */
static int make_synthetic(const hs_params *p, hs_nuts_pose *pp, pose_data *d, char *msg, size_t cap)
{
    d->T = (int)hs_param_int(p, "T");
    d->K = (int)hs_param_int(p, "joints");
    d->C = (int)hs_param_int(p, "cameras");
    d->width = HS_POSE_WIDTH, d->height = HS_POSE_HEIGHT;
    size_t T = (size_t)d->T, K = (size_t)d->K, C = (size_t)d->C;
    d->parents = malloc(K * sizeof(int));
    d->nominal = malloc((K - 1) * sizeof(double));
    d->P = malloc(12 * C * sizeof(double));
    d->y = malloc(C * T * K * 2 * sizeof(double));
    pp->truth_x = malloc(T * K * 3 * sizeof(double));
    pp->truth_len = malloc(T * (K - 1) * sizeof(double));
    int *state = malloc(T * sizeof(int));
    if (!d->parents || !d->nominal || !d->P || !d->y || !pp->truth_x || !pp->truth_len || !state) {
        free(state);
        snprintf(msg, cap, "pose: out of memory for T = %zu", T);
        return HS_ENOMEM;
    }
    hs_pose_default_tree(d->K, d->parents, d->nominal);
    hs_pose_default_cameras(d->C, d->P);
    hs_pose_truth truth = {pp->truth_x, state, pp->truth_len};
    hs_pose_synthesize(d->T, d->K, d->C, (int)hs_param_int(p, "states"), d->parents, d->nominal,
                       d->P, d->width, d->height, hs_param_real(p, "noise_px"),
                       hs_param_real(p, "outlier_frac"), hs_param_real(p, "missing_frac"),
                       (uint64_t)hs_param_int(p, "data_seed"), d->y, &truth);
    free(state);
    pp->has_truth = 1;
    return 0;
}

/*
 * Parse a per-bone list parameter: comma-separated finite positive numbers
 * into out[cap].  Returns how many (0 for ""), or -1 (msg says why) when a
 * field is not such a number or there are more than cap.
 */
static int parse_list(const char *s, double *out, int cap, char *msg, size_t mcap)
{
    int n = 0;
    while (s && *s) {
        char *end;
        double v = strtod(s, &end);
        while (*end == ' ')
            end++;
        if (end == s || (*end != ',' && *end != '\0') || !(v > 0.0) || !isfinite(v)) {
            snprintf(msg, mcap, "value %d is not a positive finite number", n + 1);
            return -1;
        }
        if (n == cap) {
            snprintf(msg, mcap, "more than %d values", cap);
            return -1;
        }
        out[n++] = v;
        s = *end ? end + 1 : end;
    }
    return n;
}

/* The per-bone prior lists (pose.h's rho_sd_b, sigma2_mode_b, sigma2_sd_b). */
static const char *const bone_list[3] = {"rho_sd_list", "sigma2_mode_list", "sigma2_sd_list"};

/*
 * Per-bone values of bone_list[h] for B bones into out[B].  Returns 1 when
 * the list is given, 0 when it is "" (the scalar applies), or HS_EINPUT
 * naming the key when it does not hold B positive numbers.
 */
static int bone_values(const hs_params *p, int h, int B, double *out, char *msg, size_t cap)
{
    char why[128];
    int n = parse_list(hs_param_str(p, bone_list[h]), out, 64, why, sizeof why);
    if (n < 0)
        snprintf(msg, cap, "pose: %s: %s", bone_list[h], why);
    else if (n != 0 && n != B)
        snprintf(msg, cap, "pose: %s has %d values but the skeleton has %d bones", bone_list[h], n,
                 B);
    else
        return n > 0;
    return HS_EINPUT;
}

/* coords = joints, or auto with positive lengths. */
static int use_joints(const hs_params *p)
{
    const char *co = hs_param_str(p, "coords");
    return strcmp(co, "joints") == 0 ||
           (strcmp(co, "auto") == 0 && strcmp(hs_param_str(p, "lengths"), "positive") == 0);
}

int hs_nuts_pose_check(const hs_params *p, char *msg, size_t cap, const char **key)
{
    if (strcmp(hs_param_str(p, "coords"), "joints") == 0 &&
        strcmp(hs_param_str(p, "lengths"), "free") == 0) {
        snprintf(msg, cap,
                 "coords = \"joints\" needs lengths = \"positive\": free lengths have "
                 "mirror modes (l, r) ~ (-l, -r) that joint positions cannot represent (use "
                 "coords = \"raw\" or \"auto\")");
        *key = "coords";
        return -1;
    }
    const char *file = hs_param_str(p, "data_file");
    for (int h = 0; h < 3; h++) {
        double v[64];
        char why[128];
        int n = parse_list(hs_param_str(p, bone_list[h]), v, 64, why, sizeof why);
        long long B = hs_param_int(p, "joints") - 1;
        if (n < 0)
            snprintf(msg, cap, "%s", why);
        else if (n > 0 && !(file && file[0]) && n != B)
            snprintf(msg, cap, "%d values for the %lld bones of joints = %lld", n, B, B + 1);
        else
            continue;
        *key = bone_list[h];
        return -1;
    }
    return 0;
}

int hs_nuts_pose_create(const hs_params *p, uint64_t seed, hs_nuts_pose **out, char *msg,
                        size_t cap)
{
    (void)seed;
    *out = NULL;
    hs_nuts_pose *pp = calloc(1, sizeof *pp);
    if (!pp) {
        snprintf(msg, cap, "pose: out of memory");
        return HS_ENOMEM;
    }
    pose_data d = {0};
    const char *file = hs_param_str(p, "data_file");
    int rc = file && file[0] ? load_file(file, (int)hs_param_int(p, "T"), &d, msg, cap)
                             : make_synthetic(p, pp, &d, msg, cap);
    double hyp[3][64];
    int given[3] = {0, 0, 0};
    for (int h = 0; rc == 0 && h < 3; h++)
        if ((given[h] = bone_values(p, h, d.K - 1, hyp[h], msg, cap)) < 0)
            rc = given[h];
    if (rc == 0) {
        const char *init = hs_param_str(p, "init");
        pp->init = strcmp(init, "random") == 0    ? INIT_RANDOM
                   : strcmp(init, "nominal") == 0 ? INIT_NOMINAL
                                                  : INIT_TRIANGULATED;
        pp->init_radius = hs_param_real(p, "init_radius");
        pp->hessian_metric = strcmp(hs_param_str(p, "init_metric"), "hessian") == 0;
        hs_pose_config cfg = {
            .T = d.T,
            .K = d.K,
            .C = d.C,
            .S = (int)hs_param_int(p, "states"),
            .parents = d.parents,
            .nominal = d.nominal,
            .P = d.P,
            .y = d.y,
            .width = d.width,
            .height = d.height,
            .lengths_positive = strcmp(hs_param_str(p, "lengths"), "positive") == 0,
            .use_mixture = hs_param_bool(p, "use_mixture"),
            .use_hmm = hs_param_bool(p, "use_hmm"),
            .vmf_normalized = hs_param_bool(p, "vmf_normalized"),
            .dir_shell = strcmp(hs_param_str(p, "coords"), "shell") == 0,
            .joints = use_joints(p),
            .vmf_natural = use_joints(p),
            .eta2_mode = hs_param_real(p, "eta2_mode"),
            .eta2_sd = hs_param_real(p, "eta2_sd"),
            .sigma_obs_mode = hs_param_real(p, "sigma_obs_mode"),
            .sigma_obs_sd = hs_param_real(p, "sigma_obs_sd"),
            .kappa_mode = hs_param_real(p, "kappa_mode"),
            .kappa_sd = hs_param_real(p, "kappa_sd"),
            .rho_sd = hs_param_real(p, "rho_sd"),
            .sigma2_mode = hs_param_real(p, "sigma2_mode"),
            .sigma2_sd = hs_param_real(p, "sigma2_sd"),
            .rho_sd_b = given[0] ? hyp[0] : NULL,
            .sigma2_mode_b = given[1] ? hyp[1] : NULL,
            .sigma2_sd_b = given[2] ? hyp[2] : NULL,
            .prior_relative = strcmp(hs_param_str(p, "prior_scale"), "relative") == 0,
            .x0_hat = d.x0_hat,
            .obs_twice = hs_param_bool(p, "obs_twice")};
        if (cap)
            msg[0] = '\0';
        rc = hs_num_err(hs_pose_create(&cfg, &pp->pose, msg, cap), msg, cap, "pose");
    }
    pose_data_free(&d);
    if (rc) {
        hs_nuts_pose_destroy(&pp);
        return rc;
    }
    pp->L = hs_pose_get_layout(pp->pose);
    *out = pp;
    return 0;
}

hs_model hs_nuts_pose_model(hs_nuts_pose *pp) { return hs_pose_model(pp->pose); }

int hs_nuts_pose_init(hs_nuts_pose *pp, hs_rng *rng, double *q)
{
    double r = pp->init_radius;
    if (pp->init == INIT_TRIANGULATED)
        hs_pose_init_triangulated(pp->pose, rng, r, q);
    else if (pp->init == INIT_NOMINAL)
        hs_pose_init_nominal(pp->pose, rng, r, q);
    else
        for (size_t i = 0; i < pp->L.dim; i++)
            q[i] = r * (2.0 * hs_rng_uniform(rng) - 1.0);
    return 0;
}

size_t hs_nuts_pose_metric(hs_nuts_pose *pp, const double *q0, double *minv)
{
    if (!pp->hessian_metric)
        return 0;
    double *work = malloc(3 * pp->L.dim * sizeof *work);
    size_t used = work ? hs_pose_init_metric(pp->pose, q0, work, minv) : 0;
    free(work);
    return used;
}

size_t hs_nuts_pose_subset(const hs_nuts_pose *pp, size_t *idx, size_t cap)
{
    const hs_pose_layout *L = &pp->L;
    size_t B = (size_t)hs_pose_get_config(pp->pose)->K - 1, n = 0;
    size_t all[3 + 64];
    all[n++] = L->log_eta2;
    for (size_t b = 0; b < B; b++)
        all[n++] = L->log_rho + b;
    all[n++] = L->log_sigma_obs;
    if (L->logodds != SIZE_MAX)
        all[n++] = L->logodds;
    for (size_t i = 0; i < n && i < cap; i++)
        idx[i] = all[i];
    return n;
}

void hs_nuts_pose_report(const hs_nuts_pose *pp, const double *draws, size_t n, size_t m,
                         hs_out *out)
{
    const hs_pose_layout *L = &pp->L;
    const hs_pose_config *c = hs_pose_get_config(pp->pose);
    size_t T = (size_t)c->T, K = (size_t)c->K, B = K - 1, dim = L->dim, N = n * m;
    if (N == 0)
        return;
#define DRAW(ch, i) (draws + ((ch)*n + (i)) * dim)
    double s1 = 0.0, s2 = 0.0, so = 0.0, km = 0.0;
    for (size_t ch = 0; ch < m; ch++)
        for (size_t i = 0; i < n; i++) {
            const double *q = DRAW(ch, i);
            so += exp(q[L->log_sigma_obs]);
            if (L->logodds != SIZE_MAX) {
                double pr = 1.0 / (1.0 + exp(-q[L->logodds]));
                s1 += pr;
                s2 += pr * pr;
            }
            if (L->mu != SIZE_MAX) {
                double mx = 0.0;
                for (size_t j = 0; j < (size_t)c->S * B; j++) {
                    const double *w = q + L->mu + 3 * j;
                    mx = fmax(mx, L->log_kappa != SIZE_MAX
                                      ? exp(q[L->log_kappa + j])
                                      : sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2] + 1e-8));
                }
                km += mx;
            }
        }
    hs_out_set(out, "sigma_obs_mean", so / N);
    if (L->logodds != SIZE_MAX) {
        double mean = s1 / N, var = N > 1 ? (s2 - N * mean * mean) / (N - 1) : 0.0;
        hs_out_set(out, "inlier_prob_mean", mean);
        hs_out_set(out, "inlier_prob_sd", sqrt(fmax(var, 0.0)));
    }
    if (L->mu != SIZE_MAX)
        hs_out_set(out, "kappa_max_mean", km / N);

    /* Lengths: sign per (frame, bone) per chain, posterior-mean |l|. */
    size_t neg = 0, disagree = 0;
    double len_se = 0.0;
    double *len = malloc(N * T * B * sizeof *len);
    if (!len)
        return;
    for (size_t d = 0; d < N; d++)
        hs_pose_bone_lengths(pp->pose, draws + d * dim, len + d * T * B);
    for (size_t tb = 0; tb < T * B; tb++) {
        int first_major = -1, differs = 0;
        double mean_abs = 0.0;
        for (size_t ch = 0; ch < m; ch++) {
            size_t chneg = 0;
            for (size_t i = 0; i < n; i++) {
                double l = len[(ch * n + i) * T * B + tb];
                chneg += l < 0.0;
                mean_abs += fabs(l);
            }
            neg += chneg;
            int major = 2 * chneg > n;
            if (first_major < 0)
                first_major = major;
            else if (major != first_major)
                differs = 1;
        }
        disagree += differs;
        if (pp->has_truth) {
            double e = mean_abs / N - pp->truth_len[tb];
            len_se += e * e;
        }
    }
    free(len);
    hs_out_set(out, "neg_length_frac", (double)neg / ((double)N * T * B));
    if (m >= 2)
        hs_out_set(out, "chains_disagree_lengths", (double)disagree / (double)(T * B));
    if (!pp->has_truth)
        return;
    hs_out_set(out, "length_rmse", sqrt(len_se / (double)(T * B)));
    double root_se = 0.0;
    for (size_t t = 0; t < T; t++)
        for (size_t j = 0; j < 3; j++) {
            double mean = 0.0;
            for (size_t ch = 0; ch < m; ch++)
                for (size_t i = 0; i < n; i++)
                    mean += DRAW(ch, i)[L->root + 3 * t + j];
            double e = mean / N - pp->truth_x[t * K * 3 + j];
            root_se += e * e;
        }
    hs_out_set(out, "root_rmse", sqrt(root_se / (double)T));
#undef DRAW
}

/*
 * Seconds per gradient ~ 7e-9 T (K C + 3 K S) (bench/pose_grad.c: 0.55 ms at
 * T = 1800, K = 4, C = 3, S = 3 on one core), times the leapfrog steps per
 * iteration measured with bench/pose_nuts.c (tune and draws together): with
 * raw directions the trees saturate at depth 10 (1023 steps) with the
 * outlier mixture and reach depth ~8 with Gaussian keypoints; the shell
 * prior needs ~280 at T = 80, ~370 at 200, ~660 at 1800; joint positions
 * ~300 at T = 80 and 200, ~550 at 1800.
 */
double hs_nuts_pose_cost(const hs_params *p)
{
    double T = (double)hs_param_int(p, "T"), K = (double)hs_param_int(p, "joints");
    double C = (double)hs_param_int(p, "cameras"), S = (double)hs_param_int(p, "states");
    const char *co = hs_param_str(p, "coords");
    double per_grad = 7e-9 * T * (K * C + (hs_param_bool(p, "use_hmm") ? 3.0 * K * S : 0.0));
    double steps = use_joints(p)                     ? 280.0 + 0.15 * T
                   : strcmp(co, "shell") == 0        ? 250.0 + 0.23 * T
                   : hs_param_bool(p, "use_mixture") ? 1000.0
                                                     : 300.0;
    double iters = (double)hs_param_int(p, "chains") *
                   (double)(hs_param_int(p, "tune") + hs_param_int(p, "draws"));
    return iters * steps * per_grad;
}

void hs_nuts_pose_destroy(hs_nuts_pose **pp)
{
    if (!pp || !*pp)
        return;
    hs_pose_destroy(&(*pp)->pose);
    free((*pp)->truth_x);
    free((*pp)->truth_len);
    free(*pp);
    *pp = NULL;
}
