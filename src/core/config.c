/*
 * Sweep-file parsing and validation.  The whole file is checked before
 * anything runs; the first problem found is reported as
 *   FILE:LINE: sweep 'NAME': key 'KEY': what is wrong
 */
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "hsweep/config.h"
#include "hsweep/rng.h"

typedef struct pctx {
    const char *path;
    const char *sweep;  /* current sweep name, or NULL */
    hs_err *e;
    uint64_t max_tasks; /* the task limit, known before any sweep is parsed; 0 before */
} pctx;

static int perr(pctx *c, int line, const char *key, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int perr(pctx *c, int line, const char *key, const char *fmt, ...)
{
    char what[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char where[300] = "";
    if (c->sweep && key)
        snprintf(where, sizeof where, "sweep '%s': key '%s': ", c->sweep, key);
    else if (c->sweep)
        snprintf(where, sizeof where, "sweep '%s': ", c->sweep);
    else if (key)
        snprintf(where, sizeof where, "key '%s': ", key);
    return HS_FAIL(c->e, HS_EINPUT, "%s:%d: %s%s", c->path, line, where, what);
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t d[65][65];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    return d[la][lb];
}

/* " (did you mean 'x'?)" for the closest of names within distance 2, else "". */
static void suggest(const char *key, const char *const *names, size_t n, char *buf, size_t cap)
{
    size_t best = 3;
    const char *pick = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(key, names[i]);
        if (d < best) {
            best = d;
            pick = names[i];
        }
    }
    if (pick)
        snprintf(buf, cap, " (did you mean '%s'?)", pick);
    else
        buf[0] = 0;
}

static void suggest_param(const hs_kernel *k, const char *key, char *buf, size_t cap)
{
    const char *names[256];
    size_t n = k->n_params < 256 ? k->n_params : 256;
    for (size_t i = 0; i < n; i++)
        names[i] = k->params[i].name;
    suggest(key, names, n, buf, cap);
}

static const char *type_word(hs_type t)
{
    switch (t) {
    case HS_T_INT:
        return "an integer";
    case HS_T_REAL:
        return "a number";
    case HS_T_BOOL:
        return "true or false";
    case HS_T_STRING:
        return "a string";
    }
    return "?";
}

/* Convert one scalar setting to spec's type and check its range. */
static int scalar_value(pctx *c, const hs_param_spec *spec, config_setting_t *s, hs_value *out)
{
    int line = config_setting_source_line(s);
    int t = config_setting_type(s);
    switch (spec->type) {
    case HS_T_INT:
        if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
            out->i = config_setting_get_int64(s);
        else
            return perr(c, line, spec->name, "expected an integer");
        break;
    case HS_T_REAL:
        if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
            out->r = (double)config_setting_get_int64(s);
        else if (t == CONFIG_TYPE_FLOAT)
            out->r = config_setting_get_float(s);
        else
            return perr(c, line, spec->name, "expected a number");
        break;
    case HS_T_BOOL:
        if (t != CONFIG_TYPE_BOOL)
            return perr(c, line, spec->name, "expected true or false");
        out->b = config_setting_get_bool(s);
        break;
    case HS_T_STRING:
        if (t != CONFIG_TYPE_STRING)
            return perr(c, line, spec->name, "expected a string");
        out->s = config_setting_get_string(s);
        if (strlen(out->s) > HS_MAX_STRING) /* every task's row holds the longest one */
            return perr(c, line, spec->name, "a string of %zu bytes is longer than the maximum of %d",
                        strlen(out->s), HS_MAX_STRING);
        break;
    }
    hs_err ve;
    if (hs_value_check(spec, out, &ve) != 0) {
        /* ve.msg starts with "key 'NAME': "; keep only what follows. */
        const char *m = strstr(ve.msg, "': ");
        return perr(c, line, spec->name, "%s", m ? m + 3 : ve.msg);
    }
    return 0;
}

static int is_scalar_type(int t)
{
    return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT ||
           t == CONFIG_TYPE_STRING || t == CONFIG_TYPE_BOOL;
}

static int values_equal(hs_type t, const hs_value *a, const hs_value *b)
{
    switch (t) {
    case HS_T_INT:
        return a->i == b->i;
    case HS_T_REAL:
        return a->r == b->r;
    case HS_T_BOOL:
        return a->b == b->b;
    case HS_T_STRING:
        return strcmp(a->s, b->s) == 0;
    }
    return 0;
}

/* Sorting axis values by index (qsort has no context argument). */
static hs_type sort_type;
static const hs_value *sort_vals;

static int cmp_value(hs_type t, const hs_value *a, const hs_value *b)
{
    switch (t) {
    case HS_T_INT:
        return a->i < b->i ? -1 : a->i > b->i;
    case HS_T_REAL:
        return a->r < b->r ? -1 : a->r > b->r;
    case HS_T_BOOL:
        return a->b - b->b;
    case HS_T_STRING:
        return strcmp(a->s ? a->s : "", b->s ? b->s : "");
    }
    return 0;
}

static int cmp_index(const void *pa, const void *pb)
{
    return cmp_value(sort_type, &sort_vals[*(const size_t *)pa], &sort_vals[*(const size_t *)pb]);
}

/* Cases a and b compared on every parameter (an unset one has the sweep's base value). */
static int cmp_cases(const hs_sweep *s, size_t a, size_t b)
{
    size_t np = s->kernel->n_params;
    for (size_t p = 0; p < np; p++) {
        const hs_value *va = s->case_set[a * np + p] ? &s->cases[a * np + p] : &s->base[p];
        const hs_value *vb = s->case_set[b * np + p] ? &s->cases[b * np + p] : &s->base[p];
        int d = cmp_value(s->kernel->params[p].type, va, vb);
        if (d)
            return d;
    }
    return 0;
}

/* Sorting the cases of sort_sweep by index; equal ones in file order. */
static const hs_sweep *sort_sweep;

static int cmp_case_index(const void *pa, const void *pb)
{
    size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
    int d = cmp_cases(sort_sweep, a, b);
    return d ? d : (a > b) - (a < b);
}

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
            const char *lim = hex ? (wide ? "7fffffffffffffff" : "ffffffff")
                              : wide ? (neg ? "9223372036854775808" : "9223372036854775807")
                                     : (neg ? "2147483648" : "2147483647");
            int bad = hex ? (n > strlen(lim) || (n == strlen(lim) && strncasecmp(d, lim, n) > 0))
                          : digits_exceed(d, n, lim);
            if (bad)
                return HS_FAIL(e, HS_EINPUT,
                               "%s:%d: integer %s%.*s%s does not fit in %d bits%s", path, line,
                               neg ? "-" : "", (int)(n > 40 ? 40 : n), d, n > 40 ? "..." : "",
                               wide ? 64 : 32,
                               wide ? "" : "; write it with an L suffix (e.g. 3000000000L), or as a real number (3e9)");
            while (*p == 'L')
                p++;
        } else {
            p++;
        }
    }
    return 0;
}

/* Decimal exponent of x != 0 (of its 17-digit form: 0.001 -> -3). */
static int decimal_exponent(double x)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.16e", x);
    return atoi(strchr(buf, 'e') + 1);
}

/*
 * x rounded to the nearest multiple of 10^q; when that decimal is also a
 * multiple of 10^(q+3) (its last three digits are zeros), the double strtod
 * reads from it, else x itself.  printf and strtod round correctly (glibc,
 * musl), so the answer depends on x alone.
 */
static double snap_decimal(double x, int q)
{
    char buf[48];
    if (x == 0 || !isfinite(x))
        return x == 0 ? 0.0 : x;
    int ex = decimal_exponent(x);
    if (ex < q) { /* |x| < 10^q: 0 below half the quantum, else 10^q: not a multiple */
        snprintf(buf, sizeof buf, "%.16e", fabs(x));
        return ex < q - 1 || buf[0] < '5' ? 0.0 : x;
    }
    snprintf(buf, sizeof buf, "%.*e", ex - q, x);
    char *e = strchr(buf, 'e');
    int digits = 0, zeros = 0, trailing = 1;
    for (const char *p = e - 1; p >= buf && *p != '-'; p--) {
        if (*p == '.')
            continue;
        digits++;
        trailing = trailing && *p == '0';
        zeros += trailing;
    }
    /* the last digit printed is at 10^(exponent - digits + 1): q, or q + 1 when 9.99.. rounded up */
    int last = atoi(e + 1) - (digits - 1);
    return last + zeros >= q + 3 ? strtod(buf, NULL) : x;
}

/* A range, with what its points need worked out once. */
typedef struct range_def {
    double from, to;
    long long n;
    int lg;
    int q;            /* linear: points are snapped to multiples of 10^q */
    double lf, lt;    /* log: log10 of the ends' decimal mantissas (in [0, 1)) */
    long long kf, kt; /* log: the ends' decimal exponents */
} range_def;

