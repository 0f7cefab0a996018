/*
 * Adam (Kingma & Ba 2015, Algorithm 1) with bias correction, in float64 and
 * float32.  The f32 variant keeps its moments and does all arithmetic in
 * float, so a kernel running in `precision = "f32"` stays in f32 end to end.
 */
#ifndef HSWEEP_ADAM_H
#define HSWEEP_ADAM_H

#include <stddef.h>

typedef struct hs_adam {
    size_t n;
    double lr, beta1, beta2, eps;
    long t;
    double *m, *v;  /* f64 moments (hs_adam_step) */
    float *mf, *vf; /* f32 moments (hs_adam_stepf) */
} hs_adam;

/* Set up for n parameters with beta1 0.9, beta2 0.999, eps 1e-8.  Allocates
 * nothing: each precision's moments are allocated by its first step
 * (hs_adam_step, hs_adam_stepf), which is where memory can run out.  Always
 * returns 0. */
int hs_adam_init(hs_adam *a, size_t n, double lr);
void hs_adam_free(hs_adam *a);
/* Zero the moments and step count. */
void hs_adam_reset(hs_adam *a);
/* w <- w - lr * mhat / (sqrt(vhat) + eps).  Return 0, or -1 if out of memory. */
int hs_adam_step(hs_adam *a, double *w, const double *g);
int hs_adam_stepf(hs_adam *a, float *w, const float *g);

#endif
