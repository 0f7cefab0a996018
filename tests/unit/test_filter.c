/* Conditions (--where, a rule's when): a number typed as a table or an exec template prints it matches. */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "hsweep/config.h"

static const hs_kernel *noop(void) { return hs_kernel_find("noop"); }

/* Which of the six operators hold for stored x against the typed text, as "<<=>>==!=" flags. */
static int ops_holding(double x, const char *typed)
{
    static const char *const ops[] = {"<", "<=", ">", ">=", "=", "!="};
    const hs_kernel *k = noop();
    hs_params p;
    hs_err e;
    REQUIRE(hs_params_init_defaults(&p, k, &e) == 0);
    p.v[hs_kernel_param_index(k, "x")].r = x;
    int bits = 0;
    for (int o = 0; o < 6; o++) {
        char cond[128];
        hs_filter f = {0};
        snprintf(cond, sizeof cond, "x %s %s", ops[o], typed);
        REQUIRE(hs_filter_parse(k, cond, &f, &e) == 0);
        REQUIRE(f.n == 1);
        int m = hs_cond_match(k, &f.c[0], p.v, 0);
        CHECK_EQ_INT(m, hs_filter_match(k, &f, p.v, 0));
        bits |= m << o;
        hs_filter_free(&f);
    }
    hs_params_free(&p);
    return bits;
}

enum { LT = 1, LE = 2, GT = 4, GE = 8, EQ = 16, NE = 32 };
#define MATCHES (LE | GE | EQ)
#define BELOW (LT | LE | NE) /* stored value below the typed one */
#define ABOVE (GT | GE | NE)

static void expect_ops(double x, const char *typed, int want)
{
    int got = ops_holding(x, typed);
    if (got != want)
        fprintf(stderr, "x = %.17g against '%s': ops %#x, want %#x\n", x, typed, got, want);
    CHECK_EQ_INT(got, want);
}

/* Grid values over several decades, stored exactly or as the old exp/log
 * ranges left them: each matches its table form and its exec-template form. */
static void typed_as_printed(void)
{
    static const double stored[] = {0.1,
                                    0.3,
                                    0.30000000000000004,
                                    0.7000000000000001,
                                    1e-3,
                                    0.010000000000000002,
                                    0.10000000000000006,
                                    1.0000000000000009,
                                    3.1622776601683794e-4,
                                    3.162277660168379e-2,
                                    31.622776601683793,
                                    1e6,
                                    123456789.0,
                                    -0.1,
                                    -2.5e-7,
                                    1.0 / 3,
                                    6.02214076e23,
                                    1e-300};
    const hs_param_spec *spec = &noop()->params[hs_kernel_param_index(noop(), "x")];
    for (size_t i = 0; i < sizeof stored / sizeof stored[0]; i++) {
        char table[64], exact[64];
        hs_num_format(stored[i], table, sizeof table);
        hs_value v = {.r = stored[i]};
        hs_value_format(spec, &v, exact, sizeof exact);
        expect_ops(stored[i], table, MATCHES);
        expect_ops(stored[i], exact, MATCHES);
    }
    char buf[64];
    hs_num_format(3.1622776601683794e-4, buf, sizeof buf);
    CHECK_EQ_STR(buf, "0.000316228");
}

static void neighbours(void)
{
    /* fewer digits typed than the table prints: compared at the table's 6 digits, so "0.1"
     * is not 0.12 (the table shows 0.12) */
    expect_ops(0.12, "0.1", ABOVE);
    expect_ops(0.1, "0.12", BELOW);
    expect_ops(0.10000000000000006, "0.1", MATCHES);
    expect_ops(0.1000004, "0.1", MATCHES); /* the table prints it 0.1 */
    expect_ops(0.1000006, "0.1", ABOVE);   /* the table prints it 0.100001 */
    expect_ops(0.01, "0.0100001", BELOW);
    /* more digits typed: compared at those digits */
    expect_ops(0.3, "0.30000000000000004", BELOW);
    expect_ops(0.30000000000000004, "0.3", MATCHES);
    expect_ops(0.1000004, "0.1000000", ABOVE);
    expect_ops(0.000316228, "0.000316228", MATCHES);
    expect_ops(3.1622776601683794e-4, "0.0003162", ABOVE);
    expect_ops(3.1622776601683794e-4, "3.16227766e-4", MATCHES);
    expect_ops(3.1622776601683794e-4, "3.16227767e-4", BELOW);
    /* exponent forms and signs */
    expect_ops(0.010000000000000002, "1e-2", MATCHES);
    expect_ops(0.010000000000000002, "1E-02", MATCHES);
    expect_ops(-0.1, "-0.1", MATCHES);
    expect_ops(-0.1, "0.1", BELOW);
    expect_ops(1e6, "1e+06", MATCHES);
    /* zero is zero: a tiny value is not 0 */
    expect_ops(0.0, "0", MATCHES);
    expect_ops(-0.0, "0", MATCHES);
    expect_ops(1e-20, "0", ABOVE);
    expect_ops(-1e-20, "0.000", BELOW);
    /* non-decimal text compares the doubles only */
    expect_ops(INFINITY, "inf", MATCHES);
    expect_ops(1e308, "inf", BELOW);
    expect_ops(NAN, "1", NE);
}

