/*
 * Reading an exec command's standard output into a task's metrics and
 * traces: the last JSON-object line (RFC 8259, plus Python's NaN, Infinity
 * and -Infinity, which json.dumps writes by default; \uXXXX escapes decoded
 * to UTF-8), or key=value lines.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_impl.h"
#include "hsweep/json.h"

#define LINE_MAX_BYTES ((size_t)64 << 20)

/* ---- a minimal JSON reader -------------------------------------------------- */

typedef struct jp {
    const char *s;
    size_t i, n;
    char err[120];
} jp;

static int jfail(jp *j, const char *what)
{
    if (!j->err[0])
        snprintf(j->err, sizeof j->err, "%s at column %zu", what, j->i + 1);
    return -1;
}

static void jws(jp *j)
{
    while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' || j->s[j->i] == '\r'))
        j->i++;
}

static int jlit(jp *j, const char *w)
{
    size_t l = strlen(w);
    if (j->n - j->i >= l && strncmp(j->s + j->i, w, l) == 0) {
        j->i += l;
        return 1;
    }
    return 0;
}

/* A string; its text (escapes decoded, truncated to cap) into buf if not NULL. */
static int jstring(jp *j, char *buf, size_t cap)
{
    size_t o = 0;
    if (j->i >= j->n || j->s[j->i] != '"')
        return jfail(j, "expected a string");
    for (j->i++; j->i < j->n && j->s[j->i] != '"'; j->i++) {
        char c = j->s[j->i];
        if ((unsigned char)c < 0x20)
            return jfail(j, "control character in a string");
        if (c == '\\' && j->i + 1 < j->n && j->s[j->i + 1] == 'u') {
            char u[4];
            size_t ul;
            const char *why;
            int used = hs_json_decode_u(j->s + j->i, j->n - j->i, u, &ul, &why);
            if (used < 0)
                return jfail(j, why);
            if (buf && o + ul < cap) {
                memcpy(buf + o, u, ul);
                o += ul;
            } else if (buf) {
                cap = o + 1; /* cut before a character that does not fit whole */
            }
            j->i += (size_t)used - 1;
            continue;
        }
        if (c == '\\') {
            if (++j->i >= j->n)
                break;
            static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
            const char *f = strchr(from, j->s[j->i]);
            if (f && *f) {
                c = to[f - from];
            } else {
                return jfail(j, "bad escape in a string");
            }
        }
        if (buf && o + 1 < cap)
            buf[o++] = c;
    }
    if (j->i >= j->n)
        return jfail(j, "unterminated string");
    j->i++;
    if (buf && cap)
        buf[o] = 0;
    return 0;
}

/* A number, or null / NaN / Infinity (NaN, inf), or true / false (1, 0). */
static int jnumber(jp *j, double *x)
{
    if (jlit(j, "null") || jlit(j, "NaN")) {
        *x = NAN;
        return 0;
    }
    if (jlit(j, "Infinity") || jlit(j, "true")) {
        *x = j->s[j->i - 1] == 'y' ? INFINITY : 1.0;
        return 0;
    }
    if (jlit(j, "-Infinity") || jlit(j, "false")) {
        *x = j->s[j->i - 1] == 'y' ? -INFINITY : 0.0;
        return 0;
    }
    char c = j->i < j->n ? j->s[j->i] : 0;
    if (!(c == '-' || (c >= '0' && c <= '9')))
        return jfail(j, "expected a number");
    char *end;
    *x = strtod(j->s + j->i, &end);
    j->i = (size_t)(end - j->s);
    return 0;
}

static int jskip(jp *j, int depth);

