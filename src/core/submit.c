/* Slurm submission helpers: estimates, time strings, template rendering. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hsweep/submit.h"

void hs_estimate_sweepset(const hs_sweepset *set, hs_estimate *est)
{
    memset(est, 0, sizeof *est);
    for (size_t i = 0; i < set->n_sweeps; i++) {
        const hs_sweep *s = &set->sweeps[i];
        const hs_kernel *k = s->kernel;
        est->n_tasks += s->n_tasks;
        hs_value *v = calloc(k->n_params + 1, sizeof *v);
        /* Seeds do not enter the cost hint: one evaluation per parameter set. */
        for (uint64_t id = 0; v && id < s->n_tasks; id += s->n_seeds) {
            int64_t seed;
            uint64_t rs;
            hs_sweep_task(s, id, v, &seed, &rs);
            hs_params p = {k, v};
            double c = k->cost ? k->cost(&p) : 1e-3;
            est->core_s += c * (double)s->n_seeds * s->ranks_per_task;
            if (c > est->max_task_s)
                est->max_task_s = c;
        }
        free(v);
    }
}

double hs_estimate_wall_s(const hs_estimate *est, int nodes, int ntasks_per_node)
{
    long ranks = (long)nodes * ntasks_per_node;
    long workers = ranks > 1 ? ranks - 1 : 1;
    double wall = est->core_s / (double)workers;
    return wall > est->max_task_s ? wall : est->max_task_s;
}

/* Parse 1 to `max` unsigned decimal fields separated by ':' into f[]; return their count or -1. */
static int colon_fields(const char *s, long *f, int max)
{
    int n = 0;
    while (n < max) {
        if (!isdigit((unsigned char)*s))
            return -1;
        char *end;
        f[n++] = strtol(s, &end, 10);
        if (f[n - 1] > 10000000L)
            return -1;
        s = end;
        if (*s == '\0')
            return n;
        if (*s != ':')
            return -1;
        s++;
    }
    return -1;
}

int hs_slurm_time_parse(const char *s, long *seconds, hs_err *e)
{
    /* Formats from sbatch(1), --time. */
    long f[3], days = 0, t = -1;
    const char *dash = strchr(s, '-');
    if (dash) {
        char *end;
        if (!isdigit((unsigned char)*s) || (days = strtol(s, &end, 10), end != dash) ||
            days > 100000)
            t = -1;
        else {
            int n = colon_fields(dash + 1, f, 3);
            t = n == 1   ? f[0] * 3600
                : n == 2 ? f[0] * 3600 + f[1] * 60
                : n == 3 ? f[0] * 3600 + f[1] * 60 + f[2]
                         : -1;
        }
    } else {
        int n = colon_fields(s, f, 3);
        t = n == 1   ? f[0] * 60
            : n == 2 ? f[0] * 60 + f[1]
            : n == 3 ? f[0] * 3600 + f[1] * 60 + f[2]
                     : -1;
    }
    if (t < 0)
        return HS_FAIL(
            e, HS_EINPUT,
            "bad time limit '%s': use minutes, M:S, H:M:S, D-H, D-H:M or D-H:M:S (Slurm's --time)",
            s);
    t += days * 86400;
    if (t <= 0)
        return HS_FAIL(e, HS_EINPUT, "time limit '%s' must be positive", s);
    *seconds = t;
    return 0;
}

void hs_slurm_time_format(long sec, char *buf, size_t cap)
{
    long d = sec / 86400, h = sec / 3600 % 24, m = sec / 60 % 60, s = sec % 60;
    if (d)
        snprintf(buf, cap, "%ld-%02ld:%02ld:%02ld", d, h, m, s);
    else
        snprintf(buf, cap, "%02ld:%02ld:%02ld", h, m, s);
}

/* Append n bytes of s to the growing buffer. */
static int put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = (*cap ? *cap : 256);
        while (*len + n + 1 > c)
            c *= 2;
        char *b = realloc(*buf, c);
        if (!b)
            return -1;
        *buf = b;
        *cap = c;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