/* x = m 10^k, 1 <= m < 10, from the fewest digits that read back as x (1e-310, not 9.99999999999997e-311). */
static void decimal_split(double x, double *m, long long *k)
{
    char buf[40];
    for (int p = 0; p <= 16; p++) {
        snprintf(buf, sizeof buf, "%.*e", p, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    char *e = strchr(buf, 'e');
    *k = atoi(e + 1);
    *e = 0;
    *m = strtod(buf, NULL);
}

static range_def range_def_make(double from, double to, long long n, int lg)
{
    range_def r = {.from = from, .to = to, .n = n, .lg = lg};
    if (lg) {
        double mf, mt;
        decimal_split(from, &mf, &r.kf);
        decimal_split(to, &mt, &r.kt);
        r.lf = log10(mf);
        r.lt = log10(mt);
    } else {
        r.q = decimal_exponent(fabs(from) > fabs(to) ? fabs(from) : fabs(to)) - 14;
    }
    return r;
}

/*
 * Point i of a range (0 < i < n-1; the ends are from and to as given).
 * Linear points are (from (n-1-i) + to i) / (n-1), snapped (snap_decimal) to
 * 15 significant digits of the larger end; so a point within rounding error
 * of a decimal of at most 12 such digits is that decimal (0.3, not
 * 0.30000000000000004; 0 where the range crosses it).  Log points are
 * 10^(a + (b-a) i/(n-1)) computed in decimal-exponent space: from = m 10^k and
 * to = m' 10^k', the exponent's integer part kept exact, then snapped to 15
 * digits of the point itself; so the powers of ten of a decade range are exact
 * (1e-2, not 0.010000000000000002) and the points between are within a few
 * ulps of the true value (10^-3.5 = 3.1622776601683794e-4, the nearest double).
 */
static double range_point(const range_def *r, long long i)
{
    long long n1 = r->n - 1;
    if (!r->lg) {
        double sum = r->from * (double)(n1 - i) + r->to * (double)i;
        /* ends near DBL_MAX: the weighted sum overflows, the weights applied first do not */
        return snap_decimal(isfinite(sum) ? sum / (double)n1
                                          : r->from / (double)n1 * (double)(n1 - i) +
                                                r->to / (double)n1 * (double)i,
                            r->q);
    }
    /* (kt - kf) i / (n-1) = whole + rest / (n-1), 0 <= rest < n-1 */
    long long d = (r->kt - r->kf) * i, whole = d / n1, rest = d % n1;
    if (rest < 0) {
        rest += n1;
        whole--;
    }
    double frac = r->lf + (r->lt - r->lf) * ((double)i / (double)n1) + (double)rest / (double)n1;
    double k = (double)(r->kf + whole), ex = k + frac, x;
    if (k == 0 || (fabs(k) >= frac && ex - k == frac)) {
        x = pow(10.0, ex); /* the exponent is exact (Fast2Sum): libm's pow rounds once */
    } else {               /* scale 10^frac by 10^k in decimal, exactly */
        char buf[48];
        snprintf(buf, sizeof buf, "%.16e", pow(10.0, frac));
        char *e = strchr(buf, 'e');
        snprintf(e, sizeof buf - (size_t)(e - buf), "e%lld", atoi(e + 1) + r->kf + whole);
        x = strtod(buf, NULL);
    }
    return snap_decimal(x, decimal_exponent(x) - 14);
}

/* A range group { from; to; num; scale } for a numeric parameter. */
static int range_values(pctx *c, const hs_param_spec *spec, config_setting_t *g, hs_value **vals,
                        size_t *n)
{
    int line = config_setting_source_line(g);
    if (spec->type != HS_T_INT && spec->type != HS_T_REAL)
        return perr(c, line, spec->name, "a range {from; to; num} needs a numeric parameter");
    double from = NAN, to = NAN;
    long long num = 0;
    int have_num = 0;
    const char *scale = "lin";
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *nm = config_setting_name(m);
        int t = config_setting_type(m);
        int ml = config_setting_source_line(m);
        int num_t = t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT;
        if (strcmp(nm, "from") == 0 || strcmp(nm, "to") == 0) {
            if (!num_t)
                return perr(c, ml, spec->name, "range '%s' must be a number", nm);
            double x = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(m)
                                              : (double)config_setting_get_int64(m);
            if (!isfinite(x))
                return perr(c, ml, spec->name, "range '%s' is not a finite number", nm);
            *(nm[0] == 'f' ? &from : &to) = x;
        } else if (strcmp(nm, "num") == 0) {
            if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
                return perr(c, ml, spec->name, "range 'num' must be an integer");
            num = config_setting_get_int64(m);
            have_num = 1;
        } else if (strcmp(nm, "scale") == 0) {
            if (t != CONFIG_TYPE_STRING)
                return perr(c, ml, spec->name, "range 'scale' must be \"lin\" or \"log\"");
            scale = config_setting_get_string(m);
        } else {
            const char *names[] = {"from", "to", "num", "scale"};
            char sg[64];
            suggest(nm, names, 4, sg, sizeof sg);
            return perr(c, ml, spec->name, "unknown range key '%s'%s", nm, sg);
        }
    }
    if (isnan(from) || isnan(to) || !have_num)
        return perr(c, line, spec->name, "a range needs from, to and num");
    if (num < 1 || num > 100000000)
        return perr(c, line, spec->name, "range num must be in [1, 1e8], got %lld", num);
    if (c->max_tasks && (uint64_t)num > c->max_tasks) /* before its values are allocated */
        return perr(c, line, spec->name,
                    "range num = %lld is more than the limit of %llu tasks; raise it with max_tasks = N; "
                    "at the top of the file or --max-tasks N",
                    num, (unsigned long long)c->max_tasks);
    int lg;
    if (strcmp(scale, "lin") == 0)
        lg = 0;
    else if (strcmp(scale, "log") == 0)
        lg = 1;
    else
        return perr(c, line, spec->name, "range scale must be \"lin\" or \"log\", got \"%s\"", scale);
    if (lg && !(from > 0 && to > 0))
        return perr(c, line, spec->name, "a log range needs from > 0 and to > 0");
    hs_value *v = calloc((size_t)num, sizeof *v);
    if (!v)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    range_def r = range_def_make(from, to, num, lg);
    for (long long i = 0; i < num; i++) {
        double x = i == 0 ? from : i == num - 1 ? to : range_point(&r, i);
        if (spec->type == HS_T_INT)
            v[i].i = llround(x);
        else
            v[i].r = x;
        hs_err ve;
        if (hs_value_check(spec, &v[i], &ve) != 0) {
            free(v);
            const char *m = strstr(ve.msg, "': ");
            return perr(c, line, spec->name, "range value %s", m ? m + 3 : ve.msg);
        }
        if (i > 0 && values_equal(spec->type, &v[i], &v[i - 1])) {
            hs_value dup = v[i];
            free(v);
            if (spec->type == HS_T_INT)
                return perr(c, line, spec->name,
                            "range gives the value %lld twice after rounding to integers",
                            (long long)dup.i);
            return perr(c, line, spec->name, "range gives the value %g more than once", dup.r);
        }
    }
    *vals = v;
    *n = (size_t)num;
    return 0;
}

/* Values of an axis: a list/array of scalars, or a range group. */
static int axis_values(pctx *c, const hs_param_spec *spec, config_setting_t *s, hs_value **vals,
                       size_t *n)
{
    int t = config_setting_type(s);
    int line = config_setting_source_line(s);
    if (t == CONFIG_TYPE_GROUP)
        return range_values(c, spec, s, vals, n);
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return perr(c, line, spec->name,
                    "an axis needs a list of values [a, b, ...] or a range {from; to; num}");
    int len = config_setting_length(s);
    if (len < 1)
        return perr(c, line, spec->name, "an axis needs at least one value");
    hs_value *v = calloc((size_t)len, sizeof *v);
    if (!v)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    for (int i = 0; i < len; i++) {
        config_setting_t *el = config_setting_get_elem(s, (unsigned)i);
        if (!is_scalar_type(config_setting_type(el))) {
            free(v);
            return perr(c, config_setting_source_line(el), spec->name,
                        "axis values must be %s", type_word(spec->type));
        }
        if (scalar_value(c, spec, el, &v[i]) != 0) {
            free(v);
            return c->e->code;
        }
    }
    /* Repeated values would repeat tasks: find them by sorting (lists may be long). */
    size_t *order = malloc((size_t)len * sizeof *order);
    if (!order) {
        free(v);
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    }
    for (int i = 0; i < len; i++)
        order[i] = (size_t)i;
    sort_type = spec->type;
    sort_vals = v;
    qsort(order, (size_t)len, sizeof *order, cmp_index);
    for (int i = 1; i < len; i++)
        if (values_equal(spec->type, &v[order[i]], &v[order[i - 1]])) {
            size_t a = order[i] < order[i - 1] ? order[i] : order[i - 1];
            size_t b = order[i] < order[i - 1] ? order[i - 1] : order[i];
            int line2 = config_setting_source_line(config_setting_get_elem(s, (unsigned)b));
            free(order);
            free(v);
            return perr(c, line2, spec->name, "value number %zu repeats value number %zu", b + 1, a + 1);
        }
    free(order);
    *vals = v;
    *n = (size_t)len;
    return 0;
}

enum { SRC_NONE, SRC_FIXED, SRC_MATRIX, SRC_ZIP, SRC_CASE };
static const char *const src_names[] = {"default", "fixed", "matrix", "zip", "cases"};

typedef struct sweep_build {
    hs_sweep *s;
    int *src;  /* per parameter: SRC_* */
} sweep_build;

/* Look up parameter `key` of the sweep's kernel; error with a suggestion if unknown. */
static int param_of(pctx *c, const hs_kernel *k, config_setting_t *m, int *idx)
{
    const char *key = config_setting_name(m);
    *idx = hs_kernel_param_index(k, key);
    if (*idx >= 0)
        return 0;
    char sg[128];
    suggest_param(k, key, sg, sizeof sg);
    return perr(c, config_setting_source_line(m), key, "unknown parameter of kernel '%s'%s", k->name,
                sg);
}

static int claim(pctx *c, sweep_build *b, int idx, int where, config_setting_t *m)
{
    const char *key = config_setting_name(m);
    int line = config_setting_source_line(m);
    if (b->src[idx] != SRC_NONE && !(where == SRC_CASE && b->src[idx] == SRC_CASE))
        return perr(c, line, key, "given twice: in %s here and in %s at line %d", src_names[where],
                    src_names[b->src[idx]], b->s->set_line[idx]);
    if (b->src[idx] == SRC_NONE)
        b->s->set_line[idx] = line;
    b->src[idx] = where;
    return 0;
}

static int parse_fixed(pctx *c, sweep_build *b, config_setting_t *g)
{
    const hs_kernel *k = b->s->kernel;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return perr(c, config_setting_source_line(g), "fixed", "expected a group { key = value; ... }");
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        int idx;
        HS_CALL(param_of(c, k, m, &idx));
        HS_CALL(claim(c, b, idx, SRC_FIXED, m));
        if (!is_scalar_type(config_setting_type(m)))
            return perr(c, config_setting_source_line(m), config_setting_name(m),
                        "a fixed value must be %s (lists belong in matrix or zip)",
                        type_word(k->params[idx].type));
        HS_CALL(scalar_value(c, &k->params[idx], m, &b->s->base[idx]));
    }
    return 0;
}

static int push_axis(pctx *c, hs_sweep *s, hs_axis *a)
{
    if (s->n_axes >= HS_MAX_AXES)
        return perr(c, a->line, NULL, "more than %d matrix axes and zip groups", HS_MAX_AXES);
    hs_axis *na = realloc(s->axes, (s->n_axes + 1) * sizeof *na);
    if (!na)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    s->axes = na;
    s->axes[s->n_axes++] = *a;
    return 0;
}