/* Skip an array or object (its opening bracket already consumed). */
static int jskip_seq(jp *j, char close, int depth)
{
    jws(j);
    if (j->i < j->n && j->s[j->i] == close) {
        j->i++;
        return 0;
    }
    for (;;) {
        jws(j);
        if (close == '}') {
            if (jstring(j, NULL, 0) != 0)
                return -1;
            jws(j);
            if (j->i >= j->n || j->s[j->i++] != ':')
                return jfail(j, "expected ':'");
            jws(j);
        }
        if (jskip(j, depth + 1) != 0)
            return -1;
        jws(j);
        if (j->i < j->n && j->s[j->i] == ',') {
            j->i++;
            continue;
        }
        if (j->i < j->n && j->s[j->i] == close) {
            j->i++;
            return 0;
        }
        return jfail(j, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int jskip(jp *j, int depth)
{
    if (depth > 64)
        return jfail(j, "nested too deeply");
    char c = j->i < j->n ? j->s[j->i] : 0;
    if (c == '"')
        return jstring(j, NULL, 0);
    if (c == '{' || c == '[') {
        j->i++;
        return jskip_seq(j, c == '{' ? '}' : ']', depth);
    }
    double x;
    return jnumber(j, &x);
}

/* A trace: an array of numbers (a single number is a trace of length 1). */
static int jtrace(jp *j, hs_out *out, const char *name)
{
    double *v = NULL, x;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (j->i < j->n && j->s[j->i] == '[') {
        j->i++;
        jws(j);
        int empty = j->i < j->n && j->s[j->i] == ']';
        while (!empty && rc == 0) {
            jws(j);
            if ((rc = jnumber(j, &x)) != 0)
                break;
            if (n == cap) {
                cap = cap ? 2 * cap : 64;
                double *nv = realloc(v, cap * sizeof *v);
                if (!nv) {
                    rc = jfail(j, "out of memory");
                    break;
                }
                v = nv;
            }
            v[n++] = x;
            jws(j);
            if (j->i < j->n && j->s[j->i] == ',')
                j->i++;
            else
                break;
        }
        if (rc == 0 && (j->i >= j->n || j->s[j->i++] != ']'))
            rc = jfail(j, "expected ',' or ']' in a trace");
    } else if ((rc = jnumber(j, &x)) == 0) {
        v = malloc(sizeof *v);
        if (!v)
            rc = jfail(j, "out of memory");
        else
            v[n++] = x;
    }
    if (rc == 0 && n) {
        /* hs_out_trace cuts n to the declared length. */
        double *buf = hs_out_trace(out, name, n);
        if (!buf)
            rc = jfail(j, "out of memory");
        else
            memcpy(buf, v, out->trace_len[hs_kernel_trace_index(out->k, name)] * sizeof *v);
    }
    free(v);
    return rc;
}

/* The command's own verdict: "status": "nonfinite" etc., "detail": "...". */
static int set_status(hs_out *out, const char *st, const char *detail, char *why, size_t cap)
{
    static const hs_status allowed[] = {HS_ST_OK, HS_ST_NONFINITE, HS_ST_DIVERGED, HS_ST_FAILED};
    for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
        if (strcmp(st, hs_status_name((int)allowed[i])) == 0) {
            hs_out_status(out, allowed[i], "%s", detail);
            return 0;
        }
    snprintf(why, cap, "\"status\": \"%.40s\" is not ok, nonfinite, diverged or failed", st);
    return -1;
}

static int parse_json(const hs_exec *x, const char *s, size_t n, hs_out *out, unsigned char *got,
                      char *why, size_t cap)
{
    jp j = {s, 0, n, ""};
    char key[256], st[64] = "", detail[256] = "";
    int seen = 0;
    jws(&j);
    if (j.i >= j.n || s[j.i++] != '{')
        return jfail(&j, "expected '{'");
    jws(&j);
    int empty = j.i < j.n && s[j.i] == '}';
    if (empty)
        j.i++;
    while (!empty) {
        jws(&j);
        if (jstring(&j, key, sizeof key) != 0)
            break;
        jws(&j);
        if (j.i >= j.n || s[j.i++] != ':') {
            jfail(&j, "expected ':'");
            break;
        }
        jws(&j);
        int mi = hs_kernel_metric_index(&x->k, key), ti = hs_kernel_trace_index(&x->k, key);
        double v;
        if (mi >= 0) {
            if (j.i < j.n && (s[j.i] == '[' || s[j.i] == '{' || s[j.i] == '"')) {
                snprintf(why, cap, "metric '%s' is not a number in the JSON line", key);
                return -1;
            }
            if (jnumber(&j, &v) != 0)
                break;
            out->metrics[mi] = v;
            got[mi] = 1;
            seen++;
        } else if (ti >= 0) {
            if (jtrace(&j, out, key) != 0)
                break;
            seen++;
        } else if (strcmp(key, "status") == 0 || strcmp(key, "detail") == 0) {
            if (jstring(&j, key[0] == 's' ? st : detail,
                        key[0] == 's' ? sizeof st : sizeof detail) != 0)
                break;
        } else if (jskip(&j, 0) != 0) {
            break;
        }
        jws(&j);
        if (j.i < j.n && s[j.i] == ',') {
            j.i++;
            continue;
        }
        if (j.i < j.n && s[j.i] == '}') {
            j.i++;
            break;
        }
        jfail(&j, "expected ',' or '}'");
        break;
    }
    if (!j.err[0]) {
        jws(&j);
        if (j.i < j.n)
            jfail(&j, "text after the object");
    }
    if (j.err[0]) {
        snprintf(why, cap, "malformed JSON on the last line starting with '{': %s", j.err);
        return -1;
    }
    if (st[0])
        return set_status(out, st, detail, why, cap);
    if (!seen && x->k.n_metrics + x->k.n_traces > 0) {
        snprintf(why, cap, "the JSON line has none of the declared metrics and traces");
        return -1;
    }
    return 0;
}

/* ---- key=value -------------------------------------------------------------- */

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t l = strlen(s);
    while (l && (s[l - 1] == ' ' || s[l - 1] == '\t' || s[l - 1] == '\r'))
        s[--l] = 0;
    return s;
}

static int parse_real(const char *s, double *x)
{
    char *end;
    if (strcmp(s, "nan") == 0 || strcmp(s, "NaN") == 0 || strcmp(s, "null") == 0) {
        *x = NAN;
        return 0;
    }
    *x = strtod(s, &end);
    return end == s || *trim(end) ? -1 : 0;
}

static void kv_line(hs_exec_reader *r, char *line)
{
    char *eq = strchr(line, '=');
    if (!eq || r->error)
        return;
    *eq = 0;
    char *key = trim(line), *val = trim(eq + 1);
    const hs_exec *x = r->x;
    int mi = hs_kernel_metric_index(&x->k, key), ti = hs_kernel_trace_index(&x->k, key);
    if (mi >= 0) {
        double v;
        if (parse_real(val, &v) != 0) {
            snprintf(r->why, sizeof r->why, "metric %s=%.60s is not a number", key, val);
            r->error = 1;
            return;
        }
        r->out->metrics[mi] = v;
        r->got[mi] = 1;
        r->found++;
    } else if (ti >= 0) {
        size_t n = 1;
        for (const char *c = val; *c; c++)
            n += *c == ',';
        double *buf = *val ? hs_out_trace(r->out, key, n) : NULL;
        size_t cap = r->out->trace_cap[ti], i = 0;
        for (char *tok = strtok(val, ","); tok && buf && i < cap; tok = strtok(NULL, ","), i++)
            if (parse_real(trim(tok), &buf[i]) != 0) {
                snprintf(r->why, sizeof r->why, "trace %s: '%.40s' is not a number", key, tok);
                r->error = 1;
                return;
            }
        r->found++;
    } else if (strcmp(key, "status") == 0) {
        if (set_status(r->out, val, r->out->detail, r->why, sizeof r->why) != 0)
            r->error = 1;
    } else if (strcmp(key, "detail") == 0) {
        snprintf(r->out->detail, sizeof r->out->detail, "%s", val);
    }
}

/* ---- the reader --------------------------------------------------------------- */

static void end_line(hs_exec_reader *r)
{
    r->line[r->len] = 0;
    if (r->x->parse == HS_EXEC_KV) {
        kv_line(r, r->line);
    } else {
        size_t i = 0;
        while (i < r->len && (r->line[i] == ' ' || r->line[i] == '\t'))
            i++;
        if (i < r->len && r->line[i] == '{') {
            char *t = r->last;
            size_t tc = r->last_cap;
            r->last = r->line;
            r->last_len = r->len;
            r->last_cap = r->cap;
            r->line = t;
            r->cap = tc;
        }
    }
    r->len = 0;
}

int hs_exec_reader_feed(hs_exec_reader *r, const char *buf, size_t n)
{
    if (!r->got && !(r->got = calloc(r->x->k.n_metrics + 1, 1)))
        return HS_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            if (r->line)
                end_line(r);
            continue;
        }
        if (r->len + 2 > r->cap) {
            if (r->cap >= LINE_MAX_BYTES)
                continue; /* a line past 64 MiB is cut there */
            size_t nc = r->cap < 256 ? 256 : 2 * r->cap;
            char *nl = realloc(r->line, nc);
            if (!nl)
                return HS_ENOMEM;
            r->line = nl;
            r->cap = nc;
        }
        r->line[r->len++] = buf[i];
    }
    return 0;
}

