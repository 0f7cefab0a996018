/* Sweep files: every bad-input case names file, line and key; expansion is stable. */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "hsweep/config.h"

/* Parse text; expect failure code with each needle in the message. */
static void expect_error(const char *text, int code, const char *n1, const char *n2, const char *n3)
{
    hs_sweepset *s = NULL;
    hs_err e = {0};
    int rc = hs_sweepset_parse("bad.cfg", text, NULL, &s, &e);
    CHECK_EQ_INT(rc, code);
    CHECK(s == NULL);
    if (n1)
        CHECK_CONTAINS(e.msg, n1);
    if (n2)
        CHECK_CONTAINS(e.msg, n2);
    if (n3)
        CHECK_CONTAINS(e.msg, n3);
    hs_sweepset_free(&s);
}

static hs_sweepset *parse_ok(const char *text)
{
    hs_sweepset *s = NULL;
    hs_err e = {0};
    int rc = hs_sweepset_parse("good.cfg", text, NULL, &s, &e);
    if (rc)
        fprintf(stderr, "unexpected error: %s\n", e.msg);
    REQUIRE(rc == 0 && s);
    return s;
}

static void bad_inputs(void)
{
    /* unknown parameter (a typo) with a suggestion, on its line */
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n"
                 "  fixed = {\n"
                 "    trace_lne = 3; }; });\n",
                 HS_EINPUT, "bad.cfg:3:", "key 'trace_lne'", "did you mean 'trace_len'");
    /* wrong type */
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n fixed = { k = 1.5; }; });",
                 HS_EINPUT, "bad.cfg:2:", "key 'k'", "expected an integer");
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n fixed = { flag = 1; }; });",
                 HS_EINPUT, "bad.cfg:2:", "key 'flag'", "true or false");
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n matrix = { label = [1, 2]; }; });",
                 HS_EINPUT, "bad.cfg:2:", "key 'label'", "expected a string");
    /* value outside its range */
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"sleep\";\n\n fixed = { seconds = -1.0; }; });",
        HS_EINPUT, "bad.cfg:3:", "key 'seconds'", "outside its range");
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n matrix = { trace_len = [1, 2,\n -5]; }; });",
        HS_EINPUT, "bad.cfg:3:", "key 'trace_len'", "outside its range");
    /* zip lists of unequal length */
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n zip = { x = [1.0, 2.0];\n k = [1, 2, 3]; }; });",
        HS_EINPUT, "bad.cfg:3:", "key 'k'", "unequal length");
    /* an axis given twice */
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n fixed = { x = 1.0; };\n matrix = { x = [1.0, 2.0]; }; });",
        HS_EINPUT, "bad.cfg:3:", "key 'x'", "given twice");
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n matrix = { k = [1, 2]; };\n zip = { k = [3, 4]; x = [1.0, 2.0]; }; });",
        HS_EINPUT, "bad.cfg:3:", "key 'k'", "given twice");
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n matrix = { k = [1, 2]; };\n cases = ( { x = 1.0; }, {\n k = 3; } ); });",
        HS_EINPUT, "bad.cfg:4:", "key 'k'", "given twice");
    /* unknown kernel, with the list of known ones */
    expect_error("sweeps = ({ name = \"a\";\n kernel = \"nop\"; });", HS_EINPUT,
                 "bad.cfg:2:", "unknown kernel \"nop\"", "did you mean 'noop'");
    /* unknown sweep key and top-level key */
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n seed = [1]; });", HS_EINPUT,
                 "bad.cfg:2:", "key 'seed'", "did you mean 'seeds'");
    expect_error("outptu = \"x.h5\";\nsweeps = ({ name = \"a\"; kernel = \"noop\"; });", HS_EINPUT,
                 "bad.cfg:1:", "key 'outptu'", "did you mean 'output'");
    /* syntax error with its line */
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n\n fixed = { x = ; }; });",
                 HS_EINPUT, "bad.cfg:3:", "syntax error", NULL);
    /* empty file, no sweeps */
    expect_error("", HS_EINPUT, "bad.cfg:1:", "empty", NULL);
    expect_error("output = \"x.h5\";\n", HS_EINPUT, "bad.cfg:1:", "no sweeps", NULL);
    /* duplicate sweep names, repeated seeds, repeated axis values */
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\"; },\n { name = \"a\"; kernel = \"noop\"; });",
        HS_EINPUT, "bad.cfg:2:", "used twice", NULL);
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n seeds = [1, 2, 1]; });", HS_EINPUT,
                 "bad.cfg:2:", "seed 1 is repeated", NULL);
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n matrix = { k = [1, 2, 1]; }; });",
                 HS_EINPUT, "bad.cfg:2:", "key 'k'", "repeats");
    /* ranges: log with a non-positive end, rounding to duplicate integers */
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n matrix = { x = { from = 0.0; to = 1.0; num = 3; scale = \"log\"; }; }; });",
        HS_EINPUT, "bad.cfg:2:", "key 'x'", "log range");
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n matrix = { k = { from = 1; to = 2; num = 5; }; }; });",
        HS_EINPUT, "bad.cfg:2:", "key 'k'", "twice after rounding");
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n matrix = { x = { from = 0e-3; to = 0.0; num = 5; }; }; });",
        HS_EINPUT, "bad.cfg:2:", "key 'x'", "more than once"); /* found by the fuzzer */
    /* expect rules are validated too */
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n expect = ( { when = \"kk <= 3\"; metric = \"xk\"; op = \"<\"; value = 1; } ); });",
        HS_EINPUT, "bad.cfg:2:", "'kk' is not a parameter", NULL);
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n expect = ( { metric = \"nope\"; op = \"<\"; value = 1; } ); });",
        HS_EINPUT, "bad.cfg:2:", "not a metric", NULL);
    /* integers libconfig would silently wrap */
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n fixed = { k = 3000000000; }; });",
                 HS_EINPUT, "bad.cfg:2:", "does not fit in 32 bits", "L suffix");
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n\n seeds = [99999999999999999999L]; });",
        HS_EINPUT, "bad.cfg:3:", "does not fit in 64 bits", NULL);
    /* huge reals become inf: not a finite number */
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n fixed = { x = 1e400; }; });",
                 HS_EINPUT, "bad.cfg:2:", "key 'x'", "not a finite number");
    /* ranks_per_task on a single-rank kernel */
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n ranks_per_task = 2; });",
                 HS_EINPUT, "bad.cfg:2:", "runs on one rank only", NULL);
}

