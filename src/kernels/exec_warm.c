/*
 * protocol = "jsonl" of the exec kernel: the command is started once and
 * kept (one program per process that runs tasks: the task process of
 * --isolation fork, else the worker rank), and each task is one JSON line
 * on its standard input, answered by one JSON-object line on its standard
 * output (README, "Warm workers").
 *
 * A task ends with the program's answer, the program's end, or the
 * deadline, and gets the status that the same program would have got run
 * alone for it: an answer is read as json-last-line reads a command's
 * output; a program that ends before it answers, or is killed at the
 * deadline, is judged as exec judges a command (exit code, signal,
 * timeout), with the stderr it wrote during the task.  Such a program is
 * gone; so is one whose answer could not be read, one that wrote past its
 * answer, or one that wrote or ended while it had no task: the next task
 * starts a fresh one.  A stop or kill -9 of the job ends the program with
 * the process that started it (PR_SET_PDEATHSIG and the group guard, as in
 * exec.c), leaving the task it ran pending.
 *
 * Per-task logs (exec_log.c) hold what the program wrote during the task,
 * as read: its stdout (the answer line and any after it in the same read
 * included) and its stderr, read to their end after a crash or the kill at
 * the deadline.  What it wrote while it had no task is read when the next
 * task of the same sweep starts, into that task's log.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_impl.h"

/* ---- the task line ------------------------------------------------------------ */

/* s as a JSON string (RFC 8259, section 7). */
static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/*
 * The task as one JSON object: task_id, seed, seed32, sweep_seed, deadline (Unix
 * time at which the task is killed, or null) and params, each parameter
 * written as the command templates write it (reals in the shortest form
 * that reads back as the same double), so that a program gets the same
 * values from this line as from its argv.
 */
