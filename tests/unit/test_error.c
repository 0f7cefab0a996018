/*
 * Error records: HS_CALL's trace names every call site an error went up
 * through, innermost first; HS_MPI_CALL and HS_H5_CALL turn failed calls
 * into errors naming the call, file and line.
 */
#include "hsweep/error.h"

#include "../check.h"

#include <hdf5.h>
#include <mpi.h>

static int leaf(hs_err *e, int fail)
{
    if (fail)
        return HS_FAIL(e, HS_EIO, "leaf failed on purpose");
    return 0;
}

static int middle(hs_err *e, int fail)
{
    HS_CALL(leaf(e, fail));
    return 0;
}

static int outer(hs_err *e, int fail)
{
    HS_CALL(middle(e, fail));
    return 0;
}

static int mpi_bad_send(hs_err *e)
{
    int x = 1;
    /* Rank 7 does not exist in MPI_COMM_SELF: MPI_ERR_RANK, returned as
     * the communicator's handler is MPI_ERRORS_RETURN. */
    HS_MPI_CALL(e, MPI_Send(&x, 1, MPI_INT, 7, 0, MPI_COMM_SELF));
    return 0;
}

static int h5_bad_close(hs_err *e)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    HS_H5_CALL(e, H5Dclose((hid_t)-1));
    return 0;
}

int main(int argc, char **argv)
{
    char buf[2048];
    hs_err e = {0};

    CHECK_EQ_INT(outer(&e, 0), 0);
    CHECK_EQ_INT(outer(&e, 1), HS_EIO);
    CHECK_EQ_STR(e.msg, "leaf failed on purpose");
    hs_err_trace(&e, buf, sizeof buf);
    const char *raised = strstr(buf, "raised at");
    const char *mid = strstr(buf, "(middle)");
    const char *out = strstr(buf, "(outer)");
    CHECK(raised && mid && out && raised < mid && mid < out);
    CHECK(strstr(buf, "test_error.c:") != NULL);

    /* A later error starts a fresh trace; a copy of the record has none. */
    hs_err e2 = {0};
    CHECK_EQ_INT(middle(&e2, 1), HS_EIO);
    hs_err_trace(&e2, buf, sizeof buf);
    CHECK(strstr(buf, "(middle)") != NULL && strstr(buf, "(outer)") == NULL);
    hs_err_trace(&e, buf, sizeof buf);
    CHECK_EQ_STR(buf, "");

    MPI_Init(&argc, &argv);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    hs_err em = {0};
    CHECK_EQ_INT(mpi_bad_send(&em), HS_EMPI);
    CHECK(strstr(em.msg, "MPI_Send(") != NULL);
    CHECK(strstr(em.msg, "test_error.c:") != NULL);
    CHECK_EQ_INT(HS_MPI_CHECK(&em, MPI_SUCCESS), 0);

    hs_err eh = {0};
    CHECK_EQ_INT(h5_bad_close(&eh), HS_EHDF5);
    CHECK(strstr(eh.msg, "H5Dclose(") != NULL);
    hs_err_trace(&eh, buf, sizeof buf);
    CHECK(strstr(buf, "(h5_bad_close)") != NULL);
    MPI_Finalize();
    return CHECK_DONE();
}
