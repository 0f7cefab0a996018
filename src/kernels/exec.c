/*
 * The `exec` kernel (include/hsweep/exec.h): one external command per task.
 * Everything the child needs (argv, environment, resolved program path) is
 * built before fork(), so that between fork() and execve() the child only
 * makes async-signal-safe calls (POSIX.1-2017 XSH 2.4.3): the worker may be
 * multithreaded (MPI progress threads) when it runs tasks without isolation.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_impl.h"

extern char **environ;

/* ---- the table ---------------------------------------------------------------- */

static const hs_exec *exec_of(const hs_params *p) { return (const hs_exec *)(const void *)p->k; }

/* A trace's length function cannot be told which trace it serves: one per slot. */
#define TRACE_LEN(i)                                                                               \
    static size_t trace_len_##i(const hs_params *p) { return exec_of(p)->trace_lens[i]; }
TRACE_LEN(0)
TRACE_LEN(1) TRACE_LEN(2) TRACE_LEN(3) TRACE_LEN(4) TRACE_LEN(5) TRACE_LEN(6) TRACE_LEN(7)
    TRACE_LEN(8) TRACE_LEN(9) TRACE_LEN(10) TRACE_LEN(11) TRACE_LEN(12) TRACE_LEN(13) TRACE_LEN(14)
        TRACE_LEN(15)
#undef TRACE_LEN
            static size_t (*const trace_len_fn[HS_EXEC_MAX_TRACES])(const hs_params *) = {
                trace_len_0,  trace_len_1,  trace_len_2,  trace_len_3, trace_len_4,  trace_len_5,
                trace_len_6,  trace_len_7,  trace_len_8,  trace_len_9, trace_len_10, trace_len_11,
                trace_len_12, trace_len_13, trace_len_14, trace_len_15};

/*
 * The sweep's cost_s; without one, 1 s: an external process costs
 * milliseconds at least, so exec tasks are dispatched one by one.
 */
static double cost(const hs_params *p)
{
    const hs_exec *x = exec_of(p);
    double c = x->n_cost_ops ? hs_exec_cost_eval(x, p->v) : 1.0;
    return isnan(c) ? 1.0 : fmin(fmax(c, 1e-6), 1e9);
}

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out);

/* ---- templates ------------------------------------------------------------------ */

static const char *const builtin_names[] = {"seed",    "seed32", "sweep_seed",
                                            "task_id", "sweep",  "sweep_dir"};

uint32_t hs_exec_seed32(uint64_t seed) { return (uint32_t)(seed ^ (seed >> 32)); }
#define N_BUILTIN (sizeof builtin_names / sizeof builtin_names[0])

int hs_exec_template_check(const char *tpl, const char *const *param_names, size_t n_params,
                           hs_err *e)
{
    for (const char *c = tpl; *c; c++) {
        if ((c[0] == '{' && c[1] == '{') || (c[0] == '}' && c[1] == '}')) {
            c++;
            continue;
        }
        if (*c == '}')
            return HS_FAIL(e, HS_EINPUT, "\"%s\": a lone '}' (write }} for a literal brace)", tpl);
        if (*c != '{')
            continue;
        const char *end = strchr(c, '}');
        if (!end)
            return HS_FAIL(e, HS_EINPUT, "\"%s\": '{' without '}' (write {{ for a literal brace)",
                           tpl);
        size_t len = (size_t)(end - c - 1);
        int known = 0;
        for (size_t i = 0; i < n_params && !known; i++)
            known = strlen(param_names[i]) == len && strncmp(param_names[i], c + 1, len) == 0;
        for (size_t i = 0; i < N_BUILTIN && !known; i++)
            known = strlen(builtin_names[i]) == len && strncmp(builtin_names[i], c + 1, len) == 0;
        if (!known)
            return HS_FAIL(
                e, HS_EINPUT,
                "\"%s\": unknown placeholder {%.*s}: not a parameter of the sweep (fixed, "
                "matrix, zip, cases) nor seed, seed32, sweep_seed, task_id, sweep, sweep_dir",
                tpl, (int)(len > 64 ? 64 : len), c + 1);
        c = end;
    }
    return 0;
}

