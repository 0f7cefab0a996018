/*
 * The VI step loop of llc_vi.c, written once for both precisions.  Included
 * twice with R (double / float), F(x) (x##_d / x##_f), M_(f) (the libm
 * function f / f##f), SYRK (cblas_dsyrk / cblas_ssyrk), TGRAD and TLOSS
 * (hs_llc_target_grad / _gradf, hs_llc_target_loss / _lossf) and ADAM
 * (hs_adam_step / hs_adam_stepf).  No include guard on purpose.
 */

/* Working vectors of one precision, carved from vi->F(mem) (see vi_mem_len). */
typedef struct F(vw) {
    R *theta, *grad, *s, *ds, *C, *L, *logdetC, *u, *delta, *w, *gt, *G, *gk, *yk, *logp, *logpi,
        *pi, *resp, *z, *eps, *acc, *x, *twork;
    R logdetS;
} F(vw);

static void F(vw_bind)(hs_llc_vi *vi, F(vw) * b)
{
    const size_t d = vi->d, M = vi->M, r = vi->r;
    R *p = vi->F(mem);
#define TAKE(field, len)                                                                           \
    do {                                                                                           \
        b->field = p;                                                                              \
        p += (len);                                                                                \
    } while (0)
    TAKE(theta, vi->np);
    TAKE(grad, vi->np);
    TAKE(s, d);
    TAKE(ds, d);
    TAKE(C, M * r * r);
    TAKE(L, M * r * r);
    TAKE(logdetC, M);
    TAKE(u, d);
    TAKE(delta, d);
    TAKE(w, d);
    TAKE(gt, d);
    TAKE(G, d);
    TAKE(gk, M * r);
    TAKE(yk, M * r);
    TAKE(logp, M);
    TAKE(logpi, M);
    TAKE(pi, M);
    TAKE(resp, M);
    TAKE(z, r);
    TAKE(eps, d);
    TAKE(acc, d);
    TAKE(x, d);
    TAKE(twork, hs_llc_target_work_size(vi->t));
#undef TAKE
}

/*
 * From θ: s = clip(softplus(ρ)), ds = ∂s/∂ρ (0 where clipped), log det S,
 * π = softmax(α), and the Cholesky factor L_m of every
 * C_m = (1 + ridge)·I + A_mᵀA_m.  A factorisation that fails (rounding in
 * f32 with large A) is retried with the ridge ×10, up to 30 times; the
 * largest ridge used goes to vi->ridge_used.  Returns 0, or −1 if some C_m
 * cannot be factored (non-finite A).
 */
