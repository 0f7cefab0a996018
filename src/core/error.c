#include "hsweep/error.h"

#include <stdarg.h>
#include <stdio.h>

int hs_err_set(hs_err *e, int code, const char *src_file, int src_line, const char *fmt, ...)
{
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