static void literals_ok(void)
{
    /* limits themselves, hex, negatives, digits inside strings, comments and names */
    hs_sweepset *s =
        parse_ok("max_tasks = 9223372036854775807L; # 99999999999999999999\n"
                 "sweeps = ({ name = \"a1\"; kernel = \"noop\";\n"
                 " fixed = { k = 0x10; x = 1.5e299; label = \"99999999999999999999\"; };\n"
                 " seeds = (2147483647, -2147483648, -5, 3000000000L); });");
    CHECK_EQ_INT(s->sweeps[0].seeds[0], 2147483647);
    CHECK_EQ_INT(s->sweeps[0].seeds[1], -2147483648LL);
    CHECK_EQ_INT(s->sweeps[0].seeds[3], 3000000000LL);
    CHECK_EQ_INT(s->sweeps[0].base[hs_kernel_param_index(s->sweeps[0].kernel, "k")].i, 16);
    hs_sweepset_free(&s);
}

static void task_limit(void)
{
    /* 4 x 1e4 x 3e3 = 1.2e8 tasks: refused with the count, before expansion. */
    const char *text = "sweeps = ({ name = \"big\"; kernel = \"noop\";\n"
                       " matrix = { x = { from = 0.0; to = 1.0; num = 10000; };\n"
                       "            k = { from = 1; to = 3000; num = 3000; }; };\n"
                       " seeds = [1, 2, 3, 4]; });";
    expect_error(text, HS_EINPUT, "bad.cfg:1:", "120000000 tasks", "limit of 10000000");
    hs_sweepset *s = NULL;
    hs_err e;
    hs_load_opts o = {.max_tasks = 200000000ULL};
    CHECK_EQ_INT(hs_sweepset_parse("big.cfg", text, &o, &s, &e), 0);
    if (s)
        CHECK_EQ_INT(s->sweeps[0].n_tasks, 120000000ULL);
    hs_sweepset_free(&s);
    /* the file's own max_tasks works too */
    char buf[1024];
    snprintf(buf, sizeof buf, "max_tasks = 200000000L;\n%s", text);
    s = parse_ok(buf);
    hs_sweepset_free(&s);
}