static int parse_matrix(pctx *c, sweep_build *b, config_setting_t *g)
{
    const hs_kernel *k = b->s->kernel;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return perr(c, config_setting_source_line(g), "matrix",
                    "expected a group { key = [values]; ... }");
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        int idx;
        HS_CALL(param_of(c, k, m, &idx));
        HS_CALL(claim(c, b, idx, SRC_MATRIX, m));
        hs_axis a = {.n_params = 1, .line = config_setting_source_line(m)};
        a.param = malloc(sizeof *a.param);
        if (!a.param)
            return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        a.param[0] = idx;
        if (axis_values(c, &k->params[idx], m, &a.values, &a.n) != 0 || push_axis(c, b->s, &a) != 0) {
            free(a.param);
            free(a.values);
            return c->e->code;
        }
    }
    return 0;
}

static int parse_zip_group(pctx *c, sweep_build *b, config_setting_t *g)
{
    const hs_kernel *k = b->s->kernel;
    int line = config_setting_source_line(g);
    int np = config_setting_length(g);
    if (np < 1)
        return perr(c, line, "zip", "a zip group needs at least one list");
    hs_axis a = {.line = line, .is_zip = 1};
    a.param = calloc((size_t)np, sizeof *a.param);
    hs_value **cols = calloc((size_t)np, sizeof *cols);
    int rc = 0;
    if (!a.param || !cols)
        rc = HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    const char *first_key = NULL;
    for (int i = 0; i < np && rc == 0; i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        int idx;
        size_t n = 0;
        if ((rc = param_of(c, k, m, &idx)) || (rc = claim(c, b, idx, SRC_ZIP, m)) ||
            (rc = axis_values(c, &k->params[idx], m, &cols[i], &n)))
            break;
        a.param[i] = idx;
        a.n_params++;
        if (i == 0) {
            a.n = n;
            first_key = config_setting_name(m);
        } else if (n != a.n) {
            rc = perr(c, config_setting_source_line(m), config_setting_name(m),
                      "zip lists of unequal length: '%s' has %zu values, '%s' has %zu",
                      config_setting_name(m), n, first_key, a.n);
        }
    }
    if (rc == 0) {
        a.values = calloc(a.n * a.n_params, sizeof *a.values);
        if (!a.values)
            rc = HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        for (size_t j = 0; rc == 0 && j < a.n; j++)
            for (size_t p = 0; p < a.n_params; p++)
                a.values[j * a.n_params + p] = cols[p][j];
        if (rc == 0)
            rc = push_axis(c, b->s, &a);
    }
    for (int i = 0; i < np && cols; i++)
        free(cols[i]);
    free(cols);
    if (rc) {
        free(a.param);
        free(a.values);
    }
    return rc;
}

static int parse_zip(pctx *c, sweep_build *b, config_setting_t *z)
{
    int t = config_setting_type(z);
    if (t == CONFIG_TYPE_GROUP)
        return parse_zip_group(c, b, z);
    if (t != CONFIG_TYPE_LIST)
        return perr(c, config_setting_source_line(z), "zip",
                    "expected a group { a = [...]; b = [...]; } or a list of such groups");
    for (int i = 0; i < config_setting_length(z); i++) {
        config_setting_t *g = config_setting_get_elem(z, (unsigned)i);
        if (config_setting_type(g) != CONFIG_TYPE_GROUP)
            return perr(c, config_setting_source_line(g), "zip", "each zip entry must be a group");
        HS_CALL(parse_zip_group(c, b, g));
    }
    return 0;
}

static int parse_cases(pctx *c, sweep_build *b, config_setting_t *l)
{
    hs_sweep *s = b->s;
    const hs_kernel *k = s->kernel;
    int line = config_setting_source_line(l);
    if (config_setting_type(l) != CONFIG_TYPE_LIST)
        return perr(c, line, "cases", "expected a list of groups ( { ... }, { ... } )");
    int n = config_setting_length(l);
    if (n < 1)
        return perr(c, line, "cases", "needs at least one case");
    s->n_cases = (size_t)n;
    s->cases = calloc((size_t)n * k->n_params + 1, sizeof *s->cases);
    s->case_set = calloc((size_t)n * k->n_params + 1, 1);
    if (!s->cases || !s->case_set)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        if (config_setting_type(g) != CONFIG_TYPE_GROUP)
            return perr(c, config_setting_source_line(g), "cases", "case %d is not a group", i + 1);
        for (int j = 0; j < config_setting_length(g); j++) {
            config_setting_t *m = config_setting_get_elem(g, (unsigned)j);
            int idx;
            HS_CALL(param_of(c, k, m, &idx));
            HS_CALL(claim(c, b, idx, SRC_CASE, m));
            if (!is_scalar_type(config_setting_type(m)))
                return perr(c, config_setting_source_line(m), config_setting_name(m),
                            "a case value must be %s", type_word(k->params[idx].type));
            HS_CALL(scalar_value(c, &k->params[idx], m, &s->cases[(size_t)i * k->n_params + idx]));
            s->case_set[(size_t)i * k->n_params + idx] = 1;
        }
    }
    return 0;
}

static int parse_seeds(pctx *c, hs_sweep *s, config_setting_t *m)
{
    int t = config_setting_type(m);
    int line = config_setting_source_line(m);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
        /* `seeds = 3;` reads as "three seeds" as often as "seed 3": neither is guessed */
        long long v = config_setting_get_int64(m);
        return perr(c, line, "seeds",
                    "a single number is not a list of seeds: write seeds = [%lld]; for the one "
                    "seed %lld, or list every seed, e.g. seeds = [1, 2, 3]; for three",
                    v, v);
    }
    if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
        return perr(c, line, "seeds", "expected a list of integers [1, 2, 3]");
    int n = config_setting_length(m);
    if (n < 1)
        return perr(c, line, "seeds", "needs at least one seed");
    s->seeds = calloc((size_t)n, sizeof *s->seeds);
    if (!s->seeds)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        config_setting_t *el = config_setting_get_elem(m, (unsigned)i);
        int et = config_setting_type(el);
        if (et != CONFIG_TYPE_INT && et != CONFIG_TYPE_INT64)
            return perr(c, config_setting_source_line(el), "seeds", "seeds must be integers");
        s->seeds[i] = config_setting_get_int64(el);
        for (int j = 0; j < i; j++)
            if (s->seeds[j] == s->seeds[i])
                return perr(c, config_setting_source_line(el), "seeds", "seed %lld is repeated",
                            (long long)s->seeds[i]);
    }
    s->n_seeds = (size_t)n;
    return 0;
}

static const char *const rule_keys[] = {"claim",      "when",   "metric", "op",  "value", "ref",
                                        "ref_sweep",  "ref_metric", "factor", "tol", "over", "tasks"};
#define N_RULE_KEYS (sizeof rule_keys / sizeof rule_keys[0])

const char *hs_rule_op_name(int op) { return op == HS_RULE_WITHIN ? "within" : hs_op_name(op); }

int hs_rule_check(const hs_rule *r, double lhs, double rhs)
{
    if (isnan(lhs) || isnan(rhs))
        return 0;
    if (r->op == HS_RULE_WITHIN)
        return fabs(lhs - rhs) <= r->tol * fabs(rhs);
    return hs_op_eval(r->op, lhs, rhs);
}

void hs_rule_text(const hs_rule *r, char *buf, size_t cap)
{
    char rhs[512];
    if (!r->ref_text && !r->ref_sweep) {
        snprintf(rhs, sizeof rhs, "%g", r->value);
    } else {
        char f[64] = "";
        if (r->factor != 1)
            snprintf(f, sizeof f, "%g × ", r->factor);
        snprintf(rhs, sizeof rhs, "%s%s%s%s%s%s", f, r->ref_metric ? r->ref_metric : r->metric,
                 r->ref_sweep ? " of " : "", r->ref_sweep ? r->ref_sweep : "",
                 r->ref_text ? " at " : "", r->ref_text ? r->ref_text : "");
    }
    char op[64];
    if (r->op == HS_RULE_WITHIN)
        snprintf(op, sizeof op, "within %g%% of", 100 * r->tol);
    else
        snprintf(op, sizeof op, "%s", hs_op_name(r->op));
    snprintf(buf, cap, "%s%s%s%s%s%s %s %s", r->when_text ? "when " : "",
             r->when_text ? r->when_text : "", r->when_text ? ": " : "",
             r->over_any ? "some group: " : "", r->tasks_all ? "every task's " : "", r->metric, op,
             rhs);
}

static int rule_metric_ok(const hs_kernel *k, const char *mn)
{
    return hs_kernel_metric_index(k, mn) >= 0 || strcmp(mn, "wall_s") == 0 ||
           strcmp(mn, "frac_ok") == 0;
}

/* A string-valued rule key into *out (owned); an error naming the key otherwise. */
static int rule_string(pctx *c, config_setting_t *m, const char *key, char **out)
{
    if (config_setting_type(m) != CONFIG_TYPE_STRING)
        return perr(c, config_setting_source_line(m), key, "expected a string");
    *out = strdup(config_setting_get_string(m));
    return *out ? 0 : HS_FAIL(c->e, HS_ENOMEM, "out of memory");
}

static int rule_number(pctx *c, config_setting_t *m, const char *key, double *out)
{
    int t = config_setting_type(m);
    if (t == CONFIG_TYPE_FLOAT)
        *out = config_setting_get_float(m);
    else if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        *out = (double)config_setting_get_int64(m);
    else
        return perr(c, config_setting_source_line(m), key, "expected a number");
    return isfinite(*out) ? 0
                          : perr(c, config_setting_source_line(m), key, "expected a finite number");
}

