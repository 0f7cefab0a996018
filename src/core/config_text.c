/*
 * The sweep file's text before libconfig reads it: the file itself, its
 * @include lines resolved (errors point into the included files), literals
 * libconfig would read other than written, arrays of mixed integers and
 * reals, and libconfig's bare "syntax error" explained.  Then libconfig
 * reads it and config.c validates the tree.
 */
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/config_impl.h"

/*
 * libconfig 1.5 silently wraps integer literals that do not fit (3000000000
 * reads as -1294967296; 99999999999999999999 as -1).  Scan the text first:
 * a plain integer must fit in 32 bits, one with an L suffix in 64.
 */
static int digits_exceed(const char *d, size_t n, const char *limit)
{
    while (n > 1 && *d == '0') {
        d++;
        n--;
    }
    size_t ln = strlen(limit);
    return n != ln ? n > ln : strncmp(d, limit, n) > 0;
}

/* The key of "key = ..." or "key: ..." before q on q's line into buf ("" if none). */
static void key_before(const char *t, const char *q, char *buf, size_t cap)
{
    const char *s = q, *eq = NULL;
    while (s > t && s[-1] != '\n')
        s--;
    for (const char *r = s; r < q; r++)
        if (*r == '=' || *r == ':')
            eq = r;
    const char *end = eq ? eq : s;
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    const char *b = end;
    while (b > s && (isalnum((unsigned char)b[-1]) || b[-1] == '_' || b[-1] == '-' || b[-1] == '*'))
        b--;
    snprintf(buf, cap, "%.*s", (int)(end - b), b);
}

/* Past blanks and comments from p, counting newlines into *line. */
static const char *skip_blank(const char *p, int *line)
{
    for (;;) {
        if (*p == '\n') {
            (*line)++;
            p++;
        } else if (isspace((unsigned char)*p)) {
            p++;
        } else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            for (p += 2; *p && !(p[0] == '*' && p[1] == '/'); p++)
                *line += *p == '\n';
            p += *p ? 2 : 0;
        } else {
            return p;
        }
    }
}

/*
 * Literals libconfig would read other than written: integers that do not fit
 * their width (libconfig wraps them) and a "\x00" escape in a string (libconfig
 * ends the string there, silently dropping the rest).  HS_EINPUT naming the
 * file, line and key.
 */
static int check_literals(const char *path, const char *t, hs_err *e)
{
    int line = 1;
    for (const char *p = t; *p;) {
        const char *b = skip_blank(p, &line);
        if (b != p) {
            p = b;
        } else if (*p == '"') {
            const char *q = p;
            for (p++; *p && *p != '"'; p++) {
                if (p[0] == '\\' && (p[1] == 'x' || p[1] == 'X') && p[2] == '0' && p[3] == '0') {
                    char key[64];
                    key_before(t, q, key, sizeof key);
                    return HS_FAIL(e, HS_EINPUT,
                                   "%s:%d: %s%s%sa string contains a NUL byte (\\x00), which "
                                   "strings cannot hold",
                                   path, line, *key ? "key '" : "", key, *key ? "': " : "");
                }
                if (*p == '\\' && p[1])
                    p++;
                line += *p == '\n';
            }
            p += *p ? 1 : 0;
        } else if (*p >= '0' && *p <= '9' &&
                   (p == t || !(isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '.'))) {
            int neg = p > t && p[-1] == '-';
            const char *d = p;
            int hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X');
            if (hex)
                d = p += 2;
            while (hex ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p))
                p++;
            size_t n = (size_t)(p - d);
            if (!hex && (*p == '.' || *p == 'e' || *p == 'E')) {
                while (isdigit((unsigned char)*p) || *p == '.' || *p == 'e' || *p == 'E' ||
                       ((*p == '+' || *p == '-') && (p[-1] == 'e' || p[-1] == 'E')))
                    p++;
                continue;
            }
            int wide = *p == 'L';
            const char *lim = hex    ? (wide ? "7fffffffffffffff" : "ffffffff")
                              : wide ? (neg ? "9223372036854775808" : "9223372036854775807")
                                     : (neg ? "2147483648" : "2147483647");
            int bad = hex ? (n > strlen(lim) || (n == strlen(lim) && strncasecmp(d, lim, n) > 0))
                          : digits_exceed(d, n, lim);
            if (bad)
                return HS_FAIL(
                    e, HS_EINPUT, "%s:%d: integer %s%.*s%s does not fit in %d bits%s", path, line,
                    neg ? "-" : "", (int)(n > 40 ? 40 : n), d, n > 40 ? "..." : "", wide ? 64 : 32,
                    wide
                        ? ""
                        : "; write it with an L suffix (e.g. 3000000000L), or as a real number (3e9)");
            while (*p == 'L')
                p++;
        } else {
            p++;
        }
    }
    return 0;
}

