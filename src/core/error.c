#include "hsweep/error.h"

#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The trace of the error this thread raised last.  `owner` is only
 * compared, never followed: the hs_err it named may be gone. */
static _Thread_local struct {
    const hs_err *owner;
    int code;
    int n;
    struct {
        const char *file;
        const char *func;
        int line;
    } frame[HS_ERR_FRAMES];
} trace;

int hs_err_set(hs_err *e, int code, const char *src_file, int src_line, const char *fmt, ...)
{
    trace.owner = e;
    trace.code = code;
    trace.n = 0;
    if (!e)
        return code;
    e->code = code;
    e->src_file = src_file;
    e->src_line = src_line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

void hs_err_frame(int code, const char *file, int line, const char *func)
{
    if (!trace.owner || code != trace.code || trace.n >= HS_ERR_FRAMES)
        return;
    trace.frame[trace.n].file = file;
    trace.frame[trace.n].line = line;
    trace.frame[trace.n].func = func;
    trace.n++;
}

char *hs_err_trace(const hs_err *e, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (!e || e != trace.owner || e->code != trace.code || !e->src_file)
        return buf;
    size_t used = (size_t)snprintf(buf, size, "  raised at %s:%d\n", e->src_file, e->src_line);
    for (int i = 0; i < trace.n && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "  from %s:%d (%s)\n",
                                 trace.frame[i].file, trace.frame[i].line, trace.frame[i].func);
    return buf;
}

int hs_err_mpi(hs_err *e, int mpi_rc, const char *what, const char *file, int line)
{
    if (mpi_rc == MPI_SUCCESS)
        return 0;
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    if (MPI_Error_string(mpi_rc, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "MPI error %d", mpi_rc);
    return hs_err_set(e, HS_EMPI, file, line, "%s failed (%s:%d): %s", what, file, line, text);
}

int hs_err_h5(hs_err *e, long long h5_rc, const char *what, const char *file, int line)
{
    if (h5_rc >= 0)
        return 0;
    return hs_err_set(e, HS_EHDF5, file, line, "HDF5 call %s failed (%s:%d)", what, file, line);
}

int hs_err_exit_code(int code)
{
    switch (code) {
    case HS_OK:
        return 0;
    case HS_EINPUT:
        return 2;
    case HS_EINTR:
        return 3;
    case HS_ETASKS:
        return 4;
    default:
        return 1;
    }
}