/*
 * A result that the command calls ok (or says nothing about) lacks declared
 * metrics: 1 with their names in why, else 0.  A command that reports its
 * own failure or divergence may leave metrics out.
 */
static int missing_metrics(const hs_exec_reader *r, char *why, size_t cap)
{
    const hs_kernel *k = &r->x->k;
    if (r->out->status != HS_ST_PENDING && r->out->status != HS_ST_OK)
        return 0;
    size_t n = 0, o = 0;
    for (size_t i = 0; i < k->n_metrics; i++)
        n += !r->got[i];
    if (!n)
        return 0;
    o = (size_t)snprintf(why, cap, "no value for declared metric%s", n > 1 ? "s" : "");
    for (size_t i = 0, shown = 0; i < k->n_metrics && o < cap; i++)
        if (!r->got[i])
            o += (size_t)snprintf(why + o, cap - o, "%s%s", shown++ ? ", " : " ",
                                  k->metrics[i].name);
    return 1;
}

int hs_exec_reader_finish(hs_exec_reader *r, char *why, size_t cap)
{
    if (r->len)
        end_line(r);
    const hs_exec *x = r->x;
    if (!r->got && !(r->got = calloc(x->k.n_metrics + 1, 1))) {
        snprintf(why, cap, "out of memory reading the command's output");
        return -1;
    }
    if (x->parse == HS_EXEC_KV) {
        if (r->error) {
            snprintf(why, cap, "%s", r->why);
            return -1;
        }
        if (!r->found && x->k.n_metrics + x->k.n_traces > 0) {
            snprintf(why, cap, "stdout has no line name=value for a declared metric or trace");
            return -1;
        }
        return missing_metrics(r, why, cap);
    }
    if (!r->last) {
        if (x->k.n_metrics + x->k.n_traces == 0)
            return 0;
        snprintf(why, cap, "stdout has no line with a JSON object");
        return -1;
    }
    if (parse_json(x, r->last, r->last_len, r->out, r->got, why, cap) != 0)
        return -1;
    return missing_metrics(r, why, cap);
}

void hs_exec_reader_free(hs_exec_reader *r)
{
    free(r->line);
    free(r->last);
    free(r->got);
    r->line = r->last = NULL;
    r->got = NULL;
}
