/*
 * Error records.  Functions that can fail return 0 or a negative HS_E*
 * code and fill an hs_err with a message a user can act on (file, line and
 * key where the input is at fault).  HS_CALL propagates a failure upward.
 */
#ifndef HSWEEP_ERROR_H
#define HSWEEP_ERROR_H

#include <stddef.h>

enum {
    HS_OK = 0,
    HS_EINPUT = -1,   /* the user's input is wrong: exit code 2 */
    HS_EIO = -2,      /* a file could not be read or written: exit code 1 */
    HS_ENOMEM = -3,
    HS_EMPI = -4,
    HS_EHDF5 = -5,
    HS_ESTATE = -6,   /* e.g. results file belongs to another sweep file */
    HS_EINTR = -7,    /* stopped by a signal; the results file is resumable */
    HS_ETASKS = -8    /* the run ended with failed, timed-out or crashed tasks: exit code 4 */
};

typedef struct hs_err {
    int code;
    char msg[1024];
    const char *src_file; /* where in hsweep the error was raised (debugging) */
    int src_line;
} hs_err;

/* Record an error (printf format) and return `code`. */
int hs_err_set(hs_err *e, int code, const char *src_file, int src_line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

#define HS_FAIL(e, code, ...) hs_err_set((e), (code), __FILE__, __LINE__, __VA_ARGS__)

/* Evaluate x; if it returns nonzero, return that code from the caller. */
#define HS_CALL(x)                                                            \
    do {                                                                      \
        int hs_rc_ = (x);                                                     \
        if (hs_rc_ != 0)                                                      \
            return hs_rc_;                                                    \
    } while (0)

/* Process exit code for an error code: 2 for bad input, 3 for interrupted, else 1. */
int hs_err_exit_code(int code);

#endif
