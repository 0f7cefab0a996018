/* hsweep task: one task in this process, result as one JSON line. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "cli.h"
#include "hsweep/config.h"
#include "hsweep/store.h"
#include "hsweep/table.h"

/* With traces 0 only each trace's length is printed ("trace_len"): a trace can be
 * hundreds of KB of JSON. */
static void print_result(const hs_kernel *k, const hs_value *v, int64_t seed, uint64_t rng_seed,
                         const hs_out *out, double wall, const char *sweep, long long id,
                         int traces)
{
    FILE *o = stdout;
    fprintf(o, "{\"kernel\":");
    hs_json_str(o, k->name);
    if (sweep) {
        fprintf(o, ",\"sweep\":");
        hs_json_str(o, sweep);
        fprintf(o, ",\"task_id\":%lld", id);
    }
    fprintf(o, ",\"seed\":%lld,\"rng_seed\":%llu,\"status\":", (long long)seed,
            (unsigned long long)rng_seed);
    hs_json_str(o, hs_status_name(out->status));
    fprintf(o, ",\"detail\":");
    hs_json_str(o, out->detail);
    fprintf(o, ",\"wall_s\":");
    hs_json_num(o, wall);
    fprintf(o, ",\"params\":{");
    for (size_t i = 0; i < k->n_params; i++) {
        fprintf(o, "%s", i ? "," : "");
        hs_json_str(o, k->params[i].name);
        fputc(':', o);
        switch (k->params[i].type) {
        case HS_T_INT:
            fprintf(o, "%lld", (long long)v[i].i);
            break;
        case HS_T_REAL:
            hs_json_num(o, v[i].r);
            break;
        case HS_T_BOOL:
            fprintf(o, "%s", v[i].b ? "true" : "false");
            break;
        case HS_T_STRING:
            hs_json_str(o, v[i].s);
            break;
        }
    }
    fprintf(o, "},\"metrics\":{");
    for (size_t i = 0; i < k->n_metrics; i++) {
        fprintf(o, "%s", i ? "," : "");
        hs_json_str(o, k->metrics[i].name);
        fputc(':', o);
        hs_json_num(o, out->metrics[i]);
    }
    fprintf(o, "},\"trace_len\":{");
    for (size_t i = 0; i < k->n_traces; i++) {
        fprintf(o, "%s", i ? "," : "");
        hs_json_str(o, k->traces[i].name);
        fprintf(o, ":%zu", out->trace[i] ? out->trace_len[i] : (size_t)0);
    }
    if (!traces) {
        fprintf(o, "}}\n");
        return;
    }
    fprintf(o, "},\"traces\":{");
    for (size_t i = 0; i < k->n_traces; i++) {
        fprintf(o, "%s", i ? "," : "");
        hs_json_str(o, k->traces[i].name);
        fprintf(o, ":[");
        size_t n = out->trace[i] ? out->trace_len[i] : 0;
        for (size_t j = 0; j < n; j++) {
            fprintf(o, "%s", j ? "," : "");
            hs_json_num(o, out->trace[i][j]);
        }
        fputc(']', o);
    }
    fprintf(o, "}}\n");
}

static int run_one(const hs_kernel *k, hs_value *v, int64_t seed, const char *sweep, long long id,
                   int traces)
{
    hs_params p = {k, v};
    uint64_t rng_seed = hs_task_rng_seed(k, seed, v);
    hs_ctx ctx = {.seed = rng_seed, .gang_size = 1, .sweep_seed = seed};
    hs_out out;
    hs_err e;
    if (hs_out_init(&out, k, &p, &e) != 0)
        return hs_cli_fail(&e);
    double t0 = hs_now_mono();
    hs_task_run(k, &p, &ctx, &out);
    print_result(k, v, seed, rng_seed, &out, hs_now_mono() - t0, sweep, id, traces);
    hs_out_free(&out);
    return 0;
}

/* Where the run kept exec task id's output (stderr: stdout is the JSON line), and the end of its stderr. */
static void from_file_logs(const char *file, const char *sweep, unsigned long long id)
{
    hs_table t;
    hs_err e;
    if (hs_table_read(file, sweep, &t, &e) != 0)
        return;
    char *dir = hs_cli_exec_log_dir(file, &t);
    if (dir) {
        hs_cli_exec_task_logs(stderr, dir, id, "hsweep: the run's ");
        hs_cli_exec_tail(stderr, dir, id, "err", 20);
    } else {
        fprintf(stderr, "hsweep: %s keeps no logs of sweep %s\n", file, sweep);
    }
    free(dir);
    hs_table_free(&t);
}

