/*
 * The results-file reader (src/core/table.c) on real files written by the
 * store: columns by name, cells as numbers and text, and damage found by
 * the reader itself: a row whose bytes no longer match its crc32c, a status
 * byte outside hs_status (hs_table_damaged_ids lists them), a table whose
 * length differs from the sweep's n_tasks and a file that is not HDF5 at all
 * (an error naming the file, never a partial table).  A file the HDF5
 * library loops on (tests/data/hdf5_heap_loop.h5, found by
 * tests/mpi/fuzz_results.sh: a global heap that reads forever) is damaged
 * once the check's time limit is out, even in a process with its own
 * SIGALRM handler.
 */
#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "hsweep/config.h"
#include "hsweep/store.h"
#include "hsweep/table.h"

static const char *text = "sweeps = ({ name = \"rt\"; kernel = \"noop\";\n"
                          " matrix = { label = [\"a\", \"bb\"]; x = [0.5, 2.0, 4.0]; }; });\n";

/* Write a file with every task of sweep rt done. */
static void write_file(const char *path)
{
    hs_sweepset *set;
    hs_err e = {0};
    REQUIRE(hs_sweepset_parse("rt.cfg", text, NULL, &set, &e) == 0);
    hs_prov prov = {.ranks = 1, .hosts = "h", .mpi_library = "test"};
    hs_store *st;
    REQUIRE(hs_store_create(path, set, MPI_COMM_SELF, &prov, 0, &st, &e) == 0);
    const hs_sweep *s = &set->sweeps[0];
    for (uint64_t id = 0; id < s->n_tasks; id++) {
        hs_value v[16];
        int64_t seed;
        uint64_t rs;
        hs_sweep_task(s, id, v, &seed, &rs);
        hs_params p = {s->kernel, v};
        hs_out out;
        REQUIRE(hs_out_init(&out, s->kernel, &p, &e) == 0);
        hs_ctx ctx = {.seed = rs, .gang_size = 1, .sweep_seed = seed};
        hs_task_run(s->kernel, &p, &ctx, &out);
        hs_result r = {.params = v,
                       .seed = seed,
                       .rng_seed = rs,
                       .out = &out,
                       .attempts = 1,
                       .host = "h",
                       .wall_s = 0.25};
        CHECK_EQ_INT(hs_store_write_result(st, 0, id, &r, &e), 0);
        hs_out_free(&out);
    }
    REQUIRE(hs_store_close(&st, &e) == 0);
    hs_sweepset_free(&set);
}

