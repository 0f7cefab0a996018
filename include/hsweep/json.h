/*
 * Writing JSON: strings quoted and escaped, numbers round-trippable, null for
 * NaN/inf; and decoding a string's \uXXXX escapes (RFC 8259, section 7).
 */
#ifndef HSWEEP_JSON_H
#define HSWEEP_JSON_H

#include <stddef.h>
#include <stdio.h>

/* s as a JSON string; a byte that is not part of well-formed UTF-8 is written as \ufffd. */
void hs_json_str(FILE *out, const char *s);
void hs_json_num(FILE *out, double x);

/*
 * Decode the escape \uXXXX at s[0..n) (s[0] is the backslash) into UTF-8:
 * a code point outside the surrogates as is, a high surrogate (D800-DBFF)
 * together with the low one (DC00-DFFF) that must follow it as \uXXXX, as
 * RFC 8259 section 7 writes characters above U+FFFF.  Returns the bytes of
 * s consumed (6, or 12 for a pair) with the 1 to 4 UTF-8 bytes in utf8[] and
 * their number in *len; or -1 with *why saying what is wrong: not four hex
 * digits, a high surrogate without its low one, a lone low surrogate, or
 * \u0000 (a NUL cannot be part of a C string).
 */
int hs_json_decode_u(const char *s, size_t n, char utf8[4], size_t *len, const char **why);

#endif
