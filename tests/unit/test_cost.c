/* hsweep/cost.h: cost models fitted to synthetic timings with known factors and exponents. */
#include "check.h"
#include "hsweep/cost.h"

/* Tolerances: the fits go through log and exp of exact data, so the error is
 * a few ulps of each (relative 1e-15); 1e-12 leaves room for the sums. */
#define TOL 1e-12

static hs_cost_model fit_of(const double *hint, const double *wall, size_t n)
{
    hs_cost_obs o = {0};
    hs_err e;
    for (size_t i = 0; i < n; i++)
        REQUIRE(hs_cost_obs_add(&o, hint[i], wall[i], &e) == 0);
    hs_cost_model m;
    REQUIRE(hs_cost_fit(&o, &m, &e) == 0);
    hs_cost_obs_free(&o);
    return m;
}

/* No samples: the hint stands. */
static void test_identity(void)
{
    hs_cost_model m = fit_of(NULL, NULL, 0);
    CHECK_EQ_INT(m.n, 0);
    CHECK_REL(hs_cost_predict(&m, 2.5), 2.5, TOL);
    char buf[64];
    hs_cost_format(&m, buf, sizeof buf);
    CHECK_EQ_STR(buf, "wall_s = hint");
}

/* A few tasks that took 3x their hint: the factor is 3, the exponent stays 1. */
static void test_factor(void)
{
    double hint[] = {0.5, 1, 2, 3, 5}, wall[5];
    for (int i = 0; i < 5; i++)
        wall[i] = 3 * hint[i];
    hs_cost_model m = fit_of(hint, wall, 5);
    CHECK_EQ_INT(m.n, 5);
    CHECK(m.b == 1);
    CHECK_REL(hs_cost_predict(&m, 7), 21, TOL);
    CHECK_REL(hs_cost_predict(&m, 1e-4), 3e-4, TOL);
    char buf[64];
    hs_cost_format(&m, buf, sizeof buf);
    CHECK_EQ_STR(buf, "wall_s = 3 x hint");
    /* One task 100x slower (a cold start) does not move the median. */
    wall[2] = 300 * hint[2];
    m = fit_of(hint, wall, 5);
    CHECK_REL(hs_cost_predict(&m, 7), 21, TOL);
    /* An even count: the middle two residuals' mean (factors 2 and 4 -> sqrt 8). */
    double h4[] = {1, 1, 1, 1}, w4[] = {1, 2, 4, 8};
    m = fit_of(h4, w4, 4);
    CHECK_REL(hs_cost_predict(&m, 1), sqrt(8.0), TOL);
}

/* Enough tasks over a wide range of hints: the exponent is fitted. */
static void test_slope(void)
{
    double hint[10], wall[10];
    for (int i = 0; i < 10; i++) {
        hint[i] = pow(10, i / 3.0); /* 1 .. 1000 */
        wall[i] = 2 * pow(hint[i], 0.8);
    }
    hs_cost_model m = fit_of(hint, wall, 10);
    CHECK_EQ_INT(m.n, 10);
    CHECK_REL(m.b, 0.8, TOL);
    CHECK_REL(hs_cost_predict(&m, 50), 2 * pow(50, 0.8), TOL);
    char buf[64];
    hs_cost_format(&m, buf, sizeof buf);
    CHECK_EQ_STR(buf, "wall_s = 2 x hint^0.8");
    /* A cube where the hint says linear: the exponent is held at its bound 2. */
    for (int i = 0; i < 10; i++)
        wall[i] = pow(hint[i], 3);
    m = fit_of(hint, wall, 10);
    CHECK(m.b == HS_COST_SLOPE_MAX);
    /* Seven tasks (below HS_COST_MIN_SLOPE): one factor only. */
    for (int i = 0; i < 10; i++)
        wall[i] = 2 * pow(hint[i], 0.8);
    m = fit_of(hint, wall, HS_COST_MIN_SLOPE - 1);
    CHECK(m.b == 1);
    /* Hints within a factor 2 of each other: too narrow to fit an exponent. */
    for (int i = 0; i < 10; i++) {
        hint[i] = 1 + i / 10.0;
        wall[i] = 2 * pow(hint[i], 0.8);
    }
    m = fit_of(hint, wall, 10);
    CHECK(m.b == 1);
}