/* The whole text of the sweep file at path (at most 64 MiB, no NUL bytes) into
 * *text (malloc'd); HS_EINPUT / HS_EIO naming the file otherwise. */
static int read_text(const char *path, char **text, hs_err *e)
{
    *text = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return HS_FAIL(e, HS_EINPUT, "%s: cannot open sweep file: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 8192;
            if (cap > (size_t)64 << 20) {
                free(buf);
                fclose(f);
                return HS_FAIL(e, HS_EINPUT, "%s: sweep file larger than 64 MiB", path);
            }
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return HS_FAIL(e, HS_ENOMEM, "out of memory");
            }
            buf = nb;
        }
        size_t r = fread(buf + len, 1, 4096, f);
        len += r;
        if (r < 4096)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return HS_FAIL(e, HS_EIO, "%s: read error", path);
    }
    buf[len] = 0;
    if (memchr(buf, 0, len)) {
        free(buf);
        return HS_FAIL(e, HS_EINPUT, "%s:1: not a text file (contains NUL bytes)", path);
    }
    *text = buf;
    return 0;
}

/* A growing text buffer; at most 64 MiB, as a sweep file.  `lines` counts
 * its newlines; `seg` maps its lines back to the files they came from: lines
 * from seg[i].out on are lines seg[i].line, seg[i].line + 1, ... of seg[i].name. */
typedef struct textbuf {
    char *p;
    size_t len, cap;
    int lines;
    size_t n_seg, cap_seg;
    struct srcseg {
        int out, line;
        const char *name;
    } * seg;
    char **names; /* owned copies of the names, one per expanded file (n_seg at most) */
    size_t n_names;
} textbuf;

static void textbuf_free(textbuf *b)
{
    for (size_t i = 0; i < b->n_names; i++)
        free(b->names[i]);
    free(b->names);
    free(b->seg);
    free(b->p);
}

/* Record that the next line of b is line `line` of file name (kept if it
 * continues the current segment). */
static int textbuf_from(textbuf *b, const char *name, int line, hs_err *e)
{
    const struct srcseg *l = b->n_seg ? &b->seg[b->n_seg - 1] : NULL;
    if (l && l->name == name && l->line + (b->lines + 1 - l->out) == line)
        return 0;
    if (b->n_seg == b->cap_seg) {
        size_t cap = b->cap_seg ? 2 * b->cap_seg : 16;
        void *ns = realloc(b->seg, cap * sizeof *b->seg);
        if (!ns)
            return HS_FAIL(e, HS_ENOMEM, "out of memory");
        b->seg = ns;
        b->cap_seg = cap;
    }
    b->seg[b->n_seg++] = (struct srcseg){b->lines + 1, line, name};
    return 0;
}

static int textbuf_add(textbuf *b, const char *s, size_t n, const char *path, hs_err *e)
{
    /* checked on every append: the buffer's capacity may already run past the limit */
    if (b->len + n > (size_t)64 << 20)
        return HS_FAIL(e, HS_EINPUT, "%s: sweep file larger than 64 MiB with its @include files",
                       path);
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 8192;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *nb = realloc(b->p, cap);
        if (!nb)
            return HS_FAIL(e, HS_ENOMEM, "out of memory");
        b->p = nb;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
    for (const char *c = s; (c = memchr(c, '\n', n - (size_t)(c - s))) != NULL; c++)
        b->lines++;
    return 0;
}

/*
 * Append text (of the file `name`) to b with each of its libconfig
 * `@include "file"` lines (blanks, @include, blanks, a quoted name with \\
 * and \" escapes at the start of a line) replaced by that file's expanded
 * text, the rest of the line following it, as libconfig reads it.  Relative
 * names are taken from dir, libconfig's include directory.
 */