static void expansion(void)
{
    const char *text = "output = \"out/x.h5\";\n"
                       "sweeps = ({ name = \"e\"; kernel = \"noop\";\n"
                       " fixed = { label = \"fixed\"; };\n"
                       " cases = ( { flag = true; }, { flag = false; trace_len = 7; } );\n"
                       " matrix = { x = { from = 1e-4; to = 1e-1; num = 4; scale = \"log\"; }; };\n"
                       " zip = { k = [10, 20]; };\n"
                       " seeds = [5, 6, 7]; });";
    hs_sweepset *s = parse_ok(text);
    const hs_sweep *sw = &s->sweeps[0];
    CHECK_EQ_STR(s->output, "out/x.h5");
    /* cases x matrix x zip x seeds */
    CHECK_EQ_INT(sw->n_tasks, 2 * 4 * 2 * 3);
    const hs_kernel *k = sw->kernel;
    int ix = hs_kernel_param_index(k, "x"), ik = hs_kernel_param_index(k, "k"),
        iflag = hs_kernel_param_index(k, "flag"), itl = hs_kernel_param_index(k, "trace_len"),
        ilab = hs_kernel_param_index(k, "label");
    hs_value v[16];
    int64_t seed;
    uint64_t rs;
    /* id = ((case * 4 + xi) * 2 + ki) * 3 + seed_index */
    hs_sweep_task(sw, ((1 * 4 + 2) * 2 + 1) * 3 + 2, v, &seed, &rs);
    CHECK_EQ_INT(seed, 7);
    CHECK_EQ_INT(v[iflag].b, 0);
    CHECK_EQ_INT(v[itl].i, 7);
    CHECK_EQ_INT(v[ik].i, 20);
    CHECK_REL(v[ix].r, 1e-2, 1e-12); /* log grid 1e-4, 1e-3, 1e-2, 1e-1 */
    CHECK_EQ_STR(v[ilab].s, "fixed");
    hs_sweep_task(sw, 0, v, &seed, &rs);
    CHECK_EQ_INT(seed, 5);
    CHECK_EQ_INT(v[iflag].b, 1);
    CHECK_EQ_INT(v[itl].i, 0);        /* the default */
    CHECK_EQ_INT(v[ix].r == 1e-4, 1); /* range endpoints are exact */
    hs_sweep_task(sw, 3 * 3, v, &seed, &rs);
    CHECK_EQ_INT(v[ix].r == 1e-1, 0);
    hs_sweep_task(sw, (0 * 4 + 3) * 2 * 3, v, &seed, &rs);
    CHECK_EQ_INT(v[ix].r == 1e-1, 1);
    /* axes: case keys, matrix, zip, seed */
    const char *axes[16];
    size_t na = hs_sweep_axes(sw, axes, 16);
    CHECK_EQ_INT(na, 5);
    CHECK_EQ_STR(axes[0], "flag");
    CHECK_EQ_STR(axes[1], "trace_len");
    CHECK_EQ_STR(axes[2], "x");
    CHECK_EQ_STR(axes[3], "k");
    CHECK_EQ_STR(axes[4], "seed");

    /* Stability: a second parse gives the same ids, parameters and seeds; the
     * RNG seed depends on parameter values and sweep seed, not on position. */
    hs_sweepset *s2 = parse_ok(text);
    hs_value v2[16];
    int64_t seed2;
    uint64_t rs2;
    int same = 1, distinct = 1;
    uint64_t seen[48];
    for (uint64_t id = 0; id < sw->n_tasks; id++) {
        hs_sweep_task(sw, id, v, &seed, &rs);
        hs_sweep_task(&s2->sweeps[0], id, v2, &seed2, &rs2);
        same &= rs == rs2 && seed == seed2 && v[ix].r == v2[ix].r;
        seen[id] = rs;
        for (uint64_t j = 0; j < id; j++)
            distinct &= seen[j] != rs;
    }
    CHECK(same);
    CHECK(distinct);
    hs_sweepset_free(&s2);
    /* Reordering the matrix values moves tasks but keeps each task's seed. */
    const char *text3 = "sweeps = ({ name = \"e\"; kernel = \"noop\";\n"
                        " fixed = { label = \"fixed\"; };\n"
                        " cases = ( { flag = true; }, { flag = false; trace_len = 7; } );\n"
                        " matrix = { x = [1e-1, 1e-2, 1e-3, 1e-4]; };\n"
                        " zip = { k = [10, 20]; };\n"
                        " seeds = [5, 6, 7]; });";
    hs_sweepset *s3 = parse_ok(text3);
    hs_sweep_task(sw, 0, v, &seed, &rs);                        /* x = 1e-4 first */
    hs_sweep_task(&s3->sweeps[0], 3 * 2 * 3, v2, &seed2, &rs2); /* x = 1e-4 last */
    CHECK(v2[ix].r == 1e-4);
    CHECK(rs == rs2);
    hs_sweepset_free(&s3);
    hs_sweepset_free(&s);
}