/* Change the file bytes of field `field` of row `row` of rt/tasks with edit(). */
static void edit_row(const char *path, size_t row, const char *field,
                     void (*edit)(unsigned char *, size_t))
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(f >= 0);
    hid_t d = H5Dopen2(f, "rt/tasks", H5P_DEFAULT);
    REQUIRE(d >= 0);
    hid_t ft = H5Dget_type(d), sp = H5Dget_space(d);
    size_t sz = H5Tget_size(ft);
    hssize_t n = H5Sget_simple_extent_npoints(sp);
    unsigned char *rows = malloc(sz * (size_t)n);
    REQUIRE(rows && H5Dread(d, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    int fi = H5Tget_member_index(ft, field);
    REQUIRE(fi >= 0);
    hid_t mt = H5Tget_member_type(ft, (unsigned)fi);
    edit(rows + row * sz + H5Tget_member_offset(ft, (unsigned)fi), H5Tget_size(mt));
    REQUIRE(H5Dwrite(d, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    free(rows);
    H5Tclose(mt);
    H5Tclose(ft);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
}

static void flip_low_bit(unsigned char *b, size_t n)
{
    (void)n;
    b[0] ^= 1;
}

static void status_nine(unsigned char *b, size_t n)
{
    REQUIRE(n == 1);
    b[0] = 9;
}

/* Replace sweep rt's n_tasks attribute (deleted and made again: HDF5 1.10
 * cannot rewrite an attribute kept in dense storage in place). */
static void set_n_tasks(const char *path, uint64_t n)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(f >= 0);
    hid_t g = H5Gopen2(f, "rt", H5P_DEFAULT);
    REQUIRE(g >= 0);
    REQUIRE(H5Adelete(g, "n_tasks") >= 0);
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(g, "n_tasks", H5T_NATIVE_UINT64, sp, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(a >= 0);
    REQUIRE(H5Awrite(a, H5T_NATIVE_UINT64, &n) >= 0);
    H5Aclose(a);
    H5Sclose(sp);
    H5Gclose(g);
    H5Fclose(f);
}

static void on_alarm(int sig)
{
    (void)sig;
    _exit(3);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    char dir[] = "/tmp/hs_table_XXXXXX", path[256], cmd[300];
    REQUIRE(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/r.h5", dir);
    write_file(path);
    hs_err e = {0};
    hs_table t;

    /* intact: 6 rows, task ids in expansion order (the last axis varies fastest) */
    REQUIRE(hs_table_read(path, "rt", &t, &e) == 0);
    CHECK_EQ_INT(t.n_rows, 6);
    CHECK_EQ_INT(t.n_damaged, 0);
    CHECK_EQ_STR(t.sweep, "rt");
    CHECK_EQ_INT(hs_table_col(&t, "no_such_column"), -1);
    int cl = hs_table_col(&t, "label"), cx = hs_table_col(&t, "x"), cs = hs_table_col(&t, "status"),
        ci = hs_table_col(&t, "task_id");
    REQUIRE(cl >= 0 && cx >= 0 && cs >= 0 && ci >= 0);
    char buf[64];
    double xs[3] = {0.5, 2.0, 4.0};
    for (size_t r = 0; r < 6; r++) {
        CHECK(hs_table_num(&t, r, ci) == (double)r);
        CHECK(hs_table_num(&t, r, cx) == xs[r % 3]); /* x varies fastest */
        CHECK_EQ_STR(hs_table_text(&t, r, cl, buf, sizeof buf), r < 3 ? "a" : "bb");
        CHECK(isnan(hs_table_num(&t, r, cl))); /* strings have no number */
        CHECK_EQ_STR(hs_table_text(&t, r, cs, buf, sizeof buf), "ok");
        CHECK(hs_table_num(&t, r, cs) == HS_ST_OK);
    }
    CHECK_EQ_INT(hs_table_damaged_ids(&t, buf, sizeof buf), 0);
    hs_table_free(&t);

    /* one bit of row 4's x flipped: its checksum no longer matches */
    edit_row(path, 4, "x", flip_low_bit);
    /* row 1's status byte set to 9, no hs_status */
    edit_row(path, 1, "status", status_nine);
    REQUIRE(hs_table_read(path, "rt", &t, &e) == 0);
    CHECK_EQ_INT(t.n_damaged, 2);
    CHECK_EQ_INT(t.damage[4], HS_ROW_BAD_CRC);
    CHECK_EQ_INT(t.damage[1], HS_ROW_BAD_STATUS);
    CHECK_EQ_INT(t.damage[0], HS_ROW_OK);
    CHECK_EQ_INT(hs_table_damaged_ids(&t, buf, sizeof buf), 2);
    CHECK_EQ_STR(buf, "1, 4");
    hs_table_free(&t);

    /* the table no longer as long as the sweep says: refused, naming the file */
    set_n_tasks(path, 5);
    memset(&e, 0, sizeof e);
    CHECK_EQ_INT(hs_table_read(path, "rt", &t, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, path);
    CHECK_CONTAINS(
        e.msg,
        "damaged results file: sweep 'rt': the task table's length differs from the sweep's n_tasks");

    /* a file that is not HDF5: listing it fails, naming it */
    char junk[256];
    snprintf(junk, sizeof junk, "%s/junk.h5", dir);
    FILE *f = fopen(junk, "w");
    REQUIRE(f);
    fputs("not an HDF5 file\n", f);
    fclose(f);
    char **names = NULL;
    size_t n = 0;
    memset(&e, 0, sizeof e);
    CHECK(hs_table_list(junk, &names, &n, &e) != 0);
    CHECK_CONTAINS(e.msg, junk);
    CHECK(hs_table_read(junk, "rt", &t, &e) != 0);

    /* HDF5 loops reading this file: the check gives up after its limit and
     * says so.  The handler here is a process's own (as libFuzzer's is):
     * a check child that kept it would exit 3, not end by the alarm; the
     * alarm of 60 s is this test's own guard against a hang */
    const char *src = getenv("HS_SRC");
    REQUIRE(src);
    char loop[512];
    snprintf(loop, sizeof loop, "%s/tests/data/hdf5_heap_loop.h5", src);
    struct sigaction sa = {.sa_handler = on_alarm};
    REQUIRE(sigaction(SIGALRM, &sa, NULL) == 0);
    alarm(60);
    hs_table_set_check_limit(1);
    memset(&e, 0, sizeof e);
    CHECK_EQ_INT(hs_table_list(loop, &names, &n, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, loop);
    CHECK_CONTAINS(e.msg, "damaged results file: reading its metadata did not end in 1 s");
    alarm(0);
    hs_table_set_check_limit(0);

    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    MPI_Finalize();
    return CHECK_DONE();
}
