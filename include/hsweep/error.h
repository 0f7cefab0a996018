/*
 * Error records.  Functions that can fail return 0 or a negative HS_E*
 * code and fill an hs_err with a message a user can act on (file, line and
 * key where the input is at fault).  HS_CALL propagates a failure upward
 * and records its own location, so an error carries the chain of calls it
 * went up through (hs_err_trace).  HS_MPI_CALL and HS_H5_CALL turn a
 * failed MPI or HDF5 call into an error naming the call, file and line.
 */
#ifndef HSWEEP_ERROR_H
#define HSWEEP_ERROR_H

#include <stddef.h>

enum {
    HS_OK = 0,
    HS_EINPUT = -1, /* the user's input is wrong: exit code 2 */
    HS_EIO = -2,    /* a file could not be read or written: exit code 1 */
    HS_ENOMEM = -3,
    HS_EMPI = -4,
    HS_EHDF5 = -5,
    HS_ESTATE = -6, /* e.g. results file belongs to another sweep file */
    HS_EINTR = -7,  /* stopped by a signal; the results file is resumable */
    HS_ETASKS = -8  /* the run ended with failed, timed-out or crashed tasks: exit code 4 */
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

/* Record that the error `code` went up through file:line in func (HS_CALL
 * does this).  Frames are kept per thread for the error hs_err_set raised
 * last, up to HS_ERR_FRAMES of them. */
#define HS_ERR_FRAMES 24
void hs_err_frame(int code, const char *file, int line, const char *func);

/* Evaluate x; if it returns nonzero, record this call site as a frame of
 * the error's trace and return that code from the caller. */
#define HS_CALL(x)                                                                                 \
    do {                                                                                           \
        int hs_rc_ = (x);                                                                          \
        if (hs_rc_ != 0) {                                                                         \
            hs_err_frame(hs_rc_, __FILE__, __LINE__, __func__);                                    \
            return hs_rc_;                                                                         \
        }                                                                                          \
    } while (0)

/* The trace of `e`: "  raised at FILE:LINE" and one "  from FILE:LINE (FUNC)"
 * line per HS_CALL it went through, innermost first, into buf (empty when
 * e is not the error this thread raised last).  Returns buf. */
char *hs_err_trace(const hs_err *e, char *buf, size_t size);

/* 0 when mpi_rc is MPI_SUCCESS; else record HS_EMPI naming the call
 * (`what`), file, line and MPI's own error string, and return HS_EMPI. */
int hs_err_mpi(hs_err *e, int mpi_rc, const char *what, const char *file, int line);
/* 0 when h5_rc >= 0 (an herr_t, hid_t, htri_t or hssize_t); else record
 * HS_EHDF5 naming the call, file and line, and return HS_EHDF5. */
int hs_err_h5(hs_err *e, long long h5_rc, const char *what, const char *file, int line);

/* Check an MPI / HDF5 call: the expression's value is 0 or an HS_E* code
 * (for code that cleans up before it returns). */
#define HS_MPI_CHECK(e, x) hs_err_mpi((e), (x), #x, __FILE__, __LINE__)
#define HS_H5_CHECK(e, x) hs_err_h5((e), (long long)(x), #x, __FILE__, __LINE__)
/* Check an MPI / HDF5 call and return the error from the caller. */
#define HS_MPI_CALL(e, x) HS_CALL(HS_MPI_CHECK(e, x))
#define HS_H5_CALL(e, x) HS_CALL(HS_H5_CHECK(e, x))

/* Process exit code for an error code: 2 for bad input, 3 for interrupted, else 1. */
int hs_err_exit_code(int code);

#endif