void hs_exec_buf_add(hs_exec_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t nc = (b->len + n + 1) * 2;
        char *ns = realloc(b->s, nc);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

/* Expand a checked template for one task; NULL when out of memory. */
static char *expand(const hs_exec *x, const char *tpl, const hs_params *p, const hs_ctx *ctx,
                    uint64_t task_id)
{
    hs_exec_buf b = {0};
    hs_exec_buf_add(&b, "", 0);
    for (const char *c = tpl; *c; c++) {
        if ((c[0] == '{' && c[1] == '{') || (c[0] == '}' && c[1] == '}')) {
            hs_exec_buf_add(&b, c++, 1);
            continue;
        }
        if (*c != '{') {
            hs_exec_buf_add(&b, c, 1);
            continue;
        }
        const char *end = strchr(c, '}');
        char name[256], val[64];
        snprintf(name, sizeof name, "%.*s", (int)(end - c - 1), c + 1);
        c = end;
        int pi = hs_kernel_param_index(&x->k, name);
        const char *v = val;
        if (pi >= 0 && x->k.params[pi].type == HS_T_STRING)
            v = p->v[pi].s ? p->v[pi].s : "";
        else if (pi >= 0)
            hs_value_format(&x->k.params[pi], &p->v[pi], val, sizeof val);
        else if (strcmp(name, "seed") == 0)
            snprintf(val, sizeof val, "%llu", (unsigned long long)ctx->seed);
        else if (strcmp(name, "seed32") == 0)
            snprintf(val, sizeof val, "%lu", (unsigned long)hs_exec_seed32(ctx->seed));
        else if (strcmp(name, "sweep_seed") == 0)
            snprintf(val, sizeof val, "%lld", (long long)ctx->sweep_seed);
        else if (strcmp(name, "task_id") == 0)
            snprintf(val, sizeof val, "%llu", (unsigned long long)task_id);
        else
            v = strcmp(name, "sweep") == 0 ? x->sweep : x->sweep_dir;
        hs_exec_buf_add(&b, v, strlen(v));
    }
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

char *hs_exec_expand_fixed(const hs_exec *x, const char *tpl)
{
    hs_err e;
    /* A parameter named sweep or sweep_dir would make those placeholders per task. */
    if (hs_exec_warm_template_check(tpl, &e) != 0 || hs_kernel_param_index(&x->k, "sweep") >= 0 ||
        hs_kernel_param_index(&x->k, "sweep_dir") >= 0)
        return NULL;
    hs_params p = {&x->k, NULL};
    hs_ctx ctx = {0};
    return expand(x, tpl, &p, &ctx, 0);
}

static void free_list(char **v, size_t n);

int hs_exec_command(const hs_exec *x, const hs_value *v, uint64_t rng_seed, int64_t sweep_seed,
                    hs_exec_cmdline *c)
{
    hs_params p = {&x->k, (hs_value *)v};
    hs_ctx ctx = {.seed = rng_seed, .sweep_seed = sweep_seed};
    uint64_t id = x->task_id ? x->task_id(x->task_id_arg, v, sweep_seed) : 0;
    memset(c, 0, sizeof *c);
    c->argv = calloc(x->argc + 1, sizeof *c->argv);
    c->env = calloc(x->n_env + 1, sizeof *c->env);
    int oom = !c->argv || !c->env;
    for (size_t i = 0; !oom && i < x->argc; i++)
        oom = !(c->argv[c->argc++] = expand(x, x->argv[i], &p, &ctx, id));
    for (size_t i = 0; !oom && i < x->n_env; i++) {
        char *val = expand(x, x->env_values[i], &p, &ctx, id);
        size_t need = strlen(x->env_names[i]) + (val ? strlen(val) : 0) + 2;
        char *kv = val ? malloc(need) : NULL;
        if (kv)
            snprintf(c->env[c->n_env++] = kv, need, "%s=%s", x->env_names[i], val);
        oom = !kv;
        free(val);
    }
    if (!oom && x->workdir)
        oom = !(c->workdir = expand(x, x->workdir, &p, &ctx, id));
    if (oom) {
        hs_exec_cmdline_free(c);
        return HS_ENOMEM;
    }
    return 0;
}

void hs_exec_cmdline_free(hs_exec_cmdline *c)
{
    free_list(c->argv, c->argc);
    free_list(c->env, c->n_env);
    free(c->workdir);
    memset(c, 0, sizeof *c);
}

/* ---- create / destroy -------------------------------------------------------------- */

static char *dup_or(const char *s, int *oom)
{
    char *d = strdup(s ? s : "");
    *oom |= !d;
    return d;
}

static char **dup_list(const char *const *v, size_t n, int *oom)
{
    char **d = calloc(n + 1, sizeof *d);
    if (!d) {
        *oom = 1;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        d[i] = dup_or(v[i], oom);
    return d;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

int hs_exec_create(const hs_exec_def *d, hs_exec **out, hs_err *e)
{
    *out = NULL;
    if (d->argc < 1)
        return HS_FAIL(e, HS_EINPUT, "command needs at least the program");
    if (d->n_traces > HS_EXEC_MAX_TRACES)
        return HS_FAIL(e, HS_EINPUT, "at most %d traces", HS_EXEC_MAX_TRACES);
    hs_exec *x = calloc(1, sizeof *x);
    if (!x)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    int oom = 0;
    x->params = calloc(d->n_params + 1, sizeof *x->params);
    x->metrics = calloc(d->n_metrics + 1, sizeof *x->metrics);
    x->traces = calloc(d->n_traces + 1, sizeof *x->traces);
    x->trace_lens = calloc(d->n_traces + 1, sizeof *x->trace_lens);
    oom |= !x->params || !x->metrics || !x->traces || !x->trace_lens;
    for (size_t i = 0; !oom && i < d->n_params; i++)
        x->params[i] = (hs_param_spec){dup_or(d->param_names[i], &oom),
                                       d->param_types[i],
                                       NULL,
                                       -HUGE_VAL,
                                       HUGE_VAL,
                                       NULL,
                                       "",
                                       "exec parameter: {name} in command, env and workdir"};
    for (size_t i = 0; !oom && i < d->n_metrics; i++)
        x->metrics[i] = (hs_metric_spec){dup_or(d->metric_names[i], &oom), "",
                                         "read from the command's output"};
    for (size_t i = 0; !oom && i < d->n_traces; i++) {
        x->traces[i] = (hs_trace_spec){dup_or(d->trace_names[i], &oom), "",
                                       "read from the command's output", trace_len_fn[i]};
        x->trace_lens[i] = d->trace_lens[i];
    }
    if (!oom) {
        x->argv = dup_list(d->argv, d->argc, &oom);
        x->argc = d->argc;
        x->workdir = d->workdir ? dup_or(d->workdir, &oom) : NULL;
        x->env_names = dup_list(d->env_names, d->n_env, &oom);
        x->env_values = dup_list(d->env_values, d->n_env, &oom);
        x->n_env = d->n_env;
        x->sweep = dup_or(d->sweep, &oom);
        x->sweep_dir = dup_or(d->sweep_dir, &oom);
    }
    if (!oom) {
        hs_exec_buf b = {0};
        hs_exec_buf_add(&b, "external command:", 17);
        for (size_t i = 0; i < d->argc; i++) {
            hs_exec_buf_add(&b, " ", 1);
            hs_exec_buf_add(&b, d->argv[i], strlen(d->argv[i]));
        }
        oom |= b.oom;
        x->summary = b.s;
    }
    x->parse = d->parse;
    x->warm = d->warm;
    x->task_id = d->task_id;
    x->task_id_arg = d->task_id_arg;
    x->k =
        (hs_kernel){.abi = HS_KERNEL_ABI,
                    .name = "exec",
                    .summary = x->summary,
                    .doc = "Runs the sweep's command once per task (see the README, exec kernel).",
                    .params = x->params,
                    .n_params = d->n_params,
                    .metrics = x->metrics,
                    .n_metrics = d->n_metrics,
                    .traces = x->traces,
                    .n_traces = d->n_traces,
                    .cost = cost,
                    .run = run};
    int rc = oom ? HS_FAIL(e, HS_ENOMEM, "out of memory") : hs_kernel_validate(&x->k, e);
    if (rc == 0 && d->cost_s)
        rc = hs_exec_cost_compile(x, d->cost_s, e);
    if (rc) {
        hs_exec_destroy(&x);
        return rc;
    }
    *out = x;
    return 0;
}

const hs_kernel *hs_exec_kernel(const hs_exec *x) { return &x->k; }

void hs_exec_destroy(hs_exec **xp)
{
    hs_exec *x = *xp;
    if (!x)
        return;
    for (size_t i = 0; x->params && i < x->k.n_params; i++)
        free((char *)x->params[i].name);
    for (size_t i = 0; x->metrics && i < x->k.n_metrics; i++)
        free((char *)x->metrics[i].name);
    for (size_t i = 0; x->traces && i < x->k.n_traces; i++)
        free((char *)x->traces[i].name);
    free(x->params);
    free(x->metrics);
    free(x->traces);
    free(x->trace_lens);
    free_list(x->argv, x->argc);
    free(x->workdir);
    free_list(x->env_names, x->n_env);
    free_list(x->env_values, x->n_env);
    free(x->sweep);
    free(x->sweep_dir);
    free(x->summary);
    free(x->cost_ops);
    free(x->log_base);
    free(x->prov_blob);
    free(x->prov_fields);
    free(x);
    *xp = NULL;
}

/* ---- one task ------------------------------------------------------------------------ */

/* The last HS_EXEC_TAIL bytes of a stream. */
typedef hs_exec_tail tail;

static void tail_add(tail *t, const char *s, size_t n)
{
    if (n >= HS_EXEC_TAIL) {
        s += n - HS_EXEC_TAIL;
        n = HS_EXEC_TAIL;
    }
    if (t->len + n > sizeof t->b) {
        size_t drop = t->len + n - HS_EXEC_TAIL;
        memmove(t->b, t->b + drop, t->len - drop);
        t->len -= drop;
    }
    memcpy(t->b + t->len, s, n);
    t->len += n;
}

/* detail = prefix + the end of t on one line (newlines as " | "), within 255 bytes. */
static void fail_with_tail(hs_out *out, hs_status st, const char *prefix, const tail *t,
                           const char *what)
{
    char flat[HS_EXEC_TAIL * 3 + 1];
    size_t n = 0, end = t->len;
    while (end && (t->b[end - 1] == '\n' || t->b[end - 1] == ' ' || t->b[end - 1] == '\r'))
        end--;
    for (size_t i = end > HS_EXEC_TAIL ? end - HS_EXEC_TAIL : 0; i < end; i++) {
        unsigned char c = (unsigned char)t->b[i];
        if (c == '\n') {
            memcpy(flat + n, " | ", 3);
            n += 3;
        } else {
            flat[n++] = c < 0x20 ? ' ' : (char)c;
        }
    }
    flat[n] = 0;
    size_t room = sizeof out->detail - 1, pl = strlen(prefix) + (n ? strlen(what) + 2 : 0);
    const char *s = flat;
    if (pl + n > room) {
        s = flat + n - (room > pl + 3 ? room - pl - 3 : 0);
        while ((*s & 0xC0) == 0x80) /* not inside a UTF-8 sequence */
            s++;
    }
    if (!n)
        hs_out_status(out, st, "%s", prefix);
    else
        hs_out_status(out, st, "%s; %s%s%s", prefix, what, s == flat ? "" : "...", s);
}

/* Resolve argv[0] on PATH as execvp would, but with the task's PATH. */
char *hs_exec_resolve(const char *prog, const char *path)
{
    if (strchr(prog, '/'))
        return strdup(prog);
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *d = path;; d++) {
        const char *colon = strchr(d, ':');
        size_t dl = colon ? (size_t)(colon - d) : strlen(d);
        size_t need = dl + strlen(prog) + 3;
        char *cand = malloc(need);
        if (!cand)
            return NULL;
        snprintf(cand, need, "%.*s%s%s", (int)dl, d, dl ? "/" : "./", prog);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0)
            return cand;
        free(cand);
        if (!colon)
            return NULL;
        d = colon;
    }
}

static int mkdir_p(char *dir)
{
    for (char *c = dir + 1; *c; c++)
        if (*c == '/') {
            *c = 0;
            int bad = mkdir(dir, 0777) != 0 && errno != EEXIST;
            *c = '/';
            if (bad)
                return -1;
        }
    return mkdir(dir, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* The task's environment: this process's, with the additions replacing same-named entries. */
static char **make_env(char **add, size_t n_add)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + n_add + 1, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int replaced = 0;
        for (size_t j = 0; j < n_add && !replaced; j++) {
            size_t l = strcspn(add[j], "=");
            replaced = strncmp(environ[i], add[j], l) == 0 && environ[i][l] == '=';
        }
        if (!replaced)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < n_add; j++)
        env[k++] = add[j];
    return env;
}

/* In the child, between fork and exec: async-signal-safe calls only. */
static void child_exec(const char *prog, char *const *argv, char *const *envp, const char *wd,
                       int in_fd, int out_fd, int err_fd, int report_fd, pid_t parent)
{
    setpgid(0, 0); /* its own group: killed whole at the deadline */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int stage = 0, err = 0;
    if (getppid() != parent)
        _exit(127);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++)
        sigaction(s, &dfl, NULL); /* the isolation child ignores SIGTERM etc.: undo */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* Slurm's time-limit warning reaches every process of the job: the
     * command runs on through the grace period, as a built-in task does
     * (an ignored signal stays ignored across execve). */
    signal(SIGUSR1, SIG_IGN);
    int null_fd = in_fd >= 0 ? in_fd : open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0) {
        stage = 1;
        err = errno;
    }
    /* Nothing of the worker's (MPI sockets, the HDF5 file) leaks into the command. */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
        for (int fd = 3; fd < 65536; fd++)
            fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (!stage && wd && chdir(wd) != 0) {
        stage = 2;
        err = errno;
    }
    if (!stage) {
        execve(prog, argv, envp);
        stage = 3;
        err = errno;
    }
    int msg[2] = {stage, err};
    ssize_t w = write(report_fd, msg, sizeof msg);
    (void)w;
    _exit(127);
}

