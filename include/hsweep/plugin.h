/*
 * Plug-in kernels: a shared library exporting `hs_plugin_kernel`
 * (HS_PLUGIN_ENTRY in kernel.h) that returns a kernel table, used exactly
 * like a built-in one.  The library resolves hs_param_* and hs_out_* from
 * the hsweep executable (linked with ENABLE_EXPORTS).
 */
#ifndef HSWEEP_PLUGIN_H
#define HSWEEP_PLUGIN_H

#include "hsweep/error.h"
#include "hsweep/kernel.h"

typedef struct hs_plugin hs_plugin;

/*
 * Loading a plug-in runs its code (its constructors and entry point): plan,
 * run and `task` load the libraries their sweep files name; readers of
 * results files (status, collate, report, `task --from`) do not, unless the
 * user names the library (task --allow-plugin).
 *
 * dlopen() the library at `path` in a child process first (one that
 * crashes while loading gives HS_EINPUT, not a crash of hsweep), then here,
 * call its entry point and check the table
 * it returns (ABI first, then hs_kernel_validate).  On failure *out is NULL,
 * the library is closed and e says why (HS_EINPUT: unloadable, no entry
 * point, another ABI, an invalid table).  A library is loaded once per
 * process: a later open of the same file (by its real path) gives the same
 * table, or the same error, without running its code again; one that loaded
 * stays loaded until the process exits.
 */
int hs_plugin_open(const char *path, hs_plugin **out, hs_err *e);
const hs_kernel *hs_plugin_kernel(const hs_plugin *pl);
/* Nonzero if `path` and `allowed` (may be NULL) name the same existing file. */
int hs_plugin_same(const char *path, const char *allowed);
/* Release the handle (the library stays loaded); sets *pl to NULL.  NULL is allowed. */
void hs_plugin_close(hs_plugin **pl);

#endif
