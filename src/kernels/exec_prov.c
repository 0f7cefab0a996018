/*
 * Provenance of an exec sweep: which version of the user's program ran.
 *
 *   files:  every argument of the command (the program included) whose
 *           template uses no placeholder but {sweep} and {sweep_dir}, that
 *           names a regular file under the sweep file's directory (relative
 *           paths from the sweep's fixed workdir, else from where hsweep
 *           runs; symbolic links resolved), with its SHA-256 (FIPS 180-4;
 *           files over HS_EXEC_PROV_MAX_HASH bytes are listed, not hashed);
 *   git:    `git describe --always --dirty` run in the sweep file's
 *           directory ("" when it is not in a git work tree or git is not
 *           there), and whether that says -dirty;
 *   interpreter: when the program is python*, pypy*, Rscript, R, julia,
 *           node, perl, ruby, bash or octave, its resolved path and the
 *           first line `PROGRAM --version` prints.
 *
 * Computed once per run by one process (hs_exec_prov_compute) as a blob
 * that the others receive and install (hs_exec_prov_set), so that every
 * rank writes the same attributes.  Helper programs get 20 s each.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_impl.h"
#include "hsweep/sha256.h"

#define HELPER_TIMEOUT_S 20.0

extern char **environ;

/*
 * Run argv (argv[0] a path) with stdin /dev/null and stdout + stderr into
 * out (cut to cap - 1 bytes).  Returns its exit code, or -1 if it could not
 * run, died of a signal or ran past HELPER_TIMEOUT_S (then it is killed).
 */