static int expand_text(const char *dir, const char *name, const char *text, int depth, textbuf *b,
                       hs_err *e)
{
    int line = 1;
    for (const char *l = text; *l; line++) {
        size_t n = strcspn(l, "\n");
        n += l[n] == '\n';
        const char *q = l + strspn(l, " \t");
        if (strncmp(q, "@include", 8) != 0 || (q[8] != ' ' && q[8] != '\t')) {
            HS_CALL(textbuf_from(b, name, line, e));
            HS_CALL(textbuf_add(b, l, n, name, e));
            l += n;
            continue;
        }
        q += 8 + strspn(q + 8, " \t");
        char file[4096];
        size_t fl = 0;
        int closed = 0;
        if (*q == '"')
            for (q++; *q && *q != '\n' && fl + 1 < sizeof file; q++) {
                if (*q == '"') {
                    closed = 1;
                    q++;
                    break;
                }
                if (*q == '\\' && (q[1] == '"' || q[1] == '\\'))
                    q++;
                file[fl++] = *q;
            }
        file[fl] = 0;
        if (!closed && fl + 1 >= sizeof file)
            return HS_FAIL(e, HS_EINPUT, "%s:%d: @include: a file name longer than %zu bytes", name,
                           line, sizeof file - 1);
        if (!closed || !fl)
            return HS_FAIL(e, HS_EINPUT, "%s:%d: @include needs a quoted file name", name, line);
        if (depth >= 10)
            return HS_FAIL(e, HS_EINPUT,
                           "%s:%d: @include \"%s\": nested more than 10 deep (does it include "
                           "itself?)",
                           name, line, file);
        char inc[8192];
        snprintf(inc, sizeof inc, "%s%s", file[0] == '/' ? "" : dir, file);
        struct stat sb;
        if (stat(inc, &sb) == 0 && !S_ISREG(sb.st_mode))
            return HS_FAIL(e, HS_EINPUT, "%s:%d: @include \"%s\": not a regular file", name, line,
                           file);
        char *sub, why[sizeof e->msg];
        int rc = read_text(inc, &sub, e);
        if (rc) {
            memcpy(why, e->msg, sizeof why);
            return HS_FAIL(e, rc, "%s:%d: @include: %s", name, line, why);
        }
        char **nn = realloc(b->names, (b->n_names + 1) * sizeof *nn);
        char *copy = strdup(inc);
        if (nn)
            b->names = nn;
        if (!nn || !copy) {
            free(copy);
            free(sub);
            return HS_FAIL(e, HS_ENOMEM, "out of memory");
        }
        b->names[b->n_names++] = copy;
        rc = expand_text(dir, copy, sub, depth + 1, b, e);
        free(sub);
        HS_CALL(rc);
        HS_CALL(textbuf_add(b, q, (size_t)(l + n - q), name, e));
        l += n;
    }
    return 0;
}

/*
 * The sweep file's text with every @include resolved (expand_text), into
 * *full (malloc'd): the text a results file stores and hashes, so that an
 * edited included file is a changed sweep file and `task --from` rebuilds
 * from the stored text alone.  Relative names are taken from the directory
 * of path.
 */
static int expand_includes(const char *path, const char *text, textbuf *b, hs_err *e)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + 1 : 0, path);
    int rc = textbuf_add(b, "", 0, path, e);
    return rc ? rc : expand_text(dir, path, text, 0, b, e);
}

/*
 * An error message "path:N: ..." about line N of the expanded text becomes
 * "file:M: ..." about the line of the included file it came from.
 */
static void relocate(const char *path, const textbuf *b, hs_err *e)
{
    size_t n = strlen(path);
    char *end;
    if (strncmp(e->msg, path, n) != 0 || e->msg[n] != ':')
        return;
    long line = strtol(e->msg + n + 1, &end, 10);
    if (end == e->msg + n + 1 || *end != ':')
        return;
    const struct srcseg *s = NULL;
    for (size_t i = 0; i < b->n_seg && b->seg[i].out <= line; i++)
        s = &b->seg[i];
    if (!s || (s->name == path && s->line == s->out))
        return;
    char rest[sizeof e->msg];
    snprintf(rest, sizeof rest, "%s", end);
    snprintf(e->msg, sizeof e->msg, "%s:%ld%.900s", s->name, s->line + (line - s->out), rest);
}

