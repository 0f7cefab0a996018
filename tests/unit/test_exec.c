/*
 * The exec kernel's table without running anything: {seed32} (closed form
 * seed ^ seed >> 32 mod 2^32), cost_s formulas (values worked by hand,
 * precedence, clamping, errors), and the commands a task will run
 * (hs_exec_command, what `hsweep plan --show-commands` prints).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hsweep/exec.h"

static const char *const names[] = {"n", "lr", "big", "label"};
static const hs_type types[] = {HS_T_INT, HS_T_REAL, HS_T_BOOL, HS_T_STRING};

static uint64_t task_id(const void *arg, const hs_value *v, int64_t seed)
{
    (void)arg;
    return (uint64_t)(v[0].i * 10 + seed);
}

/* An exec table with the parameters above and cost_s = formula (NULL: none). */
static hs_exec *make(const char *formula)
{
    static const char *const argv[] = {"prog",   "--n={n}", "{label}",  "{seed32}",
                                       "{seed}", "{{x}}",   "{task_id}"};
    static const char *const env_n[] = {"TAG"}, *const env_v[] = {"lr={lr}"};
    static const char *const metrics[] = {"m"};
    hs_exec_def d = {.sweep = "s",
                     .sweep_dir = "/tmp",
                     .argv = argv,
                     .argc = 7,
                     .workdir = "runs/{task_id}",
                     .env_names = env_n,
                     .env_values = env_v,
                     .n_env = 1,
                     .param_names = names,
                     .param_types = types,
                     .n_params = 4,
                     .metric_names = metrics,
                     .n_metrics = 1,
                     .task_id = task_id,
                     .cost_s = formula};
    hs_exec *x = NULL;
    hs_err e;
    if (hs_exec_create(&d, &x, &e) != 0)
        fprintf(stderr, "hs_exec_create: %s\n", e.msg);
    return x;
}

static double cost(const char *formula, long long n, double lr, int big)
{
    hs_exec *x = make(formula);
    if (!x)
        return -1;
    hs_value v[4] = {{.i = n}, {.r = lr}, {.b = big}, {.s = "a"}};
    hs_params p = {hs_exec_kernel(x), v};
    double c = hs_exec_kernel(x)->cost(&p);
    hs_exec_destroy(&x);
    return c;
}

static void refused(const char *formula, const char *needle)
{
    hs_err e;
    CHECK(hs_exec_cost_check(formula, names, types, 4, &e) == HS_EINPUT);
    CHECK_CONTAINS(e.msg, needle);
}

int main(void)
{
    /* seed32 = (seed ^ (seed >> 32)) mod 2^32 */
    CHECK_EQ_INT(hs_exec_seed32(0), 0);
    CHECK_EQ_INT(hs_exec_seed32(0xFFFFFFFFull), 0xFFFFFFFFu);
    CHECK_EQ_INT(hs_exec_seed32(0x100000000ull), 1);
    CHECK_EQ_INT(hs_exec_seed32(0xDEADBEEF12345678ull), 0xDEADBEEFu ^ 0x12345678u); /* 0xCC99E897 */
    CHECK_EQ_INT(hs_exec_seed32(0xDEADBEEF12345678ull), 0xCC99E897u);
    CHECK_EQ_INT(hs_exec_seed32(UINT64_MAX), 0);

    /* cost_s: none is 1 s; numbers; parameters; precedence; functions; bools as 0/1 */
    CHECK_NEAR(cost(NULL, 3, 0.1, 0), 1.0, 0);
    CHECK_NEAR(cost("42", 3, 0.1, 0), 42.0, 0);
    CHECK_NEAR(cost("2 + 0.5 * n^2", 3, 0.1, 0), 6.5, 0); /* 2 + 0.5 * 9 */
    CHECK_NEAR(cost("(2 + 0.5) * n", 4, 0.1, 0), 10.0, 0);
    CHECK_NEAR(cost("2^3^2", 1, 0.1, 0), 512.0, 0);    /* right-assoc: 2^9 */
    CHECK_NEAR(cost("10 - 4 - 3", 1, 0.1, 0), 3.0, 0); /* left-assoc */
    CHECK_NEAR(cost("24 / 4 / 2", 1, 0.1, 0), 3.0, 0);
    CHECK_NEAR(cost("1 - -2", 1, 0.1, 0), 3.0, 0);
    CHECK_NEAR(cost("5 - 2^2", 1, 0.1, 0), 1.0, 0);
    CHECK_NEAR(cost("0 - -2^2 + 10", 1, 0.1, 0), 14.0, 0); /* -(2^2) = -4 */
    CHECK_NEAR(cost("sqrt(n) + max(lr, 3) + min(1, 2) + abs(0-2)", 16, 0.5, 0), 10.0, 0);
    CHECK_NEAR(cost("exp(log(n)) + log2(8)", 7, 0.1, 0), 10.0, 1e-12);
    CHECK_NEAR(cost("1 + 100 * big", 1, 0.1, 1), 101.0, 0);
    CHECK_NEAR(cost("1 + 100 * big", 1, 0.1, 0), 1.0, 0);
    CHECK_NEAR(cost("1e-3 * n * lr", 20, 0.5, 0), 0.01, 1e-15);
    /* clamped to [1e-6, 1e9]; NaN counts as 1 s */
    CHECK_NEAR(cost("0 - n", 5, 0.1, 0), 1e-6, 0);
    CHECK_NEAR(cost("10^20", 5, 0.1, 0), 1e9, 0);
    CHECK_NEAR(cost("sqrt(0 - n)", 5, 0.1, 0), 1.0, 0);
    /* refused, saying what and where */
    refused("2 +", "ends too early");
    refused("2 * epochs", "unknown name epochs");
    refused("label * 2", "label is a string");
    refused("foo(2)", "unknown function foo");
    refused("max(1)", "two arguments");
    refused("(1 + 2", "expected ')'");
    refused("1 2", "unexpected text at character 3");
    refused("", "ends too early");

    /* The command of task (n = 3, lr = 0.1, label "a b'c"), sweep seed 2: each argv element expanded */
    hs_exec *x = make(NULL);
    REQUIRE(x != NULL);
    hs_value v[4] = {{.i = 3}, {.r = 0.1}, {.b = 0}, {.s = "a b'c"}};
    hs_exec_cmdline c;
    REQUIRE(hs_exec_command(x, v, 0xDEADBEEF12345678ull, 2, &c) == 0);
    CHECK_EQ_INT(c.argc, 7);
    CHECK_EQ_STR(c.argv[0], "prog");
    CHECK_EQ_STR(c.argv[1], "--n=3");
    CHECK_EQ_STR(c.argv[2], "a b'c");
    CHECK_EQ_STR(c.argv[3], "3432638615");           /* 0xCC99E897 */
    CHECK_EQ_STR(c.argv[4], "16045690981402826360"); /* 0xDEADBEEF12345678 */
    CHECK_EQ_STR(c.argv[5], "{x}");
    CHECK_EQ_STR(c.argv[6], "32"); /* task_id(): 3 * 10 + 2 */
    CHECK_EQ_INT(c.n_env, 1);
    CHECK_EQ_STR(c.env[0], "TAG=lr=0.1");
    CHECK_EQ_STR(c.workdir, "runs/32");
    hs_exec_cmdline_free(&c);
    hs_exec_destroy(&x);
    return CHECK_DONE();
}
