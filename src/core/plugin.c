/* Plug-in kernels (include/hsweep/plugin.h). */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hsweep/plugin.h"
#include "hsweep/task.h"

struct hs_plugin {
    void *handle;
    const hs_kernel *k;
};

int hs_plugin_same(const char *path, const char *allowed)
{
    char a[PATH_MAX], b[PATH_MAX];
    return allowed && realpath(path, a) && realpath(allowed, b) && strcmp(a, b) == 0;
}

/*
 * Load the library and call its entry point in a child first: a library
 * that crashes or hangs while loading costs the child, and the caller gets
 * an error instead of a signal.  A library that only misbehaves in the
 * parent (it loaded fine in the child) is not caught.
 */
static int probe(const char *path, hs_err *e)
{
    pid_t pid = fork();
    if (pid < 0)
        return HS_FAIL(e, HS_EIO, "cannot fork to try plug-in %s", path);
    if (pid == 0) {
        alarm(60);
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        void *sym = h ? dlsym(h, HS_PLUGIN_ENTRY) : NULL;
        hs_plugin_entry_fn entry;
        memcpy(&entry, &sym, sizeof entry);
        if (sym)
            entry();
        _exit(0);
    }
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return HS_FAIL(e, HS_EIO, "cannot wait for the try of plug-in %s: %s", path, strerror(errno));
    if (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGALRM)
        return HS_FAIL(e, HS_EINPUT, "plug-in %s did not finish loading within 60 s; it is not used", path);
    if (WIFSIGNALED(ws))
        return HS_FAIL(e, HS_EINPUT, "plug-in %s crashed while loading (signal %d: %s); it is not used",
                       path, WTERMSIG(ws), strsignal(WTERMSIG(ws)));
    if (WIFEXITED(ws) && WEXITSTATUS(ws) != 0)
        return HS_FAIL(e, HS_EINPUT, "plug-in %s exited (code %d) while loading; it is not used", path,
                       WEXITSTATUS(ws));
    return 0;
}

int hs_plugin_open(const char *path, hs_plugin **out, hs_err *e)
{
    *out = NULL;
    HS_CALL(probe(path, e));
    hs_plugin *pl = calloc(1, sizeof *pl);
    if (!pl)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    /* RTLD_LOCAL: two plug-ins may use the same internal names. */
    pl->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    int rc = 0;
    if (!pl->handle) {
        const char *why = dlerror();
        rc = HS_FAIL(e, HS_EINPUT, "cannot load plug-in %s: %s", path, why ? why : "?");
    } else {
        /* POSIX dlsym returns void *; the entry point is a function (XSH dlsym rationale). */
        void *sym = dlsym(pl->handle, HS_PLUGIN_ENTRY);
        hs_plugin_entry_fn entry;
        memcpy(&entry, &sym, sizeof entry);
        if (!sym)
            rc = HS_FAIL(e, HS_EINPUT, "plug-in %s does not export %s() (see include/hsweep/kernel.h)",
                         path, HS_PLUGIN_ENTRY);
        else if (!(pl->k = entry()))
            rc = HS_FAIL(e, HS_EINPUT, "plug-in %s: %s() returned no kernel table", path, HS_PLUGIN_ENTRY);
        /* The ABI field comes first in every version: read nothing else of another ABI's table. */
        else if (pl->k->abi != HS_KERNEL_ABI)
            rc = HS_FAIL(e, HS_EINPUT,
                         "plug-in %s was built against kernel ABI %d, this hsweep has kernel ABI %d: "
                         "rebuild it against this hsweep's include/hsweep/kernel.h",
                         path, pl->k->abi, HS_KERNEL_ABI);
        else {
            hs_err ve;
            if (hs_kernel_validate(pl->k, &ve) != 0)
                rc = HS_FAIL(e, HS_EINPUT, "plug-in %s: %.900s", path, ve.msg);
        }
    }
    if (rc) {
        hs_plugin_close(&pl);
        return rc;
    }
    *out = pl;
    return 0;
}

const hs_kernel *hs_plugin_kernel(const hs_plugin *pl) { return pl->k; }

void hs_plugin_close(hs_plugin **pp)
{
    hs_plugin *pl = *pp;
    if (!pl)
        return;
    if (pl->handle)
        dlclose(pl->handle);
    free(pl);
    *pp = NULL;
}
