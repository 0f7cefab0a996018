/*
 * The built-in kernel registry's lookup.  The rest of the kernel interface's
 * runtime (parameters, outputs, values, running a task) is in
 * src/kernel_rt/kernel_rt.c, below the kernels; the registry itself
 * (hs_builtin_kernels) is generated into the kernels library.
 */
#include "hsweep/task.h"

#include <string.h>

const hs_kernel *hs_kernel_find(const char *name)
{
    for (size_t i = 0; hs_builtin_kernels[i]; i++)
        if (strcmp(hs_builtin_kernels[i]->name, name) == 0)
            return hs_builtin_kernels[i];
    return NULL;
}
