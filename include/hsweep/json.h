/* Writing JSON: strings quoted and escaped, numbers round-trippable, null for NaN/inf. */
#ifndef HSWEEP_JSON_H
#define HSWEEP_JSON_H

#include <stdio.h>

/* s as a JSON string; a byte that is not part of well-formed UTF-8 is written as \ufffd. */
void hs_json_str(FILE *out, const char *s);
void hs_json_num(FILE *out, double x);

#endif