static int F(prepare)(hs_llc_vi *vi, F(vw) * b, const R *theta)
{
    const size_t d = vi->d, M = vi->M, r = vi->r;
    const R *rho = theta, *A = theta + d, *alpha = theta + d + M * d * r;
    const R lo = (R)vi->cfg.dsqrt_min, hi = (R)vi->cfg.dsqrt_max;
    R lds = 0;
    for (size_t i = 0; i < d; i++) {
        /* softplus(x) = max(x, 0) + log1p(e^{−|x|}); its derivative is sigmoid(x) */
        R x = rho[i], e = M_(exp)(-M_(fabs)(x));
        R sp = (x > 0 ? x : (R)0) + M_(log1p)(e);
        R sg = x >= 0 ? (R)1 / ((R)1 + e) : e / ((R)1 + e);
        if (sp < lo || sp > hi || !(sp == sp)) {
            sp = sp > hi ? hi : lo;
            sg = 0;
        }
        b->s[i] = sp;
        b->ds[i] = sg;
        lds += M_(log)(sp);
    }
    b->logdetS = lds;
    R amax = alpha[0];
    for (size_t k = 1; k < M; k++)
        if (alpha[k] > amax)
            amax = alpha[k];
    R z = 0;
    for (size_t k = 0; k < M; k++)
        z += M_(exp)(alpha[k] - amax);
    const R lz = M_(log)(z) + amax;
    for (size_t k = 0; k < M; k++) {
        b->logpi[k] = alpha[k] - lz;
        b->pi[k] = M_(exp)(b->logpi[k]);
    }
    for (size_t k = 0; k < M; k++) {
        R *C = b->C + k * r * r, *L = b->L + k * r * r;
        /* C = A_kᵀA_k (upper triangle), A_k is d×r row-major */
        SYRK(CblasRowMajor, CblasUpper, CblasTrans, (int)r, (int)d, (R)1, A + k * d * r, (int)r,
             (R)0, C, (int)r);
        double ridge = vi->cfg.ridge;
        int ok = 0;
        for (int tries = 0; tries < 30 && !ok; tries++, ridge = ridge > 0 ? 10 * ridge : 1e-8) {
            ok = 1;
            for (size_t j = 0; j < r && ok; j++) {
                for (size_t i = j; i < r; i++) {
                    R sum = C[j * r + i] + (i == j ? (R)(1.0 + ridge) : (R)0);
                    for (size_t q = 0; q < j; q++)
                        sum -= L[i * r + q] * L[j * r + q];
                    if (i == j) {
                        if (!(sum > 0) || !(sum < INFINITY)) {
                            ok = 0;
                            break;
                        }
                        L[j * r + j] = M_(sqrt)(sum);
                    } else {
                        L[i * r + j] = sum / L[j * r + j];
                    }
                }
            }
            if (ok && ridge > vi->ridge_used)
                vi->ridge_used = ridge;
        }
        if (!ok)
            return -1;
        R ld = 0;
        for (size_t j = 0; j < r; j++)
            ld += M_(log)(L[j * r + j]);
        b->logdetC[k] = 2 * ld;
    }
    return 0;
}

/*
 * log q(w) at u = (w − w*)/s (Woodbury, see the derivation in llc_vi.c):
 * per component g_k = A_kᵀu, y_k = C_k⁻¹g_k, quad_k = uᵀu − g_kᵀy_k,
 * log N_k = −½(d log 2π + 2 log det S + log det C_k + quad_k); responsibilities
 * r_k; acc = Σ_k r_k A_k y_k, so that ∇_w log q = −(u − acc)/s.
 */
static R F(logq)(hs_llc_vi *vi, F(vw) * b, const R *theta, const R *u)
{
    const size_t d = vi->d, M = vi->M, r = vi->r;
    const R *A = theta + d;
    R uu = 0;
    for (size_t i = 0; i < d; i++)
        uu += u[i] * u[i];
    R lmax = -INFINITY;
    for (size_t k = 0; k < M; k++) {
        const R *Ak = A + k * d * r, *L = b->L + k * r * r;
        R *g = b->gk + k * r, *y = b->yk + k * r;
        for (size_t j = 0; j < r; j++)
            g[j] = 0;
        for (size_t i = 0; i < d; i++)
            for (size_t j = 0; j < r; j++)
                g[j] += Ak[i * r + j] * u[i];
        /* L L' y = g: forward then backward substitution */
        for (size_t j = 0; j < r; j++) {
            R v = g[j];
            for (size_t q = 0; q < j; q++)
                v -= L[j * r + q] * y[q];
            y[j] = v / L[j * r + j];
        }
        for (size_t j = r; j-- > 0;) {
            R v = y[j];
            for (size_t q = j + 1; q < r; q++)
                v -= L[q * r + j] * y[q];
            y[j] = v / L[j * r + j];
        }
        R gy = 0;
        for (size_t j = 0; j < r; j++)
            gy += g[j] * y[j];
        b->logp[k] = (R)-0.5 * ((R)d * (R)HS_LOG_2PI + 2 * b->logdetS + b->logdetC[k] + uu - gy);
        R lk = b->logpi[k] + b->logp[k];
        if (lk > lmax)
            lmax = lk;
    }
    R z = 0;
    for (size_t k = 0; k < M; k++) {
        b->resp[k] = M_(exp)(b->logpi[k] + b->logp[k] - lmax);
        z += b->resp[k];
    }
    for (size_t k = 0; k < M; k++)
        b->resp[k] /= z;
    for (size_t i = 0; i < d; i++)
        b->acc[i] = 0;
    for (size_t k = 0; k < M; k++) {
        const R *Ak = A + k * d * r, *y = b->yk + k * r;
        const R rk = b->resp[k];
        for (size_t i = 0; i < d; i++) {
            R v = 0;
            for (size_t j = 0; j < r; j++)
                v += Ak[i * r + j] * y[j];
            b->acc[i] += rk * v;
        }
    }
    return lmax + M_(log)(z);
}

