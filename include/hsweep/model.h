/*
 * A differentiable log density on R^dim (unconstrained scale), as the
 * samplers see it.  Models know nothing of samplers and vice versa.
 */
#ifndef HSWEEP_MODEL_H
#define HSWEEP_MODEL_H

#include <stddef.h>

typedef struct hs_model {
    size_t dim;
    /*
     * Return log p(q) up to a constant and write its gradient to grad[dim].
     * May return -INFINITY or NaN (the sampler treats that as divergent);
     * must not crash on any finite q.
     */
    double (*logp_grad)(void *self, const double *q, double *grad);
    void *self;
} hs_model;

#endif