/* Past the string literal that starts at p (a '"'), counting newlines into *line. */
static const char *skip_string(const char *p, int *line)
{
    for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1])
            p++;
        *line += *p == '\n';
    }
    return *p ? p + 1 : p;
}

enum { LIT_NONE, LIT_INT, LIT_REAL, LIT_HEX, LIT_STRING, LIT_BOOL };

/* The kind of the scalar literal at p as libconfig reads it, its end in *end
 * (LIT_NONE: something else). */
static int literal_at(const char *p, const char **end)
{
    if (*p == '"') {
        int l = 0;
        *end = skip_string(p, &l);
        return LIT_STRING;
    }
    if (!strncasecmp(p, "true", 4) || !strncasecmp(p, "false", 5)) {
        *end = p + (tolower((unsigned char)*p) == 't' ? 4 : 5);
        return isalnum((unsigned char)**end) || **end == '_' ? LIT_NONE : LIT_BOOL;
    }
    const char *q = p + (*p == '-' || *p == '+');
    if (q[0] == '0' && (q[1] == 'x' || q[1] == 'X') && isxdigit((unsigned char)q[2])) {
        for (q += 2; isxdigit((unsigned char)*q); q++)
            ;
        while (*q == 'L')
            q++;
        *end = q;
        return LIT_HEX;
    }
    int digits = 0, real = 0;
    for (; isdigit((unsigned char)*q); q++)
        digits++;
    if (*q == '.') {
        real = 1;
        for (q++; isdigit((unsigned char)*q); q++)
            digits++;
    }
    if (!digits)
        return LIT_NONE;
    if ((*q == 'e' || *q == 'E') &&
        (isdigit((unsigned char)q[1]) ||
         ((q[1] == '+' || q[1] == '-') && isdigit((unsigned char)q[2])))) {
        real = 1;
        for (q += 2; isdigit((unsigned char)*q); q++)
            ;
    }
    if (!real)
        while (*q == 'L')
            q++;
    *end = q;
    return real ? LIT_REAL : LIT_INT;
}

/*
 * The array text open[0] = '[' .. last[0] = ']' into out with ".0" in place
 * of each integer literal's L suffix, or after it (blanks and comments kept);
 * returns the bytes written (at most the text's length + 2 per integer).
 */
static size_t copy_as_reals(const char *open, const char *last, char *out)
{
    size_t on = 0;
    int l2 = 0;
    for (const char *r = open; r <= last;) {
        const char *e;
        const char *s2 = skip_blank(r, &l2);
        if (s2 != r) {
            memcpy(out + on, r, (size_t)(s2 - r));
            on += (size_t)(s2 - r);
            r = s2;
            continue;
        }
        int k = (r > open &&
                 (r[-1] == '[' || r[-1] == ',' || isspace((unsigned char)r[-1]) || r[-1] == '/'))
                    ? literal_at(r, &e)
                    : LIT_NONE;
        if (k == LIT_INT) {
            const char *d = e;
            while (d > r && d[-1] == 'L')
                d--;
            memcpy(out + on, r, (size_t)(d - r));
            on += (size_t)(d - r);
            memcpy(out + on, ".0", 2);
            on += 2;
            r = e;
        } else if (k != LIT_NONE) {
            memcpy(out + on, r, (size_t)(e - r));
            on += (size_t)(e - r);
            r = e;
        } else {
            out[on++] = *r++;
        }
    }
    return on;
}

/*
 * libconfig refuses an array [ ] whose elements differ in type ("mismatched
 * element type in array"), but a list of numbers with any real in it is real
 * (README): the text libconfig reads gets ".0" after each integer of such an
 * array ("1L" becomes "1.0"), on the same line, so that line numbers hold.
 * Returns that text (malloc'd), or NULL where nothing changes (or no memory:
 * libconfig then reports the array).  *bad_line / bad_key: the first array
 * whose types cannot be reconciled (strings, booleans or hex integers among
 * others), 0 if none.
 */
