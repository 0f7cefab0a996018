/*
 * libFuzzer harness over the readers of results files: whatever the bytes
 * of the file, hs_table_list / hs_table_read (status), hs_collate and
 * hs_report answer with a table or an error message, never crash, leak or
 * hang.  Built with clang -fsanitize=fuzzer,address,undefined by
 * tests/mpi/fuzz_results.sh, seeded with small files hsweep wrote; the test
 * kernels are the registry (the readers do not depend on which exist).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "hsweep/collate.h"
#include "hsweep/table.h"

extern const hs_kernel hs_kernel_noop, hs_kernel_sleep, hs_kernel_nonfinite, hs_kernel_fail,
    hs_kernel_crash;
const hs_kernel *const hs_builtin_kernels[] = {&hs_kernel_noop,      &hs_kernel_sleep,
                                               &hs_kernel_nonfinite, &hs_kernel_fail,
                                               &hs_kernel_crash,     NULL};

/* What `hsweep status` reads of one sweep: every cell, every status, a trace row. */
static void read_sweep(const char *path, const char *sweep)
{
    hs_table t;
    hs_err e;
    if (hs_table_read(path, sweep, &t, &e) != 0)
        return;
    char buf[512];
    char ids[256];
    hs_table_damaged_ids(&t, ids, sizeof ids);
    for (size_t r = 0; r < t.n_rows; r++) {
        (void)hs_table_status(&t, r);
        for (size_t c = 0; c < t.n_cols; c++)
            hs_table_text(&t, r, (int)c, buf, sizeof buf);
    }
    double tr[8];
    for (size_t i = 0; i < t.n_traces && t.n_rows; i++)
        hs_table_trace(path, sweep, t.traces[i], t.n_rows - 1, tr, 8, &e);
    hs_table_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/hsweep_fuzz_results_%ld.h5", (long)getpid());
        /* a file HDF5 loops on is "damaged" after this, well within the
         * fuzzer's -timeout (tests/mpi/fuzz_results.sh) */
        hs_table_set_check_limit(2);
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    char **names;
    size_t n;
    hs_err e;
    if (hs_table_list(path, &names, &n, &e) == 0) {
        for (size_t i = 0; i < n; i++)
            read_sweep(path, names[i]);
        FILE *out = fopen("/dev/null", "w");
        const char *files[] = {path};
        const char *metrics[] = {"status"};
        hs_collate_opts co = {.files = files,
                              .n_files = 1,
                              .sweep = names[0],
                              .metrics = metrics,
                              .n_metrics = 1,
                              .format = "json",
                              .warnings = out,
                              .notes = out};
        hs_report_opts ro = {.files = files, .n_files = 1, .format = "json"};
        if (out) {
            hs_collate(&co, out, NULL, &e);
            hs_report(&ro, out, NULL, &e);
            fclose(out);
        }
        hs_table_list_free(names, n);
    }
    unlink(path);
    return 0;
}
