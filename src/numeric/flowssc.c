/*
 * flow_ssc front end: the parameter layout shared by both precisions,
 * argument checks and dispatch to the float32 / float64 instantiation of
 * flowssc_tmpl.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "flowssc_impl.h"

void hs_fs_layout_init(fs_layout *ly, size_t d, size_t L, size_t H, size_t Hc)
{
    ly->d = d;
    ly->dc = d + 2;
    ly->H = H;
    ly->Hc = Hc;
    ly->L = L;
    ly->cw1 = 0;
    ly->cb1 = Hc * d;
    ly->cw2 = ly->cb1 + Hc;
    ly->cb2 = ly->cw2 + Hc * Hc;
    ly->cw3 = ly->cb2 + Hc;
    ly->cb3 = ly->cw3 + 2 * Hc;
    ly->flow0 = ly->cb3 + 2;
    ly->o_bin = H * ly->dc;
    ly->o_blk = ly->o_bin + H;
    ly->blk_size = 2 * (H * H + H) + H * ly->dc + H;
    ly->o_wout = ly->o_blk + 2 * ly->blk_size;
    ly->o_bout = ly->o_wout + 2 * H;
    ly->fl_size = ly->o_bout + 2;
    ly->np = ly->flow0 + L * ly->fl_size;
}

void hs_flowssc_config_default(hs_flowssc_config *c)
{
    *c = (hs_flowssc_config){
        .f32 = 1,
        .lr = 5e-4,
        .batch_size = 10,
        .epochs = 10,
        .clip = 1.0,
        .stats_full = 0,
        .stat_momentum = 0.05,
        .flow_layers = 3,
        .flow_hidden = 128,
        .clf_hidden = 128,
        .label_ratio = 1.0,
        .ulb_weight = 1.0,
        .pred_samples = 100,
        .n_train = 783,
        .seed = 1,
        .label_seed = 1,
    };
}

static const fs_ops *ops_for(int f32) { return f32 ? &hs_fs_ops_f32 : &hs_fs_ops_f64; }

int hs_flowssc_train(const hs_flowssc_config *c, const hs_flowssc_data *d,
                     const hs_flowssc_traces *tr, hs_flowssc_result *r, char *err, size_t cap)
{
    if (c->n_train < 1 || c->n_train >= d->n) {
        snprintf(err, cap, "flow_ssc: n_train = %zu must be in [1, %zu) (the table has %zu rows)",
                 c->n_train, d->n, d->n);
        return -1;
    }
    if (c->batch_size < 1 || c->flow_layers < 1 || c->flow_hidden < 1 || c->clf_hidden < 1 ||
        c->pred_samples < 1 || d->d_x < 1) {
        snprintf(err, cap,
                 "flow_ssc: batch_size, flow_layers, flow_hidden, clf_hidden, "
                 "pred_samples and d_x must be positive");
        return -1;
    }
    hs_flowssc_traces none = {0};
    return ops_for(c->f32)->train(c, d, tr ? tr : &none, r, err, cap);
}

struct hs_flowssc {
    const fs_ops *ops;
    fs_layout ly;
    void *m;
};

int hs_flowssc_create(hs_flowssc **out, int f32, size_t d_x, size_t flow_layers, size_t flow_hidden,
                      size_t clf_hidden, size_t max_rows, uint64_t seed,
                      hs_flowssc_out_init out_init)
{
    *out = NULL;
    hs_flowssc *h = calloc(1, sizeof *h);
    if (!h)
        return -1;
    h->ops = ops_for(f32);
    hs_fs_layout_init(&h->ly, d_x, flow_layers, flow_hidden, clf_hidden);
    h->m = h->ops->create(&h->ly, max_rows ? max_rows : 1, seed, out_init);
    if (!h->m) {
        free(h);
        return -1;
    }
    *out = h;
    return 0;
}

void hs_flowssc_destroy(hs_flowssc **m)
{
    if (!m || !*m)
        return;
    (*m)->ops->destroy((*m)->m);
    free(*m);
    *m = NULL;
}

size_t hs_flowssc_n_params(const hs_flowssc *m) { return m->ly.np; }

size_t hs_flowssc_n_blocks(const hs_flowssc *m) { return 6 + m->ly.L * 16; }

const char *hs_flowssc_block(const hs_flowssc *m, size_t i, size_t *off, size_t *len)
{
    static const char *const clf[] = {"clf.W1", "clf.b1", "clf.W2", "clf.b2", "clf.W3", "clf.b3"};
    static const char *const flow[16][4] = {
        {"flow0.Win", "flow1.Win", "flow2.Win", "flowN.Win"},
        {"flow0.bin", "flow1.bin", "flow2.bin", "flowN.bin"},
        {"flow0.blk0.Wa", "flow1.blk0.Wa", "flow2.blk0.Wa", "flowN.blk0.Wa"},
        {"flow0.blk0.ba", "flow1.blk0.ba", "flow2.blk0.ba", "flowN.blk0.ba"},
        {"flow0.blk0.Wb", "flow1.blk0.Wb", "flow2.blk0.Wb", "flowN.blk0.Wb"},
        {"flow0.blk0.bb", "flow1.blk0.bb", "flow2.blk0.bb", "flowN.blk0.bb"},
        {"flow0.blk0.Wg", "flow1.blk0.Wg", "flow2.blk0.Wg", "flowN.blk0.Wg"},
        {"flow0.blk0.bg", "flow1.blk0.bg", "flow2.blk0.bg", "flowN.blk0.bg"},
        {"flow0.blk1.Wa", "flow1.blk1.Wa", "flow2.blk1.Wa", "flowN.blk1.Wa"},
        {"flow0.blk1.ba", "flow1.blk1.ba", "flow2.blk1.ba", "flowN.blk1.ba"},
        {"flow0.blk1.Wb", "flow1.blk1.Wb", "flow2.blk1.Wb", "flowN.blk1.Wb"},
        {"flow0.blk1.bb", "flow1.blk1.bb", "flow2.blk1.bb", "flowN.blk1.bb"},
        {"flow0.blk1.Wg", "flow1.blk1.Wg", "flow2.blk1.Wg", "flowN.blk1.Wg"},
        {"flow0.blk1.bg", "flow1.blk1.bg", "flow2.blk1.bg", "flowN.blk1.bg"},
        {"flow0.Wout", "flow1.Wout", "flow2.Wout", "flowN.Wout"},
        {"flow0.bout", "flow1.bout", "flow2.bout", "flowN.bout"},
    };
    const fs_layout *ly = &m->ly;
    size_t H = ly->H;
    if (i < 6) {
        const size_t o[7] = {ly->cw1, ly->cb1, ly->cw2, ly->cb2, ly->cw3, ly->cb3, ly->flow0};
        *off = o[i];
        *len = o[i + 1] - o[i];
        return clf[i];
    }
    i -= 6;
    size_t l = i / 16, j = i % 16, dc = ly->dc;
    /* within a layer: Win, bin, per block Wa, ba, Wb, bb, Wg, bg, then Wout, bout */
    const size_t rel[6] = {
        0, H * H, H * H + H, 2 * H * H + H, 2 * H * H + 2 * H, 2 * H * H + 2 * H + H * dc};
    size_t o[17] = {0, ly->o_bin};
    for (size_t k = 0; k < 2; k++)
        for (size_t q = 0; q < 6; q++)
            o[2 + 6 * k + q] = ly->o_blk + k * ly->blk_size + rel[q];
    o[14] = ly->o_wout;
    o[15] = ly->o_bout;
    o[16] = ly->fl_size;
    *off = ly->flow0 + l * ly->fl_size + o[j];
    *len = o[j + 1] - o[j];
    return flow[j][l < 3 ? l : 3];
}

void hs_flowssc_get_params(const hs_flowssc *m, double *w) { m->ops->get(m->m, w); }

void hs_flowssc_set_params(hs_flowssc *m, const double *w) { m->ops->set(m->m, w); }

int hs_flowssc_loss_grad(hs_flowssc *m, const double *xn, const int *t, const double *yn, size_t n,
                         double ulb_weight, double parts[3], double *grad)
{
    return m->ops->loss_grad(m->m, xn, t, yn, n, ulb_weight, parts, grad);
}
