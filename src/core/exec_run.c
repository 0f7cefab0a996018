/* A run's exec sweeps: log directories and provenance, decided on rank 0 (include/hsweep/exec_run.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsweep/exec_run.h"
#include "hsweep/table.h"

char *hs_exec_logs_default(const char *results)
{
    size_t n = strlen(results);
    if (n > 3 && strcmp(results + n - 3, ".h5") == 0)
        n -= 3;
    char *d = malloc(n + 6);
    if (d)
        snprintf(d, n + 6, "%.*s.logs", (int)n, results);
    return d;
}

/* Make directory dir (its parents as mkdir -p), refusing a link at dir itself; its real path. */
static char *make_base(const char *dir, hs_err *e)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) {
        HS_FAIL(e, HS_EINPUT, "log directory %.200s...: path too long", dir);
        return NULL;
    }
    for (char *c = buf + 1; *c; c++)
        if (*c == '/') {
            *c = 0;
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
                HS_FAIL(e, HS_EIO, "cannot create log directory %s: %s: %s", dir, buf,
                        strerror(errno));
                return NULL;
            }
            *c = '/';
        }
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        HS_FAIL(e, HS_EIO, "cannot create log directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        HS_FAIL(e, HS_EIO, "log directory %s: %s", dir,
                errno == ELOOP || errno == ENOTDIR ? "a symbolic link or not a directory: refused "
                                                     "(give --logs the directory it points to)"
                                                   : strerror(errno));
        return NULL;
    }
    close(fd);
    char *real = realpath(dir, NULL);
    if (!real)
        HS_FAIL(e, HS_EIO, "log directory %s: %s", dir, strerror(errno));
    return real;
}

/* On a resume: what the file records for sweep s (NULL if it cannot be read). */
static int read_stored(const char *results, const char *sweep, hs_table *t)
{
    hs_err e;
    char **names;
    size_t n;
    memset(t, 0, sizeof *t);
    if (hs_table_list(results, &names, &n, &e) != 0)
        return -1;
    hs_table_list_free(names, n);
    return hs_table_read(results, sweep, t, &e);
}

/* Rank 0, on a resume: say which scripts changed since the file was created. */
static void note_changes(const hs_sweep *s, const hs_table *t)
{
    const hs_exec_prov *p = hs_exec_prov_of(s->exec);
    if (!p)
        return;
    for (size_t i = 0; i < p->n_files; i++)
        for (size_t j = 0; j < t->n_exec_files; j++)
            if (strcmp(p->fields[2 * i], t->exec_files[j]) == 0 &&
                strcmp(p->fields[2 * i + 1], t->exec_files_sha256[j]) != 0)
                fprintf(stderr,
                        "hsweep: sweep %s: %s changed since the results file was created "
                        "(SHA-256 %.12s... there, %.12s... now): the tasks run now use the new "
                        "version; the file keeps the old provenance\n",
                        s->name, t->exec_files[j], t->exec_files_sha256[j], p->fields[2 * i + 1]);
    if (*t->exec_git_describe && strcmp(t->exec_git_describe, p->git_describe) != 0)
        fprintf(stderr,
                "hsweep: sweep %s: git describe was %s when the results file was created, "
                "is %s now\n",
                s->name, t->exec_git_describe, *p->git_describe ? p->git_describe : "(none)");
}

/* Rank 0: sweep s's log base and provenance as one blob (base, NUL, provenance fields). */
static int decide(const hs_sweep *s, const char *results, const char *logs, int no_logs, int resume,
                  char **out, size_t *len, hs_err *e)
{
    hs_table t;
    int stored = resume && read_stored(results, s->name, &t) == 0;
    const char *want = logs ? logs : no_logs ? NULL : stored && *t.exec_logs ? t.exec_logs : NULL;
    char *dflt = !want && !no_logs ? hs_exec_logs_default(results) : NULL;
    char *base = NULL, *prov = NULL;
    size_t plen = 0;
    int rc = 0;
    if (!want && !no_logs && !dflt)
        rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
    if (rc == 0 && (want || dflt) && !(base = make_base(want ? want : dflt, e)))
        rc = e->code ? e->code : HS_EIO;
    if (rc == 0 && hs_exec_prov_compute(s->exec, &prov, &plen) != 0)
        rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
    if (rc == 0) {
        size_t bl = base ? strlen(base) : 0;
        *out = malloc(bl + 1 + plen);
        if (!*out) {
            rc = HS_FAIL(e, HS_ENOMEM, "out of memory");
        } else {
            memcpy(*out, base ? base : "", bl + 1);
            memcpy(*out + bl + 1, prov, plen);
            *len = bl + 1 + plen;
        }
    }
    if (rc == 0 && stored) {
        hs_exec *x = s->exec; /* the provenance now, for the comparison */
        if (hs_exec_prov_set(x, prov, plen) == 0)
            note_changes(s, &t);
    }
    if (stored)
        hs_table_free(&t);
    free(dflt);
    free(base);
    free(prov);
    return rc;
}

int hs_exec_run_setup(hs_sweepset *set, const char *results, const char *logs, int no_logs,
                      int resume, MPI_Comm comm, hs_err *e)
{
    int rank;
    HS_MPI_CALL(e, MPI_Comm_rank(comm, &rank));
    for (size_t i = 0; i < set->n_sweeps; i++) {
        hs_sweep *s = &set->sweeps[i];
        if (!s->exec)
            continue;
        char *blob = NULL;
        size_t len = 0;
        int rc = rank == 0 ? decide(s, results, logs, no_logs, resume, &blob, &len, e) : 0;
        long long n[2] = {rc, (long long)len};
        if (HS_MPI_CHECK(e, MPI_Bcast(n, 2, MPI_LONG_LONG, 0, comm))) {
            free(blob);
            return HS_EMPI;
        }
        if (n[0]) {
            free(blob);
            HS_MPI_CALL(e, MPI_Bcast(e->msg, sizeof e->msg, MPI_CHAR, 0, comm));
            e->code = (int)n[0];
            return (int)n[0];
        }
        if (rank != 0 && !(blob = malloc((size_t)n[1])))
            rc = HS_ENOMEM;
        int all = 0;
        if (HS_MPI_CHECK(e, MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MIN, comm))) {
            free(blob);
            return HS_EMPI;
        }
        if (all) {
            free(blob);
            return HS_FAIL(e, HS_ENOMEM, "out of memory");
        }
        if (HS_MPI_CHECK(e, MPI_Bcast(blob, (int)n[1], MPI_CHAR, 0, comm))) {
            free(blob);
            return HS_EMPI;
        }
        size_t bl = strlen(blob);
        rc = hs_exec_set_logs(s->exec, blob);
        if (rc == 0)
            rc = hs_exec_prov_set(s->exec, blob + bl + 1, (size_t)n[1] - bl - 1);
        free(blob);
        HS_MPI_CALL(e, MPI_Allreduce(MPI_IN_PLACE, &rc, 1, MPI_INT, MPI_MIN, comm));
        if (rc)
            return HS_FAIL(e, rc, "out of memory");
    }
    return 0;
}
