/*
 * JSON strings: escapes, and bytes that are not well-formed UTF-8 (RFC 3629)
 * become U+FFFD; and \uXXXX escapes decoded to UTF-8 (RFC 8259 section 7),
 * surrogate pairs by U+10000 + (hi - D800) * 400h + (lo - DC00).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "hsweep/json.h"

/* hs_json_str(s) as a malloc'd string. */
static char *json_of(const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return NULL;
    hs_json_str(f, s);
    fclose(f);
    return buf;
}

static void expect(const char *in, const char *want)
{
    char *got = json_of(in);
    REQUIRE(got != NULL);
    CHECK_EQ_STR(got, want);
    free(got);
}

/* hs_json_num(x) as text in buf. */
static void num_of(double x, char *buf, size_t cap)
{
    char *m = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&m, &len);
    REQUIRE(f != NULL);
    hs_json_num(f, x);
    fclose(f);
    snprintf(buf, cap, "%s", m);
    free(m);
}

/* Numbers: what is finite reads back as the same double (strtod, as JSON
 * readers parse it), NaN and the infinities, which JSON has no word for,
 * are null. */
static void test_numbers(void)
{
    const double xs[] = {0.0,
                         -0.0,
                         1.0,
                         -3.0,
                         0.1,
                         1.0 / 3.0,
                         2.5e-308,
                         4.9e-324,
                         1.7976931348623157e308,
                         123456789012345678.0,
                         -7.25e-5};
    char buf[64];
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        num_of(xs[i], buf, sizeof buf);
        char *end = NULL;
        double back = strtod(buf, &end);
        CHECK(*end == 0 && memcmp(&back, &xs[i], sizeof back) == 0);
        /* a JSON number: no "inf", "nan", leading "+" or bare "." */
        CHECK(strspn(buf, "-0123456789.e+") == strlen(buf) && buf[0] != '+' && buf[0] != '.');
    }
    num_of(NAN, buf, sizeof buf);
    CHECK_EQ_STR(buf, "null");
    num_of(INFINITY, buf, sizeof buf);
    CHECK_EQ_STR(buf, "null");
    num_of(-INFINITY, buf, sizeof buf);
    CHECK_EQ_STR(buf, "null");
}

/* Decode the escape at the start of in: consumed bytes and the UTF-8 it gives (or the error). */
static void decode(const char *in, int want_used, const char *want)
{
    char u[5] = "";
    size_t len = 9;
    const char *why = NULL;
    int used = hs_json_decode_u(in, strlen(in), u, &len, &why);
    CHECK_EQ_INT(used, want_used);
    if (want_used < 0) {
        CHECK(why != NULL);
        CHECK_CONTAINS(why, want);
        CHECK_EQ_INT(len, 0);
        return;
    }
    REQUIRE(len >= 1 && len <= 4);
    u[len] = 0;
    CHECK_EQ_STR(u, want);
}

int main(void)
{
    /* \uXXXX: one byte (U+0041), two (U+00E9), three (U+20AC, U+FFFF), hex digits of either case */
    decode("\\u0041", 6, "A");
    decode("\\u00e9rest", 6, "\xc3\xa9");
    decode("\\u20AC", 6, "\xe2\x82\xac");
    decode("\\uffff", 6, "\xef\xbf\xbf");
    decode("\\u07FF", 6, "\xdf\xbf");     /* the last two-byte code point */
    decode("\\u0800", 6, "\xe0\xa0\x80"); /* the first three-byte one */
    /* pairs: D83D DE00 = 0x10000 + 0x3D * 0x400 + 0x200 = U+1F600; DBFF DFFF = U+10FFFF; D800 DC00 = U+10000 */
    decode("\\ud83d\\ude00", 12, "\xf0\x9f\x98\x80");
    decode("\\uDBFF\\uDFFF", 12, "\xf4\x8f\xbf\xbf");
    decode("\\uD800\\uDC00", 12, "\xf0\x90\x80\x80");
    /* refused: short, not hex, lone or reversed surrogates, NUL */
    decode("\\u12", -1, "four hex digits");
    decode("\\u12g4", -1, "four hex digits");
    decode("\\ude00", -1, "low surrogate");
    decode("\\ud83d", -1, "high surrogate");
    decode("\\ud83dx\\ude00", -1, "high surrogate");
    decode("\\ud83d\\u0041", -1, "high surrogate");
    decode("\\ude00\\ud83d", -1, "low surrogate");
    decode("\\u0000", -1, "NUL");

    expect("plain", "\"plain\"");
    expect("a\"b\\c\nd\te\x7f", "\"a\\\"b\\\\c\\nd\\u0009e\\u007f\"");
    /* well-formed UTF-8 passes: 2, 3 and 4 bytes (é, €, U+1F600), and the ends of the ranges */
    expect("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    expect("\xed\x9f\xbf\xf4\x8f\xbf\xbf", "\"\xed\x9f\xbf\xf4\x8f\xbf\xbf\"");
    /* Latin-1 bytes, a lone continuation byte, a truncated sequence at the end */
    expect("\xe9t\xe9", "\"\\ufffdt\\ufffd\"");
    expect("a\x80z", "\"a\\ufffdz\"");
    expect("\xe2\x82", "\"\\ufffd\\ufffd\"");
    /* overlong forms, a surrogate, above U+10FFFF: each byte replaced */
    expect("\xc0\xaf", "\"\\ufffd\\ufffd\"");
    expect("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
    expect("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    expect("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    expect(NULL, "\"\"");
    test_numbers();
    return CHECK_DONE();
}