/* Task `idtext` of a results file's stored sweep text; a plug-in is loaded only if it is `allow`. */
static int from_file(const char *file, const char *sweep, const char *idtext, const char *allow,
                     int traces)
{
    char *end;
    long long id = strtoll(idtext, &end, 10);
    if (*end || id < 0)
        return hs_cli_usage("task", "--id needs a task id >= 0, got '%s'", idtext);
    hs_err e;
    char *text = NULL, *cpath = NULL;
    if (hs_store_read_root_attr(file, "config_text", &text, &e) != 0)
        return hs_cli_fail(&e);
    if (hs_store_read_root_attr(file, "config_path", &cpath, &e) != 0) {
        free(text);
        return hs_cli_fail(&e);
    }
    hs_sweepset *set;
    hs_load_opts lo = {.max_tasks = UINT64_MAX,
                       .skip_checks = 1,
                       .reduced = hs_store_is_reduced(file),
                       .no_plugins = 1,
                       .allow_plugin = allow,
                       .stored = 1};
    int rc = hs_sweepset_parse(cpath, text, &lo, &set, &e);
    free(text);
    if (rc) {
        free(cpath);
        return hs_cli_fail(&e);
    }
    /* a resume with a changed file (--force) records its text: rerun the row with the text
     * whose run wrote it (the newest one parsed above names the sweep and checks the id) */
    int si0 = sweep ? hs_sweepset_find(set, sweep) : 0;
    if (si0 >= 0 && (uint64_t)id < set->sweeps[si0].n_tasks) {
        char *when = NULL, *rpath = NULL;
        int idx = 0, count = 1;
        rc = hs_store_read_row_text(file, set->sweeps[si0].name, (uint64_t)id, &text, &rpath, &when,
                                    &idx, &count, &e);
        if (rc == 0 && idx + 1 < count) {
            fprintf(stderr,
                    "hsweep: %s: task %lld was written by the run of sweep text %d of %d (%s, "
                    "accepted %s): rerun with that text\n",
                    file, id, idx + 1, count, rpath, when);
            hs_sweepset_free(&set);
            rc = hs_sweepset_parse(rpath, text, &lo, &set, &e);
        }
        free(text);
        free(rpath);
        free(when);
        if (rc) {
            hs_sweepset_free(&set);
            free(cpath);
            return hs_cli_fail(&e);
        }
    }
    free(cpath);
    int si = 0;
    if (sweep) {
        si = hs_sweepset_find(set, sweep);
        if (si < 0) {
            hs_sweepset_free(&set);
            fprintf(stderr, "hsweep: %s: has no sweep '%s'\n", file, sweep);
            return 2;
        }
    } else if (set->n_sweeps > 1) {
        hs_sweepset_free(&set);
        fprintf(stderr, "hsweep: %s: holds several sweeps; choose one with --sweep\n", file);
        return 2;
    }
    const hs_sweep *s = &set->sweeps[si];
    if ((uint64_t)id >= s->n_tasks) {
        fprintf(stderr, "hsweep: %s: sweep '%s' has tasks 0..%llu, not %lld\n", file, s->name,
                (unsigned long long)s->n_tasks - 1, id);
        hs_sweepset_free(&set);
        return 2;
    }
    hs_value *v = calloc(s->kernel->n_params + 1, sizeof *v);
    int64_t seed;
    uint64_t rs;
    hs_sweep_task(s, (uint64_t)id, v, &seed, &rs);
    if (s->exec)
        from_file_logs(file, s->name, (unsigned long long)id);
    rc = run_one(s->kernel, v, seed, s->name, id, traces);
    free(v);
    hs_sweepset_free(&set);
    return rc;
}

enum { O_FROM = 256, O_ID, O_SWEEP, O_ALLOW_PLUGIN, O_SEED, O_TRACES };

static const hs_cli_opt task_opts[] = {
    {"seed", O_SEED, "N", "the task's seed (default 0)"},
    {"from", O_FROM, "FILE.h5", "run task --id of the sweep text stored in FILE"},
    {"id", O_ID, "N", "with --from: the task id"},
    {"sweep", O_SWEEP, "NAME", "with --from: the sweep (needed when FILE holds several)"},
    {"allow-plugin", O_ALLOW_PLUGIN, "LIB",
     "with --from: load this plug-in library if the sweep\n"
     "names it"},
    {"traces", O_TRACES, NULL,
     "print the traces' values too (default: only their lengths,\n"
     "\"trace_len\")"},
    {0},
};

const hs_cli_spec hs_cli_task = {
    "task", "[KERNEL key=value ...]",
    "Run one task in this process (no MPI) and print its result as one JSON line.\n"
    "KERNEL with the parameters given (the others at their defaults), or with\n"
    "--from FILE.h5 --id N a row of a results file exactly as it ran.",
    task_opts};