char *hs_exec_task_json(const hs_exec *x, const hs_params *p, const hs_ctx *ctx, uint64_t id,
                        const char *prefix)
{
    char *buf = NULL, num[64];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    fprintf(f, "%s{\"task_id\":%llu,\"seed\":%llu,\"seed32\":%lu,\"sweep_seed\":%lld,\"deadline\":",
            prefix, (unsigned long long)id, (unsigned long long)ctx->seed,
            (unsigned long)hs_exec_seed32(ctx->seed), (long long)ctx->sweep_seed);
    if (ctx->deadline > 0)
        fprintf(f, "%.3f", hs_now_unix() + (ctx->deadline - hs_now_mono()));
    else
        fputs("null", f);
    fputs(",\"params\":{", f);
    for (size_t i = 0; i < x->k.n_params; i++) {
        const hs_param_spec *ps = &x->k.params[i];
        fputs(i ? "," : "", f);
        put_quoted(f, ps->name);
        fputc(':', f);
        if (ps->type == HS_T_STRING) {
            put_quoted(f, p->v[i].s ? p->v[i].s : "");
            continue;
        }
        hs_value_format(ps, &p->v[i], num, sizeof num);
        if (ps->type == HS_T_REAL && !isfinite(p->v[i].r)) /* JSON has no words for these; */
            snprintf(num, sizeof num, "%s",                /* Python's json reads these */
                     isnan(p->v[i].r) ? "NaN"
                     : p->v[i].r > 0  ? "Infinity"
                                      : "-Infinity");
        fputs(num, f);
    }
    fputs("}}", f);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

int hs_exec_warm_template_check(const char *tpl, hs_err *e)
{
    for (const char *c = tpl; *c; c++) {
        if ((c[0] == '{' && c[1] == '{') || (c[0] == '}' && c[1] == '}')) {
            c++;
            continue;
        }
        if (*c != '{')
            continue;
        const char *end = strchr(c, '}');
        size_t len = end ? (size_t)(end - c - 1) : 0;
        if (end && ((len == 5 && strncmp(c + 1, "sweep", 5) == 0) ||
                    (len == 9 && strncmp(c + 1, "sweep_dir", 9) == 0))) {
            c = end;
            continue;
        }
        return HS_FAIL(
            e, HS_EINPUT,
            "\"%s\": {%.*s} differs from task to task, but with protocol = \"jsonl\" the "
            "program is started once per worker: it reads each task's parameters, seed "
            "and task_id from its standard input (only {sweep} and {sweep_dir} are allowed)",
            tpl, (int)(len > 64 ? 64 : len), c + 1);
    }
    return 0;
}

/* ---- the program ---------------------------------------------------------------- */

/*
 * The program of this process.  A forked task process inherits this record
 * but not the program (which is its parent's child): `owner` tells.
 */
typedef struct warm {
    const hs_exec *x; /* the sweep whose program it is */
    pid_t owner;
    pid_t pid; /* 0: none */
    pid_t guard;
    int in, in_keep; /* its stdin (write end, non-blocking) and the read end, kept so
                         that a write after it died raises no SIGPIPE */
    int out, err;    /* its stdout and stderr (read ends, non-blocking) */
    int pidfd, guard_fd;
    int dirty;  /* it wrote past its answer: replace it before the next task */
    char *part; /* stdout after the last newline read */
    size_t part_len, part_cap;
} warm;

static warm W = {.in = -1, .in_keep = -1, .out = -1, .err = -1, .pidfd = -1, .guard_fd = -1};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Forget the program without touching it: W as in a process that has none. */
static void forget(void)
{
    int *fds[] = {&W.in, &W.in_keep, &W.out, &W.err, &W.pidfd, &W.guard_fd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        close_fd(fds[i]);
    W.x = NULL;
    W.pid = 0;
    W.guard = -1;
    W.dirty = 0;
    W.part_len = 0;
}

/* End the program (its whole process group; reaped unless already), and its guard. */
static void warm_end(int reaped)
{
    if (W.pid > 0) {
        kill(-W.pid, SIGKILL);
        if (!reaped) {
            kill(W.pid, SIGKILL);
            while (waitpid(W.pid, NULL, 0) < 0 && errno == EINTR)
                ;
        }
    }
    if (W.guard > 0) {
        kill(W.guard, SIGKILL);
        while (waitpid(W.guard, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    forget();
}

/* What is ready on fd (at most 4 MiB: the writer may not stop) into log stream s; 1 if any. */
static int idle_read(int fd, hs_exec_log *lg, int s)
{
    char buf[65536];
    int any = 0;
    for (int i = 0; i < 64; i++) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        hs_exec_log_write(lg, s, buf, (size_t)r);
        any = 1;
    }
    return any;
}

/*
 * Whether the idle program wrote to stdout or ended since its last answer
 * (*reaped: and was reaped).  What it wrote meanwhile goes to lg, the log
 * of the task about to start.
 */
static int idle_disturbed(hs_exec_log *lg, int *reaped)
{
    struct pollfd pf[1] = {{W.pidfd, POLLIN, 0}};
    int n = W.pidfd >= 0 ? poll(pf, 1, 0) : 0;
    int wrote = idle_read(W.out, lg, 0);
    idle_read(W.err, lg, 1);
    *reaped = W.pidfd < 0 && waitpid(W.pid, NULL, WNOHANG) == W.pid;
    return *reaped || wrote || (n > 0 && pf[0].revents);
}

/*
 * Start the program of sweep x (argv, env and workdir expanded for this
 * task, which they do not depend on).  0, or -1 with the task's status set
 * as exec sets it when a command cannot start.
 */
static int warm_start(const hs_exec *x, const hs_params *p, const hs_ctx *ctx, hs_out *out,
                      uint64_t id)
{
    char *extra[] = {strdup("HSWEEP_PROTOCOL=jsonl"), NULL};
    if (asprintf(&extra[1], "HSWEEP_SWEEP=%s", x->sweep) < 0)
        extra[1] = NULL;
    hs_exec_cmd c;
    int rc = -1, fds[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
    if (hs_exec_cmd_prepare(x, p, ctx, id, extra, 2, &c, out) != 0) {
        /* its status says why */
    } else if (pipe2(fds, O_CLOEXEC) != 0 || pipe2(fds + 2, O_CLOEXEC) != 0 ||
               pipe2(fds + 4, O_CLOEXEC) != 0 || pipe2(fds + 6, O_CLOEXEC) != 0) {
        hs_out_status(out, HS_ST_FAILED, "cannot create pipes: %s", strerror(errno));
    } else {
        pid_t parent = getpid(), pid = fork();
        if (pid == 0)
            hs_exec_child(c.prog, c.argv, c.envp, c.wd, fds[0], fds[3], fds[5], fds[7], parent);
        if (pid < 0) {
            hs_out_status(out, HS_ST_FAILED, "cannot fork: %s", strerror(errno));
        } else {
            setpgid(pid, pid); /* as the child does: the group exists before the guard joins it */
            W.x = x;
            W.owner = parent;
            W.pid = pid;
            W.guard = hs_exec_guard_start(pid, &W.guard_fd);
            W.in = fds[1];
            W.in_keep = fds[0];
            W.out = fds[2];
            W.err = fds[4];
            fds[0] = fds[1] = fds[2] = fds[4] = -1;
            close_fd(&fds[3]);
            close_fd(&fds[5]);
            close_fd(&fds[7]);
            int msg[2] = {0, 0};
            ssize_t got;
            while ((got = read(fds[6], msg, sizeof msg)) < 0 && errno == EINTR)
                ;
            if (got == (ssize_t)sizeof msg) {
                hs_out_status(out, HS_ST_FAILED, "cannot %s %.150s: %s",
                              msg[0] == 2   ? "enter workdir for"
                              : msg[0] == 1 ? "set up stdio for"
                                            : "execute",
                              c.prog, strerror(msg[1]));
                warm_end(0);
            } else {
                int fl[] = {W.in, W.out, W.err};
                for (size_t i = 0; i < 3; i++)
                    fcntl(fl[i], F_SETFL, fcntl(fl[i], F_GETFL) | O_NONBLOCK);
                W.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
                if (W.pidfd >= 0)
                    fcntl(W.pidfd, F_SETFD, FD_CLOEXEC);
                rc = 0;
            }
        }
    }
    for (size_t i = 0; i < 8; i++)
        close_fd(&fds[i]);
    hs_exec_cmd_free(&c);
    return rc;
}

typedef struct task_io {
    hs_exec_reader *rd;
    hs_exec_log *lg;
    hs_exec_tail out_tail, err_tail;
    int answered;
    int oom;
} task_io;

/*
 * Take a chunk of stdout: the complete lines (after what was kept of an
 * unfinished one) go to the reader; a line whose first character other
 * than blanks is '{' is the answer.  Every line complete in the chunk
 * counts, so an answer written twice at once is read as the last, as
 * json-last-line reads a command's output.
 */
static void take_stdout(task_io *t, const char *buf, size_t n)
{
    hs_exec_tail_add(&t->out_tail, buf, n);
    if (W.part_len + n + 1 > W.part_cap) {
        size_t nc = (W.part_len + n + 1) * 2;
        char *np = realloc(W.part, nc);
        if (!np) {
            t->oom = 1;
            return;
        }
        W.part = np;
        W.part_cap = nc;
    }
    memcpy(W.part + W.part_len, buf, n);
    size_t from = W.part_len;
    W.part_len += n;
    const char *nl = memrchr(W.part + from, '\n', n);
    if (!nl)
        return;
    size_t head = (size_t)(nl - W.part) + 1;
    int at_start = 1;
    for (size_t i = 0; i < head; i++) {
        char c = W.part[i];
        if (at_start && (c == ' ' || c == '\t'))
            continue;
        t->answered |= at_start && c == '{';
        at_start = c == '\n';
    }
    t->oom |= hs_exec_reader_feed(t->rd, W.part, head) != 0;
    memmove(W.part, W.part + head, W.part_len - head);
    W.part_len -= head;
}

/* Read what is there on fd (stdout: which = 0) into t; 0 at end of file, else 1. */
static int drain(task_io *t, int fd, int which)
{
    char buf[65536];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return 1; /* EAGAIN: nothing more for now */
        if (r == 0)
            return 0;
        hs_exec_log_write(t->lg, which, buf, (size_t)r);
        if (which == 0)
            take_stdout(t, buf, (size_t)r);
        else
            hs_exec_tail_add(&t->err_tail, buf, (size_t)r);
        if (which == 0 && t->answered)
            return 1;
    }
}

/* Write the task line; 0, or -1 at the deadline. */
static int send_task(const char *s, size_t n, double deadline)
{
    while (n > 0) {
        ssize_t w = write(W.in, s, n);
        if (w > 0) {
            s += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            return 0; /* the program's end shows on its stdout and pidfd */
        double now = hs_now_mono();
        if (deadline > 0 && now >= deadline)
            return -1;
        struct pollfd pf[2] = {{W.in, POLLOUT, 0}, {W.pidfd, POLLIN, 0}};
        int ms = deadline > 0 ? (int)((deadline - now) * 1e3) + 1 : 100;
        if (poll(pf, 2, ms > 100 ? 100 : ms) > 0 && pf[1].revents)
            return 0; /* it died with the task unread */
    }
    return 0;
}

/*
 * The task id an answer names ("task_id": N at its top level), or -1 when
 * it names none.  An answer for another task comes from a program out of
 * step: one that answered a task more than once, the extra line late.
 */
static long long answer_task_id(const char *line)
{
    const char *k = line ? strstr(line, "\"task_id\"") : NULL;
    if (!k)
        return -1;
    k += 9;
    while (*k == ' ' || *k == '\t')
        k++;
    if (*k++ != ':')
        return -1;
    while (*k == ' ' || *k == '\t')
        k++;
    char *end;
    unsigned long long v = strtoull(k, &end, 10);
    return end == k ? -1 : (long long)v;
}

enum { T_ANSWERED, T_ENDED, T_TIMEOUT, T_OOM };

/*
 * Kill the program's group and read what its pipes still hold, for up to a
 * second (something it left behind may hold them), as exec reads a command
 * killed at its deadline: the task's log is complete.
 */
static void kill_and_drain(task_io *t)
{
    kill(-W.pid, SIGKILL);
    kill(W.pid, SIGKILL);
    struct pollfd pf[2] = {{W.out, POLLIN, 0}, {W.err, POLLIN, 0}};
    double until = hs_now_mono() + 1.0;
    while ((pf[0].fd >= 0 || pf[1].fd >= 0) && hs_now_mono() < until) {
        int n = poll(pf, 2, 100);
        for (int i = 0; i < 2 && n > 0; i++)
            if (pf[i].fd >= 0 && (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
                drain(t, pf[i].fd, i) == 0)
                pf[i].fd = -1;
    }
}

/*
 * Send the task to the program and wait for its answer, its end or the
 * deadline; what it wrote is in t and rd, its wait status in *status.
 */
static int exchange(const hs_exec *x, const hs_params *p, const hs_ctx *ctx, uint64_t id,
                    task_io *t, int *status)
{
    char *line = hs_exec_task_json(x, p, ctx, id, "");
    size_t len = line ? strlen(line) : 0;
    char *nl = line ? realloc(line, len + 2) : NULL;
    if (!nl) {
        free(line);
        return T_OOM;
    }
    line = nl;
    memcpy(line + len, "\n", 2);
    int timed_out = send_task(line, len + 1, ctx->deadline) != 0, reaped = 0;
    free(line);
    struct pollfd pf[3] = {{W.out, POLLIN, 0}, {W.err, POLLIN, 0}, {W.pidfd, POLLIN, 0}};
    double reaped_at = 0;
    while (!timed_out && !t->answered && !t->oom) {
        double now = hs_now_mono();
        if (ctx->deadline > 0 && now >= ctx->deadline && !reaped) {
            timed_out = 1;
            break;
        }
        /* It ended: what it wrote before is read for up to a second more
         * (something it left behind may hold the pipes), as exec does. */
        if (reaped && ((pf[0].fd < 0 && pf[1].fd < 0) || now - reaped_at > 1.0))
            break;
        int ms = pf[2].fd >= 0 || pf[0].fd >= 0 ? 100 : 1;
        if (ctx->deadline > 0 && !reaped && (ctx->deadline - now) * 1e3 < ms)
            ms = (int)((ctx->deadline - now) * 1e3) + 1;
        int n = poll(pf, 3, ms);
        for (int i = 0; i < 2 && n > 0; i++)
            if (pf[i].fd >= 0 && (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) &&
                drain(t, pf[i].fd, i) == 0)
                pf[i].fd = -1;
        if (t->answered)
            break;
        if (!reaped && waitpid(W.pid, status, WNOHANG) == W.pid) {
            reaped = 1;
            reaped_at = hs_now_mono();
            pf[2].fd = -1;
        }
    }
    if (t->oom) {
        warm_end(reaped);
        return T_OOM;
    }
    if (t->answered) {
        drain(t, W.err, 1); /* its stderr up to the answer, when poll saw only stdout */
        W.dirty = W.part_len > 0 || reaped;
        if (reaped)
            warm_end(1);
        return T_ANSWERED;
    }
    if (timed_out) {
        kill_and_drain(t);
        warm_end(0);
        return T_TIMEOUT;
    }
    /* It ended before it answered: an unfinished last line is still read, as exec reads one. */
    t->oom |= W.part_len && hs_exec_reader_feed(t->rd, W.part, W.part_len) != 0;
    warm_end(1);
    return t->oom ? T_OOM : T_ENDED;
}

void hs_exec_warm_run(const hs_exec *x, const hs_params *p, const hs_ctx *ctx, hs_out *out,
                      uint64_t id)
{
    if (W.owner != getpid()) {
        forget(); /* inherited from the process this one is a fork of: not ours */
        W.owner = getpid();
    }
    double t0 = hs_now_mono();
    hs_exec_log lg;
    char lwhy[256];
    if (hs_exec_log_open(x, id, &lg, lwhy, sizeof lwhy) != 0) {
        hs_out_status(out, HS_ST_FAILED, "%s", lwhy);
        return;
    }
    hs_exec_reader rd;
    task_io t;
    int status = 0, outcome = T_OOM;
    /* A program out of step gets one replacement: a fresh one cannot be. */
    for (int attempt = 0; attempt < 2; attempt++) {
        int gone = 0;
        if (W.pid != 0 && (W.x != x || idle_disturbed(&lg, &gone) || W.dirty))
            warm_end(gone);
        if (W.pid == 0 && warm_start(x, p, ctx, out, id) != 0) {
            hs_exec_log_close(&lg, NULL, 0);
            return;
        }
        rd = (hs_exec_reader){.x = x, .out = out};
        t = (task_io){.rd = &rd, .lg = &lg};
        outcome = exchange(x, p, ctx, id, &t, &status);
        long long said = outcome == T_ANSWERED ? answer_task_id(rd.last) : -1;
        if (said < 0 || (uint64_t)said == id || attempt == 1)
            break;
        hs_exec_reader_free(&rd);
        warm_end(0);
    }
    long long said = outcome == T_ANSWERED ? answer_task_id(rd.last) : -1;
    if (outcome == T_OOM) {
        hs_out_status(out, HS_ST_FAILED, "out of memory reading the command's output");
    } else if (said >= 0 && (uint64_t)said != id) {
        hs_out_status(out, HS_ST_FAILED, "a fresh program answered for task_id %lld, not %llu",
                      said, (unsigned long long)id);
        warm_end(0);
    } else {
        /* An answer is judged as the output of a command that exited 0. */
        hs_exec_judge_end(x, out, outcome == T_TIMEOUT, t0, outcome == T_ANSWERED ? 0 : status,
                          &t.out_tail, &t.err_tail, &rd);
        /* An answer that cannot be read: the next task gets a fresh program. */
        W.dirty |= outcome == T_ANSWERED && out->status == HS_ST_FAILED;
    }
    hs_exec_reader_free(&rd);
    /* A log that could not be written whole fails a task that was ok. */
    if (hs_exec_log_close(&lg, lwhy, sizeof lwhy) != 0 &&
        (out->status == HS_ST_PENDING || out->status == HS_ST_OK))
        hs_out_status(out, HS_ST_FAILED, "%s", lwhy);
}