/* One rule's own keys; its reference is checked by check_rule_ref once every sweep is known. */
static int parse_rule(pctx *c, const hs_sweep *s, config_setting_t *g, hs_rule *r)
{
    int gl = config_setting_source_line(g);
    r->line = gl;
    r->op = -1;
    r->value = r->tol = NAN;
    r->factor = 1;
    int has_value = 0, tol_line = 0, factor_line = 0, rmetric_line = 0;
    for (int j = 0; j < config_setting_length(g); j++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)j);
        const char *nm = config_setting_name(m);
        int ml = config_setting_source_line(m);
        char key[64];
        snprintf(key, sizeof key, "expect.%s", nm);
        char *str = NULL;
        int rc = 0;
        if (strcmp(nm, "claim") == 0) {
            rc = rule_string(c, m, key, &r->claim);
        } else if (strcmp(nm, "when") == 0) {
            hs_err fe;
            rc = rule_string(c, m, key, &r->when_text);
            if (rc == 0 && hs_filter_parse(s->kernel, r->when_text, &r->when, &fe) != 0)
                rc = perr(c, ml, key, "%s", fe.msg);
        } else if (strcmp(nm, "metric") == 0 || strcmp(nm, "ref_metric") == 0) {
            char **dst = nm[0] == 'm' ? &r->metric : &r->ref_metric;
            rc = rule_string(c, m, key, dst);
            /* ref_metric belongs to the reference's kernel: checked with the reference */
            if (rc == 0 && nm[0] == 'm' && !rule_metric_ok(s->kernel, *dst))
                rc = perr(c, ml, key, "'%s' is not a metric of kernel '%s'", *dst, s->kernel->name);
            rmetric_line = nm[0] == 'r' ? ml : rmetric_line;
        } else if (strcmp(nm, "op") == 0) {
            rc = rule_string(c, m, key, &str);
            r->op = rc ? 0 : strcmp(str, "within") == 0 ? HS_RULE_WITHIN : hs_op_parse(str);
            if (rc == 0 && r->op < 0)
                rc = perr(c, ml, key, "op \"%s\": expected one of < <= > >= = != within", str);
        } else if (strcmp(nm, "value") == 0) {
            rc = rule_number(c, m, key, &r->value);
            has_value = 1;
        } else if (strcmp(nm, "ref") == 0) {
            rc = rule_string(c, m, key, &r->ref_text);
        } else if (strcmp(nm, "ref_sweep") == 0) {
            rc = rule_string(c, m, key, &r->ref_sweep);
        } else if (strcmp(nm, "factor") == 0) {
            rc = rule_number(c, m, key, &r->factor);
            factor_line = ml;
        } else if (strcmp(nm, "tol") == 0) {
            rc = rule_number(c, m, key, &r->tol);
            tol_line = ml;
            if (rc == 0 && r->tol < 0)
                rc = perr(c, ml, key, "expected a tolerance >= 0 (a fraction of |rhs|)");
        } else if (strcmp(nm, "over") == 0 || strcmp(nm, "tasks") == 0) {
            const char *alt = nm[0] == 'o' ? "any" : "all", *def = nm[0] == 'o' ? "all" : "mean";
            rc = rule_string(c, m, key, &str);
            if (rc == 0 && strcmp(str, alt) != 0 && strcmp(str, def) != 0)
                rc = perr(c, ml, key, "\"%s\": expected \"%s\" (default) or \"%s\"", str, def, alt);
            if (rc == 0)
                *(nm[0] == 'o' ? &r->over_any : &r->tasks_all) = strcmp(str, alt) == 0;
        } else {
            char sg[128];
            suggest(nm, rule_keys, N_RULE_KEYS, sg, sizeof sg);
            rc = perr(c, ml, key,
                      "unknown rule key%s (a rule has claim, when, metric, op, value or ref/"
                      "ref_sweep, ref_metric, factor, tol, over, tasks)",
                      sg);
        }
        free(str);
        HS_CALL(rc);
    }
    int has_ref = r->ref_text || r->ref_sweep;
    if (!r->metric || r->op < 0)
        return perr(c, gl, "expect", "a rule needs metric and op");
    if (has_value == has_ref)
        return perr(c, gl, "expect",
                    has_value ? "a rule compares with value or with a reference (ref, ref_sweep), "
                                "not both"
                              : "a rule needs value (a constant) or a reference (ref, ref_sweep)");
    if (!has_ref && (factor_line || rmetric_line))
        return perr(c, factor_line ? factor_line : rmetric_line,
                    factor_line ? "expect.factor" : "expect.ref_metric",
                    "only a rule with a reference (ref, ref_sweep) takes this key");
    if (r->op == HS_RULE_WITHIN && !tol_line)
        return perr(c, gl, "expect", "op \"within\" needs tol (e.g. tol = 0.1: within 10%%)");
    if (r->op != HS_RULE_WITHIN && tol_line)
        return perr(c, tol_line, "expect.tol", "tol goes with op = \"within\" only");
    return 0;
}

static int parse_expect(pctx *c, hs_sweep *s, config_setting_t *l)
{
    int line = config_setting_source_line(l);
    if (config_setting_type(l) != CONFIG_TYPE_LIST)
        return perr(c, line, "expect", "expected a list of rules ( { metric; op; value; }, ... )");
    int n = config_setting_length(l);
    s->rules = calloc((size_t)n + 1, sizeof *s->rules);
    if (!s->rules)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
        if (config_setting_type(g) != CONFIG_TYPE_GROUP)
            return perr(c, config_setting_source_line(g), "expect", "rule %d is not a group", i + 1);
        HS_CALL(parse_rule(c, s, g, &s->rules[s->n_rules++]));
    }
    return 0;
}

/* Value a of parameter p matches the value typed in cd (reals as hs_num_cmp reads them, like `when`). */
static int axis_value_matches(const hs_kernel *k, int p, const hs_value *a, const hs_cond *cd)
{
    if (k->params[p].type == HS_T_REAL)
        return hs_num_cmp(a->r, cd->v.r, cd->text) == 0;
    return values_equal(k->params[p].type, a, &cd->v);
}

/*
 * Whether parameter cd->param varies in sweep s (a case key, matrix axis or
 * zip member); *has: one of its values matches the value cd names.
 */
static int axis_has(const hs_sweep *s, const hs_cond *cd, int *has)
{
    const hs_kernel *k = s->kernel;
    size_t np = k->n_params;
    int p = cd->param;
    int is_axis = 0;
    *has = 0;
    for (size_t a = 0; a < s->n_axes; a++)
        for (size_t q = 0; q < s->axes[a].n_params; q++)
            if (s->axes[a].param[q] == p) {
                is_axis = 1;
                for (size_t i = 0; i < s->axes[a].n; i++)
                    *has |= axis_value_matches(k, p, &s->axes[a].values[i * s->axes[a].n_params + q], cd);
            }
    for (size_t ci = 0; s->n_cases > 1 && s->case_set && ci < s->n_cases; ci++)
        if (s->case_set[ci * np + p])
            is_axis = 1;
    for (size_t ci = 0; is_axis && s->case_set && ci < s->n_cases; ci++)
        *has |= axis_value_matches(k, p, s->case_set[ci * np + p] ? &s->cases[ci * np + p] : &s->base[p],
                                   cd);
    return is_axis;
}

/*
 * A rule's reference, once every sweep of the file is known: ref_sweep names
 * another sweep, the reference metric is one of its kernel's, and `ref` is a
 * list of "axis = value" with axes of the reference sweep and values they take
 * (in a reduced run, values it may have left out).
 */
static int check_rule_ref(pctx *c, const hs_sweepset *set, const hs_sweep *s, hs_rule *r,
                          config_setting_t *g)
{
    const hs_sweep *rs = s;
    config_setting_t *m = config_setting_get_member(g, "ref_sweep");
    if (r->ref_sweep) {
        int si = hs_sweepset_find(set, r->ref_sweep);
        if (si < 0) {
            const char *names[256];
            size_t n = 0;
            for (size_t i = 0; i < set->n_sweeps && n < 256; i++)
                names[n++] = set->sweeps[i].name;
            char sg[128];
            suggest(r->ref_sweep, names, n, sg, sizeof sg);
            return perr(c, config_setting_source_line(m), "expect.ref_sweep",
                        "this file has no sweep '%s'%s", r->ref_sweep, sg);
        }
        rs = &set->sweeps[si];
        if (rs == s)
            return perr(c, config_setting_source_line(m), "expect.ref_sweep",
                        "names this sweep: a contrast within it needs ref alone");
    }
    const char *mn = r->ref_metric ? r->ref_metric : r->metric;
    if (!rule_metric_ok(rs->kernel, mn)) {
        m = config_setting_get_member(g, r->ref_metric ? "ref_metric" : "metric");
        return perr(c, config_setting_source_line(m), r->ref_metric ? "expect.ref_metric" : "expect.metric",
                    "'%s' is not a metric of kernel '%s' of sweep '%s'%s", mn, rs->kernel->name,
                    rs->name, r->ref_metric ? "" : " (set ref_metric)");
    }
    if (!r->ref_text)
        return 0;
    m = config_setting_get_member(g, "ref");
    int line = config_setting_source_line(m);
    hs_err fe;
    if (hs_filter_parse(rs->kernel, r->ref_text, &r->ref, &fe) != 0)
        return perr(c, line, "expect.ref", "%s", fe.msg);
    if (r->ref.n == 0)
        return perr(c, line, "expect.ref", "\"%s\": expected AXIS = VALUE[, AXIS = VALUE ...]",
                    r->ref_text);
    for (size_t i = 0; i < r->ref.n; i++) {
        const hs_cond *cd = &r->ref.c[i];
        for (size_t j = 0; j < i; j++)
            if (r->ref.c[j].param == cd->param)
                return perr(c, line, "expect.ref", "\"%s\": an axis given twice", r->ref_text);
        const char *an = cd->param < 0 ? "seed" : rs->kernel->params[cd->param].name;
        int has = 0;
        if (cd->op != HS_OP_EQ)
            return perr(c, line, "expect.ref", "\"%s\": a reference sets axis values: write AXIS = VALUE",
                        r->ref_text);
        if (cd->param < 0 || !axis_has(rs, cd, &has))
            return perr(c, line, "expect.ref", "'%s' is not an axis of sweep '%s'", an, rs->name);
        /* a reduced run may leave the value out: its groups are then incomplete */
        if (!has && !set->reduced)
            return perr(c, line, "expect.ref", "axis '%s' of sweep '%s' has no value %s", an,
                        rs->name, cd->text);
    }
    return 0;
}

static int check_rule_refs(pctx *c, hs_sweepset *set, config_setting_t *sweeps)
{
    for (size_t i = 0; i < set->n_sweeps; i++) {
        hs_sweep *s = &set->sweeps[i];
        config_setting_t *l = config_setting_get_member(
            config_setting_get_elem(sweeps, (unsigned)i), "expect");
        c->sweep = s->name;
        for (size_t ri = 0; ri < s->n_rules; ri++)
            HS_CALL(check_rule_ref(c, set, s, &s->rules[ri],
                                   config_setting_get_elem(l, (unsigned)ri)));
    }
    c->sweep = NULL;
    return 0;
}

