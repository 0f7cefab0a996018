/*
 * Plug-in loading (include/hsweep/plugin.h, kernel = "plugin:PATH"): a good
 * library is used like a built-in kernel and loaded once per process; a
 * missing file, a library without the entry point and a kernel named like a
 * built-in one are refused with an error naming the sweep file, its line,
 * the key and the library.  The libraries are built here with the C
 * compiler ($CC, else cc); without one the test is skipped (77).
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "hsweep/config.h"

static char dir[] = "/tmp/hs_test_plugin_XXXXXX";

/* The project's include directory: $HS_SRC/include (CTest sets it), else beside this file. */
static const char *include_dir(void)
{
    static char buf[1024];
    const char *src = getenv("HS_SRC");
    if (src)
        snprintf(buf, sizeof buf, "%s/include", src);
    else
        snprintf(buf, sizeof buf, "%.*s/../../include", (int)(strrchr(__FILE__, '/') - __FILE__),
                 __FILE__);
    return buf;
}

/* Build lib<name>.so in dir from the C source src; 0 on success. */
static int build(const char *name, const char *src)
{
    char path[256], cmd[2048];
    snprintf(path, sizeof path, "%s/%s.c", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fputs(src, f);
    if (fclose(f) != 0)
        return -1;
    const char *cc = getenv("CC") ? getenv("CC") : "cc";
    snprintf(cmd, sizeof cmd, "%s -shared -fPIC -std=c11 -I%s -o %s/lib%s.so %s", cc, include_dir(),
             dir, name, path);
    return system(cmd);
}

/* A kernel table named NAME; entry_calls counts calls of the entry point. */
#define PLUGIN(NAME)                                                                               \
    "#include \"hsweep/kernel.h\"\n"                                                               \
    "static const hs_param_spec params[] = {{\"x\", HS_T_REAL, \"0\", -1, 1, 0, \"\", \"x\"}};\n"  \
    "static const hs_metric_spec metrics[] = {{\"y\", \"\", \"y\"}};\n"                            \
    "static int run(const hs_params *p, const hs_ctx *c, hs_out *o) { (void)p; (void)c; "          \
    "(void)o; return 0; }\n"                                                                       \
    "static const hs_kernel k = {.abi = HS_KERNEL_ABI, .name = \"" NAME "\", .summary = \"t\", "   \
    ".params = params, .n_params = 1, .metrics = metrics, .n_metrics = 1, .run = run};\n"          \
    "int entry_calls;\n"                                                                           \
    "const hs_kernel *hs_plugin_kernel(void) { entry_calls++; return &k; }\n"

/* Parse a one-sweep file whose kernel (on line 2) is plugin:DIR/lib. */
static int parse(const char *lib, hs_sweepset **set, hs_err *e)
{
    char text[1024];
    snprintf(text, sizeof text,
             "sweeps = ( { name = \"p\";\n  kernel = \"plugin:%s/%s\";\n"
             "  matrix = { x = [0.5, -0.5]; }; } );\n",
             dir, lib);
    *set = NULL;
    return hs_sweepset_parse("p.cfg", text, NULL, set, e);
}

/* The error names the sweep file, line 2, the key and the library's path. */
static void check_refused(const char *lib, const char *why)
{
    hs_sweepset *set;
    hs_err e = {0};
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, lib);
    CHECK_EQ_INT(parse(lib, &set, &e), HS_EINPUT);
    CHECK(set == NULL);
    CHECK_CONTAINS(e.msg, "p.cfg:2: sweep 'p': key 'kernel': ");
    CHECK_CONTAINS(e.msg, path);
    CHECK_CONTAINS(e.msg, why);
}

static void good(void)
{
    for (int pass = 0; pass < 2; pass++) {
        hs_sweepset *set;
        hs_err e = {0};
        int rc = parse("libgood.so", &set, &e);
        if (rc)
            fprintf(stderr, "unexpected error: %s\n", e.msg);
        REQUIRE(rc == 0 && set);
        CHECK_EQ_STR(set->sweeps[0].kernel->name, "tp_good");
        CHECK_EQ_INT(set->sweeps[0].n_tasks, 2);
        hs_sweepset_free(&set);
    }
    /* Read twice, closed in between: the entry point ran once in this process. */
    char path[256];
    snprintf(path, sizeof path, "%s/libgood.so", dir);
    void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    REQUIRE(h != NULL); /* still loaded */
    const int *calls = dlsym(h, "entry_calls");
    REQUIRE(calls != NULL);
    CHECK_EQ_INT(*calls, 1);
    dlclose(h);
}

int main(void)
{
    const char *cc = getenv("CC") ? getenv("CC") : "cc";
    char probe[300];
    snprintf(probe, sizeof probe, "command -v %s >/dev/null", cc);
    if (system(probe) != 0) {
        fprintf(stderr, "no C compiler (%s) to build the test plug-ins\n", cc);
        return 77;
    }
    REQUIRE(mkdtemp(dir) != NULL);
    REQUIRE(build("good", PLUGIN("tp_good")) == 0);
    REQUIRE(build("builtin", PLUGIN("noop")) == 0);
    REQUIRE(build("noentry", "int not_the_entry_point(void) { return 0; }\n") == 0);
    good();
    check_refused("libmissing.so", "cannot load plug-in");
    check_refused("libnoentry.so", "does not export hs_plugin_kernel()");
    check_refused("libbuiltin.so",
                  "names its kernel 'noop', the name of a kernel built into hsweep");
    /* hs_plugin_open alone names the library too */
    hs_plugin *pl = (hs_plugin *)1;
    hs_err e = {0};
    char path[256];
    snprintf(path, sizeof path, "%s/libnoentry.so", dir);
    CHECK_EQ_INT(hs_plugin_open(path, &pl, &e), HS_EINPUT);
    CHECK(pl == NULL);
    CHECK_CONTAINS(e.msg, path);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return CHECK_DONE();
}
