/* Where a run ran: its ranks' hosts and the MPI library (include/hsweep/provenance.h). */
#include "hsweep/provenance.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsweep/store.h"

int hs_provenance_host(char *host, size_t size, hs_err *e)
{
    memset(host, 0, size);
    /* A name longer than size - 1 is kept truncated (glibc says ENAMETOOLONG). */
    if (gethostname(host, size - 1) != 0 && errno != ENAMETOOLONG)
        return HS_FAIL(e, HS_EIO, "gethostname failed: %s", strerror(errno));
    host[size - 1] = 0;
    return 0;
}

/* The distinct names of all[0..n) (HS_HOST_LEN bytes each), comma-separated, into hosts. */
static void distinct_hosts(const char *all, int n, char *hosts)
{
    for (int i = 0; i < n; i++) {
        const char *h = all + (size_t)i * HS_HOST_LEN;
        int seen = 0;
        for (int j = 0; j < i; j++)
            seen |= strcmp(h, all + (size_t)j * HS_HOST_LEN) == 0;
        if (!seen) {
            if (hosts[0])
                strcat(hosts, ",");
            strcat(hosts, h);
        }
    }
}

int hs_provenance_gather(MPI_Comm comm, const char *host, char **hosts, char *mpilib, hs_err *e)
{
    int size, len = 0;
    *hosts = NULL;
    HS_MPI_CALL(e, MPI_Comm_size(comm, &size));
    char *all = calloc((size_t)size, HS_HOST_LEN);
    if (!all)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    int rc = HS_MPI_CHECK(
        e, MPI_Allgather(host, HS_HOST_LEN, MPI_CHAR, all, HS_HOST_LEN, MPI_CHAR, comm));
    if (rc == 0 && !(*hosts = calloc((size_t)size * (HS_HOST_LEN + 1) + 1, 1)))
        rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
    if (rc == 0)
        distinct_hosts(all, size, *hosts);
    free(all);
    if (rc == 0)
        rc = HS_MPI_CHECK(e, MPI_Get_library_version(mpilib, &len));
    if (rc) {
        free(*hosts);
        *hosts = NULL;
        HS_CALL(rc);
    }
    for (char *c = mpilib; *c; c++)
        if (*c == '\n')
            *c = ' ';
    return 0;
}