/* Samples that have no logarithm are skipped, not fitted. */
static void test_bad_samples(void)
{
    hs_cost_obs o = {0};
    hs_err e;
    CHECK(hs_cost_obs_add(&o, 0, 1, &e) == 0);
    CHECK(hs_cost_obs_add(&o, 1, 0, &e) == 0);
    CHECK(hs_cost_obs_add(&o, 1, -1, &e) == 0);
    CHECK(hs_cost_obs_add(&o, 1, NAN, &e) == 0);
    CHECK(hs_cost_obs_add(&o, INFINITY, 1, &e) == 0);
    CHECK_EQ_INT(o.n, 0);
    CHECK(hs_cost_obs_add(&o, 2, 1, &e) == 0);
    CHECK_EQ_INT(o.n, 1);
    hs_cost_obs_free(&o);
}

/* The work left: remaining hints times each sweep's factor; a sweep without
 * samples of its own takes the factor of all samples. */
static void test_left(void)
{
    hs_cost_left *l;
    hs_err e;
    REQUIRE(hs_cost_left_create(2, NULL, &l, &e) == 0);
    double h0[] = {1, 2, 4, 4, 8}, h1[] = {10, 20};
    for (int i = 0; i < 5; i++)
        hs_cost_left_count(l, 0, h0[i], +1);
    for (int i = 0; i < 2; i++)
        hs_cost_left_count(l, 1, h1[i], +1);
    CHECK(isnan(hs_cost_left_seconds(l, 3))); /* nothing finished yet */
    /* Sweep 0's tasks of hint 8, 4 and 4 finish in half their hints. */
    double done[] = {8, 4, 4};
    for (int i = 0; i < 3; i++) {
        hs_cost_left_count(l, 0, done[i], -1);
        CHECK(hs_cost_left_observe(l, 0, done[i], 0.5 * done[i], &e) == 0);
        if (i < 2)
            CHECK(isnan(hs_cost_left_seconds(l, 3)));
    }
    /* Left: sweep 0 hints 1 + 2, sweep 1 hints 10 + 20, all at factor 0.5. */
    CHECK_REL(hs_cost_left_seconds(l, 3), 0.5 * 33, TOL);
    CHECK_REL(hs_cost_predict(hs_cost_left_model(l, 0), 1), 0.5, TOL);
    /* Sweep 1's first task takes 4x its hint: its own factor from then on. */
    hs_cost_left_count(l, 1, 10, -1);
    CHECK(hs_cost_left_observe(l, 1, 10, 40, &e) == 0);
    CHECK_REL(hs_cost_left_seconds(l, 3), 0.5 * 3 + 4 * 20, TOL);
    /* A retry puts its hint back. */
    hs_cost_left_count(l, 1, 10, +1);
    CHECK_REL(hs_cost_left_seconds(l, 3), 0.5 * 3 + 4 * 30, TOL);
    hs_cost_left_count(l, 1, 10, -1);
    hs_cost_left_count(l, 1, 20, -1);
    hs_cost_left_count(l, 0, 1, -1);
    hs_cost_left_count(l, 0, 2, -1);
    CHECK(hs_cost_left_seconds(l, 3) == 0); /* all done */
    hs_cost_left_destroy(&l);
    CHECK(l == NULL);
}

/* Samples from a results file start the tracker off: no wait for min_samples. */
static void test_left_calibrated(void)
{
    hs_cost_calib c[1] = {{0}};
    hs_err e;
    for (int i = 1; i <= 4; i++)
        REQUIRE(hs_cost_obs_add(&c[0].obs, i, 0.25 * i, &e) == 0);
    hs_cost_left *l;
    REQUIRE(hs_cost_left_create(1, c, &l, &e) == 0);
    hs_cost_left_count(l, 0, 100, +1);
    CHECK_REL(hs_cost_left_seconds(l, 3), 25, TOL);
    hs_cost_left_destroy(&l);
    hs_cost_calib_free(c, 1);
}

/* A long run keeps its latest samples: once they all say factor 4, so does the model. */
static void test_left_window(void)
{
    hs_cost_left *l;
    hs_err e;
    REQUIRE(hs_cost_left_create(1, NULL, &l, &e) == 0);
    hs_cost_left_count(l, 0, 1, +1);
    for (int i = 0; i < 100000; i++)
        REQUIRE(hs_cost_left_observe(l, 0, 1, 2, &e) == 0);
    CHECK_REL(hs_cost_left_seconds(l, 3), 2, TOL);
    for (int i = 0; i < 100000; i++)
        REQUIRE(hs_cost_left_observe(l, 0, 1, 4, &e) == 0);
    CHECK_REL(hs_cost_left_seconds(l, 3), 4, TOL);
    hs_cost_left_destroy(&l);
}

int main(void)
{
    test_identity();
    test_factor();
    test_slope();
    test_bad_samples();
    test_left();
    test_left_calibrated();
    test_left_window();
    return CHECK_DONE();
}
