/*
 * hsweep status FILE: counts by status per sweep, what did not end ok, and
 * the command that resumes the file.  Exit 0; 1 if a row is damaged or the
 * file cannot be read; 2 for bad usage or input.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hsweep/config.h"
#include "hsweep/kernel.h"
#include "hsweep/store.h"
#include "hsweep/table.h"

void hs_cli_put_shell_word(const char *s)
{
    static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789_./+-=:,@%";
    if (*s && strspn(s, safe) == strlen(s)) {
        fputs(s, stdout);
        return;
    }
    putchar('\'');
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", stdout); /* close the quotes, an escaped quote, reopen */
        else
            putchar(*s);
    putchar('\'');
}

/* Nonzero if paths a and b name the same file (the same text, or the same real path). */
static int same_file(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    return strcmp(a, b) == 0 || (realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0);
}

/*
 * The command that continues `file`: hsweep run --resume with the sweep
 * file path recorded in it (relative to where that run started), and -o
 * unless `file` is where that sweep file writes by default.
 */
static void print_resume(const char *file, size_t remaining)
{
    char *path = NULL, *text = NULL;
    hs_sweepset *set = NULL;
    hs_err e;
    hs_load_opts lo = {.max_tasks = UINT64_MAX, .skip_checks = 1, .no_plugins = 1, .stored = 1};
    printf("%zu task(s) remain: ", remaining);
    if (hs_store_read_root_attr(file, "config_path", &path, &e) != 0 || !*path) {
        printf("hsweep run --resume SWEEP.cfg -o ");
        hs_cli_put_shell_word(file);
        printf("\n  (%s does not record the path of its sweep file)\n", file);
        free(path);
        return;
    }
    int parsed = hs_store_read_root_attr(file, "config_text", &text, &e) == 0 &&
                 hs_sweepset_parse(path, text, &lo, &set, &e) == 0;
    printf("hsweep run --resume %s", hs_store_is_reduced(file) ? "--reduced " : "");
    hs_cli_put_shell_word(path);
    if (!parsed || !same_file(file, set->output)) {
        printf(" -o ");
        hs_cli_put_shell_word(file);
    }
    printf("\n");
    if (access(path, R_OK) != 0)
        printf("  (the sweep file %s is not readable from this directory: run it where the sweep "
               "ran)\n",
               path);
    hs_sweepset_free(&set);
    free(path);
    free(text);
}

static const hs_cli_opt status_opts[] = {
    {"all", 256, NULL,
     "list every task that did not end ok (default: grouped by status\n"
     "and detail, with a few task ids each)"},
    {0},
};

const hs_cli_spec hs_cli_status = {
    "status", "FILE.h5",
    "Counts by status per sweep, and the tasks that did not end ok.\n"
    "Then the command that resumes the file.  Exit 0; 1 if a row is damaged or the\n"
    "file cannot be read.",
    status_opts};

/* The log files of row r of an exec sweep whose logs are in `logs` (NULL: none). */
static void print_logs(const hs_table *t, size_t r, const char *logs)
{
    char buf[64];
    if (logs)
        hs_cli_exec_task_logs(
            stdout, logs,
            strtoull(hs_table_text(t, r, hs_table_col(t, "task_id"), buf, sizeof buf), NULL, 10),
            "      ");
}

/* Every task of t that did not end ok, one a line, with its parameters and detail (and logs). */
static void print_all(const hs_table *t, const char *logs)
{
    int dc = hs_table_col(t, "detail");
    size_t shown = 0;
    for (size_t r = 0; r < t->n_rows; r++) {
        int s = hs_table_status(t, r);
        if (s == HS_ST_PENDING || s == HS_ST_OK || t->damage[r])
            continue;
        if (shown++ == 0)
            printf("  not ok:\n");
        char buf[512];
        printf("    task %s %-9s", hs_table_text(t, r, hs_table_col(t, "task_id"), buf, sizeof buf),
               hs_status_name(s));
        for (size_t a = 0; a < t->n_axes; a++) {
            int c = hs_table_col(t, t->axes[a]);
            if (c >= 0)
                printf(" %s=%s", t->axes[a], hs_table_text(t, r, c, buf, sizeof buf));
        }
        if (dc >= 0 && *hs_table_text(t, r, dc, buf, sizeof buf))
            printf("  (%s)", buf);
        printf("\n");
        print_logs(t, r, logs);
    }
}

/* One task (id and parameters) as status shows it: "7 (mode=segv x=7)". */
static void print_task(const hs_table *t, size_t r)
{
    char buf[512];
    printf("%s (", hs_table_text(t, r, hs_table_col(t, "task_id"), buf, sizeof buf));
    for (size_t a = 0; a < t->n_axes; a++) {
        int c = hs_table_col(t, t->axes[a]);
        if (c >= 0)
            printf("%s%s=%s", a ? " " : "", t->axes[a], hs_table_text(t, r, c, buf, sizeof buf));
    }
    printf(")");
}

/* Tasks that ended the same way: a status and a detail text. */
#define GROUPS_MAX 64
#define GROUP_IDS 5
typedef struct fail_group {
    int status;
    char detail[HS_DETAIL_LEN + 1];
    size_t n, rows[GROUP_IDS];
} fail_group;