static void filters(void)
{
    const hs_kernel *k = hs_kernel_find("noop");
    hs_filter f = {0};
    hs_err e;
    REQUIRE(hs_filter_parse(k, "x <= 2 and label = \"b c\", flag=true && seed != 3", &f, &e) == 0);
    CHECK_EQ_INT(f.n, 4);
    hs_params p;
    REQUIRE(hs_params_init_defaults(&p, k, &e) == 0);
    p.v[hs_kernel_param_index(k, "x")].r = 2.0;
    p.v[hs_kernel_param_index(k, "label")].s = "b c";
    p.v[hs_kernel_param_index(k, "flag")].b = 1;
    CHECK(hs_filter_match(k, &f, p.v, 4));
    CHECK(!hs_filter_match(k, &f, p.v, 3));
    p.v[hs_kernel_param_index(k, "x")].r = 2.5;
    CHECK(!hs_filter_match(k, &f, p.v, 4));
    hs_filter_free(&f);
    CHECK(hs_filter_parse(k, "label < b", &f, &e) == HS_EINPUT);
    CHECK_CONTAINS(e.msg, "only be compared with =");
    CHECK(hs_filter_parse(k, "x ~ 3", &f, &e) == HS_EINPUT);
    CHECK(hs_filter_parse(k, "x < abc", &f, &e) == HS_EINPUT);
    hs_params_free(&p);
}

/* The values of the one axis of a one-sweep file whose matrix is `axis`. */
static hs_sweepset *range_axis(const char *axis, const hs_axis **a)
{
    char text[512];
    snprintf(text, sizeof text, "sweeps = ({ name = \"r\"; kernel = \"noop\"; matrix = { %s }; });",
             axis);
    hs_sweepset *s = parse_ok(text);
    *a = &s->sweeps[0].axes[0];
    return s;
}

/* Ranges give the decimals the user would write, as strtod reads them (the C
 * literals below), not 0.30000000000000004 or 0.010000000000000002. */
