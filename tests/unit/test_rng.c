/* hs-link: numeric
 * The generator against published values and its contract: xoshiro256**
 * (Blackman & Vigna 2018) from a given state equals the authors' reference
 * code's outputs; hs_mix64 is SplitMix64's output function (reference
 * outputs for seed 1234567) and hs_rng_seed fills the state with SplitMix64's
 * 2nd..5th outputs; uniforms lie in (0, 1) as documented; below(), normal(),
 * gamma() and shuffle() have their distributions' moments and uniform
 * frequencies (chi-square at p = 1e-6); streams of one seed are independent
 * (no shared outputs, correlation within 5 standard errors).
 */
#include <stdint.h>

#include "check.h"
#include "hsweep/rng.h"

#define GOLDEN 0x9e3779b97f4a7c15ULL

/* xoshiro256** from the state {1, 2, 3, 4}: the reference C code's outputs. */
static void test_xoshiro_reference(void)
{
    static const uint64_t want[10] = {11520ULL,
                                      0ULL,
                                      1509978240ULL,
                                      1215971899390074240ULL,
                                      1216172134540287360ULL,
                                      607988272756665600ULL,
                                      16172922978634559625ULL,
                                      8476171486693032832ULL,
                                      10595114339597558777ULL,
                                      2904607092377533576ULL};
    hs_rng r = {{1, 2, 3, 4}, 0.0, 0};
    for (int i = 0; i < 10; i++) {
        uint64_t got = hs_rng_u64(&r);
        CHECK(got == want[i]);
        if (got != want[i])
            fprintf(stderr, "  output %d: %llu, want %llu\n", i, (unsigned long long)got,
                    (unsigned long long)want[i]);
    }
}

/* SplitMix64 (Steele, Lea & Flood 2014; Vigna's splitmix64.c): seeded with
 * 1234567 its first outputs are these; output k is hs_mix64(seed + k * gamma). */
static const uint64_t splitmix_1234567[5] = {6457827717110365317ULL, 3203168211198807973ULL,
                                             9817491932198370423ULL, 4593380528125082431ULL,
                                             16408922859458223821ULL};

static void test_splitmix_reference(void)
{
    for (uint64_t k = 0; k < 5; k++)
        CHECK(hs_mix64(1234567ULL + k * GOLDEN) == splitmix_1234567[k]);
    hs_rng r;
    hs_rng_seed(&r, 1234567ULL);
    for (int i = 0; i < 4; i++)
        CHECK(r.s[i] == splitmix_1234567[i + 1]);
    CHECK_EQ_INT(r.has_spare, 0);
    /* equal seeds, equal streams; another seed, another stream */
    hs_rng a, b, c;
    hs_rng_seed(&a, 42);
    hs_rng_seed(&b, 42);
    hs_rng_seed(&c, 43);
    int same_ab = 1, same_ac = 0;
    for (int i = 0; i < 100; i++) {
        uint64_t x = hs_rng_u64(&a), y = hs_rng_u64(&b), z = hs_rng_u64(&c);
        same_ab &= x == y;
        same_ac += x == z;
    }
    CHECK(same_ab);
    CHECK_EQ_INT(same_ac, 0);
}

static void test_uniform(void)
{
    /* ((u >> 11) + 0.5) / 2^53: output 0 (the 2nd from {1,2,3,4}) gives 2^-54, not 0 */
    hs_rng r = {{1, 2, 3, 4}, 0.0, 0};
    CHECK(hs_rng_uniform(&r) == ((double)(11520ULL >> 11) + 0.5) / 9007199254740992.0);
    CHECK(hs_rng_uniform(&r) == ldexp(1.0, -54));
    hs_rng_seed(&r, 7);
    double lo = 1.0, hi = 0.0, sum = 0.0, sum2 = 0.0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double u = hs_rng_uniform(&r);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
        sum += u;
        sum2 += u * u;
    }
    CHECK(lo > 0.0 && hi < 1.0);
    double mean = sum / n, var = sum2 / n - mean * mean;
    CHECK_NEAR(mean, 0.5, 5.0 * sqrt(1.0 / 12.0 / n));
    /* sd of the sample variance: sqrt((mu4 - sigma^4) / n), mu4 = 1/80, sigma^4 = 1/144 */
    CHECK_NEAR(var, 1.0 / 12.0, 5.0 * sqrt(1.0 / 180.0 / n));
}

/* Pearson chi-square of counts against equal expected frequencies. */
static double chi2_equal(const long *count, int k, long n)
{
    double e = (double)n / k, c = 0.0;
    for (int i = 0; i < k; i++)
        c += (count[i] - e) * (count[i] - e) / e;
    return c;
}

static void test_below(void)
{
    hs_rng r;
    hs_rng_seed(&r, 11);
    for (int i = 0; i < 100; i++)
        CHECK(hs_rng_below(&r, 1) == 0);
    long count[6] = {0};
    const long n = 60000;
    int in_range = 1;
    for (long i = 0; i < n; i++) {
        uint64_t x = hs_rng_below(&r, 6);
        in_range &= x < 6;
        if (x < 6)
            count[x]++;
    }
    CHECK(in_range);
    /* chi-square, 5 degrees of freedom: P(> 35.89) = 1e-6 */
    double c = chi2_equal(count, 6, n);
    CHECK(c < 35.89);
    /* n = 2^63 + 1: the rejection limit is 2^63 + 1 itself (only one slot), no modulo bias */
    uint64_t big = (1ULL << 63) + 1, above = 0;
    for (int i = 0; i < 2000; i++) {
        uint64_t x = hs_rng_below(&r, big);
        CHECK(x < big);
        above += x >= (1ULL << 62);
    }
    /* P(x >= 2^62) = (2^63 + 1 - 2^62) / (2^63 + 1) ~ 1/2: within 5 standard errors */
    CHECK_NEAR((double)above / 2000.0, 0.5, 5.0 * sqrt(0.25 / 2000.0));
}