static int puts_(char **buf, size_t *len, size_t *cap, const char *s)
{
    return put(buf, len, cap, s, strlen(s));
}

int hs_shell_quote(const char *s, char **buf, size_t *len, size_t *cap)
{
    /* Inside single quotes nothing is special but the quote itself, which is
     * closed, escaped and reopened: ' -> '\'' (POSIX.1-2017 XCU 2.2.2). */
    int rc = put(buf, len, cap, "'", 1);
    for (const char *p = s; rc == 0 && *p; p++)
        rc = *p == '\'' ? put(buf, len, cap, "'\\''", 4) : put(buf, len, cap, p, 1);
    return rc ? rc : put(buf, len, cap, "'", 1);
}

/* An #SBATCH value: double-quoted; sbatch honours backslash escapes inside
 * (src/sbatch/opt.c, _get_argument), so " and \ are escaped.  An unquoted
 * '#' or blank would end the value, hence the quotes. */
static int sbatch_quote(const char *s, char **buf, size_t *len, size_t *cap)
{
    int rc = put(buf, len, cap, "\"", 1);
    for (const char *p = s; rc == 0 && *p; p++) {
        if (*p == '"' || *p == '\\')
            rc = put(buf, len, cap, "\\", 1);
        if (rc == 0)
            rc = put(buf, len, cap, p, 1);
    }
    return rc ? rc : put(buf, len, cap, "\"", 1);
}

/* If line is "#SBATCH --KEY[=...]" return KEY's length and set *key; else 0. */
static size_t sbatch_key(const char *line, size_t n, const char **key)
{
    static const char tag[] = "#SBATCH --";
    if (n < sizeof tag || strncmp(line, tag, sizeof tag - 1) != 0)
        return 0;
    const char *k = line + sizeof tag - 1;
    size_t m = 0;
    while (k + m < line + n && (isalnum((unsigned char)k[m]) || k[m] == '-' || k[m] == '_'))
        m++;
    *key = k;
    return m;
}

static int put_sbatch(char **buf, size_t *len, size_t *cap, const hs_kv *kv)
{
    int rc = puts_(buf, len, cap, "#SBATCH --");
    rc = rc ? rc : puts_(buf, len, cap, kv->key);
    if (kv->value && rc == 0) {
        rc = put(buf, len, cap, "=", 1);
        rc = rc ? rc : sbatch_quote(kv->value, buf, len, cap);
    }
    return rc ? rc : put(buf, len, cap, "\n", 1);
}

