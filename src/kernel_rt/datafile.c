/* Whole-dataset reads of a kernel's HDF5 data file (include/hsweep/datafile.h). */
#include "hsweep/datafile.h"

#include <hdf5.h>
#include <stdlib.h>

struct hs_datafile {
    hid_t file;
    H5E_auto2_t efn; /* HDF5's error printer while the file is open, restored on close */
    void *edata;
};

int hs_datafile_open(const char *path, hs_datafile **f, hs_err *e)
{
    *f = calloc(1, sizeof **f);
    if (!*f)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    hs_datafile *df = *f;
    int rc = HS_H5_CHECK(e, H5Eget_auto2(H5E_DEFAULT, &df->efn, &df->edata));
    if (rc == 0 && (rc = HS_H5_CHECK(e, H5Eset_auto2(H5E_DEFAULT, NULL, NULL))) != 0)
        df->efn = NULL; /* nothing to restore */
    if (rc == 0 && (df->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        rc = HS_FAIL(e, HS_EIO, "cannot open it as HDF5");
    if (rc) {
        /* Cleanup: the first error is recorded; a failed restore adds nothing to it. */
        if (df->efn)
            H5Eset_auto2(H5E_DEFAULT, df->efn, df->edata);
        free(df);
        *f = NULL;
    }
    return rc;
}

int hs_datafile_has(hs_datafile *f, const char *name, hs_err *e)
{
    htri_t r = H5Lexists(f->file, name, H5P_DEFAULT);
    HS_H5_CALL(e, r);
    return r > 0;
}

int hs_datafile_read(hs_datafile *f, const char *name, hs_data_type type, int rank, size_t *dims,
                     void **buf, hs_err *e)
{
    *buf = NULL;
    int has = hs_datafile_has(f, name, e);
    if (has < 0)
        return has;
    if (!has)
        return HS_FAIL(e, HS_EINPUT, "dataset '%s' is missing", name);
    hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
    if (d < 0)
        return HS_FAIL(e, HS_EHDF5, "cannot open dataset '%s'", name);
    hid_t memtype = type == HS_DATA_INT ? H5T_NATIVE_INT : H5T_NATIVE_DOUBLE;
    size_t elsize = type == HS_DATA_INT ? sizeof(int) : sizeof(double);
    hid_t sp = H5Dget_space(d);
    int r = 0, rc = HS_H5_CHECK(e, sp);
    if (rc == 0)
        rc = HS_H5_CHECK(e, r = H5Sget_simple_extent_ndims(sp));
    hsize_t hd[H5S_MAX_RANK];
    if (rc == 0 && r != rank)
        rc = HS_FAIL(e, HS_EINPUT, "dataset '%s' has rank %d, expected %d", name, r, rank);
    if (rc == 0)
        rc = HS_H5_CHECK(e, H5Sget_simple_extent_dims(sp, hd, NULL));
    if (rc == 0) {
        size_t n = 1;
        for (int i = 0; i < rank; i++)
            n *= (size_t)(dims[i] = (size_t)hd[i]);
        *buf = malloc(n ? n * elsize : 1);
        if (!*buf)
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory reading '%s'", name);
        else if (H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *buf) < 0)
            rc = HS_FAIL(e, HS_EHDF5, "cannot read dataset '%s' as %s", name,
                         type == HS_DATA_INT ? "integers" : "float64");
    }
    /* A failed close of a dataset only read from loses nothing: not checked. */
    if (sp >= 0)
        H5Sclose(sp);
    H5Dclose(d);
    if (rc) {
        free(*buf);
        *buf = NULL;
    }
    return rc;
}

void hs_datafile_close(hs_datafile **f)
{
    if (!f || !*f)
        return;
    /* Cleanup of a file only read from: a failed close or restore loses nothing. */
    H5Fclose((*f)->file);
    if ((*f)->efn)
        H5Eset_auto2(H5E_DEFAULT, (*f)->efn, (*f)->edata);
    free(*f);
    *f = NULL;
}
