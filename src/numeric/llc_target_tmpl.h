/*
 * Loss and gradient of the LLC targets, written once for both precisions.
 * Included twice by llc_target.c with
 *   R        the real type (double / float)
 *   F(x)     x suffixed with the precision (x##_d / x##_f)
 *   GEMM     cblas_dgemm / cblas_sgemm
 *   SYMV     cblas_dsymv / cblas_ssymv
 *   DOT      cblas_ddot / cblas_sdot
 * No include guard on purpose.
 */

/*
 * Forward pass of the fully connected network on rows[0..nr) (rows NULL:
 * all rows): act[l] (nr × sz[l], row-major) for l = 0..nl, then the residual
 * res = act[nl] − Y and the mean squared error over nr·out entries
 * (torch's F.mse_loss, as devinterp's tests use).
 */
static R F(net_forward)(const hs_llc_target *t, const R *w, const size_t *rows, size_t nr, R *work,
                        R **act)
{
    const size_t nl = t->nl;
    size_t off = 0;
    for (size_t l = 0; l <= nl; l++) {
        act[l] = work + off;
        off += nr * t->sz[l];
    }
    const size_t in = t->sz[0], out = t->sz[nl];
    const R *X = t->F(X), *Y = t->F(Y);
    for (size_t i = 0; i < nr; i++) {
        size_t row = rows ? rows[i] : i;
        memcpy(act[0] + i * in, X + row * in, in * sizeof(R));
    }
    for (size_t l = 1; l <= nl; l++) {
        const size_t a = t->sz[l - 1], b = t->sz[l];
        R *z = act[l];
        if (t->bias) {
            const R *bv = w + t->boff[l];
            for (size_t i = 0; i < nr; i++)
                memcpy(z + i * b, bv, b * sizeof(R));
        }
        GEMM(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)b, (int)a, (R)1, act[l - 1],
             (int)a, w + t->woff[l], (int)a, t->bias ? (R)1 : (R)0, z, (int)b);
        if (l < nl && t->relu)
            for (size_t k = 0; k < nr * b; k++)
                z[k] = z[k] > 0 ? z[k] : (R)0;
    }
    R *o = act[nl], sse = 0;
    for (size_t i = 0; i < nr; i++) {
        size_t row = rows ? rows[i] : i;
        for (size_t k = 0; k < out; k++) {
            R e = o[i * out + k] - Y[row * out + k];
            o[i * out + k] = e;
            sse += e * e;
        }
    }
    return sse / (R)(nr * out);
}

/* Loss of the target; `work` has hs_llc_target_work_size(t) elements. */
static R F(target_loss)(const hs_llc_target *t, const R *w, const size_t *rows, size_t nr, R *work)
{
    if (t->cfg.kind == HS_LLC_QUADRATIC) {
        const size_t d = t->d;
        const R *ws = t->F(wstar);
        R *delta = work, *hd = work + d;
        for (size_t i = 0; i < d; i++)
            delta[i] = w[i] - ws[i];
        SYMV(CblasRowMajor, CblasUpper, (int)d, (R)1, t->F(Hq), (int)d, delta, 1, (R)0, hd, 1);
        return (R)0.5 * DOT((int)d, delta, 1, hd, 1);
    }
    R *act[HS_LLC_MAX_LAYERS + 1];
    return F(net_forward)(t, w, rows, nr ? nr : t->n, work, act);
}

/* Loss and gradient g (overwritten). */
static R F(target_grad)(const hs_llc_target *t, const R *w, const size_t *rows, size_t nr, R *g,
                        R *work)
{
    const size_t d = t->d;
    if (t->cfg.kind == HS_LLC_QUADRATIC) {
        const R *ws = t->F(wstar);
        R *delta = work;
        for (size_t i = 0; i < d; i++)
            delta[i] = w[i] - ws[i];
        SYMV(CblasRowMajor, CblasUpper, (int)d, (R)1, t->F(Hq), (int)d, delta, 1, (R)0, g, 1);
        return (R)0.5 * DOT((int)d, delta, 1, g, 1);
    }
    if (!rows)
        nr = t->n;
    R *act[HS_LLC_MAX_LAYERS + 1];
    const R loss = F(net_forward)(t, w, rows, nr, work, act);
    const size_t nl = t->nl;
    /* delta buffers follow the activations: dl (nr × sz[l]) for the layer being
     * back-propagated, dprev for the one below. */
    size_t off = 0;
    for (size_t l = 0; l <= nl; l++)
        off += nr * t->sz[l];
    R *dl = work + off, *dprev = dl + nr * t->maxsz;
    const size_t out = t->sz[nl];
    const R scale = (R)2 / (R)(nr * out);
    for (size_t k = 0; k < nr * out; k++)
        dl[k] = scale * act[nl][k];
    for (size_t l = nl; l >= 1; l--) {
        const size_t a = t->sz[l - 1], b = t->sz[l];
        /* gW_l (b × a) = dlᵀ · act[l−1] */
        GEMM(CblasRowMajor, CblasTrans, CblasNoTrans, (int)b, (int)a, (int)nr, (R)1, dl, (int)b,
             act[l - 1], (int)a, (R)0, g + t->woff[l], (int)a);
        if (t->bias) {
            R *gb = g + t->boff[l];
            for (size_t k = 0; k < b; k++)
                gb[k] = 0;
            for (size_t i = 0; i < nr; i++)
                for (size_t k = 0; k < b; k++)
                    gb[k] += dl[i * b + k];
        }
        if (l == 1)
            break;
        /* dprev (nr × a) = dl · W_l, masked by the ReLU of layer l−1 */
        GEMM(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nr, (int)a, (int)b, (R)1, dl, (int)b,
             w + t->woff[l], (int)a, (R)0, dprev, (int)a);
        if (t->relu)
            for (size_t k = 0; k < nr * a; k++)
                if (!(act[l - 1][k] > 0))
                    dprev[k] = 0;
        R *sw = dl;
        dl = dprev;
        dprev = sw;
    }
    return loss;
}
