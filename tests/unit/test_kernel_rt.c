/*
 * The kernel runtime's data-file reader (hsweep/datafile.h) on a real HDF5
 * file written here, and the numeric-status mapping (hs_num_err).
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hsweep/datafile.h"
#include "hsweep/numeric/status.h"
#include "hsweep/task.h"

static void write_ds(hid_t f, const char *name, hid_t type, int rank, const hsize_t *dims,
                     const void *data)
{
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(f, name, type, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(sp >= 0 && d >= 0);
    REQUIRE(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    REQUIRE(H5Dclose(d) >= 0 && H5Sclose(sp) >= 0);
}

static void test_reader(const char *dir)
{
    char path[512], text[512];
    snprintf(path, sizeof path, "%s/data.h5", dir);
    snprintf(text, sizeof text, "%s/text.h5", dir);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(f >= 0);
    double y[2][3] = {{1.5, -2.0, 3.25}, {0.0, 1e300, -7.0}};
    int parents[4] = {-1, 0, 1, 1};
    hsize_t dy[2] = {2, 3}, dp[1] = {4};
    write_ds(f, "y", H5T_NATIVE_DOUBLE, 2, dy, y);
    write_ds(f, "parents", H5T_NATIVE_INT, 1, dp, parents);
    hid_t str = H5Tcopy(H5T_C_S1);
    REQUIRE(str >= 0 && H5Tset_size(str, 4) >= 0);
    char names[4][4] = {"ab", "cd", "ef", "gh"};
    write_ds(f, "names", str, 1, dp, names);
    REQUIRE(H5Tclose(str) >= 0 && H5Fclose(f) >= 0);
    FILE *t = fopen(text, "w");
    REQUIRE(t && fputs("not HDF5\n", t) >= 0 && fclose(t) == 0);

    hs_err e = {0};
    hs_datafile *df = NULL;
    REQUIRE(hs_datafile_open(path, &df, &e) == 0 && df);
    CHECK_EQ_INT(hs_datafile_has(df, "y", &e), 1);
    CHECK_EQ_INT(hs_datafile_has(df, "x0_hat", &e), 0);

    size_t dims[2] = {0, 0};
    double *yr = NULL;
    CHECK_EQ_INT(hs_datafile_read(df, "y", HS_DATA_F64, 2, dims, (void **)&yr, &e), 0);
    CHECK_EQ_INT(dims[0], 2);
    CHECK_EQ_INT(dims[1], 3);
    REQUIRE(yr);
    CHECK(memcmp(yr, y, sizeof y) == 0);
    free(yr);
    int *pr = NULL;
    CHECK_EQ_INT(hs_datafile_read(df, "parents", HS_DATA_INT, 1, dims, (void **)&pr, &e), 0);
    REQUIRE(pr);
    CHECK(memcmp(pr, parents, sizeof parents) == 0);
    free(pr);

    void *buf = (void *)&e; /* must come back NULL on failure */
    CHECK_EQ_INT(hs_datafile_read(df, "bone_lengths", HS_DATA_F64, 1, dims, &buf, &e), HS_EINPUT);
    CHECK(buf == NULL);
    CHECK_EQ_STR(e.msg, "dataset 'bone_lengths' is missing");
    CHECK_EQ_INT(hs_datafile_read(df, "y", HS_DATA_F64, 4, dims, &buf, &e), HS_EINPUT);
    CHECK_EQ_STR(e.msg, "dataset 'y' has rank 2, expected 4");
    CHECK_EQ_INT(hs_datafile_read(df, "names", HS_DATA_INT, 1, dims, &buf, &e), HS_EHDF5);
    CHECK_EQ_STR(e.msg, "cannot read dataset 'names' as integers");
    CHECK(buf == NULL);
    hs_datafile_close(&df);
    CHECK(df == NULL);
    hs_datafile_close(&df); /* NULL-safe */

    CHECK_EQ_INT(hs_datafile_open(text, &df, &e), HS_EIO);
    CHECK_EQ_STR(e.msg, "cannot open it as HDF5");
    CHECK(df == NULL);
    snprintf(text, sizeof text, "%s/absent.h5", dir);
    CHECK_EQ_INT(hs_datafile_open(text, &df, &e), HS_EIO);
    CHECK(df == NULL);
    /* HDF5's own error printing is back on after the reader's calls. */
    H5E_auto2_t fn = NULL;
    void *data = NULL;
    CHECK(H5Eget_auto2(H5E_DEFAULT, &fn, &data) >= 0 && fn != NULL);
    unlink(path);
    snprintf(text, sizeof text, "%s/text.h5", dir);
    unlink(text);
}

static void test_num_err(void)
{
    char msg[128] = "";
    CHECK_EQ_INT(hs_num_err(HS_NUM_OK, msg, sizeof msg, "eig"), 0);
    CHECK_EQ_STR(msg, "");
    CHECK_EQ_INT(hs_num_err(HS_NUM_ENOMEM, msg, sizeof msg, "eig"), HS_ENOMEM);
    CHECK_EQ_STR(msg, "eig: out of memory (-3)");
    msg[0] = '\0';
    CHECK_EQ_INT(hs_num_err(HS_NUM_EMPI, msg, sizeof msg, "eig"), HS_EMPI);
    msg[0] = '\0';
    CHECK_EQ_INT(hs_num_err(HS_NUM_ENOCONV, msg, sizeof msg, "eig"), HS_EINPUT);
    CHECK_EQ_STR(msg, "eig: the solver did not converge (-100)");
    /* A message the numeric function wrote is kept as it is. */
    snprintf(msg, sizeof msg, "pose: parents[0] must be -1");
    CHECK_EQ_INT(hs_num_err(HS_NUM_EINPUT, msg, sizeof msg, "pose"), HS_EINPUT);
    CHECK_EQ_STR(msg, "pose: parents[0] must be -1");
    CHECK_EQ_INT(hs_num_err(HS_NUM_EINPUT, NULL, 0, "pose"), HS_EINPUT);
}

int main(void)
{
    char dir[] = "/tmp/hs_kernel_rt.XXXXXX";
    REQUIRE(mkdtemp(dir));
    test_reader(dir);
    test_num_err();
    rmdir(dir);
    return CHECK_DONE();
}
