/*
 * Stop requests by signal.  SIGINT, SIGTERM and SIGUSR1 ask the run to stop
 * gracefully: running tasks may finish within the grace period, the rest stay
 * pending in the results file.  A task that runs inside the process
 * (--isolation none, gang tasks) cannot be interrupted: a stop request that
 * finds one running says so and arms an alarm for the grace period; if the
 * task has not returned by then, the process exits with code 3 (HS_EINTR's),
 * the task left pending and the rows written intact, as after kill -9.
 */
#ifndef HSWEEP_SIGNALS_H
#define HSWEEP_SIGNALS_H

#include "hsweep/error.h"

/* Install the handlers (SIGINT, SIGTERM, SIGUSR1; SIGALRM for the grace
 * period).  HS_EIO naming the signal when the system refuses one. */
int hs_signals_install(hs_err *e);

/* Whether a stop was requested by signal. */
int hs_signals_stop_requested(void);

/* The grace period (s; 0 or less: 60) an uninterruptible task gets. */
void hs_signals_grace(double grace_s);

/* Around a task that runs inside this process: 1 before it starts, 0 once it
 * returned (which cancels a grace period's alarm). */
void hs_signals_inproc(int running);

#endif