static int capture(char *const argv[], char *out, size_t cap)
{
    int p[2];
    out[0] = 0;
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) { /* async-signal-safe calls only: the caller may have threads */
        int nul = open("/dev/null", O_RDONLY);
        if (nul < 0 || dup2(nul, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0)
            _exit(127);
        if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
            for (int fd = 3; fd < 65536; fd++)
                fcntl(fd, F_SETFD, FD_CLOEXEC);
        execve(argv[0], argv, environ);
        _exit(127);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return -1;
    }
    size_t n = 0;
    double until = hs_now_mono() + HELPER_TIMEOUT_S;
    int timed_out = 0;
    for (;;) {
        double left = until - hs_now_mono();
        if (left <= 0) {
            timed_out = 1;
            break;
        }
        struct pollfd pf = {p[0], POLLIN, 0};
        if (poll(&pf, 1, (int)(left * 1e3) + 1) <= 0)
            continue;
        char buf[4096];
        ssize_t r = read(p[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        size_t take = n + (size_t)r < cap - 1 ? (size_t)r : cap - 1 - n;
        memcpy(out + n, buf, take);
        n += take;
    }
    out[n] = 0;
    close(p[0]);
    if (timed_out)
        kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    return timed_out || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

/* The first non-blank line of s, trimmed, in place. */
static char *first_line(char *s)
{
    while (*s == '\n' || *s == '\r' || *s == ' ' || *s == '\t')
        s++;
    s[strcspn(s, "\r\n")] = 0;
    size_t l = strlen(s);
    while (l && (s[l - 1] == ' ' || s[l - 1] == '\t'))
        s[--l] = 0;
    return s;
}

static int is_interpreter(const char *path)
{
    static const char *const prefix[] = {"python", "pypy"};
    static const char *const exact[] = {"Rscript", "R",    "julia", "node",
                                        "perl",    "ruby", "bash",  "octave"};
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    for (size_t i = 0; i < sizeof prefix / sizeof prefix[0]; i++)
        if (strncmp(b, prefix[i], strlen(prefix[i])) == 0)
            return 1;
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
        if (strcmp(b, exact[i]) == 0)
            return 1;
    return 0;
}

/* One NUL-terminated field of the blob. */
static void put(hs_exec_buf *b, const char *field) { hs_exec_buf_add(b, field, strlen(field) + 1); }

/* SHA-256 of file `path` in hex, or a note why it was not hashed. */
static void hash_file(const char *path, char *hex, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0) {
        snprintf(hex, cap, "unreadable: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return;
    }
    if (sb.st_size > HS_EXEC_PROV_MAX_HASH) {
        snprintf(hex, cap, "not hashed: %lld bytes", (long long)sb.st_size);
        close(fd);
        return;
    }
    size_t n = (size_t)sb.st_size, got = 0;
    char *buf = malloc(n ? n : 1);
    while (buf && got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != n)
        snprintf(hex, cap, "unreadable: %s", buf ? "short read" : "out of memory");
    else
        hs_sha256_hex(buf, n, hex);
    free(buf);
}

int hs_exec_prov_compute(const hs_exec *x, char **out, size_t *out_len)
{
    hs_exec_buf b = {0};
    char *dir = realpath(x->sweep_dir, NULL);
    char text[4096];
    /* git */
    char *git = hs_exec_resolve("git", getenv("PATH"));
    int rc = -1;
    if (git && dir) {
        char *argv[] = {git, "-C", dir, "describe", "--always", "--dirty", NULL};
        rc = capture(argv, text, sizeof text);
    }
    char *d = rc == 0 ? first_line(text) : "";
    size_t dl = strlen(d);
    put(&b, d);
    put(&b, !*d ? "" : dl >= 6 && strcmp(d + dl - 6, "-dirty") == 0 ? "true" : "false");
    free(git);
    /* the interpreter */
    char *prog0 = hs_exec_expand_fixed(x, x->argv[0]);
    char *prog = prog0 ? hs_exec_resolve(prog0, getenv("PATH")) : NULL;
    char *real = prog ? realpath(prog, NULL) : NULL;
    if (prog && is_interpreter(prog)) {
        char *argv[] = {prog, "--version", NULL};
        rc = capture(argv, text, sizeof text);
        put(&b, real ? real : prog);
        put(&b, rc == 0 ? first_line(text) : "(--version failed)");
    } else {
        put(&b, "");
        put(&b, "");
    }
    free(prog0);
    free(prog);
    free(real);
    /* the files under the sweep directory */
    char *wd = x->workdir ? hs_exec_expand_fixed(x, x->workdir) : NULL;
    size_t dirl = dir ? strlen(dir) : 0;
    char **seen = calloc(x->argc + 1, sizeof *seen);
    size_t n_seen = 0;
    for (size_t i = 0; dir && seen && i < x->argc; i++) {
        char *a = hs_exec_expand_fixed(x, x->argv[i]);
        char *path = a;
        if (a && *a && a[0] != '/' && wd && (path = malloc(strlen(wd) + strlen(a) + 2)))
            sprintf(path, "%s/%s", wd, a);
        char *rp = path && *path ? realpath(path, NULL) : NULL;
        struct stat sb;
        int keep = rp && strncmp(rp, dir, dirl) == 0 && rp[dirl] == '/' && stat(rp, &sb) == 0 &&
                   S_ISREG(sb.st_mode) && !strpbrk(rp, "\n");
        for (size_t j = 0; keep && j < n_seen; j++)
            keep = strcmp(seen[j], rp) != 0;
        if (keep) {
            char hex[96];
            hash_file(rp, hex, sizeof hex);
            put(&b, rp + dirl + 1);
            put(&b, hex);
            seen[n_seen++] = rp;
            rp = NULL;
        }
        free(rp);
        if (path != a)
            free(path);
        free(a);
    }
    for (size_t j = 0; j < n_seen; j++)
        free(seen[j]);
    free(seen);
    free(wd);
    free(dir);
    if (b.oom) {
        free(b.s);
        return HS_ENOMEM;
    }
    *out = b.s;
    *out_len = b.len;
    return 0;
}

int hs_exec_prov_set(hs_exec *x, const char *blob, size_t len)
{
    size_t nf = 0;
    for (size_t i = 0; i < len; i++)
        nf += blob[i] == 0;
    if (nf < 4 || (nf - 4) % 2 || (len && blob[len - 1]))
        return HS_EINPUT;
    char *copy = malloc(len);
    const char **f = calloc(nf, sizeof *f);
    if (!copy || !f) {
        free(copy);
        free(f);
        return HS_ENOMEM;
    }
    memcpy(copy, blob, len);
    for (size_t i = 0, k = 0; i < len; i += strlen(copy + i) + 1)
        f[k++] = copy + i;
    free(x->prov_blob);
    free(x->prov_fields);
    x->prov_blob = copy;
    x->prov_fields = f;
    x->prov = (hs_exec_prov){.git_describe = f[0],
                             .git_dirty = f[1],
                             .interpreter = f[2],
                             .interpreter_version = f[3],
                             .n_files = (nf - 4) / 2,
                             .fields = f + 4};
    return 0;
}

const hs_exec_prov *hs_exec_prov_of(const hs_exec *x) { return x->prov_blob ? &x->prov : NULL; }