/*
 * A guard for the command's process group (pgid): a /bin/sh reading a pipe
 * whose only write end is this process's.  When this process dies (kill -9
 * of the job) the read ends and the guard kills the whole group, so nothing
 * the command started outlives the task (PR_SET_PDEATHSIG reaches only the
 * command itself).  The guard joins the group, so the group kill at the end
 * of the task ends it too.  It is a shell, not a fork of hsweep, so that a
 * kill of the job by name does not take it along.  Returns the guard's pid
 * and the write end in *keep_fd, or -1 (the task then runs unguarded).
 */
static pid_t guard_start(pid_t pgid, int *keep_fd)
{
    static char *const envp[] = {"PATH=/usr/bin:/bin", NULL};
    char pg[32];
    snprintf(pg, sizeof pg, "%lld", (long long)pgid);
    char *argv[] = {"sh", "-c", "read _ || kill -9 -$1", "hsweep-exec-guard", pg, NULL};
    int p[2];
    *keep_fd = -1;
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid_t parent = getpid(), g = fork();
    if (g == 0) { /* async-signal-safe calls only, as in child_exec */
        setpgid(0, pgid);
        if (getppid() != parent) {
            kill(-pgid, SIGKILL);
            _exit(0);
        }
        if (dup2(p[0], 0) < 0)
            _exit(127);
        if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
            for (int fd = 3; fd < 65536; fd++)
                fcntl(fd, F_SETFD, FD_CLOEXEC);
        execve("/bin/sh", argv, envp);
        _exit(127);
    }
    close(p[0]);
    if (g < 0) {
        close(p[1]);
        return -1;
    }
    *keep_fd = p[1];
    return g;
}