/* u = ε + A_m z, δ = s⊙u, w = w* + δ (b->s from prepare). */
static void F(sample)(hs_llc_vi *vi, F(vw) * b, const R *theta, size_t m)
{
    const size_t d = vi->d, r = vi->r;
    const R *Am = theta + d + m * d * r, *ws = vi->F(wstar);
    for (size_t i = 0; i < d; i++) {
        R v = b->eps[i];
        for (size_t j = 0; j < r; j++)
            v += Am[i * r + j] * b->z[j];
        b->u[i] = v;
        b->delta[i] = b->s[i] * v;
        b->w[i] = ws[i] + b->delta[i];
    }
}

/*
 * GAUSSIAN family (see llc_vi.c): s = e^ℓ, log det S = Σℓ, π = (1).
 * Returns 0, or −1 if some s is 0 or not finite.
 */
static int F(gauss_prepare)(hs_llc_vi *vi, F(vw) * b, const R *theta)
{
    R lds = 0;
    for (size_t i = 0; i < vi->d; i++) {
        b->s[i] = M_(exp)(theta[i]);
        b->ds[i] = b->s[i];
        lds += theta[i];
        if (!(b->s[i] > 0) || !(b->s[i] < INFINITY))
            return -1;
    }
    b->logdetS = lds;
    b->pi[0] = 1;
    b->logpi[0] = 0;
    return 0;
}

/* Row i of the unit lower triangular N: its i entries below the diagonal. */
static const R *F(gauss_row)(const hs_llc_vi *vi, const R *theta, size_t i)
{
    return theta + vi->d + i * (i - (i > 0)) / 2;
}

/* x = N(s⊙ε), δ = Px, u = ε, w = w* + δ (b->s from gauss_prepare). */
static void F(gauss_sample)(hs_llc_vi *vi, F(vw) * b, const R *theta)
{
    const size_t d = vi->d;
    const R *ws = vi->F(wstar);
    for (size_t i = 0; i < d; i++) {
        const R *Ni = F(gauss_row)(vi, theta, i);
        R v = b->s[i] * b->eps[i];
        for (size_t j = 0; j < i; j++)
            v += Ni[j] * b->s[j] * b->eps[j];
        b->u[i] = b->eps[i];
        b->x[i] = v;
    }
    GEMV(CblasRowMajor, CblasNoTrans, (int)d, (int)d, (R)1, vi->F(P), (int)d, b->x, 1, (R)0,
         b->delta, 1);
    for (size_t i = 0; i < d; i++)
        b->w[i] = ws[i] + b->delta[i];
}

/*
 * log q(w) of the GAUSSIAN family at u = C⁻¹(w − w*):
 * −½(d log 2π + uᵀu) − Σℓ − log|det P|; acc = N⁻ᵀ(u/s), so that the gradient
 * in the whitened coordinates x = P⁻¹(w − w*) is ∇_x log q = −acc.
 */
