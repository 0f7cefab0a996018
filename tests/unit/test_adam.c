/* hs-link: numeric
 * Adam against the closed form of Kingma & Ba (2015), Algorithm 1: after
 * step t with gradients g_1..g_t, m_t = (1 - b1) sum_k b1^(t-k) g_k,
 * v_t = (1 - b2) sum_k b2^(t-k) g_k^2, and w moves by
 * -lr * (m_t / (1 - b1^t)) / (sqrt(v_t / (1 - b2^t)) + eps); the first step
 * is therefore -lr * g / (|g| + eps) whatever the gradient's scale.  Both
 * precisions, the documented defaults, reset, and no allocation at init.
 */
#include <float.h>

#include "check.h"
#include "hsweep/adam.h"

static void test_defaults_and_init(void)
{
    hs_adam a;
    CHECK_EQ_INT(hs_adam_init(&a, 3, 0.01), 0);
    CHECK(a.beta1 == 0.9 && a.beta2 == 0.999 && a.eps == 1e-8 && a.lr == 0.01);
    CHECK_EQ_INT(a.t, 0);
    /* nothing is allocated before the first step of a precision */
    CHECK(!a.m && !a.v && !a.mf && !a.vf);
    hs_adam_free(&a);
}

static void test_first_step(void)
{
    /* m1 = (1-b1) g, v1 = (1-b2) g^2, bias-corrected: g and g^2 */
    const double g[4] = {3.0, -2e-3, 1e6, 0.0};
    double w[4] = {1.0, 1.0, 1.0, 1.0};
    hs_adam a;
    hs_adam_init(&a, 4, 0.05);
    CHECK_EQ_INT(hs_adam_step(&a, w, g), 0);
    for (int i = 0; i < 4; i++)
        CHECK_REL(w[i], 1.0 - 0.05 * g[i] / (fabs(g[i]) + 1e-8), 1e-14);
    CHECK_EQ_INT(a.t, 1);
    CHECK(a.m && a.v && !a.mf);
    hs_adam_free(&a);
}

/* The closed form after t steps of the gradient sequence gs (one parameter). */
static double closed_form(const double *gs, int t, double w0, double lr, double b1, double b2,
                          double eps)
{
    double w = w0;
    for (int s = 1; s <= t; s++) {
        double m = 0.0, v = 0.0;
        for (int k = 1; k <= s; k++) {
            m += (1.0 - b1) * pow(b1, s - k) * gs[k - 1];
            v += (1.0 - b2) * pow(b2, s - k) * gs[k - 1] * gs[k - 1];
        }
        w -= lr * (m / (1.0 - pow(b1, s))) / (sqrt(v / (1.0 - pow(b2, s))) + eps);
    }
    return w;
}

static void test_sequence(void)
{
    const double gs[6] = {0.5, -1.5, 2.0, 0.25, -0.75, 1.0};
    double w = 2.0;
    hs_adam a;
    hs_adam_init(&a, 1, 0.1);
    for (int t = 1; t <= 6; t++) {
        CHECK_EQ_INT(hs_adam_step(&a, &w, &gs[t - 1]), 0);
        CHECK_REL(w, closed_form(gs, t, 2.0, 0.1, 0.9, 0.999, 1e-8), 1e-13);
    }
    /* reset: moments and count to zero, so the next step is a first step again */
    hs_adam_reset(&a);
    CHECK_EQ_INT(a.t, 0);
    CHECK(a.m[0] == 0.0 && a.v[0] == 0.0);
    double w2 = 2.0;
    hs_adam_step(&a, &w2, &gs[0]);
    CHECK_REL(w2, closed_form(gs, 1, 2.0, 0.1, 0.9, 0.999, 1e-8), 1e-15);
    hs_adam_free(&a);
    CHECK(!a.m && !a.v);
}

static void test_f32(void)
{
    const double gs[4] = {0.5, -1.5, 2.0, 0.25};
    float w = 2.0f;
    hs_adam a;
    hs_adam_init(&a, 1, 0.1);
    for (int t = 1; t <= 4; t++) {
        float g = (float)gs[t - 1];
        CHECK_EQ_INT(hs_adam_stepf(&a, &w, &g), 0);
        /* float arithmetic throughout: agrees to float precision, a few ulps per step */
        CHECK_REL((double)w, closed_form(gs, t, 2.0, 0.1, 0.9, 0.999, 1e-8),
                  20.0 * t * FLT_EPSILON);
    }
    CHECK(a.mf && a.vf && !a.m);
    hs_adam_free(&a);
}

static void test_zero_params(void)
{
    hs_adam a;
    hs_adam_init(&a, 0, 0.1);
    CHECK_EQ_INT(hs_adam_step(&a, NULL, NULL), 0);
    CHECK_EQ_INT(hs_adam_stepf(&a, NULL, NULL), 0);
    hs_adam_free(&a);
}

int main(void)
{
    test_defaults_and_init();
    test_first_step();
    test_sequence();
    test_f32();
    test_zero_params();
    return CHECK_DONE();
}
