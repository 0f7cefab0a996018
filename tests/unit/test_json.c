/* JSON strings: escapes, and bytes that are not well-formed UTF-8 (RFC 3629) become U+FFFD. */
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

int main(void)
{
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
    return CHECK_DONE();
}
