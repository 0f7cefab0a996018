/*
 * Reading a kernel's input data file: whole datasets of an HDF5 file by
 * name, with no HDF5 type in the interface.  Part of the kernel runtime
 * (src/kernel_rt/datafile.c), so that a kernel reads data without calling
 * HDF5 or core itself.
 */
#ifndef HSWEEP_DATAFILE_H
#define HSWEEP_DATAFILE_H

#include <stddef.h>

#include "hsweep/error.h"

typedef struct hs_datafile hs_datafile;

typedef enum hs_data_type { HS_DATA_F64 = 0, HS_DATA_INT = 1 } hs_data_type;

/*
 * Open `path` read-only.  HDF5's own error printing is off until
 * hs_datafile_close.  Returns 0, HS_EIO ("cannot open it as HDF5") or
 * HS_ENOMEM; *f is NULL on failure.
 */
int hs_datafile_open(const char *path, hs_datafile **f, hs_err *e);

/* 1 if the file has a dataset (link) `name`, 0 if not, or HS_EHDF5. */
int hs_datafile_has(hs_datafile *f, const char *name, hs_err *e);

/*
 * Read the whole dataset `name`, which must have `rank` dimensions, as
 * float64 or int into a new buffer *buf (free()), its dimensions into
 * dims[rank].  Returns 0, HS_EINPUT ("dataset 'y' is missing", "... has rank
 * 3, expected 4"), HS_ENOMEM or HS_EHDF5 ("cannot read dataset 'y' as
 * float64"); *buf is NULL on failure.
 */
int hs_datafile_read(hs_datafile *f, const char *name, hs_data_type type, int rank, size_t *dims,
                     void **buf, hs_err *e);

/* Close the file, restore HDF5's error printing and set *f to NULL; NULL-safe. */
void hs_datafile_close(hs_datafile **f);

#endif
