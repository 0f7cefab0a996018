/* hsweep/gpu.h: how a GPU list is shared out among a node's workers. */
#include "check.h"
#include "hsweep/gpu.h"

static const char *pick(const char *list, int index, int count)
{
    static char out[256];
    hs_err e;
    return hs_gpu_pick(list, index, count, out, sizeof out, &e) == 0 ? out : "ERROR";
}

int main(void)
{
    /* As many workers as GPUs: one each, in order. */
    for (int i = 0; i < 4; i++) {
        char want[2] = {(char)('0' + i), 0};
        CHECK_EQ_STR(pick("0,1,2,3", i, 4), want);
    }
    /* More workers than GPUs: round-robin. */
    CHECK_EQ_STR(pick("GPU-a,GPU-b", 0, 3), "GPU-a");
    CHECK_EQ_STR(pick("GPU-a,GPU-b", 1, 3), "GPU-b");
    CHECK_EQ_STR(pick("GPU-a,GPU-b", 2, 3), "GPU-a");
    CHECK_EQ_STR(pick("5", 6, 8), "5");
    /* Fewer workers than GPUs: consecutive blocks, n*i/k .. n*(i+1)/k. */
    CHECK_EQ_STR(pick("0,1,2,3", 0, 2), "0,1");
    CHECK_EQ_STR(pick("0,1,2,3", 1, 2), "2,3");
    CHECK_EQ_STR(pick("4,5,6,7", 0, 3), "4");
    CHECK_EQ_STR(pick("4,5,6,7", 1, 3), "5");
    CHECK_EQ_STR(pick("4,5,6,7", 2, 3), "6,7");
    /* Alone: the whole list. */
    CHECK_EQ_STR(pick("0,1,2", 0, 1), "0,1,2");
    /* Malformed lists and short buffers are errors. */
    CHECK_EQ_STR(pick("0,,1", 0, 1), "ERROR");
    CHECK_EQ_STR(pick(",0", 0, 1), "ERROR");
    CHECK_EQ_STR(pick("0,", 0, 1), "ERROR");
    char small[4];
    hs_err e;
    CHECK(hs_gpu_pick("10,11", 0, 1, small, sizeof small, &e) == HS_EINPUT);
    CHECK(hs_gpu_pick("10,11", 1, 2, small, sizeof small, &e) == 0);
    CHECK_EQ_STR(small, "11");
    return CHECK_DONE();
}
