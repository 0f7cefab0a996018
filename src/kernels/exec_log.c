/*
 * Per-task logs of an exec sweep: the command's whole standard output and
 * error in <log_base>/<sweep>/<task_id>.out and .err.  The two directories
 * hsweep makes are never entered through a symbolic link and the files are
 * created exclusively (O_EXCL | O_NOFOLLOW), as the results file is: a link
 * planted there is refused, not followed.  An earlier attempt's files (a
 * retry, a --resume that reruns the task) are renamed to <id>.out.N and
 * <id>.err.N, N = 1, 2, ... in the order they ran, so <id>.out is always the
 * latest attempt and nothing is overwritten.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_impl.h"

int hs_exec_set_logs(hs_exec *x, const char *base)
{
    char *b = base && *base ? strdup(base) : NULL;
    if (base && *base && !b)
        return HS_ENOMEM;
    free(x->log_base);
    x->log_base = b;
    return 0;
}

const char *hs_exec_logs(const hs_exec *x) { return x->log_base; }

/* Make directory `name` under dirfd (AT_FDCWD: a path) and open it without following a link. */
static int open_dir(int dirfd, const char *name, const char *shown, char *why, size_t cap)
{
    if (mkdirat(dirfd, name, 0777) != 0 && errno != EEXIST) {
        snprintf(why, cap, "cannot create log directory %.160s: %s", shown, strerror(errno));
        return -1;
    }
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        snprintf(why, cap, "log directory %.160s: %s", shown,
                 errno == ELOOP || errno == ENOTDIR ? "a symbolic link or not a directory: refused"
                                                    : strerror(errno));
    return fd;
}

/* The parents of path, made as mkdir -p does (they may be links: the user's own layout). */
static int make_parents(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    for (char *c = buf + 1; *c; c++)
        if (*c == '/') {
            *c = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return -1;
            *c = '/';
        }
    return 0;
}

int hs_exec_log_open(const hs_exec *x, uint64_t id, hs_exec_log *lg, char *why, size_t cap)
{
    *lg = (hs_exec_log){{-1, -1}, 0, ""};
    if (!x->log_base)
        return 0;
    char shown[4200];
    snprintf(shown, sizeof shown, "%s/%s", x->log_base, x->sweep);
    if (make_parents(x->log_base) != 0) {
        snprintf(why, cap, "cannot create the parents of log directory %.150s: %s", x->log_base,
                 strerror(errno));
        return -1;
    }
    int base = open_dir(AT_FDCWD, x->log_base, x->log_base, why, cap);
    int dir = base >= 0 ? open_dir(base, x->sweep, shown, why, cap) : -1;
    if (base >= 0)
        close(base);
    if (dir < 0)
        return -1;
    static const char *const ext[2] = {"out", "err"};
    char name[2][64], old[160];
    for (int s = 0; s < 2; s++)
        snprintf(name[s], sizeof name[s], "%llu.%s", (unsigned long long)id, ext[s]);
    struct stat sb;
    int rc = 0;
    if (fstatat(dir, name[0], &sb, AT_SYMLINK_NOFOLLOW) == 0 ||
        fstatat(dir, name[1], &sb, AT_SYMLINK_NOFOLLOW) == 0) {
        /* The lowest N free for both streams: .out.N and .err.N stay a pair. */
        unsigned n = 1;
        for (;; n++) {
            int taken = 0;
            for (int s = 0; s < 2 && !taken; s++) {
                snprintf(old, sizeof old, "%s.%u", name[s], n);
                taken = fstatat(dir, old, &sb, AT_SYMLINK_NOFOLLOW) == 0;
            }
            if (!taken)
                break;
        }
        for (int s = 0; s < 2 && rc == 0; s++) {
            snprintf(old, sizeof old, "%s.%u", name[s], n);
            if (renameat2(dir, name[s], dir, old, RENAME_NOREPLACE) != 0 && errno != ENOENT) {
                snprintf(why, cap, "cannot keep the earlier log %.150s/%s as %s: %s", shown,
                         name[s], old, strerror(errno));
                rc = -1;
            }
        }
    }
    for (int s = 0; s < 2 && rc == 0; s++) {
        lg->fd[s] =
            openat(dir, name[s], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (lg->fd[s] < 0) {
            snprintf(why, cap, "cannot create log file %.150s/%s: %s", shown, name[s],
                     strerror(errno));
            rc = -1;
        }
    }
    close(dir);
    if (rc) {
        hs_exec_log_close(lg, NULL, 0);
        return -1;
    }
    snprintf(lg->dir, sizeof lg->dir, "%.*s", (int)sizeof lg->dir - 1, shown);
    return 0;
}

void hs_exec_log_write(hs_exec_log *lg, int stream, const char *buf, size_t n)
{
    int fd = lg->fd[stream];
    while (fd >= 0 && n > 0 && !lg->err) {
        ssize_t w = write(fd, buf, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            lg->err = w < 0 ? errno : ENOSPC;
            break;
        }
        buf += w;
        n -= (size_t)w;
    }
}

int hs_exec_log_close(hs_exec_log *lg, char *why, size_t cap)
{
    for (int s = 0; s < 2; s++)
        if (lg->fd[s] >= 0) {
            if (close(lg->fd[s]) != 0 && !lg->err && errno != EINTR)
                lg->err = errno;
            lg->fd[s] = -1;
        }
    if (lg->err && why)
        snprintf(why, cap, "the task's log in %.150s is incomplete: %s", lg->dir,
                 strerror(lg->err));
    return lg->err ? -1 : 0;
}
