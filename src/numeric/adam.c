#include "hsweep/adam.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int hs_adam_init(hs_adam *a, size_t n, double lr)
{
    memset(a, 0, sizeof *a);
    a->n = n;
    a->lr = lr;
    a->beta1 = 0.9;
    a->beta2 = 0.999;
    a->eps = 1e-8;
    return 0;
}

void hs_adam_free(hs_adam *a)
{
    free(a->m);
    free(a->v);
    free(a->mf);
    free(a->vf);
    a->m = a->v = NULL;
    a->mf = a->vf = NULL;
}

void hs_adam_reset(hs_adam *a)
{
    a->t = 0;
    if (a->m) {
        memset(a->m, 0, a->n * sizeof *a->m);
        memset(a->v, 0, a->n * sizeof *a->v);
    }
    if (a->mf) {
        memset(a->mf, 0, a->n * sizeof *a->mf);
        memset(a->vf, 0, a->n * sizeof *a->vf);
    }
}

int hs_adam_step(hs_adam *a, double *w, const double *g)
{
    if (!a->m) {
        a->m = calloc(a->n ? a->n : 1, sizeof *a->m);
        a->v = calloc(a->n ? a->n : 1, sizeof *a->v);
        if (!a->m || !a->v)
            return -1;
    }
    a->t++;
    double b1 = a->beta1, b2 = a->beta2;
    double c1 = 1.0 - pow(b1, (double)a->t), c2 = 1.0 - pow(b2, (double)a->t);
    for (size_t i = 0; i < a->n; i++) {
        a->m[i] = b1 * a->m[i] + (1.0 - b1) * g[i];
        a->v[i] = b2 * a->v[i] + (1.0 - b2) * g[i] * g[i];
        w[i] -= a->lr * (a->m[i] / c1) / (sqrt(a->v[i] / c2) + a->eps);
    }
    return 0;
}

int hs_adam_stepf(hs_adam *a, float *w, const float *g)
{
    if (!a->mf) {
        a->mf = calloc(a->n ? a->n : 1, sizeof *a->mf);
        a->vf = calloc(a->n ? a->n : 1, sizeof *a->vf);
        if (!a->mf || !a->vf)
            return -1;
    }
    a->t++;
    float b1 = (float)a->beta1, b2 = (float)a->beta2, lr = (float)a->lr, eps = (float)a->eps;
    float c1 = 1.0f - powf(b1, (float)a->t), c2 = 1.0f - powf(b2, (float)a->t);
    for (size_t i = 0; i < a->n; i++) {
        a->mf[i] = b1 * a->mf[i] + (1.0f - b1) * g[i];
        a->vf[i] = b2 * a->vf[i] + (1.0f - b2) * g[i] * g[i];
        w[i] -= lr * (a->mf[i] / c1) / (sqrtf(a->vf[i] / c2) + eps);
    }
    return 0;
}
