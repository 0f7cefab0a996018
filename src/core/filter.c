/* Condition lists ("T <= 80 and use_mixture = true") for expect rules and --where. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsweep/config.h"

static const char *const op_names[] = {"<", "<=", ">", ">=", "=", "!="};

int hs_op_parse(const char *s)
{
    if (strcmp(s, "<") == 0)
        return HS_OP_LT;
    if (strcmp(s, "<=") == 0)
        return HS_OP_LE;
    if (strcmp(s, ">") == 0)
        return HS_OP_GT;
    if (strcmp(s, ">=") == 0)
        return HS_OP_GE;
    if (strcmp(s, "=") == 0 || strcmp(s, "==") == 0)
        return HS_OP_EQ;
    if (strcmp(s, "!=") == 0)
        return HS_OP_NE;
    return -1;
}

const char *hs_op_name(int op) { return op >= 0 && op <= HS_OP_NE ? op_names[op] : "?"; }

/* Whether op holds given cmp: -1 (less), 0 (matches), 1 (greater), 2 (unordered: only != holds). */
static int op_holds(int op, int cmp)
{
    switch (op) {
    case HS_OP_LT:
        return cmp == -1;
    case HS_OP_LE:
        return cmp == -1 || cmp == 0;
    case HS_OP_GT:
        return cmp == 1;
    case HS_OP_GE:
        return cmp == 0 || cmp == 1;
    case HS_OP_EQ:
        return cmp == 0;
    case HS_OP_NE:
        return cmp != 0;
    }
    return 0;
}

int hs_op_eval(int op, double a, double b)
{
    return op_holds(op, isnan(a) || isnan(b) ? 2 : (a > b) - (a < b));
}

void hs_num_format(double x, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.*g", HS_TABLE_DIGITS, x);
}

/*
 * Significant digits written in a plain decimal "[+-]ddd.ddd[e[+-]dd]":
 * leading zeros do not count, trailing ones do ("0.0100" has 3); -1 for
 * anything else (inf, nan, hexadecimal).
 */
static int typed_digits(const char *s)
{
    int n = 0, any = 0, seen = 0;
    if (*s == '+' || *s == '-')
        s++;
    for (; isdigit((unsigned char)*s) || *s == '.'; s++) {
        if (*s == '.')
            continue;
        any = 1;
        seen = seen || *s != '0';
        n += seen;
    }
    if (!any)
        return -1;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!isdigit((unsigned char)*s))
            return -1;
        while (isdigit((unsigned char)*s))
            s++;
    }
    return *s ? -1 : n;
}

int hs_num_cmp(double x, double typed, const char *text)
{
    if (isnan(x) || isnan(typed))
        return 2;
    if (x == typed)
        return 0;
    int d = text ? typed_digits(text) : -1;
    if (d >= 0 && isfinite(x) && isfinite(typed)) {
        int digits = d < HS_TABLE_DIGITS ? HS_TABLE_DIGITS : d > 17 ? 17 : d;
        char a[40], b[40];
        snprintf(a, sizeof a, "%.*e", digits - 1, x);
        snprintf(b, sizeof b, "%.*e", digits - 1, typed);
        if (strcmp(a, b) == 0)
            return 0;
    }
    return x < typed ? -1 : 1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = 0;
    return s;
}

/* Split at the first comparison operator; returns op or -1. */
static int split_cond(char *s, char **key, char **val)
{
    for (char *p = s; *p; p++) {
        int len = 0;
        if ((p[0] == '<' || p[0] == '>' || p[0] == '!' || p[0] == '=') && p[1] == '=')
            len = 2;
        else if (p[0] == '<' || p[0] == '>' || p[0] == '=')
            len = 1;
        if (!len)
            continue;
        char op[3] = {p[0], len == 2 ? p[1] : 0, 0};
        *p = 0;
        *key = trim(s);
        *val = trim(p + len);
        return hs_op_parse(op);
    }
    return -1;
}

