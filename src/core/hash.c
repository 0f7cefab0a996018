/* FNV-1a, 64-bit (include/hsweep/hash.h). */
#include "hsweep/hash.h"

/* The 64-bit FNV prime, 2^40 + 2^8 + 0xb3. */
#define FNV1A64_PRIME 0x100000001b3ULL

uint64_t hs_fnv1a64(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * FNV1A64_PRIME;
    return h;
}
