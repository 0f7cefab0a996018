/*
 * libFuzzer harness over the sweep-file parser, validator and expansion:
 * whatever the bytes, hsweep must answer with a result or an error message,
 * never crash, leak or hang.  Built with clang -fsanitize=fuzzer,address,
 * undefined by tests/mpi/fuzz.sh against the test kernels (the registry
 * below): the parser and validator do not depend on which kernels exist.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/config.h"

extern const hs_kernel hs_kernel_noop, hs_kernel_sleep, hs_kernel_nonfinite, hs_kernel_fail,
    hs_kernel_crash;
const hs_kernel *const hs_builtin_kernels[] = {&hs_kernel_noop,      &hs_kernel_sleep,
                                               &hs_kernel_nonfinite, &hs_kernel_fail,
                                               &hs_kernel_crash,     NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    hs_sweepset *set = NULL;
    hs_err e;
    hs_load_opts o = {.max_tasks = 100000};
    if (hs_sweepset_parse("fuzz.cfg", text, &o, &set, &e) == 0) {
        for (size_t i = 0; i < set->n_sweeps; i++) {
            const hs_sweep *s = &set->sweeps[i];
            hs_value *v = calloc(s->kernel->n_params + 1, sizeof *v);
            uint64_t n = s->n_tasks < 512 ? s->n_tasks : 512;
            for (uint64_t id = 0; v && id < n; id++) {
                int64_t seed;
                uint64_t rs;
                hs_sweep_task(s, s->n_tasks - 1 - id, v, &seed, &rs);
            }
            const char *axes[HS_MAX_AXES * 4 + 2];
            hs_sweep_axes(s, axes, sizeof axes / sizeof axes[0]);
            free(v);
        }
        hs_sweepset_free(&set);
    } else if (e.code == HS_EINPUT && strncmp(e.msg, "fuzz.cfg:", 9) != 0) {
        abort(); /* every input error must say where */
    }
    free(text);
    return 0;
}
