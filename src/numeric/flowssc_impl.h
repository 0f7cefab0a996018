/*
 * Private to flowssc*.c: the parameter layout shared by both precisions and
 * the table through which the precision-neutral front end (flowssc.c) calls
 * the float32 / float64 instantiations of flowssc_tmpl.h.
 */
#ifndef HSWEEP_FLOWSSC_IMPL_H
#define HSWEEP_FLOWSSC_IMPL_H

#include "hsweep/flowssc.h"

/*
 * Offsets into the parameter vector.  Linear(in, out) stores W [out][in]
 * then b [out].  Classifier first, then flow layer l at flow0 + l * fl_size,
 * laid out as win [H][d+2], bin, blocks k = 0, 1 at o_blk + k * blk_size
 * (wa [H][H], ba, wb [H][H], bb, then the context gate wg [H][d+2], bg),
 * wout [2][H], bout [2].  Output 0 of the
 * conditioner is the raw shift, output 1 the raw scale (nflows' order).
 */
typedef struct fs_layout {
    size_t d, dc, H, Hc, L;
    size_t cw1, cb1, cw2, cb2, cw3, cb3;
    size_t flow0, fl_size, o_bin, o_blk, blk_size, o_wout, o_bout;
    size_t np;
} fs_layout;

void hs_fs_layout_init(fs_layout *ly, size_t d, size_t L, size_t H, size_t Hc);

/* One precision's model; `void *` is its private struct. */
typedef struct fs_ops {
    void *(*create)(const fs_layout *ly, size_t max_rows, uint64_t seed,
                    hs_flowssc_out_init out_init);
    void (*destroy)(void *m);
    void (*get)(const void *m, double *w);
    void (*set)(void *m, const double *w);
    int (*loss_grad)(void *m, const double *xn, const int *t, const double *yn, size_t n,
                     double ulb_weight, double parts[3], double *grad);
    int (*train)(const hs_flowssc_config *c, const hs_flowssc_data *d, const hs_flowssc_traces *tr,
                 hs_flowssc_result *r, char *err, size_t cap);
} fs_ops;

extern const fs_ops hs_fs_ops_f32, hs_fs_ops_f64;

#endif
