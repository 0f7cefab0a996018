/*
 * The kernel runtime (include/hsweep/kernel.h, task.h): parsing, checking
 * and formatting parameter values as a sweep file writes them (reals in the
 * shortest form that reads back as the same double, IEEE 754-2008 5.12.2),
 * defaults, accessors and outputs (metrics NaN until set, traces NaN-filled
 * and cut to their declared length, status and detail), status names, stop
 * signals, and kernel-table validation (names, clashes with the table's own
 * columns, defaults that parse and lie in range, ABI).
 */
#include <float.h>
#include <signal.h>
#include <stdint.h>

#include "check.h"
#include "hsweep/kernel.h"
#include "hsweep/task.h"

static const hs_param_spec P_INT = {"n", HS_T_INT, "5", 1, 100, NULL, NULL, "count"};
static const hs_param_spec P_REAL = {"lr", HS_T_REAL, "1e-3", 0, 1, NULL, NULL, "rate"};
static const hs_param_spec P_BOOL = {"on", HS_T_BOOL, "true", 0, 0, NULL, NULL, "flag"};
static const hs_param_spec P_STR = {"mode", HS_T_STRING, "fast", 0, 0, "fast|slow|x", NULL, "mode"};
static const hs_param_spec P_ANY = {"label", HS_T_STRING, NULL, 0, 0, NULL, NULL, "any text"};

static int parse(const hs_param_spec *s, const char *text, hs_value *v, hs_err *e)
{
    memset(e, 0, sizeof *e);
    return hs_value_parse(s, text, v, e);
}

