/* Internal to src/core/refine*.c: the rows of refine blocks (refine.h). */
#ifndef HSWEEP_REFINE_IMPL_H
#define HSWEEP_REFINE_IMPL_H

#include <stdint.h>
#include <string.h>

#include "hsweep/config.h"
#include "hsweep/refine.h"

/* Value i of axis a (parameter param) as a double. */
double hs_refine_axis_value(const hs_sweep *s, size_t a, int param, size_t i);
/* Refinement row id's block, bracket (active line * (n_vals - 1) + interval)
 * and slot in the bracket's range of max_tasks rows. */
const hs_refine_spec *hs_refine_locate(const hs_sweep *s, uint64_t id, uint64_t *bracket,
                                       uint64_t *slot);
/* Line, axis value index and seed index of grid task id. */
void hs_refine_grid_pos(const hs_sweep *s, const hs_refine_spec *sp, uint64_t id, uint64_t *line,
                        size_t *pos, size_t *sj);

/* A double carried in an int64 word, bit for bit. */
static inline int64_t hs_refine_dbits(double x)
{
    int64_t w;
    memcpy(&w, &x, sizeof w);
    return w;
}
static inline double hs_refine_bitsd(int64_t w)
{
    double x;
    memcpy(&x, &w, sizeof x);
    return x;
}

#endif
