/*
 * Minimal test assertions: print file, line and both values, never compiled
 * out.  A failed CHECK counts and continues; REQUIRE stops the test.
 * main() ends with `return CHECK_DONE();`.
 */
#ifndef HSWEEP_TESTS_CHECK_H
#define HSWEEP_TESTS_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures_ = 0;
static int check_count_ = 0;

#define CHECK_FAIL_(...)                                                                           \
    do {                                                                                           \
        check_failures_++;                                                                         \
        fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);                                      \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
    } while (0)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        check_count_++;                                                                            \
        if (!(cond))                                                                               \
            CHECK_FAIL_("%s", #cond);                                                              \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        check_count_++;                                                                            \
        if (a_ != b_)                                                                              \
            CHECK_FAIL_("%s == %s (%lld vs %lld)", #a, #b, a_, b_);                                \
    } while (0)

#define CHECK_EQ_STR(a, b)                                                                         \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        check_count_++;                                                                            \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                     \
            CHECK_FAIL_("%s == %s (\"%s\" vs \"%s\")", #a, #b, a_ ? a_ : "(null)",                 \
                        b_ ? b_ : "(null)");                                                       \
    } while (0)

#define CHECK_CONTAINS(hay, needle)                                                                \
    do {                                                                                           \
        const char *h_ = (hay), *n_ = (needle);                                                    \
        check_count_++;                                                                            \
        if (!h_ || !strstr(h_, n_))                                                                \
            CHECK_FAIL_("\"%s\" contains \"%s\"", h_ ? h_ : "(null)", n_);                         \
    } while (0)

/* |a - b| <= tol (absolute). */
#define CHECK_NEAR(a, b, tol)                                                                      \
    do {                                                                                           \
        double a_ = (a), b_ = (b), t_ = (tol);                                                     \
        check_count_++;                                                                            \
        if (!(fabs(a_ - b_) <= t_))                                                                \
            CHECK_FAIL_("%s ~ %s (%.17g vs %.17g, tol %g)", #a, #b, a_, b_, t_);                   \
    } while (0)

/* |a - b| <= tol * max(|b|, tiny) (relative to the expected value b). */
#define CHECK_REL(a, b, tol)                                                                       \
    do {                                                                                           \
        double a_ = (a), b_ = (b), t_ = (tol);                                                     \
        double s_ = fabs(b_) > 1e-300 ? fabs(b_) : 1e-300;                                         \
        check_count_++;                                                                            \
        if (!(fabs(a_ - b_) <= t_ * s_))                                                           \
            CHECK_FAIL_("%s ~rel %s (%.17g vs %.17g, rel err %.3g, tol %g)", #a, #b, a_, b_,       \
                        fabs(a_ - b_) / s_, t_);                                                   \
    } while (0)

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        check_count_++;                                                                            \
        if (!(cond)) {                                                                             \
            CHECK_FAIL_("required: %s", #cond);                                                    \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define CHECK_DONE()                                                                               \
    (fprintf(stderr, "%d checks, %d failed\n", check_count_, check_failures_),                     \
     check_failures_ ? 1 : 0)

#endif
