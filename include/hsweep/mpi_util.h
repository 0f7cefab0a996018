/*
 * MPI helpers the run's modules share: agreeing on an outcome, giving every
 * rank the text rank 0 read, and making MPI report failures as codes.
 */
#ifndef HSWEEP_MPI_UTIL_H
#define HSWEEP_MPI_UTIL_H

#include <mpi.h>

#include "hsweep/error.h"

/*
 * Collective: agree on the outcome of a step every rank of comm took.
 * Returns 0 when every rank passed rc = 0; else the worst (most negative)
 * rc of any rank, with e's message taken from the lowest rank that failed,
 * on every rank.  A failure of the agreement itself returns HS_EMPI naming
 * the call.
 */
int hs_mpi_agree(int rc, MPI_Comm comm, hs_err *e);

/*
 * Collective: rank 0 reads the text file at path (at most 64 MiB, no NUL
 * bytes) and every rank of comm gets a NUL-terminated copy in *text, which
 * the caller frees.  On failure *text is unchanged and every rank returns
 * rank 0's error (HS_EINPUT or HS_EIO naming path); HS_EMPI or HS_ENOMEM on
 * the rank where a transfer or an allocation failed.
 */
int hs_mpi_share_file(const char *path, MPI_Comm comm, char **text, hs_err *e);

/* Make failed MPI calls on comm return their error code (MPI_ERRORS_RETURN)
 * instead of aborting the job, so that the caller can say which call failed. */
int hs_mpi_errors_return(MPI_Comm comm, hs_err *e);

#endif
