/* Writing JSON: strings quoted and escaped, numbers round-trippable, null for NaN/inf. */
#ifndef HSWEEP_JSON_H
#define HSWEEP_JSON_H

#include <stdio.h>

void hs_json_str(FILE *out, const char *s);
void hs_json_num(FILE *out, double x);

#endif
