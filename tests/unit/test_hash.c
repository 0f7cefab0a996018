/*
 * FNV-1a 64 (include/hsweep/hash.h) against the published test vectors, fed
 * whole and in pieces; and the tasks' RNG seeds (hs_task_rng_seed), which
 * every results file records and which must never change, against values
 * computed outside hsweep from the documented byte form.
 */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "hsweep/config.h"
#include "hsweep/hash.h"

static void vectors(void)
{
    /* FNV-1a 64-bit test vectors (Fowler, Noll, Vo: the FNV reference test suite) */
    CHECK(hs_fnv1a64(HS_FNV1A64_INIT, "", 0) == 0xcbf29ce484222325ULL);
    CHECK(hs_fnv1a64(HS_FNV1A64_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL);
    CHECK(hs_fnv1a64(HS_FNV1A64_INIT, "foobar", 6) == 0x85944171f73967e8ULL);
    /* incremental: "foo" then "bar" is "foobar" */
    CHECK(hs_fnv1a64(hs_fnv1a64(HS_FNV1A64_INIT, "foo", 3), "bar", 3) == 0x85944171f73967e8ULL);
}

/*
 * The RNG seed of a task of kernel noop (x real, k int, label string, flag
 * bool, trace_len int): SplitMix64's finish of FNV-1a 64 over "noop\0", the
 * sweep seed (int64, little-endian), then per parameter its name with its NUL
 * and its value (int64 / double little-endian, -0 as 0; one byte 0 or 1; the
 * string with its NUL).  Expected values from a separate Python
 * implementation of that description (struct.pack, 64-bit masks).
 */
static uint64_t noop_seed(int64_t seed, double x, int64_t k, const char *label, int flag,
                          int64_t trace_len)
{
    const hs_kernel *kn = hs_kernel_find("noop");
    REQUIRE(kn && kn->n_params == 5);
    hs_value v[5];
    memset(v, 0, sizeof v);
    v[hs_kernel_param_index(kn, "x")].r = x;
    v[hs_kernel_param_index(kn, "k")].i = k;
    v[hs_kernel_param_index(kn, "label")].s = label;
    v[hs_kernel_param_index(kn, "flag")].b = flag;
    v[hs_kernel_param_index(kn, "trace_len")].i = trace_len;
    return hs_task_rng_seed(kn, seed, v);
}

static void task_seeds(void)
{
    CHECK(noop_seed(0, 0.0, 1, "a", 0, 0) == 0xa9f8d3910b18fa10ULL);
    CHECK(noop_seed(7, 0.25, -3, "hello", 1, 12) == 0xd08830211ce11344ULL);
    CHECK(noop_seed(1, 0.001, 1, "a", 1, 0) == 0x47b4e35e3f180ec4ULL);
    /* -0 hashes as 0 */
    CHECK(noop_seed(-5, -0.0, 1, "a", 0, 0) == 0x21a9128d2284b157ULL);
    CHECK(noop_seed(-5, 0.0, 1, "a", 0, 0) == 0x21a9128d2284b157ULL);
}

int main(void)
{
    vectors();
    task_seeds();
    return CHECK_DONE();
}
