/*
 * An exec sweep's `cost_s`: the expected seconds of one task, a number or an
 * arithmetic formula of the sweep's parameters ("2 + 0.5 * epochs * n^2 /
 * 1e6"), compiled once into postfix code and evaluated per task for the
 * scheduler's longest-first order and `hsweep plan`'s estimates.
 *
 * Grammar (usual precedence, ^ binds tightest and to the right):
 *   expr   = term { ("+" | "-") term }
 *   term   = unary { ("*" | "/") unary }
 *   unary  = "-" unary | power
 *   power  = atom [ "^" unary ]
 *   atom   = number | name | name "(" expr [ "," expr ] ")" | "(" expr ")"
 * Names are integer, real or bool parameters (true = 1); functions are
 * sqrt, log (natural), log2, exp, abs (one argument), min, max (two).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_impl.h"

enum { OP_NUM, OP_PARAM, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_POW, OP_NEG, OP_FN1, OP_FN2 };

static const char *const fn1_names[] = {"sqrt", "log", "log2", "exp", "abs"};
static const char *const fn2_names[] = {"min", "max"};
#define N_FN1 (sizeof fn1_names / sizeof fn1_names[0])
#define N_FN2 (sizeof fn2_names / sizeof fn2_names[0])

#define MAX_OPS 256
#define MAX_DEPTH 32

typedef struct cparse {
    const char *s;
    size_t i;
    const char *const *names;
    const hs_type *types;
    size_t n_names;
    hs_exec_op *ops; /* NULL: check only */
    size_t n_ops;
    int depth;
    char err[260];
} cparse;

static int cfail(cparse *c, const char *fmt, const char *arg)
{
    if (!c->err[0]) {
        char what[220];
        snprintf(what, sizeof what, fmt, arg);
        snprintf(c->err, sizeof c->err, "%s at character %zu", what, c->i + 1);
    }
    return -1;
}

static void cws(cparse *c)
{
    while (c->s[c->i] == ' ' || c->s[c->i] == '\t')
        c->i++;
}

static int emit(cparse *c, int op, double num, size_t arg)
{
    if (c->n_ops >= MAX_OPS)
        return cfail(c, "%s", "formula too long (at most 256 numbers, names and operators)");
    if (c->ops)
        c->ops[c->n_ops] = (hs_exec_op){op, num, arg};
    c->n_ops++;
    return 0;
}

static int expr(cparse *c);
static int unary(cparse *c);

/* An expression followed by the character `end` (consumed); else the error fmt, arg. */
static int operand(cparse *c, char end, const char *fmt, const char *arg)
{
    if (expr(c) != 0)
        return -1;
    cws(c);
    if (c->s[c->i] != end)
        return cfail(c, fmt, arg);
    c->i++;
    return 0;
}

static int atom(cparse *c)
{
    cws(c);
    char ch = c->s[c->i];
    if (ch == '(') {
        c->i++;
        return operand(c, ')', "%s", "expected ')'");
    }
    if (isdigit((unsigned char)ch) || ch == '.') {
        char *end;
        double v = strtod(c->s + c->i, &end);
        if (end == c->s + c->i || !isfinite(v))
            return cfail(c, "%s", "bad number");
        c->i = (size_t)(end - c->s);
        return emit(c, OP_NUM, v, 0);
    }
    if (!(isalpha((unsigned char)ch) || ch == '_'))
        return cfail(c, "%s",
                     ch ? "expected a number, a parameter or '('" : "formula ends too early");
    size_t b = c->i;
    while (isalnum((unsigned char)c->s[c->i]) || c->s[c->i] == '_')
        c->i++;
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(c->i - b), c->s + b);
    cws(c);
    if (c->s[c->i] == '(') {
        size_t f1 = 0, f2 = 0;
        while (f1 < N_FN1 && strcmp(fn1_names[f1], name) != 0)
            f1++;
        while (f2 < N_FN2 && strcmp(fn2_names[f2], name) != 0)
            f2++;
        if (f1 == N_FN1 && f2 == N_FN2)
            return cfail(c, "unknown function %s (sqrt, log, log2, exp, abs, min, max)", name);
        c->i++;
        if (f2 < N_FN2 && operand(c, ',', "%s takes two arguments: expected ','", name) != 0)
            return -1;
        if (operand(c, ')', "%s", "expected ')'") != 0)
            return -1;
        return f2 < N_FN2 ? emit(c, OP_FN2, 0, f2) : emit(c, OP_FN1, 0, f1);
    }
    for (size_t k = 0; k < c->n_names; k++)
        if (strcmp(c->names[k], name) == 0) {
            if (c->types[k] == HS_T_STRING)
                return cfail(c, "parameter %s is a string, not a number", name);
            return emit(c, OP_PARAM, 0, k);
        }
    return cfail(c, "unknown name %s: not a parameter of the sweep (fixed, matrix, zip, cases)",
                 name);
}

