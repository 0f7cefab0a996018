/* MPI helpers the run's modules share (include/hsweep/mpi_util.h). */
#include "hsweep/mpi_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hs_mpi_agree(int rc, MPI_Comm comm, hs_err *e)
{
    int worst;
    HS_MPI_CALL(e, MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MIN, comm));
    if (worst == 0)
        return 0;
    /* Share the message of the lowest rank that failed. */
    int rank, who, mine;
    HS_MPI_CALL(e, MPI_Comm_rank(comm, &rank));
    mine = rc ? rank : 1 << 30;
    HS_MPI_CALL(e, MPI_Allreduce(&mine, &who, 1, MPI_INT, MPI_MIN, comm));
    HS_MPI_CALL(e, MPI_Bcast(e->msg, sizeof e->msg, MPI_CHAR, who, comm));
    e->code = worst;
    return worst;
}

/* Rank 0: the text of path into *buf (malloc'd) and its length, or -1 with e set. */
static long long read_text(const char *path, char **buf, hs_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        HS_FAIL(e, HS_EINPUT, "%s: cannot open sweep file: %s", path, strerror(errno));
        return -1;
    }
    long long len = -1;
    long sz = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (sz < 0 || sz > (64L << 20) || fseek(f, 0, SEEK_SET) != 0) {
        HS_FAIL(e, HS_EINPUT, "%s: not a readable sweep file of at most 64 MiB", path);
    } else {
        *buf = malloc((size_t)sz + 1);
        if (*buf && fread(*buf, 1, (size_t)sz, f) == (size_t)sz) {
            (*buf)[sz] = 0;
            len = sz;
            if (memchr(*buf, 0, (size_t)sz)) {
                HS_FAIL(e, HS_EINPUT, "%s:1: not a text file (contains NUL bytes)", path);
                len = -1;
            }
        } else {
            HS_FAIL(e, HS_EIO, "%s: read error", path);
        }
    }
    fclose(f); /* read only: nothing to lose */
    return len;
}

int hs_mpi_share_file(const char *path, MPI_Comm comm, char **text, hs_err *e)
{
    int rank;
    HS_MPI_CALL(e, MPI_Comm_rank(comm, &rank));
    long long len = -1;
    char *buf = NULL;
    if (rank == 0)
        len = read_text(path, &buf, e);
    int rc = HS_MPI_CHECK(e, MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, comm));
    if (rc == 0 && len < 0) {
        free(buf);
        HS_MPI_CALL(e, MPI_Bcast(e->msg, sizeof e->msg, MPI_CHAR, 0, comm));
        HS_MPI_CALL(e, MPI_Bcast(&e->code, 1, MPI_INT, 0, comm));
        return e->code ? e->code : HS_EINPUT;
    }
    if (rc == 0 && rank != 0)
        buf = malloc((size_t)len + 1);
    if (rc == 0 && !buf)
        rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
    if (rc == 0)
        rc = HS_MPI_CHECK(e, MPI_Bcast(buf, (int)len, MPI_CHAR, 0, comm));
    if (rc) {
        free(buf);
        HS_CALL(rc);
    }
    buf[len] = 0;
    *text = buf;
    return 0;
}

int hs_mpi_errors_return(MPI_Comm comm, hs_err *e)
{
    HS_MPI_CALL(e, MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN));
    return 0;
}
