/* CRC-32C, bytewise with a 256-entry table (include/hsweep/crc32c.h). */
#include "hsweep/crc32c.h"

/* Reflected Castagnoli polynomial (0x1EDC6F41 bit-reversed). */
#define POLY 0x82F63B78u

static uint32_t table_entry(uint32_t b)
{
    for (int k = 0; k < 8; k++)
        b = b & 1 ? (b >> 1) ^ POLY : b >> 1;
    return b;
}

uint32_t hs_crc32c(uint32_t crc, const void *buf, size_t n)
{
    static uint32_t table[256];
    /* entry 1 is nonzero and filled last (entry 0 is 0): filled once */
    if (!table[1])
        for (uint32_t i = 256; i-- > 0;)
            table[i] = table_entry(i);
    const unsigned char *p = buf;
    crc = ~crc;
    for (size_t i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}