/*
 * A sweep's `reduced = { key = value; axis = [values]; seeds = [...]; }`: the
 * same sweep made cheap (hsweep run --reduced).  A parameter set in fixed,
 * in cases or by default takes the scalar in every task; a matrix axis takes
 * a list (or a range) instead of its own; seeds replace the seeds.  Checked
 * like `fixed` whether or not `apply` is set, so a file's reduced run is
 * valid whenever its full run is; with apply, the sweep is changed in place
 * (before finish_sweep counts its tasks).
 */
static int parse_reduced(pctx *c, sweep_build *b, config_setting_t *g, int apply)
{
    hs_sweep *s = b->s;
    const hs_kernel *k = s->kernel;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return perr(c, config_setting_source_line(g), "reduced",
                    "expected a group { key = value; axis = [values]; seeds = [...]; }");
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(m);
        int line = config_setting_source_line(m);
        if (strcmp(key, "seeds") == 0) {
            hs_sweep tmp = {0};
            int rc = parse_seeds(c, &tmp, m);
            if (rc == 0 && apply) {
                free(s->seeds);
                s->seeds = tmp.seeds;
                s->n_seeds = tmp.n_seeds;
            } else {
                free(tmp.seeds);
            }
            HS_CALL(rc);
            continue;
        }
        int idx;
        HS_CALL(param_of(c, k, m, &idx));
        if (b->src[idx] == SRC_ZIP)
            return perr(c, line, key, "a member of a zip group cannot be reduced on its own");
        if (b->src[idx] == SRC_MATRIX) {
            hs_axis *ax = s->axes;
            while (ax->param[0] != idx)
                ax++;
            hs_value *vals;
            size_t n;
            HS_CALL(axis_values(c, &k->params[idx], m, &vals, &n));
            if (apply) {
                free(ax->values);
                ax->values = vals;
                ax->n = n;
                ax->line = line;
            } else {
                free(vals);
            }
            continue;
        }
        if (!is_scalar_type(config_setting_type(m)))
            return perr(c, line, key, "expected %s (only a matrix axis takes a list here)",
                        type_word(k->params[idx].type));
        hs_value v;
        HS_CALL(scalar_value(c, &k->params[idx], m, &v));
        if (!apply)
            continue;
        s->base[idx] = v;
        s->set_line[idx] = line;
        for (size_t ci = 0; s->case_set && ci < s->n_cases; ci++)
            if (s->case_set[ci * k->n_params + idx])
                s->cases[ci * k->n_params + idx] = v;
    }
    return 0;
}

static const char *const sweep_keys[] = {"name",      "kernel",  "fixed",        "matrix",
                                         "zip",       "cases",   "seeds",        "expect",
                                         "ranks_per_task", "isolation", "timeout_s", "retries",
                                         "mem_limit_mb", "description", "reduced", "command", "parse",
                                         "workdir", "env", "metrics", "traces", "protocol"};
/* Keys of kernel = "exec" sweeps only: "command" and those after it. */
#define FIRST_EXEC_KEY "command"
#define N_SWEEP_KEYS (sizeof sweep_keys / sizeof sweep_keys[0])

static int name_valid(const char *n)
{
    if (!*n || strlen(n) > 200)
        return 0;
    for (const char *p = n; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-' || *p == '.'))
            return 0;
    return n[0] != '.';
}

/*
 * An upper bound of the bytes HDF5 needs to describe the tasks table's row
 * type: one object-header message, at most 64 KiB, holds it (HDF5 file format
 * 3.0, IV.A.2.d, datatype version 3: per member its name, NUL, offset and
 * type, up to 24 bytes for ours), plus a margin for the fixed columns.  A
 * table over it could only fail when the file is created.
 */
#define ROW_TYPE_MAX 65535.0
static double row_type_bytes(const hs_kernel *k)
{
    double n = 1024; /* task_id, seed, status (an enum with its names), ..., detail */
    for (size_t p = 0; p < k->n_params; p++)
        n += (double)strlen(k->params[p].name) + 29;
    for (size_t m = 0; m < k->n_metrics; m++)
        n += (double)strlen(k->metrics[m].name) + 29;
    for (size_t t = 0; t < k->n_traces; t++)
        n += (double)strlen(k->traces[t].name) + 4 + 29;
    return n;
}

static int finish_sweep(pctx *c, sweep_build *b, const hs_load_opts *o, uint64_t *total)
{
    hs_sweep *s = b->s;
    const hs_kernel *k = s->kernel;
    /* Required parameters must be given somewhere, in every case. */
    for (size_t p = 0; p < k->n_params; p++) {
        if (k->params[p].def || (b->src[p] != SRC_NONE && b->src[p] != SRC_CASE))
            continue;
        for (size_t ci = 0; ci < s->n_cases; ci++)
            if (!s->case_set || !s->case_set[ci * k->n_params + p])
                return perr(c, s->line, k->params[p].name, "required parameter of kernel '%s' is not given%s",
                            k->name, s->case_set ? " (in every case)" : "");
    }
    for (size_t p = 0; p < k->n_params; p++)
        s->varying[p] = (b->src[p] == SRC_MATRIX || b->src[p] == SRC_ZIP ||
                         (b->src[p] == SRC_CASE && s->n_cases > 1));
    if (!s->seeds) {
        s->seeds = calloc(1, sizeof *s->seeds);
        if (!s->seeds)
            return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        s->n_seeds = 1;
    }
    if (row_type_bytes(k) > ROW_TYPE_MAX)
        return perr(c, s->line, NULL,
                    "its results table would have %zu columns whose description takes about %.0f "
                    "bytes, more than HDF5's %.0f: use fewer or shorter metric and parameter names",
                    k->n_params + k->n_metrics + k->n_traces + 11, row_type_bytes(k), ROW_TYPE_MAX);
    /* Two cases that are the same task would run it twice under two task ids. */
    if (s->case_set && s->n_cases > 1) {
        size_t *order = malloc(s->n_cases * sizeof *order);
        if (!order)
            return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        for (size_t i = 0; i < s->n_cases; i++)
            order[i] = i;
        sort_sweep = s;
        qsort(order, s->n_cases, sizeof *order, cmp_case_index);
        for (size_t i = 1; i < s->n_cases; i++) {
            size_t a = order[i - 1], b = order[i];
            if (cmp_cases(s, a, b) == 0) {
                free(order);
                return perr(c, s->line, "cases", "case %zu is the same task as case %zu (identical "
                            "parameter values): remove one", b + 1, a + 1);
            }
        }
        free(order);
    }
    uint64_t max = o && o->max_tasks ? o->max_tasks : HS_DEFAULT_MAX_TASKS;
    /* Count with overflow checks: refuse before anything is allocated per task. */
    long double n = (long double)s->n_cases * (long double)s->n_seeds;
    for (size_t a = 0; a < s->n_axes; a++)
        n *= (long double)s->axes[a].n;
    if (n > (long double)max || n + (long double)*total > (long double)max)
        return perr(c, s->line, NULL,
                    "expands to %.0Lf tasks (%llu in the file so far), more than the limit of %llu; "
                    "raise it with max_tasks = N; at the top of the file or --max-tasks N",
                    n, (unsigned long long)*total, (unsigned long long)max);
    s->n_tasks = (uint64_t)n;
    *total += s->n_tasks;
    /* String widths for the results table. */
    for (size_t p = 0; p < k->n_params; p++) {
        if (k->params[p].type != HS_T_STRING)
            continue;
        size_t w = s->base[p].s ? strlen(s->base[p].s) : 0;
        for (size_t ci = 0; s->case_set && ci < s->n_cases; ci++)
            if (s->case_set[ci * k->n_params + p]) {
                size_t l = strlen(s->cases[ci * k->n_params + p].s);
                w = l > w ? l : w;
            }
        for (size_t a = 0; a < s->n_axes; a++)
            for (size_t q = 0; q < s->axes[a].n_params; q++)
                if (s->axes[a].param[q] == (int)p)
                    for (size_t j = 0; j < s->axes[a].n; j++) {
                        size_t l = strlen(s->axes[a].values[j * s->axes[a].n_params + q].s);
                        w = l > w ? l : w;
                    }
        s->str_width[p] = w + 1;
    }
    /* The kernel's own cross-parameter checks, on every task. */
    if (k->check && !(o && o->skip_checks)) {
        hs_value *v = calloc(k->n_params + 1, sizeof *v);
        if (!v)
            return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        uint64_t step = s->n_seeds; /* the seed does not change parameters */
        for (uint64_t id = 0; id < s->n_tasks; id += step) {
            int64_t seed;
            uint64_t rs;
            hs_sweep_task(s, id, v, &seed, &rs);
            hs_params pr = {k, v};
            char msg[512] = "";
            const char *key = NULL;
            if (k->check(&pr, msg, sizeof msg, &key) != 0) {
                int pi = key ? hs_kernel_param_index(k, key) : -1;
                int line = pi >= 0 && s->set_line[pi] ? s->set_line[pi] : s->line;
                char ctx[256];
                snprintf(ctx, sizeof ctx, "task %llu: ", (unsigned long long)id);
                free(v);
                return perr(c, line, key, "%s%s", s->n_tasks > 1 ? ctx : "", msg);
            }
        }
        free(v);
    }
    return 0;
}

/* ---- exec and plug-in kernels ------------------------------------------------ */

/* The inverse of hs_sweep_task: the id of the task with parameters v and sweep seed. */
static uint64_t sweep_task_id(const void *arg, const hs_value *v, int64_t seed)
{
    const hs_sweep *s = arg;
    const hs_kernel *k = s->kernel;
    size_t np = k->n_params, ci = 0;
    for (; s->case_set && ci < s->n_cases; ci++) {
        int match = 1;
        for (size_t p = 0; p < np && match; p++)
            if (s->case_set[ci * np + p])
                match = values_equal(k->params[p].type, &v[p], &s->cases[ci * np + p]);
        if (match)
            break;
    }
    uint64_t id = ci < s->n_cases ? ci : 0;
    for (size_t a = 0; a < s->n_axes; a++) {
        const hs_axis *ax = &s->axes[a];
        size_t j = 0;
        for (; j < ax->n; j++) {
            int match = 1;
            for (size_t q = 0; q < ax->n_params && match; q++)
                match = values_equal(k->params[ax->param[q]].type, &v[ax->param[q]],
                                     &ax->values[j * ax->n_params + q]);
            if (match)
                break;
        }
        id = id * ax->n + (j < ax->n ? j : 0);
    }
    size_t si = 0;
    while (si < s->n_seeds && s->seeds[si] != seed)
        si++;
    return id * s->n_seeds + (si < s->n_seeds ? si : 0);
}

/* The type a parameter's value or list of values implies; -1 if none. */
static int implied_type(config_setting_t *m)
{
    int t = config_setting_type(m);
    if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64)
        return HS_T_INT;
    if (t == CONFIG_TYPE_FLOAT)
        return HS_T_REAL;
    if (t == CONFIG_TYPE_BOOL)
        return HS_T_BOOL;
    if (t == CONFIG_TYPE_STRING)
        return HS_T_STRING;
    /* A list: its first value's type, real if any value is a real; a range: the same of from, to. */
    int ty = -1;
    for (int i = 0; i < config_setting_length(m); i++) {
        config_setting_t *el = config_setting_get_elem(m, (unsigned)i);
        if (t == CONFIG_TYPE_GROUP && strcmp(config_setting_name(el), "from") != 0 &&
            strcmp(config_setting_name(el), "to") != 0)
            continue;
        int et = is_scalar_type(config_setting_type(el)) ? implied_type(el) : -1;
        if (ty < 0 || (ty == HS_T_INT && et == HS_T_REAL))
            ty = et;
    }
    return ty;
}