static void range_grids(void)
{
    static const struct {
        const char *axis;
        size_t n;
        double want[13];
    } cases[] = {
        {"x = { from = 0; to = 1; num = 11; };",
         11,
         {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}},
        {"x = { from = 1e-3; to = 10; num = 5; scale = \"log\"; };", 5, {1e-3, 1e-2, 0.1, 1, 10}},
        /* between the powers of ten: the double nearest 10^-3.5 (not its 15-digit rounding) */
        {"x = { from = 1e-4; to = 1; num = 9; scale = \"log\"; };",
         9,
         {1e-4, 3.1622776601683794e-4, 1e-3, 3.1622776601683794e-3, 1e-2, 3.162277660168379e-2, 0.1,
          0.31622776601683794, 1}},
        {"x = { from = 10; to = 0.001; num = 5; scale = \"log\"; };", 5, {10, 1, 0.1, 0.01, 0.001}},
        {"x = { from = 2e-7; to = 2e5; num = 13; scale = \"log\"; };",
         13,
         {2e-7, 2e-6, 2e-5, 2e-4, 2e-3, 2e-2, 0.2, 2, 20, 200, 2e3, 2e4, 2e5}},
        {"x = { from = 1; to = 16; num = 5; scale = \"log\"; };", 5, {1, 2, 4, 8, 16}},
        {"x = { from = 1e-300; to = 1e300; num = 7; scale = \"log\"; };",
         7,
         {1e-300, 1e-200, 1e-100, 1, 1e100, 1e200, 1e300}},
        /* crossing zero: exactly 0, not 2.8e-17 */
        {"x = { from = -0.3; to = 0.4; num = 8; };", 8, {-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3, 0.4}},
        {"x = { from = 2.5e-6; to = 5e-6; num = 6; };",
         6,
         {2.5e-6, 3e-6, 3.5e-6, 4e-6, 4.5e-6, 5e-6}},
        /* no short decimal: the computed double stays (not 0.333333333333333) */
        {"x = { from = 0; to = 1; num = 4; };", 4, {0, 1.0 / 3, 2.0 / 3, 1}},
        {"k = { from = 1; to = 100; num = 5; scale = \"log\"; };", 5, {1, 3, 10, 32, 100}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const hs_axis *a;
        hs_sweepset *s = range_axis(cases[c].axis, &a);
        int is_int = cases[c].axis[0] == 'k';
        CHECK_EQ_INT(a->n, cases[c].n);
        for (size_t i = 0; i < a->n && i < cases[c].n; i++) {
            double got = is_int ? (double)a->values[i].i : a->values[i].r;
            int ok = got == cases[c].want[i] && (got != 0 || !signbit(got)); /* +0, not -0 */
            if (!ok)
                fprintf(stderr, "%s [%zu]: %.17g, want %.17g\n", cases[c].axis, i, got,
                        cases[c].want[i]);
            CHECK(ok);
        }
        hs_sweepset_free(&s);
    }
    /* every k/1024 of a 1025-point range is exact in binary and comes out exact */
    const hs_axis *a;
    hs_sweepset *s = range_axis("x = { from = 0; to = 1; num = 1025; };", &a);
    int exact = 1;
    for (size_t i = 0; i < a->n; i++)
        exact &= a->values[i].r == (double)i / 1024;
    CHECK(exact);
    hs_sweepset_free(&s);
    expect_error("sweeps = ({ name = \"r\"; kernel = \"noop\";\n"
                 " matrix = { k = { from = 1; to = 3; num = 4; }; }; });",
                 HS_EINPUT, "bad.cfg:2:", "key 'k'", "twice after rounding to integers");
    /* ends near DBL_MAX: the points do not overflow (exec parameters have no range) */
    s = parse_ok(
        "sweeps = ({ name = \"r\"; kernel = \"exec\"; command = [\"true\"]; metrics = [\"m\"];\n"
        " matrix = { x = { from = 1e308; to = 1.7e308; num = 3; }; }; });");
    CHECK(s->sweeps[0].axes[0].values[1].r == 1.35e308);
    hs_sweepset_free(&s);
    /* an end that libconfig reads as inf (found by the parser fuzz test) */
    expect_error("sweeps = ({ name = \"r\"; kernel = \"noop\";\n"
                 " matrix = { x = { from = 2e443; to = 2.0; num = 4; scale = \"log\"; }; }; });",
                 HS_EINPUT, "bad.cfg:2:", "key 'x'", "range 'from' is not a finite number");
}

static void sha256(void)
{
    /* FIPS 180-2 appendix B test vectors. */
    char hex[65];
    hs_sha256_hex("abc", 3, hex);
    CHECK_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    hs_sha256_hex("", 0, hex);
    CHECK_EQ_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    hs_sha256_hex(m, strlen(m), hex);
    CHECK_EQ_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void registry(void)
{
    /* Every built-in kernel's table is consistent and its defaults valid. */
    size_t n = 0;
    for (size_t i = 0; hs_builtin_kernels[i]; i++, n++) {
        hs_err e = {0};
        int rc = hs_kernel_validate(hs_builtin_kernels[i], &e);
        if (rc)
            fprintf(stderr, "kernel %s: %s\n", hs_builtin_kernels[i]->name, e.msg);
        CHECK_EQ_INT(rc, 0);
    }
    CHECK(n >= 4);
    CHECK(hs_kernel_find("noop") && hs_kernel_find("sleep") && hs_kernel_find("nonfinite") &&
          hs_kernel_find("fail"));
    /* a table built against another ABI is refused */
    hs_kernel other = *hs_kernel_find("noop");
    other.abi = HS_KERNEL_ABI + 1;
    hs_err e;
    CHECK_EQ_INT(hs_kernel_validate(&other, &e), HS_ESTATE);
    CHECK_CONTAINS(e.msg, "ABI");
}

/* expect rules: every key checked at load time, naming file, line and key */
static void rule_errors(void)
{
    /* a sweep "a" with x, k axes; RULE is the body of one rule on line 3 */
#define RULE_FILE(RULE)                                                                            \
    "sweeps = ({ name = \"a\"; kernel = \"noop\";\n matrix = { x = [1.0, 2.0]; k = [1, 2]; };\n"   \
    " expect = ( {" RULE                                                                           \
    "} ); },\n { name = \"b\"; kernel = \"fail\"; matrix = { x = [1.0]; }; });"
    expect_error(RULE_FILE("metirc = \"xk\"; op = \"<\"; value = 1;"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.metirc'", "did you mean 'metric'");
    expect_error(RULE_FILE("metric = \"xk\"; op = \"~\"; value = 1;"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.op'", "within");
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\";"), HS_EINPUT, "bad.cfg:3:", "needs value",
                 NULL);
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; value = 1; ref = \"x = 1\";"), HS_EINPUT,
                 "bad.cfg:3:", "not both", NULL);
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; ref = \"label = a\";"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.ref'", "'label' is not an axis of sweep 'a'");
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; ref = \"x = 3\";"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.ref'", "axis 'x' of sweep 'a' has no value 3");
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; ref = \"x > 1\";"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.ref'", "AXIS = VALUE");
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; ref = \" \";"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.ref'", "AXIS = VALUE");
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; ref = \"x = 1, x = 2\";"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.ref'", "an axis given twice");
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; ref_sweep = \"bb\";"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.ref_sweep'", "no sweep 'bb' (did you mean 'b'?)");
    /* xk is not a metric of the fail kernel: ref_metric is needed */
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; ref_sweep = \"b\";"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.metric'", "not a metric of kernel 'fail'");
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; ref_sweep = \"b\"; ref_metric = \"u\";"),
                 HS_EINPUT, "bad.cfg:3:", "key 'expect.ref_metric'", "'u' is not a metric");
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; value = 1; tol = 0.1;"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.tol'", "within");
    expect_error(RULE_FILE("metric = \"xk\"; op = \"within\"; value = 1;"), HS_EINPUT,
                 "bad.cfg:3:", "needs tol", NULL);
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; value = 1; factor = 2.0;"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.factor'", "reference");
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; value = 1; over = \"some\";"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.over'", "\"any\"");
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; value = 1; tasks = \"each\";"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.tasks'", "\"mean\"");
    expect_error(RULE_FILE("metric = \"xk\"; op = \"<\"; value = \"1\";"), HS_EINPUT,
                 "bad.cfg:3:", "key 'expect.value'", "a number");