static R F(gauss_logq)(hs_llc_vi *vi, F(vw) * b, const R *theta, const R *u)
{
    const size_t d = vi->d;
    R uu = 0;
    for (size_t i = 0; i < d; i++) {
        uu += u[i] * u[i];
        b->acc[i] = u[i] / b->s[i];
    }
    /* back substitution with the unit upper Nᵀ, row k of N once acc[k] is final */
    for (size_t k = d; k-- > 1;) {
        const R *Nk = F(gauss_row)(vi, theta, k);
        for (size_t i = 0; i < k; i++)
            b->acc[i] -= Nk[i] * b->acc[k];
    }
    return (R)-0.5 * ((R)d * (R)HS_LOG_2PI + uu) - b->logdetS - (R)vi->logdetP;
}

/*
 * One draw's STL ascent direction for the GAUSSIAN family into b->grad:
 * with G = Pᵀ∇_w log p̃(w) − ∇_x log q (the path gradient in x = P⁻¹δ) and
 * v = s⊙ε,
 *   ∂/∂ℓ_j = (NᵀG)_j v_j,   ∂/∂N_ij = G_i v_j   (i > j).
 * Returns f = log p̃(w) − log q(w); *lossb receives L_B(w).
 */
static R F(gauss_draw_grad)(hs_llc_vi *vi, F(vw) * b, const R *theta, const size_t *rows, size_t nr,
                            R *lossb)
{
    const size_t d = vi->d;
    const R nbeta = (R)vi->cfg.nbeta, gamma = (R)vi->cfg.gamma;
    F(gauss_sample)(vi, b, theta);
    const R lb = TGRAD(vi->t, b->w, rows, nr, b->gt, b->twork);
    R dd = 0;
    for (size_t i = 0; i < d; i++)
        dd += b->delta[i] * b->delta[i];
    const R logp = -nbeta * (lb - vi->F(lstar)) - (R)0.5 * gamma * dd;
    const R f = logp - F(gauss_logq)(vi, b, theta, b->u);
    R *gl = b->grad;
    for (size_t i = 0; i < d; i++)
        b->x[i] = -nbeta * b->gt[i] - gamma * b->delta[i];
    GEMV(CblasRowMajor, CblasTrans, (int)d, (int)d, (R)1, vi->F(P), (int)d, b->x, 1, (R)0, b->G, 1);
    for (size_t i = 0; i < d; i++) {
        b->G[i] += b->acc[i];
        gl[i] = b->G[i];
    }
    for (size_t i = 1; i < d; i++) {
        const R *Ni = F(gauss_row)(vi, theta, i);
        R *gN = b->grad + (Ni - theta);
        for (size_t j = 0; j < i; j++) {
            gN[j] = b->G[i] * b->s[j] * b->eps[j];
            gl[j] += Ni[j] * b->G[i];
        }
    }
    for (size_t j = 0; j < d; j++)
        gl[j] *= b->s[j] * b->eps[j];
    *lossb = lb;
    return f;
}

/*
 * One draw's ascent direction into b->grad (see the derivation): with
 * G = ∇_w log p̃(w) − ∇_w log q(w),
 *   ∂/∂ρ_i   = G_i u_i ds_i,     ∂/∂A_m[i,j] = G_i s_i z_j   (STL path terms),
 *   ∂/∂α_k   = (f − baseline)(r_k(w) − π_k)                 (RB score term),
 * f = log p̃(w) − log q(w), log p̃(w) = −nβ(L_B(w) − L_n(w*)) − ½γ‖δ‖² on the
 * rows B.  b->eps, b->z must hold the noise; prepare must have run on θ.
 * Returns f; *lossb receives L_B(w).  The baseline NAN means "use f itself"
 * (the first step: a zero logits gradient).
 */