typedef struct proc {
    pid_t pid;
    int status;
    int timed_out;
    double t0;
    tail out_tail, err_tail;
} proc;

/*
 * Read what is ready on the two pipes pf[0..2) into the tails, the reader
 * (stdout) and the log; a pipe at its end gets fd -1.  Returns the pipes
 * still open; *rc becomes HS_ENOMEM if the reader ran out of memory.
 */
static int read_ready(proc *pr, struct pollfd *pf, int n_ready, hs_exec_reader *rd, hs_exec_log *lg,
                      int *rc)
{
    char buf[65536];
    for (int i = 0; i < 2 && n_ready > 0; i++) {
        if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        ssize_t r = read(pf[i].fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            pf[i].fd = -1;
            continue;
        }
        tail_add(i ? &pr->err_tail : &pr->out_tail, buf, (size_t)r);
        hs_exec_log_write(lg, i, buf, (size_t)r);
        if (i == 0 && *rc == 0)
            *rc = hs_exec_reader_feed(rd, buf, (size_t)r);
    }
    return (pf[0].fd >= 0) + (pf[1].fd >= 0);
}

/*
 * Read both pipes until they close and the child has exited, or until the
 * deadline (then the child's group is killed).  A command that exits while
 * a process it left behind holds the pipes open is read for one more second.
 * The child's exit wakes poll() through a pidfd (Linux 5.3); without one,
 * the exit is polled every millisecond once the pipes are closed.  After the
 * group is killed, what the pipes still hold is read too (for up to a
 * second), so that the log of a task killed at its deadline is complete.
 */
