/*
 * Baseline for bench/dispatch.sh: only the irreducible work of a sweep of
 * N trivial tasks under MPI, to measure hsweep's dispatch overhead against.
 *
 *   mpiexec -n P baseline_dispatch FILE N ROW_BYTES      (P >= 2)
 *
 * All ranks create FILE collectively with one preallocated contiguous
 * dataset of N fixed-size rows (ROW_BYTES each, the size of hsweep's row for
 * the same kernel).  Rank 0 then hands out task ids, one id per MPI message
 * (blocking point-to-point, request / reply); each worker writes one row per
 * task with one independent H5Dwrite and asks for the next id.  No queue
 * ordering, no batching, no pending rows, no status byte, no provenance:
 * those are hsweep's choices, not the irreducible work.
 *
 * Prints on rank 0:
 *   baseline_dispatch: N tasks, W workers, setup S s, loop L s, total T s, R tasks/s
 * where R = N / T and T runs from MPI_Init's return to the file's close.
 */
#define _POSIX_C_SOURCE 200809L
#include <hdf5.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_REQ = 1, TAG_ID = 2 };

/* Row: the fields a worker must fill per task, padded to row_bytes. */
#define ROW_FIXED (8 + 1 + 4 + 8)

static void die(const char *what)
{
    fprintf(stderr, "baseline_dispatch: %s failed\n", what);
    MPI_Abort(MPI_COMM_WORLD, 1);
}

static hid_t row_type(size_t row_bytes)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, row_bytes);
    hsize_t pad = row_bytes - ROW_FIXED;
    hid_t pt = H5Tarray_create2(H5T_NATIVE_UINT8, 1, &pad);
    H5Tinsert(t, "task_id", 0, H5T_NATIVE_UINT64);
    H5Tinsert(t, "status", 8, H5T_NATIVE_INT8);
    H5Tinsert(t, "rank", 9, H5T_NATIVE_INT32);
    H5Tinsert(t, "wall_s", 13, H5T_NATIVE_DOUBLE);
    H5Tinsert(t, "payload", ROW_FIXED, pt);
    H5Tclose(pt);
    return t;
}

static void coordinator(int64_t n, int workers)
{
    int64_t next = 0;
    while (workers > 0) {
        int dummy;
        MPI_Status st;
        MPI_Recv(&dummy, 1, MPI_INT, MPI_ANY_SOURCE, TAG_REQ, MPI_COMM_WORLD, &st);
        int64_t id = next < n ? next++ : -1;
        if (id < 0)
            workers--;
        MPI_Send(&id, 1, MPI_INT64_T, st.MPI_SOURCE, TAG_ID, MPI_COMM_WORLD);
    }
}

static void worker(hid_t dset, hid_t type, size_t row_bytes, int rank)
{
    unsigned char *row = calloc(1, row_bytes);
    if (!row)
        die("calloc");
    hsize_t one = 1;
    hid_t msp = H5Screate_simple(1, &one, NULL), fsp = H5Dget_space(dset);
    int32_t rk = rank;
    int8_t status = 1;
    for (;;) {
        int req = 0;
        int64_t id;
        MPI_Send(&req, 1, MPI_INT, 0, TAG_REQ, MPI_COMM_WORLD);
        MPI_Recv(&id, 1, MPI_INT64_T, 0, TAG_ID, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (id < 0)
            break;
        double t0 = MPI_Wtime();
        uint64_t uid = (uint64_t)id;
        memcpy(row, &uid, 8);
        memcpy(row + 8, &status, 1);
        memcpy(row + 9, &rk, 4);
        double wall = MPI_Wtime() - t0;
        memcpy(row + 13, &wall, 8);
        hsize_t start = uid;
        H5Sselect_hyperslab(fsp, H5S_SELECT_SET, &start, NULL, &one, NULL);
        if (H5Dwrite(dset, type, msp, fsp, H5P_DEFAULT, row) < 0)
            die("H5Dwrite");
    }
    H5Sclose(fsp);
    H5Sclose(msp);
    free(row);
}

int main(int argc, char **argv)
{
    /* The same MPI-IO component and messaging as hsweep (src/cli/cmd_run.c):
     * ROMIO and ob1. */
    setenv("OMPI_MCA_io", "^ompio", 0);
    setenv("OMPI_MCA_pml", "ob1", 0);
    MPI_Init(&argc, &argv);
    double t_start = MPI_Wtime();
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc != 4 || size < 2) {
        if (rank == 0)
            fprintf(stderr, "usage: mpiexec -n P baseline_dispatch FILE N ROW_BYTES (P >= 2)\n");
        MPI_Finalize();
        return 2;
    }
    int64_t n = atoll(argv[2]);
    size_t row_bytes = (size_t)atol(argv[3]);
    if (n < 1 || row_bytes < ROW_FIXED + 1) {
        if (rank == 0)
            fprintf(stderr, "baseline_dispatch: need N >= 1 and ROW_BYTES >= %d\n", ROW_FIXED + 1);
        MPI_Finalize();
        return 2;
    }

    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
    hid_t file = H5Fcreate(argv[1], H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    if (file < 0)
        die("H5Fcreate");
    H5Pclose(fapl);
    hid_t type = row_type(row_bytes);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_layout(dcpl, H5D_CONTIGUOUS);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    hsize_t dim = (hsize_t)n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t dset = H5Dcreate2(file, "tasks", type, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dset < 0)
        die("H5Dcreate2");
    H5Sclose(sp);
    H5Pclose(dcpl);
    if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0)
        die("H5Fflush");
    MPI_Barrier(MPI_COMM_WORLD);
    double t_loop = MPI_Wtime();

    if (rank == 0)
        coordinator(n, size - 1);
    else
        worker(dset, type, row_bytes, rank);

    MPI_Barrier(MPI_COMM_WORLD);
    double t_end_loop = MPI_Wtime();
    H5Dclose(dset);
    H5Tclose(type);
    if (H5Fclose(file) < 0)
        die("H5Fclose");
    double t_end = MPI_Wtime();
    if (rank == 0)
        printf(
            "baseline_dispatch: %lld tasks, %d workers, setup %.3f s, loop %.3f s, total %.3f s, "
            "%.1f tasks/s\n",
            (long long)n, size - 1, t_loop - t_start, t_end_loop - t_loop, t_end - t_start,
            (double)n / (t_end - t_start));
    MPI_Finalize();
    return 0;
}
