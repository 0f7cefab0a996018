/*
 * Where a run ran, as the results file records it (store.h's hs_prov): the
 * hosts of its ranks and the MPI library.
 */
#ifndef HSWEEP_PROVENANCE_H
#define HSWEEP_PROVENANCE_H

#include <mpi.h>
#include <stddef.h>

#include "hsweep/error.h"

/* This host's name into host[size] (NUL-terminated; a longer name is
 * truncated).  HS_EIO naming the call when the system cannot tell it. */
int hs_provenance_host(char *host, size_t size, hs_err *e);

/*
 * Collective: the distinct host names of comm's ranks (each rank passes its
 * own, HS_HOST_LEN bytes), comma-separated in the order of the first rank on
 * each, into *hosts (the caller frees it), and the MPI library's version
 * string with newlines as spaces into mpilib[MPI_MAX_LIBRARY_VERSION_STRING
 * + 1].  HS_ENOMEM or HS_EMPI on this rank on failure (*hosts NULL).
 */
int hs_provenance_gather(MPI_Comm comm, const char *host, char **hosts, char *mpilib, hs_err *e);

#endif