int hs_submit_render(const char *tmpl, const char *tmpl_name, const hs_kv *sbatch, size_t n_sbatch,
                     const hs_kv *settings, size_t n_settings, char **out, hs_err *e)
{
    static const char open_tag[] = "# >>> hsweep settings", close_tag[] = "# <<< hsweep settings";
    for (size_t i = 0; i < n_sbatch; i++)
        if (sbatch[i].value && strchr(sbatch[i].value, '\n'))
            return HS_FAIL(e, HS_EINPUT,
                           "the value of --%s holds a newline, which an #SBATCH line cannot",
                           sbatch[i].key);
    const char *last_sbatch = NULL, *block = NULL, *block_end = NULL;
    for (const char *l = tmpl; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
        const char *k;
        size_t n = strcspn(l, "\n");
        if (sbatch_key(l, n, &k))
            last_sbatch = l + n + (l[n] == '\n');
        if (!block && strncmp(l, open_tag, sizeof open_tag - 1) == 0)
            block = l;
        else if (block && !block_end && strncmp(l, close_tag, sizeof close_tag - 1) == 0)
            block_end = l;
    }
    if (!block || !block_end)
        return HS_FAIL(e, HS_EINPUT, "template %s has no '%s' ... '%s' block", tmpl_name, open_tag,
                       close_tag);
    if (!last_sbatch || last_sbatch > block)
        return HS_FAIL(e, HS_EINPUT,
                       "template %s: its #SBATCH lines must come before the settings block",
                       tmpl_name);

    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0; /* nonzero: out of memory */
    unsigned char *sb_seen = calloc(n_sbatch + 1, 1), *set_seen = calloc(n_settings + 1, 1);
    if (!sb_seen || !set_seen)
        rc = -1;
    for (const char *l = tmpl; rc == 0 && *l;) {
        size_t n = strcspn(l, "\n"), nl = n + (l[n] == '\n');
        const char *k;
        size_t kn = sbatch_key(l, n, &k);
        int done = 0;
        for (size_t i = 0; kn && i < n_sbatch && !done; i++)
            if (strlen(sbatch[i].key) == kn && strncmp(k, sbatch[i].key, kn) == 0) {
                rc = sb_seen[i] ? 0 : put_sbatch(&buf, &len, &cap, &sbatch[i]);
                sb_seen[i] = 1;
                done = 1;
            }
        for (size_t i = 0; l > block && l < block_end && i < n_settings && !done; i++) {
            size_t m = strlen(settings[i].key);
            if (n > m && strncmp(l, settings[i].key, m) == 0 && l[m] == '=') {
                rc = put(&buf, &len, &cap, l, m + 1);
                rc = rc ? rc : hs_shell_quote(settings[i].value, &buf, &len, &cap);
                rc = rc ? rc : put(&buf, &len, &cap, "\n", 1);
                set_seen[i] = 1;
                done = 1;
            }
        }
        if (!done)
            rc = put(&buf, &len, &cap, l, nl);
        if (l + nl == last_sbatch)
            for (size_t i = 0; rc == 0 && i < n_sbatch; i++)
                if (!sb_seen[i]) {
                    rc = put_sbatch(&buf, &len, &cap, &sbatch[i]);
                    sb_seen[i] = 1;
                }
        l += nl;
    }
    if (rc)
        rc = HS_FAIL(e, HS_ENOMEM, "out of memory rendering %s", tmpl_name);
    for (size_t i = 0; rc == 0 && i < n_settings; i++)
        if (!set_seen[i])
            rc = HS_FAIL(e, HS_EINPUT, "template %s does not set %s in its settings block",
                         tmpl_name, settings[i].key);
    free(sb_seen);
    free(set_seen);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    return 0;
}

int hs_submit_check_text(const char *opt, const char *s, hs_err *e)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return HS_FAIL(
                e, HS_EINPUT, "%s: the value holds a control character (byte 0x%02x at %zu%s)", opt,
                *p, (size_t)(p - (const unsigned char *)s), *p == '\n' ? ", a newline" : "");
    return 0;
}

int hs_submit_check_chars(const char *opt, const char *s, const char *extra, const char *what,
                          hs_err *e)
{
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr(extra, *p))
            return HS_FAIL(e, HS_EINPUT, "%s takes %s, got '%s'", opt, what, s);
    return *s ? 0 : HS_FAIL(e, HS_EINPUT, "%s takes %s, got an empty value", opt, what);
}

int hs_submit_check_size(const char *opt, const char *s, hs_err *e)
{
    /* sbatch(1), --mem: "Default units are megabytes. Different units can be
     * specified using the suffix [K|M|G|T]." */
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n > 15 || (s[n] && (!strchr("KMGTkmgt", s[n]) || s[n + 1])))
        return HS_FAIL(e, HS_EINPUT,
                       "%s takes a size: a whole number of megabytes, or with K, M, G or T "
                       "(e.g. 4G), got '%s'",
                       opt, s);
    return 0;
}