static void test_normal_gamma(void)
{
    hs_rng r;
    hs_rng_seed(&r, 2024);
    const int n = 200000;
    double s1 = 0, s2 = 0, s4 = 0;
    for (int i = 0; i < n; i++) {
        double z = hs_rng_normal(&r);
        s1 += z;
        s2 += z * z;
        s4 += z * z * z * z;
    }
    /* E z = 0 (sd 1/sqrt n), E z^2 = 1 (sd sqrt(2/n)), E z^4 = 3 (sd sqrt(96/n)) */
    CHECK_NEAR(s1 / n, 0.0, 5.0 / sqrt(n));
    CHECK_NEAR(s2 / n, 1.0, 5.0 * sqrt(2.0 / n));
    CHECK_NEAR(s4 / n, 3.0, 5.0 * sqrt(96.0 / n));
    /* the polar method's pair: the second draw comes from the cache */
    hs_rng_seed(&r, 5);
    (void)hs_rng_normal(&r);
    CHECK_EQ_INT(r.has_spare, 1);
    (void)hs_rng_normal(&r);
    CHECK_EQ_INT(r.has_spare, 0);
    /* Gamma(a): mean a, variance a (sd of the mean sqrt(a/n); of the variance, from
     * the 4th central moment 3a^2 + 6a: sqrt((3a^2 + 6a - a^2)/n)) */
    const double shapes[3] = {0.5, 1.0, 3.0};
    for (int j = 0; j < 3; j++) {
        double a = shapes[j], m = 0, m2 = 0;
        int positive = 1;
        hs_rng_seed(&r, 100 + (uint64_t)j);
        for (int i = 0; i < n; i++) {
            double g = hs_rng_gamma(&r, a);
            positive &= g > 0.0;
            m += g;
            m2 += g * g;
        }
        m /= n;
        double v = m2 / n - m * m;
        CHECK(positive);
        CHECK_NEAR(m, a, 5.0 * sqrt(a / n));
        CHECK_NEAR(v, a, 5.0 * sqrt((2.0 * a * a + 6.0 * a) / n));
    }
}

static void test_shuffle(void)
{
    hs_rng r;
    hs_rng_seed(&r, 99);
    /* a permutation, and each of the 4! = 24 orders of 4 equally often */
    long count[24] = {0};
    const long n = 48000;
    int perm_ok = 1;
    for (long t = 0; t < n; t++) {
        size_t idx[4] = {0, 1, 2, 3};
        hs_rng_shuffle(&r, idx, 4);
        int seen = 0, code = 0, left[4] = {0, 1, 2, 3}, nleft = 4;
        for (int i = 0; i < 4; i++) {
            seen |= 1 << idx[i];
            /* Lehmer code of the order */
            int pos = 0;
            while (pos < nleft && left[pos] != (int)idx[i])
                pos++;
            code = code * (4 - i) + pos;
            for (int q = pos; q + 1 < nleft; q++)
                left[q] = left[q + 1];
            nleft--;
        }
        perm_ok &= seen == 15;
        count[code]++;
    }
    CHECK(perm_ok);
    /* chi-square, 23 degrees of freedom: P(> 70.55) = 1e-6 */
    CHECK(chi2_equal(count, 24, n) < 70.55);
    size_t one = 0;
    hs_rng_shuffle(&r, &one, 1);
    CHECK_EQ_INT(one, 0);
    hs_rng_shuffle(&r, NULL, 0);
}

static void test_streams(void)
{
    /* streams 0, 1 of one seed and the plain seed: no output in common among the
     * first 2000 of each, uniforms uncorrelated (|r| < 5 / sqrt n), reproducible */
    hs_rng a, b, c, a2;
    hs_rng_seed_stream(&a, 77, 0);
    hs_rng_seed_stream(&b, 77, 1);
    hs_rng_seed(&c, 77);
    hs_rng_seed_stream(&a2, 77, 0);
    enum { N = 2000 };
    static uint64_t xa[N], xb[N], xc[N];
    int repro = 1;
    for (int i = 0; i < N; i++) {
        xa[i] = hs_rng_u64(&a);
        xb[i] = hs_rng_u64(&b);
        xc[i] = hs_rng_u64(&c);
        repro &= hs_rng_u64(&a2) == xa[i];
    }
    CHECK(repro);
    int common = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            common += (xa[i] == xb[j]) + (xa[i] == xc[j]) + (xb[i] == xc[j]);
    CHECK_EQ_INT(common, 0);
    const int n = 100000;
    double sab = 0, sa = 0, sb = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
        double u = hs_rng_uniform(&a) - 0.5, v = hs_rng_uniform(&b) - 0.5;
        sab += u * v;
        sa += u;
        sb += v;
        saa += u * u;
        sbb += v * v;
    }
    double cov = sab / n - sa / n * sb / n;
    double corr = cov / sqrt((saa / n - sa / n * sa / n) * (sbb / n - sb / n * sb / n));
    CHECK_NEAR(corr, 0.0, 5.0 / sqrt(n));
    /* neighbouring streams of neighbouring seeds differ too */
    hs_rng d;
    hs_rng_seed_stream(&d, 78, 0);
    CHECK(hs_rng_u64(&d) != xa[0]);
}

int main(void)
{
    test_xoshiro_reference();
    test_splitmix_reference();
    test_uniform();
    test_below();
    test_normal_gamma();
    test_shuffle();
    test_streams();
    return CHECK_DONE();
}