typedef struct exec_schema {
    const char **names;
    hs_type *types;
    int *lines; /* where each name first appears */
    size_t n, cap;
} exec_schema;

/* Add the keys of group g (fixed, matrix, a zip group, a case) to the schema. */
static int schema_add_group(pctx *c, exec_schema *sc, config_setting_t *g)
{
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return 0; /* parse_fixed & co. report it */
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *nm = config_setting_name(m);
        int ty = implied_type(m);
        size_t j = 0;
        while (j < sc->n && strcmp(sc->names[j], nm) != 0)
            j++;
        if (j < sc->n) {
            if (sc->types[j] == HS_T_INT && ty == HS_T_REAL)
                sc->types[j] = HS_T_REAL;
            continue;
        }
        if (ty < 0)
            return perr(c, config_setting_source_line(m), nm,
                        "cannot tell the parameter's type (integer, real, bool or string) from its value");
        if (sc->n == sc->cap) {
            sc->cap = sc->cap ? 2 * sc->cap : 16;
            const char **nn = realloc(sc->names, sc->cap * sizeof *nn);
            if (nn)
                sc->names = nn;
            hs_type *nt = realloc(sc->types, sc->cap * sizeof *nt);
            if (nt)
                sc->types = nt;
            int *nl = realloc(sc->lines, sc->cap * sizeof *nl);
            if (nl)
                sc->lines = nl;
            if (!nn || !nt || !nl)
                return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        }
        sc->lines[sc->n] = (int)config_setting_source_line(m);
        sc->names[sc->n] = nm;
        sc->types[sc->n++] = (hs_type)ty;
    }
    return 0;
}

/* A list or array of strings, each checked as a template when sc is given. */
static int string_list(pctx *c, config_setting_t *m, const exec_schema *sc, const char ***out,
                       size_t *n)
{
    const char *key = config_setting_name(m);
    int t = config_setting_type(m), line = config_setting_source_line(m);
    if ((t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) || config_setting_length(m) < 1)
        return perr(c, line, key, "expected a non-empty list of strings [\"a\", \"b\"]");
    *n = (size_t)config_setting_length(m);
    *out = calloc(*n, sizeof **out);
    if (!*out)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    for (size_t i = 0; i < *n; i++) {
        config_setting_t *el = config_setting_get_elem(m, (unsigned)i);
        int el_line = config_setting_source_line(el) ? (int)config_setting_source_line(el) : line;
        if (config_setting_type(el) != CONFIG_TYPE_STRING)
            return perr(c, el_line, key, "value %zu is not a string", i + 1);
        (*out)[i] = config_setting_get_string(el);
        hs_err te;
        if (sc && hs_exec_template_check((*out)[i], sc->names, sc->n, &te) != 0)
            return perr(c, el_line, key, "%s", te.msg);
    }
    return 0;
}

static int env_name_ok(const char *n)
{
    for (const char *p = n; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_' ||
              (p > n && *p >= '0' && *p <= '9')))
            return 0;
    return *n != 0;
}

/* protocol = "jsonl": one program for every task, so its templates may not depend on the task. */
static int warm_keys(pctx *c, config_setting_t *g, const hs_exec_def *d)
{
    static const char *const keys[] = {"command", "workdir", "env", "parse"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        config_setting_t *m = config_setting_get_member(g, keys[k]);
        int n = m && config_setting_is_aggregate(m) ? config_setting_length(m) : m ? 1 : 0;
        for (int i = 0; i < n; i++) {
            config_setting_t *el = config_setting_is_aggregate(m) ? config_setting_get_elem(m, (unsigned)i) : m;
            hs_err te;
            if (k == 3 && d->parse != HS_EXEC_JSON)
                return perr(c, config_setting_source_line(m), keys[k],
                            "protocol = \"jsonl\" reads JSON answers: parse must be \"json-last-line\"");
            if (k < 3 && hs_exec_warm_template_check(config_setting_get_string(el), &te) != 0)
                return perr(c, config_setting_source_line(el), keys[k], "%s", te.msg);
        }
    }
    return 0;
}

/* The keys of an exec sweep (command, parse, workdir, env, metrics, traces, protocol) into d. */
static int exec_keys(pctx *c, config_setting_t *g, const exec_schema *sc, hs_exec_def *d,
                     size_t *trace_lens)
{
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(m);
        int t = config_setting_type(m), line = config_setting_source_line(m);
        if (strcmp(key, "command") == 0) {
            HS_CALL(string_list(c, m, sc, (const char ***)&d->argv, &d->argc));
        } else if (strcmp(key, "metrics") == 0) {
            HS_CALL(string_list(c, m, NULL, (const char ***)&d->metric_names, &d->n_metrics));
        } else if (strcmp(key, "parse") == 0) {
            const char *v = t == CONFIG_TYPE_STRING ? config_setting_get_string(m) : "";
            if (strcmp(v, "json-last-line") == 0 || strcmp(v, "key=value") == 0)
                d->parse = v[0] == 'j' ? HS_EXEC_JSON : HS_EXEC_KV;
            else
                return perr(c, line, key, "expected \"json-last-line\" or \"key=value\"");
        } else if (strcmp(key, "protocol") == 0) {
            const char *v = t == CONFIG_TYPE_STRING ? config_setting_get_string(m) : "";
            if (strcmp(v, "per-task") != 0 && strcmp(v, "jsonl") != 0)
                return perr(c, line, key, "expected \"per-task\" or \"jsonl\"");
            d->warm = v[0] == 'j';
        } else if (strcmp(key, "workdir") == 0) {
            hs_err te;
            if (t != CONFIG_TYPE_STRING || !*config_setting_get_string(m))
                return perr(c, line, key, "expected a directory (a string; {task_id} etc. allowed)");
            d->workdir = config_setting_get_string(m);
            if (hs_exec_template_check(d->workdir, sc->names, sc->n, &te) != 0)
                return perr(c, line, key, "%s", te.msg);
        } else if (strcmp(key, "env") == 0 || strcmp(key, "traces") == 0) {
            int is_env = key[0] == 'e', n = config_setting_length(m);
            if (t != CONFIG_TYPE_GROUP)
                return perr(c, line, key, is_env ? "expected a group { NAME = \"value\"; ... }"
                                                 : "expected a group { name = max_length; ... }");
            if (!is_env && n > HS_EXEC_MAX_TRACES)
                return perr(c, line, key, "at most %d traces", HS_EXEC_MAX_TRACES);
            const char **names = calloc((size_t)n + 1, sizeof *names);
            const char **vals = is_env ? calloc((size_t)n + 1, sizeof *vals) : NULL;
            if (!names || (is_env && !vals)) {
                free(names);
                return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
            }
            if (is_env) {
                d->env_names = names;
                d->env_values = vals;
                d->n_env = (size_t)n;
            } else {
                d->trace_names = names;
                d->n_traces = (size_t)n;
            }
            for (int j = 0; j < n; j++) {
                config_setting_t *el = config_setting_get_elem(m, (unsigned)j);
                int et = config_setting_type(el), el_line = config_setting_source_line(el);
                names[j] = config_setting_name(el);
                hs_err te;
                if (is_env && !env_name_ok(names[j]))
                    return perr(c, el_line, key, "'%s' is not a variable name (letters, digits, _)",
                                names[j]);
                if (is_env && et != CONFIG_TYPE_STRING)
                    return perr(c, el_line, key, "%s: expected a string", names[j]);
                if (is_env && hs_exec_template_check((vals[j] = config_setting_get_string(el)),
                                                     sc->names, sc->n, &te) != 0)
                    return perr(c, el_line, key, "%s: %s", names[j], te.msg);
                long long len = (et == CONFIG_TYPE_INT || et == CONFIG_TYPE_INT64)
                                    ? config_setting_get_int64(el) : -1;
                if (!is_env && (len < 1 || len > 100000000))
                    return perr(c, el_line, key, "%s: expected its maximum length, an integer in [1, 1e8]",
                                names[j]);
                if (!is_env)
                    trace_lens[j] = (size_t)len;
            }
        }
    }
    if (!d->argc)
        return perr(c, config_setting_source_line(g), "command",
                    "kernel = \"exec\" needs command = [\"program\", \"arg\", ...]");
    return d->warm ? warm_keys(c, g, d) : 0;
}

/* The directory of the sweep file, absolute if it exists ({sweep_dir}, plug-in paths). */
static char *sweep_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    char *abs = dir ? realpath(dir, NULL) : NULL;
    if (abs) {
        free(dir);
        return abs;
    }
    return dir;
}