int hs_submit_check_mail_type(const char *s, hs_err *e)
{
    /* sbatch(1), --mail-type. */
    static const char *const types[] = {
        "NONE",          "BEGIN",          "END",        "FAIL",       "REQUEUE",
        "ALL",           "INVALID_DEPEND", "STAGE_OUT",  "TIME_LIMIT", "TIME_LIMIT_90",
        "TIME_LIMIT_80", "TIME_LIMIT_50",  "ARRAY_TASKS"};
    const char *p = s;
    do {
        size_t n = strcspn(p, ","), i = 0;
        while (i < sizeof types / sizeof types[0] &&
               (strlen(types[i]) != n || strncasecmp(p, types[i], n) != 0))
            i++;
        if (i == sizeof types / sizeof types[0])
            return HS_FAIL(
                e, HS_EINPUT,
                "--mail-type: '%.*s' is not one of NONE, BEGIN, END, FAIL, REQUEUE, "
                "ALL, INVALID_DEPEND, STAGE_OUT, TIME_LIMIT, TIME_LIMIT_90, TIME_LIMIT_80, "
                "TIME_LIMIT_50, ARRAY_TASKS (comma-separated)",
                (int)n, p);
        p += n;
    } while (*p++ == ',');
    return 0;
}

int hs_submit_sbatch_arg(char *arg, hs_kv *kv, hs_err *e)
{
    /* Keys submit writes (or checks) itself, and the option that sets each. */
    static const char *const own[][2] = {{"job-name", "(named after the sweep file)"},
                                         {"output", "-o (the log goes beside the results)"},
                                         {"nodes", "--nodes"},
                                         {"ntasks-per-node", "--ntasks-per-node"},
                                         {"time", "--time"},
                                         {"signal", "--signal-offset"},
                                         {"partition", "--partition"},
                                         {"account", "--account"},
                                         {"qos", "--qos"},
                                         {"constraint", "--constraint"},
                                         {"cpus-per-task", "--cpus-per-task"},
                                         {"mem", "--mem"},
                                         {"mem-per-cpu", "--mem-per-cpu"},
                                         {"gres", "--gres"},
                                         {"gpus-per-task", "--gpus-per-task"},
                                         {"mail-type", "--mail-type"},
                                         {"mail-user", "--mail-user"},
                                         {"dependency", "(submit sets it for the collate job)"},
                                         {"parsable", "(submit passes it)"}};
    HS_CALL(hs_submit_check_text("--sbatch-arg", arg, e));
    char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
    size_t k = n > 2 ? strspn(arg + 2, "abcdefghijklmnopqrstuvwxyz0123456789-") : 0;
    if (strncmp(arg, "--", 2) != 0 || n < 3 || k != n - 2 || arg[2] == '-')
        return HS_FAIL(e, HS_EINPUT,
                       "--sbatch-arg takes one sbatch option in its long form, --KEY or "
                       "--KEY=VALUE (e.g. --sbatch-arg=--exclusive), got '%s'",
                       arg);
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strlen(own[i][0]) == n - 2 && strncmp(arg + 2, own[i][0], n - 2) == 0)
            return HS_FAIL(e, HS_EINPUT, "--sbatch-arg %s: hsweep submit sets --%s itself; use %s",
                           arg, own[i][0], own[i][1]);
    if (eq)
        *eq = '\0';
    kv->key = arg + 2;
    kv->value = eq ? eq + 1 : NULL;
    return 0;
}

int hs_submit_setup_add(char **buf, const char *text, size_t n, int one_line, const char *origin,
                        hs_err *e)
{
    size_t line = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n' && one_line)
            return HS_FAIL(e, HS_EINPUT, "%s: one line per --setup (give several, or --setup-file)",
                           origin);
        if (c == '\n')
            line++;
        else if (c == '\0' || c == '\r' || c == 0x7f || (c < 0x20 && c != '\t'))
            return HS_FAIL(e, HS_EINPUT, "%s:%zu: %s", origin, line,
                           c == '\r'   ? "a carriage return (DOS line ends: convert with dos2unix)"
                           : c == '\0' ? "a NUL byte (not a text file)"
                                       : "a control character");
    }
    while (n > 0 && text[n - 1] == '\n')
        n--;
    size_t len = *buf ? strlen(*buf) : 0, cap = *buf ? len + 1 : 0;
    int rc = len ? put(buf, &len, &cap, "\n", 1) : 0;
    rc = rc ? rc : put(buf, &len, &cap, text, n);
    return rc ? HS_FAIL(e, HS_ENOMEM, "out of memory") : 0;
}