static int add_cond(const hs_kernel *k, char *piece, hs_filter *f, const char *text, hs_err *e)
{
    char *key, *val;
    int op = split_cond(piece, &key, &val);
    if (op < 0 || !*key || !*val)
        return HS_FAIL(
            e, HS_EINPUT,
            "condition \"%s\": expected KEY OP VALUE with OP one of < <= > >= = !=", text);
    size_t vl = strlen(val);
    if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && val[vl - 1] == val[0]) {
        val[vl - 1] = 0;
        val++;
    }
    hs_cond c = {.op = op};
    static const hs_param_spec seed_spec = {"seed", HS_T_INT, "0", -9.2e18, 9.2e18, NULL, "", ""};
    const hs_param_spec *spec;
    if (strcmp(key, "seed") == 0) {
        c.param = -1;
        spec = &seed_spec;
    } else {
        c.param = hs_kernel_param_index(k, key);
        if (c.param < 0)
            return HS_FAIL(e, HS_EINPUT, "condition \"%s\": '%s' is not a parameter of kernel %s",
                           text, key, k->name);
        spec = &k->params[c.param];
    }
    if ((spec->type == HS_T_STRING || spec->type == HS_T_BOOL) && op != HS_OP_EQ && op != HS_OP_NE)
        return HS_FAIL(e, HS_EINPUT,
                       "condition \"%s\": '%s' can only be compared with = or !=", text, key);
    c.text = strdup(val);
    if (!c.text)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    hs_err pe;
    if (hs_value_parse(spec, c.text, &c.v, &pe) != 0) {
        free(c.text);
        return HS_FAIL(e, HS_EINPUT, "condition \"%s\": %s", text, pe.msg);
    }
    if (spec->type == HS_T_REAL &&
        isnan(c.v.r)) { /* nothing compares with nan: it would match nothing */
        free(c.text);
        return HS_FAIL(e, HS_EINPUT, "condition \"%s\": '%s' is not a number to compare with", text,
                       val);
    }
    hs_cond *nc = realloc(f->c, (f->n + 1) * sizeof *nc);
    if (!nc) {
        free(c.text);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    f->c = nc;
    f->c[f->n++] = c;
    return 0;
}

int hs_filter_parse(const hs_kernel *k, const char *text, hs_filter *f, hs_err *e)
{
    char *buf = strdup(text ? text : "");
    if (!buf)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    /* Normalise separators "and", "&&" and "," to a single byte. */
    for (char *p = buf; *p; p++) {
        if (p[0] == '&' && p[1] == '&')
            p[0] = p[1] = '\x1f';
        else if (*p == ',')
            *p = '\x1f';
        else if ((p == buf || isspace((unsigned char)p[-1])) && strncmp(p, "and", 3) == 0 &&
                 isspace((unsigned char)p[3]))
            p[0] = p[1] = p[2] = '\x1f';
    }
    int rc = 0;
    char *save = NULL;
    for (char *piece = strtok_r(buf, "\x1f", &save); piece && rc == 0;
         piece = strtok_r(NULL, "\x1f", &save)) {
        char *t = trim(piece);
        if (*t)
            rc = add_cond(k, t, f, text, e);
    }
    free(buf);
    if (rc)
        hs_filter_free(f);
    return rc;
}

static int int_cmp(int64_t a, int64_t b) { return (a > b) - (a < b); }

int hs_cond_match(const hs_kernel *k, const hs_cond *c, const hs_value *v, int64_t seed)
{
    if (c->param < 0)
        return op_holds(c->op, int_cmp(seed, c->v.i));
    const hs_value *x = &v[c->param];
    switch (k->params[c->param].type) {
    case HS_T_INT:
        return op_holds(c->op, int_cmp(x->i, c->v.i));
    case HS_T_REAL:
        return op_holds(c->op, hs_num_cmp(x->r, c->v.r, c->text));
    case HS_T_BOOL:
        return op_holds(c->op, int_cmp(x->b, c->v.b));
    case HS_T_STRING:
        return op_holds(c->op, strcmp(x->s ? x->s : "", c->v.s) == 0 ? 0 : 2);
    }
    return 0;
}

int hs_filter_match(const hs_kernel *k, const hs_filter *f, const hs_value *v, int64_t seed)
{
    for (size_t i = 0; i < f->n; i++)
        if (!hs_cond_match(k, &f->c[i], v, seed))
            return 0;
    return 1;
}

void hs_cond_text(const hs_kernel *k, const hs_cond *c, char *buf, size_t cap)
{
    const char *key = c->param < 0 ? "seed" : k->params[c->param].name;
    int quote = c->param >= 0 && k->params[c->param].type == HS_T_STRING &&
                (!*c->text || strpbrk(c->text, " \t,&<>=!") != NULL);
    snprintf(buf, cap, "%s %s %s%s%s", key, hs_op_name(c->op), quote ? "\"" : "", c->text,
             quote ? "\"" : "");
}

void hs_filter_free(hs_filter *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->c[i].text);
    free(f->c);
    f->c = NULL;
    f->n = 0;
}
