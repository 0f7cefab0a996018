/* Condition lists ("T <= 80 and use_mixture = true") for expect rules and --where. */
#include <ctype.h>
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

int hs_op_eval(int op, double a, double b)
{
    switch (op) {
    case HS_OP_LT:
        return a < b;
    case HS_OP_LE:
        return a <= b;
    case HS_OP_GT:
        return a > b;
    case HS_OP_GE:
        return a >= b;
    case HS_OP_EQ:
        return a == b;
    case HS_OP_NE:
        return a != b;
    }
    return 0;
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
        return HS_FAIL(e, HS_EINPUT,
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
        return HS_FAIL(e, HS_EINPUT, "condition \"%s\": '%s' can only be compared with = or !=",
                       text, key);
    c.text = strdup(val);
    if (!c.text)
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    hs_err pe;
    if (hs_value_parse(spec, c.text, &c.v, &pe) != 0) {
        free(c.text);
        return HS_FAIL(e, HS_EINPUT, "condition \"%s\": %s", text, pe.msg);
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

int hs_filter_match(const hs_kernel *k, const hs_filter *f, const hs_value *v, int64_t seed)
{
    for (size_t i = 0; i < f->n; i++) {
        const hs_cond *c = &f->c[i];
        double a, b;
        if (c->param < 0) {
            a = (double)seed;
            b = (double)c->v.i;
        } else {
            const hs_value *x = &v[c->param];
            switch (k->params[c->param].type) {
            case HS_T_INT:
                a = (double)x->i;
                b = (double)c->v.i;
                break;
            case HS_T_REAL:
                a = x->r;
                b = c->v.r;
                break;
            case HS_T_BOOL:
                a = x->b;
                b = c->v.b;
                break;
            default:
                a = strcmp(x->s ? x->s : "", c->v.s) == 0 ? 0 : 1;
                b = 0;
                break;
            }
        }
        if (!hs_op_eval(c->op, a, b))
            return 0;
    }
    return 1;
}

void hs_filter_free(hs_filter *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->c[i].text);
    free(f->c);
    f->c = NULL;
    f->n = 0;
}
