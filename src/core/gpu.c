/* GPUs for the programs a worker starts (hsweep/gpu.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/gpu.h"

int hs_gpu_pick(const char *list, int index, int count, char *out, size_t cap, hs_err *e)
{
    int n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    const char *p = list;
    for (int i = 0; i < n; i++, p += strcspn(p, ",") + 1)
        if (strcspn(p, ",") == 0)
            return HS_FAIL(e, HS_EINPUT, "GPU list '%s' has an empty entry", list);
    int lo = index % n, hi = lo + 1;
    if (count > 0 && count < n) {
        lo = (int)((long long)index * n / count);
        hi = (int)((long long)(index + 1) * n / count);
    }
    size_t len = 0;
    p = list;
    for (int i = 0; i < hi; i++, p += strcspn(p, ",") + 1) {
        size_t m = strcspn(p, ",");
        if (i < lo)
            continue;
        if (len + m + 2 > cap)
            return HS_FAIL(e, HS_EINPUT, "GPU list '%s' is too long", list);
        if (len)
            out[len++] = ',';
        memcpy(out + len, p, m);
        len += m;
    }
    out[len] = '\0';
    return 0;
}

int hs_gpu_bind(MPI_Comm comm, hs_err *e)
{
    int rank, size;
    HS_MPI_CALL(e, MPI_Comm_rank(comm, &rank));
    HS_MPI_CALL(e, MPI_Comm_size(comm, &size));
    const char *mode = getenv("HSWEEP_GPU_BIND");
    int bad = mode && *mode && strcmp(mode, "auto") != 0 && strcmp(mode, "none") != 0;
    int on = !bad && !(mode && strcmp(mode, "none") == 0);
    const char *vars[] = {"CUDA_VISIBLE_DEVICES", "SLURM_STEP_GPUS", "SLURM_JOB_GPUS"},
               *list = NULL, *var = "";
    for (size_t i = 0; i < sizeof vars / sizeof vars[0] && !list; i++)
        if (getenv(vars[i]) && *getenv(vars[i]))
            list = getenv(var = vars[i]);
    /* What this rank shares: its list, or "" when it runs no tasks or binds nothing. */
    const char *key = on && list && (size == 1 || rank > 0) ? list : "";
    MPI_Comm node;
    HS_MPI_CALL(e, MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
    int nr = 0, nn = 1, len = (int)strlen(key) + 1;
    int out = HS_MPI_CHECK(e, MPI_Comm_rank(node, &nr));
    if (out == 0)
        out = HS_MPI_CHECK(e, MPI_Comm_size(node, &nn));
    int *lens = malloc(2 * (size_t)nn * sizeof *lens), *offs = lens ? lens + nn : NULL;
    if (out == 0 && lens)
        out = HS_MPI_CHECK(e, MPI_Allgather(&len, 1, MPI_INT, lens, 1, MPI_INT, node));
    char *all = NULL;
    if (out == 0 && lens) {
        long total = 0;
        for (int i = 0; i < nn; i++) {
            offs[i] = (int)total;
            total += lens[i];
        }
        all = malloc((size_t)total);
        out = HS_MPI_CHECK(e, MPI_Allgatherv(key, len, MPI_CHAR, all ? all : (char *)key, lens,
                                             offs, MPI_CHAR, node));
    }
    if (out == 0)
        out = HS_MPI_CHECK(e, MPI_Comm_free(&node));
    else
        MPI_Comm_free(&node); /* cleanup: the error is recorded */
    if (out)
        ; /* an MPI call failed: e names it */
    else if (!lens || !all)
        out = HS_FAIL(e, HS_ENOMEM, "out of memory");
    else if (bad)
        out =
            HS_FAIL(e, HS_EINPUT, "HSWEEP_GPU_BIND is auto (the default) or none, not '%s'", mode);
    else if (*key) {
        int index = 0, count = 0;
        for (int i = 0; i < nn; i++)
            if (strcmp(all + offs[i], key) == 0) {
                index += i < nr;
                count++;
            }
        char *share = malloc(strlen(key) + 2);
        out = share ? hs_gpu_pick(key, index, count, share, strlen(key) + 2, e)
                    : HS_FAIL(e, HS_ENOMEM, "out of memory");
        if (out == HS_EINPUT) {
            char why[sizeof e->msg];
            snprintf(why, sizeof why, "%s", e->msg);
            out = HS_FAIL(e, HS_EINPUT, "%s: %s (set HSWEEP_GPU_BIND=none to leave it alone)", var,
                          why);
        }
        if (out == 0 && setenv("CUDA_VISIBLE_DEVICES", share, 1) != 0)
            out = HS_FAIL(e, HS_ENOMEM, "cannot set CUDA_VISIBLE_DEVICES");
        free(share);
    }
    free(all);
    free(lens);
    return out;
}
