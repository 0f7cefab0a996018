/* SHA-256 (FIPS 180-4): the sweep file's digest and exec provenance. */
#ifndef HSWEEP_SHA256_H
#define HSWEEP_SHA256_H

#include <stddef.h>

/* Lowercase hex SHA-256 of n bytes (FIPS 180-4) into hex[65]. */
void hs_sha256_hex(const void *data, size_t n, char hex[65]);

#endif