static char *reals_for_mixed_arrays(const char *t, int *bad_line, char *bad_key, size_t key_cap)
{
    size_t len = strlen(t);
    char *out = NULL;
    size_t on = 0;
    const char *copied = t; /* t up to here is in out */
    int line = 1;
    *bad_line = 0;
    for (const char *p = t; *p;) {
        const char *b = skip_blank(p, &line);
        if (b != p) {
            p = b;
            continue;
        }
        if (*p == '"') {
            p = skip_string(p, &line);
            continue;
        }
        if (*p != '[') {
            p++;
            continue;
        }
        const char *open = p;
        int open_line = line, seen = 0, n_int = 0;
        const char *q = p + 1;
        for (;;) {
            q = skip_blank(q, &line);
            if (*q == ']')
                break;
            const char *e;
            int k = literal_at(q, &e);
            if (k == LIT_NONE)
                break;
            if (k == LIT_STRING) {
                int l2 = 0;
                skip_string(q, &l2);
                line += l2;
            }
            seen |= 1 << k;
            n_int += k == LIT_INT;
            q = skip_blank(e, &line);
            if (*q == ',')
                q++;
            else
                break;
        }
        int numbers = (1 << LIT_INT) | (1 << LIT_REAL);
        if (*q == ']' && (seen & ~numbers) == 0 && seen == numbers) {
            if (!out) {
                out = malloc(len + 2 * (size_t)n_int + 1);
                if (!out)
                    return NULL;
            } else {
                char *no = realloc(out, on + (len - (size_t)(copied - t)) + 2 * (size_t)n_int + 1);
                if (!no) {
                    free(out);
                    return NULL;
                }
                out = no;
            }
            memcpy(out + on, copied, (size_t)(open - copied));
            on += (size_t)(open - copied);
            on += copy_as_reals(open, q, out + on);
            copied = q + 1;
        } else if (*q == ']' && (seen & (seen - 1)) != 0 && !*bad_line) {
            *bad_line = open_line;
            key_before(t, open, bad_key, key_cap);
        }
        p = *q == ']' ? q + 1 : open + 1;
        if (*q != ']')
            line = open_line;
    }
    if (!out)
        return NULL;
    memcpy(out + on, copied, len - (size_t)(copied - t));
    on += len - (size_t)(copied - t);
    out[on] = 0;
    return out;
}

/*
 * What libconfig's bare "syntax error" at line err_line most likely means: the
 * first of the usual mistakes in t at or before that line, described in buf;
 * returns its line (0: none found, buf gets the list of usual causes).
 */
static int syntax_cause(const char *t, int err_line, char *buf, size_t cap)
{
    int line = 1;
    for (const char *p = t; *p && line <= err_line;) {
        const char *b = skip_blank(p, &line);
        if (b != p) {
            p = b;
            continue;
        }
        int at = line;
        if (*p == '"') {
            p = skip_string(p, &line);
            int l2 = line;
            const char *n = skip_blank(p, &l2);
            if (*n == ':' || (*n == '=' && n[1] != '=')) {
                char key[64];
                const char *s = p - 1;
                while (s > t && s[-1] != '"')
                    s--;
                snprintf(key, sizeof key, "%.*s", (int)(p - 1 - s), s);
                snprintf(buf, cap, "a quoted key (\"%s\" %c): keys are bare names, as in %s = ...;",
                         key, *n, key);
                return at;
            }
            continue;
        }
        if (*p == '\'') {
            const char *e = strchr(p + 1, '\'');
            size_t n = e && !memchr(p, '\n', (size_t)(e - p)) ? (size_t)(e - p - 1) : 0;
            snprintf(buf, cap, "a string in single quotes: strings take double quotes (\"%.*s\")",
                     (int)(n > 40 ? 40 : n), p + 1);
            return at;
        }
        if (*p == ',') {
            int l2 = line;
            const char *n = skip_blank(p + 1, &l2);
            if (*n == ']' || *n == ')') {
                snprintf(buf, cap, "a comma before '%c': a list takes none after its last element",
                         *n);
                return at;
            }
        }
        if (*p == '[') {
            int l2 = line;
            const char *n = skip_blank(p + 1, &l2);
            if (*n == '{' || *n == '(' || *n == '[') {
                snprintf(buf, cap,
                         "'%c' inside [ ]: an array [ ] holds numbers, strings or booleans; a list "
                         "of groups or lists takes ( ), as in sweeps = ( { ... }, { ... } );",
                         *n);
                return at;
            }
        }
        p++;
    }
    snprintf(buf, cap,
             "the usual causes are a string in single quotes (write \"...\"), a comma after a "
             "list's last element, a quoted key (\"name\": ...; write name = ...), groups inside "
             "[ ] (a list of groups takes ( )), or a bracket, brace or quote left open");
    return 0;
}

