/*
 * Plug-in kernels (include/hsweep/plugin.h), and the sweep-file key that
 * names one (kernel = "plugin:PATH", config_impl.h).
 */
#include <dlfcn.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/config_impl.h"
#include "hsweep/plugin.h"
#include "hsweep/task.h"

/*
 * A library this process has loaded, and the outcome: its load-time code
 * (constructors, the entry point) runs once per process however often a
 * sweep file naming it is read (hsweep run reads it before MPI starts and
 * again in the run; collate and report may read several files).  A library
 * that loaded stays loaded until the process exits, so no kernel table it
 * handed out is ever unmapped; one that was refused is refused again with
 * the same message, without loading it again.
 */
typedef struct loaded_lib {
    char *real;   /* realpath() of the library (the path as given if it has none) */
    void *handle; /* NULL if it was refused */
    const hs_kernel *k;
    int rc; /* 0, or the HS_E* code it was refused with */
    char msg[sizeof(((hs_err *)0)->msg)];
} loaded_lib;

static loaded_lib *libs;
static size_t n_libs;

struct hs_plugin {
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
            return HS_FAIL(e, HS_EIO, "cannot wait for the try of plug-in %s: %s", path,
                           strerror(errno));
    if (WIFSIGNALED(ws) && WTERMSIG(ws) == SIGALRM)
        return HS_FAIL(e, HS_EINPUT,
                       "plug-in %s did not finish loading within 60 s; it is not used", path);
    if (WIFSIGNALED(ws))
        return HS_FAIL(e, HS_EINPUT,
                       "plug-in %s crashed while loading (signal %d: %s); it is not used", path,
                       WTERMSIG(ws), strsignal(WTERMSIG(ws)));
    if (WIFEXITED(ws) && WEXITSTATUS(ws) != 0)
        return HS_FAIL(e, HS_EINPUT, "plug-in %s exited (code %d) while loading; it is not used",
                       path, WEXITSTATUS(ws));
    return 0;
}

/*
 * Load the library at path (in a child first, then here), call its entry
 * point and check the table: the kernel into *k and a handle to keep into
 * *handle, or an error (the library is then closed).
 */
static int load(const char *path, void **handle, const hs_kernel **k, hs_err *e)
{
    *handle = NULL;
    *k = NULL;
    HS_CALL(probe(path, e));
    /* RTLD_LOCAL: two plug-ins may use the same internal names. */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        return HS_FAIL(e, HS_EINPUT, "cannot load plug-in %s: %s", path, why ? why : "?");
    }
    /* POSIX dlsym returns void *; the entry point is a function (XSH dlsym rationale). */
    void *sym = dlsym(h, HS_PLUGIN_ENTRY);
    hs_plugin_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry);
    const hs_kernel *t = NULL;
    int rc = 0;
    if (!sym)
        rc = HS_FAIL(e, HS_EINPUT, "plug-in %s does not export %s() (see include/hsweep/kernel.h)",
                     path, HS_PLUGIN_ENTRY);
    else if (!(t = entry()))
        rc = HS_FAIL(e, HS_EINPUT, "plug-in %s: %s() returned no kernel table", path,
                     HS_PLUGIN_ENTRY);
    /* The ABI field comes first in every version: read nothing else of another ABI's table. */
    else if (t->abi != HS_KERNEL_ABI)
        rc = HS_FAIL(e, HS_EINPUT,
                     "plug-in %s was built against kernel ABI %d, this hsweep has kernel ABI %d: "
                     "rebuild it against this hsweep's include/hsweep/kernel.h",
                     path, t->abi, HS_KERNEL_ABI);
    else {
        hs_err ve;
        if (hs_kernel_validate(t, &ve) != 0)
            rc = HS_FAIL(e, HS_EINPUT, "plug-in %s: %.900s", path, ve.msg);
    }
    if (rc) {
        dlclose(h); /* cleanup: the error is recorded */
        return rc;
    }
    *handle = h;
    *k = t;
    return 0;
}

/*
 * The entry of libs for the library at path (real: its key) into *out,
 * loading it on first use.  A refusal that belongs to the library
 * (HS_EINPUT) is kept and given again; any other failure (no memory, no
 * fork) is returned and not kept, so a later open tries again.
 */