static int pump(proc *pr, int out_fd, int err_fd, double deadline, hs_exec_reader *rd,
                hs_exec_log *lg)
{
    int pidfd = (int)syscall(SYS_pidfd_open, pr->pid, 0);
    struct pollfd pf[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {pidfd, POLLIN, 0}};
    int open_n = 2, reaped = 0, rc = 0;
    double reaped_at = 0;
    while (open_n > 0 || !reaped) {
        double now = hs_now_mono();
        if (deadline > 0 && now >= deadline && !reaped) {
            pr->timed_out = 1;
            break;
        }
        if (reaped && now - reaped_at > 1.0)
            break;
        int ms = open_n > 0 || pidfd >= 0 ? 100 : 1;
        if (deadline > 0 && (deadline - now) * 1e3 < ms)
            ms = (int)((deadline - now) * 1e3) + 1;
        int n = poll(pf, 3, ms);
        open_n = read_ready(pr, pf, n, rd, lg, &rc);
        if (!reaped && waitpid(pr->pid, &pr->status, WNOHANG) == pr->pid) {
            reaped = 1;
            reaped_at = hs_now_mono();
            pf[2].fd = -1;
        }
    }
    if (!reaped)
        kill(pr->pid, SIGKILL);
    kill(-pr->pid, SIGKILL); /* its group: whatever the command left running */
    while (!reaped && waitpid(pr->pid, &pr->status, 0) < 0 && errno == EINTR)
        ;
    for (double until = hs_now_mono() + 1.0; open_n > 0 && hs_now_mono() < until;) {
        pf[2].fd = -1;
        int n = poll(pf, 2, 100);
        open_n = read_ready(pr, pf, n, rd, lg, &rc);
    }
    if (pidfd >= 0)
        close(pidfd);
    return rc;
}

