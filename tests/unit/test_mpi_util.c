/* MPI helpers (hsweep/mpi_util.h), provenance (hsweep/provenance.h) and stop signals (hsweep/signals.h), on one rank. */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hsweep/mpi_util.h"
#include "hsweep/provenance.h"
#include "hsweep/signals.h"
#include "hsweep/store.h"

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    REQUIRE(f && fwrite(data, 1, n, f) == n && fclose(f) == 0);
}

static void test_agree(void)
{
    hs_err e = {0};
    CHECK_EQ_INT(hs_mpi_agree(0, MPI_COMM_WORLD, &e), 0);
    HS_FAIL(&e, HS_EIO, "disk full on the one rank");
    CHECK_EQ_INT(hs_mpi_agree(HS_EIO, MPI_COMM_WORLD, &e), HS_EIO);
    CHECK_EQ_INT(e.code, HS_EIO);
    CHECK_EQ_STR(e.msg, "disk full on the one rank");
    /* With MPI_ERRORS_RETURN on MPI_COMM_WORLD (where Open MPI raises an
     * invalid communicator), a failed agreement names its call. */
    hs_err em = {0};
    CHECK_EQ_INT(hs_mpi_agree(0, MPI_COMM_NULL, &em), HS_EMPI);
    CHECK_CONTAINS(em.msg, "MPI_Allreduce(");
    CHECK_CONTAINS(em.msg, "mpi_util.c:");
}

static void test_share_file(const char *dir)
{
    char path[512];
    hs_err e = {0};
    char *text = NULL;
    snprintf(path, sizeof path, "%s/ok.cfg", dir);
    write_file(path, "output = \"x.h5\";\n", 17);
    CHECK_EQ_INT(hs_mpi_share_file(path, MPI_COMM_WORLD, &text, &e), 0);
    CHECK_EQ_STR(text, "output = \"x.h5\";\n");
    free(text);
    text = NULL;
    snprintf(path, sizeof path, "%s/nul.cfg", dir);
    write_file(path, "a\0b", 3);
    CHECK_EQ_INT(hs_mpi_share_file(path, MPI_COMM_WORLD, &text, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "nul.cfg:1: not a text file");
    CHECK(text == NULL);
    snprintf(path, sizeof path, "%s/missing.cfg", dir);
    CHECK_EQ_INT(hs_mpi_share_file(path, MPI_COMM_WORLD, &text, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "missing.cfg: cannot open sweep file");
    snprintf(path, sizeof path, "%s/empty.cfg", dir);
    write_file(path, "", 0);
    CHECK_EQ_INT(hs_mpi_share_file(path, MPI_COMM_WORLD, &text, &e), 0);
    CHECK_EQ_STR(text, "");
    free(text);
}

static void test_provenance(void)
{
    hs_err e = {0};
    char host[HS_HOST_LEN], want[256] = "";
    CHECK_EQ_INT(hs_provenance_host(host, sizeof host, &e), 0);
    REQUIRE(gethostname(want, sizeof want - 1) == 0);
    want[HS_HOST_LEN - 1] = 0;
    CHECK_EQ_STR(host, want);
    /* Four bytes: a longer name is cut, not an error. */
    char tiny[4];
    CHECK_EQ_INT(hs_provenance_host(tiny, sizeof tiny, &e), 0);
    CHECK_EQ_INT(strncmp(tiny, want, 3), 0);
    CHECK(strlen(tiny) <= 3);
    char *hosts = NULL, mpilib[MPI_MAX_LIBRARY_VERSION_STRING + 1] = "";
    CHECK_EQ_INT(hs_provenance_gather(MPI_COMM_WORLD, host, &hosts, mpilib, &e), 0);
    CHECK_EQ_STR(hosts, host); /* one rank: one host, no comma */
    CHECK(strchr(mpilib, '\n') == NULL);
    CHECK_CONTAINS(mpilib, "MPI");
    free(hosts);
}

static void test_signals(void)
{
    hs_err e = {0};
    CHECK_EQ_INT(hs_signals_stop_requested(), 0);
    CHECK_EQ_INT(hs_signals_install(&e), 0);
    hs_signals_grace(1);
    CHECK_EQ_INT(hs_signals_stop_requested(), 0);
    CHECK_EQ_INT(raise(SIGUSR1), 0); /* by default it would end the process */
    CHECK_EQ_INT(hs_signals_stop_requested(), 1);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    hs_err e = {0};
    REQUIRE(hs_mpi_errors_return(MPI_COMM_WORLD, &e) == 0);
    char dir[] = "/tmp/hs_test_mpi_util_XXXXXX";
    REQUIRE(mkdtemp(dir));
    test_agree();
    test_share_file(dir);
    test_provenance();
    test_signals();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_EQ_INT(system(cmd), 0);
    MPI_Finalize();
    return CHECK_DONE();
}