static int lib_for(const char *path, const char *real, const loaded_lib **out, hs_err *e)
{
    for (size_t i = 0; i < n_libs; i++)
        if (strcmp(libs[i].real, real) == 0) {
            *out = &libs[i];
            return 0;
        }
    loaded_lib *nl = realloc(libs, (n_libs + 1) * sizeof *nl);
    if (!nl)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    libs = nl;
    loaded_lib *l = &libs[n_libs];
    *l = (loaded_lib){.real = strdup(real)};
    if (!l->real)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    l->rc = load(path, &l->handle, &l->k, e);
    if (l->rc && l->rc != HS_EINPUT) {
        free(l->real);
        return l->rc;
    }
    if (l->rc)
        snprintf(l->msg, sizeof l->msg, "%s", e->msg);
    n_libs++;
    *out = l;
    return 0;
}

int hs_plugin_open(const char *path, hs_plugin **out, hs_err *e)
{
    *out = NULL;
    char real[PATH_MAX];
    /* the file by its real path; one that names no file (dlopen says why) by its name */
    if (!realpath(path, real))
        snprintf(real, sizeof real, "%s", path);
    const loaded_lib *l = NULL;
    HS_CALL(lib_for(path, real, &l, e));
    if (l->rc)
        return HS_FAIL(e, l->rc, "%s", l->msg);
    hs_plugin *pl = calloc(1, sizeof *pl);
    if (!pl)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    pl->k = l->k;
    *out = pl;
    return 0;
}

const hs_kernel *hs_plugin_kernel(const hs_plugin *pl) { return pl->k; }

void hs_plugin_close(hs_plugin **pp)
{
    /* the library stays loaded (libs): its load-time code is not run again */
    free(*pp);
    *pp = NULL;
}

/* kernel = "plugin:PATH", PATH relative to the sweep file's directory or absolute. */
int hs_cfg_plugin_kernel(pctx *c, hs_sweepset *set, config_setting_t *km, hs_sweep *s,
                         const hs_load_opts *o)
{
    const char *lib = config_setting_get_string(km) + strlen("plugin:");
    int line = config_setting_source_line(km);
    if (!*lib)
        return hs_cfg_perr(c, line, "kernel",
                           "\"plugin:\" needs the library's path, e.g. \"plugin:libmine.so\"");
    char *dir = lib[0] == '/' ? NULL : hs_cfg_sweep_dir(set->path);
    size_t need = strlen(lib) + (dir ? strlen(dir) : 0) + 2;
    char *path = malloc(need);
    if (!path || (lib[0] != '/' && !dir)) {
        free(dir);
        free(path);
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    }
    snprintf(path, need, "%s%s%s", dir ? dir : "", dir ? "/" : "", lib);
    free(dir);
    hs_err pe;
    int rc = 0;
    const hs_kernel *schema = o && o->no_plugins && o->plugin_schema
                                  ? o->plugin_schema(o->plugin_schema_arg, s->name)
                                  : NULL;
    if (schema)
        s->kernel = schema;
    else if (o && o->no_plugins && !hs_plugin_same(path, o->allow_plugin))
        rc = hs_cfg_perr(c, line, "kernel",
                         "runs plug-in %s, which is not loaded for a results file "
                         "(hsweep task --from ... --allow-plugin %s loads it)",
                         path, path);
    else if (hs_plugin_open(path, &s->plugin, &pe) != 0)
        rc = hs_cfg_perr(c, line, "kernel", "%s", pe.msg);
    else if (hs_kernel_find(hs_plugin_kernel(s->plugin)->name) ||
             strcmp(hs_plugin_kernel(s->plugin)->name, "exec") == 0)
        rc = hs_cfg_perr(c, line, "kernel",
                         "plug-in %s names its kernel '%s', the name of a kernel built into "
                         "hsweep: rename it",
                         path, hs_plugin_kernel(s->plugin)->name);
    else
        s->kernel = hs_plugin_kernel(s->plugin);
    free(path);
    return rc;
}