#undef RULE_FILE
}

static void rule_fields(void)
{
    /* ref_sweep names a later sweep: checked once every sweep is known */
    hs_sweepset *s = parse_ok(
        "sweeps = ({ name = \"a\"; kernel = \"noop\"; matrix = { x = [1.0, 2.0]; k = [1, 2]; };\n"
        " expect = ( { claim = \"c\"; when = \"k = 2\"; metric = \"xk\"; op = \"within\"; tol = 0.1;\n"
        "   ref = \"x = 1\"; ref_sweep = \"b\"; ref_metric = \"x_echo\"; factor = 2.0; over = \"any\"; tasks = \"all\"; },\n"
        "   { metric = \"xk\"; op = \">=\"; value = 3; } ); },\n"
        " { name = \"b\"; kernel = \"fail\"; matrix = { x = [1.0]; }; });");
    const hs_rule *r = &s->sweeps[0].rules[0];
    CHECK_EQ_INT(s->sweeps[0].n_rules, 2);
    CHECK_EQ_STR(r->claim, "c");
    CHECK_EQ_INT(r->op, HS_RULE_WITHIN);
    CHECK_EQ_STR(r->ref_sweep, "b");
    CHECK_EQ_STR(r->ref_metric, "x_echo");
    CHECK_EQ_INT(r->ref.n, 1);
    CHECK(r->factor == 2.0 && r->tol == 0.1 && isnan(r->value));
    CHECK(r->over_any && r->tasks_all);
    char buf[256];
    hs_rule_text(r, buf, sizeof buf);
    CHECK_EQ_STR(buf,
                 "when k = 2: some group: every task's xk within 10% of 2 × x_echo of b at x = 1");
    /* within: |lhs - rhs| <= tol |rhs|, NaN never holds */
    CHECK(hs_rule_check(r, 10.9, 10.0) && !hs_rule_check(r, 11.1, 10.0) &&
          !hs_rule_check(r, NAN, 1));
    r = &s->sweeps[0].rules[1];
    CHECK(r->factor == 1.0 && isnan(r->tol) && r->value == 3.0 && !r->over_any && !r->tasks_all);
    hs_rule_text(r, buf, sizeof buf);
    CHECK_EQ_STR(buf, "xk >= 3");
    CHECK(hs_rule_check(r, 3, r->value) && !hs_rule_check(r, 2.5, r->value));
    hs_sweepset_free(&s);
    /* a reduced run may cut the reference value from its axis: the rule is then incomplete, not refused */
    const char *text =
        "sweeps = ({ name = \"a\"; kernel = \"noop\"; matrix = { x = [1.0, 2.0]; };\n"
        " reduced = { x = [2.0]; };\n"
        " expect = ( { when = \"x = 2\"; metric = \"xk\"; op = \">\"; ref = \"x = 1\"; } ); });";
    hs_load_opts lo = {.reduced = 1};
    hs_err e = {0};
    CHECK_EQ_INT(hs_sweepset_parse("red.cfg", text, &lo, &s, &e), 0);
    CHECK(s && s->sweeps[0].axes[0].n == 1);
    hs_sweepset_free(&s);
    s = parse_ok(text);
    CHECK_EQ_INT(s->sweeps[0].rules[0].ref.n, 1);
    hs_sweepset_free(&s);
    /* a reference typed as the table prints it (0.000316228 for 10^-3.5) names that grid value */
    s = parse_ok(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n"
        " matrix = { x = { from = 1e-4; to = 1e-3; num = 3; scale = \"log\"; }; };\n"
        " expect = ( { when = \"x = 0.001\"; metric = \"xk\"; op = \">\"; ref = \"x = 0.000316228\"; } ); });");
    CHECK_EQ_INT(s->sweeps[0].rules[0].ref.n, 1);
    hs_sweepset_free(&s);
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n"
                 " matrix = { x = { from = 1e-4; to = 1e-3; num = 3; scale = \"log\"; }; };\n"
                 " expect = ( { metric = \"xk\"; op = \">\"; ref = \"x = 0.00031623\"; } ); });",
                 HS_EINPUT, "bad.cfg:3:", "key 'expect.ref'", "has no value 0.00031623");
}