/* Parse the sweep file text with its includes resolved (expand_includes). */
static int parse_expanded(const char *path, char *full, const hs_load_opts *o, hs_sweepset **out,
                          hs_err *e)
{
    const char *text = full;
    hs_sweepset *set = calloc(1, sizeof *set);
    if (!set) {
        free(full);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    set->path = strdup(path);
    set->text = full;
    set->cfg = calloc(1, sizeof(config_t));
    if (!set->path || !set->text || !set->cfg) {
        hs_sweepset_free(&set);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    if (strlen(text) == 0 || strspn(text, " \t\r\n") == strlen(text)) {
        hs_sweepset_free(&set);
        return HS_FAIL(e, HS_EINPUT, "%s:1: the file is empty: it defines no sweeps", path);
    }
    hs_sha256_hex(text, strlen(text), set->sha256);
    if (check_literals(path, text, e) != 0) {
        hs_sweepset_free(&set);
        return e->code;
    }
    config_init(set->cfg);
    int bad_line;
    char bad_key[64];
    char *fed = reals_for_mixed_arrays(text, &bad_line, bad_key, sizeof bad_key);
    int read = config_read_string(set->cfg, fed ? fed : text);
    free(fed);
    if (read != CONFIG_TRUE) {
        const config_t *cf = set->cfg;
        int line = config_error_line(cf);
        const char *what = config_error_text(cf);
        char hint[400];
        int rc;
        if (what && strstr(what, "mismatched element type") && bad_line)
            rc = HS_FAIL(e, HS_EINPUT,
                         "%s:%d: %s%s%sthe values of a list [ ] must all be numbers, all strings "
                         "or all booleans (a list of numbers with a real in it is real; hex "
                         "integers do not mix with reals)",
                         path, bad_line, *bad_key ? "key '" : "", bad_key, *bad_key ? "': " : "");
        else if (what && strcmp(what, "syntax error") == 0) {
            int at = syntax_cause(text, line, hint, sizeof hint);
            rc = HS_FAIL(e, HS_EINPUT, "%s:%d: syntax error%s: %s", path, at ? at : line,
                         at ? "" : " here or just before", hint);
        } else
            rc = HS_FAIL(e, HS_EINPUT, "%s:%d: syntax error: %s", path, line, what ? what : "?");
        hs_sweepset_free(&set);
        return rc;
    }
    pctx c = {path, NULL, e, 0};
    set->reduced = o && o->reduced;
    int rc = hs_cfg_parse_top(&c, set, o);
    if (rc) {
        hs_sweepset_free(&set);
        return rc;
    }
    *out = set;
    return 0;
}

/* Line number of the first `@include` line of text (as expand_text finds them), or 0. */
static int include_line(const char *text)
{
    int line = 1;
    for (const char *l = text; *l; line++) {
        const char *q = l + strspn(l, " \t");
        if (strncmp(q, "@include", 8) == 0 && (q[8] == ' ' || q[8] == '\t'))
            return line;
        l += strcspn(l, "\n");
        l += *l == '\n';
    }
    return 0;
}

int hs_sweepset_parse(const char *path, const char *text, const hs_load_opts *o, hs_sweepset **out,
                      hs_err *e)
{
    *out = NULL;
    /* a results file stores the text with its includes resolved: one left in it names a
     * file of the reader's machine, which is never read for it */
    int inc = o && o->stored ? include_line(text) : 0;
    if (inc)
        return HS_FAIL(e, HS_EINPUT,
                       "%s:%d: the sweep text stored in the results file has an @include line; "
                       "hsweep stores it with every include resolved, so this file was altered "
                       "and its text is not read",
                       path, inc);
    textbuf b = {0};
    int rc = expand_includes(path, text, &b, e);
    if (rc == 0) {
        rc = parse_expanded(path, b.p, o, out, e);
        b.p = NULL; /* the sweep set owns it now */
    }
    if (rc)
        relocate(path, &b, e);
    textbuf_free(&b);
    return rc;
}

int hs_sweepset_load(const char *path, const hs_load_opts *o, hs_sweepset **out, hs_err *e)
{
    *out = NULL;
    char *buf;
    HS_CALL(read_text(path, &buf, e));
    int rc = hs_sweepset_parse(path, buf, o, out, e);
    free(buf);
    return rc;
}
