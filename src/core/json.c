#include "hsweep/json.h"

#include <math.h>
#include <stddef.h>

/*
 * Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 if it is not one.
 */
static size_t utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n = 0; /* from the lead byte; 0x80-0xC1 and 0xF5-0xFF lead nothing */
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        n = 2;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        n = 3;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        n = 4;
    unsigned char lo = 0x80, hi = 0xBF; /* the range of the second byte */
    if (p[0] == 0xE0)
        lo = 0xA0;
    else if (p[0] == 0xED)
        hi = 0x9F;
    else if (p[0] == 0xF0)
        lo = 0x90;
    else if (p[0] == 0xF4)
        hi = 0x8F;
    if (n && (p[1] < lo || p[1] > hi))
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

void hs_json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
        size_t n = utf8_len(p);
        if (n == 0) {
            fputs("\\ufffd",
                  out); /* not UTF-8: the replacement character, so the JSON stays valid */
            p++;
            continue;
        }
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", out);
        else if (*p < 0x20 || *p == 0x7F)
            fprintf(out, "\\u%04x", *p);
        else
            fwrite(p, 1, n, out);
        p += n;
    }
    fputc('"', out);
}

void hs_json_num(FILE *out, double x)
{
    if (isfinite(x))
        fprintf(out, "%.17g", x);
    else
        fputs("null", out);
}

/* The value of 4 hex digits at s, or -1. */
static long hex4(const char *s)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = 16 * v + d;
    }
    return v;
}

int hs_json_decode_u(const char *s, size_t n, char utf8[4], size_t *len, const char **why)
{
    long cp = n >= 6 && s[0] == '\\' && s[1] == 'u' ? hex4(s + 2) : -1;
    int used = 6;
    *len = 0;
    if (cp < 0) {
        *why = "\\u needs four hex digits";
        return -1;
    }
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        *why = "a low surrogate \\uDC00-\\uDFFF without a high one before it";
        return -1;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        long lo = n >= 12 && s[6] == '\\' && s[7] == 'u' ? hex4(s + 8) : -1;
        if (lo < 0xDC00 || lo > 0xDFFF) {
            *why = "a high surrogate \\uD800-\\uDBFF not followed by a low one \\uDC00-\\uDFFF";
            return -1;
        }
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        used = 12;
    }
    if (cp == 0) {
        *why = "\\u0000 (NUL) is not allowed in a string here";
        return -1;
    }
    unsigned char *u = (unsigned char *)utf8;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        *len = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        *len = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | (cp >> 12));
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        *len = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | (cp >> 18));
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (unsigned char)(0x80 | (cp & 0x3F));
        *len = 4;
    }
    return used;
}