/* Sweep-file mistakes libconfig reports badly or not at all (issue 23). */
static void sweep_file_syntax(void)
{
    /* a list of integers with a real in it is real (libconfig alone refuses it); lines kept */
    const char *text = "sweeps = ({ name = \"a\"; kernel = \"noop\";\n"
                       " matrix = { x = [1, 0.5, -2L, 3e2, # 4, \"5\"\n 7]; k = [1, 2]; };\n"
                       " fixed = { label = \"[1, 0.5]\"; }; });";
    hs_sweepset *s = parse_ok(text);
    const hs_axis *x = &s->sweeps[0].axes[0];
    REQUIRE(x->n == 5);
    CHECK(x->values[0].r == 1.0 && x->values[1].r == 0.5 && x->values[2].r == -2.0 &&
          x->values[3].r == 300.0 && x->values[4].r == 7.0);
    CHECK_EQ_INT(s->sweeps[0].axes[1].line, 3);
    CHECK_EQ_INT(s->sweeps[0].axes[1].values[1].i, 2);
    CHECK(strcmp(s->text, text) == 0); /* what the user wrote is what is stored and hashed */
    CHECK_CONTAINS(s->sweeps[0].base[hs_kernel_param_index(s->sweeps[0].kernel, "label")].s,
                   "[1, 0.5]");
    hs_sweepset_free(&s);
    /* reals for an integer parameter: the kernel's type check names the key */
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n matrix = { k = [1, 2.5]; }; });",
                 HS_EINPUT, "bad.cfg:2:", "'k'", NULL);
    /* types that do not mix: file, line, key */
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n\n matrix = { x = [1, \"b\"]; }; });",
        HS_EINPUT, "bad.cfg:3:", "key 'x'", "all be numbers, all strings");
    /* a scalar seed is neither one seed nor a count */
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\";\n seeds = 3; });", HS_EINPUT,
                 "bad.cfg:2:", "key 'seeds'", "seeds = [3];");
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\"; matrix = { x = [1.0]; };\n"
                 " reduced = { seeds = 1; }; });",
                 HS_EINPUT, "bad.cfg:2:", "seeds = [1];", NULL);
    /* libconfig's bare "syntax error" gets its likely cause and line */
    expect_error("sweeps = ({ name = 'a'; kernel = \"noop\"; });", HS_EINPUT,
                 "bad.cfg:1:", "single quotes", "(\"a\")");
    expect_error(
        "sweeps = ({ name = \"a\"; kernel = \"noop\";\n matrix = { x = [1.0, 2.0,\n ]; }; });",
        HS_EINPUT, "bad.cfg:2:", "comma before ']'", NULL);
    expect_error("sweeps = ({ name = \"a\"; kernel = \"noop\"; },\n);", HS_EINPUT,
                 "bad.cfg:1:", "comma before ')'", NULL);
    expect_error("sweeps = ({ \"name\": \"a\"; kernel = \"noop\"; });", HS_EINPUT,
                 "bad.cfg:1:", "quoted key", "name = ...");
    expect_error("sweeps = [\n { name = \"a\"; kernel = \"noop\"; } ];", HS_EINPUT,
                 "bad.cfg:1:", "takes ( )", NULL);
    expect_error(
        "# comment, ]\nsweeps = ({ name = \"a\"; kernel = \"noop\"; matrix = { x = [1.0; }; });",
        HS_EINPUT, "bad.cfg:2:", "usual causes", "left open");
}

int main(void)
{
    sweep_file_syntax();
    rule_errors();
    rule_fields();
    bad_inputs();
    literals_ok();
    task_limit();
    expansion();
    filters();
    range_grids();
    sha256();
    registry();
    return CHECK_DONE();
}