static int power(cparse *c)
{
    if (atom(c) != 0)
        return -1;
    cws(c);
    if (c->s[c->i] != '^')
        return 0;
    c->i++;
    if (unary(c) != 0)
        return -1;
    return emit(c, OP_POW, 0, 0);
}

static int unary(cparse *c)
{
    cws(c);
    if (c->s[c->i] != '-')
        return power(c);
    c->i++;
    if (++c->depth > MAX_DEPTH)
        return cfail(c, "%s", "nested too deeply");
    int rc = unary(c);
    c->depth--;
    return rc ? rc : emit(c, OP_NEG, 0, 0);
}

static int term(cparse *c)
{
    if (unary(c) != 0)
        return -1;
    for (;;) {
        cws(c);
        char op = c->s[c->i];
        if (op != '*' && op != '/')
            return 0;
        c->i++;
        if (unary(c) != 0 || emit(c, op == '*' ? OP_MUL : OP_DIV, 0, 0) != 0)
            return -1;
    }
}

static int expr(cparse *c)
{
    if (++c->depth > MAX_DEPTH)
        return cfail(c, "%s", "nested too deeply");
    if (term(c) != 0)
        return -1;
    for (;;) {
        cws(c);
        char op = c->s[c->i];
        if (op != '+' && op != '-')
            break;
        c->i++;
        if (term(c) != 0 || emit(c, op == '+' ? OP_ADD : OP_SUB, 0, 0) != 0)
            return -1;
    }
    c->depth--;
    return 0;
}

static int compile(cparse *c)
{
    if (expr(c) != 0)
        return -1;
    cws(c);
    if (c->s[c->i])
        return cfail(c, "%s", "unexpected text");
    return 0;
}

int hs_exec_cost_check(const char *formula, const char *const *param_names,
                       const hs_type *param_types, size_t n_params, hs_err *e)
{
    cparse c = {.s = formula, .names = param_names, .types = param_types, .n_names = n_params};
    if (compile(&c) != 0)
        return HS_FAIL(e, HS_EINPUT, "\"%.80s\": %s", formula, c.err);
    return 0;
}

int hs_exec_cost_compile(hs_exec *x, const char *formula, hs_err *e)
{
    const char *names[1] = {NULL};
    const char **nm = x->k.n_params ? malloc(x->k.n_params * sizeof *nm) : names;
    hs_type *ty = x->k.n_params ? malloc(x->k.n_params * sizeof *ty) : NULL;
    x->cost_ops = calloc(MAX_OPS, sizeof *x->cost_ops);
    if (!nm || (x->k.n_params && !ty) || !x->cost_ops) {
        if (nm != names)
            free(nm);
        free(ty);
        return HS_FAIL(e, HS_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < x->k.n_params; i++) {
        nm[i] = x->params[i].name;
        ty[i] = x->params[i].type;
    }
    cparse c = {
        .s = formula, .names = nm, .types = ty, .n_names = x->k.n_params, .ops = x->cost_ops};
    int rc = compile(&c) == 0 ? 0 : HS_FAIL(e, HS_EINPUT, "cost_s \"%.80s\": %s", formula, c.err);
    x->n_cost_ops = c.n_ops;
    if (nm != names)
        free(nm);
    free(ty);
    return rc;
}

double hs_exec_cost_eval(const hs_exec *x, const hs_value *v)
{
    double st[MAX_OPS];
    size_t n = 0;
    for (size_t i = 0; i < x->n_cost_ops; i++) {
        const hs_exec_op *o = &x->cost_ops[i];
        double a = n >= 1 ? st[n - 1] : 0, b = n >= 2 ? st[n - 2] : 0;
        switch (o->op) {
        case OP_NUM:
            st[n++] = o->num;
            break;
        case OP_PARAM: {
            const hs_value *pv = &v[o->arg];
            hs_type t = x->params[o->arg].type;
            st[n++] = t == HS_T_INT ? (double)pv->i : t == HS_T_BOOL ? (pv->b ? 1.0 : 0.0) : pv->r;
            break;
        }
        case OP_NEG:
            st[n - 1] = -a;
            break;
        case OP_FN1: {
            static double (*const f1[])(double) = {sqrt, log, log2, exp, fabs};
            st[n - 1] = f1[o->arg](a);
            break;
        }
        default: /* binary: b op a */
            n--;
            st[n - 1] = o->op == OP_ADD   ? b + a
                        : o->op == OP_SUB ? b - a
                        : o->op == OP_MUL ? b * a
                        : o->op == OP_DIV ? b / a
                        : o->op == OP_POW ? pow(b, a)
                        : o->arg == 0     ? fmin(b, a)
                                          : fmax(b, a);
        }
    }
    return n == 1 ? st[0] : NAN;
}