static R F(draw_grad)(hs_llc_vi *vi, F(vw) * b, const R *theta, size_t m, const size_t *rows,
                      size_t nr, R baseline, R *lossb)
{
    const size_t d = vi->d, M = vi->M, r = vi->r;
    const R nbeta = (R)vi->cfg.nbeta, gamma = (R)vi->cfg.gamma;
    F(sample)(vi, b, theta, m);
    const R lb = TGRAD(vi->t, b->w, rows, nr, b->gt, b->twork);
    R dd = 0;
    for (size_t i = 0; i < d; i++)
        dd += b->delta[i] * b->delta[i];
    const R logp = -nbeta * (lb - vi->F(lstar)) - (R)0.5 * gamma * dd;
    const R lq = F(logq)(vi, b, theta, b->u);
    const R f = logp - lq;
    for (size_t i = 0; i < d; i++)
        b->G[i] = -nbeta * b->gt[i] - gamma * b->delta[i] + (b->u[i] - b->acc[i]) / b->s[i];
    R *g = b->grad;
    for (size_t k = 0; k < vi->np; k++)
        g[k] = 0;
    for (size_t i = 0; i < d; i++)
        g[i] = b->G[i] * b->u[i] * b->ds[i];
    R *gA = g + d + m * d * r;
    for (size_t i = 0; i < d; i++) {
        const R gs = b->G[i] * b->s[i];
        for (size_t j = 0; j < r; j++)
            gA[i * r + j] = gs * b->z[j];
    }
    const R pay = f - (baseline == baseline ? baseline : f);
    R *ga = g + d + M * d * r;
    for (size_t k = 0; k < M; k++)
        ga[k] = pay * (b->resp[k] - b->pi[k]);
    *lossb = lb;
    return f;
}

/* m ~ π, z ~ N(0, I_r), ε ~ N(0, I_d) into b. */
static size_t F(draw_noise)(hs_llc_vi *vi, F(vw) * b, hs_rng *rng)
{
    size_t m = vi->M - 1;
    if (vi->cfg.family == HS_LLC_VI_MFA) {
        double u = hs_rng_uniform(rng), c = 0;
        for (size_t k = 0; k < vi->M; k++) {
            c += (double)b->pi[k];
            if (u < c) {
                m = k;
                break;
            }
        }
    }
    for (size_t j = 0; j < vi->r; j++)
        b->z[j] = (R)hs_rng_normal(rng);
    for (size_t i = 0; i < vi->d; i++)
        b->eps[i] = (R)hs_rng_normal(rng);
    return m;
}

/* Scale every column of every A_m to norm <= max_norm. */
static void F(max_norm)(hs_llc_vi *vi, R *theta)
{
    const size_t d = vi->d, M = vi->M, r = vi->r;
    const R mx = (R)vi->cfg.max_norm;
    for (size_t k = 0; k < M; k++) {
        R *Ak = theta + d + k * d * r;
        for (size_t j = 0; j < r; j++) {
            R ss = 0;
            for (size_t i = 0; i < d; i++)
                ss += Ak[i * r + j] * Ak[i * r + j];
            R nrm = M_(sqrt)(ss);
            if (nrm > mx) {
                R sc = mx / nrm;
                for (size_t i = 0; i < d; i++)
                    Ak[i * r + j] *= sc;
            }
        }
    }
}