/*
 * The tasks of t that did not end ok, grouped by status and detail: "45
 * tasks failed: <detail> — e.g. tasks 0 (x=1), 1, 2, 3, 4 ...".  The
 * first GROUPS_MAX groups are kept; tasks of later ones are counted together.
 */
static void print_groups(const hs_table *t, const char *logs)
{
    fail_group *g = calloc(GROUPS_MAX, sizeof *g);
    if (!g)
        return;
    size_t ng = 0, other = 0;
    int dc = hs_table_col(t, "detail");
    for (size_t r = 0; r < t->n_rows; r++) {
        int s = hs_table_status(t, r);
        if (s == HS_ST_PENDING || s == HS_ST_OK || t->damage[r])
            continue;
        char detail[HS_DETAIL_LEN + 1] = "";
        if (dc >= 0)
            hs_table_text(t, r, dc, detail, sizeof detail);
        size_t i = 0;
        while (i < ng && !(g[i].status == s && strcmp(g[i].detail, detail) == 0))
            i++;
        if (i == ng && ng == GROUPS_MAX) {
            other++;
            continue;
        }
        if (i == ng) {
            g[ng].status = s;
            snprintf(g[ng].detail, sizeof g[ng].detail, "%s", detail);
            ng++;
        }
        if (g[i].n < GROUP_IDS)
            g[i].rows[g[i].n] = r;
        g[i].n++;
    }
    if (ng)
        printf("  not ok:\n");
    for (size_t i = 0; i < ng; i++) {
        printf("    %zu task%s %s%s%s — %s%s", g[i].n, g[i].n > 1 ? "s" : "",
               hs_status_name(g[i].status), *g[i].detail ? ": " : "", g[i].detail,
               g[i].n > GROUP_IDS ? "e.g. " : "", g[i].n > 1 ? "tasks " : "task ");
        print_task(t, g[i].rows[0]);
        char buf[64];
        for (size_t j = 1; j < g[i].n && j < GROUP_IDS; j++)
            printf(", %s",
                   hs_table_text(t, g[i].rows[j], hs_table_col(t, "task_id"), buf, sizeof buf));
        printf("%s\n", g[i].n > GROUP_IDS ? " ..." : "");
        print_logs(t, g[i].rows[0], logs);
    }
    if (other)
        printf("    %zu more task(s) with other details (--all lists every one)\n", other);
    free(g);
}

int hs_cmd_status(int argc, char **argv)
{
    const char *file = NULL;
    int all = 0;
    hs_cli_parser p;
    hs_cli_begin(&p, &hs_cli_status, argc, argv);
    char *v;
    for (int k; (k = hs_cli_next(&p, &v)) != HS_CLI_END;) {
        if (k == HS_CLI_HELP || k == HS_CLI_ERROR)
            return k == HS_CLI_HELP ? 0 : 2;
        if (k == 256)
            all = 1;
        else if (file)
            return hs_cli_usage("status", "one results file only ('%s' and '%s')", file, v);
        else
            file = v;
    }
    if (!file)
        return hs_cli_usage("status", "needs a results file");
    char **names;
    size_t n;
    hs_err e;
    if (hs_table_list(file, &names, &n, &e) != 0)
        return hs_cli_fail(&e);
    int rc = 0;
    size_t remaining_all = 0, damaged_all = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        hs_table t;
        if (hs_table_read(file, names[i], &t, &e) != 0) {
            rc = hs_cli_fail(&e);
            break;
        }
        size_t count[HS_ST_COUNT + 1] = {0};
        for (size_t r = 0; r < t.n_rows; r++)
            count[t.damage[r] ? HS_ST_COUNT : hs_table_status(&t, r)]++;
        printf("sweep %s (kernel %s): %zu tasks, %zu done, %zu remaining\n", t.sweep, t.kernel,
               t.n_rows, t.n_rows - count[0] - count[HS_ST_COUNT], count[0]);
        remaining_all += count[0];
        for (int s = 0; s < HS_ST_COUNT; s++)
            if (count[s])
                printf("  %-10s %zu\n", hs_status_name(s), count[s]);
        if (t.n_damaged) {
            char ids[256];
            hs_table_damaged_ids(&t, ids, sizeof ids);
            printf(
                "  %zu damaged row%s: %s (bytes that do not match the row's checksum or a status "
                "byte out of range; hsweep run --resume --repair reruns them)\n",
                t.n_damaged, t.n_damaged > 1 ? "s" : "", ids);
            damaged_all += t.n_damaged;
        }
        char *logs = strcmp(t.kernel, "exec") == 0 ? hs_cli_exec_log_dir(file, &t) : NULL;
        if (strcmp(t.kernel, "exec") == 0) {
            hs_cli_exec_provenance(&t);
            printf("  logs: %s\n", logs ? logs : "(none kept)");
        }
        if (all)
            print_all(&t, logs);
        else
            print_groups(&t, logs);
        free(logs);
        hs_table_free(&t);
    }
    if (rc == 0 && remaining_all)
        print_resume(file, remaining_all);
    hs_table_list_free(names, n);
    return rc ? rc : damaged_all ? 1 : 0;
}