/* A malloc'd formatted string, or NULL. */
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

int hs_exec_cmd_prepare(const hs_exec *x, const hs_params *p, const hs_ctx *ctx, uint64_t id,
                        char **extra, size_t n_extra, hs_exec_cmd *c, hs_out *out)
{
    memset(c, 0, sizeof *c);
    c->n_add = x->n_env + n_extra;
    c->argc = x->argc;
    c->argv = calloc(x->argc + 1, sizeof *c->argv);
    c->add = calloc(c->n_add + 1, sizeof *c->add);
    int oom = !c->argv || !c->add;
    for (size_t i = 0; i < n_extra; i++) {
        oom |= !extra[i];
        if (c->add)
            c->add[x->n_env + i] = extra[i];
        else
            free(extra[i]);
    }
    for (size_t i = 0; !oom && i < x->argc; i++)
        oom |= !(c->argv[i] = expand(x, x->argv[i], p, ctx, id));
    for (size_t i = 0; !oom && i < x->n_env; i++) {
        char *v = expand(x, x->env_values[i], p, ctx, id);
        oom |= !v || !(c->add[i] = fmt("%s=%s", x->env_names[i], v));
        free(v);
    }
    if (!oom && x->workdir)
        oom = !(c->wd = expand(x, x->workdir, p, ctx, id));
    if (!oom)
        oom = !(c->envp = make_env(c->add, c->n_add));
    const char *path = NULL;
    for (size_t i = 0; c->envp && c->envp[i]; i++)
        if (strncmp(c->envp[i], "PATH=", 5) == 0)
            path = c->envp[i] + 5;
    if (oom) {
        hs_out_status(out, HS_ST_FAILED, "out of memory preparing the command");
    } else if (c->wd && mkdir_p(c->wd) != 0) {
        hs_out_status(out, HS_ST_FAILED, "cannot create workdir %.180s: %s", c->wd,
                      strerror(errno));
    } else if (!(c->prog = hs_exec_resolve(c->argv[0], path))) {
        hs_out_status(out, HS_ST_FAILED, "command not found: %.100s (PATH=%.100s)", c->argv[0],
                      path ? path : "");
    } else {
        return 0;
    }
    return -1;
}

