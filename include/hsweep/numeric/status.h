/*
 * Status codes of the numeric layer (src/numeric, include/hsweep/{adam,
 * diag,eig,flowssc,llc,models_ref,nuts,pose,rng,spectral}.h).  A numeric
 * function that can fail returns 0 or one of these, and writes its reason
 * to a message buffer where its header says so.  The numeric layer knows
 * nothing of hsweep's error records (hsweep/error.h): a kernel turns a
 * status into an HS_E* code at the boundary (hs_num_err, hsweep/task.h).
 *
 * The values equal those of the matching HS_E* codes, so that a status a
 * kernel prints (e.g. "eigensolver failed (-100)") reads as it always has.
 */
#ifndef HSWEEP_NUMERIC_STATUS_H
#define HSWEEP_NUMERIC_STATUS_H

enum {
    HS_NUM_OK = 0,
    HS_NUM_EINPUT = -1,   /* sizes, ranges or data the function cannot work with */
    HS_NUM_ENOMEM = -3,   /* an allocation failed */
    HS_NUM_EMPI = -4,     /* an MPI call failed (distributed solvers) */
    HS_NUM_ENOCONV = -100 /* an iterative solver reported no convergence (LAPACK info > 0) */
};

#endif