static void test_parse(void)
{
    hs_value v;
    hs_err e;
    CHECK(parse(&P_INT, "42", &v, &e) == 0 && v.i == 42);
    CHECK(parse(&P_INT, "-9223372036854775808", &v, &e) == 0 && v.i == INT64_MIN);
    CHECK_EQ_INT(parse(&P_INT, "9223372036854775808", &v, &e), HS_EINPUT); /* out of range */
    CHECK_EQ_INT(parse(&P_INT, "4.5", &v, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "key 'n': expected an integer, got '4.5'");
    CHECK_EQ_INT(parse(&P_INT, "", &v, &e), HS_EINPUT);
    CHECK(parse(&P_REAL, "0.1", &v, &e) == 0 && v.r == 0.1);
    CHECK(parse(&P_REAL, "-2.5e-3", &v, &e) == 0 && v.r == -2.5e-3);
    CHECK_EQ_INT(parse(&P_REAL, "1e400", &v, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "key 'lr': expected a number, got '1e400'");
    CHECK_EQ_INT(parse(&P_REAL, "1.0x", &v, &e), HS_EINPUT);
    /* subnormals are exact values (strtod flags them ERANGE): they read
     * back from what hs_value_format writes; a total underflow does not */
    CHECK(parse(&P_REAL, "5e-324", &v, &e) == 0 && v.r == 4.9406564584124654e-324);
    char sub[64];
    hs_value_format(&P_REAL, &(hs_value){.r = 0x1p-1060}, sub, sizeof sub);
    CHECK(parse(&P_REAL, sub, &v, &e) == 0 && v.r == 0x1p-1060);
    CHECK_EQ_INT(parse(&P_REAL, "1e-400", &v, &e), HS_EINPUT);
    CHECK(parse(&P_BOOL, "true", &v, &e) == 0 && v.b == 1);
    CHECK(parse(&P_BOOL, "0", &v, &e) == 0 && v.b == 0);
    CHECK_EQ_INT(parse(&P_BOOL, "yes", &v, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "key 'on': expected true or false, got 'yes'");
    const char *text = "slow";
    CHECK(parse(&P_STR, text, &v, &e) == 0 && v.s == text); /* pointed to, not copied */
}

static int check(const hs_param_spec *s, hs_value v, hs_err *e)
{
    memset(e, 0, sizeof *e);
    return hs_value_check(s, &v, e);
}

static void test_check(void)
{
    hs_err e;
    CHECK_EQ_INT(check(&P_INT, (hs_value){.i = 1}, &e), 0);
    CHECK_EQ_INT(check(&P_INT, (hs_value){.i = 100}, &e), 0);
    CHECK_EQ_INT(check(&P_INT, (hs_value){.i = 0}, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "key 'n': 0 is outside its range [1, 100]");
    CHECK_EQ_INT(check(&P_INT, (hs_value){.i = 101}, &e), HS_EINPUT);
    CHECK_EQ_INT(check(&P_REAL, (hs_value){.r = 1.0}, &e), 0);
    CHECK_EQ_INT(check(&P_REAL, (hs_value){.r = nextafter(1.0, 2.0)}, &e), HS_EINPUT);
    CHECK_EQ_INT(check(&P_REAL, (hs_value){.r = NAN}, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "key 'lr': nan is not a finite number");
    /* an infinite bound admits infinity, never NaN */
    hs_param_spec open = {"t", HS_T_REAL, NULL, 0, INFINITY, NULL, NULL, ""};
    CHECK_EQ_INT(check(&open, (hs_value){.r = INFINITY}, &e), 0);
    CHECK_EQ_INT(check(&open, (hs_value){.r = NAN}, &e), HS_EINPUT);
    CHECK_EQ_INT(check(&open, (hs_value){.r = -INFINITY}, &e), HS_EINPUT);
    CHECK_EQ_INT(check(&P_STR, (hs_value){.s = "x"}, &e), 0);
    /* choices are whole words: a prefix or an extension of one is refused */
    CHECK_EQ_INT(check(&P_STR, (hs_value){.s = "fas"}, &e), HS_EINPUT);
    CHECK_EQ_INT(check(&P_STR, (hs_value){.s = "slower"}, &e), HS_EINPUT);
    CHECK_EQ_INT(check(&P_STR, (hs_value){.s = ""}, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "key 'mode': \"\" is not one of fast|slow|x");
    CHECK_EQ_INT(check(&P_STR, (hs_value){.s = NULL}, &e), HS_EINPUT);
    CHECK_CONTAINS(e.msg, "key 'mode': a value is required");
    CHECK_EQ_INT(check(&P_ANY, (hs_value){.s = "anything | at all"}, &e), 0);
}

static const char *fmt(const hs_param_spec *s, hs_value v)
{
    static char buf[64];
    hs_value_format(s, &v, buf, sizeof buf);
    return buf;
}

static void test_format(void)
{
    CHECK_EQ_STR(fmt(&P_INT, (hs_value){.i = -7}), "-7");
    CHECK_EQ_STR(fmt(&P_INT, (hs_value){.i = INT64_MAX}), "9223372036854775807");
    CHECK_EQ_STR(fmt(&P_BOOL, (hs_value){.b = 1}), "true");
    CHECK_EQ_STR(fmt(&P_BOOL, (hs_value){.b = 0}), "false");
    CHECK_EQ_STR(fmt(&P_STR, (hs_value){.s = "slow"}), "slow");
    /* reals: 15 digits where they read back, 16 or 17 where needed */
    CHECK_EQ_STR(fmt(&P_REAL, (hs_value){.r = 0.1}), "0.1");
    CHECK_EQ_STR(fmt(&P_REAL, (hs_value){.r = 0.1 + 0.2}), "0.30000000000000004");
    CHECK_EQ_STR(fmt(&P_REAL, (hs_value){.r = 1e-3}), "0.001");
    CHECK_EQ_STR(fmt(&P_REAL, (hs_value){.r = 1.0 / 3.0}), "0.3333333333333333");
    CHECK_EQ_STR(fmt(&P_REAL, (hs_value){.r = 2.0}), "2");
    CHECK_EQ_STR(fmt(&P_REAL, (hs_value){.r = DBL_MAX}), "1.7976931348623157e+308");
    /* and every one reads back as the same double */
    const double xs[] = {0.1,     1.0 / 3.0, 2.0 / 3.0,         1e23, 2.2250738585072014e-308,
                         123.456, -0.0,      9007199254740993.0};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        hs_value v;
        hs_err e;
        const char *s = fmt(&P_REAL, (hs_value){.r = xs[i]});
        CHECK(strlen(s) <= 24);
        CHECK(parse(&P_REAL, s, &v, &e) == 0 && memcmp(&v.r, &xs[i], sizeof v.r) == 0);
    }
}

static size_t tr_len(const hs_params *p) { return (size_t)hs_param_int(p, "n"); }

static const hs_param_spec params[] = {
    {"n", HS_T_INT, "3", 0, 10, NULL, NULL, "trace length"},
    {"lr", HS_T_REAL, "0.25", 0, 1, NULL, NULL, ""},
    {"on", HS_T_BOOL, "false", 0, 0, NULL, NULL, ""},
    {"mode", HS_T_STRING, "slow", 0, 0, "fast|slow", NULL, ""},
    {"need", HS_T_STRING, NULL, 0, 0, NULL, NULL, "required"},
};
static const hs_metric_spec metrics[] = {{"m1", NULL, ""}, {"m2", NULL, ""}};
static const hs_trace_spec traces[] = {{"tr", NULL, "", tr_len}, {"other", NULL, "", tr_len}};

static int run_ok(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    (void)ctx;
    hs_out_set(out, "m1", hs_param_real(p, "lr"));
    return 0;
}

static int run_err(const hs_params *p, const hs_ctx *ctx, hs_out *out)
{
    (void)p, (void)ctx, (void)out;
    return 9;
}

static hs_kernel kern = {HS_KERNEL_ABI, "tk", "test", NULL, params, 5, metrics, 2,
                         traces,        2,    NULL,   NULL, run_ok, 1, 0};

static void test_params_and_outputs(void)
{
    hs_err e;
    hs_params p;
    REQUIRE(hs_params_init_defaults(&p, &kern, &e) == 0);
    CHECK_EQ_INT(hs_param_int(&p, "n"), 3);
    CHECK(hs_param_real(&p, "lr") == 0.25);
    CHECK_EQ_INT(hs_param_bool(&p, "on"), 0);
    CHECK_EQ_STR(hs_param_str(&p, "mode"), "slow");
    CHECK_EQ_STR(hs_param_str(&p, "need"), ""); /* required, unset: "" */
    /* undeclared names or the wrong type read as 0 / NaN / "" (a kernel bug, not a crash) */
    CHECK_EQ_INT(hs_param_int(&p, "nope"), 0);
    CHECK(isnan(hs_param_real(&p, "n")));
    CHECK_EQ_INT(hs_kernel_param_index(&kern, "mode"), 3);
    CHECK_EQ_INT(hs_kernel_metric_index(&kern, "m2"), 1);
    CHECK_EQ_INT(hs_kernel_trace_index(&kern, "other"), 1);
    CHECK_EQ_INT(hs_kernel_trace_index(&kern, "m1"), -1);

    hs_out out;
    REQUIRE(hs_out_init(&out, &kern, &p, &e) == 0);
    CHECK(isnan(out.metrics[0]) && isnan(out.metrics[1]));
    CHECK_EQ_INT(out.status, HS_ST_PENDING);
    CHECK_EQ_INT(out.trace_cap[0], 3);
    CHECK_EQ_INT(hs_out_set(&out, "m2", 4.0), 0);
    CHECK_EQ_INT(hs_out_set(&out, "zz", 4.0), -1);
    CHECK(out.metrics[1] == 4.0);
    /* a trace asked longer than declared is cut; unfilled entries NaN; shortened later */
    double *t = hs_out_trace(&out, "tr", 10);
    REQUIRE(t != NULL);
    CHECK_EQ_INT(out.trace_len[0], 3);
    CHECK(isnan(t[0]) && isnan(t[2]));
    t[0] = 1.0;
    hs_out_trace_len(&out, "tr", 1);
    CHECK_EQ_INT(out.trace_len[0], 1);
    hs_out_trace_len(&out, "tr", 5); /* never lengthens */
    CHECK_EQ_INT(out.trace_len[0], 1);
    CHECK(hs_out_trace(&out, "nope", 1) == NULL);
    CHECK_EQ_INT(hs_out_area_offset(&out, 1), 3);
    CHECK_EQ_INT(hs_out_area_len(&out), 6);
    hs_out_status(&out, HS_ST_DIVERGED, "at step %d", 12);
    CHECK_EQ_INT(out.status, HS_ST_DIVERGED);
    CHECK_EQ_STR(out.detail, "at step 12");
    hs_out_free(&out);

    /* hs_task_run: ok when the kernel sets nothing; a nonzero return fails, saying so */
    hs_ctx ctx = {.gang_size = 1};
    REQUIRE(hs_out_init(&out, &kern, &p, &e) == 0);
    hs_task_run(&kern, &p, &ctx, &out);
    CHECK(out.status == HS_ST_OK && out.metrics[0] == 0.25);
    hs_out_free(&out);
    hs_kernel bad = kern;
    bad.run = run_err;
    REQUIRE(hs_out_init(&out, &bad, &p, &e) == 0);
    hs_task_run(&bad, &p, &ctx, &out);
    CHECK_EQ_INT(out.status, HS_ST_FAILED);
    CHECK_EQ_STR(out.detail, "kernel returned 9");
    hs_out_free(&out);
    hs_params_free(&p);
    CHECK(p.v == NULL);
}

static void test_names_and_signals(void)
{
    const char *want[HS_ST_COUNT] = {"pending", "ok",      "nonfinite", "diverged",
                                     "failed",  "timeout", "crashed"};
    for (int i = 0; i < HS_ST_COUNT; i++)
        CHECK_EQ_STR(hs_status_name(i), want[i]);
    CHECK_EQ_STR(hs_status_name(-1), "?");
    CHECK_EQ_STR(hs_status_name(HS_ST_COUNT), "?");
    CHECK(hs_task_stop_signal(SIGTERM) && hs_task_stop_signal(SIGUSR1) &&
          hs_task_stop_signal(SIGINT));
    CHECK(!hs_task_stop_signal(SIGSEGV) && !hs_task_stop_signal(SIGKILL) &&
          !hs_task_stop_signal(SIGUSR2));
}

static void invalid(const hs_kernel *k, int code, const char *needle)
{
    hs_err e = {0};
    CHECK_EQ_INT(hs_kernel_validate(k, &e), code);
    CHECK_CONTAINS(e.msg, needle);
}

static void test_validate(void)
{
    hs_err e;
    CHECK_EQ_INT(hs_kernel_validate(&kern, &e), 0);
    hs_kernel k = kern;
    k.abi = HS_KERNEL_ABI + 1;
    invalid(&k, HS_ESTATE, "rebuild it");
    k = kern;
    k.name = "bad name";
    invalid(&k, HS_ESTATE, "without a valid name");
    k = kern;
    k.run = NULL;
    invalid(&k, HS_ESTATE, "without a valid name or run function");
    /* a parameter named like the table's own columns or a trace's length column */
    hs_param_spec ps[2] = {params[0], {"status", HS_T_INT, "1", 0, 5, NULL, NULL, ""}};
    k = kern;
    k.params = ps;
    k.n_params = 2;
    invalid(&k, HS_ESTATE, "status");
    ps[1].name = "tr_len";
    invalid(&k, HS_ESTATE, "tr_len");
    /* a duplicate parameter */
    ps[1].name = "n";
    invalid(&k, HS_ESTATE, "duplicate");
    /* a default outside its range, or not parsing */
    ps[1] = (hs_param_spec){"x", HS_T_INT, "11", 0, 10, NULL, NULL, ""};
    invalid(&k, HS_EINPUT, "11 is outside its range");
    ps[1].def = "eleven";
    invalid(&k, HS_EINPUT, "expected an integer");
    /* a metric named like a parameter */
    hs_metric_spec ms[1] = {{"lr", NULL, ""}};
    k = kern;
    k.metrics = ms;
    k.n_metrics = 1;
    invalid(&k, HS_ESTATE, "metric 'lr' clashes with a parameter");
    ms[0].name = "crc32c";
    invalid(&k, HS_ESTATE, "metric 'crc32c' clashes with the results table's own column");
    /* every built-in kernel passes */
    for (size_t i = 0; hs_builtin_kernels[i]; i++) {
        int rc = hs_kernel_validate(hs_builtin_kernels[i], &e);
        CHECK_EQ_INT(rc, 0);
        if (rc)
            fprintf(stderr, "  %s: %s\n", hs_builtin_kernels[i]->name, e.msg);
        CHECK(hs_kernel_find(hs_builtin_kernels[i]->name) == hs_builtin_kernels[i]);
    }
    CHECK(hs_kernel_find("no such kernel") == NULL);
}

int main(void)
{
    test_parse();
    test_check();
    test_format();
    test_params_and_outputs();
    test_names_and_signals();
    test_validate();
    return CHECK_DONE();
}