/* Record the per-step trace entries of step `pos`. */
static void F(record)(hs_llc_vi *vi, F(vw) * b, const hs_llc_vi_trace *tr, size_t pos, R f, R lossb,
                      double gnorm)
{
    const size_t d = vi->d, M = vi->M, r = vi->r;
    const R *A = b->theta + d;
    if (tr->elbo)
        tr->elbo[pos] = (double)f;
    if (tr->lambda)
        tr->lambda[pos] = vi->cfg.nbeta * ((double)lossb - (double)vi->F(lstar));
    if (tr->grad_norm)
        tr->grad_norm[pos] = gnorm;
    double smin = INFINITY, smax = -INFINITY, cmin = INFINITY, cmax = -INFINITY;
    for (size_t i = 0; i < d; i++) {
        smin = fmin(smin, (double)b->s[i]);
        smax = fmax(smax, (double)b->s[i]);
    }
    for (size_t k = 0; k < M; k++)
        for (size_t j = 0; j < r; j++) {
            double ss = 0;
            for (size_t i = 0; i < d; i++)
                ss += (double)A[k * d * r + i * r + j] * (double)A[k * d * r + i * r + j];
            cmin = fmin(cmin, sqrt(ss));
            cmax = fmax(cmax, sqrt(ss));
        }
    if (vi->cfg.family == HS_LLC_VI_GAUSSIAN) {
        /* column j of C = N·diag(s): s_j (e_j + N's entries below row j) */
        for (size_t i = 0; i < d; i++)
            vi->colwork[i] = 1;
        for (size_t i = 1; i < d; i++) {
            const R *Ni = F(gauss_row)(vi, b->theta, i);
            for (size_t j = 0; j < i; j++)
                vi->colwork[j] += (double)Ni[j] * (double)Ni[j];
        }
        for (size_t j = 0; j < d; j++) {
            const double c = (double)b->s[j] * sqrt(vi->colwork[j]);
            cmin = fmin(cmin, c);
            cmax = fmax(cmax, c);
        }
    }
    double pmin = INFINITY, pmax = -INFINITY;
    for (size_t k = 0; k < M; k++) {
        pmin = fmin(pmin, (double)b->pi[k]);
        pmax = fmax(pmax, (double)b->pi[k]);
    }
    if (tr->dsqrt_min)
        tr->dsqrt_min[pos] = smin;
    if (tr->dsqrt_max)
        tr->dsqrt_max[pos] = smax;
    if (tr->acol_min)
        tr->acol_min[pos] = cmin;
    if (tr->acol_max)
        tr->acol_max[pos] = cmax;
    if (tr->pi_min)
        tr->pi_min[pos] = pmin;
    if (tr->pi_max)
        tr->pi_max[pos] = pmax;
    /* smallest eigenvalue of the C_m actually factored (ridge included) */
    for (size_t k = 0; k < M && vi->cfg.family == HS_LLC_VI_MFA; k++) {
        const R *C = b->C + k * r * r;
        for (size_t i = 0; i < r; i++)
            for (size_t j = i; j < r; j++)
                vi->eigwork[i * r + j] = vi->eigwork[j * r + i] = (double)C[i * r + j];
        double e = sym_min_eig(vi->eigwork, r) + 1.0 + vi->cfg.ridge;
        if (e < vi->c_min_eig)
            vi->c_min_eig = e;
    }
}

/* The family's prepare / sample / draw_grad (MFA's m and baseline unused by GAUSSIAN). */
static int F(fam_prepare)(hs_llc_vi *vi, F(vw) * b, const R *theta)
{
    return vi->cfg.family == HS_LLC_VI_GAUSSIAN ? F(gauss_prepare)(vi, b, theta)
                                                : F(prepare)(vi, b, theta);
}

static void F(fam_sample)(hs_llc_vi *vi, F(vw) * b, const R *theta, size_t m)
{
    if (vi->cfg.family == HS_LLC_VI_GAUSSIAN)
        F(gauss_sample)(vi, b, theta);
    else
        F(sample)(vi, b, theta, m);
}

static R F(fam_draw_grad)(hs_llc_vi *vi, F(vw) * b, const R *theta, size_t m, const size_t *rows,
                          size_t nr, R baseline, R *lossb)
{
    return vi->cfg.family == HS_LLC_VI_GAUSSIAN
               ? F(gauss_draw_grad)(vi, b, theta, rows, nr, lossb)
               : F(draw_grad)(vi, b, theta, m, rows, nr, baseline, lossb);
}