void hs_exec_cmd_free(hs_exec_cmd *c)
{
    free(c->envp);
    free(c->prog);
    free(c->wd);
    free_list(c->argv, c->argc);
    free_list(c->add, c->n_add);
    memset(c, 0, sizeof *c);
}

void hs_exec_judge_end(const hs_exec *x, hs_out *out, int timed_out, double t0, int status,
                       const hs_exec_tail *out_tail, const hs_exec_tail *err_tail,
                       hs_exec_reader *rd)
{
    char why[200];
    int fin;
    if (timed_out) {
        char pre[96];
        snprintf(pre, sizeof pre, "command killed at the deadline after %.3g s",
                 hs_now_mono() - t0);
        fail_with_tail(out, HS_ST_TIMEOUT, pre, err_tail, "stderr: ");
    } else if (WIFSIGNALED(status)) {
        char pre[96];
        int sig = WTERMSIG(status);
        snprintf(pre, sizeof pre, "command killed by signal %d (%s)", sig, strsignal(sig));
        fail_with_tail(out, HS_ST_CRASHED, pre, err_tail, "stderr: ");
        out->stop_signal = hs_task_stop_signal(sig) ? sig : 0;
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        char pre[64];
        snprintf(pre, sizeof pre, "command exited with code %d", WEXITSTATUS(status));
        int use_err = err_tail->len > 0;
        fail_with_tail(out, HS_ST_FAILED, pre, use_err ? err_tail : out_tail,
                       use_err ? "stderr: " : "stdout: ");
    } else if ((fin = hs_exec_reader_finish(rd, why, sizeof why)) != 0) {
        for (size_t i = 0; fin < 0 && i < x->k.n_metrics; i++)
            out->metrics[i] = NAN;
        fail_with_tail(out, HS_ST_FAILED, why, out_tail, "stdout: ");
    }
}