/* kernel = "exec": the sweep's parameters are the keys its fixed, matrix, zip and cases use. */
static int exec_kernel(pctx *c, hs_sweepset *set, config_setting_t *g, hs_sweep *s)
{
    exec_schema sc = {0};
    hs_exec_def d = {.sweep = s->name, .parse = HS_EXEC_JSON, .task_id = sweep_task_id, .task_id_arg = s};
    size_t trace_lens[HS_EXEC_MAX_TRACES];
    d.trace_lens = trace_lens;
    int rc = 0;
    for (int i = 0; i < config_setting_length(g) && rc == 0; i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(m);
        if (strcmp(key, "fixed") == 0 || strcmp(key, "matrix") == 0 ||
            (strcmp(key, "zip") == 0 && config_setting_type(m) == CONFIG_TYPE_GROUP))
            rc = schema_add_group(c, &sc, m);
        else if ((strcmp(key, "zip") == 0 || strcmp(key, "cases") == 0) &&
                 config_setting_type(m) == CONFIG_TYPE_LIST)
            for (int j = 0; j < config_setting_length(m) && rc == 0; j++)
                rc = schema_add_group(c, &sc, config_setting_get_elem(m, (unsigned)j));
    }
    char *dir = rc == 0 ? sweep_dir(set->path) : NULL;
    if (rc == 0 && !dir)
        rc = HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    if (rc == 0)
        rc = exec_keys(c, g, &sc, &d, trace_lens);
    if (rc == 0) {
        d.sweep_dir = dir;
        d.param_names = sc.names;
        d.param_types = sc.types;
        d.n_params = sc.n;
        hs_err xe;
        if (hs_exec_create(&d, &s->exec, &xe) != 0) {
            /* A name the table check refused: point at the key that declares it. */
            const char *key = strstr(xe.msg, ": metric '") ? "metrics"
                              : strstr(xe.msg, ": trace '") ? "traces" : NULL;
            config_setting_t *m = key ? config_setting_get_member(g, key) : NULL;
            int line = m ? (int)config_setting_source_line(m) : s->line;
            const char *pq = strstr(xe.msg, ": parameter '");
            for (size_t i = 0; pq && !key && i < sc.n; i++) {
                size_t n = strlen(sc.names[i]);
                if (strncmp(pq + 13, sc.names[i], n) == 0 && pq[13 + n] == '\'') {
                    key = sc.names[i];
                    line = sc.lines[i];
                }
            }
            rc = perr(c, line, key ? key : "kernel", "%s", xe.msg);
        } else {
            s->kernel = hs_exec_kernel(s->exec);
        }
    }
    free(dir);
    free((void *)d.argv);
    free((void *)d.metric_names);
    free((void *)d.trace_names);
    free((void *)d.env_names);
    free((void *)d.env_values);
    free(sc.names);
    free(sc.types);
    free(sc.lines);
    return rc;
}

/* kernel = "plugin:PATH", PATH relative to the sweep file's directory or absolute. */
static int plugin_kernel(pctx *c, hs_sweepset *set, config_setting_t *km, hs_sweep *s,
                         const hs_load_opts *o)
{
    const char *lib = config_setting_get_string(km) + strlen("plugin:");
    int line = config_setting_source_line(km);
    if (!*lib)
        return perr(c, line, "kernel", "\"plugin:\" needs the library's path, e.g. \"plugin:libmine.so\"");
    char *dir = lib[0] == '/' ? NULL : sweep_dir(set->path);
    size_t need = strlen(lib) + (dir ? strlen(dir) : 0) + 2;
    char *path = malloc(need);
    if (!path || (lib[0] != '/' && !dir)) {
        free(dir);
        free(path);
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    }
    snprintf(path, need, "%s%s%s", dir ? dir : "", dir ? "/" : "", lib);
    free(dir);
    hs_err pe;
    int rc = 0;
    const hs_kernel *schema = o && o->no_plugins && o->plugin_schema
                                  ? o->plugin_schema(o->plugin_schema_arg, s->name)
                                  : NULL;
    if (schema)
        s->kernel = schema;
    else if (o && o->no_plugins && !hs_plugin_same(path, o->allow_plugin))
        rc = perr(c, line, "kernel", "runs plug-in %s, which is not loaded for a results file "
                  "(hsweep task --from ... --allow-plugin %s loads it)", path, path);
    else if (hs_plugin_open(path, &s->plugin, &pe) != 0)
        rc = perr(c, line, "kernel", "%s", pe.msg);
    else if (hs_kernel_find(hs_plugin_kernel(s->plugin)->name) ||
             strcmp(hs_plugin_kernel(s->plugin)->name, "exec") == 0)
        rc = perr(c, line, "kernel", "plug-in %s names its kernel '%s', the name of a kernel built into "
                  "hsweep: rename it", path, hs_plugin_kernel(s->plugin)->name);
    else
        s->kernel = hs_plugin_kernel(s->plugin);
    free(path);
    return rc;
}

static int parse_sweep(pctx *c, hs_sweepset *set, config_setting_t *g, hs_sweep *s,
                       const hs_load_opts *o, uint64_t *total)
{
    s->line = config_setting_source_line(g);
    s->ranks_per_task = 1;
    s->isolation = -1;
    s->timeout_s = -1;
    s->retries = -1;
    s->mem_limit_mb = -1;
    if (config_setting_type(g) != CONFIG_TYPE_GROUP)
        return perr(c, s->line, "sweeps", "each sweep must be a group { name = ...; kernel = ...; }");
    /* Unknown keys first, so a typo is reported as such. */
    for (int i = 0; i < config_setting_length(g); i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *nm = config_setting_name(m);
        int known = 0;
        for (size_t j = 0; j < N_SWEEP_KEYS; j++)
            known |= strcmp(nm, sweep_keys[j]) == 0;
        if (!known) {
            char sg[128];
            suggest(nm, sweep_keys, N_SWEEP_KEYS, sg, sizeof sg);
            return perr(c, config_setting_source_line(m), nm,
                        "unknown sweep key%s; parameters go inside fixed, matrix, zip or cases", sg);
        }
    }
    config_setting_t *nm = config_setting_get_member(g, "name");
    if (!nm || config_setting_type(nm) != CONFIG_TYPE_STRING)
        return perr(c, nm ? (int)config_setting_source_line(nm) : s->line, "name",
                    "each sweep needs name = \"...\" (a string)");
    const char *name = config_setting_get_string(nm);
    if (!name_valid(name))
        return perr(c, config_setting_source_line(nm), "name",
                    "\"%s\" is not a valid sweep name (letters, digits, _ - . only)", name);
    s->name = strdup(name);
    if (!s->name)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    for (hs_sweep *p = set->sweeps; p < s; p++)
        if (strcmp(p->name, name) == 0)
            return perr(c, config_setting_source_line(nm), "name",
                        "sweep name \"%s\" is used twice (also at line %d)", name, p->line);
    c->sweep = s->name;
    config_setting_t *km = config_setting_get_member(g, "kernel");
    if (!km || config_setting_type(km) != CONFIG_TYPE_STRING)
        return perr(c, km ? (int)config_setting_source_line(km) : s->line, "kernel",
                    "each sweep needs kernel = \"...\" (a string)");
    const char *kn = config_setting_get_string(km);
    if (strcmp(kn, "exec") == 0)
        HS_CALL(exec_kernel(c, set, g, s));
    else if (strncmp(kn, "plugin:", strlen("plugin:")) == 0)
        HS_CALL(plugin_kernel(c, set, km, s, o));
    else
        s->kernel = hs_kernel_find(kn);
    size_t first_exec = 0;
    while (strcmp(sweep_keys[first_exec], FIRST_EXEC_KEY) != 0)
        first_exec++;
    for (size_t j = first_exec; !s->exec && j < N_SWEEP_KEYS; j++) {
        config_setting_t *m = config_setting_get_member(g, sweep_keys[j]);
        if (m)
            return perr(c, config_setting_source_line(m), sweep_keys[j],
                        "only sweeps with kernel = \"exec\" take this key");
    }
    if (!s->kernel) {
        char known[1024] = "";
        const char *names[128];
        size_t n = 0;
        for (size_t i = 0; hs_builtin_kernels[i] && n < 128; i++) {
            names[n++] = hs_builtin_kernels[i]->name;
            strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
            strncat(known, hs_builtin_kernels[i]->name, sizeof known - strlen(known) - 1);
        }
        char sg[128];
        suggest(kn, names, n, sg, sizeof sg);
        return perr(c, config_setting_source_line(km), "kernel",
                    "unknown kernel \"%s\"%s; known: %s, and exec or plugin:PATH for your own",
                    kn, sg, known);
    }
    const hs_kernel *k = s->kernel;
    hs_params defaults;
    HS_CALL(hs_params_init_defaults(&defaults, k, c->e));
    s->base = defaults.v;
    s->set_line = calloc(k->n_params + 1, sizeof *s->set_line);
    s->varying = calloc(k->n_params + 1, 1);
    s->str_width = calloc(k->n_params + 1, sizeof *s->str_width);
    int *src = calloc(k->n_params + 1, sizeof *src);
    if (!s->set_line || !s->varying || !s->str_width || !src) {
        free(src);
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    }
    sweep_build b = {s, src};
    int rc = 0;
    s->n_cases = 1;
    for (int i = 0; i < config_setting_length(g) && rc == 0; i++) {
        config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(m);
        int line = config_setting_source_line(m);
        if (strcmp(key, "fixed") == 0)
            rc = parse_fixed(c, &b, m);
        else if (strcmp(key, "matrix") == 0)
            rc = parse_matrix(c, &b, m);
        else if (strcmp(key, "zip") == 0)
            rc = parse_zip(c, &b, m);
        else if (strcmp(key, "cases") == 0)
            rc = parse_cases(c, &b, m);
        else if (strcmp(key, "seeds") == 0)
            rc = parse_seeds(c, s, m);
        else if (strcmp(key, "expect") == 0)
            rc = parse_expect(c, s, m);
        else if (strcmp(key, "ranks_per_task") == 0) {
            int t = config_setting_type(m);
            long long v = (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) ? config_setting_get_int64(m) : -1;
            if (v < 1 || v > 65536)
                rc = perr(c, line, key, "expected an integer >= 1");
            else if (v > 1 && !k->gang)
                rc = perr(c, line, key, "kernel '%s' runs on one rank only", k->name);
            s->ranks_per_task = (int)v;
        } else if (strcmp(key, "isolation") == 0) {
            const char *v = config_setting_type(m) == CONFIG_TYPE_STRING ? config_setting_get_string(m) : "";
            if (strcmp(v, "fork") == 0)
                s->isolation = HS_ISO_FORK;
            else if (strcmp(v, "none") == 0)
                s->isolation = HS_ISO_NONE;
            else
                rc = perr(c, line, key, "expected \"fork\" or \"none\"");
        } else if (strcmp(key, "timeout_s") == 0) {
            int t = config_setting_type(m);
            double v = t == CONFIG_TYPE_FLOAT ? config_setting_get_float(m)
                       : (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) ? (double)config_setting_get_int64(m)
                                                                           : -1;
            if (!(v >= 0 && v <= 1e9))
                rc = perr(c, line, key, "expected a number of seconds >= 0 (0: no limit)");
            s->timeout_s = v;
        } else if (strcmp(key, "retries") == 0 || strcmp(key, "mem_limit_mb") == 0) {
            int t = config_setting_type(m);
            long long v = (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) ? config_setting_get_int64(m) : -1;
            if (v < 0 || v > (key[0] == 'r' ? 100 : 1LL << 40))
                rc = perr(c, line, key, key[0] == 'r' ? "expected an integer in [0, 100]"
                                                      : "expected a number of MiB >= 0 (0: no limit)");
            else if (key[0] == 'r')
                s->retries = (int)v;
            else
                s->mem_limit_mb = (long)v;
        } else if (strcmp(key, "description") == 0 && config_setting_type(m) != CONFIG_TYPE_STRING)
            rc = perr(c, line, key, "expected a string");
    }
    config_setting_t *red = config_setting_get_member(g, "reduced");
    if (rc == 0 && red)
        rc = parse_reduced(c, &b, red, o && o->reduced);
    if (rc == 0)
        rc = finish_sweep(c, &b, o, total);
    free(src);
    return rc;
}