/* The fit and the draws; see hs_llc_vi_run. */
static int F(run)(hs_llc_vi *vi, hs_rng *rng, const hs_llc_vi_trace *tr, double *draws,
                  hs_llc_vi_result *res)
{
    F(vw) b;
    F(vw_bind)(vi, &b);
    const size_t np = vi->np, n = hs_llc_target_rows(vi->t);
    const size_t nr = vi->cfg.batch < n ? vi->cfg.batch : n;
    const size_t *rows = vi->cfg.batch < n ? vi->rows : NULL;
    const long steps = vi->cfg.steps, every = vi->cfg.trace_every;
    const double clip = vi->cfg.clip;
    for (size_t k = 0; k < np; k++)
        b.theta[k] = (R)vi->theta0[k];
    hs_adam_reset(&vi->adam);
    R baseline = NAN;
    /* plateau rule: sums of f over the current block, mean and variance of the last one */
    const long W = vi->cfg.window;
    double bsum = 0, bsq = 0, prev_mean = NAN, prev_var = NAN;
    int flat = 0; /* consecutive blocks that met the plateau condition */
    size_t pos = 0;
    for (long t = 0; t < steps; t++) {
        if (F(fam_prepare)(vi, &b, b.theta)) {
            res->first_nonfinite = t;
            break;
        }
        size_t m = F(draw_noise)(vi, &b, rng);
        if (rows)
            for (size_t i = 0; i < nr; i++)
                vi->rows[i] = (size_t)hs_rng_below(rng, n);
        R lossb;
        R f = F(fam_draw_grad)(vi, &b, b.theta, m, rows, nr, baseline, &lossb);
        /* Adam minimises: descend −(ascent direction) */
        double gn2 = 0;
        for (size_t k = 0; k < np; k++) {
            b.grad[k] = -b.grad[k];
            gn2 += (double)b.grad[k] * (double)b.grad[k];
        }
        const double gn = sqrt(gn2);
        if (!isfinite(gn) || !isfinite((double)f)) {
            res->first_nonfinite = t;
            break;
        }
        if (t % every == 0)
            F(record)(vi, &b, tr, pos++, f, lossb, gn);
        if (gn > clip) {
            const R sc = (R)(clip / gn);
            for (size_t k = 0; k < np; k++)
                b.grad[k] *= sc;
        }
        if (ADAM(&vi->adam, b.theta, b.grad))
            return HS_NUM_ENOMEM;
        if (vi->cfg.family == HS_LLC_VI_MFA)
            F(max_norm)(vi, b.theta);
        baseline = baseline == baseline
                       ? (R)(HS_VI_BASELINE_DECAY * baseline + (1 - HS_VI_BASELINE_DECAY) * f)
                       : f;
        res->steps_done = t + 1;
        bsum += (double)f;
        bsq += (double)f * (double)f;
        if ((t + 1) % W == 0) {
            const double mean = bsum / (double)W;
            const double var = fmax(bsq - bsum * mean, 0) / (double)(W - 1);
            const double se = sqrt((var + prev_var) / (double)W);
            res->elbo_final = mean;
            bsum = bsq = 0;
            flat = mean - prev_mean <= vi->cfg.elbo_tol + 2 * se ? flat + 1 : 0;
            if (flat == 2) {
                res->converged = 1;
                break;
            }
            prev_mean = mean;
            prev_var = var;
        }
    }
    res->trace_len = pos;
    if (res->steps_done < W) /* no block completed: bsum holds every step's f */
        res->elbo_final = res->steps_done ? bsum / (double)res->steps_done : NAN;
    for (size_t k = 0; k < np; k++)
        vi->theta_out[k] = (double)b.theta[k];
    if (res->first_nonfinite >= 0 || F(fam_prepare)(vi, &b, b.theta))
        return 0;
    /* λ draws from the fitted q, full-batch loss in the working precision */
    for (size_t s = 0; s < vi->cfg.eval_samples; s++) {
        size_t m = F(draw_noise)(vi, &b, rng);
        F(fam_sample)(vi, &b, b.theta, m);
        const R l = TLOSS(vi->t, b.w, b.twork);
        draws[s] = vi->cfg.nbeta * ((double)l - (double)vi->F(lstar));
        for (size_t i = 0; i < vi->d; i++)
            vi->delta_out[s * vi->d + i] = (double)b.delta[i];
    }
    res->n_draws = vi->cfg.eval_samples;
    return 0;
}