static int run(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    const hs_exec *x = exec_of(p);
    uint64_t id = x->task_id ? x->task_id(x->task_id_arg, p->v, ctx->sweep_seed) : 0;
    if (x->warm) {
        hs_exec_warm_run(x, p, ctx, out, id);
        return 0;
    }
    char *extra[] = {fmt("HSWEEP_SEED=%llu", (unsigned long long)ctx->seed),
                     fmt("HSWEEP_SEED32=%lu", (unsigned long)hs_exec_seed32(ctx->seed)),
                     fmt("HSWEEP_TASK_ID=%llu", (unsigned long long)id),
                     fmt("HSWEEP_SWEEP=%s", x->sweep),
                     hs_exec_task_json(x, p, ctx, id, "HSWEEP_TASK=")};
    hs_exec_cmd c;
    int fds[6] = {-1, -1, -1, -1, -1, -1};
    hs_exec_log lg = {{-1, -1}, 0, ""};
    char lwhy[256];
    if (hs_exec_cmd_prepare(x, p, ctx, id, extra, sizeof extra / sizeof extra[0], &c, out) != 0) {
        /* its status says why */
    } else if (hs_exec_log_open(x, id, &lg, lwhy, sizeof lwhy) != 0) {
        hs_out_status(out, HS_ST_FAILED, "%s", lwhy);
    } else if (pipe2(fds, O_CLOEXEC) != 0 || pipe2(fds + 2, O_CLOEXEC) != 0 ||
               pipe2(fds + 4, O_CLOEXEC) != 0) {
        hs_out_status(out, HS_ST_FAILED, "cannot create pipes: %s", strerror(errno));
    } else {
        proc pr = {.t0 = hs_now_mono()};
        pid_t parent = getpid();
        pr.pid = fork();
        if (pr.pid == 0)
            child_exec(c.prog, c.argv, c.envp, c.wd, -1, fds[1], fds[3], fds[5], parent);
        int keep_fd = -1;
        pid_t guard = -1;
        if (pr.pid > 0) {
            setpgid(pr.pid,
                    pr.pid); /* as the child does: the group exists before the guard joins it */
            guard = guard_start(pr.pid, &keep_fd);
        }
        close(fds[1]);
        close(fds[3]);
        close(fds[5]);
        fds[1] = fds[3] = fds[5] = -1;
        int msg[2] = {0, 0};
        ssize_t got = 0;
        if (pr.pid > 0)
            while ((got = read(fds[4], msg, sizeof msg)) < 0 && errno == EINTR)
                ;
        hs_exec_reader rd = {.x = x, .out = out};
        if (pr.pid < 0) {
            hs_out_status(out, HS_ST_FAILED, "cannot fork: %s", strerror(errno));
        } else if (got == (ssize_t)sizeof msg) {
            waitpid(pr.pid, &pr.status, 0);
            hs_out_status(out, HS_ST_FAILED, "cannot %s %.150s: %s",
                          msg[0] == 2   ? "enter workdir for"
                          : msg[0] == 1 ? "set up stdio for"
                                        : "execute",
                          c.prog, strerror(msg[1]));
        } else if (pump(&pr, fds[0], fds[2], ctx->deadline, &rd, &lg) != 0) {
            hs_out_status(out, HS_ST_FAILED, "out of memory reading the command's output");
        } else {
            hs_exec_judge_end(x, out, pr.timed_out, pr.t0, pr.status, &pr.out_tail, &pr.err_tail,
                              &rd);
        }
        hs_exec_reader_free(&rd);
        if (guard > 0) {
            kill(guard, SIGKILL); /* already gone when pump killed the group */
            while (waitpid(guard, NULL, 0) < 0 && errno == EINTR)
                ;
        }
        if (keep_fd >= 0)
            close(keep_fd);
    }
    /* A log that could not be written whole fails a task that was ok. */
    if (hs_exec_log_close(&lg, lwhy, sizeof lwhy) != 0 &&
        (out->status == HS_ST_PENDING || out->status == HS_ST_OK))
        hs_out_status(out, HS_ST_FAILED, "%s", lwhy);
    for (int i = 0; i < 6; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    hs_exec_cmd_free(&c);
    return 0;
}

/* ---- shared with exec_warm.c ------------------------------------------------------------ */

void hs_exec_tail_add(hs_exec_tail *t, const char *s, size_t n) { tail_add(t, s, n); }

_Noreturn void hs_exec_child(const char *prog, char *const *argv, char *const *envp, const char *wd,
                             int in_fd, int out_fd, int err_fd, int report_fd, pid_t parent)
{
    child_exec(prog, argv, envp, wd, in_fd, out_fd, err_fd, report_fd, parent);
    _exit(127);
}

pid_t hs_exec_guard_start(pid_t pgid, int *keep_fd) { return guard_start(pgid, keep_fd); }