static void exact_types(void)
{
    const hs_kernel *k = noop();
    hs_params p;
    hs_err e;
    REQUIRE(hs_params_init_defaults(&p, k, &e) == 0);
    p.v[hs_kernel_param_index(k, "k")].i = 1000001;
    p.v[hs_kernel_param_index(k, "label")].s = "b c";
    struct {
        const char *cond;
        int seed, want;
    } cases[] = {
        {"k = 1000001", 0, 1},  {"k = 1000000", 0, 0},   {"k <= 1000000", 0, 0},
        {"k > 1000000", 0, 1},  {"seed = 3", 3, 1},      {"seed < 3", 3, 0},
        {"seed >= 3", 3, 1},    {"label = 'b c'", 0, 1}, {"label != \"b c\"", 0, 0},
        {"flag = false", 0, 1}, {"flag != false", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hs_filter f = {0};
        REQUIRE(hs_filter_parse(k, cases[i].cond, &f, &e) == 0);
        int got = hs_filter_match(k, &f, p.v, cases[i].seed);
        if (got != cases[i].want)
            fprintf(stderr, "%s: %d\n", cases[i].cond, got);
        CHECK_EQ_INT(got, cases[i].want);
        hs_filter_free(&f);
    }
    hs_params_free(&p);
}

/* Each condition on its own (to name the one that matches nothing), and its text. */
static void conditions(void)
{
    const hs_kernel *k = noop();
    hs_params p;
    hs_err e;
    REQUIRE(hs_params_init_defaults(&p, k, &e) == 0);
    p.v[hs_kernel_param_index(k, "x")].r = 0.010000000000000002;
    p.v[hs_kernel_param_index(k, "label")].s = "b c";
    hs_filter f = {0};
    REQUIRE(hs_filter_parse(k, "x <= 0.01 and label = \"b c\" and seed != 4 and x > 1e-2", &f,
                            &e) == 0);
    REQUIRE(f.n == 4);
    CHECK(hs_cond_match(k, &f.c[0], p.v, 4));
    CHECK(hs_cond_match(k, &f.c[1], p.v, 4));
    CHECK(!hs_cond_match(k, &f.c[2], p.v, 4));
    CHECK(!hs_cond_match(k, &f.c[3], p.v, 4));
    CHECK(!hs_filter_match(k, &f, p.v, 4));
    char buf[64];
    hs_cond_text(k, &f.c[0], buf, sizeof buf);
    CHECK_EQ_STR(buf, "x <= 0.01");
    hs_cond_text(k, &f.c[1], buf, sizeof buf);
    CHECK_EQ_STR(buf, "label = \"b c\"");
    hs_cond_text(k, &f.c[2], buf, sizeof buf);
    CHECK_EQ_STR(buf, "seed != 4");
    hs_cond_text(k, &f.c[3], buf, sizeof buf);
    CHECK_EQ_STR(buf, "x > 1e-2");
    hs_filter_free(&f);
    hs_params_free(&p);
    /* the rules' own comparisons: NaN satisfies only != */
    CHECK(hs_op_eval(HS_OP_LE, 1.0, 1.0) && !hs_op_eval(HS_OP_LT, 1.0, 1.0));
    CHECK(!hs_op_eval(HS_OP_EQ, NAN, NAN) && hs_op_eval(HS_OP_NE, NAN, 1.0));
    CHECK(!hs_op_eval(HS_OP_GE, NAN, 1.0) && !hs_op_eval(HS_OP_LT, NAN, 1.0));
}

int main(void)
{
    typed_as_printed();
    neighbours();
    exact_types();
    conditions();
    return CHECK_DONE();
}
