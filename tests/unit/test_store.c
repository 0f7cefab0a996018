/* Results file round trip: create, write rows and traces, read back; resume checks. */
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "hsweep/config.h"
#include "hsweep/store.h"
#include "hsweep/table.h"

static const char *text =
    "sweeps = ({ name = \"rt\"; kernel = \"noop\";\n"
    " matrix = { label = [\"a\", \"longer label\"]; trace_len = [0, 3, 5]; };\n"
    " seeds = [1, 2]; },\n"
    " { name = \"nf\"; kernel = \"nonfinite\"; matrix = { at_step = [2, -1]; }; });\n";

static void run_task(const hs_sweep *s, uint64_t id, hs_out *out, hs_value *v, int64_t *seed,
                     uint64_t *rs)
{
    hs_sweep_task(s, id, v, seed, rs);
    hs_params p = {s->kernel, v};
    hs_err e;
    REQUIRE(hs_out_init(out, s->kernel, &p, &e) == 0);
    hs_ctx ctx = {.seed = *rs, .gang_size = 1, .sweep_seed = *seed};
    hs_task_run(s->kernel, &p, &ctx, out);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    char dir[] = "/tmp/hs_store_XXXXXX";
    REQUIRE(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/sub/dir/r.h5", dir); /* parents are created */
    hs_sweepset *set;
    hs_err e = {0};
    REQUIRE(hs_sweepset_parse("rt.cfg", text, NULL, &set, &e) == 0);
    hs_prov prov = {.ranks = 1, .hosts = "testhost", .mpi_library = "test"};
    hs_store *st;
    REQUIRE(hs_store_create(path, set, MPI_COMM_SELF, &prov, 0, &st, &e) == 0);
    /* write tasks 0..7 of sweep rt (12 tasks) and task 0 of nf */
    const hs_sweep *s = &set->sweeps[0];
    hs_value v[16];
    for (uint64_t id = 0; id < 8; id++) {
        hs_out out;
        int64_t seed;
        uint64_t rs;
        run_task(s, id, &out, v, &seed, &rs);
        hs_result r = {.params = v,
                       .seed = seed,
                       .rng_seed = rs,
                       .out = &out,
                       .attempts = 1,
                       .rank = 0,
                       .host = "testhost",
                       .wall_s = 0.5,
                       .started_unix = 1e9,
                       .peak_rss_kb = 1234};
        CHECK_EQ_INT(hs_store_write_result(st, 0, id, &r, &e), 0);
        hs_out_free(&out);
    }
    {
        hs_out out;
        int64_t seed;
        uint64_t rs;
        run_task(&set->sweeps[1], 0, &out, v, &seed, &rs);
        hs_result r = {
            .params = v, .seed = seed, .rng_seed = rs, .out = &out, .attempts = 1, .host = "h"};
        CHECK_EQ_INT(hs_store_write_result(st, 1, 0, &r, &e), 0);
        hs_out_free(&out);
    }
    int8_t status[12];
    CHECK_EQ_INT(hs_store_read_status(st, 0, status, NULL, &e), 0);
    CHECK_EQ_INT(status[7], HS_ST_OK);
    CHECK_EQ_INT(status[8], HS_ST_PENDING);
    CHECK_EQ_INT(hs_store_close(&st, &e), 0);
    CHECK(st == NULL);

    /* Read back serially, as status/collate do. */
    char **names;
    size_t n;
    REQUIRE(hs_table_list(path, &names, &n, &e) == 0);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_STR(names[0], "rt"); /* file order, not alphabetical */
    CHECK_EQ_STR(names[1], "nf");
    hs_table_list_free(names, n);
    hs_table t;
    REQUIRE(hs_table_read(path, "rt", &t, &e) == 0);
    CHECK_EQ_INT(t.n_rows, 12);
    CHECK_EQ_STR(t.kernel, "noop");
    CHECK_EQ_INT(t.n_axes, 3);
    int cs = hs_table_col(&t, "status"), cl = hs_table_col(&t, "label"),
        ct = hs_table_col(&t, "trace_len"), cx = hs_table_col(&t, "label_len"),
        cseed = hs_table_col(&t, "seed"), cr = hs_table_col(&t, "ramp_len"),
        crss = hs_table_col(&t, "peak_rss_kb"), ch = hs_table_col(&t, "host");
    REQUIRE(cs >= 0 && cl >= 0 && ct >= 0 && cx >= 0 && cseed >= 0 && cr >= 0 && crss >= 0 &&
            ch >= 0);
    char buf[128];
    /* Task 7: label index 1 ("longer label"), trace_len index 0 (0), seed index 1 (2):
     * id = (label*3 + trace)*2 + seed = (1*3+0)*2+1 = 7 */
    CHECK_EQ_STR(hs_table_text(&t, 7, cl, buf, sizeof buf), "longer label");
    CHECK_EQ_INT(hs_table_num(&t, 7, cx), 12);
    CHECK_EQ_INT(hs_table_num(&t, 7, cseed), 2);
    CHECK_EQ_STR(hs_table_text(&t, 7, cs, buf, sizeof buf), "ok");
    CHECK_EQ_STR(hs_table_text(&t, 7, ch, buf, sizeof buf), "testhost");
    CHECK_EQ_INT(hs_table_num(&t, 7, crss), 1234);
    /* Pending rows already carry their parameters (written at creation). */
    CHECK_EQ_STR(hs_table_text(&t, 11, cs, buf, sizeof buf), "pending");
    CHECK_EQ_STR(hs_table_text(&t, 11, cl, buf, sizeof buf), "longer label");
    CHECK_EQ_INT(hs_table_num(&t, 11, ct), 5);
    CHECK(isnan(hs_table_num(&t, 11, cx)));
    /* Task 4: trace_len 5 -> ramp = x + i = 0..4, length recorded */
    CHECK_EQ_INT(hs_table_num(&t, 4, cr), 5);
    double tr[8];
    long got = hs_table_trace(path, "rt", "ramp", 4, tr, 8, &e);
    CHECK_EQ_INT(got, 5); /* width = the largest length over all tasks */
    CHECK(tr[0] == 0 && tr[4] == 4);
    /* Task 2: trace_len 3 -> NaN padding after 3 entries */
    got = hs_table_trace(path, "rt", "ramp", 2, tr, 8, &e);
    CHECK(tr[2] == 2 && isnan(tr[3]) && isnan(tr[4]));
    hs_table_free(&t);
    REQUIRE(hs_table_read(path, "nf", &t, &e) == 0);
    CHECK_EQ_STR(hs_table_text(&t, 0, hs_table_col(&t, "status"), buf, sizeof buf), "nonfinite");
    CHECK_CONTAINS(hs_table_text(&t, 0, hs_table_col(&t, "detail"), buf, sizeof buf), "step 2");
    hs_table_free(&t);

    /* Creating again over it is refused; resuming works; another sweep file is refused. */
    CHECK_EQ_INT(hs_store_create(path, set, MPI_COMM_SELF, &prov, 0, &st, &e), HS_ESTATE);
    CHECK_CONTAINS(e.msg, "--resume");
    REQUIRE(hs_store_open(path, set, MPI_COMM_SELF, &prov, 0, &st, &e) == 0);
    CHECK_EQ_INT(hs_store_read_status(st, 0, status, NULL, &e), 0);
    CHECK_EQ_INT(status[0], HS_ST_OK);
    CHECK_EQ_INT(hs_store_close(&st, &e), 0);
    hs_sweepset *other;
    REQUIRE(hs_sweepset_parse("other.cfg", "sweeps = ({ name = \"rt\"; kernel = \"noop\"; });",
                              NULL, &other, &e) == 0);
    CHECK_EQ_INT(hs_store_open(path, other, MPI_COMM_SELF, &prov, 0, &st, &e), HS_ESTATE);
    CHECK_CONTAINS(e.msg, "different sweep file");
    /* --force does not help when the table itself differs */
    CHECK_EQ_INT(hs_store_open(path, other, MPI_COMM_SELF, &prov, 1, &st, &e), HS_ESTATE);
    CHECK_CONTAINS(e.msg, "different task table");
    hs_sweepset_free(&other);
    /* a file that is not HDF5 */
    char junk[256];
    snprintf(junk, sizeof junk, "%s/junk.h5", dir);
    FILE *f = fopen(junk, "w");
    fputs("not hdf5\n", f);
    fclose(f);
    CHECK(hs_store_open(junk, set, MPI_COMM_SELF, &prov, 0, &st, &e) != 0);
    CHECK_CONTAINS(e.msg, junk);
    hs_sweepset_free(&set);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_EQ_INT(system(cmd), 0);
    MPI_Finalize();
    return CHECK_DONE();
}
