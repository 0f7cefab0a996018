/* What status and task --from show of an exec sweep: its provenance and its tasks' log files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "hsweep/exec_run.h"
#include "hsweep/table.h"

char *hs_cli_exec_log_dir(const char *file, const hs_table *t)
{
    struct stat sb;
    char *base =
        t->exec_logs && *t->exec_logs && stat(t->exec_logs, &sb) == 0 ? strdup(t->exec_logs) : NULL;
    if (!base && (base = hs_exec_logs_default(file)) && stat(base, &sb) != 0) {
        free(base);
        return NULL;
    }
    size_t n = base ? strlen(base) + strlen(t->sweep) + 2 : 0;
    char *dir = base ? malloc(n) : NULL;
    if (dir)
        snprintf(dir, n, "%s/%s", base, t->sweep);
    free(base);
    if (dir && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))) {
        free(dir);
        return NULL;
    }
    return dir;
}

void hs_cli_exec_provenance(const hs_table *t)
{
    printf("  provenance: git %s%s",
           *t->exec_git_describe ? t->exec_git_describe : "(not a git work tree)",
           strcmp(t->exec_git_dirty, "true") == 0 ? " (uncommitted changes)" : "");
    if (*t->exec_interpreter)
        printf("; %s: %s", t->exec_interpreter, t->exec_interpreter_version);
    printf("\n");
    for (size_t i = 0; i < t->n_exec_files; i++)
        printf("    %s  sha256 %s\n", t->exec_files[i], t->exec_files_sha256[i]);
}

/* Size of dir/name, or -1. */
static long long file_size(const char *dir, const char *name)
{
    char path[4200];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

void hs_cli_exec_task_logs(FILE *f, const char *dir, unsigned long long id, const char *indent)
{
    char out[64], err[64], old[80];
    snprintf(out, sizeof out, "%llu.out", id);
    snprintf(err, sizeof err, "%llu.err", id);
    long long so = file_size(dir, out), se = file_size(dir, err);
    if (so < 0 && se < 0)
        return;
    unsigned earlier = 0;
    for (;; earlier++) {
        snprintf(old, sizeof old, "%s.%u", out, earlier + 1);
        if (file_size(dir, old) < 0)
            break;
    }
    fprintf(f, "%slogs: %s/%s (%lld bytes), %s (%lld bytes)", indent, dir, out, so, err, se);
    if (earlier)
        fprintf(f, "; %u earlier attempt%s: .out.1%s", earlier, earlier > 1 ? "s" : "",
                earlier > 1 ? " ..." : "");
    fprintf(f, "\n");
}

void hs_cli_exec_tail(FILE *f, const char *dir, unsigned long long id, const char *ext, int lines)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%llu.%s", dir, id, ext);
    FILE *in = fopen(path, "rb");
    if (!in)
        return;
    /* the last `lines` lines of at most the last 64 KiB */
    static char buf[65536];
    fseek(in, 0, SEEK_END);
    long size = ftell(in), from = size > (long)sizeof buf - 1 ? size - (long)sizeof buf + 1 : 0;
    fseek(in, from, SEEK_SET);
    size_t n = fread(buf, 1, sizeof buf - 1, in);
    fclose(in);
    buf[n] = 0;
    while (n && buf[n - 1] == '\n')
        buf[--n] = 0;
    size_t start = n;
    for (int k = 0; start > 0 && k < lines; start--)
        if (buf[start - 1] == '\n' && ++k == lines)
            break;
    if (!n)
        return;
    fprintf(f, "--- the end of %s ---\n%s\n", path, buf + start);
}