/*
 * The key=value arguments kv[0..n) into p (kernel k's defaults already
 * there): each key once, a parameter of k, its value parsed and checked;
 * then every parameter without a default given, and the kernel's own check.
 * 0, or the exit code after the message.  Cuts each kv[i] at its '='.
 */
static int set_params(const hs_kernel *k, char **kv, size_t n_kv, hs_params *p)
{
    hs_err e;
    int rc = 0;
    unsigned char *given = calloc(k->n_params + 1, 1);
    if (!given)
        return hs_cli_usage("task", "out of memory");
    for (size_t i = 0; i < n_kv && rc == 0; i++) {
        char *eq = strchr(kv[i], '=');
        if (!eq) {
            rc = hs_cli_usage("task", "expected key=value, got '%s'", kv[i]);
            break;
        }
        *eq = 0;
        int pi = hs_kernel_param_index(k, kv[i]);
        if (pi < 0) {
            rc = hs_cli_usage("task", "kernel %s has no parameter '%s'", k->name, kv[i]);
            break;
        }
        if (given[pi]) {
            rc = hs_cli_usage("task", "parameter '%s' is given twice", kv[i]);
            break;
        }
        if (hs_value_parse(&k->params[pi], eq + 1, &p->v[pi], &e) != 0 ||
            hs_value_check(&k->params[pi], &p->v[pi], &e) != 0) {
            rc = hs_cli_fail(&e);
            break;
        }
        given[pi] = 1;
    }
    for (size_t i = 0; rc == 0 && i < k->n_params; i++)
        if (!k->params[i].def && !given[i])
            rc = hs_cli_usage("task", "kernel %s needs %s=...", k->name, k->params[i].name);
    if (rc == 0 && k->check) {
        char msg[512] = "";
        const char *key = NULL;
        if (k->check(p, msg, sizeof msg, &key) != 0)
            rc = hs_cli_usage("task", "key '%s': %s", key ? key : "?", msg);
    }
    free(given);
    return rc;
}

int hs_cmd_task(int argc, char **argv)
{
    openblas_set_num_threads(1);
    const char *from = NULL, *id = NULL, *sweep = NULL, *kname = NULL, *allow = NULL;
    long long seed = 0;
    int traces = 0;
    /* argv outlives the call: the key=value list points into it */
    char **kv = calloc((size_t)argc + 1, sizeof *kv);
    size_t n_kv = 0;
    if (!kv)
        return hs_cli_usage("task", "out of memory");
    hs_cli_parser ap;
    hs_cli_begin(&ap, &hs_cli_task, argc, argv);
    char *v;
    int rc = 0;
    for (int k; rc == 0 && (k = hs_cli_next(&ap, &v)) != HS_CLI_END;) {
        if (k == O_FROM) {
            from = v;
        } else if (k == O_ID) {
            id = v;
        } else if (k == O_SWEEP) {
            sweep = v;
        } else if (k == O_ALLOW_PLUGIN) {
            allow = v;
        } else if (k == O_TRACES) {
            traces = 1;
        } else if (k == O_SEED) {
            /* a whole decimal number, no more: "nan", "1e3", "" and 1e23 are refused */
            char *end;
            errno = 0;
            seed = strtoll(v, &end, 10);
            if (!*v || *end || errno == ERANGE)
                rc = hs_cli_usage("task", "--seed needs an integer in [%lld, %lld], got '%s'",
                                  LLONG_MIN, LLONG_MAX, v);
        } else if (k == HS_CLI_ARG && !kname && !strchr(v, '=')) {
            kname = v;
        } else if (k == HS_CLI_ARG) {
            kv[n_kv++] = v;
        } else {
            rc = k == HS_CLI_HELP ? -1 : 2;
        }
    }
    if (rc) {
        free(kv);
        return rc < 0 ? 0 : rc;
    }
    if (from) {
        free(kv);
        if (!id || kname || n_kv)
            return hs_cli_usage("task", "--from FILE needs --id N and no kernel name");
        return from_file(from, sweep, id, allow, traces);
    }
    const hs_kernel *k = kname ? hs_kernel_find(kname) : NULL;
    if (!k) {
        free(kv);
        if (!kname)
            return hs_cli_usage("task",
                                "needs a kernel name (hsweep kernels lists them) or --from FILE");
        fprintf(stderr, "hsweep: unknown kernel '%s' (hsweep kernels lists them)\n", kname);
        return 2;
    }
    hs_params p;
    hs_err e;
    if (hs_params_init_defaults(&p, k, &e) != 0) {
        free(kv);
        return hs_cli_fail(&e);
    }
    rc = set_params(k, kv, n_kv, &p);
    if (rc == 0)
        rc = run_one(k, p.v, seed, NULL, -1, traces);
    free(kv);
    hs_params_free(&p);
    return rc;
}
