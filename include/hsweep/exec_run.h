/*
 * What a run sets up for its exec sweeps before it creates or opens the
 * results file: where each task's whole stdout and stderr go, and the
 * provenance of the command (include/hsweep/exec.h), both recorded as
 * attributes of the sweep's group.
 */
#ifndef HSWEEP_EXEC_RUN_H
#define HSWEEP_EXEC_RUN_H

#include <mpi.h>

#include "hsweep/config.h"
#include "hsweep/error.h"

/*
 * The default log directory of results file `results`: its name without a
 * final ".h5", plus ".logs" (results/x.h5 -> results/x.logs).  malloc'd.
 */
char *hs_exec_logs_default(const char *results);

/*
 * Collective over comm.  For every exec sweep of set: the base of its logs
 * (`logs` if not NULL; else, on a resume, the one the file records, and
 * otherwise hs_exec_logs_default(results)), made on rank 0 without
 * following a symbolic link at its last component and installed as an
 * absolute path; none with no_logs.  And its provenance, computed on rank 0
 * and installed on every rank.  On a resume rank 0 notes on stderr each
 * script whose SHA-256 or git describe differs from what the file records.
 * HS_EIO naming the directory if it cannot be made.
 */
int hs_exec_run_setup(hs_sweepset *set, const char *results, const char *logs, int no_logs,
                      int resume, MPI_Comm comm, hs_err *e);

#endif