static void sweep_free(hs_sweep *s)
{
    free(s->name);
    free(s->base);
    free(s->set_line);
    free(s->varying);
    free(s->cases);
    free(s->case_set);
    for (size_t a = 0; a < s->n_axes; a++) {
        free(s->axes[a].param);
        free(s->axes[a].values);
    }
    free(s->axes);
    free(s->seeds);
    free(s->str_width);
    for (size_t r = 0; r < s->n_rules; r++) {
        hs_rule *ru = &s->rules[r];
        hs_filter_free(&ru->when);
        hs_filter_free(&ru->ref);
        free(ru->claim);
        free(ru->when_text);
        free(ru->metric);
        free(ru->ref_text);
        free(ru->ref_sweep);
        free(ru->ref_metric);
    }
    free(s->rules);
    hs_exec_destroy(&s->exec);
    hs_plugin_close(&s->plugin);
}

void hs_sweepset_free(hs_sweepset **sp)
{
    hs_sweepset *s = *sp;
    if (!s)
        return;
    for (size_t i = 0; i < s->n_sweeps; i++)
        sweep_free(&s->sweeps[i]);
    free(s->sweeps);
    if (s->cfg) {
        config_destroy(s->cfg);
        free(s->cfg);
    }
    free(s->path);
    free(s->text);
    free(s->output);
    free(s);
    *sp = NULL;
}

static int parse_top(pctx *c, hs_sweepset *set, const hs_load_opts *o)
{
    config_setting_t *root = config_root_setting((config_t *)set->cfg);
    config_setting_t *sweeps = NULL;
    hs_load_opts opts = o ? *o : (hs_load_opts){0};
    const char *const top_keys[] = {"output", "sweeps", "max_tasks", "description"};
    for (int i = 0; i < config_setting_length(root); i++) {
        config_setting_t *m = config_setting_get_elem(root, (unsigned)i);
        const char *nm = config_setting_name(m);
        int line = config_setting_source_line(m), t = config_setting_type(m);
        if (strcmp(nm, "output") == 0) {
            if (t != CONFIG_TYPE_STRING || !*config_setting_get_string(m))
                return perr(c, line, nm, "expected a file path string");
            set->output = strdup(config_setting_get_string(m));
        } else if (strcmp(nm, "sweeps") == 0) {
            sweeps = m;
        } else if (strcmp(nm, "max_tasks") == 0) {
            long long v = (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) ? config_setting_get_int64(m) : 0;
            if (v < 1)
                return perr(c, line, nm, "expected a positive integer");
            if (!o || !o->max_tasks)
                opts.max_tasks = (uint64_t)v;
        } else if (strcmp(nm, "description") == 0) {
            if (t != CONFIG_TYPE_STRING)
                return perr(c, line, nm, "expected a string");
        } else {
            char sg[128];
            suggest(nm, top_keys, 4, sg, sizeof sg);
            return perr(c, line, nm, "unknown top-level key%s (expected output, sweeps, max_tasks)", sg);
        }
    }
    if (!sweeps)
        return perr(c, 1, "sweeps", "the file defines no sweeps = ( { ... } );");
    if (config_setting_type(sweeps) != CONFIG_TYPE_LIST || config_setting_length(sweeps) < 1)
        return perr(c, config_setting_source_line(sweeps), "sweeps",
                    "expected a non-empty list of groups ( { ... }, { ... } )");
    c->max_tasks = opts.max_tasks ? opts.max_tasks : HS_DEFAULT_MAX_TASKS;
    int n = config_setting_length(sweeps);
    set->sweeps = calloc((size_t)n, sizeof *set->sweeps);
    if (!set->sweeps)
        return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
    uint64_t total = 0;
    for (int i = 0; i < n; i++) {
        c->sweep = NULL;
        set->n_sweeps = (size_t)i + 1;
        HS_CALL(parse_sweep(c, set, config_setting_get_elem(sweeps, (unsigned)i), &set->sweeps[i],
                            &opts, &total));
    }
    HS_CALL(check_rule_refs(c, set, sweeps));
    if (!set->output) {
        /* Default: results/<file stem>.h5 */
        const char *base = strrchr(set->path, '/');
        base = base ? base + 1 : set->path;
        size_t len = strcspn(base, ".");
        set->output = malloc(len + 16);
        if (!set->output)
            return HS_FAIL(c->e, HS_ENOMEM, "out of memory");
        snprintf(set->output, len + 16, "results/%.*s.h5", (int)len, base);
    }
    return set->output ? 0 : HS_FAIL(c->e, HS_ENOMEM, "out of memory");
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
    } *seg;
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
            int l2 = 0;
            for (const char *r = open; r <= q;) {
                const char *e;
                const char *s2 = skip_blank(r, &l2);
                if (s2 != r) {
                    memcpy(out + on, r, (size_t)(s2 - r));
                    on += (size_t)(s2 - r);
                    r = s2;
                    continue;
                }
                int k = (r > open && (r[-1] == '[' || r[-1] == ',' || isspace((unsigned char)r[-1]) ||
                                      r[-1] == '/'))
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
                snprintf(buf, cap,
                         "a quoted key (\"%s\" %c): keys are bare names, as in %s = ...;", key, *n,
                         key);
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
    int rc = parse_top(&c, set, o);
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

int hs_sweepset_find(const hs_sweepset *s, const char *name)
{
    for (size_t i = 0; i < s->n_sweeps; i++)
        if (strcmp(s->sweeps[i].name, name) == 0)
            return (int)i;
    return -1;
}

uint64_t hs_task_rng_seed(const hs_kernel *k, int64_t seed, const hs_value *v)
{
    /* FNV-1a over a canonical byte form, then a SplitMix64 finish. */
    uint64_t h = 0xcbf29ce484222325ULL;
#define FEED(ptr, n)                                                          \
    do {                                                                      \
        const unsigned char *b_ = (const unsigned char *)(ptr);               \
        for (size_t i_ = 0; i_ < (n); i_++) {                                 \
            h ^= b_[i_];                                                      \
            h *= 0x100000001b3ULL;                                            \
        }                                                                     \
    } while (0)
    FEED(k->name, strlen(k->name) + 1);
    FEED(&seed, sizeof seed);
    for (size_t p = 0; p < k->n_params; p++) {
        FEED(k->params[p].name, strlen(k->params[p].name) + 1);
        switch (k->params[p].type) {
        case HS_T_INT:
            FEED(&v[p].i, sizeof v[p].i);
            break;
        case HS_T_REAL: {
            double r = v[p].r == 0.0 ? 0.0 : v[p].r; /* -0 hashes as 0 */
            FEED(&r, sizeof r);
            break;
        }
        case HS_T_BOOL: {
            unsigned char bb = (unsigned char)(v[p].b != 0);
            FEED(&bb, 1);
            break;
        }
        case HS_T_STRING:
            FEED(v[p].s ? v[p].s : "", strlen(v[p].s ? v[p].s : "") + 1);
            break;
        }
    }
#undef FEED
    return hs_mix64(h);
}

void hs_sweep_task(const hs_sweep *s, uint64_t id, hs_value *v, int64_t *seed, uint64_t *rng_seed)
{
    const hs_kernel *k = s->kernel;
    size_t np = k->n_params;
    size_t idx[HS_MAX_AXES];
    uint64_t r = id / s->n_seeds;
    for (size_t a = s->n_axes; a-- > 0;) {
        idx[a] = (size_t)(r % s->axes[a].n);
        r /= s->axes[a].n;
    }
    size_t ci = (size_t)r;
    memcpy(v, s->base, np * sizeof *v);
    if (s->case_set)
        for (size_t p = 0; p < np; p++)
            if (s->case_set[ci * np + p])
                v[p] = s->cases[ci * np + p];
    for (size_t a = 0; a < s->n_axes; a++) {
        const hs_axis *ax = &s->axes[a];
        for (size_t q = 0; q < ax->n_params; q++)
            v[ax->param[q]] = ax->values[idx[a] * ax->n_params + q];
    }
    *seed = s->seeds[id % s->n_seeds];
    *rng_seed = hs_task_rng_seed(k, *seed, v);
}

size_t hs_sweep_axes(const hs_sweep *s, const char **names, size_t cap)
{
    size_t n = 0;
    const hs_kernel *k = s->kernel;
    if (s->n_cases > 1)
        for (size_t p = 0; p < k->n_params; p++) {
            int in_case = 0;
            for (size_t ci = 0; ci < s->n_cases && s->case_set; ci++)
                in_case |= s->case_set[ci * k->n_params + p];
            if (in_case && n < cap)
                names[n++] = k->params[p].name;
        }
    for (size_t a = 0; a < s->n_axes; a++)
        for (size_t q = 0; q < s->axes[a].n_params; q++)
            if (n < cap)
                names[n++] = k->params[s->axes[a].param[q]].name;
    if (s->n_seeds > 1 && n < cap)
        names[n++] = "seed";
    return n;
}
